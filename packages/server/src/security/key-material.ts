/**
 * Key pairs for the algorithms idgate signs ID tokens with, and their public JWKs.
 *
 * - RS256: RSA 2048 (OpenID Connect Core §15.1 requires RS256 support).
 * - ES256: ECDSA on P-256.
 * - EdDSA: Ed25519 (RFC 8037).
 */
import { createPrivateKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { jwkThumbprint, type PublicJwkMembers } from './jwk-thumbprint.js';

const generateKeyPairAsync = promisify(generateKeyPair);

/** The JWS algorithms idgate signs with. */
export type SigningAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

/** The algorithms, in the order they are published (RS256, the OIDC default, first). */
export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = Object.freeze(['RS256', 'ES256', 'EdDSA']);

/** Whether `value` names an algorithm idgate signs with. */
export function isSigningAlgorithm(value: unknown): value is SigningAlgorithm {
  return typeof value === 'string' && (SIGNING_ALGORITHMS as readonly string[]).includes(value);
}

/** A published key: the public members plus `kid`, `use` and `alg` (RFC 7517 §4). */
export type PublicJwk = PublicJwkMembers & {
  readonly kid: string;
  readonly use: 'sig';
  readonly alg: SigningAlgorithm;
};

/** A freshly generated key pair. */
export interface GeneratedKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  /** PKCS #8 PEM: encrypt before storing. */
  readonly privateKeyPem: string;
  readonly privateKey: KeyObject;
  readonly publicJwk: PublicJwk;
}

/** Generates a key pair (off the main thread: RSA generation takes a while). */
async function generatePair(alg: SigningAlgorithm): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  switch (alg) {
    case 'RS256':
      return generateKeyPairAsync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
    case 'ES256':
      return generateKeyPairAsync('ec', { namedCurve: 'P-256' });
    case 'EdDSA':
      return generateKeyPairAsync('ed25519', {});
    default:
      throw new RangeError(`unsupported signing algorithm: ${String(alg)}`);
  }
}

/** Only the public members of an exported JWK, whatever else node:crypto put in it. */
function publicMembers(jwk: Record<string, unknown>): PublicJwkMembers {
  const text = (name: string): string => {
    const value = jwk[name];
    if (typeof value !== 'string' || value.length === 0) throw new TypeError(`the exported JWK has no ${name}`);
    return value;
  };
  switch (jwk['kty']) {
    case 'RSA':
      return { kty: 'RSA', n: text('n'), e: text('e') };
    case 'EC':
      return { kty: 'EC', crv: text('crv'), x: text('x'), y: text('y') };
    case 'OKP':
      return { kty: 'OKP', crv: text('crv'), x: text('x') };
    default:
      throw new TypeError(`unsupported key type: ${String(jwk['kty'])}`);
  }
}

/** The public JWK of a key pair, with its thumbprint as `kid`. */
export function publicJwkOf(publicKey: KeyObject, alg: SigningAlgorithm): PublicJwk {
  const members = publicMembers(publicKey.export({ format: 'jwk' }) as Record<string, unknown>);
  return { ...members, kid: jwkThumbprint(members), use: 'sig', alg };
}

/** Generates a new signing key for `alg`. */
export async function generateSigningKey(alg: SigningAlgorithm): Promise<GeneratedKey> {
  const { publicKey, privateKey } = await generatePair(alg);
  const publicJwk = publicJwkOf(publicKey, alg);
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { kid: publicJwk.kid, alg, privateKeyPem, privateKey, publicJwk };
}

/** Reads a PKCS #8 PEM private key back. */
export function privateKeyFromPem(pem: string): KeyObject {
  return createPrivateKey({ key: pem, format: 'pem' });
}
