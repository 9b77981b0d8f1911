/**
 * Work an instance does in the background while it listens (webhook delivery, the purge
 * job): every `intervalMs` on an unref'ed timer (so it never keeps the process alive),
 * at most one background run at a time, and a `stop()` that ends the timer and waits
 * for every run under way — background or started by hand with {@link PeriodicJob.run}.
 * A background run that fails goes to `onError` (it never escapes as an unhandled
 * rejection); the next tick tries again.
 */

/** What a {@link PeriodicJob} runs and where its background outcomes go. */
export interface PeriodicJobOptions<T> {
  /** Milliseconds between two background runs; 0 means no background runs. */
  readonly intervalMs: number;
  /** One run. */
  readonly work: () => Promise<T>;
  /** A background run's result (runs started by hand return theirs to the caller). */
  readonly onResult?: (result: T) => void;
  /** A background run's failure. */
  readonly onError: (error: unknown) => void;
}

/** A job run now and then in the background, and on demand. */
export class PeriodicJob<T> {
  readonly #options: PeriodicJobOptions<T>;
  readonly #running = new Set<Promise<unknown>>();
  #timer: NodeJS.Timeout | undefined;
  #tickBusy = false;

  constructor(options: PeriodicJobOptions<T>) {
    this.#options = options;
  }

  /** Whether the background timer runs (`start()` was called and the interval is not 0). */
  get started(): boolean {
    return this.#timer !== undefined;
  }

  /** Runs the work once now; `stop()` waits for it too. */
  async run(): Promise<T> {
    const run = this.#options.work();
    this.#running.add(run);
    try {
      return await run;
    } finally {
      this.#running.delete(run);
    }
  }

  /** Starts the background runs (no-op when the interval is 0 or already started). */
  start(): void {
    const interval = this.#options.intervalMs;
    if (interval === 0 || this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.#tick(), interval);
    this.#timer.unref();
  }

  /** Stops the background runs and waits for every run under way. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await Promise.allSettled([...this.#running]);
  }

  #tick(): void {
    if (this.#tickBusy) return;
    this.#tickBusy = true;
    this.run()
      .then((result) => this.#options.onResult?.(result))
      .catch((error: unknown) => this.#options.onError(error))
      .finally(() => {
        this.#tickBusy = false;
      });
  }
}
