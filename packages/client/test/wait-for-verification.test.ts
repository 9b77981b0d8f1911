/**
 * `IdgateClient.waitForVerification` against a real idgate listening on 127.0.0.1
 * (SQLite and PostgreSQL): it reads the session until it ends and answers the final
 * session — `mock-qr` completes ~2 s after its start, a `mock-redirect` session nobody
 * answers expires after 10 minutes — with the reads spaced as documented (2 s growing by
 * half to 10 s, never past `expiresAt`, at least a `Retry-After` apart), a timeout and an
 * abort as typed rejections, and non-transient errors at once. Time is an injected clock:
 * every wait the SDK asks for moves the server's clock and the SDK's together.
 */
import type { AddressInfo } from 'node:net';
import { IdgateError, renderProblem } from '@idgate/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_ISSUER, type TestApp } from '../../server/test/support/app.js';
import { TEST_DATABASE_KINDS } from '../../server/test/support/databases.js';
import { registerSecret } from '../../server/test/support/leaks.js';
import {
  IdgateApiError,
  IdgateClient,
  type IdgateClientSettings,
  IdgateWaitTimeoutError,
  type Verification,
} from '../src/index.js';

const T0 = Date.parse('2026-11-22T10:30:00.000Z');

describe.each(TEST_DATABASE_KINDS)('waitForVerification against a real idgate on %s', (kind) => {
  let t: TestApp;
  let baseUrl: string;
  let now = T0;
  let credentials: { clientId: string; clientSecret: string };

  /** Waits recorded instead of slept; each moves the clock of idgate and of the SDK. */
  function clockedSleep() {
    const delays: number[] = [];
    return {
      delays,
      sleep: async (ms: number) => {
        delays.push(ms);
        now += ms;
      },
      now: () => now,
    };
  }

  function client(settings: Partial<IdgateClientSettings> = {}): IdgateClient {
    return new IdgateClient({ baseUrl, ...credentials, ...settings });
  }

  beforeAll(async () => {
    t = await createTestApp(kind, { clock: () => new Date(now) });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const created = await t.app.idgate.apps.create({
      name: 'Waiting app',
      type: 'confidential',
      redirectUris: ['https://shop.example/callback'],
      scopes: ['verifications', 'providers'],
    });
    credentials = { clientId: created.app.clientId, clientSecret: created.clientSecret as string };
    registerSecret(credentials.clientSecret);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers the completed session of mock-qr, reporting each change of status', async () => {
    const clock = clockedSleep();
    const sdk = client(clock);
    const created = await sdk.createVerification({ providerId: 'mock-qr', userData: { testIdentity: 'success' } });
    const seen: string[] = [];
    const done = await sdk.waitForVerification(created.verificationId, {
      timeoutMs: 60_000,
      onUpdate: (verification) => {
        seen.push(verification.status);
      },
    });
    expect(done.status).toBe('completed');
    expect(done.verificationId).toBe(created.verificationId);
    expect(done.claims?.given_name).toBe('Astrid');
    expect(done.loa).toBe(3);
    expect(seen).toEqual(['pending', 'completed']);
    // Read at once (pending), then 2 s later: the mock user has answered.
    expect(clock.delays).toEqual([2000]);
  });

  it('answers at once, without waiting, a session that has already ended', async () => {
    const clock = clockedSleep();
    const sdk = client(clock);
    const created = await sdk.createVerification({ providerId: 'mock-qr', userData: { testIdentity: 'deny' } });
    now += 3000;
    const done = await sdk.waitForVerification(created.verificationId);
    expect([done.status, done.error?.code]).toEqual(['failed', 'err_not_authenticated']);
    expect(clock.delays).toEqual([]);
  });

  it('times out with IdgateWaitTimeoutError and the last session read; reads 2 s apart, growing by half', async () => {
    const clock = clockedSleep();
    const sdk = client(clock);
    const created = await sdk.createVerification({
      providerId: 'mock-redirect',
      redirectUri: 'https://shop.example/callback',
    });
    const started = now;
    const error = await sdk.waitForVerification(created.verificationId, { timeoutMs: 20_000 }).catch((e) => e);
    expect(error).toBeInstanceOf(IdgateWaitTimeoutError);
    const timeout = error as IdgateWaitTimeoutError;
    expect(timeout.verificationId).toBe(created.verificationId);
    expect(timeout.timeoutMs).toBe(20_000);
    expect(timeout.lastVerification?.status).toBe('pending');
    expect(timeout.message).toContain('still pending');
    // 2000, 3000, 4500, 6750, then what is left of the 20 s: one last read at the deadline.
    expect(clock.delays).toEqual([2000, 3000, 4500, 6750, 3750]);
    expect(now - started).toBe(20_000);
  });

  it('ends with the session when it expires: the last read is just after expiresAt', async () => {
    const clock = clockedSleep();
    const sdk = client(clock);
    const created = await sdk.createVerification({
      providerId: 'mock-redirect',
      redirectUri: 'https://shop.example/callback',
    });
    const seen: string[] = [];
    const done = await sdk.waitForVerification(created.verificationId, {
      timeoutMs: 30 * 60_000,
      onUpdate: (verification: Verification) => {
        seen.push(verification.status);
      },
    });
    expect([done.status, done.error?.code]).toEqual(['expired', 'err_session_expired']);
    expect(seen).toEqual(['pending', 'expired']);
    expect(Math.max(...clock.delays)).toBe(10_000);
    // The read after the last full interval comes 1 s after expiresAt, not up to 10 s later.
    expect(now).toBe(Date.parse(created.expiresAt) + 1000);
  });

  it('keeps waiting through a 503 the read gave up on, at least its Retry-After later', async () => {
    const clock = clockedSleep();
    let reads = 0;
    const unavailableOnce: typeof fetch = async (input, init) => {
      reads++;
      if (reads !== 2) return fetch(input, init);
      const rendered = renderProblem(new IdgateError('SYSTEM_UNAVAILABLE'), {
        issuer: TEST_ISSUER,
        requestId: 'wait-503',
        instance: '/v1/verifications/x',
      });
      return new Response(JSON.stringify(rendered.body), {
        status: rendered.status,
        headers: { ...rendered.headers, 'retry-after': '7' },
      });
    };
    const sdk = client({ ...clock, fetch: unavailableOnce, retry: { maxAttempts: 1 } });
    const created = await sdk.createVerification({ providerId: 'mock-qr', userData: { testIdentity: 'success' } });
    reads = 0;
    const done = await sdk.waitForVerification(created.verificationId);
    expect(done.status).toBe('completed');
    // Read 1 pending; read 2 answered 503 Retry-After: 7, so read 3 waits 7 s, not 3 s.
    expect(clock.delays).toEqual([2000, 7000]);
    expect(reads).toBe(3);
  });

  it('rejects at once on an error that is not transient (unknown id)', async () => {
    const clock = clockedSleep();
    const error = await client(clock)
      .waitForVerification('vrf_test_000000000000000000000000')
      .catch((e) => e);
    expect(error).toBeInstanceOf(IdgateApiError);
    expect([(error as IdgateApiError).status, (error as IdgateApiError).code]).toEqual([
      404,
      'SESSION_VERIFICATION_NOT_FOUND',
    ]);
    expect(clock.delays).toEqual([]);
  });

  it('an error of onUpdate ends the wait with that error, as is', async () => {
    const clock = clockedSleep();
    const sdk = client(clock);
    const created = await sdk.createVerification({ providerId: 'mock-qr', userData: { testIdentity: 'success' } });
    const mine = new Error('the app could not record it');
    await expect(
      sdk.waitForVerification(created.verificationId, {
        onUpdate: () => {
          throw mine;
        },
      }),
    ).rejects.toBe(mine);
    expect(clock.delays).toEqual([]);
  });

  it('an abort rejects with the reason as is, during a wait or before the first read', async () => {
    const sdk = client();
    const created = await sdk.createVerification({
      providerId: 'mock-redirect',
      redirectUri: 'https://shop.example/callback',
    });
    const controller = new AbortController();
    const reason = new Error('the user left');
    const waiting = sdk.waitForVerification(created.verificationId, {
      signal: controller.signal,
      intervalMs: 60_000,
      onUpdate: () => {
        setTimeout(() => controller.abort(reason), 20);
      },
    });
    const started = Date.now();
    await expect(waiting).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(sdk.waitForVerification(created.verificationId, { signal: AbortSignal.abort(reason) })).rejects.toBe(
      reason,
    );
    await expect(sdk.waitForVerification(created.verificationId, { timeoutMs: 0 })).rejects.toThrow(TypeError);
  });
});
