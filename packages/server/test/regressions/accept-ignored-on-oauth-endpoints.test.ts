/**
 * Issue 14: `/token`, `/introspect` and `/userinfo` ignored `Accept` (406 nowhere there),
 * and a hosted page answered a client that accepts only JSON with an HTML 406. Now the
 * OAuth endpoints and userinfo produce `application/json` and refuse an `Accept` that
 * excludes it with 406 `VALIDATION_NOT_ACCEPTABLE` in their surface's shape (OAuth JSON
 * keeping status 406; problem+json with userinfo), and a hosted page answers a client
 * that prefers JSON with problem+json — its 406 and its other errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectOAuthError, expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import {
  type ConfidentialClient,
  clientCredentialsToken,
  createConfidentialClient,
  expectTokenResponse,
  postForm,
  viaBasic,
} from '../token/support.js';

describe.each(TEST_DATABASE_KINDS)('Accept on the OAuth endpoints and hosted pages (%s)', (kind) => {
  let t: TestApp;
  let client: ConfidentialClient;
  beforeAll(async () => {
    t = await createTestApp(kind);
    client = await createConfidentialClient(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it.each(['/token', '/introspect', '/revoke'])(
    '%s: Accept: text/html is 406 OAuth JSON naming VALIDATION_NOT_ACCEPTABLE',
    async (path) => {
      const res = await postForm(t, path, { grant_type: 'client_credentials', token: 'x' }, viaBasic(client), {
        accept: 'text/html',
      });
      const body = expectOAuthError(res, 'VALIDATION_NOT_ACCEPTABLE');
      expect(res.statusCode).toBe(406);
      expect(body.error).toBe('invalid_request');
      expect(body.error_description).toContain('application/json');
    },
  );

  it('/token: application/json, */*, a missing Accept and application/* are answered', async () => {
    for (const accept of ['application/json', '*/*', 'application/*', 'text/html, application/json;q=0.1']) {
      expectTokenResponse(
        await postForm(t, '/token', { grant_type: 'client_credentials' }, viaBasic(client), { accept }),
      );
    }
    expectTokenResponse(await postForm(t, '/token', { grant_type: 'client_credentials' }, viaBasic(client)));
  });

  it('/userinfo: Accept: application/jwt (not offered) is 406 problem+json, GET and POST', async () => {
    const { access_token: token } = await clientCredentialsToken(t, client);
    const get = await t.app.inject({
      method: 'GET',
      url: '/userinfo',
      headers: { authorization: `Bearer ${token}`, accept: 'application/jwt' },
    });
    const body = expectProblem(get, 'VALIDATION_NOT_ACCEPTABLE', { instance: '/userinfo' });
    expect(body.context).toEqual({ available: ['application/json'] });
    expect(get.headers['www-authenticate']).toBeUndefined();
    const post = await t.app.inject({
      method: 'POST',
      url: '/userinfo',
      headers: { accept: 'application/jwt', 'content-type': 'application/x-www-form-urlencoded' },
      payload: `access_token=${token}`,
    });
    expectProblem(post, 'VALIDATION_NOT_ACCEPTABLE');
  });

  it('a hosted page asked for JSON only answers 406 as problem+json, not an HTML page', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/authorize/tx_unknown',
      headers: { accept: 'application/json' },
    });
    const body = expectProblem(res, 'VALIDATION_NOT_ACCEPTABLE', { instance: '/authorize/tx_unknown' });
    expect(body.context).toEqual({ available: ['text/html'] });
    expect(res.headers['content-security-policy']).toBeUndefined();
  });

  it('a hosted page’s other errors answer a client preferring JSON as problem+json, a browser with the page', async () => {
    const json = await t.app.inject({
      method: 'GET',
      url: '/authorize/tx_unknown',
      headers: { accept: 'application/problem+json, text/html;q=0.5' },
    });
    expectProblem(json, 'SESSION_NOT_FOUND', { instance: '/authorize/tx_unknown' });
    const browser = await t.app.inject({
      method: 'GET',
      url: '/authorize/tx_unknown',
      headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
    });
    expect(browser.statusCode).toBe(404);
    expect(browser.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(browser.body).toContain('<code>SESSION_NOT_FOUND</code>');
  });
});
