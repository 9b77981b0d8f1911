/**
 * The OpenID4VP authorization request of a wallet session (OpenID4VP 1.0 §5, HAIP 1.0):
 *
 * - the request object: a JWT signed ES256 with the verifier key (`typ:
 *   oauth-authz-req+jwt`, `x5c` the verifier chain) holding `response_type=vp_token`,
 *   `client_id`, `dcql_query`, `nonce`, `state`, `response_uri`, `response_mode`,
 *   `client_metadata` (`vp_formats_supported`, and for an encrypted response the session's
 *   ephemeral ECDH-ES P-256 key in `jwks` with `encrypted_response_enc_values_supported`),
 *   `aud` `https://self-issued.me/v2` (static discovery, §5.8), `iat`, `exp`, and the
 *   wallet's `wallet_nonce` when it POSTed one to `request_uri` (§5.10);
 * - the link for QR and same-device flows: `openid4vp://?client_id=…&request_uri=…`;
 * - the Digital Credentials API request (Appendix A): the argument of
 *   `navigator.credentials.get`, protocol `openid4vp-v1-signed`, the request object with
 *   `response_mode` `dc_api.jwt` and `expected_origins` (no `response_uri`, no `state`);
 * - the per-session encryption key, serialisable into the adapter's `providerState`.
 */
import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import type { DcqlQueryJson } from './dcql.js';
import type { CredentialFormat } from './verified-credential.js';
import type { VerifierIdentity } from './verifier-identity.js';

/** OpenID4VP 1.0 §5.8: the `aud` of a request object under static discovery. */
export const STATIC_DISCOVERY_AUDIENCE = 'https://self-issued.me/v2';

/** The custom scheme that opens a wallet (OpenID4VP 1.0 §13.1.2). */
export const WALLET_SCHEME = 'openid4vp://';

/** The DC API protocol of a signed request (OpenID4VP 1.0 Appendix A.1). */
export const DC_API_PROTOCOL = 'openid4vp-v1-signed';

/** The media type of a request object (RFC 9101 §10.2). */
export const REQUEST_OBJECT_MEDIA_TYPE = 'application/oauth-authz-req+jwt';

/** The response modes of a request: `direct_post.jwt` / `direct_post` (request_uri flows), `dc_api.jwt` (DC API). */
export type RequestResponseMode = 'direct_post.jwt' | 'direct_post' | 'dc_api.jwt';

/** What idgate verifies, per format (OpenID4VP 1.0 B.2.2, B.3.3): ES256, COSE -7 and its fully specified -9. */
export const VP_FORMATS_SUPPORTED: Readonly<Record<CredentialFormat, Readonly<Record<string, readonly unknown[]>>>> = {
  'dc+sd-jwt': { 'sd-jwt_alg_values': ['ES256'], 'kb-jwt_alg_values': ['ES256'] },
  mso_mdoc: { issuerauth_alg_values: [-7, -9], deviceauth_alg_values: [-7, -9] },
};

/** A session's response encryption key (ECDH-ES, P-256), as `providerState` keeps it. */
export interface SessionKey {
  readonly kid: string;
  /** The public JWK, with `kid`, `use: enc` and `alg: ECDH-ES`, as the request advertises it. */
  readonly publicJwk: JWK;
  /** The private JWK (the service stores `providerState` encrypted). */
  readonly privateJwk: JWK;
  /** RFC 7638 SHA-256 thumbprint of the public key, base64url (the mdoc session transcript binds it). */
  readonly thumbprint: string;
}

function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** A fresh `nonce` or `state` (OpenID4VP 1.0 §5.2: at least 128 bits, URL-safe). */
export function freshToken(): string {
  return randomToken(32);
}

/** Generates the ephemeral ECDH-ES P-256 key of one session. */
export async function generateSessionKey(): Promise<SessionKey> {
  const { publicKey, privateKey } = await generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true });
  const kid = randomToken(12);
  const { kty, crv, x, y } = (await exportJWK(publicKey)) as { kty: string; crv: string; x: string; y: string };
  const publicJwk: JWK = { kty, crv, x, y, kid, use: 'enc', alg: 'ECDH-ES' };
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: 'ECDH-ES' };
  const thumbprint = await calculateJwkThumbprint({ kty, crv, x, y });
  return { kid, publicJwk, privateJwk, thumbprint };
}

/** Reads a {@link SessionKey} back from `providerState`. */
export function sessionKeyFrom(value: unknown): SessionKey | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const key = value as Partial<SessionKey>;
  if (typeof key.kid !== 'string' || typeof key.thumbprint !== 'string') return undefined;
  if (typeof key.publicJwk !== 'object' || typeof key.privateJwk !== 'object') return undefined;
  return key as SessionKey;
}

/** Everything a request object says. */
export interface RequestObjectInput {
  readonly clientId: string;
  readonly responseMode: RequestResponseMode;
  /** Where the wallet posts (`direct_post*`; absent for the DC API). */
  readonly responseUri?: string;
  readonly nonce: string;
  /** The session's `state` (absent for the DC API, Appendix A.2). */
  readonly state?: string;
  readonly dcqlQuery: DcqlQueryJson;
  /** The formats whose algorithms `vp_formats_supported` lists. */
  readonly formats: readonly CredentialFormat[];
  /** For an encrypted response: the session key and the `enc` values idgate decrypts. */
  readonly encryption?: { readonly key: SessionKey; readonly encValues: readonly string[] };
  /** DC API: the origins the request may be used from (Appendix A.2). */
  readonly expectedOrigins?: readonly string[];
  /** The `wallet_nonce` a wallet POSTed to `request_uri` (§5.10). */
  readonly walletNonce?: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

/** The claims of a request object. */
export function requestObjectClaims(input: RequestObjectInput): Record<string, unknown> {
  const formats = [...new Set(input.formats)];
  const clientMetadata: Record<string, unknown> = {
    vp_formats_supported: Object.fromEntries(formats.map((format) => [format, VP_FORMATS_SUPPORTED[format]])),
  };
  if (input.encryption !== undefined) {
    clientMetadata.jwks = { keys: [input.encryption.key.publicJwk] };
    clientMetadata.encrypted_response_enc_values_supported = [...input.encryption.encValues];
  }
  const claims: Record<string, unknown> = {
    aud: STATIC_DISCOVERY_AUDIENCE,
    iat: Math.floor(input.issuedAt.getTime() / 1000),
    exp: Math.floor(input.expiresAt.getTime() / 1000),
    response_type: 'vp_token',
    client_id: input.clientId,
    response_mode: input.responseMode,
    nonce: input.nonce,
    dcql_query: input.dcqlQuery,
    client_metadata: clientMetadata,
  };
  if (input.responseUri !== undefined) claims.response_uri = input.responseUri;
  if (input.state !== undefined) claims.state = input.state;
  if (input.expectedOrigins !== undefined) claims.expected_origins = [...input.expectedOrigins];
  if (input.walletNonce !== undefined) claims.wallet_nonce = input.walletNonce;
  return claims;
}

/** Signs a request object with the verifier key (JAR, RFC 9101; OpenID4VP 1.0 §5). */
export async function signRequestObject(claims: Record<string, unknown>, identity: VerifierIdentity): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', typ: 'oauth-authz-req+jwt', x5c: [...identity.x5c] })
    .sign(identity.privateKey);
}

/** The link a QR code shows and a same-device button opens (OpenID4VP 1.0 §5.10, RFC 9101 §5.2). */
export function walletLink(input: {
  readonly clientId: string;
  readonly requestUri: string;
  readonly requestUriMethodPost: boolean;
}): string {
  const query = new URLSearchParams({ client_id: input.clientId, request_uri: input.requestUri });
  if (input.requestUriMethodPost) query.set('request_uri_method', 'post');
  return `${WALLET_SCHEME}?${query.toString()}`;
}

/** The argument of `navigator.credentials.get` for a signed request (OpenID4VP 1.0 Appendix A.3.2). */
export function dcApiRequest(signedRequestObject: string): Record<string, unknown> {
  return {
    mediation: 'required',
    digital: { requests: [{ protocol: DC_API_PROTOCOL, data: { request: signedRequestObject } }] },
  };
}
