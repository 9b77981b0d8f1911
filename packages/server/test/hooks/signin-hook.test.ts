/**
 * The app's sign-in hook (SPEC 6) against a real HTTP hook on 127.0.0.1 that checks the
 * `Idgate-Signature` with the hook secret returned at app creation: allow → code; deny →
 * `access_denied` / `err_user_account_blocked` with the hook's `errMsg` and `errCode`
 * passed through byte for byte; a hook that times out, fails or answers nonsense →
 * `temporarily_unavailable` / `err_signin_hook_unavailable`; no hook → no call; the audit
 * trail names the hook; the hook is called once per session even while requests race.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SIGN_IN_HOOK_ABANDONED_AFTER_MS } from '../../src/verification/verification.service.js';
import {
  authorizeUrl,
  bindingCookieOf,
  csrfTokenOf,
  expectCodeRedirect,
  form,
  issuerPath,
  locationOf,
  onlyTransaction,
  REDIRECT_URI,
  validParams,
} from '../authorize/helpers.js';
import { adminAuth, createTestApp, TEST_ISSUER, type TestApp } from '../support/app.js';
import { expectAuthorizeRedirectError } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { registerSecret } from '../support/leaks.js';
import { json, type Receiver, startReceiver } from './receiver.js';

/** The hook's timeout in these tests. */
const HOOK_TIMEOUT_MS = 1000;

interface AuditEvent {
  from: string | null;
  to: string;
  statusCode: string | null;
  actor: string;
}

describe.each(TEST_DATABASE_KINDS)('sign-in hook on %s', (kind) => {
  let t: TestApp;
  let hook: Receiver;

  /** Moves this instance's clock ahead (reset before each test). */
  let clockOffsetMs = 0;

  beforeAll(async () => {
    hook = await startReceiver();
    t = await createTestApp(kind, {
      env: { IDGATE_SIGNIN_HOOK_TIMEOUT: String(HOOK_TIMEOUT_MS) },
      clock: () => new Date(Date.now() + clockOffsetMs),
    });
  });
  afterAll(async () => {
    await t?.close();
    await hook?.close();
  });
  beforeEach(() => {
    clockOffsetMs = 0;
    hook.received.length = 0;
    hook.respond = json(200, { allow: true });
  });

  /** Creates an app through the admin API; the hook secret is the one the hook checks. */
  async function createApp(signInHookUrl: string | null = hook.url): Promise<string> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/apps',
      headers: { ...adminAuth(), 'content-type': 'application/json' },
      payload: {
        name: 'Casino',
        type: 'confidential',
        redirectUris: [REDIRECT_URI],
        ...(signInHookUrl === null ? {} : { signInHookUrl }),
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = JSON.parse(res.body) as { clientId: string; clientSecret: string; hookSecret?: string };
    registerSecret(body.clientSecret);
    registerSecret(body.hookSecret);
    if (signInHookUrl !== null) {
      expect(body.hookSecret).toMatch(/^whsec_/);
      hook.secret = body.hookSecret;
    } else {
      expect(body.hookSecret).toBeUndefined();
    }
    return body.clientId;
  }

  /**
   * Makes the hook hold its answer (allow) until `release()`; `called` resolves when the
   * hook has received the call.
   */
  function holdHookAnswer(): { called: Promise<void>; release: () => void } {
    let release: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => {
      release = resolve;
    });
    let arrived: () => void = () => undefined;
    const called = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    hook.respond = async (request, response) => {
      arrived();
      await answered;
      json(200, { allow: true })(request, response);
    };
    return { called, release };
  }

  async function headless(clientId: string): Promise<LightMyRequestResponse> {
    return t.app.inject({
      method: 'GET',
      url: authorizeUrl(validParams(clientId, { provider_hint: 'mock-redirect', login_hint: 'success' })),
    });
  }

  async function auditTrail(verificationId: string): Promise<AuditEvent[]> {
    const res = await t.app.inject({
      method: 'GET',
      url: `/admin/v1/verifications/${verificationId}/events`,
      headers: adminAuth(),
    });
    expect(res.statusCode, res.body).toBe(200);
    return (JSON.parse(res.body) as { data: (AuditEvent & { at: string })[] }).data.map(
      ({ from, to, statusCode, actor }) => ({ from, to, statusCode, actor }),
    );
  }

  it('allow: the hook gets a signed JSON POST with the verified identity, and the code is issued', async () => {
    const clientId = await createApp();
    const res = await headless(clientId);
    expectCodeRedirect(res, { state: 'st-123' });

    expect(hook.received).toHaveLength(1);
    const call = hook.received[0];
    if (call === undefined) throw new Error('no hook call');
    expect(call.method).toBe('POST');
    expect(call.path).toBe('/hook');
    expect(call.headers['content-type']).toBe('application/json');
    expect(call.signatureProblem).toBeUndefined();
    expect(call.signatureValid).toBe(true);
    const body = JSON.parse(call.rawBody) as Record<string, unknown>;
    const transaction = await onlyTransaction(t, clientId);
    expect(Object.keys(body).sort()).toEqual(
      ['claims', 'clientId', 'event', 'loa', 'providerId', 'timestamp', 'verificationId'].sort(),
    );
    expect(body).toMatchObject({
      event: 'signin',
      verificationId: transaction.id,
      clientId,
      providerId: 'mock-redirect',
    });
    expect(Number.isInteger(body.loa)).toBe(true);
    expect(body.loa).toBeGreaterThanOrEqual(1);
    expect(new Date(body.timestamp as string).toISOString()).toBe(body.timestamp);
    expect(Math.abs(Date.parse(body.timestamp as string) / 1000 - (call.signedAt ?? 0))).toBeLessThan(2);
    const claims = body.claims as Record<string, unknown>;
    expect(typeof claims.given_name).toBe('string');
    expect(typeof claims.family_name).toBe('string');

    expect(transaction.status).toBe('completed');
    expect(await auditTrail(transaction.id)).toEqual([
      { from: null, to: 'initiated', statusCode: null, actor: 'app' },
      { from: 'initiated', to: 'authenticating', statusCode: null, actor: 'provider' },
      { from: 'authenticating', to: 'completed', statusCode: null, actor: 'hook' },
    ]);
    const line = t.logs.find((entry) => entry.msg === 'sign-in hook' && entry.verification_id === transaction.id);
    expect(line).toMatchObject({ hook_outcome: 'allow', client_id: clientId });
    expect(JSON.stringify(line)).not.toContain(hook.secret);
  });

  it('deny: errMsg and errCode reach the redirect exactly, with err_user_account_blocked', async () => {
    const clientId = await createApp();
    const errMsg = `Überprüfung fehlgeschlagen ✓ a&b=c+d%20e#f "q" 'x' <script>alert(1)</script> <b>fett</b>  two  spaces 😀`;
    const errCode = `1001&x=y+z%2B#frag"'<i>Ü</i>`;
    hook.respond = json(200, { allow: false, errMsg, errCode });
    const res = await headless(clientId);
    expectAuthorizeRedirectError(res, 'err_user_account_blocked', {
      redirectUri: REDIRECT_URI,
      state: 'st-123',
      txState: 'failed',
      errMsg,
      errCode,
    });
    const query = new URL(res.headers.location as string).searchParams;
    expect(query.get('error')).toBe('access_denied');
    expect([...query.keys()]).toEqual(['error', 'error_description', 'tx_state', 'state', 'iss', 'errMsg', 'errCode']);
    expect(query.get('iss')).toBe(TEST_ISSUER);
    // Nothing of the texts is left unencoded in the Location.
    const rawQuery = (res.headers.location as string).split('?')[1] ?? '';
    expect(rawQuery).not.toMatch(/[#"'<> ]/);
    expect(rawQuery.split('&')).toHaveLength(7);

    const transaction = await onlyTransaction(t, clientId);
    expect(transaction).toMatchObject({ status: 'failed', status_code: 'err_user_account_blocked' });
    expect((await auditTrail(transaction.id)).at(-1)).toEqual({
      from: 'authenticating',
      to: 'failed',
      statusCode: 'err_user_account_blocked',
      actor: 'hook',
    });
    // The denied session keeps no verified result.
    const row = await t.app.idgate.database.db
      .selectFrom('verifications')
      .select(['result_ciphertext', 'signin_hook_state'])
      .where('id', '=', transaction.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ result_ciphertext: null, signin_hook_state: 'denied' });
    expect(await t.app.idgate.verifications.identityFor(transaction.id, clientId)).toBeUndefined();
  });

  it('deny without texts: no errMsg or errCode in the redirect', async () => {
    const clientId = await createApp();
    hook.respond = json(200, { allow: false });
    const res = await headless(clientId);
    expectAuthorizeRedirectError(res, 'err_user_account_blocked', { redirectUri: REDIRECT_URI, state: 'st-123' });
  });

  it('deny with texts that are not strings or too long: still denied, those texts left out', async () => {
    const clientId = await createApp();
    hook.respond = json(200, { allow: false, errMsg: 'x'.repeat(1025), errCode: 1001 });
    const res = await headless(clientId);
    expectAuthorizeRedirectError(res, 'err_user_account_blocked', { redirectUri: REDIRECT_URI, state: 'st-123' });
    const line = t.logs.find((entry) => entry.msg === 'sign-in hook' && entry.client_id === clientId);
    expect(line).toMatchObject({ level: 'warn', hook_outcome: 'deny' });
    expect(line?.hook_ignored).toEqual(['errMsg is longer than 1024 characters', 'errCode is not a string']);
  });

  it('deny with texts of exactly 1024 characters: passed through', async () => {
    const clientId = await createApp();
    const errMsg = 'ä'.repeat(1024);
    hook.respond = json(200, { allow: false, errMsg, errCode: '' });
    const res = await headless(clientId);
    expectAuthorizeRedirectError(res, 'err_user_account_blocked', {
      redirectUri: REDIRECT_URI,
      state: 'st-123',
      errMsg,
      errCode: '',
    });
  });

  const unavailable: [string, () => void][] = [
    [
      'times out',
      () => {
        hook.respond = async (_request, response) => {
          await new Promise((resolve) => setTimeout(resolve, HOOK_TIMEOUT_MS + 400));
          if (!response.destroyed) json(200, { allow: true })(_request, response);
        };
      },
    ],
    ['answers 500', () => (hook.respond = json(500, { allow: true }))],
    [
      'answers 302 (redirects are not followed)',
      () => (hook.respond = (_r, res) => res.writeHead(302, { location: 'http://127.0.0.1:1/x' }).end()),
    ],
    [
      'answers garbage',
      () =>
        (hook.respond = (_r, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('<html>ok</html>')),
    ],
    ['answers {"allow":"yes"}', () => (hook.respond = json(200, { allow: 'yes' }))],
    ['answers a JSON array', () => (hook.respond = json(200, [{ allow: true }]))],
    ['drops the connection', () => (hook.respond = (_r, res) => res.destroy())],
  ];
  it.each(unavailable)(
    'a hook that %s: temporarily_unavailable with err_signin_hook_unavailable',
    async (_name, arrange) => {
      const clientId = await createApp();
      arrange();
      const started = Date.now();
      const res = await headless(clientId);
      expect(Date.now() - started).toBeLessThan(HOOK_TIMEOUT_MS + 2000);
      const query = expectAuthorizeRedirectError(res, 'err_signin_hook_unavailable', {
        redirectUri: REDIRECT_URI,
        state: 'st-123',
      });
      expect(query.get('error')).toBe('temporarily_unavailable');
      expect(hook.received).toHaveLength(1);
      const transaction = await onlyTransaction(t, clientId);
      expect(transaction).toMatchObject({ status: 'failed', status_code: 'err_signin_hook_unavailable' });
      expect((await auditTrail(transaction.id)).at(-1)).toMatchObject({ to: 'failed', actor: 'hook' });
      const line = t.logs.find((entry) => entry.msg === 'sign-in hook' && entry.client_id === clientId);
      expect(line).toMatchObject({ level: 'warn', hook_outcome: 'unavailable' });
      expect(typeof line?.hook_reason).toBe('string');
    },
  );

  it('a hook URL nobody listens on: err_signin_hook_unavailable', async () => {
    const clientId = await createApp('http://127.0.0.1:1/hook');
    const res = await headless(clientId);
    expectAuthorizeRedirectError(res, 'err_signin_hook_unavailable', { redirectUri: REDIRECT_URI, state: 'st-123' });
  });

  it('an app without a hook: completes without any call', async () => {
    const clientId = await createApp(null);
    const res = await headless(clientId);
    expectCodeRedirect(res, { state: 'st-123' });
    expect(hook.received).toHaveLength(0);
    const transaction = await onlyTransaction(t, clientId);
    expect((await auditTrail(transaction.id)).map((event) => event.actor)).toEqual(['app', 'provider']);
  });

  it('the hook is asked once, even while other requests read and poll the session', async () => {
    const clientId = await createApp();
    const { called, release } = holdHookAnswer();
    const pending = headless(clientId);
    await called;
    const transaction = await onlyTransaction(t, clientId);
    expect(transaction.status).toBe('authenticating');
    const { verifications } = t.app.idgate;
    expect((await verifications.advance(transaction.id, {})).status).toBe('authenticating');
    expect((await verifications.getTransaction(transaction.id)).status).toBe('authenticating');
    await expect(verifications.startProvider(transaction.id, 'mock-redirect', {})).resolves.toMatchObject({
      status: 'authenticating',
    });
    release();
    expectCodeRedirect(await pending, { state: 'st-123' });
    expect(hook.received).toHaveLength(1);
  });

  it('a hook call whose caller is gone (its instance stopped) ends the session as unavailable once the call would have timed out', async () => {
    const clientId = await createApp();
    const { called, release } = holdHookAnswer();
    const pending = headless(clientId);
    await called;
    const transaction = await onlyTransaction(t, clientId);
    const { verifications } = t.app.idgate;
    // Within the hook's timeout and the margin, the call still counts as live.
    clockOffsetMs = HOOK_TIMEOUT_MS + SIGN_IN_HOOK_ABANDONED_AFTER_MS - 1000;
    expect((await verifications.getTransaction(transaction.id)).status).toBe('authenticating');
    // Past them, the next read records what a timed-out hook gives, as the system.
    clockOffsetMs = HOOK_TIMEOUT_MS + SIGN_IN_HOOK_ABANDONED_AFTER_MS + 1000;
    expect(await verifications.getTransaction(transaction.id)).toMatchObject({
      status: 'failed',
      statusCode: 'err_signin_hook_unavailable',
    });
    expect((await auditTrail(transaction.id)).at(-1)).toMatchObject({
      from: 'authenticating',
      to: 'failed',
      statusCode: 'err_signin_hook_unavailable',
      actor: 'system',
    });
    // The late answer of the hook changes nothing: the session stays failed, and the
    // request that was waiting for it sends the browser to the app with that error.
    release();
    const late = await pending;
    const query = expectAuthorizeRedirectError(late, 'err_signin_hook_unavailable', {
      redirectUri: REDIRECT_URI,
      state: 'st-123',
    });
    expect(query.get('error')).toBe('temporarily_unavailable');
    expect(query.get('code')).toBeNull();
    expect(hook.received).toHaveLength(1);
    expect((await onlyTransaction(t, clientId)).status).toBe('failed');
  });

  it('the hosted pages: the answer on the provider screen asks the hook; its denial reaches the app', async () => {
    const clientId = await createApp();
    const errMsg = 'Gesperrt: <b>Konto</b> & "mehr" ✓';
    hook.respond = json(200, { allow: false, errMsg, errCode: 'E#7' });
    const started = await t.app.inject({ method: 'GET', url: authorizeUrl(validParams(clientId)) });
    expect(started.statusCode).toBe(303);
    const pagePath = issuerPath(locationOf(started));
    const cookie = bindingCookieOf(started);
    const choice = await t.app.inject({ method: 'GET', url: pagePath, headers: { cookie } });
    const chosen = await t.app.inject({
      method: 'POST',
      url: pagePath,
      ...withForm({ csrf_token: csrfTokenOf(choice.body), provider: 'mock-redirect' }, cookie),
    });
    const flowPath = issuerPath(locationOf(chosen));
    const screen = await t.app.inject({ method: 'GET', url: flowPath });
    const answered = await t.app.inject({
      method: 'POST',
      url: flowPath,
      ...withForm({ csrf_token: csrfTokenOf(screen.body), identity: 'success' }),
    });
    expect(answered.statusCode).toBe(303);
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]?.signatureValid).toBe(true);
    const back = await t.app.inject({ method: 'GET', url: pagePath, headers: { cookie } });
    expect(back.statusCode).toBe(303);
    expectAuthorizeRedirectError({ ...back, statusCode: 302 }, 'err_user_account_blocked', {
      redirectUri: REDIRECT_URI,
      state: 'st-123',
      errMsg,
      errCode: 'E#7',
    });
  });

  function withForm(fields: Record<string, string>, cookie?: string) {
    const body = form(fields);
    return { headers: { ...body.headers, ...(cookie === undefined ? {} : { cookie }) }, payload: body.payload };
  }

  it('REST verifications do not call the hook (there is no code to issue)', async () => {
    const clientId = await createApp();
    const app = await t.app.idgate.apps.get(clientId);
    const created = await t.app.idgate.verifications.create(app, { providerId: 'mock-redirect' });
    expect(created.status).toBe('pending');
    expect(hook.received).toHaveLength(0);
  });
});
