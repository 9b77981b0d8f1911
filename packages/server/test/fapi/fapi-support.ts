/**
 * Helpers for the FAPI 2.0 tests (SPEC 12): key pairs and their public JWKs, FAPI apps
 * created through the admin API, `private_key_jwt` assertions and DPoP proofs signed with
 * jose (the way a client library makes them), and the headless sandbox path through
 * `/par` and `/authorize`. Every credential and token obtained here is registered for the
 * leak scan.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { expect } from 'vitest';
import { adminAuth, TEST_ISSUER, type TestApp } from '../support/app.js';
import { registerSecret } from '../support/leaks.js';

/** The redirect URI FAPI test apps register. */
export const FAPI_REDIRECT_URI = 'https://bank.example/callback';

/** RFC 7523 §2.2. */
export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** A signing key pair of a client, and its public JWK. */
export interface ClientKey {
  readonly alg: 'ES256' | 'PS256' | 'EdDSA';
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly publicJwk: JWK;
  /** RFC 7638 SHA-256 thumbprint of the public key (a DPoP key's `jkt`). */
  readonly jkt: string;
}

/** A new extractable key pair for `alg`, its public JWK carrying `kid` and `alg`. */
export async function newClientKey(alg: ClientKey['alg'] = 'ES256', kid: string = randomUUID()): Promise<ClientKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const exported = await exportJWK(publicKey);
  const publicJwk: JWK = { ...exported, kid, alg, use: 'sig' };
  return { alg, privateKey, publicKey, publicJwk, jkt: await calculateJwkThumbprint(exported, 'sha256') };
}

/** A created app, as the admin API answered. */
export interface CreatedFapiApp {
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly view: Record<string, unknown>;
  readonly etag: string;
}

/** Creates an app through the admin API (201 expected). */
export async function createFapiApp(t: TestApp, body: Record<string, unknown>): Promise<CreatedFapiApp> {
  const payload = { name: 'FAPI bank', type: 'confidential', redirectUris: [FAPI_REDIRECT_URI], ...body };
  const res = await t.app.inject({ method: 'POST', url: '/admin/v1/apps', headers: adminAuth(), payload });
  expect(res.statusCode, res.body).toBe(201);
  const view = JSON.parse(res.body) as Record<string, unknown>;
  const clientSecret = typeof view.clientSecret === 'string' ? view.clientSecret : undefined;
  registerSecret(clientSecret);
  return {
    clientId: String(view.clientId),
    ...(clientSecret === undefined ? {} : { clientSecret }),
    view,
    etag: String(res.headers.etag),
  };
}

/** What an assertion may deviate in (for the refusals). */
export interface AssertionOptions {
  readonly iss?: string;
  readonly sub?: string;
  readonly aud?: string | string[];
  readonly jti?: string;
  /** Seconds since the epoch. */
  readonly iat?: number;
  readonly exp?: number | null;
  readonly kid?: string;
  readonly alg?: string;
}

/** A `private_key_jwt` assertion of `clientId` signed with `key` (RFC 7523 §3). */
export async function clientAssertion(
  clientId: string,
  key: ClientKey,
  now: Date,
  options: AssertionOptions = {},
): Promise<string> {
  const iat = options.iat ?? Math.floor(now.getTime() / 1000);
  const claims: Record<string, unknown> = {
    iss: options.iss ?? clientId,
    sub: options.sub ?? clientId,
    aud: options.aud ?? TEST_ISSUER,
    jti: options.jti ?? randomUUID(),
    iat,
  };
  if (options.exp !== null) claims.exp = options.exp ?? iat + 60;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? key.alg, kid: options.kid ?? String(key.publicJwk.kid) })
    .sign(key.privateKey);
}

/** The form parameters of `private_key_jwt`. */
export function assertionForm(assertion: string): Record<string, string> {
  return { client_assertion_type: JWT_BEARER, client_assertion: assertion };
}

/** What a proof may deviate in (for the refusals). */
export interface ProofOptions {
  readonly htm?: string;
  readonly htu?: string;
  readonly iat?: number;
  readonly jti?: string;
  readonly accessToken?: string;
  /** An `ath` other than the hash of `accessToken`. */
  readonly ath?: string;
  readonly nonce?: string;
  readonly typ?: string;
}

/** A DPoP proof (RFC 9449 §4.2) signed with `key`, for `method` and `url`. */
export async function dpopProof(
  key: ClientKey,
  method: string,
  url: string,
  now: Date,
  options: ProofOptions = {},
): Promise<string> {
  const claims: Record<string, unknown> = {
    htm: options.htm ?? method,
    htu: options.htu ?? url,
    iat: options.iat ?? Math.floor(now.getTime() / 1000),
    jti: options.jti ?? randomUUID(),
  };
  if (options.accessToken !== undefined || options.ath !== undefined) {
    claims.ath =
      options.ath ??
      createHash('sha256')
        .update(options.accessToken ?? '', 'ascii')
        .digest('base64url');
  }
  if (options.nonce !== undefined) claims.nonce = options.nonce;
  const { kid: _kid, use: _use, ...jwk } = key.publicJwk;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, typ: options.typ ?? 'dpop+jwt', jwk })
    .sign(key.privateKey);
}

/** A PKCE pair (RFC 7636, S256). */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** A form POST. */
export function postForm(
  t: TestApp,
  url: string,
  form: Readonly<Record<string, string>>,
  headers: Readonly<Record<string, string>> = {},
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams(form).toString(),
  });
}

/** The parameters of a headless sandbox authorization request (PKCE S256 included). */
export function authorizationParameters(
  clientId: string,
  challenge: string,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    client_id: clientId,
    response_type: 'code',
    redirect_uri: FAPI_REDIRECT_URI,
    scope: 'openid profile offline_access',
    state: 'fapi-state',
    nonce: 'fapi-nonce',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    provider_hint: 'mock-redirect',
    login_hint: 'success',
    ...extra,
  };
}

/** Pushes a request to `/par` (201 expected); returns its `request_uri`. */
export async function pushRequest(
  t: TestApp,
  form: Readonly<Record<string, string>>,
  headers: Readonly<Record<string, string>> = {},
): Promise<string> {
  const res = await postForm(t, '/par', form, headers);
  expect(res.statusCode, res.body).toBe(201);
  expect(res.headers['cache-control']).toBe('no-store');
  const body = JSON.parse(res.body) as { request_uri: string; expires_in: number };
  expect(Object.keys(body).sort()).toEqual(['expires_in', 'request_uri']);
  expect(body.request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/);
  expect(body.expires_in).toBe(60);
  return body.request_uri;
}

/** `GET /authorize` with a `request_uri`. */
export function authorizeWithRequestUri(
  t: TestApp,
  clientId: string,
  requestUri: string,
  headers: Readonly<Record<string, string>> = {},
): Promise<LightMyRequestResponse> {
  const query = new URLSearchParams({ client_id: clientId, request_uri: requestUri });
  return t.app.inject({ method: 'GET', url: `/authorize?${query}`, headers });
}

/** The code of a successful authorization redirect. */
export function codeOf(res: LightMyRequestResponse): string {
  expect(res.statusCode, res.body).toBe(302);
  const location = new URL(String(res.headers.location));
  expect(`${location.origin}${location.pathname}`).toBe(FAPI_REDIRECT_URI);
  expect(location.searchParams.get('iss')).toBe(TEST_ISSUER);
  expect(location.searchParams.get('error')).toBeNull();
  const code = location.searchParams.get('code');
  expect(code).toBeTruthy();
  registerSecret(code ?? undefined);
  return code ?? '';
}

/** The `DPoP` challenge of a protected resource (RFC 9449 §7.1), exactly. */
export function dpopChallenge(error: string, description: string): string {
  return `DPoP realm="idgate", error="${error}", error_description="${description}", algs="ES256 PS256 EdDSA Ed25519"`;
}
