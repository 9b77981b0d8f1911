/**
 * How many rows one retention delete removes at most (`purgeExpired`, `purgeFinished`).
 *
 * Why batches: better-sqlite3 is synchronous, so one `DELETE` of a large backlog would hold
 * the event loop (and SQLite's write lock) for as long as it runs; on PostgreSQL it would
 * hold row locks and grow one long transaction. Each batch is one short statement on an
 * `expires_at` (or `status, updated_at`) index; the purge job (`purge-job.ts`) repeats it
 * until a batch comes back short, yielding to the event loop in between.
 */

/** The default: a few milliseconds of work per statement on either dialect. */
export const PURGE_BATCH_SIZE = 1000;

/**
 * Checks a batch size.
 * @throws RangeError unless it is a positive integer.
 */
export function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`invalid purge batch size ${String(batchSize)}: expected a positive integer`);
  }
}
