/**
 * Helpers for the token, userinfo, introspection and revocation tests: apps created
 * through the admin API, form requests, and tokens obtained through the real endpoints.
 * Every credential and token obtained here is registered for the leak scan.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { adminAuth, type TestApp } from '../support/app.js';
import { registerSecret } from '../support/leaks.js';

/** A registered test client. */
export interface TestClient {
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly redirectUris: readonly string[];
}

/** A confidential test client (it has a secret). */
export interface ConfidentialClient extends TestClient {
  readonly clientSecret: string;
}

/** The redirect URI test apps register. */
export const REDIRECT_URI = 'https://shop.example/callback';

/** Parses a JSON response body. */
export function json<T = Record<string, unknown>>(res: LightMyRequestResponse): T {
  return JSON.parse(res.body) as T;
}

/** Creates an app through the admin API. */
export async function createClient(t: TestApp, body: Record<string, unknown> = {}): Promise<TestClient> {
  const payload = { name: 'Token test app', type: 'confidential', redirectUris: [REDIRECT_URI], ...body };
  const res = await t.app.inject({ method: 'POST', url: '/admin/v1/apps', headers: adminAuth(), payload });
  expect(res.statusCode, res.body).toBe(201);
  const created = json<{ clientId: string; clientSecret?: string; redirectUris: string[] }>(res);
  registerSecret(created.clientSecret);
  return {
    clientId: created.clientId,
    redirectUris: created.redirectUris,
    ...(created.clientSecret === undefined ? {} : { clientSecret: created.clientSecret }),
  };
}

/** Creates a confidential app. */
export async function createConfidentialClient(
  t: TestApp,
  body: Record<string, unknown> = {},
): Promise<ConfidentialClient> {
  const client = await createClient(t, { ...body, type: 'confidential' });
  expect(client.clientSecret).toBeDefined();
  return client as ConfidentialClient;
}

/** Creates a public app. */
export async function createPublicClient(t: TestApp, body: Record<string, unknown> = {}): Promise<TestClient> {
  return createClient(t, { ...body, type: 'public' });
}

/** Changes an app through the admin API. */
export async function patchClient(t: TestApp, clientId: string, patch: Record<string, unknown>): Promise<void> {
  const res = await t.app.inject({
    method: 'PATCH',
    url: `/admin/v1/apps/${clientId}`,
    headers: { ...adminAuth(), 'content-type': 'application/merge-patch+json' },
    payload: JSON.stringify(patch),
  });
  expect(res.statusCode, res.body).toBe(200);
}

/** `Authorization: Basic` for a client (RFC 6749 §2.3.1: form-urlencoded, then base64). */
export function basicAuth(clientId: string, clientSecret: string): { authorization: string } {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return { authorization: `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}` };
}

/** How a test request authenticates the client. */
export type ClientAuth =
  | { readonly method: 'basic'; readonly client: ConfidentialClient | TestClient }
  | { readonly method: 'post'; readonly client: ConfidentialClient | TestClient }
  | { readonly method: 'none'; readonly client: TestClient }
  | { readonly method: 'absent' };

/** Basic auth with the client's secret. */
export function viaBasic(client: TestClient): ClientAuth {
  return { method: 'basic', client };
}

/** A form-encoded body: pairs so a parameter can be repeated. */
export type FormPairs = readonly (readonly [string, string])[] | Readonly<Record<string, string | undefined>>;

function toPairs(form: FormPairs): [string, string][] {
  if (Array.isArray(form)) return form.map(([name, value]) => [name, value]);
  return Object.entries(form).filter((entry): entry is [string, string] => entry[1] !== undefined);
}

/** POSTs a form to an OAuth endpoint, authenticating the client as asked. */
export async function postForm(
  t: TestApp,
  url: string,
  form: FormPairs,
  auth: ClientAuth = { method: 'absent' },
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  const pairs = toPairs(form);
  const extraHeaders: Record<string, string> = {};
  if (auth.method === 'basic') {
    Object.assign(extraHeaders, basicAuth(auth.client.clientId, auth.client.clientSecret ?? ''));
  } else if (auth.method === 'post') {
    pairs.push(['client_id', auth.client.clientId], ['client_secret', auth.client.clientSecret ?? '']);
  } else if (auth.method === 'none') {
    pairs.push(['client_id', auth.client.clientId]);
  }
  const payload = new URLSearchParams(pairs).toString();
  return t.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...extraHeaders, ...headers },
    payload,
  });
}

/** The successful token response. */
export interface TokenSet {
  readonly access_token: string;
  readonly token_type: string;
  readonly expires_in: number;
  readonly scope: string;
  readonly refresh_token?: string;
  readonly id_token?: string;
}

/** Asserts a successful token response (RFC 6749 §5.1) and registers its tokens. */
export function expectTokenResponse(res: LightMyRequestResponse): TokenSet {
  expect(res.statusCode, res.body).toBe(200);
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers.pragma).toBe('no-cache');
  const tokens = json<TokenSet>(res);
  expect(tokens.token_type).toBe('Bearer');
  expect(tokens.expires_in).toBe(600);
  expect(tokens.access_token).toMatch(/^at_[A-Za-z0-9_-]+$/);
  registerSecret(tokens.access_token);
  registerSecret(tokens.refresh_token);
  registerSecret(tokens.id_token);
  return tokens;
}

/** Gets a client_credentials token (Basic auth). */
export async function clientCredentialsToken(
  t: TestApp,
  client: ConfidentialClient,
  scope?: string,
): Promise<TokenSet> {
  const res = await postForm(
    t,
    '/token',
    { grant_type: 'client_credentials', ...(scope === undefined ? {} : { scope }) },
    viaBasic(client),
  );
  return expectTokenResponse(res);
}

/** A PKCE pair (RFC 7636). */
export interface Pkce {
  readonly verifier: string;
  readonly challenge: string;
}

/** A new PKCE verifier and its S256 challenge. */
export function newPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  registerSecret(verifier);
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** What an authorization code is requested with. */
export interface CodeOptions {
  readonly scope?: string;
  readonly nonce?: string;
  /** PKCE challenge; `null` for a request without PKCE (confidential clients only). */
  readonly pkce?: Pkce | null;
  readonly redirectUri?: string;
  /** Sandbox test identity (`login_hint`). */
  readonly identity?: string;
}

/** An issued authorization code. */
export interface IssuedCode {
  readonly code: string;
  readonly redirectUri: string;
  readonly pkce: Pkce | undefined;
}

/**
 * An authorization code for a completed sandbox verification, through the headless
 * sandbox flow of `/authorize` (SPEC 5: `provider_hint=mock-redirect` + `login_hint`),
 * following any redirects until the app's redirect URI receives `code`.
 */
export async function obtainCode(t: TestApp, client: TestClient, options: CodeOptions = {}): Promise<IssuedCode> {
  const redirectUri = options.redirectUri ?? client.redirectUris[0] ?? REDIRECT_URI;
  const pkce = options.pkce === null ? undefined : (options.pkce ?? newPkce());
  const scope = options.scope ?? 'openid profile email';
  const code = await codeThroughAuthorize(t, client, { ...options, scope, redirectUri, pkce });
  registerSecret(code);
  return { code, redirectUri, pkce };
}

interface ResolvedCodeOptions extends Omit<CodeOptions, 'pkce'> {
  readonly scope: string;
  readonly redirectUri: string;
  readonly pkce: Pkce | undefined;
}

async function codeThroughAuthorize(t: TestApp, client: TestClient, options: ResolvedCodeOptions): Promise<string> {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: options.redirectUri,
    scope: options.scope,
    state: randomBytes(8).toString('hex'),
    provider_hint: 'mock-redirect',
    login_hint: options.identity ?? 'success',
    ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
    ...(options.pkce ? { code_challenge: options.pkce.challenge, code_challenge_method: 'S256' } : {}),
  });
  let location = `/authorize?${query.toString()}`;
  for (let hop = 0; hop < 10; hop++) {
    const res = await t.app.inject({ method: 'GET', url: location });
    expect(res.statusCode, `authorize hop ${hop}: ${res.body.slice(0, 300)}`).toBe(302);
    const next = String(res.headers.location ?? '');
    if (next.startsWith(options.redirectUri)) {
      const code = new URL(next).searchParams.get('code');
      expect(code, `redirect without code: ${next}`).toBeTruthy();
      return code as string;
    }
    const url = new URL(next, 'https://idgate.test');
    location = url.pathname + url.search;
  }
  throw new Error('the headless authorization flow did not reach the redirect URI');
}

/** Exchanges a code for tokens (expects success). */
export async function redeemCode(t: TestApp, client: TestClient, issued: IssuedCode): Promise<TokenSet> {
  const res = await postForm(t, '/token', codeForm(issued), authOf(client));
  return expectTokenResponse(res);
}

/** The token request form of a code. */
export function codeForm(issued: IssuedCode): Record<string, string | undefined> {
  return {
    grant_type: 'authorization_code',
    code: issued.code,
    redirect_uri: issued.redirectUri,
    code_verifier: issued.pkce?.verifier,
  };
}

/** The usual way a client authenticates: Basic for confidential clients, `none` for public ones. */
export function authOf(client: TestClient): ClientAuth {
  return client.clientSecret === undefined ? { method: 'none', client } : { method: 'basic', client };
}

/** Introspects a token as `client`. */
export async function introspect(
  t: TestApp,
  client: ConfidentialClient,
  token: string,
  hint?: string,
): Promise<Record<string, unknown>> {
  const res = await postForm(
    t,
    '/introspect',
    { token, ...(hint === undefined ? {} : { token_type_hint: hint }) },
    viaBasic(client),
  );
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['cache-control']).toBe('no-store');
  return json(res);
}

/** Calls userinfo with a bearer token in the header. */
export async function userinfo(t: TestApp, accessToken: string): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'GET', url: '/userinfo', headers: { authorization: `Bearer ${accessToken}` } });
}
