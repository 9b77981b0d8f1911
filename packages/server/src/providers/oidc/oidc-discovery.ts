/**
 * The upstream's OpenID Provider configuration (OpenID Connect Discovery 1.0): fetched at
 * the start of a session when not cached, checked, and kept for
 * {@link DISCOVERY_CACHE_MS}. A discovery that fails is not cached.
 */
import { discoveryDocumentUrl, expectedIssuer } from './oidc-config.js';
import { providerFailure, rateLimitedFailure, transportFailure } from './oidc-errors.js';
import { type UpstreamHttpOptions, UpstreamTransportError, upstreamExchange } from './upstream-http.js';

/** How long a discovery document is used before it is fetched again. */
export const DISCOVERY_CACHE_MS = 60 * 60 * 1000;

/** What idgate uses of the upstream's configuration. */
export interface UpstreamMetadata {
  readonly issuer: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly jwksUri: string;
  readonly userinfoEndpoint: string | undefined;
  /** `client_secret_basic` unless the upstream says it only takes `client_secret_post`. */
  readonly tokenAuthMethod: 'client_secret_basic' | 'client_secret_post';
  /** Algorithms the upstream signs ID tokens with (default RS256). */
  readonly idTokenAlgorithms: readonly string[];
  /** Whether the upstream sends `iss` in the authorization response (RFC 9207). */
  readonly issParameterSupported: boolean;
}

/** Asymmetric JWS algorithms idgate accepts for upstream ID tokens (no `none`, no HMAC). */
const ACCEPTED_ALGORITHMS = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);

function httpUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const parsed = new URL(value);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? value : undefined;
  } catch {
    return undefined;
  }
}

function stringList(value: unknown): readonly string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? (value as string[]) : undefined;
}

/**
 * Checks a discovery document.
 * @returns the metadata, or why it is refused
 */
export function checkDiscoveryDocument(document: unknown, discoveryUrl: string): UpstreamMetadata | string {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return 'not a JSON object';
  const doc = document as Record<string, unknown>;
  // OpenID Connect Discovery §4.3: the issuer MUST be identical to the one discovery was done for.
  if (doc.issuer !== expectedIssuer(discoveryUrl)) return 'issuer does not match the discovery URL';
  const authorizationEndpoint = httpUrl(doc.authorization_endpoint);
  const tokenEndpoint = httpUrl(doc.token_endpoint);
  const jwksUri = httpUrl(doc.jwks_uri);
  if (!authorizationEndpoint || !tokenEndpoint || !jwksUri) {
    return 'authorization_endpoint, token_endpoint and jwks_uri must be http(s) URLs';
  }
  const userinfo = doc.userinfo_endpoint === undefined ? undefined : httpUrl(doc.userinfo_endpoint);
  if (doc.userinfo_endpoint !== undefined && userinfo === undefined) return 'userinfo_endpoint must be an http(s) URL';
  const responseTypes = stringList(doc.response_types_supported);
  if (responseTypes !== undefined && !responseTypes.includes('code')) return 'response type code is not supported';
  const challengeMethods = stringList(doc.code_challenge_methods_supported);
  if (challengeMethods !== undefined && !challengeMethods.includes('S256')) return 'PKCE S256 is not supported';
  const authMethods = stringList(doc.token_endpoint_auth_methods_supported);
  // OpenID Connect Discovery §3: the default is client_secret_basic.
  const tokenAuthMethod =
    authMethods !== undefined &&
    !authMethods.includes('client_secret_basic') &&
    authMethods.includes('client_secret_post')
      ? 'client_secret_post'
      : 'client_secret_basic';
  const algorithms = (stringList(doc.id_token_signing_alg_values_supported) ?? ['RS256']).filter((alg) =>
    ACCEPTED_ALGORITHMS.has(alg),
  );
  if (algorithms.length === 0) return 'no accepted ID token signing algorithm (asymmetric only)';
  return {
    issuer: doc.issuer as string,
    authorizationEndpoint,
    tokenEndpoint,
    jwksUri,
    userinfoEndpoint: userinfo,
    tokenAuthMethod,
    idTokenAlgorithms: algorithms,
    issParameterSupported: doc.authorization_response_iss_parameter_supported === true,
  };
}

/** One upstream provider's discovery, cached. */
export class UpstreamDiscovery {
  readonly #providerId: string;
  readonly #discoveryUrl: string;
  readonly #options: UpstreamHttpOptions & { readonly clock: () => Date };
  #cached: { readonly metadata: UpstreamMetadata; readonly until: number } | undefined;

  constructor(providerId: string, discoveryUrl: string, options: UpstreamHttpOptions & { readonly clock: () => Date }) {
    this.#providerId = providerId;
    this.#discoveryUrl = discoveryUrl;
    this.#options = options;
  }

  /**
   * The upstream's metadata.
   * @throws IdgateError `PROVIDER_UNAVAILABLE` (unreachable, rate-limited, circuit open), `PROVIDER_ERROR`
   *   (timeout), `PROVIDER_INITIALIZATION_FAILED` (any other answer than a valid document)
   */
  async metadata(): Promise<UpstreamMetadata> {
    const now = this.#options.clock().getTime();
    if (this.#cached !== undefined && now < this.#cached.until) return this.#cached.metadata;
    const url = discoveryDocumentUrl(this.#discoveryUrl);
    let text: string;
    let status: number;
    try {
      const response = await upstreamExchange({ url, what: 'discovery' }, this.#options);
      const rateLimited = rateLimitedFailure(response, this.#providerId, 'discovery', this.#options.clock());
      if (rateLimited !== undefined) throw rateLimited;
      text = response.text;
      status = response.status;
    } catch (error) {
      if (error instanceof UpstreamTransportError) throw transportFailure(error, this.#providerId, 'discovery');
      throw error;
    }
    const fail = (reason: string) =>
      providerFailure('PROVIDER_INITIALIZATION_FAILED', this.#providerId, 'discovery', {
        reason,
        debug: { url, status, body: text.slice(0, 200) },
      });
    if (status !== 200) throw fail(`discovery answered ${status}`);
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (error) {
      throw providerFailure('PROVIDER_INITIALIZATION_FAILED', this.#providerId, 'discovery', {
        reason: 'discovery document is not JSON',
        debug: { url, body: text.slice(0, 200) },
        cause: error,
      });
    }
    const checked = checkDiscoveryDocument(document, this.#discoveryUrl);
    if (typeof checked === 'string') throw fail(checked);
    this.#cached = { metadata: checked, until: now + DISCOVERY_CACHE_MS };
    return checked;
  }
}
