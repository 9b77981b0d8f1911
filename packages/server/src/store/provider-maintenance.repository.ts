/**
 * Providers switched to maintenance by an operator (`provider_maintenance`, migration
 * 0008): one row per provider while it is in maintenance, in the database every instance
 * shares, so the switch holds for all of them at once.
 */
import type { Selectable } from 'kysely';
import { compileOnce } from './compiled-query.js';
import type { Database } from './database.js';
import type { ProviderMaintenanceTable } from './schema.js';

/** A provider's maintenance, as stored. */
export interface ProviderMaintenanceRecord {
  readonly providerId: string;
  /** When the maintenance is expected to end (null: until switched off). */
  readonly until: Date | null;
  /** What the operator said about it (shown to nobody but the admin API). */
  readonly reason: string | null;
  readonly since: Date;
}

/** Maintenance switches, on either dialect. */
export class ProviderMaintenanceRepository {
  readonly #database: Database;
  /** `active`, on every provider start: SQL compiled once (see compiled-query.ts). */
  readonly #active: (parameters: unknown[]) => Promise<Selectable<ProviderMaintenanceTable>[]>;

  constructor(database: Database) {
    this.#database = database;
    const db = database.db;
    this.#active = compileOnce(
      db,
      db
        .selectFrom('provider_maintenance')
        .selectAll()
        .where((eb) => eb.or([eb('until', 'is', null), eb('until', '>', '')])),
    );
  }

  /** Every provider in maintenance at `now` (a maintenance whose `until` passed is over). */
  async active(now: Date): Promise<ReadonlyMap<string, ProviderMaintenanceRecord>> {
    const rows = await this.#active([now.toISOString()]);
    return new Map(rows.map((row) => [row.provider_id, toRecord(row)]));
  }

  /** Switches a provider to maintenance (or changes its end); keeps `since` of a running one. */
  async put(
    providerId: string,
    until: Date | null,
    reason: string | null,
    now: Date,
  ): Promise<ProviderMaintenanceRecord> {
    const row = await this.#database.db
      .insertInto('provider_maintenance')
      .values({
        provider_id: providerId,
        until: until?.toISOString() ?? null,
        reason,
        since: now.toISOString(),
      })
      .onConflict((oc) =>
        oc
          .column('provider_id')
          .doUpdateSet((eb) => ({ until: eb.ref('excluded.until'), reason: eb.ref('excluded.reason') })),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRecord(row);
  }

  /** Ends a provider's maintenance; returns whether it was in maintenance. */
  async remove(providerId: string): Promise<boolean> {
    const result = await this.#database.db
      .deleteFrom('provider_maintenance')
      .where('provider_id', '=', providerId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

function toRecord(row: { provider_id: string; until: string | null; reason: string | null; since: string }) {
  return {
    providerId: row.provider_id,
    until: row.until === null ? null : new Date(row.until),
    reason: row.reason,
    since: new Date(row.since),
  };
}
