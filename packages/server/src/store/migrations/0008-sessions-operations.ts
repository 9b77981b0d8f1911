/**
 * 0008: what sessions need to be operated (issue 14).
 *
 * - `idempotency_records` gets a lease: `holder` (a random token of the request holding a
 *   running key) and `lease_expires_at` (when a running key whose holder stopped may be
 *   taken over). Running records from before this migration have no lease and can be taken
 *   over at once.
 * - `verifications.error_code`: the catalog code of the error that ended a session (a
 *   provider failure, provider data missing or invalid, an internal error), shown in the
 *   REST view beside the transaction status code. Sessions that ended before stay null.
 * - `verifications (expires_at)`: the background expiry picks sessions past their expiry in
 *   index order; `verifications (updated_at)`: the retention purge picks ended sessions by age.
 * - `app_providers.flow_types`: the flow types an app may use with a provider (null: all
 *   the provider has).
 * - `provider_maintenance`: the maintenance switch of a provider, shared by every instance.
 * - The `login_hint` kept in `verifications.authorization_request` (often a national
 *   identity number) was stored in clear: it is sealed with the instance secret
 *   (`store/sealed-login-hint.ts`), so this migration needs the `SecretBox`.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import { resealedAuthorizationRequest, type Sealer } from '../sealed-login-hint.js';
import { identifierType } from './dialect.js';

/** What the migrations may need beyond the database (see `migrationsFor`). */
export interface MigrationContext {
  /** Seals data at rest with the instance secret (0008: stored login hints). */
  readonly sealer?: Sealer | undefined;
}

/** Sessions per statement when 0008 seals stored login hints. */
const RESEAL_BATCH = 500;

/**
 * Seals the login hints stored in clear by earlier versions. Needs the instance secret;
 * a database that holds none (a fresh one) needs nothing.
 * @throws Error when there are hints to seal and no sealer was given
 */
async function sealStoredLoginHints(db: Kysely<unknown>, sealer: Sealer | undefined): Promise<void> {
  let after = '';
  for (;;) {
    const { rows } = await sql<{ id: string; authorization_request: string }>`
      select id, authorization_request from verifications
      where id > ${after} and authorization_request like ${'%"loginHint":%'}
      order by id limit ${RESEAL_BATCH}`.execute(db);
    for (const row of rows) {
      if (sealer === undefined) {
        throw new Error(
          "migration 0008 must seal the login hints stored in clear and needs the instance secret: run it with the server or `idgate migrate` (IDGATE_SECRET_KEY or the data directory's key)",
        );
      }
      const resealed = resealedAuthorizationRequest(row.authorization_request, sealer);
      if (resealed !== undefined) {
        await sql`update verifications set authorization_request = ${resealed} where id = ${row.id}`.execute(db);
      }
    }
    const last = rows.at(-1);
    if (last === undefined || rows.length < RESEAL_BATCH) return;
    after = last.id;
  }
}

/** Adds the idempotency lease, the error code and retention indexes, and seals stored login hints. */
export function migration0008SessionsOperations(context: MigrationContext = {}): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('idempotency_records').addColumn('holder', 'text').execute();
      await db.schema.alterTable('idempotency_records').addColumn('lease_expires_at', 'text').execute();
      await db.schema.alterTable('verifications').addColumn('error_code', 'text').execute();
      await db.schema.createIndex('verifications_expires_at').on('verifications').column('expires_at').execute();
      await db.schema.createIndex('verifications_updated_at').on('verifications').column('updated_at').execute();
      await db.schema.alterTable('app_providers').addColumn('flow_types', 'text').execute();
      await db.schema
        .createTable('provider_maintenance')
        .addColumn('provider_id', identifierType(db), (col) => col.primaryKey())
        .addColumn('until', 'text')
        .addColumn('reason', 'text')
        .addColumn('since', 'text', (col) => col.notNull())
        .execute();
      await sealStoredLoginHints(db, context.sealer);
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('provider_maintenance').execute();
      await db.schema.alterTable('app_providers').dropColumn('flow_types').execute();
      await db.schema.dropIndex('verifications_updated_at').execute();
      await db.schema.dropIndex('verifications_expires_at').execute();
      await db.schema.alterTable('verifications').dropColumn('error_code').execute();
      await db.schema.alterTable('idempotency_records').dropColumn('lease_expires_at').execute();
      await db.schema.alterTable('idempotency_records').dropColumn('holder').execute();
    },
  };
}
