/**
 * An upstream's security profile (SPEC 11): how idgate authenticates (client secret,
 * `private_key_jwt` with its RP signing key, or none), whether it pushes the authorization
 * request (PAR, RFC 9126), sends it as a signed or signed-and-encrypted request object
 * (JAR, RFC 9101), asks for a JWT-secured authorization response (JARM), and what the
 * upstream encrypts to idgate's RP encryption key (ID tokens, userinfo).
 *
 * {@link profileProblem} checks the profile against the upstream's discovery at the start
 * of a session (the upstream is not asked at boot: a start must not depend on it);
 * {@link buildClientConfiguration} makes the `openid-client` `Configuration` of one step.
 */
import {
  allowInsecureRequests,
  type ClientAuth,
  ClientSecretBasic,
  ClientSecretPost,
  Configuration,
  clockTolerance,
  customFetch,
  enableDecryptingResponses,
  None,
  PrivateKeyJwt,
  type ServerMetadata,
  useJwtResponseMode,
} from 'openid-client';
import type { OidcProviderConfig, ResponseEncryptionConfig } from '../../config/oidc-providers.js';
import type { UpstreamMetadata } from './oidc-discovery.js';
import type { UpstreamStep } from './oidc-errors.js';
import type { RelyingPartyKeySource } from './relying-party-key-source.js';
import { type UpstreamFetchOptions, upstreamFetch } from './upstream-http.js';

/** How idgate authenticates at the upstream's token and PAR endpoints. */
export type TokenEndpointAuthMethod = NonNullable<OidcProviderConfig['tokenEndpointAuthMethod']>;

/** A provider's profile with the defaults applied. */
export interface UpstreamProfile {
  /** The configured method; undefined: a secret method by the discovery (or `none` without a secret). */
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod | undefined;
  readonly pushedAuthorization: 'auto' | 'always' | 'never';
  readonly requestObject: 'none' | 'signed' | 'signed-encrypted';
  readonly responseMode: 'query' | 'jwt';
  readonly idTokenEncryption: ResponseEncryptionConfig | undefined;
  readonly userinfoEncryption: ResponseEncryptionConfig | undefined;
}

/** The profile of a configured provider (docs/providers.md gives the defaults). */
export function profileOf(config: OidcProviderConfig): UpstreamProfile {
  return {
    tokenEndpointAuthMethod: config.tokenEndpointAuthMethod,
    pushedAuthorization: config.pushedAuthorization ?? 'auto',
    requestObject: config.requestObject ?? 'none',
    responseMode: config.responseMode ?? 'query',
    idTokenEncryption: config.idTokenEncryption,
    userinfoEncryption: config.userinfoEncryption,
  };
}

/** Whether a profile uses idgate's relying-party keys. */
export function needsRelyingPartyKeys(profile: UpstreamProfile): boolean {
  return (
    profile.tokenEndpointAuthMethod === 'private_key_jwt' ||
    profile.requestObject !== 'none' ||
    profile.idTokenEncryption !== undefined ||
    profile.userinfoEncryption !== undefined
  );
}

/** The method one session authenticates with. */
export function authMethodOf(
  profile: UpstreamProfile,
  metadata: UpstreamMetadata,
  secret: string | undefined,
): TokenEndpointAuthMethod {
  if (profile.tokenEndpointAuthMethod !== undefined) return profile.tokenEndpointAuthMethod;
  return secret === undefined ? 'none' : metadata.secretAuthMethod;
}

/** RFC 9126 §5 / SPEC 11: `auto` pushes when the upstream lists a PAR endpoint and requires it. */
export function usesPushedAuthorization(profile: UpstreamProfile, server: ServerMetadata): boolean {
  if (profile.pushedAuthorization === 'always') return true;
  if (profile.pushedAuthorization === 'never') return false;
  return (
    server.pushed_authorization_request_endpoint !== undefined && server.require_pushed_authorization_requests === true
  );
}

/** Whether a list the upstream publishes allows `value` (an absent list says nothing). */
function listed(list: readonly string[] | undefined, value: string): boolean {
  return list === undefined || list.includes(value);
}

/** Problems of one encryption setting with what the upstream says it encrypts with. */
function encryptionProblem(
  name: string,
  wanted: ResponseEncryptionConfig | undefined,
  rpEncryptionAlg: string,
  algs: readonly string[] | undefined,
  encs: readonly string[] | undefined,
): string | undefined {
  if (wanted === undefined) return undefined;
  const alg = wanted.alg ?? rpEncryptionAlg;
  if (!listed(algs, alg)) return `${name} alg ${alg} is not listed by the upstream`;
  if (!listed(encs, wanted.enc)) return `${name} enc ${wanted.enc} is not listed by the upstream`;
  return undefined;
}

/**
 * What keeps a session from starting with this profile at this upstream: a method,
 * algorithm or mode the upstream's discovery does not list, PAR without its endpoint.
 * @returns why (for the log), or undefined when the profile fits
 */
export function profileProblem(
  profile: UpstreamProfile,
  metadata: UpstreamMetadata,
  method: TokenEndpointAuthMethod,
  keys: { readonly signingAlg: string | undefined; readonly encryptionAlg: string | undefined },
): string | undefined {
  const server = metadata.server;
  if (profile.tokenEndpointAuthMethod !== undefined && !listed(server.token_endpoint_auth_methods_supported, method)) {
    return `token endpoint auth method ${method} is not listed by the upstream`;
  }
  if (
    method === 'private_key_jwt' &&
    keys.signingAlg !== undefined &&
    !listed(server.token_endpoint_auth_signing_alg_values_supported, keys.signingAlg)
  ) {
    return `client assertion alg ${keys.signingAlg} is not listed by the upstream`;
  }
  if (profile.pushedAuthorization === 'always' && server.pushed_authorization_request_endpoint === undefined) {
    return 'pushedAuthorization is always but the upstream has no pushed_authorization_request_endpoint';
  }
  if (
    profile.requestObject !== 'none' &&
    keys.signingAlg !== undefined &&
    !listed(server.request_object_signing_alg_values_supported, keys.signingAlg)
  ) {
    return `request object alg ${keys.signingAlg} is not listed by the upstream`;
  }
  const modes = server.response_modes_supported;
  if (profile.responseMode === 'jwt' && modes !== undefined && !modes.includes('jwt') && !modes.includes('query.jwt')) {
    return 'response mode jwt is not listed by the upstream';
  }
  const rpAlg = keys.encryptionAlg ?? 'ECDH-ES';
  return (
    encryptionProblem(
      'idTokenEncryption',
      profile.idTokenEncryption,
      rpAlg,
      server.id_token_encryption_alg_values_supported,
      server.id_token_encryption_enc_values_supported,
    ) ??
    encryptionProblem(
      'userinfoEncryption',
      profile.userinfoEncryption,
      rpAlg,
      server.userinfo_encryption_alg_values_supported,
      server.userinfo_encryption_enc_values_supported,
    )
  );
}

/** The step a request URL of the library belongs to. */
export function stepOfUrl(server: ServerMetadata): (url: string) => UpstreamStep {
  const steps = new Map<string, UpstreamStep>();
  const add = (endpoint: string | undefined, step: UpstreamStep) => {
    if (endpoint !== undefined) steps.set(endpoint, step);
  };
  add(server.token_endpoint, 'token');
  add(server.userinfo_endpoint, 'userinfo');
  add(server.pushed_authorization_request_endpoint, 'par');
  add(server.jwks_uri, 'jwks');
  return function stepOf(url) {
    const bare = url.split('?')[0] ?? url;
    return steps.get(url) ?? steps.get(bare) ?? 'authorization';
  };
}

/** What one `Configuration` is built from. */
export interface ClientConfigurationInput {
  readonly metadata: UpstreamMetadata;
  readonly profile: UpstreamProfile;
  readonly clientId: string;
  readonly method: TokenEndpointAuthMethod;
  readonly clientSecret: string | undefined;
  readonly keys: RelyingPartyKeySource | undefined;
  /** Whether the upstream may be reached over http (its discovery URL is http: outside production only). */
  readonly insecure: boolean;
  /** Whether to decrypt what the upstream encrypted (the callback; not needed to start). */
  readonly decrypt: boolean;
  readonly http: Omit<UpstreamFetchOptions, 'stepOf'>;
}

/** Seconds of clock difference tolerated on `exp`, `iat`, `nbf` (as in `oidc-id-token.ts`). */
const CLOCK_TOLERANCE_SECONDS = 60;

/** The library's client authentication for a method. */
async function clientAuthOf(input: ClientConfigurationInput): Promise<ClientAuth> {
  switch (input.method) {
    case 'private_key_jwt': {
      const signing = await requireKeys(input).signingKey();
      return PrivateKeyJwt({ key: signing.key, kid: signing.kid });
    }
    case 'client_secret_basic':
      return ClientSecretBasic(input.clientSecret);
    case 'client_secret_post':
      return ClientSecretPost(input.clientSecret);
    case 'none':
      return None();
  }
}

function requireKeys(input: ClientConfigurationInput): RelyingPartyKeySource {
  if (input.keys === undefined) throw new TypeError('this upstream profile needs the relying-party keys');
  return input.keys;
}

/**
 * The `openid-client` `Configuration` of one step of one session: the upstream's cached
 * metadata, the session's client id and authentication, idgate's exchange as `customFetch`,
 * JARM when asked, and decryption with every RP key that decrypts now. (A new one per step:
 * keys rotate, and the library lets a `Configuration` take decryption keys only once.)
 */
export async function buildClientConfiguration(input: ClientConfigurationInput): Promise<Configuration> {
  const auth = await clientAuthOf(input);
  // The library judges `exp`/`iat`/`nbf` (and stamps its assertions) with the system
  // clock; idgate's own checks (signature, `oidc-id-token.ts`) use the injected one.
  const configuration = new Configuration(
    input.metadata.server,
    input.clientId,
    { [clockTolerance]: CLOCK_TOLERANCE_SECONDS },
    auth,
  );
  configuration[customFetch] = upstreamFetch({ ...input.http, stepOf: stepOfUrl(input.metadata.server) });
  if (input.insecure) allowInsecureRequests(configuration);
  if (input.profile.responseMode === 'jwt') useJwtResponseMode(configuration);
  const { idTokenEncryption, userinfoEncryption } = input.profile;
  if (input.decrypt && (idTokenEncryption !== undefined || userinfoEncryption !== undefined)) {
    const encs = [...new Set([idTokenEncryption?.enc, userinfoEncryption?.enc].filter((enc) => enc !== undefined))];
    const keys = await requireKeys(input).decryptionKeys();
    enableDecryptingResponses(configuration, encs, ...keys.map((each) => ({ key: each.key, kid: each.kid })));
  }
  return configuration;
}
