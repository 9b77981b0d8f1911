/**
 * Reading what a session keeps sealed: the verified identity of a completed session, as
 * one app may see it (pairwise subject, normalized claims, provenance), and the sealed
 * JSON parts (`userData`, the provider's state).
 *
 * A completed session's result is read at `/token` and again at `/userinfo`, a second
 * apart. This instance keeps the results it sealed or opened recently, by the name of
 * their ciphertext (its IV and tag, `SecretBox.sealedName`: equal names under the one key
 * mean equal plaintext). The row is still read each time, so a deleted, purged or
 * changed session is seen at once, on every instance, and what is kept cannot go stale;
 * it saves opening the same result twice (AES-GCM, JSON, the pairwise subject's HMAC).
 * The name, not the whole ciphertext, is the key because under load an entry outlives a
 * few young-generation collections, and what it holds becomes old-space garbage that
 * raises the peak memory. Bounded in count and age, so a person's verified claims stay
 * in this process's memory no longer than that.
 */
import type { SecretBox } from '../security/secrets.js';
import type { StoredVerificationResult } from '../store/verifications.repository.js';
import type { StoredResult } from './session-records.js';
import type { VerifiedIdentity } from './verification.types.js';

/** How long an opened result is kept (milliseconds): the code-to-userinfo span of a sign-in. */
export const OPENED_RESULT_MS = 60_000;

/** Most opened results kept at once (oldest dropped first). */
export const OPENED_RESULTS_MAX = 1_000;

interface OpenedResult {
  /** The plaintext as sealed, until the first read parses it. */
  json: string | undefined;
  /** Parsed (and frozen) at the first read. */
  result: StoredResult | undefined;
  readonly until: number;
  /** The last pairwise subject computed from this result, and for which app and provider. */
  subject?: { readonly clientId: string; readonly providerId: string; readonly sub: string };
}

/** Opens the sealed parts of stored sessions. */
export class VerificationViews {
  readonly #secrets: SecretBox;
  readonly #now: () => number;
  /** By `SecretBox.sealedName` of the result's ciphertext. */
  readonly #opened = new Map<string, OpenedResult>();

  constructor(secrets: SecretBox, now: () => number = Date.now) {
    this.#secrets = secrets;
    this.#now = now;
  }

  /** A completed session's result, sealed for storage (and kept opened here). */
  sealResult(result: StoredResult): string {
    const json = JSON.stringify(result);
    const ciphertext = this.#secrets.encrypt(json);
    // Kept as text: the first read parses it, as it would parse a decryption.
    this.#keep(ciphertext, json);
    return ciphertext;
  }

  /** The verified identity of a stored session, when it has a result. */
  identityOf(stored: StoredVerificationResult): VerifiedIdentity | undefined {
    if (stored.resultCiphertext === null || stored.providerId === null || stored.achievedLoa === null) return undefined;
    const opened = this.#open(stored.resultCiphertext);
    const result = this.#resultOf(opened);
    return {
      sub: this.#subjectOf(opened, stored.clientId, stored.providerId),
      claims: result.claims,
      missingClaims: result.missingClaims,
      loa: stored.achievedLoa,
      verifiedAt: stored.verifiedAt ?? stored.updatedAt,
      providerId: stored.providerId,
      provenance: { providerId: stored.providerId, issuer: result.issuer, rawClaims: result.rawClaims },
    };
  }

  /** A sealed JSON object (`null`: empty). */
  openJson(ciphertext: string | null): Readonly<Record<string, unknown>> {
    return ciphertext === null ? {} : (JSON.parse(this.#secrets.decrypt(ciphertext)) as Record<string, unknown>);
  }

  /** A JSON object sealed (`null` when it is empty). */
  sealOrNull(value: Readonly<Record<string, unknown>>): string | null {
    return Object.keys(value).length === 0 ? null : this.#secrets.encrypt(JSON.stringify(value));
  }

  #open(ciphertext: string): OpenedResult {
    const kept = this.#opened.get(this.#secrets.sealedName(ciphertext));
    if (kept !== undefined && kept.until > this.#now()) return kept;
    return this.#keep(ciphertext, this.#secrets.decrypt(ciphertext));
  }

  #keep(ciphertext: string, json: string): OpenedResult {
    const name = this.#secrets.sealedName(ciphertext);
    this.#opened.delete(name);
    if (this.#opened.size >= OPENED_RESULTS_MAX) {
      const oldest = this.#opened.keys().next();
      if (!oldest.done) this.#opened.delete(oldest.value);
    }
    const opened: OpenedResult = { json, result: undefined, until: this.#now() + OPENED_RESULT_MS };
    this.#opened.set(name, opened);
    return opened;
  }

  #resultOf(opened: OpenedResult): StoredResult {
    if (opened.result === undefined) {
      opened.result = deepFreeze(JSON.parse(opened.json as string) as StoredResult);
      opened.json = undefined;
    }
    return opened.result;
  }

  /** OpenID Connect Core §8.1: a pairwise subject, here per app and provider. */
  #subjectOf(opened: OpenedResult, clientId: string, providerId: string): string {
    const last = opened.subject;
    if (last !== undefined && last.clientId === clientId && last.providerId === providerId) return last.sub;
    const sub = this.#secrets.hash(
      `pairwise-subject-v1\u0000${clientId}\u0000${providerId}\u0000${this.#resultOf(opened).subject}`,
    );
    opened.subject = { clientId, providerId, sub };
    return sub;
  }
}

/** Freezes parsed JSON throughout: a kept result is shared by every later reader. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
