/**
 * Client secrets this instance has refused on what the database said, so that a client
 * that keeps presenting a wrong secret (an old deployment after a rotation, a typo in a
 * config) is refused from memory instead of re-reading its app on every request.
 *
 * Why a remembered refusal stays right: idgate generates every client secret itself (256
 * random bits, never chosen by a caller), so a value that did not match the app's current
 * or previous secret when the database was read can only match a later secret by chance
 * (2^-256). A secret rotated on another instance is a new value, never refused before, so
 * it still works at once. Only wrong-secret refusals are remembered: a disabled app, or an
 * authentication method the app does not allow, can change back, and those refusals keep
 * re-reading the database.
 *
 * Entries are keyed by the client id and the keyed hash of the presented secret (never
 * the secret itself), live {@link REFUSED_SECRET_TTL_MS}, and the set is bounded: when it
 * is full it starts again empty (as the app cache does), so a flood of different guesses
 * costs memory up to the bound and then only the database reads it would have cost anyway.
 */

/** How long a refusal is remembered (wall-clock milliseconds). */
export const REFUSED_SECRET_TTL_MS = 5 * 60_000;

/** Most refusals one instance remembers. */
export const REFUSED_SECRET_MAX_ENTRIES = 10_000;

/** A bounded, expiring set of (client id, secret digest) pairs refused against the database. */
export class RefusedSecrets {
  readonly #until = new Map<string, number>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Whether this digest was refused for this client within the last {@link REFUSED_SECRET_TTL_MS}. */
  has(clientId: string, digest: string): boolean {
    const key = keyOf(clientId, digest);
    const until = this.#until.get(key);
    if (until === undefined) return false;
    if (until > this.#now()) return true;
    this.#until.delete(key);
    return false;
  }

  /** Remembers a refusal made on a record read from the database. */
  remember(clientId: string, digest: string): void {
    if (this.#until.size >= REFUSED_SECRET_MAX_ENTRIES) this.#until.clear();
    this.#until.set(keyOf(clientId, digest), this.#now() + REFUSED_SECRET_TTL_MS);
  }

  /** How many refusals are remembered (for tests and metrics). */
  get size(): number {
    return this.#until.size;
  }
}

function keyOf(clientId: string, digest: string): string {
  return `${clientId}\n${digest}`;
}
