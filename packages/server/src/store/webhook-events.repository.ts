/**
 * The webhook outbox (`webhook_events`) and its delivery log (`webhook_attempts`), on
 * either dialect. Rows are written by `store/verifications.repository.ts` in the
 * transaction of the status change; this module claims, finishes, lists and reschedules
 * them.
 *
 * Several instances may deliver from one database: a row is claimed with a lease
 * (`locked_until`, `lock_token`) by an `UPDATE … WHERE` that re-checks it is still
 * claimable, so exactly one instance wins it; a result is written only by the holder of
 * the lease. An event is claimable only when no earlier event of the same session is
 * still pending, so one session's events arrive in order.
 */
import type { Selectable } from 'kysely';
import type { Database } from './database.js';
import { checkBatchSize, PURGE_BATCH_SIZE } from './purge-batch.js';
import type { WebhookAttemptsTable, WebhookEventsTable } from './schema.js';

/** Where an event stands. */
export type WebhookEventStatus = WebhookEventsTable['status'];

/** The statuses an event ends in; only these are purged. */
const FINISHED: readonly WebhookEventStatus[] = ['delivered', 'failed'];

/** An outbox row. */
export interface WebhookEventRecord {
  /** Keyset cursor and delivery order. */
  readonly seq: number;
  readonly id: string;
  readonly clientId: string;
  readonly verificationId: string;
  readonly type: string;
  readonly payload: string;
  readonly status: WebhookEventStatus;
  readonly attemptCount: number;
  readonly retryCount: number;
  readonly nextAttemptAt: Date;
  readonly lastHttpStatus: number | null;
  readonly lastError: string | null;
  readonly deliveredAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** One delivery attempt. */
export interface WebhookAttemptRecord {
  readonly attempt: number;
  readonly startedAt: Date;
  readonly durationMs: number;
  readonly httpStatus: number | null;
  readonly error: string | null;
}

/** What an attempt ended with, and what happens next. */
export interface AttemptResult {
  readonly attempt: WebhookAttemptRecord;
  /** `pending` (retry at `nextAttemptAt`), `delivered` or `failed`. */
  readonly status: WebhookEventStatus;
  readonly nextAttemptAt: Date;
  readonly retryCount: number;
  readonly now: Date;
}

/** Filters of the delivery log. */
export interface WebhookEventFilter {
  readonly clientId: string;
  readonly verificationId?: string | undefined;
  readonly status?: WebhookEventStatus | undefined;
  /** Only events older than this `seq` (the cursor). */
  readonly before?: number | undefined;
  readonly limit: number;
}

/** The outbox on either dialect. */
export class WebhookEventsRepository {
  readonly #database: Database;

  constructor(database: Database) {
    this.#database = database;
  }

  /**
   * Claims up to `limit` due events for `leaseUntil` under `token`, oldest first; each is
   * claimed by one conditional `UPDATE`, so of several instances exactly one wins a row.
   */
  async claimDue(now: Date, leaseUntil: Date, token: string, limit: number): Promise<WebhookEventRecord[]> {
    const db = this.#database.db;
    const at = now.toISOString();
    const candidates = await db
      .selectFrom('webhook_events as e')
      .select('e.id')
      .where('e.status', '=', 'pending')
      .where('e.next_attempt_at', '<=', at)
      .where((eb) => eb.or([eb('e.locked_until', 'is', null), eb('e.locked_until', '<=', at)]))
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('webhook_events as earlier')
              .select('earlier.id')
              .whereRef('earlier.verification_id', '=', 'e.verification_id')
              .whereRef('earlier.seq', '<', 'e.seq')
              .where('earlier.status', '=', 'pending'),
          ),
        ),
      )
      .orderBy('e.seq')
      .limit(limit)
      .execute();
    const claimed: WebhookEventRecord[] = [];
    for (const candidate of candidates) {
      const row = await db
        .updateTable('webhook_events')
        .set({ locked_until: leaseUntil.toISOString(), lock_token: token })
        .where('id', '=', candidate.id)
        .where('status', '=', 'pending')
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', at)]))
        .returningAll()
        .executeTakeFirst();
      if (row !== undefined) claimed.push(toEvent(row));
    }
    return claimed;
  }

  /**
   * Records an attempt and, if `token` still holds the lease, the event's new state.
   * Returns whether the event was updated.
   */
  async finishAttempt(eventId: string, token: string, result: AttemptResult): Promise<boolean> {
    return this.#database.db.transaction().execute(async function finish(trx) {
      await trx
        .insertInto('webhook_attempts')
        .values({
          event_id: eventId,
          attempt: result.attempt.attempt,
          started_at: result.attempt.startedAt.toISOString(),
          duration_ms: result.attempt.durationMs,
          http_status: result.attempt.httpStatus,
          error: result.attempt.error,
        })
        .execute();
      const updated = await trx
        .updateTable('webhook_events')
        .set({
          status: result.status,
          attempt_count: result.attempt.attempt,
          retry_count: result.retryCount,
          next_attempt_at: result.nextAttemptAt.toISOString(),
          locked_until: null,
          lock_token: null,
          last_http_status: result.attempt.httpStatus,
          last_error: result.attempt.error,
          updated_at: result.now.toISOString(),
          ...(result.status === 'delivered' ? { delivered_at: result.now.toISOString() } : {}),
        })
        .where('id', '=', eventId)
        .where('lock_token', '=', token)
        .executeTakeFirst();
      return Number(updated.numUpdatedRows) === 1;
    });
  }

  /** An event by id. */
  async find(eventId: string): Promise<WebhookEventRecord | undefined> {
    const row = await this.#database.db
      .selectFrom('webhook_events')
      .selectAll()
      .where('id', '=', eventId)
      .executeTakeFirst();
    return row === undefined ? undefined : toEvent(row);
  }

  /** The attempts of an event, oldest first. */
  async attempts(eventId: string): Promise<WebhookAttemptRecord[]> {
    const rows = await this.#database.db
      .selectFrom('webhook_attempts')
      .selectAll()
      .where('event_id', '=', eventId)
      .orderBy('id')
      .execute();
    return rows.map(toAttempt);
  }

  /** An app's events, newest first, one page (and whether there are more). */
  async list(filter: WebhookEventFilter): Promise<{ events: WebhookEventRecord[]; more: boolean }> {
    let query = this.#database.db.selectFrom('webhook_events').selectAll().where('client_id', '=', filter.clientId);
    if (filter.verificationId !== undefined) query = query.where('verification_id', '=', filter.verificationId);
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (filter.before !== undefined) query = query.where('seq', '<', filter.before);
    const rows = await query
      .orderBy('seq', 'desc')
      .limit(filter.limit + 1)
      .execute();
    return { events: rows.slice(0, filter.limit).map(toEvent), more: rows.length > filter.limit };
  }

  /** Schedules an event for delivery now, as a new series of attempts. */
  async reschedule(eventId: string, now: Date): Promise<WebhookEventRecord | undefined> {
    const at = now.toISOString();
    const row = await this.#database.db
      .updateTable('webhook_events')
      .set({ status: 'pending', retry_count: 0, next_attempt_at: at, updated_at: at })
      .where('id', '=', eventId)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toEvent(row);
  }

  /**
   * Deletes up to `batchSize` finished events (`delivered` or `failed`) last changed
   * before `before`; returns how many. Their attempts go with them (`on delete cascade`;
   * SQLite is opened with `foreign_keys = ON`). `pending` events are never deleted, and
   * the status is checked again outside the subquery, so an event a concurrent
   * redelivery has just made `pending` again is kept.
   */
  async purgeFinished(before: Date, batchSize: number = PURGE_BATCH_SIZE): Promise<number> {
    checkBatchSize(batchSize);
    const cutoff = before.toISOString();
    const result = await this.#database.db
      .deleteFrom('webhook_events')
      .where('status', 'in', FINISHED)
      .where('updated_at', '<', cutoff)
      .where('seq', 'in', (eb) =>
        eb
          .selectFrom('webhook_events')
          .select('seq')
          .where('status', 'in', FINISHED)
          .where('updated_at', '<', cutoff)
          .limit(batchSize),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function toEvent(row: Selectable<WebhookEventsTable>): WebhookEventRecord {
  return {
    seq: Number(row.seq),
    id: row.id,
    clientId: row.client_id,
    verificationId: row.verification_id,
    type: row.type,
    payload: row.payload,
    status: row.status,
    attemptCount: Number(row.attempt_count),
    retryCount: Number(row.retry_count),
    nextAttemptAt: new Date(row.next_attempt_at),
    lastHttpStatus: row.last_http_status === null ? null : Number(row.last_http_status),
    lastError: row.last_error,
    deliveredAt: row.delivered_at === null ? null : new Date(row.delivered_at),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

function toAttempt(row: Selectable<WebhookAttemptsTable>): WebhookAttemptRecord {
  return {
    attempt: Number(row.attempt),
    startedAt: new Date(row.started_at),
    durationMs: Number(row.duration_ms),
    httpStatus: row.http_status === null ? null : Number(row.http_status),
    error: row.error,
  };
}
