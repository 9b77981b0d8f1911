/**
 * The upstream OpenID Connect adapter (SPEC 5, 11): any OpenID Provider configured by its
 * discovery URL and client credentials, through the authorization code flow with PKCE
 * (S256), `state` and `nonce`, on `openid-client` 6, with the security profile the
 * upstream asks for (see `oidc-profile.ts`): `private_key_jwt`, PAR, signed (and
 * encrypted) request objects, JARM, encrypted ID tokens and userinfo.
 *
 * - `start` discovers the upstream (cached), checks the profile against it, and returns
 *   `flowDetails.url`, the upstream's authorization URL (after pushing the request, when
 *   PAR is used). `state` is `<verificationId>.<random>`, so the fixed callback
 *   (`<issuer>/callback/<providerId>`, see `oidc-callback.routes.ts`) finds the session;
 *   the random part, the nonce and the PKCE verifier stay in `providerState` (stored
 *   encrypted by the service).
 * - `advance` takes the callback's parameters (`code`, `state`, `iss`, `error`,
 *   `error_description`, or JARM's `response`): checks `state` and `iss` (RFC 9207),
 *   exchanges the code, checks that what should be encrypted is, validates the ID token
 *   (claims by the library, signature in `oidc-id-token.ts`), calls userinfo when the
 *   upstream has one, and maps claims and `acr`.
 * - Every failure is a `PROVIDER_*` error (see `oidc-errors.ts`); every exchange goes
 *   through idgate's exchange (`upstream-http.ts`: timeout, 1 MiB, circuit breaker).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { type FieldProblem, IdgateError } from '@idgate/errors';
import { decodeJwt } from 'jose';
import {
  AuthorizationResponseError,
  authorizationCodeGrant,
  type Configuration,
  calculatePKCECodeChallenge,
  type ExportedJWKSCache,
  fetchUserInfo,
  getJwksCache,
  randomPKCECodeVerifier,
  setJwksCache,
} from 'openid-client';
import {
  DEFAULT_OIDC_TIMEOUT_MS,
  type EffectiveOidcSettings,
  effectiveSettings,
  type OidcAppSettings,
  type OidcProviderConfig,
  oidcSettingsProblems,
  type ResponseEncryptionConfig,
} from '../../config/oidc-providers.js';
import type { UpstreamCallObserver } from '../../domain/observers.js';
import type { ProviderAdapter, ProviderContext, ProviderHealth, ProviderStep } from '../adapter.js';
import { CircuitBreaker, DEFAULT_COOLDOWN_MS, DEFAULT_FAILURE_THRESHOLD } from '../circuit-breaker.js';
import type { ProviderDescriptor } from '../descriptors.js';
import { authorizationUrl } from './oidc-authorization-request.js';
import { loaFromAcr, mapClaims } from './oidc-claims.js';
import { oidcDescriptor } from './oidc-descriptor.js';
import { ACCEPTED_ALGORITHMS, UpstreamDiscovery, type UpstreamMetadata } from './oidc-discovery.js';
import { isJwe, isJws, openJwe, UnopenableJwe } from './oidc-encryption.js';
import { providerFailure, type UpstreamStep, upstreamFailure } from './oidc-errors.js';
import { UpstreamKeys } from './oidc-id-token.js';
import {
  authMethodOf,
  buildClientConfiguration,
  needsRelyingPartyKeys,
  profileOf,
  profileProblem,
  type TokenEndpointAuthMethod,
  type UpstreamProfile,
} from './oidc-profile.js';
import type { RelyingPartyKeySource } from './relying-party-key-source.js';
import type { UpstreamResponse } from './upstream-answer.js';

/** The callback URL to register at the upstream for a provider. */
export function oidcCallbackUrl(issuer: string, providerId: string): string {
  return `${issuer}/callback/${encodeURIComponent(providerId)}`;
}

/** The verification id a callback's `state` names (`<verificationId>.<random>`), if any. */
export function verificationIdOfState(state: string): string | undefined {
  const dot = state.indexOf('.');
  if (dot <= 0) return undefined;
  const id = state.slice(0, dot);
  return /^vrf_(?:test|live)_[A-Za-z0-9]{1,64}$/.test(id) ? id : undefined;
}

/**
 * The `state` of a callback: its `state` parameter, or, for a JWT-secured authorization
 * response (JARM, `response=<JWT>`), the `state` claim, read without checking the
 * signature, only to find the session (the adapter then validates the whole response).
 * An encrypted JARM response has no readable `state` (not supported).
 */
export function callbackState(input: Readonly<Record<string, string>>): string | undefined {
  if (input.state !== undefined) return input.state;
  if (input.response === undefined || !isJws(input.response)) return undefined;
  try {
    const { state } = decodeJwt(input.response);
    return typeof state === 'string' ? state : undefined;
  } catch {
    return undefined;
  }
}

/** What the adapter keeps between `start` and the callback. */
interface OidcState {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly redirectUri: string;
  readonly clientId: string;
}

/** The callback parameters `advance` takes. */
const CALLBACK_PARAMETERS = new Set(['code', 'state', 'iss', 'error', 'error_description', 'error_uri', 'response']);

/** Upstream `error` values that mean the user did not get through (OpenID Connect Core §3.1.2.6). */
const NOT_AUTHENTICATED_ERRORS = new Set([
  'login_required',
  'interaction_required',
  'consent_required',
  'account_selection_required',
]);

function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

function sameString(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Options of the adapter. */
export interface OidcUpstreamOptions {
  /** The current time (breaker, caches, token validity). */
  readonly clock: () => Date;
  /** idgate's relying-party keys (required when the profile signs, or the upstream encrypts). */
  readonly relyingPartyKeys?: RelyingPartyKeySource | undefined;
  /** Told about every call to the provider (metrics). */
  readonly upstreamCalls?: UpstreamCallObserver | undefined;
}

/** The answers of the upstream one step read, by step (what it really sent, before the library). */
type Answers = Map<UpstreamStep, UpstreamResponse>;

/** One configured upstream OpenID Provider. */
export class OidcUpstreamProvider implements ProviderAdapter {
  readonly descriptor: ProviderDescriptor;
  readonly #config: OidcProviderConfig;
  readonly #profile: UpstreamProfile;
  readonly #breaker: CircuitBreaker;
  readonly #discovery: UpstreamDiscovery;
  readonly #keys: UpstreamKeys;
  readonly #relyingPartyKeys: RelyingPartyKeySource | undefined;
  readonly #timeoutMs: number;
  readonly #clock: () => Date;
  /** The upstream JWKS as the library cached it (JARM responses), kept across the per-step configurations. */
  #libraryJwks: ExportedJWKSCache | undefined;

  constructor(config: OidcProviderConfig, options: OidcUpstreamOptions) {
    this.#config = config;
    this.#profile = profileOf(config);
    if (needsRelyingPartyKeys(this.#profile) && options.relyingPartyKeys === undefined) {
      throw new TypeError(
        `upstream provider ${config.id} needs the relying-party keys (its profile signs or decrypts)`,
      );
    }
    this.#relyingPartyKeys = options.relyingPartyKeys;
    this.descriptor = oidcDescriptor(config);
    this.#timeoutMs = config.timeoutMs ?? DEFAULT_OIDC_TIMEOUT_MS;
    this.#clock = options.clock;
    this.#breaker = new CircuitBreaker(config.id, {
      failureThreshold: config.circuitBreaker?.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD,
      cooldownMs: config.circuitBreaker?.cooldownMs ?? DEFAULT_COOLDOWN_MS,
      clock: options.clock,
    });
    const http = {
      timeoutMs: this.#timeoutMs,
      breaker: this.#breaker,
      clock: options.clock,
      observer: options.upstreamCalls,
    };
    this.#discovery = new UpstreamDiscovery(config.id, config.discoveryUrl, http);
    this.#keys = new UpstreamKeys(config.id, http);
  }

  /** Health from the circuit breaker. */
  health(): ProviderHealth {
    return this.#breaker.health();
  }

  /** An upstream provider needs no `userData`. */
  userDataProblems(): FieldProblem[] {
    return [];
  }

  async start(context: ProviderContext): Promise<ProviderStep> {
    const settings = this.#settings(context);
    const clientId = settings.clientId;
    if (clientId === undefined) {
      throw new IdgateError('PROVIDER_CONFIGURATION_ERROR', {
        detail: `Provider ${this.descriptor.id} has no client id: set clientId in the instance configuration or in the app's provider settings (PUT /admin/v1/apps/{clientId}/providers/${this.descriptor.id}).`,
        context: {
          providerId: this.descriptor.id,
          fields: [{ name: 'settings.clientId', pointer: '/settings/clientId', reason: 'is required' }],
        },
      });
    }
    // An open circuit refuses new sessions at once, even when the discovery is cached.
    this.#breaker.check();
    const metadata = await this.#discovery.metadata();
    const method = this.#authMethod(settings, metadata);
    await this.#checkProfile(metadata, method);
    const redirectUri = oidcCallbackUrl(context.issuer, this.descriptor.id);
    const state: OidcState = {
      state: `${context.verificationId}.${randomToken()}`,
      nonce: randomToken(),
      codeVerifier: randomPKCECodeVerifier(),
      redirectUri,
      clientId,
    };
    const configuration = await this.#configuration(
      metadata,
      clientId,
      method,
      settings.clientSecret,
      new Map(),
      false,
    );
    const parameters: Record<string, string> = {
      redirect_uri: redirectUri,
      scope: settings.scopes.join(' '),
      state: state.state,
      nonce: state.nonce,
      code_challenge: await calculatePKCECodeChallenge(state.codeVerifier),
      code_challenge_method: 'S256',
      ...(context.loginHint === undefined ? {} : { login_hint: context.loginHint }),
      acr_values: this.#acrValues(settings, context.requestedLoa).join(' '),
    };
    const url = await authorizationUrl(
      {
        providerId: this.descriptor.id,
        profile: this.#profile,
        relyingPartyKeys: this.#relyingPartyKeys,
        upstreamKeys: this.#keys,
      },
      configuration,
      metadata,
      parameters,
    );
    return { status: 'pending', flowDetails: { url: url.toString() }, providerState: { ...state } };
  }

  async advance(context: ProviderContext, input: Readonly<Record<string, string>>): Promise<ProviderStep> {
    // A poll: only the callback moves an upstream session.
    if (Object.keys(input).length === 0) return { status: context.status === 'initiated' ? 'pending' : context.status };
    const unknown = Object.keys(input).filter((name) => !CALLBACK_PARAMETERS.has(name));
    if (unknown.length > 0) {
      throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
        detail: 'An upstream provider is advanced by its callback parameters only.',
        context: { fields: unknown.map((name) => ({ name, reason: 'is not a callback parameter' })) },
      });
    }
    const stored = this.#storedState(context);
    // RFC 6749 §10.12: the callback must carry the state of this session's request.
    const state = callbackState(input);
    if (state === undefined || !sameString(state, stored.state)) {
      throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
        detail: 'The callback does not belong to this sign-in (state mismatch).',
        context: { fields: [{ name: 'state', reason: 'does not match the request' }] },
      });
    }
    const metadata = await this.#discovery.metadata();
    const jarm = input.response !== undefined;
    if (!jarm) {
      this.#checkIssuer(input.iss, metadata);
      if (input.error !== undefined) return this.#upstreamError(input.error, input.error_description);
      if (this.#profile.responseMode === 'jwt') {
        throw providerFailure('PROVIDER_UNEXPECTED_RESPONSE', this.descriptor.id, 'authorization', {
          reason: 'callback without a JWT-secured response (responseMode jwt)',
        });
      }
      if (input.code === undefined || input.code === '') {
        throw providerFailure('PROVIDER_UNEXPECTED_RESPONSE', this.descriptor.id, 'authorization', {
          reason: 'callback without code or error',
        });
      }
    } else if (this.#profile.responseMode !== 'jwt') {
      throw providerFailure('PROVIDER_UNEXPECTED_RESPONSE', this.descriptor.id, 'authorization', {
        reason: 'JWT-secured response without responseMode jwt',
      });
    }
    const settings = this.#settings(context);
    if (settings.clientId !== stored.clientId) {
      throw new IdgateError('PROVIDER_CONFIGURATION_ERROR', {
        detail: `The client id of provider ${this.descriptor.id} changed during the sign-in; start it again.`,
        context: { providerId: this.descriptor.id },
      });
    }
    const method = this.#authMethod(settings, metadata);
    const answers: Answers = new Map();
    const configuration = await this.#configuration(
      metadata,
      stored.clientId,
      method,
      settings.clientSecret,
      answers,
      true,
    );
    const tokens = await this.#exchangeCode(configuration, input, stored, answers);
    if ('status' in tokens) return tokens;
    const payload = await this.#keys.verify(
      await this.#opened(tokens.idToken, this.#profile.idTokenEncryption, 'id_token'),
      {
        issuer: metadata.issuer,
        clientId: stored.clientId,
        nonce: stored.nonce,
        algorithms: metadata.idTokenAlgorithms,
        jwksUri: metadata.jwksUri,
        now: context.now,
      },
    );
    const subject = payload.sub as string;
    const userinfo =
      metadata.userinfoEndpoint === undefined
        ? {}
        : await this.#userinfo(
            configuration,
            metadata,
            tokens.accessToken,
            subject,
            stored.clientId,
            answers,
            context.now,
          );
    const { nonce: _n, at_hash: _a, c_hash: _c, ...idTokenClaims } = payload;
    const rawClaims = { ...idTokenClaims, ...userinfo };
    return {
      status: 'completed',
      result: {
        subject,
        issuer: metadata.issuer,
        loa: loaFromAcr(payload.acr, {
          acrMapping: settings.acrMapping,
          defaultLoa: this.#config.defaultLoa ?? 1,
          maxLoa: this.#config.maxLoa,
        }),
        claims: mapClaims(rawClaims, settings.claimMapping),
        rawClaims,
      },
      // The one-time secrets of this sign-in are no longer needed.
      providerState: {},
    };
  }

  /**
   * OpenID Connect Core §3.1.2.1 `acr_values` (voluntary, so the upstream returns `acr`):
   * every `acr` idgate can read that reaches the requested level, the least demanding first.
   */
  #acrValues(settings: EffectiveOidcSettings, requestedLoa: number | null): string[] {
    const levels = new Map<string, number>();
    for (let loa = 1; loa <= this.#config.maxLoa; loa++) levels.set(`urn:idgate:loa:${loa}`, loa);
    for (const [acr, loa] of Object.entries(settings.acrMapping)) levels.set(acr, loa);
    return [...levels]
      .filter(([, loa]) => loa >= (requestedLoa ?? 1))
      .sort((a, b) => a[1] - b[1])
      .map(([acr]) => acr);
  }

  /** The app's settings over the instance's, checked. */
  #settings(context: ProviderContext): EffectiveOidcSettings {
    const problems = oidcSettingsProblems(context.settings, this.#config);
    if (problems.length > 0) {
      throw new IdgateError('PROVIDER_CONFIGURATION_ERROR', {
        detail: `The app's settings for provider ${this.descriptor.id} are invalid: ${problems.map((problem) => problem.name).join(', ')}.`,
        context: { providerId: this.descriptor.id, fields: problems },
      });
    }
    return effectiveSettings(this.#config, context.settings as OidcAppSettings);
  }

  /** The session's client authentication; a secret method needs the secret. */
  #authMethod(settings: EffectiveOidcSettings, metadata: UpstreamMetadata): TokenEndpointAuthMethod {
    const method = authMethodOf(this.#profile, metadata, settings.clientSecret);
    if ((method === 'client_secret_basic' || method === 'client_secret_post') && settings.clientSecret === undefined) {
      throw new IdgateError('PROVIDER_CONFIGURATION_ERROR', {
        detail: `Provider ${this.descriptor.id} authenticates with ${method}: give clientSecret with the app's clientId.`,
        context: {
          providerId: this.descriptor.id,
          fields: [{ name: 'settings.clientSecret', pointer: '/settings/clientSecret', reason: 'is required' }],
        },
      });
    }
    return method;
  }

  /**
   * The profile against the upstream's discovery (SPEC 11): checked when a session starts
   * (not at boot: idgate starts whether or not an upstream answers).
   * @throws IdgateError `PROVIDER_INITIALIZATION_FAILED`
   */
  async #checkProfile(metadata: UpstreamMetadata, method: TokenEndpointAuthMethod): Promise<void> {
    const keys = this.#relyingPartyKeys;
    const signs = method === 'private_key_jwt' || this.#profile.requestObject !== 'none';
    const signingAlg = signs && keys !== undefined ? (await keys.signingKey()).alg : undefined;
    const decrypts = this.#profile.idTokenEncryption !== undefined || this.#profile.userinfoEncryption !== undefined;
    const encryptionAlg = decrypts && keys !== undefined ? (await keys.decryptionKeys())[0]?.alg : undefined;
    const problem = profileProblem(this.#profile, metadata, method, { signingAlg, encryptionAlg });
    if (problem !== undefined) {
      throw providerFailure('PROVIDER_INITIALIZATION_FAILED', this.descriptor.id, 'discovery', { reason: problem });
    }
  }

  /** The library's configuration for one step. */
  #configuration(
    metadata: UpstreamMetadata,
    clientId: string,
    method: TokenEndpointAuthMethod,
    clientSecret: string | undefined,
    answers: Answers,
    decrypt: boolean,
  ): Promise<Configuration> {
    return buildClientConfiguration({
      metadata,
      profile: this.#profile,
      clientId,
      method,
      clientSecret,
      keys: this.#relyingPartyKeys,
      insecure: new URL(this.#config.discoveryUrl).protocol === 'http:',
      decrypt,
      http: {
        providerId: this.descriptor.id,
        timeoutMs: this.#timeoutMs,
        breaker: this.#breaker,
        clock: this.#clock,
        onAnswer: function keepAnswer(step, answer) {
          answers.set(step, answer);
        },
      },
    });
  }

  #storedState(context: ProviderContext): OidcState {
    const state = context.providerState as Partial<OidcState>;
    const complete =
      typeof state.state === 'string' &&
      typeof state.nonce === 'string' &&
      typeof state.codeVerifier === 'string' &&
      typeof state.redirectUri === 'string' &&
      typeof state.clientId === 'string';
    if (!complete) {
      throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
        detail: 'This sign-in is not waiting for a callback.',
        context: { fields: [{ name: 'state', reason: 'no callback is expected' }] },
      });
    }
    return state as OidcState;
  }

  /** RFC 9207 §2.4: `iss` must be the upstream's issuer; it must be there when the upstream says it sends it. */
  #checkIssuer(iss: string | undefined, metadata: UpstreamMetadata): void {
    const wrong = iss === undefined ? metadata.issParameterSupported : iss !== metadata.issuer;
    if (wrong) {
      throw providerFailure('PROVIDER_UNEXPECTED_RESPONSE', this.descriptor.id, 'authorization', {
        reason: iss === undefined ? 'callback without iss' : 'callback iss mismatch',
        debug: { expected: metadata.issuer, received: iss?.slice(0, 200) },
      });
    }
  }

  /** The upstream answered the authorization request with an error (OpenID Connect Core §3.1.2.6). */
  #upstreamError(error: string, description: string | undefined): ProviderStep {
    if (error === 'access_denied') return { status: 'cancelled', statusCode: 'err_user_cancelled', actor: 'user' };
    if (NOT_AUTHENTICATED_ERRORS.has(error))
      return { status: 'failed', statusCode: 'err_not_authenticated', actor: 'user' };
    const code = error === 'temporarily_unavailable' ? 'PROVIDER_UNAVAILABLE' : 'PROVIDER_ERROR';
    throw providerFailure(code, this.descriptor.id, 'authorization', {
      reason: 'upstream authorization error',
      debug: { error: error.slice(0, 100), description: description?.slice(0, 300) },
    });
  }

  /**
   * The authorization response (a JARM one validated by the library first), then the
   * token request (RFC 6749 §4.1.3, RFC 7636 §4.5) with the session's client
   * authentication; the library checks the ID token's claims (`iss`, `aud`, `exp`,
   * `iat`, `nonce`, `azp`) and decrypts it.
   * @returns the tokens, or the step of an error the upstream sent inside a JARM response
   */
  async #exchangeCode(
    configuration: Configuration,
    input: Readonly<Record<string, string>>,
    stored: OidcState,
    answers: Answers,
  ): Promise<{ readonly idToken: string; readonly accessToken: string } | ProviderStep> {
    const currentUrl = new URL(stored.redirectUri);
    for (const name of ['code', 'state', 'iss', 'response'] as const) {
      const value = input[name];
      if (value !== undefined) currentUrl.searchParams.set(name, value);
    }
    if (this.#libraryJwks !== undefined) setJwksCache(configuration, this.#libraryJwks);
    let tokens: Awaited<ReturnType<typeof authorizationCodeGrant>>;
    try {
      tokens = await authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: stored.codeVerifier,
        expectedNonce: stored.nonce,
        expectedState: stored.state,
        idTokenExpected: true,
      });
    } catch (error) {
      // An error inside a valid JARM response (OpenID Connect Core §3.1.2.6).
      if (error instanceof AuthorizationResponseError) return this.#upstreamError(error.error, error.error_description);
      throw upstreamFailure(error, this.descriptor.id, answers.has('token') ? 'token' : 'authorization');
    } finally {
      this.#libraryJwks = getJwksCache(configuration) ?? this.#libraryJwks;
    }
    if (tokens.id_token === undefined || tokens.token_type !== 'bearer') {
      throw providerFailure('PROVIDER_UNEXPECTED_RESPONSE', this.descriptor.id, 'token', {
        reason: 'token response without id_token, access_token or Bearer token_type',
      });
    }
    return { idToken: tokens.id_token, accessToken: tokens.access_token };
  }

  /**
   * The JWS inside what the upstream sent: an encrypted token opened with idgate's RP
   * keys (its `alg`/`enc` the configured ones); a token that should be encrypted and is
   * not is refused.
   * @throws IdgateError `PROVIDER_UNEXPECTED_RESPONSE`
   */
  async #opened(
    token: string,
    encryption: ResponseEncryptionConfig | undefined,
    step: 'id_token' | 'userinfo',
  ): Promise<string> {
    if (!isJwe(token)) {
      if (encryption !== undefined) {
        throw providerFailure('PROVIDER_UNEXPECTED_RESPONSE', this.descriptor.id, step, {
          reason: `${step} is not encrypted`,
        });
      }
      return token;
    }
    const keys = this.#relyingPartyKeys === undefined ? [] : await this.#relyingPartyKeys.decryptionKeys();
    try {
      return await openJwe(token, keys, encryption);
    } catch (error) {
      if (!(error instanceof UnopenableJwe)) throw error;
      throw providerFailure('PROVIDER_UNEXPECTED_RESPONSE', this.descriptor.id, step, {
        reason: `${step} cannot be decrypted: ${error.message}`,
        cause: error,
      });
    }
  }

  /**
   * The userinfo request (OpenID Connect Core §5.3); its `sub` must be the ID token's. A
   * signed answer's signature is checked; an encrypted one must be as configured.
   */
  async #userinfo(
    configuration: Configuration,
    metadata: UpstreamMetadata,
    accessToken: string,
    subject: string,
    clientId: string,
    answers: Answers,
    now: Date,
  ): Promise<Record<string, unknown>> {
    let claims: Record<string, unknown>;
    try {
      claims = { ...(await fetchUserInfo(configuration, accessToken, subject)) };
    } catch (error) {
      throw upstreamFailure(error, this.descriptor.id, 'userinfo');
    }
    const answer = answers.get('userinfo');
    const signedOrEncrypted = answer !== undefined && answer.contentType.split(';')[0]?.trim() === 'application/jwt';
    if (!signedOrEncrypted) {
      if (this.#profile.userinfoEncryption !== undefined) {
        throw providerFailure('PROVIDER_UNEXPECTED_RESPONSE', this.descriptor.id, 'userinfo', {
          reason: 'userinfo is not encrypted',
          debug: { contentType: answer?.contentType.slice(0, 100) },
        });
      }
      return claims;
    }
    const jws = await this.#opened(answer.text.trim(), this.#profile.userinfoEncryption, 'userinfo');
    if (isJws(jws)) {
      await this.#keys.verifyUserinfo(jws, {
        issuer: metadata.issuer,
        clientId,
        // Asymmetric only, like the ID token (never `none` or a shared-secret MAC).
        algorithms: (metadata.server.userinfo_signing_alg_values_supported ?? metadata.idTokenAlgorithms).filter(
          (alg) => ACCEPTED_ALGORITHMS.has(alg),
        ),
        jwksUri: metadata.jwksUri,
        now,
      });
    }
    return claims;
  }
}
