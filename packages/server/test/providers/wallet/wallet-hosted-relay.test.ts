/**
 * The hosted wallet page's DC API relay, `POST /authorize/{txId}/dc-response` (SPEC 10,
 * Flows), on each database: a wallet chosen on the provider choice starts with `dc_api`;
 * the relay takes the page's answer only from the browser that started the transaction and
 * with its CSRF token, refuses a body off its schema, and a refused presentation fails the
 * transaction, which then answers the app with `access_denied`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxIssuer } from '../../../src/providers/wallet/sandbox/sandbox-issuer.js';
import { SandboxWallet } from '../../../src/providers/wallet/sandbox/sandbox-wallet.js';
import {
  authorizeUrl,
  bindingCookieOf,
  createClient,
  csrfTokenOf,
  form,
  issuerPath,
  locationOf,
  REDIRECT_URI,
  validParams,
} from '../../authorize/helpers.js';
import { createTestApp, TEST_ISSUER, type TestApp } from '../../support/app.js';
import { expectAuthorizeRedirectError, expectProblem } from '../../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../../support/databases.js';

/** An attribute's value on a page, unescaped. */
function attributeOf(html: string, name: string): string {
  const match = new RegExp(`${name}="([^"]*)"`).exec(html);
  expect(match, `${name} on the page`).not.toBeNull();
  return (match?.[1] ?? '')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

describe.each(TEST_DATABASE_KINDS)('the hosted wallet page relay on %s', (kind) => {
  let t: TestApp;
  let dataDir: string;
  let wallet: SandboxWallet;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'idgate-wallet-relay-'));
    t = await createTestApp(kind, { env: { IDGATE_DATA_DIR: dataDir } });
    wallet = new SandboxWallet(await SandboxIssuer.create({ baseUrl: TEST_ISSUER, dataDir }));
  });
  afterAll(async () => {
    await t?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** A transaction whose browser chose mock-wallet on the provider choice: its waiting page. */
  async function chooseWallet() {
    const client = await createClient(t);
    const started = await t.app.inject({ method: 'GET', url: authorizeUrl(validParams(client.clientId)) });
    const cookie = bindingCookieOf(started);
    const pagePath = issuerPath(locationOf(started));
    const choice = await t.app.inject({ method: 'GET', url: pagePath, headers: { cookie, accept: 'text/html' } });
    expect(choice.statusCode, choice.body).toBe(200);
    const chosen = await t.app.inject({
      method: 'POST',
      url: pagePath,
      ...form({ provider: 'mock-wallet', csrf_token: csrfTokenOf(choice.body) }),
      headers: { ...form({}).headers, cookie },
    });
    expect(chosen.statusCode, chosen.body).toBe(303);
    const waiting = await t.app.inject({ method: 'GET', url: pagePath, headers: { cookie, accept: 'text/html' } });
    expect(waiting.statusCode, waiting.body).toBe(200);
    const dcRequest = JSON.parse(attributeOf(waiting.body, 'data-dc-request')) as {
      digital: { requests: { protocol: string; data: { request: string } }[] };
    };
    expect(attributeOf(waiting.body, 'data-dc-relay-url')).toBe(`${TEST_ISSUER}${pagePath}/dc-response`);
    return { cookie, pagePath, csrf: attributeOf(waiting.body, 'data-csrf'), dcRequest };
  }

  async function answer(identity: string, dcRequest: { digital: { requests: { data: { request: string } }[] } }) {
    const request = dcRequest.digital.requests[0]?.data.request ?? '';
    const { protocol, data } = (await wallet.respond(identity, request, { now: new Date() })) as {
      protocol: string;
      data: string;
    };
    return { protocol, data: JSON.parse(data) as Record<string, unknown> };
  }

  function relay(pagePath: string, body: unknown, cookie?: string) {
    return t.app.inject({
      method: 'POST',
      url: `${pagePath}/dc-response`,
      headers: { 'content-type': 'application/json', ...(cookie === undefined ? {} : { cookie }) },
      payload: JSON.stringify(body),
    });
  }

  it('takes the answer only from the bound browser with its CSRF token, and a valid body', async () => {
    const { cookie, pagePath, csrf, dcRequest } = await chooseWallet();
    const credential = await answer('success', dcRequest);
    const instance = `${pagePath}/dc-response`;
    expectProblem(await relay(pagePath, { ...credential, csrf }), 'AUTH_FORBIDDEN', { instance });
    expectProblem(await relay(pagePath, { ...credential, csrf: 'not-the-token' }, cookie), 'AUTH_FORBIDDEN', {
      instance,
    });
    expectProblem(
      await relay(pagePath, { protocol: credential.protocol, csrf }, cookie),
      'VALIDATION_MISSING_PARAMETER',
      {
        instance,
      },
    );
    const res = await relay(pagePath, { ...credential, csrf }, cookie);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(res.body)).toEqual({ status: 'completed' });
    const back = await t.app.inject({ method: 'GET', url: pagePath, headers: { cookie } });
    expect(back.statusCode).toBe(303);
    const location = new URL(locationOf(back));
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('code')).toBeTruthy();
  });

  it('a refused presentation fails the transaction; the page answers the app with access_denied', async () => {
    const { cookie, pagePath, csrf, dcRequest } = await chooseWallet();
    const res = await relay(pagePath, { ...(await answer('revoked', dcRequest)), csrf }, cookie);
    expect(res.statusCode, res.body).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: 'failed' });
    const back = await t.app.inject({ method: 'GET', url: pagePath, headers: { cookie } });
    // A hosted page answers with 303 where /authorize itself answers 302; the query is the same.
    expect(back.statusCode).toBe(303);
    expectAuthorizeRedirectError({ ...back, statusCode: 302 }, 'err_credential_revoked', {
      redirectUri: REDIRECT_URI,
      state: 'st-123',
      txState: 'failed',
    });
  });
});
