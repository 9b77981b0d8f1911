/**
 * Retention: deletes OAuth records that can no longer matter and old webhook delivery
 * logs, so that these tables stop growing forever (docs/architecture.md, Retention).
 *
 * What goes, and when (cut-offs from the injected clock, taken once per run):
 * - revocations and idempotency records: at their own `expires_at` (the revoked tokens
 *   have expired anyway; the record's key may be used anew);
 * - pushed authorization requests and seen `jti`s (client assertions, DPoP proofs): at
 *   their `expires_at` (the `request_uri` can no longer be used; the assertion or proof
 *   that carried the `jti` is refused as expired anyway);
 * - authorization codes and refresh tokens: `IDGATE_PURGE_GRACE` after their `expires_at`.
 *   A used code or a rotated refresh token presented again is recognized as a replay even
 *   after it expired (`tokens/authorization-codes.ts`, `oauth/grants/refresh-token.grant.ts`
 *   check "used" before "expired") and revokes its grant; once its row is gone it would
 *   only be refused as unknown, so the rows are kept a while past expiry;
 * - webhook events that are `delivered` or `failed` (with their attempts): once their last
 *   change is older than `IDGATE_WEBHOOK_RETENTION`. `pending` events are never deleted.
 * - verifications (with their events, webhook events and sealed data): once they ended
 *   (a terminal state) longer than `IDGATE_VERIFICATION_RETENTION` ago, unless a refresh
 *   token issued from them is still live. They are the audit trail, kept that long.
 * Before purging, the job records `expired` for sessions past their expiry that nobody
 * read since (abandoned `/authorize` transactions, REST sessions never polled), in
 * bounded batches, through the verification service (so the app's webhook hears of it).
 *
 * Deletes run in batches (`purge-batch.ts`), each table until a batch comes back short,
 * yielding to the event loop between batches. They are idempotent, so every instance may
 * run the job against a shared database. `start()` purges every `IDGATE_PURGE_INTERVAL`
 * in the background (`buildApp` starts it when the server listens, like the webhook
 * dispatcher); `stop()` ends that, and a run under way stops after its current batch.
 */

import type { Config } from '../config/config.js';
import type { Metrics } from '../http/metrics.js';
import { AuthorizationCodesRepository } from '../store/authorization-codes.repository.js';
import type { Database } from '../store/database.js';
import { IdempotencyRepository } from '../store/idempotency.repository.js';
import { checkBatchSize, PURGE_BATCH_SIZE } from '../store/purge-batch.js';
import { PushedRequestsRepository } from '../store/pushed-requests.repository.js';
import { RefreshTokensRepository } from '../store/refresh-tokens.repository.js';
import { RevocationsRepository } from '../store/revocations.repository.js';
import { SeenJtisRepository } from '../store/seen-jtis.repository.js';
import { WebhookEventsRepository } from '../store/webhook-events.repository.js';
import { PeriodicJob } from './periodic-job.js';

/** Rows one `purgeOnce()` deleted, by table, and the sessions it recorded as expired. */
export interface PurgeRun {
  /** Sessions past their expiry that were recorded as `expired` (not deleted). */
  readonly expiredSessions: number;
  readonly verifications: number;
  readonly authorizationCodes: number;
  readonly refreshTokens: number;
  readonly revocations: number;
  readonly idempotencyRecords: number;
  readonly webhookEvents: number;
  readonly pushedRequests: number;
  readonly seenJtis: number;
}

/** The table behind each count (the label of `idgate_purged_rows_total`). */
const TABLES: Readonly<Record<Exclude<keyof PurgeRun, 'expiredSessions'>, string>> = {
  verifications: 'verifications',
  authorizationCodes: 'authorization_codes',
  refreshTokens: 'refresh_tokens',
  revocations: 'revocations',
  idempotencyRecords: 'idempotency_records',
  webhookEvents: 'webhook_events',
  pushedRequests: 'pushed_authorization_requests',
  seenJtis: 'seen_jtis',
};

/** Where the job logs (a pino / Fastify logger fits). */
export interface PurgeLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** The sessions' part of the job (the verification service fits). */
export interface SessionRetention {
  /** Records up to `limit` sessions past their expiry as `expired`; returns how many it looked at. */
  expireDue(limit: number): Promise<number>;
  /** Deletes up to `limit` sessions that ended at or before `cutoff`; returns how many. */
  purgeEnded(cutoff: Date, limit: number): Promise<number>;
}

/** What the job needs. */
export interface PurgeJobOptions {
  readonly database: Database;
  readonly config: Pick<Config, 'purgeIntervalMs' | 'purgeGraceMs' | 'webhookRetentionMs' | 'verificationRetentionMs'>;
  /** Background expiry and retention of sessions (none: sessions are left alone). */
  readonly sessions?: SessionRetention | undefined;
  readonly clock: () => Date;
  /** Where background runs log (none: they log nothing). */
  readonly log?: PurgeLog | undefined;
  /** Counters for `/metrics` (none: nothing counted). */
  readonly metrics?: Metrics | undefined;
  /** Rows per delete statement (default {@link PURGE_BATCH_SIZE}). */
  readonly batchSize?: number | undefined;
}

/** The purge job of one instance. */
export class PurgeJob {
  readonly #options: PurgeJobOptions;
  readonly #batchSize: number;
  readonly #codes: AuthorizationCodesRepository;
  readonly #refreshTokens: RefreshTokensRepository;
  readonly #revocations: RevocationsRepository;
  readonly #idempotency: IdempotencyRepository;
  readonly #webhookEvents: WebhookEventsRepository;
  readonly #pushedRequests: PushedRequestsRepository;
  readonly #seenJtis: SeenJtisRepository;
  readonly #job: PeriodicJob<PurgeRun>;
  /** Set while `stop()` waits: runs under way end after their current batch. */
  #halting = false;

  constructor(options: PurgeJobOptions) {
    this.#batchSize = options.batchSize ?? PURGE_BATCH_SIZE;
    checkBatchSize(this.#batchSize);
    this.#options = options;
    this.#codes = new AuthorizationCodesRepository(options.database);
    this.#refreshTokens = new RefreshTokensRepository(options.database);
    this.#revocations = new RevocationsRepository(options.database);
    this.#idempotency = new IdempotencyRepository(options.database);
    this.#webhookEvents = new WebhookEventsRepository(options.database);
    this.#pushedRequests = new PushedRequestsRepository(options.database);
    this.#seenJtis = new SeenJtisRepository(options.database);
    const { log, metrics } = options;
    this.#job = new PeriodicJob({
      intervalMs: options.config.purgeIntervalMs,
      work: () => this.#purgeOnce(),
      onResult: (run) => {
        if (Object.values(run).some((count) => count > 0)) log?.info({ purged: run }, 'purged expired records');
      },
      onError: (error) => {
        metrics?.countPurgeFailure();
        log?.warn({ err: error }, 'purge run failed; the next run tries again');
      },
    });
    // Every table's series exists from the start, at 0.
    metrics?.countPurged(Object.fromEntries(Object.values(TABLES).map((table) => [table, 0])));
  }

  /** Whether the background timer runs (`start()` was called and the interval is not 0). */
  get started(): boolean {
    return this.#job.started;
  }

  /** Purges every table once, each until nothing is left to delete; returns the counts. */
  purgeOnce(): Promise<PurgeRun> {
    return this.#job.run();
  }

  /** Starts purging in the background (no-op when the interval is 0 or already started). */
  start(): void {
    this.#job.start();
  }

  /** Stops the background purges; a run under way ends after its current batch. */
  async stop(): Promise<void> {
    this.#halting = true;
    try {
      await this.#job.stop();
    } finally {
      this.#halting = false;
    }
  }

  async #purgeOnce(): Promise<PurgeRun> {
    const { clock, config } = this.#options;
    const now = clock();
    const pastGrace = new Date(now.getTime() - config.purgeGraceMs);
    const pastRetention = new Date(now.getTime() - config.webhookRetentionMs);
    const sessions = this.#options.sessions;
    const sessionsEnded = new Date(now.getTime() - config.verificationRetentionMs);
    return {
      expiredSessions: sessions === undefined ? 0 : await this.#drain('expiredSessions', (n) => sessions.expireDue(n)),
      verifications:
        sessions === undefined || config.verificationRetentionMs === 0
          ? 0
          : await this.#drain('verifications', (n) => sessions.purgeEnded(sessionsEnded, n)),
      authorizationCodes: await this.#drain('authorizationCodes', (n) => this.#codes.purgeExpired(pastGrace, n)),
      refreshTokens: await this.#drain('refreshTokens', (n) => this.#refreshTokens.purgeExpired(pastGrace, n)),
      revocations: await this.#drain('revocations', (n) => this.#revocations.purgeExpired(now, n)),
      idempotencyRecords: await this.#drain('idempotencyRecords', (n) => this.#idempotency.purgeExpired(now, n)),
      webhookEvents: await this.#drain('webhookEvents', (n) => this.#webhookEvents.purgeFinished(pastRetention, n)),
      pushedRequests: await this.#drain('pushedRequests', (n) => this.#pushedRequests.purgeExpired(now, n)),
      seenJtis: await this.#drain('seenJtis', (n) => this.#seenJtis.purgeExpired(now, n)),
    };
  }

  /** Repeats one table's batch delete until a batch comes back short; returns the rows deleted. */
  async #drain(table: keyof PurgeRun, deleteBatch: (batchSize: number) => Promise<number>): Promise<number> {
    let total = 0;
    try {
      while (!this.#halting) {
        const deleted = await deleteBatch(this.#batchSize);
        total += deleted;
        if (deleted < this.#batchSize) break;
        // Let requests in between two batches (better-sqlite3 runs each one synchronously).
        await new Promise(setImmediate);
      }
      return total;
    } finally {
      if (table !== 'expiredSessions') this.#options.metrics?.countPurged({ [TABLES[table]]: total });
    }
  }
}
