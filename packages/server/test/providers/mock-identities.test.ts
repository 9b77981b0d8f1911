/**
 * The sandbox mock providers (SPEC 5): every test identity on every flow type, through
 * the REST API, progressing on an injected clock — pending, authenticating after 1 s,
 * the identity's outcome after 2 s.
 */
import { CATALOG, type ErrorCode, TX_STATUS_DEFINITIONS, type TxStatusCode } from '@idgate/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOCK_IDENTITIES } from '../../src/providers/mock/test-identities.js';
import { createTestApp, TEST_ISSUER, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import {
  createRestApp,
  createVerification,
  eventsOf,
  getVerification,
  json,
  type RestApp,
  testClock,
} from '../verification/helpers.js';

const FLOWS = [
  {
    flowType: 'redirect',
    providerId: 'mock-redirect',
    maxLoa: 4,
    userData: (identity: string) => ({ testIdentity: identity }),
  },
  { flowType: 'qr', providerId: 'mock-qr', maxLoa: 3, userData: (identity: string) => ({ testIdentity: identity }) },
  {
    flowType: 'push',
    providerId: 'mock-push',
    maxLoa: 3,
    userData: (identity: string) => ({ personalNumber: identity }),
  },
] as const;

const ALL_CLAIMS = ['given_name', 'family_name', 'birthdate', 'nationality', 'email', 'phone_number', 'address'];

const ASTRID = {
  given_name: 'Astrid',
  family_name: 'Lindqvist',
  birthdate: '1985-03-07',
  nationality: 'SE',
  email: 'Astrid.Lindqvist@example.com',
  email_verified: true,
  phone_number: '+46701234567',
  phone_number_verified: true,
  address: {
    street_address: 'Storgatan 1',
    locality: 'Stockholm',
    postal_code: '111 22',
    country: 'SE',
    formatted: 'Storgatan 1\n111 22 Stockholm\nSE',
  },
};

type Outcome =
  | { status: 'completed'; loa: 'max' | number; claims: Record<string, unknown>; missingClaims: string[] }
  | {
      status: 'failed' | 'cancelled';
      statusCode: TxStatusCode;
      /** The catalog code behind the failure, and the claims the log line names. */
      catalogCode?: ErrorCode;
      claims?: readonly string[];
    }
  | { status: 'expired' }
  | { status: 'throws'; code: ErrorCode }
  /** An unexpected exception: a masked 500, the session failed with err_internal. */
  | { status: 'crashes' }
  /** idgate unavailable: 503 with Retry-After, nothing stored. */
  | { status: 'unavailable' };

interface Case {
  readonly identity: string;
  readonly requestedLoa?: number;
  readonly outcome: Outcome;
}

const CASES: readonly Case[] = [
  { identity: 'success', outcome: { status: 'completed', loa: 'max', claims: ASTRID, missingClaims: [] } },
  { identity: 'deny', outcome: { status: 'failed', statusCode: 'err_not_authenticated' } },
  { identity: 'cancel', outcome: { status: 'cancelled', statusCode: 'err_user_cancelled' } },
  { identity: 'timeout', outcome: { status: 'expired' } },
  {
    identity: 'partial',
    outcome: {
      status: 'completed',
      loa: 'max',
      claims: { given_name: 'Bertil', family_name: 'Nordström' },
      missingClaims: ['birthdate', 'nationality', 'email', 'phone_number', 'address'],
    },
  },
  {
    identity: 'low-loa',
    outcome: {
      status: 'completed',
      loa: 2,
      claims: { ...ASTRID, given_name: 'David', family_name: 'Holm', email: 'david.holm@example.org' },
      missingClaims: [],
    },
  },
  { identity: 'low-loa', requestedLoa: 3, outcome: { status: 'failed', statusCode: 'err_loa_not_met' } },
  {
    identity: 'missing-claims',
    outcome: {
      status: 'failed',
      statusCode: 'err_missing_user_data',
      catalogCode: 'VALIDATION_MISSING_USER_DATA',
      claims: ['given_name', 'family_name'],
    },
  },
  {
    identity: 'no-consent',
    outcome: {
      status: 'failed',
      statusCode: 'err_missing_user_data',
      catalogCode: 'VALIDATION_MISSING_USER_DATA',
      claims: ['family_name'],
    },
  },
  {
    identity: 'invalid-data',
    outcome: {
      status: 'failed',
      statusCode: 'err_provider_error',
      catalogCode: 'VALIDATION_INVALID_USER_DATA',
      claims: ['birthdate', 'nationality', 'phone_number'],
    },
  },
  { identity: 'provider-error', outcome: { status: 'throws', code: 'PROVIDER_ERROR' } },
  { identity: 'provider-unavailable', outcome: { status: 'throws', code: 'PROVIDER_UNAVAILABLE' } },
  { identity: 'provider-init-failed', outcome: { status: 'throws', code: 'PROVIDER_INITIALIZATION_FAILED' } },
  { identity: 'provider-auth-failed', outcome: { status: 'throws', code: 'PROVIDER_AUTHENTICATION_FAILED' } },
  { identity: 'provider-bad-response', outcome: { status: 'throws', code: 'PROVIDER_UNEXPECTED_RESPONSE' } },
  { identity: 'provider-misconfigured', outcome: { status: 'throws', code: 'PROVIDER_CONFIGURATION_ERROR' } },
  { identity: 'idgate-internal-error', outcome: { status: 'crashes' } },
  { identity: 'idgate-unavailable', outcome: { status: 'unavailable' } },
];

/** Who ends the session: the provider (its answer), the user (cancel), or idgate (its checks, expiry). */
function actorOf(outcome: Outcome): string {
  if (outcome.status === 'completed') return 'provider';
  if (outcome.status === 'cancelled') return 'user';
  if (outcome.status === 'failed' && outcome.statusCode === 'err_not_authenticated') return 'provider';
  return 'system';
}

interface Body {
  verificationId: string;
  status: string;
  [name: string]: unknown;
}

it('the cases cover every test identity', () => {
  expect([...new Set(CASES.map((entry) => entry.identity))]).toEqual(MOCK_IDENTITIES.map((entry) => entry.identity));
});

describe.each(TEST_DATABASE_KINDS)('mock test identities on %s', (kind) => {
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

  /** How many sessions the app has stored. */
  async function storedSessions(): Promise<number> {
    const rows = await t.app.idgate.database.db
      .selectFrom('verifications')
      .select('id')
      .where('client_id', '=', rest.clientId)
      .execute();
    return rows.length;
  }

  async function read(id: string, app = rest): Promise<Body> {
    const res = await getVerification(t, app.basic, id);
    expect(res.statusCode, res.body).toBe(200);
    return json<Body>(res);
  }

  describe.each(FLOWS)('$providerId ($flowType)', (flow) => {
    it.each(CASES)('$identity (requestedLoa $requestedLoa)', async ({ identity, requestedLoa, outcome }) => {
      const start = clock.now();
      const before = await storedSessions();
      const res = await createVerification(t, rest.basic, {
        providerId: flow.providerId,
        userData: flow.userData(identity),
        ...(requestedLoa === undefined ? {} : { requestedLoa }),
      });

      if (outcome.status === 'throws') {
        const body = expectProblem(res, outcome.code, { instance: '/v1/verifications' });
        const context = body.context as { verificationId: string };
        expect(context).toEqual({
          providerId: flow.providerId,
          testIdentity: identity,
          verificationId: context.verificationId,
        });
        const statusCode = CATALOG[outcome.code].txStatus;
        const failed = await read(context.verificationId);
        expect(failed.status).toBe('failed');
        expect(failed.error).toEqual({
          code: statusCode,
          description: TX_STATUS_DEFINITIONS[statusCode].description,
          catalogCode: outcome.code,
          docUrl: `${TEST_ISSUER}/errors/${outcome.code}`,
        });
        return;
      }

      if (outcome.status === 'crashes') {
        const body = expectProblem(res, 'SYSTEM_INTERNAL_ERROR', { instance: '/v1/verifications' });
        expect(body.detail).toBe(CATALOG.SYSTEM_INTERNAL_ERROR.description);
        expect(res.body).not.toContain('unexpected exception');
        const context = body.context as { verificationId: string };
        expect(context).toEqual({ verificationId: expect.stringMatching(/^vrf_test_[A-Za-z0-9]{24}$/) });
        const crashed = await read(context.verificationId);
        expect(crashed.status).toBe('failed');
        expect(crashed.error).toEqual({
          code: 'err_internal',
          description: TX_STATUS_DEFINITIONS.err_internal.description,
          catalogCode: 'SYSTEM_INTERNAL_ERROR',
          docUrl: `${TEST_ISSUER}/errors/SYSTEM_INTERNAL_ERROR`,
        });
        const events = await eventsOf(t, context.verificationId);
        expect(events.map((event) => [event.from, event.to, event.statusCode, event.actor])).toEqual([
          [null, 'initiated', null, 'app'],
          ['initiated', 'failed', 'err_internal', 'system'],
        ]);
        return;
      }

      if (outcome.status === 'unavailable') {
        const body = expectProblem(res, 'SYSTEM_UNAVAILABLE', { instance: '/v1/verifications' });
        expect(res.headers['retry-after']).toBe(String(CATALOG.SYSTEM_UNAVAILABLE.retryAfter));
        expect(body.detail).toBe(CATALOG.SYSTEM_UNAVAILABLE.description);
        expect(await storedSessions()).toBe(before);
        return;
      }

      expect(res.statusCode, res.body).toBe(201);
      const id = json<Body>(res).verificationId;
      expect(json(res)).toMatchObject({ status: 'pending', flowType: flow.flowType, providerId: flow.providerId });
      expect((await read(id)).status).toBe('pending');
      clock.advance(999);
      expect((await read(id)).status).toBe('pending');
      clock.advance(1);
      expect((await read(id)).status).toBe('authenticating');
      clock.advance(1_000);
      const answered = await read(id);

      switch (outcome.status) {
        case 'completed': {
          const loa = outcome.loa === 'max' ? flow.maxLoa : outcome.loa;
          expect(answered).toEqual({
            verificationId: id,
            status: 'completed',
            providerId: flow.providerId,
            flowType: flow.flowType,
            flowDetails: answered.flowDetails,
            expiresAt: new Date(start.getTime() + 600_000).toISOString(),
            createdAt: start.toISOString(),
            updatedAt: clock.now().toISOString(),
            requestedLoa: requestedLoa ?? null,
            requestedClaims: ALL_CLAIMS,
            verifiedAt: clock.now().toISOString(),
            loa,
            acr: `urn:idgate:loa:${loa}`,
            sub: answered.sub,
            claims: outcome.claims,
            missingClaims: outcome.missingClaims,
            provenance: {
              providerId: flow.providerId,
              issuer: `urn:idgate:sandbox:${flow.providerId}`,
              rawClaims: expect.objectContaining({ testIdentity: identity }),
            },
          });
          expect(answered.sub).toMatch(/^[0-9a-f]{64}$/);
          break;
        }
        case 'failed':
        case 'cancelled':
          expect(answered.status).toBe(outcome.status);
          expect(answered.error).toEqual({
            code: outcome.statusCode,
            description: TX_STATUS_DEFINITIONS[outcome.statusCode].description,
            ...(outcome.catalogCode === undefined
              ? {}
              : { catalogCode: outcome.catalogCode, docUrl: `${TEST_ISSUER}/errors/${outcome.catalogCode}` }),
          });
          if (outcome.catalogCode !== undefined) {
            // The log names the code and the offending claims, never their values.
            const line = t.logs.find((entry) => entry.verification_id === id && entry.msg === 'provider data refused');
            expect(line).toMatchObject({ level: 'info', code: outcome.catalogCode, provider_id: flow.providerId });
            expect([...((line?.claims as string[] | undefined) ?? [])].sort()).toEqual(
              [...(outcome.claims ?? [])].sort(),
            );
            expect(JSON.stringify(line)).not.toMatch(/Lindqvist|Astrid|2099|\+46/);
          }
          expect(answered).not.toHaveProperty('claims');
          expect(answered).not.toHaveProperty('loa');
          break;
        case 'expired': {
          expect(answered.status).toBe('authenticating');
          clock.advance(600_000);
          expect(await read(id)).toMatchObject({ status: 'expired', error: { code: 'err_session_expired' } });
          break;
        }
      }

      const events = await eventsOf(t, id);
      expect(events.slice(0, 3).map((event) => [event.from, event.to])).toEqual([
        [null, 'initiated'],
        ['initiated', 'pending'],
        ['pending', 'authenticating'],
      ]);
      expect(events.at(-1)?.to).toBe(outcome.status);
      expect(events.at(-1)?.actor).toBe(actorOf(outcome));
      // Let every session of this case end before the next one starts.
      clock.advance(600_000);
    });
  });

  it('the subject is pairwise: stable for the same person and app, different for another app', async () => {
    async function subjectOf(app: RestApp, providerId: string): Promise<string> {
      const res = await createVerification(t, app.basic, {
        providerId,
        userData: providerId === 'mock-push' ? { personalNumber: 'success' } : { testIdentity: 'success' },
      });
      const id = json<Body>(res).verificationId;
      clock.advance(2_000);
      const body = await read(id, app);
      expect(body.status).toBe('completed');
      return body.sub as string;
    }
    const other = await createRestApp(t);
    const first = await subjectOf(rest, 'mock-qr');
    expect(await subjectOf(rest, 'mock-qr')).toBe(first);
    expect(await subjectOf(other, 'mock-qr')).not.toBe(first);
    expect(await subjectOf(rest, 'mock-push')).not.toBe(first);
  });

  it('mock-qr without a test identity behaves as a scan by success; mock-redirect waits for its screen', async () => {
    const qr = json<Body>(await createVerification(t, rest.basic, { providerId: 'mock-qr' })).verificationId;
    const redirect = json<Body>(
      await createVerification(t, rest.basic, { providerId: 'mock-redirect' }),
    ).verificationId;
    clock.advance(2_000);
    expect((await read(qr)).status).toBe('completed');
    expect((await read(redirect)).status).toBe('pending');
    clock.advance(600_000);
    expect((await read(redirect)).status).toBe('expired');
  });
});
