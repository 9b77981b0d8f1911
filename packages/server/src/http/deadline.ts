/**
 * Waiting for something at most so long: readiness checks, the start's first database
 * query, the shutdown's drain. The work itself is not cancelled (its own bounds end it);
 * only the wait is.
 */

/** How a bounded wait ended. */
export type BoundedOutcome<T> = { readonly timedOut: false; readonly value: T } | { readonly timedOut: true };

/**
 * Waits for `work` for at most `milliseconds`. Resolves with its value, or `timedOut`
 * when the bound passed first (a later failure of `work` is then ignored); rejects when
 * `work` rejects in time. The timer never keeps the process alive.
 */
export function settleWithin<T>(work: Promise<T>, milliseconds: number): Promise<BoundedOutcome<T>> {
  return new Promise(function waitBounded(resolve, reject) {
    const timer = setTimeout(function boundPassed() {
      resolve({ timedOut: true });
    }, milliseconds);
    timer.unref();
    work.then(
      function finished(value) {
        clearTimeout(timer);
        resolve({ timedOut: false, value });
      },
      function failed(error: unknown) {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
