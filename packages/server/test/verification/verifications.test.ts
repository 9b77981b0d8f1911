/**
 * `POST /v1/verifications`, `GET /v1/verifications/{id}`, `POST …/cancel` and the admin
 * audit trail (SPEC 3.1, 4): the answers, every error these routes can produce from a
 * real condition, environment binding, other apps' ids, expiry, encryption at rest.
 */
import { CATALOG, type ErrorCode, TX_STATUS_DEFINITIONS, type TxStatusCode } from '@idgate/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, createTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/app.js';
import { expectBearerChallenge, expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { registerSecret } from '../support/leaks.js';
import {
  basicAuth,
  createRestApp,
  createVerification,
  eventsOf,
  getVerification,
  json,
  REDIRECT_URI,
  type RestApp,
  sealToken,
  testClock,
} from './helpers.js';

const ID_PATTERN = /^vrf_test_[0-9A-Za-z]{24}$/;

interface VerificationBody {
  verificationId: string;
  status: string;
  providerId: string;
  flowType: string;
  flowDetails: Record<string, unknown>;
  expiresAt: string;
  createdAt: string;
  updatedAt?: string;
  error?: { code: string; description: string };
  [name: string]: unknown;
}

const PROVIDER_FAILURES: readonly { identity: string; code: ErrorCode; statusCode: TxStatusCode }[] = [
  { identity: 'provider-error', code: 'PROVIDER_ERROR', statusCode: 'err_provider_error' },
  { identity: 'provider-unavailable', code: 'PROVIDER_UNAVAILABLE', statusCode: 'err_provider_unavailable' },
  { identity: 'provider-init-failed', code: 'PROVIDER_INITIALIZATION_FAILED', statusCode: 'err_provider_error' },
  { identity: 'provider-auth-failed', code: 'PROVIDER_AUTHENTICATION_FAILED', statusCode: 'err_provider_error' },
  { identity: 'provider-bad-response', code: 'PROVIDER_UNEXPECTED_RESPONSE', statusCode: 'err_provider_error' },
  { identity: 'provider-misconfigured', code: 'PROVIDER_CONFIGURATION_ERROR', statusCode: 'err_provider_error' },
];

describe.each(TEST_DATABASE_KINDS)('REST verifications on %s', (kind) => {
  let t: TestApp;
  let rest: RestApp;
  const clock = testClock();

  beforeAll(async () => {
    t = await createTestApp(kind, { clock: clock.clock });
    rest = await createRestApp(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function create(payload: unknown, headers: Record<string, string> = {}) {
    return createVerification(t, rest.basic, payload, headers);
  }

  async function created(payload: unknown): Promise<VerificationBody> {
    const res = await create(payload);
    expect(res.statusCode, res.body).toBe(201);
    return json<VerificationBody>(res);
  }

  async function read(id: string, authorization = rest.basic): Promise<VerificationBody> {
    const res = await getVerification(t, authorization, id);
    expect(res.statusCode, res.body).toBe(200);
    return json<VerificationBody>(res);
  }

  async function cancel(id: string, authorization = rest.basic) {
    return t.app.inject({ method: 'POST', url: `/v1/verifications/${id}/cancel`, headers: { authorization } });
  }

  describe('create and read', () => {
    it('201 with the session, Location and no-store; GET reads it back', async () => {
      const now = clock.now();
      const res = await create({ providerId: 'mock-redirect', redirectUri: REDIRECT_URI });
      expect(res.statusCode, res.body).toBe(201);
      const body = json<VerificationBody>(res);
      expect(body.verificationId).toMatch(ID_PATTERN);
      expect(body).toEqual({
        verificationId: body.verificationId,
        status: 'pending',
        providerId: 'mock-redirect',
        flowType: 'redirect',
        flowDetails: { url: `https://idgate.test/flow/${body.verificationId}` },
        expiresAt: new Date(now.getTime() + 600_000).toISOString(),
        createdAt: now.toISOString(),
      });
      expect(res.headers.location).toBe(`/v1/verifications/${body.verificationId}`);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');

      const got = await getVerification(t, rest.basic, body.verificationId);
      expect(got.headers['cache-control']).toBe('no-store');
      expect(json(got)).toEqual({
        ...body,
        updatedAt: now.toISOString(),
        requestedLoa: null,
        requestedClaims: ['given_name', 'family_name', 'birthdate', 'nationality', 'email', 'phone_number', 'address'],
      });
    });

    it('takes requestedLoa, requestedClaims and flowType, and a bearer token with the verifications scope', async () => {
      const token = sealToken(t, rest.clientId, 'verifications');
      const res = await createVerification(t, `Bearer ${token}`, {
        providerId: 'mock-qr',
        requestedLoa: 3,
        requestedClaims: ['email', 'given_name'],
        flowType: 'qr',
      });
      expect(res.statusCode, res.body).toBe(201);
      const body = json<VerificationBody>(res);
      expect(body.flowDetails).toEqual({ qrData: `https://idgate.test/flow/${body.verificationId}` });
      expect(await read(body.verificationId, `Bearer ${token}`)).toMatchObject({
        requestedLoa: 3,
        requestedClaims: ['email', 'given_name'],
      });
    });

    it('mock-push shows a message and keeps the personal number encrypted at rest, the provider state only while pending', async () => {
      const body = await created({
        providerId: 'mock-push',
        userData: { personalNumber: 'success', note: 'Åsa-1985' },
      });
      expect(body.flowDetails).toEqual({
        message: 'A sign-in request was sent to the Mock Push app: approve it there.',
      });
      const stored = () =>
        t.app.idgate.database.db
          .selectFrom('verifications')
          .selectAll()
          .where('id', '=', body.verificationId)
          .executeTakeFirstOrThrow();
      const sealed = (column: string | null) => {
        expect(column).toMatch(/^v1\./);
        expect(column).not.toContain('Åsa');
        expect(column).not.toContain('Astrid');
        expect(column).not.toContain('success');
      };
      const pending = await stored();
      expect(pending.status).toBe('pending');
      sealed(pending.user_data_ciphertext);
      sealed(pending.provider_state_ciphertext);
      clock.advance(2_000);
      expect((await read(body.verificationId)).status).toBe('completed');
      const completed = await stored();
      sealed(completed.user_data_ciphertext);
      sealed(completed.result_ciphertext);
      // The provider is not called again for a completed session: its state is not kept.
      expect(completed.provider_state_ciphertext).toBeNull();
    });
  });

  describe('refusals of POST /v1/verifications', () => {
    it('an empty object: 400 VALIDATION_MISSING_PARAMETER naming providerId', async () => {
      const body = expectProblem(await create({}), 'VALIDATION_MISSING_PARAMETER', { instance: '/v1/verifications' });
      expect(body.context).toEqual({ fields: [{ name: 'providerId', pointer: '/providerId', reason: 'is required' }] });
    });

    it('no body at all: 400 VALIDATION_MISSING_PARAMETER', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/verifications',
        headers: { authorization: rest.basic },
      });
      expectProblem(res, 'VALIDATION_MISSING_PARAMETER');
    });

    it('every bad field listed: 400 VALIDATION_INVALID_PARAMETER', async () => {
      const res = await create({
        providerId: 'mock-redirect',
        requestedLoa: 6,
        flowType: 'sms',
        requestedClaims: ['shoe_size'],
        colour: 'blue',
      });
      const body = expectProblem(res, 'VALIDATION_INVALID_PARAMETER');
      const fields = (body.context as { fields: { name: string }[] }).fields.map((field) => field.name).sort();
      expect(fields).toEqual(['colour', 'flowType', 'requestedClaims[0]', 'requestedLoa']);
    });

    it('a redirectUri the app did not register: 400 VALIDATION_INVALID_PARAMETER', async () => {
      for (const redirectUri of [`${REDIRECT_URI}/`, 'https://evil.example/callback', `${REDIRECT_URI}?x=1`]) {
        const body = expectProblem(
          await create({ providerId: 'mock-redirect', redirectUri }),
          'VALIDATION_INVALID_PARAMETER',
        );
        expect(body.context).toEqual({
          fields: [
            { name: 'redirectUri', pointer: '/redirectUri', reason: 'is not a registered redirect URI of the app' },
          ],
        });
      }
    });

    it('a level of assurance above the provider: 422 VALIDATION_UNPROCESSABLE', async () => {
      const body = expectProblem(await create({ providerId: 'mock-qr', requestedLoa: 4 }), 'VALIDATION_UNPROCESSABLE');
      expect(body.context).toEqual({ providerId: 'mock-qr', requestedLoa: 4, maxLoa: 3 });
      expect(body.detail).toBe('Provider mock-qr reaches at most level of assurance 3; 4 was requested.');
    });

    it('a flow type the provider does not support: 400 SESSION_INVALID_FLOW', async () => {
      const body = expectProblem(
        await create({ providerId: 'mock-redirect', flowType: 'push' }),
        'SESSION_INVALID_FLOW',
      );
      expect(body.context).toEqual({ providerId: 'mock-redirect', flowType: 'push', supported: ['redirect'] });
    });

    it('userData the provider needs is missing: 400 VALIDATION_MISSING_USER_DATA listing it', async () => {
      const body = expectProblem(
        await create({ providerId: 'mock-push', userData: {} }),
        'VALIDATION_MISSING_USER_DATA',
      );
      expect(body.detail).toBe('Provider mock-push needs userData.personalNumber.');
      expect(body.context).toEqual({
        providerId: 'mock-push',
        missing: ['personalNumber'],
        fields: [
          {
            name: 'userData.personalNumber',
            pointer: '/userData/personalNumber',
            reason: 'is required by this provider',
          },
        ],
      });
    });

    it('userData malformed for the provider: 400 VALIDATION_INVALID_USER_DATA listing every field', async () => {
      const res = await create({
        providerId: 'mock-push',
        userData: { personalNumber: 19850307, testIdentity: 'nobody' },
      });
      const body = expectProblem(res, 'VALIDATION_INVALID_USER_DATA');
      expect(body.context).toMatchObject({
        providerId: 'mock-push',
        fields: [
          { name: 'userData.testIdentity', pointer: '/userData/testIdentity' },
          { name: 'userData.personalNumber', pointer: '/userData/personalNumber', reason: 'must be a string' },
        ],
      });
    });

    it('an unknown provider: 404 PROVIDER_NOT_FOUND; a disabled one: 403 PROVIDER_NOT_ENABLED', async () => {
      expectProblem(await create({ providerId: 'itsme' }), 'PROVIDER_NOT_FOUND');
      const other = await createRestApp(t);
      await t.app.inject({
        method: 'PUT',
        url: `/admin/v1/apps/${other.clientId}/providers/mock-redirect`,
        headers: adminAuth(),
        payload: { enabled: false },
      });
      const res = await createVerification(t, other.basic, { providerId: 'mock-redirect' });
      expect(expectProblem(res, 'PROVIDER_NOT_ENABLED').context).toEqual({ providerId: 'mock-redirect' });
    });

    it('a body that is not JSON: 415 VALIDATION_UNSUPPORTED_MEDIA_TYPE', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/verifications',
        headers: { authorization: rest.basic, 'content-type': 'text/plain' },
        payload: 'providerId=mock-qr',
      });
      expectProblem(res, 'VALIDATION_UNSUPPORTED_MEDIA_TYPE');
    });

    it('nothing was stored for a refused request', async () => {
      const before = await countVerifications();
      await create({ providerId: 'mock-qr', requestedLoa: 5 });
      await create({ providerId: 'mock-push' });
      expect(await countVerifications()).toBe(before);
    });

    it.each(PROVIDER_FAILURES)(
      '$identity: $code with the failed session id; the session reads failed with $statusCode',
      async ({ identity, code, statusCode }) => {
        const res = await create({ providerId: 'mock-redirect', userData: { testIdentity: identity } });
        const body = expectProblem(res, code);
        const context = body.context as { verificationId: string };
        expect(context).toEqual({
          providerId: 'mock-redirect',
          testIdentity: identity,
          verificationId: context.verificationId,
        });
        expect(context.verificationId).toMatch(ID_PATTERN);
        if (CATALOG[code].status < 500) expect(body.detail).toContain(`test identity ${identity}`);
        if (code === 'PROVIDER_UNAVAILABLE') expect(res.headers['retry-after']).toBe('30');
        const session = await read(context.verificationId);
        expect(session).toMatchObject({
          status: 'failed',
          providerId: 'mock-redirect',
          flowType: 'redirect',
          error: { code: statusCode, description: TX_STATUS_DEFINITIONS[statusCode].description },
        });
        expect(
          (await eventsOf(t, context.verificationId)).map((event) => [
            event.from,
            event.to,
            event.statusCode,
            event.actor,
          ]),
        ).toEqual([
          [null, 'initiated', null, 'app'],
          ['initiated', 'failed', statusCode, 'provider'],
        ]);
        const line = t.logs.find((entry) => entry.request_id === res.headers['x-request-id']);
        expect(line).toMatchObject({
          code,
          client_id: rest.clientId,
          verification_id: context.verificationId,
          provider_id: 'mock-redirect',
        });
      },
    );
  });

  it('PROVIDER_AUTHENTICATION_FAILED (idgate rejected upstream): 401 without WWW-Authenticate, the app is not challenged', async () => {
    for (const authorization of [rest.basic, `Bearer ${sealToken(t, rest.clientId, 'verifications')}`]) {
      const res = await createVerification(t, authorization, {
        providerId: 'mock-redirect',
        userData: { testIdentity: 'provider-auth-failed' },
      });
      const body = expectProblem(res, 'PROVIDER_AUTHENTICATION_FAILED', { instance: '/v1/verifications' });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBeUndefined();
      expect(body).toMatchObject({
        type: 'https://idgate.test/errors/PROVIDER_AUTHENTICATION_FAILED',
        title: 'PROVIDER_AUTHENTICATION_FAILED',
        status: 401,
        category: 'client',
        retryable: false,
        instance: '/v1/verifications',
        doc_url: 'https://idgate.test/errors/PROVIDER_AUTHENTICATION_FAILED',
      });
      expect(body.detail).toContain('test identity provider-auth-failed');
      const context = body.context as Record<string, unknown>;
      expect(context).toEqual({
        providerId: 'mock-redirect',
        testIdentity: 'provider-auth-failed',
        verificationId: expect.stringMatching(ID_PATTERN),
      });
    }
  });

  async function countVerifications(): Promise<number> {
    const rows = await t.app.idgate.database.db
      .selectFrom('verifications')
      .select('id')
      .where('client_id', '=', rest.clientId)
      .execute();
    return rows.length;
  }

  describe('ids: unknown, another app, another environment', () => {
    it('an unknown id: 404 SESSION_VERIFICATION_NOT_FOUND', async () => {
      const id = 'vrf_test_AAAAAAAAAAAAAAAAAAAAAAAA';
      const res = await getVerification(t, rest.basic, id);
      const body = expectProblem(res, 'SESSION_VERIFICATION_NOT_FOUND', { instance: `/v1/verifications/${id}` });
      expect(body.detail).toBe(`There is no verification ${id}.`);
      expect(body.context).toEqual({ verificationId: id });
      expectProblem(await getVerification(t, rest.basic, 'not-an-id'), 'SESSION_VERIFICATION_NOT_FOUND');
    });

    it("another app's id reads exactly like an unknown one, also for cancel", async () => {
      const mine = await created({ providerId: 'mock-qr' });
      const other = await createRestApp(t);
      const res = await getVerification(t, other.basic, mine.verificationId);
      const body = expectProblem(res, 'SESSION_VERIFICATION_NOT_FOUND');
      expect(body.detail).toBe(`There is no verification ${mine.verificationId}.`);
      expectProblem(await cancel(mine.verificationId, other.basic), 'SESSION_VERIFICATION_NOT_FOUND');
      expect((await read(mine.verificationId)).status).toBe('pending');
    });

    it('a production id on sandbox: 404 SESSION_VERIFICATION_NOT_FOUND with a hint', async () => {
      const id = 'vrf_live_AAAAAAAAAAAAAAAAAAAAAAAA';
      const body = expectProblem(await getVerification(t, rest.basic, id), 'SESSION_VERIFICATION_NOT_FOUND');
      expect(body.detail).toBe(
        `There is no verification ${id} here: it is a production id and this is the sandbox environment.`,
      );
      expect(body.context).toEqual({ verificationId: id });
    });

    it('a sandbox id on production: 404 SESSION_VERIFICATION_NOT_FOUND with a hint', async () => {
      const mine = await created({ providerId: 'mock-qr' });
      const production = await createTestApp(kind, { env: { IDGATE_ENV: 'production' } });
      try {
        const res = await production.app.inject({
          method: 'POST',
          url: '/admin/v1/apps',
          headers: adminAuth(),
          payload: { name: 'Live', type: 'confidential', redirectUris: [REDIRECT_URI] },
        });
        const live = json<{ clientId: string; clientSecret: string }>(res);
        registerSecret(live.clientSecret);
        const answer = await production.app.inject({
          method: 'GET',
          url: `/v1/verifications/${mine.verificationId}`,
          headers: { authorization: basicAuth(live.clientId, live.clientSecret) },
        });
        const body = expectProblem(answer, 'SESSION_VERIFICATION_NOT_FOUND');
        expect(body.detail).toBe(
          `There is no verification ${mine.verificationId} here: it is a sandbox id and this is the production environment.`,
        );
      } finally {
        await production.close();
      }
    });
  });

  describe('cancel', () => {
    it('a session in progress: 200 cancelled (by the app: no status code), recorded after what the provider said', async () => {
      const session = await created({ providerId: 'mock-qr', userData: { testIdentity: 'timeout' } });
      clock.advance(1_500);
      const res = await cancel(session.verificationId);
      expect(res.statusCode, res.body).toBe(200);
      const body = json<VerificationBody>(res);
      expect(body).toMatchObject({ verificationId: session.verificationId, status: 'cancelled' });
      expect(body.error).toBeUndefined();
      expect(
        (await eventsOf(t, session.verificationId)).map((event) => [event.to, event.statusCode, event.actor]),
      ).toEqual([
        ['initiated', null, 'app'],
        ['pending', null, 'provider'],
        ['authenticating', null, 'provider'],
        ['cancelled', null, 'app'],
      ]);
    });

    it('a cancelled, completed, failed or expired session: 409 SESSION_INVALID_STATUS_TRANSITION', async () => {
      const cancelled = await created({ providerId: 'mock-qr' });
      expect((await cancel(cancelled.verificationId)).statusCode).toBe(200);
      const completed = await created({ providerId: 'mock-qr', userData: { testIdentity: 'success' } });
      const failed = await created({ providerId: 'mock-qr', userData: { testIdentity: 'deny' } });
      clock.advance(2_000);
      expect((await read(completed.verificationId)).status).toBe('completed');
      expect((await read(failed.verificationId)).status).toBe('failed');
      const expired = await created({ providerId: 'mock-qr', userData: { testIdentity: 'timeout' } });
      clock.advance(600_000);
      for (const [session, status] of [
        [cancelled, 'cancelled'],
        [completed, 'completed'],
        [failed, 'failed'],
        [expired, 'expired'],
      ] as const) {
        const res = await cancel(session.verificationId);
        const body = expectProblem(res, 'SESSION_INVALID_STATUS_TRANSITION', {
          instance: `/v1/verifications/${session.verificationId}/cancel`,
        });
        expect(body.context).toEqual({ verificationId: session.verificationId, status });
        expect(body.detail).toBe(
          `The verification is already ${status}; only a verification in progress can be cancelled.`,
        );
        expect((await read(session.verificationId)).status).toBe(status);
      }
    });

    it('the provider is asked first: a session the user already completed cannot be cancelled', async () => {
      const session = await created({ providerId: 'mock-qr', userData: { testIdentity: 'success' } });
      clock.advance(2_000);
      const res = await cancel(session.verificationId);
      expect(expectProblem(res, 'SESSION_INVALID_STATUS_TRANSITION').context).toEqual({
        verificationId: session.verificationId,
        status: 'completed',
      });
    });

    it('an unknown id: 404 SESSION_VERIFICATION_NOT_FOUND', async () => {
      expectProblem(await cancel('vrf_test_AAAAAAAAAAAAAAAAAAAAAAAA'), 'SESSION_VERIFICATION_NOT_FOUND');
    });
  });

  describe('expiry', () => {
    it('a session past expiresAt reads expired (err_session_expired), recorded once by the system', async () => {
      const session = await created({ providerId: 'mock-redirect' });
      clock.advance(599_999);
      expect((await read(session.verificationId)).status).toBe('pending');
      clock.advance(1);
      const body = await read(session.verificationId);
      expect(body).toMatchObject({
        status: 'expired',
        error: { code: 'err_session_expired', description: TX_STATUS_DEFINITIONS.err_session_expired.description },
        updatedAt: clock.now().toISOString(),
      });
      clock.advance(60_000);
      expect((await read(session.verificationId)).updatedAt).toBe(body.updatedAt);
      const events = await eventsOf(t, session.verificationId);
      expect(events.at(-1)).toEqual({
        from: 'pending',
        to: 'expired',
        statusCode: 'err_session_expired',
        actor: 'system',
        at: body.updatedAt,
      });
      expect(events.filter((event) => event.to === 'expired')).toHaveLength(1);
    });

    it('an expired session is not completed by a late answer of the provider', async () => {
      const session = await created({ providerId: 'mock-qr', userData: { testIdentity: 'success' } });
      clock.advance(600_000);
      expect((await read(session.verificationId)).status).toBe('expired');
    });
  });

  describe('the audit trail (admin API)', () => {
    it('lists every transition with actor and time', async () => {
      const start = clock.now();
      const session = await created({ providerId: 'mock-qr', userData: { testIdentity: 'success' } });
      clock.advance(1_000);
      await read(session.verificationId);
      clock.advance(1_000);
      await read(session.verificationId);
      const res = await t.app.inject({
        method: 'GET',
        url: `/admin/v1/verifications/${session.verificationId}/events`,
        headers: adminAuth(),
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(json(res)).toEqual({
        verificationId: session.verificationId,
        data: [
          { from: null, to: 'initiated', statusCode: null, actor: 'app', at: start.toISOString() },
          { from: 'initiated', to: 'pending', statusCode: null, actor: 'provider', at: start.toISOString() },
          {
            from: 'pending',
            to: 'authenticating',
            statusCode: null,
            actor: 'provider',
            at: new Date(start.getTime() + 1_000).toISOString(),
          },
          {
            from: 'authenticating',
            to: 'completed',
            statusCode: null,
            actor: 'provider',
            at: new Date(start.getTime() + 2_000).toISOString(),
          },
        ],
      });
    });

    it('needs the admin key: 401 AUTH_MISSING_CREDENTIALS / AUTH_INVALID_CREDENTIALS in realm idgate-admin', async () => {
      const url = '/admin/v1/verifications/vrf_test_AAAAAAAAAAAAAAAAAAAAAAAA/events';
      const missing = await t.app.inject({ method: 'GET', url });
      expectBearerChallenge(missing, 'AUTH_MISSING_CREDENTIALS', { realm: 'idgate-admin', error: null });
      const wrong = await t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${TEST_ADMIN_KEY}x` } });
      expectBearerChallenge(wrong, 'AUTH_INVALID_CREDENTIALS', { realm: 'idgate-admin' });
      const app = await t.app.inject({ method: 'GET', url, headers: { authorization: rest.basic } });
      expectProblem(app, 'AUTH_INVALID_CREDENTIALS');
    });

    it('an unknown or other-environment id: 404 SESSION_VERIFICATION_NOT_FOUND', async () => {
      const unknown = await t.app.inject({
        method: 'GET',
        url: '/admin/v1/verifications/vrf_test_AAAAAAAAAAAAAAAAAAAAAAAA/events',
        headers: adminAuth(),
      });
      expectProblem(unknown, 'SESSION_VERIFICATION_NOT_FOUND');
      const live = await t.app.inject({
        method: 'GET',
        url: '/admin/v1/verifications/vrf_live_AAAAAAAAAAAAAAAAAAAAAAAA/events',
        headers: adminAuth(),
      });
      expect(expectProblem(live, 'SESSION_VERIFICATION_NOT_FOUND').detail).toContain('it is a production id');
    });
  });
});
