/**
 * The wallet transport over HTTP (SPEC 10), on each database: a wallet fetches the
 * request object from `request_uri` (GET, and POST with `wallet_nonce`), posts its
 * response to `response_uri`, and gets `200 {}` or, same-device, `{ redirect_uri }` with a
 * one-time `response_code` the browser that started the session redeems. Refusals are
 * RFC 6749 JSON naming the catalog code; exactly one response per session, and another
 * session's response changes nothing.
 *
 * The wallet here is the sandbox test wallet, holding credentials of the instance's
 * sandbox issuer (read from the same data directory), as an integrator's test wallet
 * would after trusting `GET /sandbox/wallet/issuer-ca.pem`.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxIssuer } from '../../../src/providers/wallet/sandbox/sandbox-issuer.js';
import { SandboxWallet } from '../../../src/providers/wallet/sandbox/sandbox-wallet.js';
import { adminAuth, createTestApp, TEST_ISSUER, type TestApp } from '../../support/app.js';
import { expectOAuthError, expectProblem } from '../../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../../support/databases.js';
import {
  createRestApp,
  createVerification,
  getVerification,
  json,
  REDIRECT_URI,
  type RestApp,
} from '../../verification/helpers.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe.each(TEST_DATABASE_KINDS)('the wallet transport on %s', (kind) => {
  let t: TestApp;
  let rest: RestApp;
  let dataDir: string;
  let wallet: SandboxWallet;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'idgate-wallet-transport-'));
    t = await createTestApp(kind, { env: { IDGATE_DATA_DIR: dataDir } });
    rest = await createRestApp(t, { redirectUris: [REDIRECT_URI] });
    const put = await t.app.inject({
      method: 'PUT',
      url: `/admin/v1/apps/${rest.clientId}/providers/mock-wallet`,
      headers: adminAuth(),
      payload: { enabled: true },
    });
    expect([200, 201], put.body).toContain(put.statusCode);
    // The published CA is the one the instance's issuer keeps in its data directory.
    const ca = await t.app.inject({ method: 'GET', url: '/sandbox/wallet/issuer-ca.pem' });
    expect(ca.statusCode, ca.body).toBe(200);
    const issuer = await SandboxIssuer.create({ baseUrl: TEST_ISSUER, dataDir });
    expect(new X509Certificate(ca.body).fingerprint256).toBe(new X509Certificate(issuer.ca).fingerprint256);
    wallet = new SandboxWallet(issuer);
  });
  afterAll(async () => {
    await t?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** A REST session of mock-wallet waiting for a wallet. */
  async function waitingSession(flowType: 'qr' | 'redirect' = 'qr', extra: Record<string, unknown> = {}) {
    const res = await createVerification(t, rest.basic, { providerId: 'mock-wallet', flowType, ...extra });
    expect(res.statusCode, res.body).toBe(201);
    const body = json<{ verificationId: string; status: string; flowDetails: { qrData?: string; url?: string } }>(res);
    expect(body.status).toBe('pending');
    const link = new URL(String(body.flowDetails.qrData ?? body.flowDetails.url));
    const requestUri = String(link.searchParams.get('request_uri'));
    expect(requestUri).toBe(`${TEST_ISSUER}/wallet/${body.verificationId}/request`);
    return { id: body.verificationId, path: new URL(requestUri).pathname };
  }

  async function fetchRequest(path: string) {
    const res = await t.app.inject({ method: 'GET', url: path });
    expect(res.statusCode, res.body).toBe(200);
    return res.body;
  }

  async function post(id: string, fields: Record<string, string>) {
    return t.app.inject({
      method: 'POST',
      url: `/wallet/${id}/response`,
      headers: FORM,
      payload: new URLSearchParams(fields).toString(),
    });
  }

  async function answerFor(identity: string, path: string): Promise<Record<string, string>> {
    const answer = await wallet.respond(identity, await fetchRequest(path), { now: new Date() });
    if (answer === undefined) throw new Error(`${identity} gives no answer`);
    return answer as Record<string, string>;
  }

  async function viewOf(id: string) {
    return json<{ status: string; error?: { code: string; catalogCode?: string } }>(
      await getVerification(t, rest.basic, id),
    );
  }

  it('serves the signed request object by GET and by POST with the wallet_nonce', async () => {
    const session = await waitingSession();
    const res = await t.app.inject({ method: 'GET', url: session.path });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/oauth-authz-req\+jwt/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(decodeProtectedHeader(res.body)).toMatchObject({ alg: 'ES256', typ: 'oauth-authz-req+jwt' });
    const claims = decodeJwt(res.body);
    expect(claims).toMatchObject({
      response_type: 'vp_token',
      response_mode: 'direct_post.jwt',
      response_uri: `${TEST_ISSUER}/wallet/${session.id}/response`,
      client_id: 'x509_san_dns:idgate.test',
    });
    expect(claims.wallet_nonce).toBeUndefined();
    // The request object expires with its session.
    const { expiresAt } = json<{ expiresAt: string }>(await getVerification(t, rest.basic, session.id));
    expect(claims.exp).toBe(Math.floor(Date.parse(expiresAt) / 1000));
    const posted = await t.app.inject({
      method: 'POST',
      url: session.path,
      headers: FORM,
      payload: 'wallet_nonce=n-0S6_WzA2Mj',
    });
    expect(posted.statusCode, posted.body).toBe(200);
    expect(posted.headers['content-type']).toMatch(/^application\/oauth-authz-req\+jwt/);
    expect(decodeJwt(posted.body)).toMatchObject({ wallet_nonce: 'n-0S6_WzA2Mj', nonce: claims.nonce });
  });

  it('answers an unknown session with OAuth error JSON', async () => {
    expectOAuthError(
      await t.app.inject({ method: 'GET', url: '/wallet/vrf_test_unknown0000/request' }),
      'SESSION_NOT_FOUND',
    );
    expectOAuthError(await post('vrf_test_unknown0000', { response: 'x' }), 'SESSION_NOT_FOUND');
  });

  it('refuses a response without response, vp_token or error, and leaves the session waiting', async () => {
    const session = await waitingSession();
    expectOAuthError(await post(session.id, { state: 'x' }), 'VALIDATION_MISSING_PARAMETER');
    expect((await viewOf(session.id)).status).toBe('pending');
  });

  it('completes cross-device with 200 {}, then refuses a second response and the request object', async () => {
    const session = await waitingSession();
    const answer = await answerFor('success', session.path);
    const res = await post(session.id, answer);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(json(res)).toEqual({});
    expect((await viewOf(session.id)).status).toBe('completed');
    expectOAuthError(await post(session.id, answer), 'SESSION_INVALID_STATUS_TRANSITION');
    expectOAuthError(await t.app.inject({ method: 'GET', url: session.path }), 'SESSION_NOT_FOUND');
    expect((await viewOf(session.id)).status).toBe('completed');
  });

  it('takes exactly one of two responses posted at once', async () => {
    const session = await waitingSession();
    const first = await answerFor('success', session.path);
    const second = await answerFor('success', session.path);
    const results = await Promise.all([post(session.id, first), post(session.id, second)]);
    const statuses = results.map((res) => res.statusCode).sort();
    expect(statuses).toEqual([200, 400]);
    const refused = results.find((res) => res.statusCode === 400);
    expectOAuthError(refused as (typeof results)[number], 'SESSION_INVALID_STATUS_TRANSITION');
    const events = await t.app.inject({
      method: 'GET',
      url: `/admin/v1/verifications/${session.id}/events`,
      headers: adminAuth(),
    });
    expect(events.statusCode, events.body).toBe(200);
    const completed = json<{ data: { toStatus?: string; to?: string }[] }>(events).data.filter(
      (event) => (event.toStatus ?? event.to) === 'completed',
    );
    expect(completed).toHaveLength(1);
  });

  it('two instances on one database take exactly one of two responses posted at once', async () => {
    const other = await createTestApp(kind, { env: { IDGATE_DATA_DIR: dataDir }, sharedDatabase: t.database });
    try {
      const session = await waitingSession();
      const first = await answerFor('success', session.path);
      const second = await answerFor('success', session.path);
      const payload = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
      const results = await Promise.all([
        post(session.id, first),
        other.app.inject({
          method: 'POST',
          url: `/wallet/${session.id}/response`,
          headers: FORM,
          payload: payload(second),
        }),
      ]);
      expect(results.map((res) => res.statusCode).sort()).toEqual([200, 400]);
      expectOAuthError(
        results.find((res) => res.statusCode === 400) as (typeof results)[number],
        'SESSION_INVALID_STATUS_TRANSITION',
      );
      expect((await viewOf(session.id)).status).toBe('completed');
    } finally {
      await other.close();
    }
  });

  it("refuses another session's response and leaves both sessions as they were", async () => {
    const mine = await waitingSession();
    const other = await waitingSession();
    const theirs = await answerFor('success', other.path);
    expectOAuthError(await post(mine.id, theirs), 'PROVIDER_PRESENTATION_INVALID');
    expect((await viewOf(mine.id)).status).toBe('pending');
    expect((await viewOf(other.id)).status).toBe('pending');
    // A plain form with another session's state is refused the same way.
    expectOAuthError(
      await post(mine.id, { error: 'access_denied', state: 'not-the-state' }),
      'PROVIDER_PRESENTATION_INVALID',
    );
    expect((await viewOf(mine.id)).status).toBe('pending');
    const res = await post(mine.id, await answerFor('success', mine.path));
    expect(res.statusCode, res.body).toBe(200);
    expect((await viewOf(mine.id)).status).toBe('completed');
  });

  it.each([
    ['tampered', 'PROVIDER_PRESENTATION_INVALID', 'err_presentation_invalid'],
    ['wrong-nonce', 'PROVIDER_PRESENTATION_INVALID', 'err_presentation_invalid'],
    ['expired', 'PROVIDER_CREDENTIAL_EXPIRED', 'err_credential_expired'],
    ['revoked', 'PROVIDER_CREDENTIAL_REVOKED', 'err_credential_revoked'],
    ['untrusted', 'PROVIDER_CREDENTIAL_UNTRUSTED', 'err_credential_untrusted'],
  ] as const)('%s: the wallet gets %s, the session is failed with %s', async (identity, code, statusCode) => {
    const session = await waitingSession();
    expectOAuthError(await post(session.id, await answerFor(identity, session.path)), code);
    const view = await viewOf(session.id);
    expect(view.status).toBe('failed');
    expect(view.error).toMatchObject({ code: statusCode, catalogCode: code });
  });

  it('error=access_denied ends the session cancelled (err_user_cancelled)', async () => {
    const session = await waitingSession();
    const res = await post(session.id, await answerFor('declined', session.path));
    expect(res.statusCode, res.body).toBe(200);
    expect(json(res)).toEqual({});
    const view = await viewOf(session.id);
    expect(view.status).toBe('cancelled');
    expect(view.error?.code).toBe('err_user_cancelled');
  });

  it('same-device: redirect_uri with a response_code redeemed once, then back to the app', async () => {
    const session = await waitingSession('redirect', { redirectUri: REDIRECT_URI });
    const res = await post(session.id, await answerFor('success', session.path));
    expect(res.statusCode, res.body).toBe(200);
    const redirect = new URL(json<{ redirect_uri: string }>(res).redirect_uri);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(`${TEST_ISSUER}/wallet/${session.id}/return`);
    const code = String(redirect.searchParams.get('response_code'));
    expect(code.length).toBeGreaterThan(20);
    const back = await t.app.inject({ method: 'GET', url: `${redirect.pathname}${redirect.search}` });
    expect(back.statusCode, back.body).toBe(303);
    expect(back.headers.location).toBe(`${REDIRECT_URI}?verificationId=${session.id}`);
    const again = await t.app.inject({ method: 'GET', url: `${redirect.pathname}${redirect.search}` });
    expect(again.statusCode).toBe(400);
    expect(again.headers['content-type']).toMatch(/^text\/html/);
    expect(again.body).toContain('VALIDATION_INVALID_PARAMETER');
    // A code is its session's only.
    const other = await waitingSession('redirect', { redirectUri: REDIRECT_URI });
    const wrong = await t.app.inject({
      method: 'GET',
      url: `/wallet/${other.id}/return?response_code=${encodeURIComponent(code)}`,
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.headers['content-type']).toMatch(/^text\/html/);
    expect(wrong.body).toContain('VALIDATION_INVALID_PARAMETER');
  });

  it('same-device at /authorize: the response_code is redeemed only in the browser that started it', async () => {
    const app = await createRestApp(t, { redirectUris: [REDIRECT_URI] });
    const put = await t.app.inject({
      method: 'PUT',
      url: `/admin/v1/apps/${app.clientId}/providers/mock-wallet`,
      headers: adminAuth(),
      payload: { enabled: true, flowTypes: ['redirect'] },
    });
    expect([200, 201], put.body).toContain(put.statusCode);
    const query = new URLSearchParams({
      client_id: app.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid profile',
      state: 'same-device',
      nonce: 'n',
      provider_hint: 'mock-wallet',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    const started = await t.app.inject({ method: 'GET', url: `/authorize?${query.toString()}` });
    expect(started.statusCode, started.body).toBe(303);
    // The browser is bound to the transaction, and sent on to the wallet with the same-device link.
    const cookie = String(started.headers['set-cookie']).split(';')[0] as string;
    const link = new URL(String(started.headers.location));
    expect(link.protocol).toBe('openid4vp:');
    const id = decodeURIComponent(String(link.searchParams.get('request_uri'))).split('/')[4] as string;
    expect(id).toMatch(/^vrf_test_/);
    const path = new URL(String(link.searchParams.get('request_uri'))).pathname;
    const res = await post(id, await answerFor('success', path));
    expect(res.statusCode, res.body).toBe(200);
    const redirect = new URL(json<{ redirect_uri: string }>(res).redirect_uri);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(`${TEST_ISSUER}/authorize/${id}/wallet-return`);
    const target = `${redirect.pathname}${redirect.search}`;
    // Another browser (no binding cookie) cannot redeem it, and does not use it up.
    const stranger = await t.app.inject({ method: 'GET', url: target });
    expect(stranger.statusCode).toBe(403);
    expect(stranger.headers['content-type']).toMatch(/^text\/html/);
    expect(stranger.body).toContain('AUTH_FORBIDDEN');
    // The browser that started it gets no code until the wallet sends it back with the
    // response_code (a forwarded same-device link must not sign its sender in).
    const early = await t.app.inject({ method: 'GET', url: `/authorize/${id}`, headers: { cookie } });
    expect(early.statusCode, early.body).toBe(403);
    expect(early.headers['content-type']).toMatch(/^text\/html/);
    expect(early.headers.location).toBeUndefined();
    expect(early.body).toContain('AUTH_FORBIDDEN');
    const back = await t.app.inject({ method: 'GET', url: target, headers: { cookie } });
    expect(back.statusCode, back.body).toBe(303);
    expect(back.headers.location).toBe(`${TEST_ISSUER}/authorize/${id}`);
    const finished = await t.app.inject({ method: 'GET', url: `/authorize/${id}`, headers: { cookie } });
    expect(finished.statusCode, finished.body).toBe(303);
    const answer = new URL(String(finished.headers.location));
    expect(`${answer.origin}${answer.pathname}`).toBe(REDIRECT_URI);
    expect(answer.searchParams.get('state')).toBe('same-device');
    expect(answer.searchParams.get('code')).toBeTruthy();
    const again = await t.app.inject({ method: 'GET', url: target, headers: { cookie } });
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('VALIDATION_INVALID_PARAMETER');
  });

  /** A dc_api session of the app, and what the test wallet's DC API answer is. */
  async function dcSession(identity: string) {
    const res = await createVerification(t, rest.basic, { providerId: 'mock-wallet', flowType: 'dc_api' });
    expect(res.statusCode, res.body).toBe(201);
    const body = json<{
      verificationId: string;
      flowDetails: { dcRequest: { digital: { requests: { protocol: string; data: { request: string } }[] } } };
    }>(res);
    const [request] = body.flowDetails.dcRequest.digital.requests;
    expect(request?.protocol).toBe('openid4vp-v1-signed');
    const answer = await wallet.respond(identity, String(request?.data.request), { now: new Date() });
    const { protocol, data } = answer as { protocol: string; data: string };
    return { id: body.verificationId, credential: { protocol, data: JSON.parse(data) as Record<string, unknown> } };
  }

  function relay(id: string, payload: unknown, authorization = rest.basic) {
    return t.app.inject({
      method: 'POST',
      url: `/v1/verifications/${id}/dc-response`,
      headers: { authorization, 'content-type': 'application/json' },
      payload: JSON.stringify(payload),
    });
  }

  it('dc-response: the relayed DC API answer completes the session, once', async () => {
    const { id, credential } = await dcSession('success');
    const res = await relay(id, credential);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const view = json<{ status: string; claims: { family_name: string }; provenance: unknown }>(res);
    expect(view.status).toBe('completed');
    expect(view.claims.family_name).toBe('Mustermann');
    expectProblem(await relay(id, credential), 'SESSION_INVALID_STATUS_TRANSITION', {
      instance: `/v1/verifications/${id}/dc-response`,
    });
  });

  it('dc-response: a refused presentation fails the session with its catalog code', async () => {
    const { id, credential } = await dcSession('tampered');
    expectProblem(await relay(id, credential), 'PROVIDER_PRESENTATION_INVALID', {
      instance: `/v1/verifications/${id}/dc-response`,
    });
    const view = await viewOf(id);
    expect(view.status).toBe('failed');
    expect(view.error).toMatchObject({
      code: 'err_presentation_invalid',
      catalogCode: 'PROVIDER_PRESENTATION_INVALID',
    });
  });

  it('dc-response: refused for a session of another flow or app, or a body off the schema, changing nothing', async () => {
    const { id, credential } = await dcSession('success');
    const qr = await waitingSession();
    expectProblem(await relay(qr.id, credential), 'SESSION_INVALID_FLOW', {
      instance: `/v1/verifications/${qr.id}/dc-response`,
    });
    expect((await viewOf(qr.id)).status).toBe('pending');
    const other = await createRestApp(t);
    expectProblem(await relay(id, credential, other.basic), 'SESSION_VERIFICATION_NOT_FOUND', {
      instance: `/v1/verifications/${id}/dc-response`,
    });
    const instance = `/v1/verifications/${id}/dc-response`;
    expectProblem(await relay(id, { ...credential, extra: 1 }), 'VALIDATION_INVALID_PARAMETER', { instance });
    expectProblem(await relay(id, { protocol: credential.protocol }), 'VALIDATION_MISSING_PARAMETER', { instance });
    expectProblem(await relay(id, { ...credential, data: 'not an object' }), 'VALIDATION_INVALID_PARAMETER', {
      instance,
    });
    expect((await viewOf(id)).status).toBe('pending');
    const res = await relay(id, credential);
    expect(res.statusCode, res.body).toBe(200);
  });

  it("dc-response for an app with several origins: expected_origins are the app's, the relay names its page's", async () => {
    const origins = ['https://shop.example', 'https://www.shop.example'] as const;
    const app = await createRestApp(t, { allowedOrigins: [...origins] });
    // Headless: the built-in wallet answers over the DC API at once.
    const headless = await createVerification(t, app.basic, {
      providerId: 'mock-wallet',
      flowType: 'dc_api',
      userData: { testIdentity: 'success' },
    });
    expect(headless.statusCode, headless.body).toBe(201);
    expect(json<{ status: string }>(headless).status).toBe('completed');
    const res = await createVerification(t, app.basic, { providerId: 'mock-wallet', flowType: 'dc_api' });
    const body = json<{
      verificationId: string;
      flowDetails: { dcRequest: { digital: { requests: { data: { request: string } }[] } } };
    }>(res);
    const request = String(body.flowDetails.dcRequest.digital.requests[0]?.data.request);
    expect(decodeJwt(request).expected_origins).toEqual(origins);
    const answer = (await wallet.respond('success', request, { now: new Date(), origin: origins[1] })) as {
      protocol: string;
      data: string;
    };
    const relayed = await relay(
      body.verificationId,
      { protocol: answer.protocol, data: JSON.parse(answer.data), origin: origins[1] },
      app.basic,
    );
    expect(relayed.statusCode, relayed.body).toBe(200);
    expect(json<{ status: string }>(relayed).status).toBe('completed');
  });

  it('publishes the sandbox issuer CA as a PEM file', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/sandbox/wallet/issuer-ca.pem' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-pem-file/);
    expect(res.body).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(new X509Certificate(res.body).ca).toBe(true);
  });
});

describe('the wallet transport in production', () => {
  it('has no sandbox issuer CA: 404 from the catalog', async () => {
    const t = await createTestApp('sqlite', { env: { IDGATE_ENV: 'production' } });
    try {
      const res = await t.app.inject({ method: 'GET', url: '/sandbox/wallet/issuer-ca.pem' });
      expectProblem(res, 'RESOURCE_NOT_FOUND', { instance: '/sandbox/wallet/issuer-ca.pem' });
    } finally {
      await t.close();
    }
  });
});
