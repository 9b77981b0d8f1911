/** What the log line of a refused provider answer names. */

/**
 * The `debug` of an error or of the first error it wraps that has one (the service wraps
 * provider errors): a wallet failure's `debug.check` names the check that failed.
 */
export function debugOf(error: unknown): unknown {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const debug = (current as { debug?: unknown }).debug;
    if (debug !== undefined) return debug;
    current = current.cause;
  }
  return undefined;
}
