/**
 * The session state machine (SPEC 4.1): every allowed and every refused transition,
 * written with a version check and recorded with actor and time, on a real database;
 * terminal states never change, even when the check is bypassed.
 */
import {
  IdgateError,
  TERMINAL_TX_STATES,
  TX_STATES,
  TX_STATUS_CODES,
  TX_STATUS_DEFINITIONS,
  TX_TRANSITIONS,
  type TxState,
  type TxStatusCode,
} from '@idgate/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StoredVerification, VerificationsRepository } from '../../src/store/verifications.repository.js';
import { checkTransition, VerificationStateMachine } from '../../src/verification/state-machine.js';
import { newVerificationId } from '../../src/verification/verification.service.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { createRestApp, testClock } from './helpers.js';

/** A status code that ends a session in `state` (for the transitions that need one). */
function statusCodeFor(state: TxState): TxStatusCode | null {
  if (state === 'failed') return 'err_not_authenticated';
  if (state === 'cancelled') return 'err_user_cancelled';
  if (state === 'expired') return 'err_session_expired';
  return null;
}

function expectRefused(thrown: unknown, from: TxState, to: TxState): void {
  expect(thrown).toBeInstanceOf(IdgateError);
  const error = thrown as IdgateError;
  expect(error.code).toBe('SESSION_INVALID_STATUS_TRANSITION');
  expect(error.status).toBe(409);
  expect(error.context).toMatchObject({ status: from, requestedStatus: to });
}

describe('state machine: the transition table', () => {
  for (const from of TX_STATES) {
    for (const to of TX_STATES) {
      const allowed = TX_TRANSITIONS[from].includes(to) || (from === to && !TERMINAL_TX_STATES.has(to));
      it(`${from} → ${to}: ${allowed ? 'allowed' : 'refused'}`, () => {
        let thrown: unknown;
        try {
          checkTransition({ id: 'vrf_test_x', status: from }, to);
        } catch (error) {
          thrown = error;
        }
        if (allowed) expect(thrown).toBeUndefined();
        else expectRefused(thrown, from, to);
      });
    }
  }

  it('every terminal state refuses every state, itself included', () => {
    for (const from of TERMINAL_TX_STATES) {
      for (const to of TX_STATES)
        expect(() => checkTransition({ id: 'vrf_test_x', status: from }, to)).toThrow(IdgateError);
    }
  });
});

describe.each(TEST_DATABASE_KINDS)('state machine: writes on %s', (kind) => {
  let t: TestApp;
  let clientId: string;
  let repository: VerificationsRepository;
  let machine: VerificationStateMachine;
  const clock = testClock();

  beforeAll(async () => {
    t = await createTestApp(kind, { clock: clock.clock });
    clientId = (await createRestApp(t)).clientId;
    repository = new VerificationsRepository(t.app.idgate.database, t.app.idgate.secrets);
    machine = new VerificationStateMachine(repository, clock.clock);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function sessionIn(status: TxState): Promise<StoredVerification> {
    const now = clock.now();
    return repository.insert(
      {
        id: newVerificationId('sandbox'),
        clientId,
        environment: 'sandbox',
        origin: 'rest',
        status,
        statusCode: statusCodeFor(status),
        errorCode: null,
        providerId: 'mock-redirect',
        flowType: 'redirect',
        requestedLoa: null,
        achievedLoa: null,
        requestedClaims: [],
        flowDetails: {},
        redirectUri: null,
        authorizationRequest: null,
        expiresAt: new Date(now.getTime() + 600_000),
        verifiedAt: null,
        userDataCiphertext: null,
        providerStateCiphertext: null,
        resultCiphertext: null,
      },
      [{ from: null, to: status, statusCode: statusCodeFor(status), actor: 'app' }],
      now,
    );
  }

  it('insert returns the session exactly as it is read back, every column and the opened login hint', async () => {
    const now = clock.now();
    const id = newVerificationId('sandbox');
    const inserted = await repository.insert(
      {
        id,
        clientId,
        environment: 'sandbox',
        origin: 'authorize',
        status: 'completed',
        statusCode: null,
        errorCode: null,
        providerId: 'mock-redirect',
        flowType: 'redirect',
        requestedLoa: 2,
        achievedLoa: 3,
        requestedClaims: ['given_name', 'birthdate'],
        flowDetails: { url: 'https://idgate.test/flow/x', nested: { n: 1, list: ['a'] } },
        redirectUri: 'https://app.test/callback',
        authorizationRequest: {
          responseType: 'code',
          redirectUri: 'https://app.test/callback',
          scope: ['openid', 'profile'],
          state: 'st',
          nonce: 'no',
          codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          codeChallengeMethod: 'S256',
          loginHint: '198503072389',
          providerHint: 'mock-redirect',
          requestedLoa: 2,
        },
        expiresAt: new Date(now.getTime() + 600_000),
        verifiedAt: now,
        userDataCiphertext: 'sealed-user-data',
        providerStateCiphertext: 'sealed-provider-state',
        resultCiphertext: 'sealed-result',
      },
      [
        { from: null, to: 'initiated', statusCode: null, actor: 'app' },
        { from: 'initiated', to: 'completed', statusCode: null, actor: 'provider' },
      ],
      now,
    );
    const read = await repository.find(id);
    expect(inserted).toEqual(read);
    expect(Object.keys(inserted)).toEqual(Object.keys(read ?? {}));
    expect(inserted.authorizationRequest?.loginHint).toBe('198503072389');
    expect(inserted).toMatchObject({ version: 1, createdAt: now, updatedAt: now, signInHookState: null });
  });

  for (const from of TX_STATES) {
    for (const to of TX_STATES) {
      if (from === to && !TERMINAL_TX_STATES.has(from)) continue;
      const allowed = TX_TRANSITIONS[from].includes(to);
      it(`${from} → ${to} is ${allowed ? 'written and recorded' : 'refused and nothing is written'}`, async () => {
        const session = await sessionIn(from);
        clock.advance(1_000);
        const statusCode = statusCodeFor(to);
        if (allowed) {
          const written = await machine.apply(session, { to, statusCode, actor: 'provider' });
          expect(written).toMatchObject({ status: to, statusCode, version: session.version + 1 });
          expect(written?.updatedAt).toEqual(clock.now());
          const events = await repository.events(session.id);
          expect(events).toEqual([
            { from: null, to: from, statusCode: statusCodeFor(from), actor: 'app', at: session.createdAt },
            { from, to, statusCode, actor: 'provider', at: clock.now() },
          ]);
        } else {
          let thrown: unknown;
          try {
            await machine.apply(session, { to, statusCode, actor: 'provider' });
          } catch (error) {
            thrown = error;
          }
          expectRefused(thrown, from, to);
          expect(await repository.find(session.id)).toEqual(session);
          expect(await repository.events(session.id)).toHaveLength(1);
        }
      });
    }
  }

  it('a same-state change writes without recording a transition', async () => {
    const session = await sessionIn('pending');
    const written = await machine.apply(session, {
      to: 'pending',
      actor: 'provider',
      changes: { flowDetails: { url: 'https://idgate.test/flow/x' } },
    });
    expect(written).toMatchObject({
      status: 'pending',
      version: 2,
      flowDetails: { url: 'https://idgate.test/flow/x' },
    });
    expect(await repository.events(session.id)).toHaveLength(1);
  });

  it('optimistic concurrency: of two writers that read the same version, exactly one wins', async () => {
    const session = await sessionIn('pending');
    const [cancelled, completed] = await Promise.all([
      machine.apply(session, { to: 'cancelled', statusCode: 'err_user_cancelled', actor: 'user' }),
      machine.apply(session, { to: 'completed', actor: 'provider' }),
    ]);
    const winners = [cancelled, completed].filter((written) => written !== undefined);
    expect(winners).toHaveLength(1);
    const stored = await repository.find(session.id);
    expect(stored?.status).toBe(winners[0]?.status);
    expect(stored?.version).toBe(2);
    expect(await repository.events(session.id)).toHaveLength(2);
  });

  it('a stale version writes nothing', async () => {
    const session = await sessionIn('pending');
    await machine.apply(session, { to: 'authenticating', actor: 'provider' });
    expect(await machine.apply(session, { to: 'completed', actor: 'provider' })).toBeUndefined();
    expect((await repository.find(session.id))?.status).toBe('authenticating');
  });

  it('the database refuses to change a terminal session even when the state machine is bypassed', async () => {
    for (const state of TERMINAL_TX_STATES) {
      const session = await sessionIn(state);
      const written = await repository.update(
        session.id,
        session.version,
        { status: 'pending', flowDetails: { changed: true } },
        { from: state, to: 'pending', statusCode: null, actor: 'system' },
        clock.now(),
      );
      expect(written).toBeUndefined();
      expect(await repository.find(session.id)).toEqual(session);
      expect(await repository.events(session.id)).toHaveLength(1);
    }
  });

  it('a status code must fit the state it ends the session in', async () => {
    const session = await sessionIn('pending');
    await expect(machine.apply(session, { to: 'failed', actor: 'system' })).rejects.toThrow(TypeError);
    await expect(
      machine.apply(session, { to: 'failed', statusCode: 'err_user_cancelled', actor: 'system' }),
    ).rejects.toThrow(TypeError);
    for (const code of TX_STATUS_CODES) {
      const fresh = await sessionIn('pending');
      const state = TX_STATUS_DEFINITIONS[code].state;
      expect(await machine.apply(fresh, { to: state, statusCode: code, actor: 'system' })).toMatchObject({
        status: state,
        statusCode: code,
      });
    }
    expect((await repository.find(session.id))?.status).toBe('pending');
  });
});
