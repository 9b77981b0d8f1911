/**
 * The upstream's keys, and the signature check of what it signs, with `jose`: ID tokens
 * (OpenID Connect Core §3.1.3.7: signature against the upstream's JWKS, `iss`, `aud`,
 * `exp` (required), `nonce` and `azp`) and signed userinfo answers. The JWKS is cached;
 * fetched again when a token names a key the cache does not have, at most once per
 * {@link JWKS_REFRESH_MIN_MS}. Any refusal is `PROVIDER_UNEXPECTED_RESPONSE`; a 429 while
 * fetching the keys is `PROVIDER_UNAVAILABLE` (the upstream rate-limits idgate).
 *
 * `openid-client` exchanges the code and checks the ID token's claims but verifies its
 * signature only through its non-repudiation extension, inside the code exchange, with a
 * JWKS cache of its own (refreshed at most once a minute, on the system clock): a token
 * signed by a key the upstream just rotated in would fail there with the code already
 * spent. The signature is therefore checked here, after the exchange, where a refresh and
 * a second try are possible.
 *
 * The same JWKS gives the upstream's encryption key, for request objects idgate encrypts
 * to it (`requestObject: signed-encrypted`).
 */
import {
  createLocalJWKSet,
  errors,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  type JWTVerifyOptions,
  jwtVerify,
} from 'jose';
import { providerFailure, rateLimitedFailure, transportFailure } from './oidc-errors.js';
import { UpstreamTransportError } from './upstream-answer.js';
import { type UpstreamHttpOptions, upstreamExchange } from './upstream-http.js';

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

/** The keys of one fetch of the upstream's JWKS. */
interface FetchedKeys {
  readonly keySet: KeySet;
  readonly document: JSONWebKeySet;
}

/** What a signed userinfo answer must match. */
export interface SignedAnswerExpectations {
  readonly issuer: string;
  readonly clientId: string;
  readonly algorithms: readonly string[];
  readonly jwksUri: string;
  readonly now: Date;
}

/** One upstream provider's keys. */
export class UpstreamKeys {
  readonly #providerId: string;
  readonly #options: UpstreamHttpOptions & { readonly clock: () => Date };
  #cached: { readonly jwksUri: string; readonly keys: FetchedKeys; readonly fetchedAt: number } | undefined;

  constructor(providerId: string, options: UpstreamHttpOptions & { readonly clock: () => Date }) {
    this.#providerId = providerId;
    this.#options = options;
  }

  /**
   * Validates an ID token and returns its claims.
   * @throws IdgateError `PROVIDER_UNEXPECTED_RESPONSE`, or (fetching the keys) `PROVIDER_UNAVAILABLE`, `PROVIDER_ERROR`
   */
  async verify(idToken: string, expected: IdTokenExpectations): Promise<JWTPayload> {
    const payload = await this.#verifyWithRefresh(idToken, expected.jwksUri, 'id_token', {
      issuer: expected.issuer,
      audience: expected.clientId,
      algorithms: [...expected.algorithms],
      currentDate: expected.now,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['exp', 'iat', 'sub'],
    });
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

  /**
   * Checks the signature of a signed userinfo answer (OpenID Connect Core §5.3.2: `iss`
   * and `aud`, when present, must be the upstream and idgate's client).
   * @throws IdgateError `PROVIDER_UNEXPECTED_RESPONSE`, or (fetching the keys) `PROVIDER_UNAVAILABLE`, `PROVIDER_ERROR`
   */
  async verifyUserinfo(jws: string, expected: SignedAnswerExpectations): Promise<JWTPayload> {
    const payload = await this.#verifyWithRefresh(jws, expected.jwksUri, 'userinfo', {
      algorithms: [...expected.algorithms],
      currentDate: expected.now,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    });
    const audiences = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    const wrongIssuer = payload.iss !== undefined && payload.iss !== expected.issuer;
    if (wrongIssuer || (audiences.length > 0 && !audiences.includes(expected.clientId))) {
      throw providerFailure('PROVIDER_UNEXPECTED_RESPONSE', this.#providerId, 'userinfo', {
        reason: wrongIssuer ? 'userinfo iss mismatch' : 'userinfo aud mismatch',
      });
    }
    return payload;
  }

  /**
   * The upstream's public encryption key (`use: enc`, RSA or EC), for encrypting request objects to it.
   * @returns undefined when its JWKS has none
   * @throws IdgateError (fetching the keys) `PROVIDER_UNAVAILABLE`, `PROVIDER_ERROR`, `PROVIDER_UNEXPECTED_RESPONSE`
   */
  async encryptionKey(jwksUri: string): Promise<JWK | undefined> {
    const { document } = await this.#keys(jwksUri, false);
    const candidates = document.keys.filter(function encrypts(key) {
      return (key.kty === 'RSA' || key.kty === 'EC') && (key.use === 'enc' || key.key_ops?.includes('encrypt'));
    });
    return candidates[0];
  }

  /** Verifies with the cached keys; when the token names a key they lack, fetches them again (rate-limited) and retries once. */
  async #verifyWithRefresh(
    jws: string,
    jwksUri: string,
    step: 'id_token' | 'userinfo',
    options: JWTVerifyOptions,
  ): Promise<JWTPayload> {
    try {
      return (await jwtVerify(jws, (await this.#keys(jwksUri, false)).keySet, options)).payload;
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw this.#refused(error, step);
      try {
        return (await jwtVerify(jws, (await this.#keys(jwksUri, true)).keySet, options)).payload;
      } catch (retryError) {
        throw this.#refused(retryError, step);
      }
    }
  }

  /** Turns a jose refusal into the adapter's error (its own errors pass through). */
  #refused(error: unknown, step: 'id_token' | 'userinfo'): Error {
    if (!(error instanceof errors.JOSEError)) return error as Error;
    return providerFailure('PROVIDER_UNEXPECTED_RESPONSE', this.#providerId, step, {
      reason: `${step} refused: ${error.code}`,
      debug: { joseCode: error.code, message: error.message },
      cause: error,
    });
  }

  async #keys(jwksUri: string, refresh: boolean): Promise<FetchedKeys> {
    const now = this.#options.clock().getTime();
    const cached = this.#cached;
    if (cached !== undefined && cached.jwksUri === jwksUri) {
      if (!refresh || now - cached.fetchedAt < JWKS_REFRESH_MIN_MS) return cached.keys;
    }
    const keys = await this.#fetch(jwksUri);
    this.#cached = { jwksUri, keys, fetchedAt: now };
    return keys;
  }

  async #fetch(jwksUri: string): Promise<FetchedKeys> {
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
      return { keySet: createLocalJWKSet(document as JSONWebKeySet), document: document as JSONWebKeySet };
    } catch (error) {
      throw unexpected('jwks is invalid', error);
    }
  }
}
