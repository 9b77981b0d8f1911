/**
 * 0004: the app's sign-in hook and webhooks (SPEC 4, 6).
 *
 * - `verifications` records the sign-in hook's state for a session (`pending` while it is
 *   being called, then its outcome) and the `errMsg`/`errCode` of a denial.
 * - `webhook_events` is the webhook outbox: one row per status change of a session of an
 *   app with a webhook URL, written in the same transaction as the change; a dispatcher
 *   delivers it afterwards, claiming rows with a lease (`locked_until`, `lock_token`).
 * - `webhook_attempts` logs every delivery attempt.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import { identifierType, isPostgres } from './dialect.js';

/** Adds the sign-in hook columns and the webhook outbox. */
export const migration0004HooksWebhooks: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const id = identifierType(db);
    const serial = isPostgres(db)
      ? sql`bigint generated always as identity primary key`
      : sql`integer primary key autoincrement`;

    await db.schema
      .alterTable('verifications')
      .addColumn('signin_hook_state', 'text', (col) =>
        col.check(sql`signin_hook_state in ('pending', 'allowed', 'denied', 'unavailable')`),
      )
      .execute();
    await db.schema.alterTable('verifications').addColumn('signin_hook_err_msg', 'text').execute();
    await db.schema.alterTable('verifications').addColumn('signin_hook_err_code', 'text').execute();

    await db.schema
      .createTable('webhook_events')
      .addColumn('seq', serial as never)
      .addColumn('id', id, (col) => col.notNull().unique())
      .addColumn('client_id', id, (col) => col.notNull().references('apps.client_id').onDelete('cascade'))
      .addColumn('verification_id', id, (col) => col.notNull().references('verifications.id').onDelete('cascade'))
      .addColumn('type', 'text', (col) => col.notNull())
      .addColumn('payload', 'text', (col) => col.notNull())
      .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('pending', 'delivered', 'failed')`))
      .addColumn('attempt_count', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('retry_count', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'text', (col) => col.notNull())
      .addColumn('locked_until', 'text')
      .addColumn('lock_token', 'text')
      .addColumn('last_http_status', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('delivered_at', 'text')
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('updated_at', 'text', (col) => col.notNull())
      .execute();
    // The dispatcher's claim: due pending events.
    await db.schema
      .createIndex('webhook_events_due')
      .on('webhook_events')
      .columns(['status', 'next_attempt_at'])
      .execute();
    // The delivery log of an app, newest first.
    await db.schema.createIndex('webhook_events_client').on('webhook_events').columns(['client_id', 'seq']).execute();
    // Per-session order: an event waits for the earlier pending ones of its session.
    await db.schema
      .createIndex('webhook_events_verification')
      .on('webhook_events')
      .columns(['verification_id', 'seq'])
      .execute();

    await db.schema
      .createTable('webhook_attempts')
      .addColumn('id', serial as never)
      .addColumn('event_id', id, (col) => col.notNull().references('webhook_events.id').onDelete('cascade'))
      .addColumn('attempt', 'integer', (col) => col.notNull())
      .addColumn('started_at', 'text', (col) => col.notNull())
      .addColumn('duration_ms', 'integer', (col) => col.notNull())
      .addColumn('http_status', 'integer')
      .addColumn('error', 'text')
      .execute();
    await db.schema.createIndex('webhook_attempts_event').on('webhook_attempts').columns(['event_id', 'id']).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('webhook_attempts').execute();
    await db.schema.dropTable('webhook_events').execute();
    await db.schema.alterTable('verifications').dropColumn('signin_hook_err_code').execute();
    await db.schema.alterTable('verifications').dropColumn('signin_hook_err_msg').execute();
    await db.schema.alterTable('verifications').dropColumn('signin_hook_state').execute();
  },
};
