/**
 * Issue 14: malformed percent-encoding (`state=%ZZ`, `scope=%FF`, `grant_type=%ZZ…`) was
 * taken as literal text. Now it is refused as `VALIDATION_INVALID_PARAMETER` naming the
 * parameter: `invalid_request` on the OAuth endpoints (form bodies), problem+json on
 * every other route (queries), and on `/authorize` as SPEC 2.1 says — shown to the user
 * agent when it is `client_id` or `redirect_uri`, else redirected (without echoing the
 * malformed `state`). Well-formed escapes still decode as before.
 */
import { CATALOG } from '@idgate/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_ISSUER, type TestApp } from '../support/app.js';
import { expectAuthorizeRedirectError, expectOAuthError, expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { type ConfidentialClient, createConfidentialClient, expectTokenResponse } from '../token/support.js';

const REDIRECT_URI = 'https://shop.example/callback';

describe.each(TEST_DATABASE_KINDS)('malformed percent-encoding is refused (%s)', (kind) => {
  let t: TestApp;
  let client: ConfidentialClient;
  let basic: string;
  beforeAll(async () => {
    t = await createTestApp(kind);
    client = await createConfidentialClient(t);
    basic = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;
  });
  afterAll(async () => {
    await t.close();
  });

  function postRaw(url: string, payload: string, headers: Record<string, string> = {}) {
    return t.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic, ...headers },
      payload,
    });
  }

  function expectFields(body: Record<string, unknown>, ...names: string[]): void {
    const fields = (body.context as { fields: { name: string; reason: string }[] }).fields;
    expect(fields.map((field) => field.name)).toEqual(names);
    for (const field of fields) expect(field.reason).toBe('is not valid percent-encoded UTF-8 (RFC 3986 section 2.1)');
  }

  it('/token: grant_type=%ZZ… is invalid_request naming VALIDATION_INVALID_PARAMETER, not an unknown grant', async () => {
    const res = await postRaw('/token', 'grant_type=%ZZclient_credentials');
    const body = expectOAuthError(res, 'VALIDATION_INVALID_PARAMETER');
    expect(body.error).toBe('invalid_request');
    expect(body.error_description).toContain('grant_type');
  });

  it('/token: scope=%FF (not UTF-8) is invalid_request, not invalid_scope; every malformed parameter is named', async () => {
    const res = await postRaw('/token', 'grant_type=client_credentials&scope=%FF&x=%E2%82');
    const body = expectOAuthError(res, 'VALIDATION_INVALID_PARAMETER');
    expect(body.error_description).toContain('scope, x');
    const line = t.logs.find((entry) => entry.request_id === body.request_id && entry.code !== undefined);
    expect(line).toMatchObject({ code: 'VALIDATION_INVALID_PARAMETER', status: 400 });
    expectFields(line as Record<string, unknown>, 'scope', 'x');
  });

  it('/introspect and /revoke: a malformed token parameter is invalid_request', async () => {
    expectOAuthError(await postRaw('/introspect', 'token=%ZZ'), 'VALIDATION_INVALID_PARAMETER');
    expectOAuthError(await postRaw('/revoke', 'token=ab%'), 'VALIDATION_INVALID_PARAMETER');
    expectOAuthError(await postRaw('/revoke', 'to%ken=ab'), 'VALIDATION_INVALID_PARAMETER');
  });

  it('well-formed escapes and + still decode (client%5Fcredentials is client_credentials)', async () => {
    const res = await postRaw('/token', 'grant_type=client%5Fcredentials&scope=verifications+providers');
    expectTokenResponse(res);
  });

  it('/authorize: a malformed state after a valid client and redirect_uri is redirected as err_invalid_request, state not echoed', async () => {
    const query = `client_id=${client.clientId}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&response_type=code&scope=openid&state=%ZZ`;
    const res = await t.app.inject({ method: 'GET', url: `/authorize?${query}` });
    expectAuthorizeRedirectError(res, 'err_invalid_request', { redirectUri: REDIRECT_URI });
    expect(String(res.headers.location)).not.toContain('ZZ');
  });

  it('/authorize: a malformed scope with a valid state is redirected with the state', async () => {
    const query = `client_id=${client.clientId}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&response_type=code&scope=openid%FF&state=s1`;
    const res = await t.app.inject({ method: 'GET', url: `/authorize?${query}` });
    expectAuthorizeRedirectError(res, 'err_invalid_request', { redirectUri: REDIRECT_URI, state: 's1' });
  });

  it('/authorize: a malformed client_id or redirect_uri is never redirected (400 JSON, or the page for a browser)', async () => {
    const badClient = await t.app.inject({
      method: 'GET',
      url: `/authorize?client_id=${client.clientId}%ZZ&response_type=code`,
    });
    expect(badClient.statusCode).toBe(400);
    expect(badClient.headers.location).toBeUndefined();
    const json = JSON.parse(badClient.body) as Record<string, unknown>;
    expect(json.error_uri).toBe(`${TEST_ISSUER}/errors/VALIDATION_INVALID_PARAMETER`);
    expect(json.error).toBe(CATALOG.VALIDATION_INVALID_PARAMETER.oauth);
    expect(json.error_description).toContain('client_id');

    const badRedirect = await t.app.inject({
      method: 'GET',
      url: `/authorize?client_id=${client.clientId}&redirect_uri=https%3A%2F%2Fshop.example%2Fcallback%E0&response_type=code&state=s`,
      headers: { accept: 'text/html' },
    });
    expect(badRedirect.statusCode).toBe(400);
    expect(badRedirect.headers.location).toBeUndefined();
    expect(badRedirect.body).toContain('<code>VALIDATION_INVALID_PARAMETER</code>');
  });

  it('POST /authorize: a malformed form parameter is redirected like the query one', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/authorize',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `client_id=${client.clientId}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&response_type=code&scope=%FF&state=s2`,
    });
    expectAuthorizeRedirectError(res, 'err_invalid_request', { redirectUri: REDIRECT_URI, state: 's2' });
  });

  it('GET /userinfo and the REST API: a malformed query is 400 problem+json naming the parameter', async () => {
    const userinfo = await t.app.inject({
      method: 'GET',
      url: '/userinfo?x=%ZZ',
      headers: { authorization: 'Bearer at_x' },
    });
    const body = expectProblem(userinfo, 'VALIDATION_INVALID_PARAMETER', { instance: '/userinfo' });
    expectFields(body, 'x');
    const rest = await t.app.inject({
      method: 'GET',
      url: '/v1/providers?limit=%C0%AF',
      headers: { authorization: basic },
    });
    expectFields(expectProblem(rest, 'VALIDATION_INVALID_PARAMETER'), 'limit');
    const admin = await t.app.inject({ method: 'GET', url: '/admin/v1/apps?after=%' });
    expectFields(expectProblem(admin, 'VALIDATION_INVALID_PARAMETER'), 'after');
  });

  it('a well-formed query still decodes as before', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/errors?x=%C3%BC+y',
      headers: { accept: 'application/json' },
    });
    expect(res.statusCode).toBe(200);
  });
});
