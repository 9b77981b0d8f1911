/**
 * Verifies one SD-JWT VC presentation (`dc+sd-jwt`, SPEC 10; RFC 9901 §7; SD-JWT VC;
 * OpenID4VP 1.0 Appendix B.3), in this order, each check throwing one catalog error whose
 * `debug.check` names it:
 *
 * | check | code |
 * |---|---|
 * | `sd-jwt-format`, `typ`, `issuer-alg`, `sd-alg` | `PROVIDER_PRESENTATION_INVALID` |
 * | `issuer-chain`, `issuer-san`, `unknown-issuer`, `issuer-key` (trust/issuer-trust.ts) | `PROVIDER_CREDENTIAL_UNTRUSTED` |
 * | `issuer-signature` | `PROVIDER_PRESENTATION_INVALID` |
 * | `vct` | `PROVIDER_CREDENTIAL_UNTRUSTED` |
 * | `expired`, `not-yet-valid` | `PROVIDER_CREDENTIAL_EXPIRED` |
 * | `disclosure-malformed`, `duplicate-disclosure`, `duplicate-digest`, `disclosure-digest-missing`, `disclosure-claim-conflict` | `PROVIDER_PRESENTATION_INVALID` |
 * | `key-binding-missing`, `cnf`, `kb-format`, `kb-typ`, `kb-alg`, `kb-signature`, `kb-aud`, `kb-nonce`, `kb-sd-hash`, `kb-iat` | `PROVIDER_PRESENTATION_INVALID` |
 * | `status-reference` | `PROVIDER_PRESENTATION_INVALID` |
 * | `status` / `status-list` (status-list.ts) | `PROVIDER_CREDENTIAL_REVOKED` / `PROVIDER_UNAVAILABLE` |
 *
 * Decoding the SD-JWT, hashing and unpacking its disclosures is `@sd-jwt/decode` (0.19.0);
 * signatures are checked through its `Verifier` contract with `node:crypto`
 * (`es256-verifier.ts`). The library does not refuse unreferenced or repeated disclosures
 * and digests (RFC 9901 §7.1 steps 3–4), so those checks are made here over its decoded
 * disclosures.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { decodeSdJwtSync, getClaimsSync } from '@sd-jwt/decode';
import type { HasherSync } from '@sd-jwt/types';
import type { Disclosure } from '@sd-jwt/utils';
import type { StatusListCache } from '../status-list.js';
import type { IssuerTrust } from '../trust/issuer-trust.js';
import type { VerifiedCredential } from '../verified-credential.js';
import { walletFailure } from '../wallet-errors.js';
import { verifyEs256 } from './es256-verifier.js';

/** The JWS algorithms idgate verifies for issuer-signed JWTs and KB-JWTs (advertised in `vp_formats_supported`). */
export const SD_JWT_ALGORITHMS: readonly string[] = ['ES256'];

/** SPEC 10: the key binding JWT is fresh: issued within this many seconds of now. */
export const KB_JWT_MAX_AGE_S = 300;

/** Tolerated clock difference for `exp`, `nbf` and a KB-JWT `iat` in the future. */
export const CLOCK_SKEW_S = 60;

/** What one presentation is checked against. */
export interface SdJwtVcVerificationInput {
  /** The presentation: `<issuer-signed JWT>~<disclosure>~…~<KB-JWT>`. */
  readonly presentation: string;
  /** The `vct` values allowed for this credential query. */
  readonly allowedVcts: readonly string[];
  /** The KB-JWT `aud`: the request's `client_id`, or `origin:<origin>` over the DC API. */
  readonly audience: string;
  /** The request's `nonce`. */
  readonly nonce: string;
  readonly now: Date;
}

/** What the verifier uses: the provider's issuer trust and its status lists. */
export interface SdJwtVcVerifierDeps {
  readonly trust: IssuerTrust;
  readonly statusLists: StatusListCache;
}

/** Registered and processing claims that are not the holder's data. */
const NON_DATA_CLAIMS = new Set([
  '_sd',
  '_sd_alg',
  'cnf',
  'status',
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'vct',
  'vct#integrity',
]);

/** SHA-256, the one `_sd_alg` idgate accepts (RFC 9901 §4.1.1: the default). */
const sha256: HasherSync = function sha256(data, alg) {
  if (alg !== 'sha-256') throw new RangeError(`unsupported hash ${alg}`);
  return createHash('sha256')
    .update(typeof data === 'string' ? data : Buffer.from(data))
    .digest();
};

function invalid(check: string, detail: string, debug?: Readonly<Record<string, unknown>>, cause?: unknown) {
  return walletFailure('PROVIDER_PRESENTATION_INVALID', check, detail, { debug, cause });
}

type Decoded = ReturnType<typeof decodeSdJwtSync>;

/**
 * Verifies an SD-JWT VC presentation with key binding.
 * @throws IdgateError (see the table above)
 */
export async function verifySdJwtVc(
  input: SdJwtVcVerificationInput,
  deps: SdJwtVcVerifierDeps,
): Promise<VerifiedCredential> {
  const { presentation, now } = input;
  const decoded = decodePresentation(presentation);
  const { header, payload } = decoded.jwt;
  // SD-JWT VC §3.2.1: typ dc+sd-jwt.
  if (header.typ !== 'dc+sd-jwt') throw invalid('typ', 'the credential is not an SD-JWT VC (typ)', { typ: header.typ });
  if (typeof header.alg !== 'string' || !SD_JWT_ALGORITHMS.includes(header.alg)) {
    throw invalid('issuer-alg', 'the credential is signed with an algorithm idgate does not accept', {
      alg: header.alg,
    });
  }
  const issuerKey = deps.trust.resolve(header, payload.iss, now);
  const issuerJwt = presentation.slice(0, presentation.indexOf('~'));
  verifySignature(
    issuerJwt,
    issuerKey.key,
    'issuer-signature',
    'the issuer signature of the credential does not verify',
  );
  // SD-JWT VC §3.2.2.1: the type must be one this provider accepts.
  if (typeof payload.vct !== 'string' || !input.allowedVcts.includes(payload.vct)) {
    throw walletFailure('PROVIDER_CREDENTIAL_UNTRUSTED', 'vct', 'the credential type (vct) is not accepted', {
      debug: { vct: typeof payload.vct === 'string' ? payload.vct.slice(0, 200) : undefined },
    });
  }
  checkValidity(payload, now);
  checkDisclosures(payload, decoded.disclosures);
  await checkKeyBinding(input, decoded);
  const claims = getClaimsSync<Record<string, unknown>>(payload, decoded.disclosures, sha256);
  await checkStatus(payload.status, deps.statusLists, now);
  const data = Object.fromEntries(Object.entries(claims).filter(([name]) => !NON_DATA_CLAIMS.has(name)));
  const claimedCountry = typeof claims.issuing_country === 'string' ? claims.issuing_country : undefined;
  return Object.freeze({
    format: 'dc+sd-jwt',
    credentialType: payload.vct,
    issuer: issuerKey.issuer,
    issuingCountry:
      issuerKey.issuingCountry ?? (claimedCountry && /^[A-Z]{2}$/.test(claimedCountry) ? claimedCountry : undefined),
    claims: data,
    validUntil: typeof payload.exp === 'number' ? new Date(payload.exp * 1000) : undefined,
  });
}

/** RFC 9901 §4: `<JWT>~<D>~…~<KB-JWT>`; a presentation without a KB-JWT ends with `~`. */
function decodePresentation(presentation: string): Decoded {
  if (presentation.length > 256 * 1024 || !presentation.includes('~')) {
    throw invalid('sd-jwt-format', 'the presentation is not an SD-JWT');
  }
  let decoded: Decoded;
  try {
    decoded = decodeSdJwtSync(presentation, sha256);
  } catch (cause) {
    throw invalid('sd-jwt-format', 'the presentation is not a readable SD-JWT', undefined, cause);
  }
  const header = decoded.jwt.header as unknown;
  const payload = decoded.jwt.payload as unknown;
  if (!isObject(header) || !isObject(payload))
    throw invalid('sd-jwt-format', 'the presentation is not a readable SD-JWT');
  if (payload._sd_alg !== undefined && payload._sd_alg !== 'sha-256') {
    throw invalid('sd-alg', 'the credential uses a digest algorithm idgate does not accept', {
      sdAlg: payload._sd_alg,
    });
  }
  return decoded;
}

/** A compact JWS signed ES256 by `key` (its header's `alg` was checked before). */
function verifySignature(jws: string, key: KeyObject, check: string, detail: string): void {
  const lastDot = jws.lastIndexOf('.');
  if (lastDot <= 0 || !verifyEs256(jws.slice(0, lastDot), jws.slice(lastDot + 1), key)) throw invalid(check, detail);
}

/** SD-JWT VC §3.2.2.2: `exp` and `nbf` (and an `iat` not in the future). */
function checkValidity(payload: Readonly<Record<string, unknown>>, now: Date): void {
  const nowS = now.getTime() / 1000;
  for (const claim of ['exp', 'nbf', 'iat'] as const) {
    if (payload[claim] !== undefined && typeof payload[claim] !== 'number') {
      throw invalid('sd-jwt-format', `the credential's ${claim} is not a number`);
    }
  }
  if (typeof payload.exp === 'number' && payload.exp + CLOCK_SKEW_S < nowS) {
    throw walletFailure('PROVIDER_CREDENTIAL_EXPIRED', 'expired', 'the credential is expired', {
      debug: { exp: payload.exp },
    });
  }
  const notBefore = Math.max(
    typeof payload.nbf === 'number' ? payload.nbf : Number.NEGATIVE_INFINITY,
    typeof payload.iat === 'number' ? payload.iat : Number.NEGATIVE_INFINITY,
  );
  if (notBefore - CLOCK_SKEW_S > nowS) {
    throw walletFailure('PROVIDER_CREDENTIAL_EXPIRED', 'not-yet-valid', 'the credential is not valid yet', {
      debug: { nbf: payload.nbf, iat: payload.iat },
    });
  }
}

/**
 * RFC 9901 §7.1 steps 3–4: every disclosure is referenced by exactly one digest reachable
 * from the payload (`_sd` in objects, `{"...": digest}` in arrays), no digest appears twice,
 * no disclosure is sent twice, an object disclosure names a new claim (not `_sd`, `...`).
 */
function checkDisclosures(payload: Readonly<Record<string, unknown>>, disclosures: readonly Disclosure[]): void {
  const byDigest = new Map<string, Disclosure>();
  for (const disclosure of disclosures) {
    const digest = disclosure._digest as string;
    if (byDigest.has(digest)) throw invalid('duplicate-disclosure', 'a disclosure is sent twice');
    byDigest.set(digest, disclosure);
  }
  const seen = new Set<string>();
  const used = new Set<string>();
  const take = (digest: unknown): Disclosure | undefined => {
    if (typeof digest !== 'string') throw invalid('disclosure-malformed', 'a digest of the credential is not a string');
    if (seen.has(digest)) throw invalid('duplicate-digest', 'a digest appears twice in the credential');
    seen.add(digest);
    const disclosure = byDigest.get(digest);
    if (disclosure !== undefined) used.add(digest);
    return disclosure;
  };
  const walk = (value: unknown, depth: number): void => {
    if (depth > 32) throw invalid('disclosure-malformed', 'the credential is nested too deeply');
    if (Array.isArray(value)) {
      for (const item of value) {
        if (isObject(item) && '...' in item) {
          if (Object.keys(item).length !== 1)
            throw invalid('disclosure-malformed', 'an array digest has other members');
          const disclosure = take(item['...']);
          if (disclosure === undefined) continue;
          if (disclosure.key !== undefined) {
            throw invalid('disclosure-malformed', 'an array element disclosure has a claim name');
          }
          walk(disclosure.value, depth + 1);
        } else {
          walk(item, depth + 1);
        }
      }
      return;
    }
    if (!isObject(value)) return;
    const digests = value._sd;
    if (digests !== undefined && !Array.isArray(digests)) throw invalid('disclosure-malformed', '_sd is not an array');
    for (const digest of digests ?? []) {
      const disclosure = take(digest);
      if (disclosure === undefined) continue;
      const name = disclosure.key;
      if (typeof name !== 'string') throw invalid('disclosure-malformed', 'an object disclosure has no claim name');
      if (name === '_sd' || name === '...' || Object.hasOwn(value, name)) {
        throw invalid('disclosure-claim-conflict', 'a disclosure names a claim the credential already has', { name });
      }
      walk(disclosure.value, depth + 1);
    }
    for (const [name, child] of Object.entries(value)) {
      if (name !== '_sd' && name !== '_sd_alg') walk(child, depth + 1);
    }
  };
  walk(payload, 0);
  for (const digest of byDigest.keys()) {
    if (!used.has(digest)) {
      throw invalid('disclosure-digest-missing', 'a disclosure has no digest in the credential');
    }
  }
}

/**
 * RFC 9901 §7.3; OpenID4VP 1.0 B.3.6: a KB-JWT (`typ: kb+jwt`) signed by `cnf.jwk`, for
 * this `aud` and `nonce`, with `sd_hash` over the presentation and a fresh `iat`.
 */
async function checkKeyBinding(input: SdJwtVcVerificationInput, decoded: Decoded): Promise<void> {
  const { presentation } = input;
  const lastTilde = presentation.lastIndexOf('~');
  const kbJwt = presentation.slice(lastTilde + 1);
  if (decoded.kbJwt === undefined || kbJwt === '') {
    throw invalid('key-binding-missing', 'the presentation has no key binding JWT');
  }
  const cnf = decoded.jwt.payload.cnf as { jwk?: unknown } | undefined;
  let holderKey: KeyObject;
  try {
    if (!isObject(cnf?.jwk) || 'd' in cnf.jwk) throw new TypeError('no public cnf.jwk');
    holderKey = createPublicKey({ key: cnf.jwk as never, format: 'jwk' });
  } catch (cause) {
    throw invalid('cnf', 'the credential names no holder key (cnf.jwk)', undefined, cause);
  }
  const { header, payload } = decoded.kbJwt;
  if (!isObject(header) || !isObject(payload)) throw invalid('kb-format', 'the key binding JWT cannot be read');
  if (header.typ !== 'kb+jwt') throw invalid('kb-typ', 'the key binding JWT has the wrong typ', { typ: header.typ });
  if (typeof header.alg !== 'string' || !SD_JWT_ALGORITHMS.includes(header.alg)) {
    throw invalid('kb-alg', 'the key binding JWT is signed with an algorithm idgate does not accept', {
      alg: header.alg,
    });
  }
  verifySignature(kbJwt, holderKey, 'kb-signature', 'the key binding JWT is not signed by the holder key');
  if (payload.aud !== input.audience) {
    throw invalid('kb-aud', 'the key binding JWT is for another verifier (aud)', {
      aud: typeof payload.aud === 'string' ? payload.aud.slice(0, 200) : payload.aud,
      expected: input.audience,
    });
  }
  if (payload.nonce !== input.nonce) throw invalid('kb-nonce', 'the key binding JWT answers another request (nonce)');
  const expectedHash = createHash('sha256')
    .update(presentation.slice(0, lastTilde + 1))
    .digest('base64url');
  if (payload.sd_hash !== expectedHash) {
    throw invalid('kb-sd-hash', 'the key binding JWT does not cover this presentation (sd_hash)');
  }
  const nowS = input.now.getTime() / 1000;
  if (typeof payload.iat !== 'number' || payload.iat < nowS - KB_JWT_MAX_AGE_S || payload.iat > nowS + CLOCK_SKEW_S) {
    throw invalid('kb-iat', 'the key binding JWT is not fresh (iat)', { iat: payload.iat, now: Math.floor(nowS) });
  }
}

/** Status List draft §6.2: `status.status_list.{idx,uri}`, when the credential has one. */
async function checkStatus(status: unknown, statusLists: StatusListCache, now: Date): Promise<void> {
  if (status === undefined) return;
  const reference = isObject(status) ? status.status_list : undefined;
  if (!isObject(reference)) {
    throw invalid('status-reference', 'the credential status is not a status list reference');
  }
  const { idx, uri } = reference;
  if (typeof idx !== 'number' || !Number.isSafeInteger(idx) || idx < 0 || typeof uri !== 'string' || uri === '') {
    throw invalid('status-reference', 'the credential status is not a status list reference');
  }
  await statusLists.check({ uri, idx }, now);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
