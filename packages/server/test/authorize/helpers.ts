/**
 * Helpers of the `/authorize` tests: apps, request URLs, PKCE pairs, and what a browser
 * keeps between requests (the transaction cookie, the CSRF token of a page).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { CreateAppBody } from '../../src/apps/app-schemas.js';
import type { TestApp } from '../support/app.js';
import { TEST_ISSUER } from '../support/app.js';
import { registerSecret } from '../support/leaks.js';

/** The redirect URI the test apps register first. */
export const REDIRECT_URI = 'https://shop.example/cb';

/** A created test app. */
export interface TestClient {
  readonly clientId: string;
  readonly clientSecret: string | undefined;
}

/** Creates an app through the apps service (the three mocks and mock-wallet enabled in sandbox). */
export async function createClient(t: TestApp, overrides: Partial<CreateAppBody> = {}): Promise<TestClient> {
  const created = await t.app.idgate.apps.create({
    name: 'Shop',
    type: 'confidential',
    redirectUris: [REDIRECT_URI, 'https://shop.example/other'],
    ...overrides,
  } as CreateAppBody);
  registerSecret(created.clientSecret);
  return { clientId: created.app.clientId, clientSecret: created.clientSecret };
}

/** A PKCE verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** `/authorize?…` with the parameters in order (a repeated name is passed twice). */
export function authorizeUrl(params: Record<string, string> | readonly (readonly [string, string])[]): string {
  const entries = Array.isArray(params) ? params : Object.entries(params);
  return `/authorize?${new URLSearchParams(entries as [string, string][]).toString()}`;
}

/** The parameters of a valid request of `clientId` (override or remove with `undefined`). */
export function validParams(
  clientId: string,
  overrides: Record<string, string | undefined> = {},
): Record<string, string> {
  const params: Record<string, string | undefined> = {
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: 'openid profile',
    state: 'st-123',
    nonce: 'n-456',
    ...overrides,
  };
  return Object.fromEntries(
    Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/** The `Location` header of a response. */
export function locationOf(res: LightMyRequestResponse): string {
  const location = res.headers.location;
  expect(typeof location, `Location (status ${res.statusCode}, body ${res.body.slice(0, 200)})`).toBe('string');
  return location as string;
}

/** The path and query of a URL under the test issuer (to inject it). */
export function issuerPath(url: string): string {
  expect(url.startsWith(`${TEST_ISSUER}/`), `${url} is under the issuer`).toBe(true);
  return url.slice(TEST_ISSUER.length);
}

/** The `name=value` of the transaction cookie a response set. */
export function bindingCookieOf(res: LightMyRequestResponse): string {
  const header = res.headers['set-cookie'];
  const value = Array.isArray(header) ? header.find((cookie) => cookie.startsWith('idgate_tx=')) : header;
  expect(value, 'the transaction cookie').toMatch(/^idgate_tx=[A-Za-z0-9_-]+;/);
  return (value as string).split(';')[0] as string;
}

/** The CSRF token of a hosted page. */
export function csrfTokenOf(html: string): string {
  const match = /name="csrf_token" value="([A-Za-z0-9_-]+)"/.exec(html);
  expect(match, 'a CSRF token on the page').not.toBeNull();
  return match?.[1] ?? '';
}

/** A form body. */
export function form(fields: Record<string, string> | readonly (readonly [string, string])[]): {
  headers: Record<string, string>;
  payload: string;
} {
  const entries = Array.isArray(fields) ? fields : Object.entries(fields);
  return {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(entries as [string, string][]).toString(),
  };
}

/** The query of a redirect to the app. */
export function redirectQuery(res: LightMyRequestResponse, redirectUri = REDIRECT_URI): URLSearchParams {
  const location = locationOf(res);
  expect(location.startsWith(`${redirectUri}?`), `${location} goes to ${redirectUri}`).toBe(true);
  return new URL(location).searchParams;
}

/** Asserts a successful authorization response and returns the code. */
export function expectCodeRedirect(
  res: LightMyRequestResponse,
  expected: { redirectUri?: string; state?: string; status?: number } = {},
): string {
  expect(res.statusCode, res.body).toBe(expected.status ?? 302);
  const query = redirectQuery(res, expected.redirectUri ?? REDIRECT_URI);
  expect([...query.keys()]).toEqual(expected.state === undefined ? ['code', 'iss'] : ['code', 'state', 'iss']);
  expect(query.get('iss')).toBe(TEST_ISSUER);
  if (expected.state !== undefined) expect(query.get('state')).toBe(expected.state);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  const code = query.get('code') ?? '';
  expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
  registerSecret(code);
  return code;
}

/** The `/authorize` transactions of a client, as stored (oldest first). */
export async function transactionsOf(
  t: TestApp,
  clientId: string,
): Promise<{ id: string; status: string; status_code: string | null; requested_loa: number | null }[]> {
  return t.app.idgate.database.db
    .selectFrom('verifications')
    .select(['id', 'status', 'status_code', 'requested_loa'])
    .where('client_id', '=', clientId)
    .orderBy('created_at')
    .execute();
}

/** The only transaction of a client (each test that reads one uses a fresh client). */
export async function onlyTransaction(t: TestApp, clientId: string) {
  const rows = await transactionsOf(t, clientId);
  expect(rows, 'exactly one transaction').toHaveLength(1);
  return rows[0] as (typeof rows)[number];
}
