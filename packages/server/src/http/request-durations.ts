/**
 * `idgate_http_request_duration_seconds`: the one metric observed on every request. A
 * prom-client `Histogram` validates and hashes its label object on every `observe` (a
 * child from `labels()` does too), which costs more than everything else idgate does to
 * answer a discovery request. This histogram keeps one row per label set, found by one
 * Map look-up, and counts into it; prom-client's registry still writes the exposition
 * (it reads `get()` at scrape time, as it reads its own metrics), in the same form as
 * prom-client's histogram: cumulative `_bucket` samples with `le`, then `+Inf`, `_sum`,
 * `_count`.
 */
import type { Metric, MetricObjectWithValues, MetricType, MetricValueWithName, Registry } from 'prom-client';

/** The counts of one label set. */
interface Row {
  readonly labels: Readonly<Record<string, string>>;
  /** Observations per bucket (not cumulative): index i counts values ≤ bounds[i] and > bounds[i - 1]. */
  readonly buckets: Float64Array;
  sum: number;
  count: number;
}

/** A histogram of request durations by `method`, `route` and `status`. */
export class RequestDurations {
  readonly name: string;
  readonly help: string;
  // prom-client declares its metric types as a TypeScript enum that has no runtime value.
  readonly type = 'histogram' as unknown as MetricType;
  readonly aggregator = 'sum';
  readonly #bounds: readonly number[];
  readonly #rows = new Map<string, Row>();

  constructor(options: { name: string; help: string; buckets: readonly number[]; registers: readonly Registry[] }) {
    this.name = options.name;
    this.help = options.help;
    this.#bounds = [...options.buckets].sort((a, b) => a - b);
    // The registry reads `name`, `get()` and `reset()` of what it is given, prom-client's own metrics or not.
    for (const registry of options.registers) registry.registerMetric(this as unknown as Metric);
  }

  /** Counts one request: `key` identifies the label set (the caller's own cache key). */
  observe(key: string, method: string, route: string, status: string, seconds: number): void {
    let row = this.#rows.get(key);
    if (row === undefined) {
      row = { labels: { method, route, status }, buckets: new Float64Array(this.#bounds.length), sum: 0, count: 0 };
      this.#rows.set(key, row);
    }
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && seconds > (bounds[i] as number)) i++;
    if (i < bounds.length) row.buckets[i] = (row.buckets[i] ?? 0) + 1;
    row.sum += seconds;
    row.count += 1;
  }

  /** The samples, as prom-client's histogram gives them to the registry. */
  async get(): Promise<MetricObjectWithValues<MetricValueWithName<string>>> {
    const values: MetricValueWithName<string>[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const row of this.#rows.values()) {
      let cumulative = 0;
      this.#bounds.forEach((bound, i) => {
        cumulative += row.buckets[i] ?? 0;
        values.push({ metricName: bucketName, labels: { le: bound, ...row.labels }, value: cumulative });
      });
      values.push({ metricName: bucketName, labels: { le: '+Inf', ...row.labels }, value: row.count });
      values.push({ metricName: `${this.name}_sum`, labels: { ...row.labels }, value: row.sum });
      values.push({ metricName: `${this.name}_count`, labels: { ...row.labels }, value: row.count });
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      collect: () => {},
      values,
    };
  }

  /** Forgets every observation (the registry's `resetMetrics`). */
  reset(): void {
    this.#rows.clear();
  }
}
