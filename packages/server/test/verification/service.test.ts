/**
 * The verification service as `/authorize`, the hosted pages and the token endpoint use
 * it: transactions, the headless sandbox path, the mock screen, cancel and fail, the
 * verified identity, the audit trail — on a real database and an injected clock.
 */
import { type ErrorCode, IdgateError, type TxStatusCode } from '@idgate/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthorizationRequestRecord, Verification } from '../../src/domain/verification.js';
import type { AppRecord } from '../../src/store/apps.repository.js';
import { AUTHORIZATION_TTL_SECONDS, type VerificationService } from '../../src/verification/verification.service.js';
import { adminAuth, createTestApp, type TestApp } from '../support/app.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { createRestApp, REDIRECT_URI, testClock } from './helpers.js';

const REQUEST: AuthorizationRequestRecord = {
  responseType: 'code',
  redirectUri: REDIRECT_URI,
  scope: ['openid', 'profile', 'email'],
  state: 'xyz',
  nonce: 'n-0S6_WzA2Mj',
};

async function rejection(promise: Promise<unknown>): Promise<IdgateError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(IdgateError);
    return error as IdgateError;
  }
  throw new Error('expected a rejection');
}

async function expectRejected(
  promise: Promise<unknown>,
  code: ErrorCode,
  expected: { detail?: string; context?: Record<string, unknown>; txStatus?: TxStatusCode } = {},
): Promise<IdgateError> {
  const error = await rejection(promise);
  expect(error.code).toBe(code);
  if (expected.detail !== undefined) expect(error.publicDetail).toBe(expected.detail);
  if (expected.context !== undefined) expect(error.context).toEqual(expected.context);
  if (expected.txStatus !== undefined) expect(error.txStatus).toBe(expected.txStatus);
  return error;
}

describe.each(TEST_DATABASE_KINDS)('verification service on %s', (kind) => {
  let t: TestApp;
  let service: VerificationService;
  let app: AppRecord;
  let otherApp: AppRecord;
  const clock = testClock();

  beforeAll(async () => {
    t = await createTestApp(kind, { clock: clock.clock });
    service = t.app.idgate.verifications;
    app = await t.app.idgate.apps.get((await createRestApp(t)).clientId);
    otherApp = await t.app.idgate.apps.get((await createRestApp(t)).clientId);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function transaction(request: Partial<AuthorizationRequestRecord> = {}, owner = app): Promise<Verification> {
    return service.createAuthorization(owner, { ...REQUEST, ...request });
  }

  async function trail(id: string) {
    return (await service.events(id)).map((event) => [event.from, event.to, event.statusCode, event.actor]);
  }

  describe('transactions', () => {
    it('createAuthorization: initiated, 10 minutes, claims from the scopes, recorded', async () => {
      const now = clock.now();
      const created = await transaction({ requestedLoa: 3 });
      expect(created).toEqual({
        id: created.id,
        clientId: app.clientId,
        environment: 'sandbox',
        origin: 'authorize',
        status: 'initiated',
        statusCode: null,
        errorCode: null,
        providerId: null,
        flowType: null,
        requestedLoa: 3,
        achievedLoa: null,
        requestedClaims: ['given_name', 'family_name', 'birthdate', 'nationality', 'email'],
        flowDetails: {},
        redirectUri: REDIRECT_URI,
        authorizationRequest: { ...REQUEST, requestedLoa: 3 },
        expiresAt: new Date(now.getTime() + AUTHORIZATION_TTL_SECONDS * 1000),
        verifiedAt: null,
        createdAt: now,
        updatedAt: now,
        version: 1,
      });
      expect(created.id).toMatch(/^vrf_test_[0-9A-Za-z]{24}$/);
      expect(await service.getTransaction(created.id)).toEqual(created);
      expect(await service.events(created.id)).toEqual([
        { from: null, to: 'initiated', statusCode: null, actor: 'app', at: now },
      ]);
    });

    it('getTransaction: unknown, malformed and other-environment ids are SESSION_NOT_FOUND', async () => {
      await expectRejected(service.getTransaction('vrf_test_AAAAAAAAAAAAAAAAAAAAAAAA'), 'SESSION_NOT_FOUND', {
        detail: 'There is no transaction vrf_test_AAAAAAAAAAAAAAAAAAAAAAAA.',
        context: { verificationId: 'vrf_test_AAAAAAAAAAAAAAAAAAAAAAAA' },
      });
      await expectRejected(service.getTransaction('../../etc'), 'SESSION_NOT_FOUND');
      await expectRejected(service.getTransaction('vrf_live_AAAAAAAAAAAAAAAAAAAAAAAA'), 'SESSION_NOT_FOUND', {
        detail:
          'There is no transaction vrf_live_AAAAAAAAAAAAAAAAAAAAAAAA here: it is a production id and this is the sandbox environment.',
      });
    });

    it('getTransaction: an expired transaction reads expired and is recorded so', async () => {
      const created = await transaction();
      clock.advance(AUTHORIZATION_TTL_SECONDS * 1000);
      const read = await service.getTransaction(created.id);
      expect(read).toMatchObject({ status: 'expired', statusCode: 'err_session_expired', version: 2 });
      expect(await trail(created.id)).toEqual([
        [null, 'initiated', null, 'app'],
        ['initiated', 'expired', 'err_session_expired', 'system'],
      ]);
      expect(await service.getTransaction(created.id)).toEqual(read);
    });
  });

  describe('startProvider: the headless sandbox path (mock-redirect + login_hint)', () => {
    it('success completes at once; the identity is given to its app only', async () => {
      const created = await transaction({ loginHint: 'success' });
      const started = await service.startProvider(created.id, 'mock-redirect', {});
      expect(started).toMatchObject({
        status: 'completed',
        statusCode: null,
        providerId: 'mock-redirect',
        flowType: 'redirect',
        achievedLoa: 4,
        verifiedAt: clock.now(),
        flowDetails: { url: `https://idgate.test/flow/${created.id}` },
      });
      expect(await trail(created.id)).toEqual([
        [null, 'initiated', null, 'app'],
        ['initiated', 'completed', null, 'provider'],
      ]);
      const identity = await service.identityFor(created.id, app.clientId);
      expect(identity).toEqual({
        sub: identity?.sub,
        claims: expect.objectContaining({
          given_name: 'Astrid',
          birthdate: '1985-03-07',
          email: 'Astrid.Lindqvist@example.com',
        }),
        missingClaims: [],
        loa: 4,
        verifiedAt: clock.now(),
        providerId: 'mock-redirect',
        provenance: {
          providerId: 'mock-redirect',
          issuer: 'urn:idgate:sandbox:mock-redirect',
          rawClaims: expect.objectContaining({ firstName: 'Astrid', testIdentity: 'success' }),
        },
      });
      expect(await service.identityFor(created.id, otherApp.clientId)).toBeUndefined();
      expect(await service.identityFor('vrf_live_AAAAAAAAAAAAAAAAAAAAAAAA', app.clientId)).toBeUndefined();
    });

    it('the subject is pairwise: the same for the same person and app, another for another app', async () => {
      async function subject(owner: AppRecord): Promise<string | undefined> {
        const created = await transaction({ loginHint: 'success' }, owner);
        await service.startProvider(created.id, 'mock-redirect', {});
        return (await service.identityFor(created.id, owner.clientId))?.sub;
      }
      const first = await subject(app);
      expect(first).toMatch(/^[0-9a-f]{64}$/);
      expect(await subject(app)).toBe(first);
      expect(await subject(otherApp)).not.toBe(first);
    });

    it.each([
      ['deny', 'failed', 'err_not_authenticated'],
      ['cancel', 'cancelled', 'err_user_cancelled'],
      ['missing-claims', 'failed', 'err_missing_user_data'],
      ['invalid-data', 'failed', 'err_provider_error'],
    ] as const)('%s ends %s with %s at once', async (loginHint, status, statusCode) => {
      const created = await transaction({ loginHint });
      const started = await service.startProvider(created.id, 'mock-redirect', {});
      expect(started).toMatchObject({ status, statusCode });
      expect(await service.identityFor(created.id, app.clientId)).toBeUndefined();
    });

    it('partial completes with missing claims; low-loa fails when more was requested', async () => {
      const partial = await transaction({ loginHint: 'partial', scope: ['openid', 'profile', 'phone'] });
      await service.startProvider(partial.id, 'mock-redirect', {});
      expect((await service.identityFor(partial.id, app.clientId))?.missingClaims).toEqual([
        'birthdate',
        'nationality',
        'phone_number',
      ]);
      const low = await transaction({ loginHint: 'low-loa', requestedLoa: 3 });
      expect(await service.startProvider(low.id, 'mock-redirect', {})).toMatchObject({
        status: 'failed',
        statusCode: 'err_loa_not_met',
        achievedLoa: 2,
      });
      const enough = await transaction({ loginHint: 'low-loa', requestedLoa: 2 });
      expect(await service.startProvider(enough.id, 'mock-redirect', {})).toMatchObject({
        status: 'completed',
        achievedLoa: 2,
      });
    });

    it('a provider failure fails the transaction, then throws with its id', async () => {
      const created = await transaction({ loginHint: 'provider-unavailable' });
      await expectRejected(service.startProvider(created.id, 'mock-redirect', {}), 'PROVIDER_UNAVAILABLE', {
        context: { providerId: 'mock-redirect', testIdentity: 'provider-unavailable', verificationId: created.id },
        txStatus: 'err_provider_unavailable',
      });
      expect(await service.getTransaction(created.id)).toMatchObject({
        status: 'failed',
        statusCode: 'err_provider_unavailable',
        providerId: 'mock-redirect',
      });
    });

    it('the login hint may also come with startProvider; timeout waits on the mock screen', async () => {
      const created = await transaction();
      const started = await service.startProvider(created.id, 'mock-redirect', { loginHint: 'timeout' });
      expect(started).toMatchObject({
        status: 'pending',
        flowDetails: { url: `https://idgate.test/flow/${created.id}` },
      });
    });
  });

  describe('startProvider: refusals leave the transaction unchanged', () => {
    it.each([
      ['unknown provider', 'bankid-se', {}, {}, 'PROVIDER_NOT_FOUND'],
      ['flow type the provider lacks', 'mock-redirect', { flowType: 'qr' }, {}, 'SESSION_INVALID_FLOW'],
      ['LoA above the provider', 'mock-qr', {}, { requestedLoa: 4 }, 'VALIDATION_UNPROCESSABLE'],
      ['push without a personal number', 'mock-push', {}, {}, 'VALIDATION_MISSING_USER_DATA'],
      [
        'push with an unknown personal number',
        'mock-push',
        { loginHint: '19850307-1234' },
        {},
        'VALIDATION_INVALID_USER_DATA',
      ],
    ] as const)('%s: %s', async (_name, providerId, input, request, code) => {
      const created = await transaction(request);
      const error = await expectRejected(service.startProvider(created.id, providerId, input), code);
      if (code === 'VALIDATION_UNPROCESSABLE') expect(error.txStatus).toBe('err_loa_not_met');
      expect(await service.getTransaction(created.id)).toEqual(created);
    });

    it('a provider not enabled for the app: PROVIDER_NOT_ENABLED', async () => {
      const put = await t.app.inject({
        method: 'PUT',
        url: `/admin/v1/apps/${otherApp.clientId}/providers/mock-qr`,
        headers: adminAuth(),
        payload: { enabled: false },
      });
      expect(put.statusCode).toBe(200);
      const created = await transaction({}, otherApp);
      await expectRejected(service.startProvider(created.id, 'mock-qr', {}), 'PROVIDER_NOT_ENABLED', {
        context: { providerId: 'mock-qr' },
      });
    });

    it('a terminal transaction cannot be started: SESSION_INVALID_STATUS_TRANSITION', async () => {
      const created = await transaction();
      await service.cancel(created.id, 'user');
      await expectRejected(
        service.startProvider(created.id, 'mock-redirect', {}),
        'SESSION_INVALID_STATUS_TRANSITION',
        {
          context: { verificationId: created.id, status: 'cancelled' },
        },
      );
    });
  });

  describe('advance: the mock screen, polls and callbacks', () => {
    it('an unknown login hint shows the mock screen: open → authenticating, an identity → its outcome', async () => {
      const created = await transaction({ loginHint: 'someone@example.com' });
      expect((await service.startProvider(created.id, 'mock-redirect', {})).status).toBe('pending');
      expect((await service.advance(created.id, {})).status).toBe('pending');
      expect((await service.advance(created.id, { action: 'open' })).status).toBe('authenticating');
      clock.advance(60_000);
      expect((await service.advance(created.id, {})).status).toBe('authenticating');
      const done = await service.advance(created.id, { identity: 'success' });
      expect(done).toMatchObject({ status: 'completed', achievedLoa: 4 });
      expect(await trail(created.id)).toEqual([
        [null, 'initiated', null, 'app'],
        ['initiated', 'pending', null, 'provider'],
        ['pending', 'authenticating', null, 'provider'],
        ['authenticating', 'completed', null, 'provider'],
      ]);
      // A poll of a finished transaction returns it; an answer for it is refused.
      expect(await service.advance(created.id, {})).toEqual(done);
      await expectRejected(service.advance(created.id, { identity: 'deny' }), 'SESSION_INVALID_STATUS_TRANSITION', {
        context: { verificationId: created.id, status: 'completed' },
      });
    });

    it('input the mock provider does not take: VALIDATION_INVALID_PARAMETER, nothing changes', async () => {
      const created = await transaction();
      const started = await service.startProvider(created.id, 'mock-redirect', {});
      await expectRejected(service.advance(created.id, { code: 'abc' }), 'VALIDATION_INVALID_PARAMETER');
      await expectRejected(service.advance(created.id, { identity: 'nobody' }), 'VALIDATION_INVALID_PARAMETER');
      await expectRejected(service.advance(created.id, { action: 'close' }), 'VALIDATION_INVALID_PARAMETER');
      expect(await service.getTransaction(created.id)).toEqual(started);
    });

    it('a provider error on the mock screen fails the transaction and throws', async () => {
      const created = await transaction();
      await service.startProvider(created.id, 'mock-redirect', {});
      await expectRejected(
        service.advance(created.id, { identity: 'provider-bad-response' }),
        'PROVIDER_UNEXPECTED_RESPONSE',
        {
          txStatus: 'err_provider_error',
        },
      );
      expect(await service.getTransaction(created.id)).toMatchObject({
        status: 'failed',
        statusCode: 'err_provider_error',
      });
    });

    it('before a provider is started: a poll returns the transaction, an answer is refused', async () => {
      const created = await transaction();
      expect(await service.advance(created.id, {})).toEqual(created);
      await expectRejected(service.advance(created.id, { identity: 'success' }), 'SESSION_INVALID_STATUS_TRANSITION', {
        detail: 'No provider was started for this transaction yet.',
      });
    });

    it('mock-push under /authorize: the login hint is the personal number; polls progress on the clock', async () => {
      const created = await transaction({ loginHint: 'success' });
      const started = await service.startProvider(created.id, 'mock-push', {});
      expect(started).toMatchObject({ status: 'pending', flowType: 'push' });
      clock.advance(1_000);
      expect((await service.advance(created.id, {})).status).toBe('authenticating');
      clock.advance(1_000);
      expect((await service.advance(created.id, {})).status).toBe('completed');
      expect((await service.identityFor(created.id, app.clientId))?.loa).toBe(3);
    });

    it('an unknown id: SESSION_NOT_FOUND', async () => {
      await expectRejected(service.advance('vrf_test_AAAAAAAAAAAAAAAAAAAAAAAA', {}), 'SESSION_NOT_FOUND');
    });
  });

  describe('cancel and fail', () => {
    it('the user cancels: cancelled with err_user_cancelled; again: SESSION_INVALID_STATUS_TRANSITION', async () => {
      const created = await transaction();
      expect(await service.cancel(created.id, 'user')).toMatchObject({
        status: 'cancelled',
        statusCode: 'err_user_cancelled',
      });
      await expectRejected(service.cancel(created.id, 'app'), 'SESSION_INVALID_STATUS_TRANSITION');
      expect(await trail(created.id)).toEqual([
        [null, 'initiated', null, 'app'],
        ['initiated', 'cancelled', 'err_user_cancelled', 'user'],
      ]);
    });

    it("fail ends the transaction in its code's state, and is a no-op once terminal", async () => {
      const blocked = await transaction();
      expect(await service.fail(blocked.id, 'err_user_account_blocked', 'hook')).toMatchObject({
        status: 'failed',
        statusCode: 'err_user_account_blocked',
      });
      const after = await service.fail(blocked.id, 'err_internal', 'system');
      expect(after).toMatchObject({ status: 'failed', statusCode: 'err_user_account_blocked' });
      const expired = await transaction();
      expect((await service.fail(expired.id, 'err_session_expired', 'system')).status).toBe('expired');
      const cancelled = await transaction();
      expect((await service.fail(cancelled.id, 'err_user_cancelled', 'user')).status).toBe('cancelled');
      expect(await trail(blocked.id)).toEqual([
        [null, 'initiated', null, 'app'],
        ['initiated', 'failed', 'err_user_account_blocked', 'hook'],
      ]);
    });

    it('a cancel racing a completion: exactly one wins, the other sees a terminal transaction', async () => {
      const created = await transaction();
      await service.startProvider(created.id, 'mock-redirect', {});
      const outcomes = await Promise.allSettled([
        service.cancel(created.id, 'user'),
        service.advance(created.id, { identity: 'success' }),
      ]);
      const fulfilled = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      const rejected = outcomes.filter((outcome) => outcome.status === 'rejected');
      expect(fulfilled).toHaveLength(1);
      expect(rejected).toHaveLength(1);
      expect((rejected[0] as PromiseRejectedResult).reason).toMatchObject({
        code: 'SESSION_INVALID_STATUS_TRANSITION',
      });
      const final = await service.getTransaction(created.id);
      expect(['cancelled', 'completed']).toContain(final.status);
      expect((await service.events(created.id)).filter((event) => event.to === final.status)).toHaveLength(1);
    });
  });
});
