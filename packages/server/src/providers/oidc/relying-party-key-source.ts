/**
 * What the upstream adapter needs of idgate's relying-party keys (SPEC 11), declared here
 * so that the adapter depends on this small interface and not on where the keys live
 * (`security/relying-party-keys.ts` provides it, over the database).
 */
import type { CryptoKey } from 'jose';

/** idgate's relying-party keys, as the adapter uses them. */
export interface RelyingPartyKeySource {
  /** The active signing key: `private_key_jwt` client assertions and request objects. */
  signingKey(): Promise<{ readonly kid: string; readonly alg: 'ES256' | 'PS256'; readonly key: CryptoKey }>;
  /** Every key that decrypts now (the active encryption key, then those in their grace after a rotation). */
  decryptionKeys(): Promise<
    readonly { readonly kid: string; readonly alg: 'ECDH-ES' | 'RSA-OAEP-256'; readonly key: CryptoKey }[]
  >;
}
