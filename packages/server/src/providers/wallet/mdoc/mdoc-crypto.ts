/**
 * The crypto callbacks the mdoc library (`@owf/mdoc`) asks for, implemented with
 * `node:crypto`: digests, randomness, and COSE_Sign1 signing and verification
 * (RFC 9052 §4.4) for the algorithms ISO/IEC 18013-5 §9.1.3.6 allows and idgate supports:
 * ES256, ES384, ES512 (P-256, P-384, P-521) and EdDSA (Ed25519), also by their
 * fully-specified identifiers (ESP256, ESP384, ESP512, Ed25519). The library builds the
 * COSE structures (`Sig_structure`); this module only signs and verifies bytes.
 *
 * COSE_Mac0 (`deviceMac`) is not supported: OpenID4VP 1.0 gives the verifier no reader
 * key to derive the MAC key from (`EReaderKeyBytes` is `null` in its session transcript).
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, randomBytes, sign, verify } from 'node:crypto';
import type { CoseKey, DigestAlgorithm, MdocContext, Sign1 } from '@owf/mdoc';

/** COSE `alg` header label (RFC 9052 §3.1). */
export const COSE_HEADER_ALG = 1;

/** A COSE signature algorithm idgate verifies, and what its key must be. */
interface CoseSignatureAlgorithm {
  readonly name: string;
  /** `node:crypto` digest name, `null` for EdDSA (the curve fixes it). */
  readonly hash: string | null;
  /** The key type and curve the algorithm needs, as `node:crypto` names them. */
  readonly keyType: 'ec' | 'ed25519';
  readonly namedCurve: string | undefined;
}

const ES256 = { name: 'ES256', hash: 'sha256', keyType: 'ec', namedCurve: 'prime256v1' } as const;
const ES384 = { name: 'ES384', hash: 'sha384', keyType: 'ec', namedCurve: 'secp384r1' } as const;
const ES512 = { name: 'ES512', hash: 'sha512', keyType: 'ec', namedCurve: 'secp521r1' } as const;
const ED25519 = { name: 'EdDSA', hash: null, keyType: 'ed25519', namedCurve: undefined } as const;

/**
 * COSE algorithm identifiers: RFC 9053 §2.1 (ECDSA: ES256 -7, ES384 -35, ES512 -36) and §2.2
 * (EdDSA -8, with Ed25519), and their fully-specified forms of RFC 9864 (ESP256 -9,
 * ESP384 -51, ESP512 -52, Ed25519 -19), which OpenID4VP 1.0 §B.2.1 allows in
 * `issuerauth_alg_values` / `deviceauth_alg_values`.
 */
const SIGNATURE_ALGORITHMS: ReadonlyMap<number, CoseSignatureAlgorithm> = new Map<number, CoseSignatureAlgorithm>([
  [-7, ES256],
  [-9, { ...ES256, name: 'ESP256' }],
  [-35, ES384],
  [-51, { ...ES384, name: 'ESP384' }],
  [-36, ES512],
  [-52, { ...ES512, name: 'ESP512' }],
  [-8, ED25519],
  [-19, { ...ED25519, name: 'Ed25519' }],
]);

const DIGESTS: Readonly<Record<DigestAlgorithm, string>> = {
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

/** The COSE algorithm identifiers idgate verifies, for `vp_formats_supported.mso_mdoc` (OpenID4VP 1.0 §B.2.1). */
export const SUPPORTED_COSE_ALGORITHMS: readonly number[] = Object.freeze([...SIGNATURE_ALGORITHMS.keys()]);

/** The `alg` of a COSE_Sign1's protected header, if it is one idgate verifies. */
export function protectedSignatureAlgorithm(sign1: Sign1): string | undefined {
  const alg = sign1.protectedHeaders.headers.get(COSE_HEADER_ALG);
  return typeof alg === 'number' ? SIGNATURE_ALGORITHMS.get(alg)?.name : undefined;
}

/** A hash of `bytes` with an MSO digest algorithm. */
export function digestOf(digestAlgorithm: DigestAlgorithm, bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(DIGESTS[digestAlgorithm]).update(bytes).digest());
}

/** The JWK members of a COSE key (the library's `jwk` getter lists absent members as `undefined`). */
function jwkOf(key: CoseKey): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(key.jwk).filter(function present([, value]) {
      return value !== undefined;
    }),
  );
}

function keyFits(key: KeyObject, algorithm: CoseSignatureAlgorithm): boolean {
  return key.asymmetricKeyType === algorithm.keyType && key.asymmetricKeyDetails?.namedCurve === algorithm.namedCurve;
}

/** The public key of a COSE key. */
export function publicKeyOfCoseKey(key: CoseKey): KeyObject {
  const { d: _private, ...jwk } = jwkOf(key);
  return createPublicKey({ key: jwk as never, format: 'jwk' });
}

/**
 * Verifies a COSE_Sign1 signature (over the library's `Sig_structure`) with `publicKey`.
 * The algorithm is the protected header's (an unprotected `alg` is not honoured) and must
 * fit the key's type and curve; anything else is `false`.
 */
export function verifyCoseSign1(sign1: Sign1, publicKey: KeyObject): boolean {
  const alg = sign1.protectedHeaders.headers.get(COSE_HEADER_ALG);
  const algorithm = typeof alg === 'number' ? SIGNATURE_ALGORITHMS.get(alg) : undefined;
  if (algorithm === undefined || !keyFits(publicKey, algorithm)) return false;
  return verify(algorithm.hash, sign1.toBeSigned, { key: publicKey, dsaEncoding: 'ieee-p1363' }, sign1.signature);
}

function verifySign1({ key, sign1 }: { key: CoseKey; sign1: Sign1 }): boolean {
  return verifyCoseSign1(sign1, publicKeyOfCoseKey(key));
}

function signSign1({
  toBeSigned,
  key,
  algorithm,
}: {
  toBeSigned: Uint8Array;
  key: CoseKey;
  algorithm?: number;
}): Uint8Array {
  const privateKey = createPrivateKey({ key: jwkOf(key) as never, format: 'jwk' });
  const candidates =
    algorithm === undefined ? [...SIGNATURE_ALGORITHMS.values()] : [SIGNATURE_ALGORITHMS.get(algorithm)];
  const chosen = candidates.find(function fits(candidate) {
    return candidate !== undefined && keyFits(privateKey, candidate);
  });
  if (chosen === undefined) throw new TypeError(`no supported COSE signature algorithm for this key (${algorithm})`);
  return new Uint8Array(sign(chosen.hash, toBeSigned, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
}

function macUnsupported(): never {
  throw new TypeError('COSE_Mac0 (deviceMac) is not supported by idgate');
}

/** The crypto and COSE callbacks of the mdoc library, over `node:crypto`. */
export const MDOC_CRYPTO: Pick<MdocContext, 'crypto' | 'cose'> = Object.freeze({
  crypto: {
    random: function random(length: number): Uint8Array {
      return new Uint8Array(randomBytes(length));
    },
    digest: function digest({ digestAlgorithm, bytes }: { digestAlgorithm: DigestAlgorithm; bytes: Uint8Array }) {
      return digestOf(digestAlgorithm, bytes);
    },
    calculateEphemeralMacKey: macUnsupported,
  },
  cose: {
    sign1: { sign: signSign1, verify: verifySign1 },
    mac0: { sign: macUnsupported, verify: macUnsupported },
  },
});
