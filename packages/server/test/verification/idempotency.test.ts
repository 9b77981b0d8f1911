/**
 * `Idempotency-Key` on `POST /v1/verifications` (SPEC 4): replay, conflicts (another body,
 * a request still running), errors not replayed, per-app keys, 24-hour expiry.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDEMPOTENCY_LEASE_SECONDS } from '../../src/rest/idempotency.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { createRestApp, createVerification, json, type RestApp, testClock } from './helpers.js';

describe.each(TEST_DATABASE_KINDS)('Idempotency-Key on %s', (kind) => {
  let t: TestApp;
  let rest: RestApp;
  const clock = testClock();
  /** Requests with `x-test-gate` wait in `onSend` (after their handler ran) until released. */
  let gate: { arrived: () => void; wait: Promise<void> } | undefined;

  beforeAll(async () => {
    t = await createTestApp(kind, {
      clock: clock.clock,
      routes(app) {
        app.addHook('onSend', async function holdGatedResponse(request, _reply, payload) {
          if (request.headers['x-test-gate'] !== undefined && gate) {
            gate.arrived();
            await gate.wait;
          }
          return payload;
        });
      },
    });
    rest = await createRestApp(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function post(key: string | undefined, payload: unknown, app = rest, headers: Record<string, string> = {}) {
    return createVerification(t, app.basic, payload, {
      ...(key === undefined ? {} : { 'idempotency-key': key }),
      ...headers,
    });
  }

  async function count(clientId = rest.clientId): Promise<number> {
    const rows = await t.app.idgate.database.db
      .selectFrom('verifications')
      .select('id')
      .where('client_id', '=', clientId)
      .execute();
    return rows.length;
  }

  function expectReplay(replayed: LightMyRequestResponse, original: LightMyRequestResponse): void {
    expect(replayed.statusCode).toBe(original.statusCode);
    expect(replayed.body).toBe(original.body);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.headers.location).toBe(original.headers.location);
    expect(replayed.headers['content-type']).toBe(original.headers['content-type']);
    expect(replayed.headers['cache-control']).toBe('no-store');
    expect(original.headers['idempotent-replayed']).toBeUndefined();
  }

  it('the same key and body: the stored 201 again, with Idempotent-Replayed; one session only', async () => {
    const before = await count();
    const first = await post('order-1001', { providerId: 'mock-qr', requestedClaims: ['email', 'given_name'] });
    expect(first.statusCode, first.body).toBe(201);
    clock.advance(5_000);
    const again = await post('order-1001', { requestedClaims: ['email', 'given_name'], providerId: 'mock-qr' });
    expectReplay(again, first);
    expect(await count()).toBe(before + 1);
  });

  it('the same key with another body: 409 RESOURCE_CONFLICT', async () => {
    const first = await post('order-1002', { providerId: 'mock-qr' });
    expect(first.statusCode).toBe(201);
    const other = await post('order-1002', { providerId: 'mock-redirect' });
    const body = expectProblem(other, 'RESOURCE_CONFLICT', { instance: '/v1/verifications' });
    expect(body.detail).toBe(
      'This Idempotency-Key was used with a different request; use a new key for a new request.',
    );
    expect(body.context).toEqual({ idempotencyKey: 'order-1002' });
    expect(other.headers['idempotent-replayed']).toBeUndefined();
  });

  it('the same key while the first request is still running: 409 RESOURCE_CONFLICT; then the replay', async () => {
    let arrived!: () => void;
    let release!: () => void;
    const reached = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    gate = { arrived, wait: new Promise<void>((resolve) => (release = resolve)) };
    try {
      const before = await count();
      const pending = post('order-1003', { providerId: 'mock-qr' }, rest, { 'x-test-gate': '1' });
      await reached;
      const concurrent = await post('order-1003', { providerId: 'mock-qr' });
      const body = expectProblem(concurrent, 'RESOURCE_CONFLICT');
      const startedAt = clock.now().toISOString();
      const leaseEnd = new Date(clock.now().getTime() + IDEMPOTENCY_LEASE_SECONDS * 1000).toISOString();
      expect(body.detail).toBe(
        `A request with this Idempotency-Key is in flight (started ${startedAt}); retry after it finished. ` +
          `If it never finishes, the key is free again from ${leaseEnd}.`,
      );
      expect(body.context).toEqual({ idempotencyKey: 'order-1003', inFlightUntil: leaseEnd });
      expect(concurrent.headers['retry-after']).toBe(String(IDEMPOTENCY_LEASE_SECONDS));
      const differentWhileRunning = await post('order-1003', { providerId: 'mock-redirect' });
      expectProblem(differentWhileRunning, 'RESOURCE_CONFLICT');
      release();
      const first = await pending;
      expect(first.statusCode, first.body).toBe(201);
      expectReplay(await post('order-1003', { providerId: 'mock-qr' }), first);
      expect(await count()).toBe(before + 1);
    } finally {
      release();
      gate = undefined;
    }
  });

  it('an error is not stored: the same key retries for real', async () => {
    const failed = await post('order-1004', {
      providerId: 'mock-qr',
      userData: { testIdentity: 'provider-unavailable' },
    });
    const firstId = (expectProblem(failed, 'PROVIDER_UNAVAILABLE').context as { verificationId: string })
      .verificationId;
    const retried = await post('order-1004', {
      providerId: 'mock-qr',
      userData: { testIdentity: 'provider-unavailable' },
    });
    const secondId = (expectProblem(retried, 'PROVIDER_UNAVAILABLE').context as { verificationId: string })
      .verificationId;
    expect(secondId).not.toBe(firstId);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();

    const refused = await post('order-1005', { providerId: 'mock-qr', requestedLoa: 5 });
    expectProblem(refused, 'VALIDATION_UNPROCESSABLE');
    const fixed = await post('order-1005', { providerId: 'mock-qr', requestedLoa: 3 });
    expect(fixed.statusCode, fixed.body).toBe(201);
  });

  it('keys belong to one app: another app with the same key gets its own session', async () => {
    const other = await createRestApp(t);
    const mine = await post('shared-key', { providerId: 'mock-qr' });
    const theirs = await post('shared-key', { providerId: 'mock-qr' }, other);
    expect(theirs.statusCode, theirs.body).toBe(201);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(json(theirs).verificationId).not.toBe(json(mine).verificationId);
  });

  it('a key is kept 24 hours', async () => {
    const first = await post('order-1006', { providerId: 'mock-qr' });
    clock.advance(24 * 3600 * 1000 - 1);
    expectReplay(await post('order-1006', { providerId: 'mock-qr' }), first);
    clock.advance(1);
    const fresh = await post('order-1006', { providerId: 'mock-qr' });
    expect(fresh.statusCode, fresh.body).toBe(201);
    expect(fresh.headers['idempotent-replayed']).toBeUndefined();
    expect(json(fresh).verificationId).not.toBe(json(first).verificationId);
  });

  it('a malformed key: 400 VALIDATION_INVALID_PARAMETER, nothing created', async () => {
    const before = await count();
    for (const key of ['two words', 'x'.repeat(256), 'naïve']) {
      const body = expectProblem(await post(key, { providerId: 'mock-qr' }), 'VALIDATION_INVALID_PARAMETER');
      expect(body.context).toMatchObject({ fields: [{ name: 'header.idempotency-key', pointer: '/idempotency-key' }] });
    }
    const longest = await post('k'.repeat(255), { providerId: 'mock-qr' });
    expect(longest.statusCode, longest.body).toBe(201);
    expect(await count()).toBe(before + 1);
  });

  it('authentication comes first: a key without credentials is 401', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/verifications',
      headers: { 'idempotency-key': 'two words' },
      payload: { providerId: 'mock-qr' },
    });
    expectProblem(res, 'AUTH_MISSING_CREDENTIALS');
  });
});
