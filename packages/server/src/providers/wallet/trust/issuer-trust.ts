/**
 * Whom a wallet provider trusts to issue credentials and status lists (SPEC 10): an issuer
 * key comes either from an `x5c` chain that ends at a configured trust anchor (the leaf
 * must then name an `https` `iss` among its subject alternative names, SD-JWT VC §3.5), or
 * from the JWKS configured for the token's `iss` (`trustedIssuers`). Anything else is
 * `PROVIDER_CREDENTIAL_UNTRUSTED`.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { walletFailure } from '../wallet-errors.js';
import { TrustAnchors } from './x509-chain.js';

/** The key that signed an issuer's token, and who the issuer is. */
export interface IssuerKey {
  readonly key: KeyObject;
  /** The subject of the issuer certificate (RFC 4514), or `iss` for a configured JWKS. */
  readonly issuer: string;
  /** The issuer certificate's `C`, if any. */
  readonly issuingCountry: string | undefined;
  readonly via: 'x5c' | 'jwks';
}

/** What {@link IssuerTrust} is built from (the provider's configuration). */
export interface IssuerTrustConfig {
  readonly trustAnchors: readonly string[];
  readonly trustedIssuers: readonly { readonly iss: string; readonly jwks: { readonly keys: readonly object[] } }[];
}

interface TrustedKey {
  readonly kid: string | undefined;
  readonly key: KeyObject;
}

/** The trust of one wallet provider: its anchors and issuer keys, parsed once. */
export class IssuerTrust {
  readonly anchors: TrustAnchors;
  readonly #issuers: ReadonlyMap<string, readonly TrustedKey[]>;

  constructor(config: IssuerTrustConfig) {
    this.anchors = new TrustAnchors(config.trustAnchors);
    this.#issuers = new Map(
      config.trustedIssuers.map((issuer) => [
        issuer.iss,
        issuer.jwks.keys.map(function importKey(jwk) {
          const kid = (jwk as { kid?: unknown }).kid;
          return {
            kid: typeof kid === 'string' ? kid : undefined,
            key: createPublicKey({ key: jwk as never, format: 'jwk' }),
          };
        }),
      ]),
    );
  }

  /**
   * The key of the issuer of a token with this protected header and `iss`.
   * @throws IdgateError `PROVIDER_CREDENTIAL_UNTRUSTED` (`issuer-chain`, `issuer-san`, `unknown-issuer`, `issuer-key`)
   */
  resolve(header: Readonly<Record<string, unknown>>, iss: unknown, now: Date): IssuerKey {
    const x5c = header.x5c;
    if (x5c !== undefined) {
      if (!Array.isArray(x5c) || !x5c.every((entry) => typeof entry === 'string')) {
        throw walletFailure(
          'PROVIDER_CREDENTIAL_UNTRUSTED',
          'issuer-chain',
          'the x5c header must be an array of certificates',
        );
      }
      if (this.anchors.size === 0) {
        throw walletFailure(
          'PROVIDER_CREDENTIAL_UNTRUSTED',
          'issuer-chain',
          'this wallet provider trusts no certificate chain, only configured issuers',
        );
      }
      const chain = this.anchors.verify(x5c as string[], now);
      if (typeof iss === 'string' && iss.startsWith('https://') && !sanNames(chain.subjectAltName, iss)) {
        // SD-JWT VC §3.5: with x5c, an https iss must be a URI or DNS name of the leaf.
        throw walletFailure(
          'PROVIDER_CREDENTIAL_UNTRUSTED',
          'issuer-san',
          'the issuer certificate does not name the credential issuer (iss)',
          { debug: { iss, subjectAltName: chain.subjectAltName } },
        );
      }
      return { key: chain.publicKey, issuer: chain.subject, issuingCountry: chain.country, via: 'x5c' };
    }
    const keys = typeof iss === 'string' ? this.#issuers.get(iss) : undefined;
    if (keys === undefined) {
      throw walletFailure('PROVIDER_CREDENTIAL_UNTRUSTED', 'unknown-issuer', 'the credential issuer is not trusted', {
        debug: { iss: typeof iss === 'string' ? iss.slice(0, 200) : typeof iss },
      });
    }
    const kid = header.kid;
    const found =
      typeof kid === 'string'
        ? keys.find((candidate) => candidate.kid === kid)
        : keys.length === 1
          ? keys[0]
          : undefined;
    if (found === undefined) {
      throw walletFailure(
        'PROVIDER_CREDENTIAL_UNTRUSTED',
        'issuer-key',
        'the credential is signed with a key its issuer does not list',
        { debug: { iss, kid } },
      );
    }
    return { key: found.key, issuer: iss as string, issuingCountry: undefined, via: 'jwks' };
  }
}

/** Whether a `subjectAltName` names an https issuer, as a URI or by its host. */
function sanNames(subjectAltName: string | undefined, iss: string): boolean {
  if (subjectAltName === undefined) return false;
  const names = subjectAltName.split(', ');
  let host: string;
  try {
    host = new URL(iss).hostname;
  } catch {
    return false;
  }
  return names.includes(`URI:${iss}`) || names.includes(`DNS:${host}`);
}
