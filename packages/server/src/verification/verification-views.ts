/**
 * Reading what a session keeps sealed: the verified identity of a completed session, as
 * one app may see it (pairwise subject, normalized claims, provenance), and the sealed
 * JSON parts (`userData`, the provider's state).
 */
import type { SecretBox } from '../security/secrets.js';
import type { StoredVerificationResult } from '../store/verifications.repository.js';
import type { StoredResult } from './session-records.js';
import type { VerifiedIdentity } from './verification.types.js';

/** Opens the sealed parts of stored sessions. */
export class VerificationViews {
  readonly #secrets: SecretBox;

  constructor(secrets: SecretBox) {
    this.#secrets = secrets;
  }

  /** The verified identity of a stored session, when it has a result. */
  identityOf(stored: StoredVerificationResult): VerifiedIdentity | undefined {
    if (stored.resultCiphertext === null || stored.providerId === null || stored.achievedLoa === null) return undefined;
    const result = JSON.parse(this.#secrets.decrypt(stored.resultCiphertext)) as StoredResult;
    return {
      sub: this.#pairwiseSubject(stored.clientId, stored.providerId, result.subject),
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

  /** OpenID Connect Core §8.1: a pairwise subject, here per app and provider. */
  #pairwiseSubject(clientId: string, providerId: string, providerSubject: string): string {
    return this.#secrets.hash(`pairwise-subject-v1\u0000${clientId}\u0000${providerId}\u0000${providerSubject}`);
  }
}
