/**
 * DPoP proofs (RFC 9449 §4): a JWT the client signs with its own key pair for every
 * request, checked with jose — `typ: dpop+jwt`, an algorithm of {@link APP_SIGNING_ALGS},
 * the public key in the `jwk` header (never a private one) that signed it, `htm` and `htu`
 * the method and URL of this request (without query and fragment), `iat` within
 * {@link DPOP_IAT_WINDOW_SECONDS} of idgate's time, a `jti` never seen before by any
 * instance sharing the database, `ath` the hash of the access token presented with it,
 * and, when nonces are on, a current `nonce`. The key's SHA-256 thumbprint (`jkt`,
 * RFC 7638) is what tokens are bound to.
 *
 * A bad proof is `AUTH_INVALID_DPOP_PROOF` (`invalid_dpop_proof`); a missing or stale
 * nonce is `AUTH_USE_DPOP_NONCE` carrying a fresh `DPoP-Nonce`.
 */
import { createHash } from 'node:crypto';
import { IdgateError } from '@idgate/errors';
import { calculateJwkThumbprint, EmbeddedJWK, type JWK, errors as joseErrors, jwtVerify } from 'jose';
import { APP_SIGNING_ALGS } from '../domain/app-signing-algs.js';
import type { DpopNonces } from '../security/dpop-nonces.js';
import { type SeenJtisRepository, seenJtiId } from '../store/seen-jtis.repository.js';

/** How far a proof's `iat` may be from idgate's time, either way. */
export const DPOP_IAT_WINDOW_SECONDS = 60;

/** The longest proof idgate reads. */
const MAX_PROOF_LENGTH = 8192;

/** The longest `jti` idgate remembers. */
const MAX_JTI_LENGTH = 256;

/** The request a proof must be for. */
export interface DpopRequest {
  /** The `DPoP` header(s) as received. */
  readonly proof: string | readonly string[] | undefined;
  readonly method: string;
  /** The request's URL as the client addressed it (the issuer's origin and the path). */
  readonly url: string;
  /** The access token presented with the proof, for `ath` (resource requests). */
  readonly accessToken?: string;
}

/** What proofs are checked with. */
export interface DpopProofsDeps {
  readonly seenJtis: Pick<SeenJtisRepository, 'remember'>;
  readonly clock: () => Date;
  /** Set when idgate demands nonces (`IDGATE_DPOP_NONCE`). */
  readonly nonces?: DpopNonces | undefined;
}

/** Checks DPoP proofs. */
export class DpopProofs {
  readonly #deps: DpopProofsDeps;

  constructor(deps: DpopProofsDeps) {
    this.#deps = deps;
  }

  /** The headers every answer to a DPoP request carries: a fresh `DPoP-Nonce` when nonces are on. */
  responseHeaders(): Readonly<Record<string, string>> {
    const nonces = this.#deps.nonces;
    return nonces === undefined ? {} : { 'dpop-nonce': nonces.current(this.#deps.clock()) };
  }

  /**
   * Checks the proof of a request; returns the thumbprint of its key (`jkt`).
   * @throws IdgateError `AUTH_INVALID_DPOP_PROOF`, `AUTH_USE_DPOP_NONCE`
   */
  async verify(request: DpopRequest): Promise<string> {
    const { seenJtis, clock, nonces } = this.#deps;
    const proof = singleProof(request.proof);
    const now = clock();
    let verified: Awaited<ReturnType<typeof jwtVerify>>;
    try {
      verified = await jwtVerify(proof, EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: [...APP_SIGNING_ALGS],
        requiredClaims: ['iat', 'jti', 'htm', 'htu'],
        currentDate: now,
      });
    } catch (error) {
      throw invalidProof(proofProblem(error), error);
    }
    const { payload, protectedHeader } = verified;
    if (payload.htm !== request.method) {
      throw invalidProof(
        `The DPoP proof is for ${String(payload.htm).slice(0, 16)}, not for this ${request.method} request (htm).`,
      );
    }
    if (!sameTarget(payload.htu, request.url)) {
      throw invalidProof(`The DPoP proof is for another URL (htu must be ${request.url}, without query and fragment).`);
    }
    const iat = payload.iat as number;
    if (Math.abs(now.getTime() / 1000 - iat) > DPOP_IAT_WINDOW_SECONDS) {
      throw invalidProof(
        `The DPoP proof's iat is more than ${DPOP_IAT_WINDOW_SECONDS} seconds from the server time: make a new proof for every request.`,
      );
    }
    const jti = payload.jti;
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
      throw invalidProof(`The DPoP proof's jti must be a string of 1 to ${MAX_JTI_LENGTH} characters.`);
    }
    if (request.accessToken !== undefined && payload.ath !== accessTokenHash(request.accessToken)) {
      throw invalidProof("The DPoP proof's ath is not the SHA-256 hash of the access token sent with it.");
    }
    // RFC 9449 §9: with nonces on, a proof without the current nonce is answered with a new one.
    if (nonces !== undefined && (typeof payload.nonce !== 'string' || !nonces.isValid(payload.nonce, now))) {
      throw new IdgateError('AUTH_USE_DPOP_NONCE', {
        detail:
          payload.nonce === undefined
            ? 'This server requires a DPoP nonce: repeat the request with the nonce of the DPoP-Nonce header in a new proof.'
            : 'The DPoP nonce is stale: repeat the request with the nonce of the DPoP-Nonce header in a new proof.',
        headers: { 'dpop-nonce': nonces.current(now) },
      });
    }
    const jkt = await calculateJwkThumbprint(protectedHeader.jwk as JWK, 'sha256');
    const keepUntil = new Date((iat + DPOP_IAT_WINDOW_SECONDS + 1) * 1000);
    // RFC 9449 §11.1: a proof is used once; the database makes that true across instances.
    if (!(await seenJtis.remember(seenJtiId('dpop', jkt, jti), keepUntil, now))) {
      throw invalidProof(
        'The DPoP proof was already used (its jti was seen before): make a new proof for every request.',
      );
    }
    return jkt;
  }
}

/** RFC 9449 §6.1, §4.2: `ath` is the base64url SHA-256 of the access token's ASCII octets. */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

function invalidProof(detail: string, cause?: unknown): IdgateError {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return new IdgateError('AUTH_INVALID_DPOP_PROOF', {
    detail,
    ...(typeof code === 'string' ? { debug: { jose: code } } : {}),
  });
}

/** RFC 9449 §4.3: exactly one `DPoP` header, one JWT. */
function singleProof(header: string | readonly string[] | undefined): string {
  if (header === undefined || header === '') throw invalidProof('The request carries no DPoP proof (DPoP header).');
  const values = typeof header === 'string' ? [header] : header;
  // Node joins repeated unknown headers with ", "; a JWT has neither.
  if (values.length !== 1 || /[,\s]/.test(values[0] ?? '')) {
    throw invalidProof('The request carries more than one DPoP proof; send exactly one DPoP header.');
  }
  const proof = values[0] ?? '';
  if (proof.length > MAX_PROOF_LENGTH) throw invalidProof('The DPoP proof is too long.');
  return proof;
}

/** RFC 9449 §4.3 item 9: `htu` matches the request URL, ignoring query and fragment. */
function sameTarget(htu: unknown, url: string): boolean {
  if (typeof htu !== 'string') return false;
  try {
    const presented = new URL(htu);
    const expected = new URL(url);
    return presented.origin === expected.origin && presented.pathname === expected.pathname;
  } catch {
    return false;
  }
}

/** What a failed jose check of a proof means, in words a client can act on. */
function proofProblem(error: unknown): string {
  if (error instanceof joseErrors.JOSEAlgNotAllowed) {
    return `The DPoP proof's alg is not accepted: sign it with ${APP_SIGNING_ALGS.join(', ')}.`;
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return 'The DPoP proof is not signed by the key in its jwk header.';
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return error.claim === 'typ'
      ? "The DPoP proof's typ header must be dpop+jwt."
      : `The DPoP proof's ${error.claim} claim is missing or not valid.`;
  }
  return 'The DPoP proof is not a well-formed JWT signed by the public key in its jwk header (typ dpop+jwt).';
}
