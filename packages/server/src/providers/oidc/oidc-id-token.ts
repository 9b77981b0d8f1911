/**
 * The upstream's signing keys and the validation of its ID tokens (OpenID Connect Core
 * §3.1.3.7) with `jose`: signature against the upstream's JWKS (cached; fetched again
 * when a token names a key the cache does not have, at most once per
 * {@link JWKS_REFRESH_MIN_MS}), `iss`, `aud`, `exp` (required), `nonce` and `azp`.
 * Any refusal is `PROVIDER_UNEXPECTED_RESPONSE`; a 429 while fetching the keys is
 * `PROVIDER_UNAVAILABLE` (the upstream rate-limits idgate).
 */
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTPayload, jwtVerify } from 'jose';
import { providerFailure, rateLimitedFailure, transportFailure } from './oidc-errors.js';
import { type UpstreamHttpOptions, UpstreamTransportError, upstreamExchange } from './upstream-http.js';

/** The least time between two fetches of the JWKS for an unknown key id. */
export const JWKS_REFRESH_MIN_MS = 10_000;

/** Clock skew tolerated on `exp`, `iat`, `nbf`. */
const CLOCK_TOLERANCE_SECONDS = 60;

/** What an ID token must match. */
export interface IdTokenExpectations {
  readonly issuer: string;
  readonly clientId: string;
  readonly nonce: string;
  readonly algorithms: readonly string[];
  readonly jwksUri: string;
  readonly now: Date;
}

type KeySet = ReturnType<typeof createLocalJWKSet>;

/** One upstream provider's keys. */
export class UpstreamKeys {
  readonly #providerId: string;
  readonly #options: UpstreamHttpOptions & { readonly clock: () => Date };
  #cached: { readonly jwksUri: string; readonly keys: KeySet; readonly fetchedAt: number } | undefined;

  constructor(providerId: string, options: UpstreamHttpOptions & { readonly clock: () => Date }) {
    this.#providerId = providerId;
    this.#options = options;
  }

  /**
   * Validates an ID token and returns its claims.
   * @throws IdgateError `PROVIDER_UNEXPECTED_RESPONSE`, or (fetching the keys) `PROVIDER_UNAVAILABLE`, `PROVIDER_ERROR`
   */
  async verify(idToken: string, expected: IdTokenExpectations): Promise<JWTPayload> {
    let payload: JWTPayload;
    try {
      payload = await this.#verifyWithKeys(idToken, expected, false);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw this.#refused(error);
      // The upstream may have rotated its keys: fetch them again (rate-limited) and retry once.
      try {
        payload = await this.#verifyWithKeys(idToken, expected, true);
      } catch (retryError) {
        throw this.#refused(retryError);
      }
    }
    // OpenID Connect Core §3.1.3.7 (11): the nonce MUST match the one sent in the request.
    if (payload.nonce !== expected.nonce) {
      throw providerFailure('PROVIDER_UNEXPECTED_RESPONSE', this.#providerId, 'id_token', { reason: 'nonce mismatch' });
    }
    // §3.1.3.7 (4), (5): several audiences need azp; an azp must be idgate's client id.
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (
      (audiences.length > 1 && payload.azp === undefined) ||
      (payload.azp !== undefined && payload.azp !== expected.clientId)
    ) {
      throw providerFailure('PROVIDER_UNEXPECTED_RESPONSE', this.#providerId, 'id_token', { reason: 'azp mismatch' });
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') {
      throw providerFailure('PROVIDER_UNEXPECTED_RESPONSE', this.#providerId, 'id_token', { reason: 'no sub' });
    }
    return payload;
  }

  async #verifyWithKeys(idToken: string, expected: IdTokenExpectations, refresh: boolean): Promise<JWTPayload> {
    const keys = await this.#keys(expected.jwksUri, refresh);
    const { payload } = await jwtVerify(idToken, keys, {
      issuer: expected.issuer,
      audience: expected.clientId,
      algorithms: [...expected.algorithms],
      currentDate: expected.now,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['exp', 'iat', 'sub'],
    });
    return payload;
  }

  /** Turns a jose refusal into the adapter's error (its own errors pass through). */
  #refused(error: unknown): Error {
    if (!(error instanceof errors.JOSEError)) return error as Error;
    return providerFailure('PROVIDER_UNEXPECTED_RESPONSE', this.#providerId, 'id_token', {
      reason: `id_token refused: ${error.code}`,
      debug: { joseCode: error.code, message: error.message },
      cause: error,
    });
  }

  async #keys(jwksUri: string, refresh: boolean): Promise<KeySet> {
    const now = this.#options.clock().getTime();
    const cached = this.#cached;
    if (cached !== undefined && cached.jwksUri === jwksUri) {
      if (!refresh || now - cached.fetchedAt < JWKS_REFRESH_MIN_MS) return cached.keys;
    }
    const keys = await this.#fetch(jwksUri);
    this.#cached = { jwksUri, keys, fetchedAt: now };
    return keys;
  }

  async #fetch(jwksUri: string): Promise<KeySet> {
    let text: string;
    let status: number;
    try {
      const response = await upstreamExchange({ url: jwksUri, what: 'jwks' }, this.#options);
      const rateLimited = rateLimitedFailure(response, this.#providerId, 'jwks', this.#options.clock());
      if (rateLimited !== undefined) throw rateLimited;
      ({ text, status } = response);
    } catch (error) {
      if (error instanceof UpstreamTransportError) throw transportFailure(error, this.#providerId, 'jwks');
      throw error;
    }
    if (status >= 500) {
      throw providerFailure('PROVIDER_ERROR', this.#providerId, 'jwks', { reason: `jwks answered ${status}` });
    }
    const unexpected = (reason: string, cause?: unknown) =>
      providerFailure('PROVIDER_UNEXPECTED_RESPONSE', this.#providerId, 'jwks', {
        reason,
        debug: { status, body: text.slice(0, 200) },
        ...(cause === undefined ? {} : { cause }),
      });
    if (status !== 200) throw unexpected(`jwks answered ${status}`);
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (error) {
      throw unexpected('jwks is not JSON', error);
    }
    const keys = (document as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys)) throw unexpected('jwks has no keys array');
    try {
      return createLocalJWKSet(document as JSONWebKeySet);
    } catch (error) {
      throw unexpected('jwks is invalid', error);
    }
  }
}
