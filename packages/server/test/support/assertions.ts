/**
 * One assertion helper per error surface. Each asserts the code first, then the fields,
 * status and headers an integrator depends on.
 */
import { CATALOG, type ErrorCode, oauthStatusFor, TX_STATUS_DEFINITIONS, type TxStatusCode } from '@idgate/errors';
import { expect } from 'vitest';
import { TEST_ISSUER } from './app.js';

/** The parts of a response the helpers read (light-my-request or fetch-like). */
export interface ResponseLike {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | number | undefined>;
  readonly body: string;
}

function header(res: ResponseLike, name: string): string | undefined {
  const value = res.headers[name.toLowerCase()];
  return value === undefined ? undefined : Array.isArray(value) ? value.join(', ') : String(value);
}

/** Asserts an RFC 9457 problem response for `code`; returns the parsed body. */
export function expectProblem(
  res: ResponseLike,
  code: ErrorCode,
  expected: { instance?: string; issuer?: string } = {},
): Record<string, unknown> {
  const issuer = expected.issuer ?? TEST_ISSUER;
  const body = JSON.parse(res.body) as Record<string, unknown>;
  expect(body.title, `problem code (body: ${res.body.slice(0, 300)})`).toBe(code);
  const entry = CATALOG[code];
  expect(res.statusCode).toBe(entry.status);
  expect(header(res, 'content-type')).toBe('application/problem+json');
  expect(body.type).toBe(`${issuer}/errors/${code}`);
  expect(body.doc_url).toBe(`${issuer}/errors/${code}`);
  expect(body.status).toBe(entry.status);
  expect(body.category).toBe(entry.category);
  expect(body.retryable).toBe([429, 500, 502, 503].includes(entry.status));
  expect(typeof body.detail).toBe('string');
  expect((body.detail as string).length).toBeGreaterThan(0);
  if (entry.status >= 500) expect(body.detail).toBe(entry.description);
  expect(body.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  expect(typeof body.request_id).toBe('string');
  expect(header(res, 'x-request-id')).toBe(body.request_id);
  expect(typeof body.context).toBe('object');
  expect(typeof body.user_message).toBe('string');
  if (expected.instance !== undefined) expect(body.instance).toBe(expected.instance);
  expect(Object.keys(body)).not.toContain('stack');
  return body;
}

/** Asserts an RFC 6749 §5.2 error response for `code`; returns the parsed body. */
export function expectOAuthError(
  res: ResponseLike,
  code: ErrorCode,
  expected: { basicChallenge?: boolean } = {},
): Record<string, unknown> {
  const body = JSON.parse(res.body) as Record<string, unknown>;
  expect(body.error_uri, `OAuth error_uri (body: ${res.body.slice(0, 300)})`).toBe(`${TEST_ISSUER}/errors/${code}`);
  expect(body.error).toBe(CATALOG[code].oauth);
  expect(res.statusCode).toBe(oauthStatusFor(code));
  expect(Object.keys(body).sort()).toEqual(['error', 'error_description', 'error_uri', 'request_id']);
  expect(body.error_description).toMatch(/^[\x20-\x21\x23-\x5B\x5D-\x7E]*$/);
  expect(header(res, 'x-request-id')).toBe(body.request_id);
  expect(header(res, 'content-type')).toMatch(/^application\/json/);
  expect(header(res, 'cache-control')).toBe('no-store');
  const challenge = header(res, 'www-authenticate');
  if (expected.basicChallenge) {
    expect(challenge).toMatch(/^Basic realm="[^"]+", error="invalid_client", error_description="[^"]*"$/);
  } else {
    expect(challenge).toBeUndefined();
  }
  return body;
}

/** Asserts an authorization error redirect; returns the parsed query. */
export function expectAuthorizeRedirectError(
  res: ResponseLike,
  txStatus: TxStatusCode,
  expected: {
    redirectUri: string;
    state?: string;
    txState?: string;
    errMsg?: string;
    errCode?: string;
    /** 302 from `/authorize` itself; 303 from a hosted page (after a form or a wait). */
    status?: 302 | 303;
  },
): URLSearchParams {
  expect(res.statusCode).toBe(expected.status ?? 302);
  const location = header(res, 'location') ?? '';
  expect(location.startsWith(`${expected.redirectUri}?`) || location.startsWith(`${expected.redirectUri}&`)).toBe(true);
  const query = new URL(location).searchParams;
  expect(query.get('error_description')).toBe(txStatus);
  expect(query.get('error')).toBe(TX_STATUS_DEFINITIONS[txStatus].oauth);
  expect(query.get('tx_state')).toBe(expected.txState ?? 'failed');
  expect(query.get('iss')).toBe(TEST_ISSUER);
  expect(query.get('state')).toBe(expected.state ?? null);
  expect(query.get('errMsg')).toBe(expected.errMsg ?? null);
  expect(query.get('errCode')).toBe(expected.errCode ?? null);
  return query;
}

/** Asserts a Bearer challenge (and, with a code, the problem body). */
export function expectBearerChallenge(
  res: ResponseLike,
  code: ErrorCode | undefined,
  expected: { realm?: string; scope?: string; error?: string | null } = {},
): void {
  const challenge = header(res, 'www-authenticate') ?? '';
  expect(challenge.startsWith(`Bearer realm="${expected.realm ?? 'idgate'}"`), `challenge: ${challenge}`).toBe(true);
  if (code) expectProblem(res, code);
  const error = expected.error === undefined ? (code ? CATALOG[code].bearer : undefined) : expected.error;
  if (error) expect(challenge).toContain(`error="${error}"`);
  else expect(challenge).not.toContain('error=');
  if (expected.scope) expect(challenge).toContain(`scope="${expected.scope}"`);
}
