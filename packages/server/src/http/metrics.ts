/**
 * Prometheus metrics (text exposition format 0.0.4): requests by method and status,
 * errors by catalog code, rows deleted by the purge job (`background/purge-job.ts`) by table
 * and its failed runs. Counters live in process; each instance exposes its own.
 */
import type { IdgateError } from '@idgate/errors';

/** In-process counters. */
export class Metrics {
  readonly #requests = new Map<string, number>();
  readonly #labels = new Map<string, string>();
  readonly #errors = new Map<string, number>();
  /** Rows purged, by table (every table the purge job knows, from 0). */
  readonly #purged = new Map<string, number>();
  #purgeFailures = 0;
  readonly #started = Date.now();

  /** Counts one finished request. */
  countRequest(method: string, status: number): void {
    const key = method + status;
    const count = this.#requests.get(key);
    if (count === undefined) this.#labels.set(key, `method="${method}",status="${status}"`);
    this.#requests.set(key, (count ?? 0) + 1);
  }

  /** Counts one error answer. */
  countError(error: IdgateError, status: number): void {
    const key = `code="${error.code}",status="${status}"`;
    this.#errors.set(key, (this.#errors.get(key) ?? 0) + 1);
  }

  /** Counts rows deleted by a purge, by table. */
  countPurged(rowsByTable: Readonly<Record<string, number>>): void {
    for (const [table, rows] of Object.entries(rowsByTable)) {
      this.#purged.set(table, (this.#purged.get(table) ?? 0) + rows);
    }
  }

  /** Counts one purge run that failed. */
  countPurgeFailure(): void {
    this.#purgeFailures++;
  }

  /** The exposition text. */
  render(): string {
    const lines = [
      '# HELP idgate_http_requests_total HTTP requests answered, by method and status.',
      '# TYPE idgate_http_requests_total counter',
      ...[...this.#requests].map(([key, value]) => `idgate_http_requests_total{${this.#labels.get(key)}} ${value}`),
      '# HELP idgate_errors_total Error responses, by catalog code and status.',
      '# TYPE idgate_errors_total counter',
      ...[...this.#errors].map(([labels, value]) => `idgate_errors_total{${labels}} ${value}`),
      '# HELP idgate_purged_rows_total Rows deleted by the retention purge, by table.',
      '# TYPE idgate_purged_rows_total counter',
      ...[...this.#purged].map(([table, value]) => `idgate_purged_rows_total{table="${table}"} ${value}`),
      '# HELP idgate_purge_failures_total Retention purge runs that failed.',
      '# TYPE idgate_purge_failures_total counter',
      `idgate_purge_failures_total ${this.#purgeFailures}`,
      '# HELP idgate_process_uptime_seconds Seconds since this instance started.',
      '# TYPE idgate_process_uptime_seconds gauge',
      `idgate_process_uptime_seconds ${((Date.now() - this.#started) / 1000).toFixed(3)}`,
      '',
    ];
    return lines.join('\n');
  }
}
