/**
 * Prometheus metrics (SPEC 8), kept by `prom-client` in a registry of the instance (never
 * prom-client's global one, so several apps in one process do not collide):
 *
 * | metric | labels |
 * |---|---|
 * | `idgate_http_request_duration_seconds` (histogram) | `method`, `route` (the route pattern; `(unmatched)` for a request no route matched), `status` |
 * | `idgate_errors_total` | `code` (catalog code), `status` (as answered on the route's surface) |
 * | `idgate_upstream_call_duration_seconds` (histogram) | `provider`, `outcome` (`domain/observers.ts`) |
 * | `idgate_verification_outcomes_total` | `provider` (`none` before one was chosen), `status` (terminal state), `status_code` (`none` for completed and app cancellations) |
 * | `idgate_purged_rows_total` | `table` |
 * | `idgate_purge_failures_total` | |
 *
 * plus prom-client's default process and Node.js metrics (`process_*`, `nodejs_*`: CPU,
 * memory, handles, GC, event-loop lag). Those describe the process, not an instance, so
 * they live in one registry per process that every instance's exposition includes (each
 * instance collecting them itself would start one event-loop monitor per app).
 */
import type { IdgateError, TxState, TxStatusCode } from '@idgate/errors';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { UpstreamCallObserver, UpstreamCallOutcome, VerificationOutcomeObserver } from '../domain/observers.js';
import { RequestDurations } from './request-durations.js';

/** The `route` label of a request that matched no route (404, 405): one value, never the raw URL. */
export const UNMATCHED_ROUTE = '(unmatched)';

/** The `method` label of a method no route implements (they are answered 501). */
const OTHER_METHOD = 'OTHER';

const KNOWN_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Request durations: most answers take a millisecond or two; upstream calls and hooks take longer. */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Upstream calls: network round trips, bounded by the provider's timeout. */
const UPSTREAM_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

let processRegistry: Registry | undefined;

/** The process-wide registry of the default metrics, created on first use. */
function defaultMetricsRegistry(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** The metrics of one instance. */
export class Metrics implements UpstreamCallObserver, VerificationOutcomeObserver {
  readonly #registry = new Registry();
  readonly #process = defaultMetricsRegistry();
  /** Observed on every request, so its own lean histogram (`request-durations.ts`). */
  readonly #requestDuration: RequestDurations;
  readonly #errors: Counter<'code' | 'status'>;
  readonly #upstreamDuration: Histogram<'provider' | 'outcome'>;
  readonly #verificationOutcomes: Counter<'provider' | 'status' | 'status_code'>;
  readonly #purgedRows: Counter<'table'>;
  readonly #purgeFailures: Counter;

  constructor() {
    const registers = [this.#registry];
    this.#requestDuration = new RequestDurations({
      name: 'idgate_http_request_duration_seconds',
      help: 'Time to answer HTTP requests, by method, route pattern and status.',
      buckets: REQUEST_BUCKETS,
      registers,
    });
    this.#errors = new Counter({
      name: 'idgate_errors_total',
      help: 'Error answers, by catalog code and status.',
      labelNames: ['code', 'status'],
      registers,
    });
    this.#upstreamDuration = new Histogram({
      name: 'idgate_upstream_call_duration_seconds',
      help: 'Calls to upstream identity providers, by provider and outcome.',
      labelNames: ['provider', 'outcome'],
      buckets: UPSTREAM_BUCKETS,
      registers,
    });
    this.#verificationOutcomes = new Counter({
      name: 'idgate_verification_outcomes_total',
      help: 'Verification sessions that ended, by provider, final status and status code.',
      labelNames: ['provider', 'status', 'status_code'],
      registers,
    });
    this.#purgedRows = new Counter({
      name: 'idgate_purged_rows_total',
      help: 'Rows deleted by the retention purge, by table.',
      labelNames: ['table'],
      registers,
    });
    this.#purgeFailures = new Counter({
      name: 'idgate_purge_failures_total',
      help: 'Retention purge runs that failed.',
      registers,
    });
  }

  /** The media type of {@link render}'s text (Prometheus text exposition format 0.0.4). */
  get contentType(): string {
    return this.#registry.contentType;
  }

  /** Records one answered request: `route` is the route pattern, or {@link UNMATCHED_ROUTE}. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    // Label values only (never the raw method): the map stays as small as the label set.
    const label = KNOWN_METHODS.has(method) ? method : OTHER_METHOD;
    this.#requestDuration.observe(`${label} ${status} ${route}`, label, route, String(status), seconds);
  }

  /** Counts one error answer. */
  countError(error: IdgateError, status: number): void {
    this.#errors.inc({ code: error.code, status: String(status) });
  }

  /** {@inheritDoc UpstreamCallObserver.upstreamCallFinished} */
  upstreamCallFinished(providerId: string, outcome: UpstreamCallOutcome, seconds: number): void {
    this.#upstreamDuration.observe({ provider: providerId, outcome }, seconds);
  }

  /** {@inheritDoc VerificationOutcomeObserver.verificationEnded} */
  verificationEnded(providerId: string | null, status: TxState, statusCode: TxStatusCode | null): void {
    this.#verificationOutcomes.inc({ provider: providerId ?? 'none', status, status_code: statusCode ?? 'none' });
  }

  /** Counts rows deleted by a purge, by table (0 makes the table's series appear). */
  countPurged(rowsByTable: Readonly<Record<string, number>>): void {
    for (const [table, rows] of Object.entries(rowsByTable)) this.#purgedRows.inc({ table }, rows);
  }

  /** Counts one purge run that failed. */
  countPurgeFailure(): void {
    this.#purgeFailures.inc();
  }

  /** The exposition text: this instance's metrics, then the process's. */
  async render(): Promise<string> {
    const [own, process] = await Promise.all([this.#registry.metrics(), this.#process.metrics()]);
    return `${own}\n${process}`;
  }
}
