/**
 * The upstream's OpenID Provider configuration (OpenID Connect Discovery 1.0), read with
 * `openid-client`'s `discovery` through idgate's exchange (breaker, timeout, read cap) at
 * the start of a session when not cached, checked, and kept for {@link DISCOVERY_CACHE_MS}.
 * A discovery that fails is not cached.
 */
import { allowInsecureRequests, type Configuration, customFetch, discovery, type ServerMetadata } from 'openid-client';
import { discoveryDocumentUrl, expectedIssuer, WELL_KNOWN_PATH } from '../../config/oidc-providers.js';
import { providerFailure, upstreamFailure } from './oidc-errors.js';
import { type UpstreamHttpOptions, upstreamFetch } from './upstream-http.js';

/** How long a discovery document is used before it is fetched again. */
export const DISCOVERY_CACHE_MS = 60 * 60 * 1000;

/** What idgate uses of the upstream's configuration. */
export interface UpstreamMetadata {
  readonly issuer: string;
  readonly jwksUri: string;
  readonly userinfoEndpoint: string | undefined;
  /** `client_secret_basic` unless the upstream says it only takes `client_secret_post`. */
  readonly secretAuthMethod: 'client_secret_basic' | 'client_secret_post';
  /** Algorithms the upstream signs ID tokens with (default RS256), asymmetric only. */
  readonly idTokenAlgorithms: readonly string[];
  /** Whether the upstream sends `iss` in the authorization response (RFC 9207). */
  readonly issParameterSupported: boolean;
  /** The document as `openid-client` read it (the adapter builds its `Configuration` from it). */
  readonly server: ServerMetadata;
}

/** Asymmetric JWS algorithms idgate accepts for upstream ID tokens (no `none`, no HMAC). */
export const ACCEPTED_ALGORITHMS: ReadonlySet<string> = new Set([
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
export function checkDiscoveryDocument(document: ServerMetadata, discoveryUrl: string): UpstreamMetadata | string {
  const doc = document as unknown as Record<string, unknown>;
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
  if (doc.pushed_authorization_request_endpoint !== undefined && !httpUrl(doc.pushed_authorization_request_endpoint)) {
    return 'pushed_authorization_request_endpoint must be an http(s) URL';
  }
  const responseTypes = stringList(doc.response_types_supported);
  if (responseTypes !== undefined && !responseTypes.includes('code')) return 'response type code is not supported';
  const challengeMethods = stringList(doc.code_challenge_methods_supported);
  if (challengeMethods !== undefined && !challengeMethods.includes('S256')) return 'PKCE S256 is not supported';
  const authMethods = stringList(doc.token_endpoint_auth_methods_supported);
  // OpenID Connect Discovery §3: the default is client_secret_basic.
  const secretAuthMethod =
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
    jwksUri,
    userinfoEndpoint: userinfo,
    secretAuthMethod,
    idTokenAlgorithms: algorithms,
    issParameterSupported: doc.authorization_response_iss_parameter_supported === true,
    server: document,
  };
}

/** What a discovery needs. */
export interface UpstreamDiscoveryOptions extends UpstreamHttpOptions {
  readonly clock: () => Date;
}

/** One upstream provider's discovery, cached. */
export class UpstreamDiscovery {
  readonly #providerId: string;
  readonly #discoveryUrl: string;
  readonly #options: UpstreamDiscoveryOptions;
  #cached: { readonly metadata: UpstreamMetadata; readonly until: number } | undefined;

  constructor(providerId: string, discoveryUrl: string, options: UpstreamDiscoveryOptions) {
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
    // An issuer URL is resolved by the library (and its issuer compared); a full
    // well-known URL is read as it is (the issuer is compared below in either case).
    const documentUrl = discoveryDocumentUrl(this.#discoveryUrl);
    const server = new URL(
      this.#discoveryUrl.endsWith(WELL_KNOWN_PATH) ? documentUrl : expectedIssuer(this.#discoveryUrl),
    );
    let configuration: Configuration;
    try {
      configuration = await discovery(server, 'idgate-discovery', undefined, undefined, {
        [customFetch]: upstreamFetch({
          providerId: this.#providerId,
          ...this.#options,
          stepOf: () => 'discovery',
        }),
        ...(server.protocol === 'http:' ? { execute: [allowInsecureRequests] } : {}),
      });
    } catch (error) {
      throw upstreamFailure(error, this.#providerId, 'discovery', { url: documentUrl });
    }
    const checked = checkDiscoveryDocument(configuration.serverMetadata(), this.#discoveryUrl);
    if (typeof checked === 'string') {
      throw providerFailure('PROVIDER_INITIALIZATION_FAILED', this.#providerId, 'discovery', {
        reason: checked,
        debug: { url: documentUrl },
      });
    }
    this.#cached = { metadata: checked, until: now + DISCOVERY_CACHE_MS };
    return checked;
  }
}
