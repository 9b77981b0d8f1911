/**
 * A key set's keys in memory, shared by the OP's token keys (`signing-keys.ts`) and
 * idgate's relying-party keys (`relying-party-keys.ts`): answered from memory until the
 * snapshot's `refreshAt`, then read again, one read at a time (concurrent callers share
 * it). While the database is unreachable the keys in memory stay in use and the read is
 * tried again soon. A rotation by this instance forgets them ({@link KeySnapshot.invalidate}),
 * and a read started before it is never installed after it.
 */

/** How long to keep using the keys in memory after a failed re-read before trying again. */
export const FAILED_REFRESH_RETRY_SECONDS = 5;

/** What a snapshot must say: the clock time, in milliseconds, after which it is read again. */
export interface RefreshableSnapshot {
  readonly refreshAt: number;
}

/** The keys in memory of one key set. */
export class KeySnapshot<S extends RefreshableSnapshot> {
  readonly #load: () => Promise<S>;
  readonly #clock: () => Date;
  #snapshot: S | undefined;
  #loading: Promise<S> | undefined;
  /** Bumped by {@link invalidate} so that a read started before it is not installed after it. */
  #generation = 0;

  /** `load` reads the key set (creating what is missing); `clock` decides when it is due. */
  constructor(load: () => Promise<S>, clock: () => Date) {
    this.#load = load;
    this.#clock = clock;
  }

  /** The snapshot in memory, whether or not it is due for a re-read (undefined before the first read). */
  get held(): S | undefined {
    return this.#snapshot;
  }

  /** The snapshot, synchronously while it is not due; else the read that replaces it. */
  current(): Promise<S> | S {
    const snapshot = this.#snapshot;
    if (snapshot && this.#clock().getTime() < snapshot.refreshAt) return snapshot;
    return this.reload();
  }

  /** Reads the keys now (or joins the read under way). */
  reload(): Promise<S> {
    if (this.#loading) return this.#loading;
    const generation = this.#generation;
    const loading = this.#load().then(
      (snapshot) => {
        if (this.#loading === loading) this.#loading = undefined;
        if (generation === this.#generation) this.#snapshot = snapshot;
        return snapshot;
      },
      (error: unknown) => {
        if (this.#loading === loading) this.#loading = undefined;
        const stale = this.#snapshot;
        // Keep using the keys in memory while the database is unreachable; try again soon.
        if (!stale || generation !== this.#generation) throw error;
        const retried: S = { ...stale, refreshAt: this.#clock().getTime() + FAILED_REFRESH_RETRY_SECONDS * 1000 };
        this.#snapshot = retried;
        return retried;
      },
    );
    this.#loading = loading;
    return loading;
  }

  /** Forgets the keys in memory (after a rotation by this instance). */
  invalidate(): void {
    this.#generation += 1;
    this.#snapshot = undefined;
    this.#loading = undefined;
  }
}
