/**
 * The upstream OpenID Connect adapter (SPEC 5): any OpenID Provider configured by its
 * discovery URL and client credentials, through the authorization code flow with PKCE
 * (S256), `state` and `nonce`.
 *
 * - `start` discovers the upstream (cached), and returns `flowDetails.url`, the upstream's
 *   authorization URL. `state` is `<verificationId>.<random>`, so the fixed callback
 *   (`<issuer>/callback/<providerId>`, see `oidc-callback.routes.ts`) finds the session;
 *   the random part, the nonce and the PKCE verifier stay in `providerState` (stored
 *   encrypted by the service).
 * - `advance` takes the callback's parameters (`code`, `state`, `iss`, `error`,
 *   `error_description`): checks `state` and `iss` (RFC 9207), exchanges the code at the
 *   token endpoint (`client_secret_basic`, or `client_secret_post` when the upstream only
 *   takes that; a client without a secret sends its id only), validates the ID token,
 *   calls userinfo when the upstream has one, and maps claims and `acr`.
 * - Every failure is a `PROVIDER_*` error (see `oidc-errors.ts`); every exchange is
 *   bounded by the provider's timeout and goes through its circuit breaker.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { type FieldProblem, IdgateError } from '@idgate/errors';
import type { UpstreamCallObserver } from '../../http/metric-observers.js';
import type { ProviderAdapter, ProviderContext, ProviderHealth, ProviderStep } from '../adapter.js';
import { CircuitBreaker, DEFAULT_COOLDOWN_MS, DEFAULT_FAILURE_THRESHOLD } from '../circuit-breaker.js';
import { oidcDescriptor, type ProviderDescriptor } from '../descriptors.js';
import { loaFromAcr, mapClaims } from './oidc-claims.js';
import {
  DEFAULT_OIDC_TIMEOUT_MS,
  type EffectiveOidcSettings,
  effectiveSettings,
  type OidcAppSettings,
  type OidcProviderConfig,
  oidcSettingsProblems,
} from './oidc-config.js';
import { UpstreamDiscovery, type UpstreamMetadata } from './oidc-discovery.js';
import { providerFailure, rateLimitedFailure, transportFailure } from './oidc-errors.js';
import { UpstreamKeys } from './oidc-id-token.js';
import { UpstreamTransportError, upstreamExchange } from './upstream-http.js';

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

/** What the adapter keeps between `start` and the callback. */
interface OidcState {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly redirectUri: string;
  readonly clientId: string;
}

/** The callback parameters `advance` takes. */
const CALLBACK_PARAMETERS = new Set(['code', 'state', 'iss', 'error', 'error_description', 'error_uri']);

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

/** RFC 6749 §2.3.1: client id and secret are form-encoded before Basic. */
function basicCredentials(clientId: string, clientSecret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Options of the adapter. */
export interface OidcUpstreamOptions {
  /** The current time (breaker, caches, ID token validity). */
  readonly clock: () => Date;
  /** Told about every call to the provider (metrics). */
  readonly upstreamCalls?: UpstreamCallObserver | undefined;
}

/** One configured upstream OpenID Provider. */
export class OidcUpstreamProvider implements ProviderAdapter {
  readonly descriptor: ProviderDescriptor;
  readonly #config: OidcProviderConfig;
  readonly #breaker: CircuitBreaker;
  readonly #discovery: UpstreamDiscovery;
  readonly #keys: UpstreamKeys;
  readonly #timeoutMs: number;
  readonly #clock: () => Date;
  readonly #observer: UpstreamCallObserver | undefined;

  constructor(config: OidcProviderConfig, options: OidcUpstreamOptions) {
    this.#config = config;
    this.descriptor = oidcDescriptor(config);
    this.#timeoutMs = config.timeoutMs ?? DEFAULT_OIDC_TIMEOUT_MS;
    this.#clock = options.clock;
    this.#breaker = new CircuitBreaker(config.id, {
      failureThreshold: config.circuitBreaker?.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD,
      cooldownMs: config.circuitBreaker?.cooldownMs ?? DEFAULT_COOLDOWN_MS,
      clock: options.clock,
    });
    this.#observer = options.upstreamCalls;
    const http = { timeoutMs: this.#timeoutMs, breaker: this.#breaker, clock: options.clock, observer: this.#observer };
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
    const redirectUri = oidcCallbackUrl(context.issuer, this.descriptor.id);
    const state: OidcState = {
      state: `${context.verificationId}.${randomToken()}`,
      nonce: randomToken(),
      codeVerifier: randomToken(48),
      redirectUri,
      clientId,
    };
    const url = new URL(metadata.authorizationEndpoint);
    const parameters: [string, string][] = [
      ['response_type', 'code'],
      ['client_id', clientId],
      ['redirect_uri', redirectUri],
      ['scope', settings.scopes.join(' ')],
      ['state', state.state],
      ['nonce', state.nonce],
      ['code_challenge', createHash('sha256').update(state.codeVerifier).digest('base64url')],
      ['code_challenge_method', 'S256'],
      ...(context.loginHint === undefined ? [] : ([['login_hint', context.loginHint]] as [string, string][])),
      ['acr_values', this.#acrValues(settings, context.requestedLoa).join(' ')],
    ];
    for (const [name, value] of parameters) url.searchParams.set(name, value);
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
    if (input.state === undefined || !sameString(input.state, stored.state)) {
      throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
        detail: 'The callback does not belong to this sign-in (state mismatch).',
        context: { fields: [{ name: 'state', reason: 'does not match the request' }] },
      });
    }
    const metadata = await this.#discovery.metadata();
    this.#checkIssuer(input.iss, metadata);
    if (input.error !== undefined) return this.#upstreamError(input.error, input.error_description);
    if (input.code === undefined || input.code === '') {
      throw providerFailure('PROVIDER_UNEXPECTED_RESPONSE', this.descriptor.id, 'authorization', {
        reason: 'callback without code or error',
      });
    }
    const settings = this.#settings(context);
    if (settings.clientId !== stored.clientId) {
      throw new IdgateError('PROVIDER_CONFIGURATION_ERROR', {
        detail: `The client id of provider ${this.descriptor.id} changed during the sign-in; start it again.`,
        context: { providerId: this.descriptor.id },
      });
    }
    const tokens = await this.#exchangeCode(input.code, stored, settings, metadata);
    const payload = await this.#keys.verify(tokens.idToken, {
      issuer: metadata.issuer,
      clientId: stored.clientId,
      nonce: stored.nonce,
      algorithms: metadata.idTokenAlgorithms,
      jwksUri: metadata.jwksUri,
      now: context.now,
    });
    const subject = payload.sub as string;
    const userinfo =
      metadata.userinfoEndpoint === undefined
        ? {}
        : await this.#userinfo(metadata.userinfoEndpoint, tokens.accessToken, subject);
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

  /** The token request (RFC 6749 §4.1.3, RFC 7636 §4.5). */
  async #exchangeCode(
    code: string,
    stored: OidcState,
    settings: EffectiveOidcSettings,
    metadata: UpstreamMetadata,
  ): Promise<{ readonly idToken: string; readonly accessToken: string }> {
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: stored.redirectUri,
      code_verifier: stored.codeVerifier,
    });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    const secret = settings.clientSecret;
    if (secret !== undefined && metadata.tokenAuthMethod === 'client_secret_basic') {
      headers.authorization = basicCredentials(stored.clientId, secret);
    } else {
      form.set('client_id', stored.clientId);
      if (secret !== undefined) form.set('client_secret', secret);
    }
    const response = await this.#exchange('token', {
      url: metadata.tokenEndpoint,
      method: 'POST',
      headers,
      body: form.toString(),
      what: 'token',
    });
    const body = parseJson(response.text);
    const upstreamError = isJsonObject(body) && typeof body.error === 'string' ? body.error : undefined;
    const debug = { status: response.status, error: upstreamError?.slice(0, 100) };
    const rateLimited = rateLimitedFailure(response, this.descriptor.id, 'token', this.#clock());
    if (rateLimited !== undefined) throw rateLimited;
    if (response.status >= 500) {
      throw providerFailure('PROVIDER_ERROR', this.descriptor.id, 'token', { reason: 'token endpoint 5xx', debug });
    }
    if (response.status === 401 || upstreamError === 'invalid_client') {
      throw providerFailure('PROVIDER_AUTHENTICATION_FAILED', this.descriptor.id, 'token', {
        reason: 'client authentication refused',
        debug,
      });
    }
    if (response.status === 400 && upstreamError !== undefined) {
      throw providerFailure('PROVIDER_ERROR', this.descriptor.id, 'token', { reason: 'token request refused', debug });
    }
    if (response.status !== 200 || !isJsonObject(body)) {
      throw providerFailure('PROVIDER_UNEXPECTED_RESPONSE', this.descriptor.id, 'token', {
        reason: 'token response is not a JSON object',
        debug: { ...debug, contentType: response.contentType.slice(0, 100), body: response.text.slice(0, 200) },
      });
    }
    const idToken = body.id_token;
    const accessToken = body.access_token;
    const tokenType = body.token_type;
    if (
      typeof idToken !== 'string' ||
      typeof accessToken !== 'string' ||
      typeof tokenType !== 'string' ||
      tokenType.toLowerCase() !== 'bearer'
    ) {
      throw providerFailure('PROVIDER_UNEXPECTED_RESPONSE', this.descriptor.id, 'token', {
        reason: 'token response without id_token, access_token or Bearer token_type',
        debug,
      });
    }
    return { idToken, accessToken };
  }

  /** The userinfo request (OpenID Connect Core §5.3); its `sub` must be the ID token's. */
  async #userinfo(endpoint: string, accessToken: string, subject: string): Promise<Record<string, unknown>> {
    const response = await this.#exchange('userinfo', {
      url: endpoint,
      headers: { authorization: `Bearer ${accessToken}` },
      what: 'userinfo',
    });
    const debug = { status: response.status, contentType: response.contentType.slice(0, 100) };
    const rateLimited = rateLimitedFailure(response, this.descriptor.id, 'userinfo', this.#clock());
    if (rateLimited !== undefined) throw rateLimited;
    if (response.status >= 500) {
      throw providerFailure('PROVIDER_ERROR', this.descriptor.id, 'userinfo', { reason: 'userinfo 5xx', debug });
    }
    const body = response.status === 200 ? parseJson(response.text) : undefined;
    if (!isJsonObject(body)) {
      throw providerFailure('PROVIDER_UNEXPECTED_RESPONSE', this.descriptor.id, 'userinfo', {
        reason: 'userinfo is not a JSON object',
        debug: { ...debug, body: response.text.slice(0, 200) },
      });
    }
    // OpenID Connect Core §5.3.4: the sub MUST match the ID token's, else the response MUST NOT be used.
    if (body.sub !== subject) {
      throw providerFailure('PROVIDER_UNEXPECTED_RESPONSE', this.descriptor.id, 'userinfo', {
        reason: 'userinfo sub mismatch',
        debug,
      });
    }
    return body;
  }

  /** One exchange, its transport failures classified. */
  async #exchange(
    step: 'token' | 'userinfo',
    call: Parameters<typeof upstreamExchange>[0],
  ): ReturnType<typeof upstreamExchange> {
    try {
      return await upstreamExchange(call, {
        timeoutMs: this.#timeoutMs,
        breaker: this.#breaker,
        observer: this.#observer,
      });
    } catch (error) {
      if (error instanceof UpstreamTransportError) throw transportFailure(error, this.descriptor.id, step);
      throw error;
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
