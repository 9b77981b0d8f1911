/**
 * Delivers the webhook outbox (SPEC 4, 6): at least once, in order per session, signed
 * like the sign-in hook (`Idgate-Signature`), with `Idgate-Event-Id` for de-duplication.
 *
 * - `deliverDue()` claims due events (with a lease, so several instances can share the
 *   database), POSTs each to the app's current webhook URL, and records the attempt: a
 *   2xx answer delivers it; anything else (other status, timeout, network error, an
 *   address refused under `IDGATE_OUTBOUND_PRIVATE_NETWORKS=deny`) is
 *   retried with exponential backoff and jitter (`retry-schedule.ts`) until
 *   `webhookMaxAttempts`, then the event is `failed`. Redirects are not followed.
 * - `start()` looks for due events every `webhookPollIntervalMs` in the background
 *   (`buildApp` starts it when the server listens); `stop()` ends that and waits for the
 *   deliveries under way, claiming no more (shutdown drains what is in flight only). Times come from the injected clock, so tests drive the schedule.
 */
import { randomUUID } from 'node:crypto';
import { isIdgateError } from '@idgate/errors';
import type { FastifyBaseLogger } from 'fastify';
import type { AppsService } from '../apps/apps.service.js';
import { PeriodicJob } from '../background/periodic-job.js';
import type { Config } from '../config/config.js';
import { postSigned } from '../hooks/outbound-post.js';
import type { Database } from '../store/database.js';
import {
  type WebhookAttemptRecord,
  type WebhookEventRecord,
  WebhookEventsRepository,
} from '../store/webhook-events.repository.js';
import { retryDelayMs } from './retry-schedule.js';

/** How many events one claim takes. */
const CLAIM_BATCH = 20;

/** How many claim rounds one `deliverDue()` makes at most. */
const MAX_ROUNDS = 50;

/** How long a claim lasts beyond the delivery timeout. */
const LEASE_MARGIN_MS = 30_000;

/** What one `deliverDue()` did. */
export interface DeliveryRun {
  /** Attempts made. */
  readonly attempted: number;
  readonly delivered: number;
  /** Attempts that failed and will be retried. */
  readonly retrying: number;
  /** Events that failed for good. */
  readonly failed: number;
}

/** What the dispatcher needs. */
export interface WebhookDispatcherOptions {
  readonly database: Database;
  readonly apps: AppsService;
  readonly config: Pick<
    Config,
    | 'webhookTimeoutMs'
    | 'webhookMaxAttempts'
    | 'webhookRetryBaseMs'
    | 'webhookPollIntervalMs'
    | 'outboundPrivateNetworks'
  >;
  readonly clock: () => Date;
  readonly log: FastifyBaseLogger;
}

/** The webhook dispatcher of one instance. */
export class WebhookDispatcher {
  readonly #options: WebhookDispatcherOptions;
  readonly #repository: WebhookEventsRepository;
  readonly #job: PeriodicJob<DeliveryRun>;
  /** Set while `stop()` waits: a run under way finishes its deliveries and claims no more. */
  #halting = false;

  constructor(options: WebhookDispatcherOptions) {
    this.#options = options;
    this.#repository = new WebhookEventsRepository(options.database);
    this.#job = new PeriodicJob({
      intervalMs: options.config.webhookPollIntervalMs,
      work: () => this.#deliverDue(),
      onError: (error) => options.log.warn({ err: error }, 'webhook delivery run failed'),
    });
  }

  /** The outbox (for the delivery log). */
  get events(): WebhookEventsRepository {
    return this.#repository;
  }

  /** Delivers every due event (in rounds, so a session's later events follow its earlier ones). */
  deliverDue(): Promise<DeliveryRun> {
    return this.#job.run();
  }

  /** Starts looking for due events in the background (no-op when the interval is 0 or already started). */
  start(): void {
    this.#job.start();
  }

  /** Stops the background look-ups and waits for the deliveries under way. */
  async stop(): Promise<void> {
    this.#halting = true;
    try {
      await this.#job.stop();
    } finally {
      this.#halting = false;
    }
  }

  async #deliverDue(): Promise<DeliveryRun> {
    const totals = { attempted: 0, delivered: 0, retrying: 0, failed: 0 };
    const token = randomUUID();
    for (let round = 0; round < MAX_ROUNDS && !this.#halting; round++) {
      const now = this.#options.clock();
      const leaseUntil = new Date(now.getTime() + this.#options.config.webhookTimeoutMs + LEASE_MARGIN_MS);
      const claimed = await this.#repository.claimDue(now, leaseUntil, token, CLAIM_BATCH);
      if (claimed.length === 0) break;
      const outcomes = await Promise.allSettled(claimed.map((event) => this.#deliver(event, token)));
      let unfinished = 0;
      for (const [index, outcome] of outcomes.entries()) {
        if (outcome.status === 'fulfilled') {
          totals.attempted++;
          totals[outcome.value]++;
          continue;
        }
        // Its lease runs out and a later run tries it again.
        unfinished++;
        this.#options.log.warn(
          { event_id: claimed[index]?.id, err: outcome.reason },
          'webhook delivery could not be recorded; retried once its lease ends',
        );
      }
      if (unfinished === claimed.length) break;
    }
    return totals;
  }

  /** One attempt of one claimed event. */
  async #deliver(event: WebhookEventRecord, token: string): Promise<'delivered' | 'retrying' | 'failed'> {
    const { config, clock, log } = this.#options;
    const startedAt = clock();
    const attemptNumber = event.attemptCount + 1;
    const target = await this.#targetOf(event);
    let attempt: WebhookAttemptRecord;
    let permanent = false;
    if (target.kind === 'none') {
      attempt = { attempt: attemptNumber, startedAt, durationMs: 0, httpStatus: null, error: target.reason };
      permanent = true;
    } else {
      const result = await postSigned({
        url: target.url,
        body: event.payload,
        secret: target.secret,
        timeoutMs: config.webhookTimeoutMs,
        now: startedAt,
        privateNetworks: config.outboundPrivateNetworks,
        headers: {
          'idgate-event-id': event.id,
          'idgate-event-type': event.type,
          'idgate-delivery-attempt': String(attemptNumber),
        },
      });
      attempt = {
        attempt: attemptNumber,
        startedAt,
        durationMs: result.durationMs,
        httpStatus: result.kind === 'answered' ? result.status : null,
        error:
          result.kind === 'timeout'
            ? `timed out after ${config.webhookTimeoutMs} ms`
            : result.kind === 'network'
              ? `network error: ${result.message}`
              : result.kind === 'refused'
                ? `address refused: ${result.message}`
                : result.status >= 200 && result.status <= 299
                  ? null
                  : `answered HTTP ${result.status}`,
      };
    }
    const delivered = attempt.error === null;
    const retryCount = event.retryCount + 1;
    const now = clock();
    const status = delivered
      ? 'delivered'
      : permanent || retryCount >= config.webhookMaxAttempts
        ? 'failed'
        : 'pending';
    const nextAttemptAt =
      status === 'pending' ? new Date(now.getTime() + retryDelayMs(retryCount, config.webhookRetryBaseMs)) : now;
    await this.#repository.finishAttempt(event.id, token, { attempt, status, nextAttemptAt, retryCount, now });
    log[delivered ? 'info' : 'warn'](
      {
        event_id: event.id,
        event_type: event.type,
        verification_id: event.verificationId,
        client_id: event.clientId,
        attempt: attemptNumber,
        http_status: attempt.httpStatus,
        duration_ms: attempt.durationMs,
        ...(attempt.error === null ? {} : { delivery_error: attempt.error }),
        delivery_status: status,
        ...(status === 'pending' ? { next_attempt_at: nextAttemptAt.toISOString() } : {}),
      },
      'webhook delivery',
    );
    return delivered ? 'delivered' : status === 'failed' ? 'failed' : 'retrying';
  }

  /** Where an event goes now: the app's current webhook URL and hook secret. */
  async #targetOf(
    event: WebhookEventRecord,
  ): Promise<{ kind: 'post'; url: string; secret: string } | { kind: 'none'; reason: string }> {
    let app: Awaited<ReturnType<AppsService['get']>>;
    try {
      app = await this.#options.apps.get(event.clientId);
    } catch (error) {
      if (isIdgateError(error) && error.code === 'RESOURCE_NOT_FOUND') {
        return { kind: 'none', reason: 'the app no longer exists' };
      }
      throw error;
    }
    if (app.webhookUrl === null) return { kind: 'none', reason: 'the app has no webhook URL' };
    const secret = this.#options.apps.hookSecretOf(app);
    if (secret === undefined) return { kind: 'none', reason: 'the app has no hook secret' };
    return { kind: 'post', url: app.webhookUrl, secret };
  }
}
