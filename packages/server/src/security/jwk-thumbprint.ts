/**
 * JWK thumbprints (RFC 7638), idgate's key ids: the base64url SHA-256 of the key's
 * required public members, in lexicographic order, as JSON without whitespace.
 */
import { createHash } from 'node:crypto';

/** A public JWK of one of the key types idgate signs with. */
export type PublicJwkMembers =
  | { readonly kty: 'RSA'; readonly n: string; readonly e: string }
  | { readonly kty: 'EC'; readonly crv: string; readonly x: string; readonly y: string }
  | { readonly kty: 'OKP'; readonly crv: string; readonly x: string };

/**
 * The members RFC 7638 §3.2 hashes, in lexicographic order (RFC 7638 §3.2 for RSA and
 * EC, RFC 8037 §2 for OKP).
 */
function requiredMembers(jwk: PublicJwkMembers): Record<string, string> {
  switch (jwk.kty) {
    case 'RSA':
      return { e: jwk.e, kty: jwk.kty, n: jwk.n };
    case 'EC':
      return { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
    case 'OKP':
      return { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
    default:
      throw new TypeError(`unsupported key type: ${String((jwk as { kty?: unknown }).kty)}`);
  }
}

/** The RFC 7638 SHA-256 thumbprint of a public JWK, base64url. */
export function jwkThumbprint(jwk: PublicJwkMembers): string {
  return createHash('sha256')
    .update(JSON.stringify(requiredMembers(jwk)), 'utf8')
    .digest('base64url');
}
