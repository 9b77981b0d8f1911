/**
 * Webhooks (SPEC 4, 6) against a real receiver on 127.0.0.1 that checks every
 * `Idgate-Signature` with the hook secret returned at app creation: every status change
 * of a REST verification and of an `/authorize` transaction arrives, in order, with
 * unique event ids; failures are retried with backoff (time driven by the injected clock
 * and `deliverDue()`), then `failed`; the delivery log shows every attempt; redelivery;
 * several dispatchers sharing the database deliver each event once.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher.js';
import { authorizeUrl, REDIRECT_URI, validParams } from '../authorize/helpers.js';
import { json, type Received, type Receiver, startReceiver } from '../hooks/receiver.js';
import { adminAuth, createTestApp, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { registerSecret } from '../support/leaks.js';

const RETRY_BASE_MS = 1000;
const MAX_ATTEMPTS = 4;

interface EventBody {
  id: string;
  type: string;
  createdAt: string;
  data: {
    verificationId: string;
    clientId: string;
    environment: string;
    origin: string;
    status: string;
    statusCode: string | null;
    previousStatus: string | null;
    providerId: string | null;
    flowType: string | null;
    actor: string;
  };
}

interface DeliveryView {
  eventId: string;
  type: string;
  verificationId: string;
  status: string;
  attemptCount: number;
  nextAttemptAt: string | null;
  lastHttpStatus: number | null;
  lastError: string | null;
  deliveredAt: string | null;
}

describe.each(TEST_DATABASE_KINDS)('webhooks on %s', (kind) => {
  let t: TestApp;
  let receiver: Receiver;
  let now = new Date('2026-11-22T10:00:00.000Z');
  const clock = () => new Date(now.getTime());
  function advance(ms: number): void {
    now = new Date(now.getTime() + ms);
  }

  beforeAll(async () => {
    receiver = await startReceiver();
    receiver.now = clock;
    t = await createTestApp(kind, {
      clock,
      env: {
        IDGATE_WEBHOOK_RETRY_BASE: String(RETRY_BASE_MS),
        IDGATE_WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
        IDGATE_WEBHOOK_TIMEOUT: '2000',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });
  beforeEach(() => {
    receiver.received.length = 0;
    receiver.respond = json(204, {});
  });

  async function createApp(webhookUrl: string | null = receiver.url): Promise<string> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/apps',
      headers: { ...adminAuth(), 'content-type': 'application/json' },
      payload: {
        name: 'Shop',
        type: 'confidential',
        redirectUris: [REDIRECT_URI],
        ...(webhookUrl === null ? {} : { webhookUrl }),
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = JSON.parse(res.body) as { clientId: string; clientSecret: string; hookSecret?: string };
    registerSecret(body.clientSecret);
    registerSecret(body.hookSecret);
    if (webhookUrl !== null) receiver.secret = body.hookSecret;
    return body.clientId;
  }

  async function createRest(clientId: string, testIdentity = 'success') {
    const app = await t.app.idgate.apps.get(clientId);
    return t.app.idgate.verifications.create(app, { providerId: 'mock-redirect', userData: { testIdentity } });
  }

  async function readRest(clientId: string, id: string) {
    return t.app.idgate.verifications.get(await t.app.idgate.apps.get(clientId), id);
  }

  function eventsOf(verificationId: string): { received: Received; body: EventBody }[] {
    return receiver.received
      .map((received) => ({ received, body: JSON.parse(received.rawBody) as EventBody }))
      .filter((entry) => entry.body.data.verificationId === verificationId);
  }

  /** Asserts the received events of a session: the transitions, in order, each signed and unique. */
  function expectTransitions(verificationId: string, clientId: string, expected: [string | null, string][]) {
    const events = eventsOf(verificationId);
    expect(events.map(({ body }) => [body.data.previousStatus, body.data.status])).toEqual(expected);
    expect(new Set(events.map(({ body }) => body.id)).size).toBe(events.length);
    for (const { received, body } of events) {
      expect(received.signatureProblem).toBeUndefined();
      expect(received.signatureValid).toBe(true);
      expect(received.method).toBe('POST');
      expect(received.headers['content-type']).toBe('application/json');
      expect(received.headers['idgate-event-id']).toBe(body.id);
      expect(received.headers['idgate-event-type']).toBe(body.type);
      expect(body.id).toMatch(/^evt_[A-Za-z0-9]{24}$/);
      expect(body.type).toBe(`verification.${body.data.status}`);
      expect(Object.keys(body).sort()).toEqual(['createdAt', 'data', 'id', 'type']);
      expect(Object.keys(body.data).sort()).toEqual(
        [
          'actor',
          'clientId',
          'environment',
          'flowType',
          'origin',
          'previousStatus',
          'providerId',
          'status',
          'statusCode',
          'verificationId',
        ].sort(),
      );
      expect(body.data.clientId).toBe(clientId);
      expect(body.data.environment).toBe('sandbox');
      // No personal data in events.
      expect(received.rawBody).not.toMatch(/given_name|family_name|Astrid|birthdate|claims/);
    }
    return events.map(({ body }) => body);
  }

  async function deliveries(clientId: string, query = ''): Promise<LightMyRequestResponse> {
    return t.app.inject({
      method: 'GET',
      url: `/admin/v1/apps/${clientId}/webhook-deliveries${query}`,
      headers: adminAuth(),
    });
  }

  async function delivery(eventId: string) {
    const res = await t.app.inject({
      method: 'GET',
      url: `/admin/v1/webhook-deliveries/${eventId}`,
      headers: adminAuth(),
    });
    expect(res.statusCode, res.body).toBe(200);
    return JSON.parse(res.body) as DeliveryView & {
      payload: EventBody;
      attempts: {
        attempt: number;
        startedAt: string;
        durationMs: number;
        httpStatus: number | null;
        error: string | null;
      }[];
    };
  }

  it('a REST verification: initiated → pending → authenticating → completed, in order, signed', async () => {
    const clientId = await createApp();
    const created = await createRest(clientId);
    expect(created.status).toBe('pending');
    // The outbox rows were written with the status changes, before any delivery.
    const rows = await t.app.idgate.database.db
      .selectFrom('webhook_events')
      .select(['type', 'status'])
      .where('verification_id', '=', created.id)
      .orderBy('seq')
      .execute();
    expect(rows).toEqual([
      { type: 'verification.initiated', status: 'pending' },
      { type: 'verification.pending', status: 'pending' },
    ]);

    expect(await t.app.idgate.webhooks.deliverDue()).toEqual({ attempted: 2, delivered: 2, retrying: 0, failed: 0 });
    advance(1100);
    expect((await readRest(clientId, created.id)).status).toBe('authenticating');
    await t.app.idgate.webhooks.deliverDue();
    advance(1000);
    expect((await readRest(clientId, created.id)).status).toBe('completed');
    expect(await t.app.idgate.webhooks.deliverDue()).toEqual({ attempted: 1, delivered: 1, retrying: 0, failed: 0 });
    // Nothing is delivered twice.
    expect(await t.app.idgate.webhooks.deliverDue()).toEqual({ attempted: 0, delivered: 0, retrying: 0, failed: 0 });

    const events = expectTransitions(created.id, clientId, [
      [null, 'initiated'],
      ['initiated', 'pending'],
      ['pending', 'authenticating'],
      ['authenticating', 'completed'],
    ]);
    expect(events.map((event) => event.data.origin)).toEqual(['rest', 'rest', 'rest', 'rest']);
    expect(events.at(-1)?.data).toMatchObject({ providerId: 'mock-redirect', flowType: 'redirect', statusCode: null });
    expect(events.at(-1)?.createdAt).toBe(new Date(now.getTime()).toISOString());

    const res = await deliveries(clientId);
    expect(res.statusCode, res.body).toBe(200);
    const page = JSON.parse(res.body) as { data: DeliveryView[]; nextCursor: string | null };
    expect(page.nextCursor).toBeNull();
    expect(page.data.map((entry) => entry.eventId)).toEqual(events.map((event) => event.id).reverse());
    for (const entry of page.data) {
      expect(entry).toMatchObject({ status: 'delivered', attemptCount: 1, nextAttemptAt: null, lastHttpStatus: 204 });
    }
  });

  it('a REST verification the app cancels, and one that fails at the provider', async () => {
    const clientId = await createApp();
    const cancelled = await createRest(clientId);
    await t.app.idgate.verifications.cancelForApp(await t.app.idgate.apps.get(clientId), cancelled.id);
    const failed = await createRest(clientId, 'deny');
    advance(2100);
    expect((await readRest(clientId, failed.id)).status).toBe('failed');
    await t.app.idgate.webhooks.deliverDue();

    const cancelEvents = expectTransitions(cancelled.id, clientId, [
      [null, 'initiated'],
      ['initiated', 'pending'],
      ['pending', 'cancelled'],
    ]);
    expect(cancelEvents.at(-1)?.data).toMatchObject({ actor: 'app', statusCode: null });
    const failEvents = expectTransitions(failed.id, clientId, [
      [null, 'initiated'],
      ['initiated', 'pending'],
      ['pending', 'failed'],
    ]);
    expect(failEvents.at(-1)?.data).toMatchObject({ statusCode: 'err_not_authenticated' });
  });

  it.each([
    ['success', 'completed', null],
    ['deny', 'failed', 'err_not_authenticated'],
    ['cancel', 'cancelled', 'err_user_cancelled'],
  ])('an /authorize transaction (%s): initiated → %s', async (identity, status, statusCode) => {
    const clientId = await createApp();
    const res = await t.app.inject({
      method: 'GET',
      url: authorizeUrl(validParams(clientId, { provider_hint: 'mock-redirect', login_hint: identity })),
    });
    expect(res.statusCode).toBe(302);
    await t.app.idgate.webhooks.deliverDue();
    const verificationId = receiver.received
      .map((received) => JSON.parse(received.rawBody) as EventBody)
      .find((body) => body.data.clientId === clientId)?.data.verificationId;
    expect(verificationId).toMatch(/^vrf_test_/);
    const events = expectTransitions(verificationId as string, clientId, [
      [null, 'initiated'],
      ['initiated', status],
    ]);
    expect(events.map((event) => event.data.origin)).toEqual(['authorize', 'authorize']);
    expect(events.at(-1)?.data.statusCode).toBe(statusCode);
  });

  it('an /authorize transaction that expires: initiated → expired', async () => {
    const clientId = await createApp();
    const res = await t.app.inject({ method: 'GET', url: authorizeUrl(validParams(clientId)) });
    expect(res.statusCode).toBe(303);
    const [row] = await t.app.idgate.database.db
      .selectFrom('verifications')
      .select('id')
      .where('client_id', '=', clientId)
      .execute();
    advance(601_000);
    expect((await t.app.idgate.verifications.getTransaction(row?.id as string)).status).toBe('expired');
    await t.app.idgate.webhooks.deliverDue();
    const events = expectTransitions(row?.id as string, clientId, [
      [null, 'initiated'],
      ['initiated', 'expired'],
    ]);
    expect(events.at(-1)?.data).toMatchObject({ statusCode: 'err_session_expired', actor: 'system' });
  });

  it('an app without a webhook URL: no events', async () => {
    const clientId = await createApp(null);
    await createRest(clientId);
    const rows = await t.app.idgate.database.db
      .selectFrom('webhook_events')
      .select('id')
      .where('client_id', '=', clientId)
      .execute();
    expect(rows).toEqual([]);
  });

  /** An app with one event (an /authorize transaction waiting at the provider choice). */
  async function appWithOneEvent(): Promise<{ clientId: string; eventId: string }> {
    const clientId = await createApp();
    const res = await t.app.inject({ method: 'GET', url: authorizeUrl(validParams(clientId)) });
    expect(res.statusCode).toBe(303);
    const rows = await t.app.idgate.database.db
      .selectFrom('webhook_events')
      .select('id')
      .where('client_id', '=', clientId)
      .execute();
    expect(rows).toHaveLength(1);
    return { clientId, eventId: rows[0]?.id as string };
  }

  it('a receiver failing twice, then answering 200: delivered on attempt 3, after backoff', async () => {
    const { eventId } = await appWithOneEvent();
    let calls = 0;
    receiver.respond = (request, response) => {
      calls++;
      if (calls === 1) return json(500, { error: 'down' })(request, response);
      if (calls === 2) return response.destroy();
      return json(200, { ok: true })(request, response);
    };
    const { webhooks } = t.app.idgate;
    const started = now.getTime();

    expect(await webhooks.deliverDue()).toEqual({ attempted: 1, delivered: 0, retrying: 1, failed: 0 });
    let view = await delivery(eventId);
    expect(view).toMatchObject({
      status: 'pending',
      attemptCount: 1,
      lastHttpStatus: 500,
      lastError: 'answered HTTP 500',
    });
    // Retry 1 waits the base ± 20 %.
    const firstWait = Date.parse(view.nextAttemptAt as string) - started;
    expect(firstWait).toBeGreaterThanOrEqual(RETRY_BASE_MS * 0.8);
    expect(firstWait).toBeLessThanOrEqual(RETRY_BASE_MS * 1.2);
    expect(await webhooks.deliverDue()).toMatchObject({ attempted: 0 });
    advance(RETRY_BASE_MS * 1.2 + 1);

    expect(await webhooks.deliverDue()).toEqual({ attempted: 1, delivered: 0, retrying: 1, failed: 0 });
    view = await delivery(eventId);
    expect(view).toMatchObject({ status: 'pending', attemptCount: 2, lastHttpStatus: null });
    expect(view.lastError).toMatch(/^network error: /);
    // Retry 2 waits twice the base ± 20 %.
    const secondWait = Date.parse(view.nextAttemptAt as string) - now.getTime();
    expect(secondWait).toBeGreaterThanOrEqual(RETRY_BASE_MS * 1.6);
    expect(secondWait).toBeLessThanOrEqual(RETRY_BASE_MS * 2.4);
    advance(RETRY_BASE_MS * 1.6 - 1);
    expect(await webhooks.deliverDue()).toMatchObject({ attempted: 0 });
    advance(RETRY_BASE_MS * 0.8 + 2);

    expect(await webhooks.deliverDue()).toEqual({ attempted: 1, delivered: 1, retrying: 0, failed: 0 });
    view = await delivery(eventId);
    expect(view).toMatchObject({ status: 'delivered', attemptCount: 3, lastHttpStatus: 200, lastError: null });
    expect(view.deliveredAt).toBe(new Date(now.getTime()).toISOString());
    expect(view.attempts.map(({ attempt, httpStatus }) => [attempt, httpStatus])).toEqual([
      [1, 500],
      [2, null],
      [3, 200],
    ]);
    expect(view.attempts[0]?.startedAt).toBe(new Date(started).toISOString());
    for (const attempt of view.attempts) expect(attempt.durationMs).toBeGreaterThanOrEqual(0);
    expect(view.payload.id).toBe(eventId);

    // The same event each time: same id and body, a fresh signature, the attempt number.
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((received) => received.rawBody)).size).toBe(1);
    expect(receiver.received.map((received) => received.headers['idgate-event-id'])).toEqual([
      eventId,
      eventId,
      eventId,
    ]);
    expect(receiver.received.map((received) => received.headers['idgate-delivery-attempt'])).toEqual(['1', '2', '3']);
    expect(receiver.received.every((received) => received.signatureValid)).toBe(true);
    expect(new Set(receiver.received.map((received) => received.signedAt)).size).toBe(3);
  });

  it('a receiver that always fails: failed after the last attempt; redelivery then delivers it', async () => {
    const { clientId, eventId } = await appWithOneEvent();
    receiver.respond = json(503, {});
    const { webhooks } = t.app.idgate;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const run = await webhooks.deliverDue();
      expect(run.attempted).toBe(1);
      expect(run).toMatchObject(attempt < MAX_ATTEMPTS ? { retrying: 1 } : { failed: 1 });
      advance(RETRY_BASE_MS * 2 ** (attempt - 1) * 1.2 + 1);
    }
    advance(24 * 3600 * 1000);
    expect(await webhooks.deliverDue()).toMatchObject({ attempted: 0 });
    let view = await delivery(eventId);
    expect(view).toMatchObject({
      status: 'failed',
      attemptCount: MAX_ATTEMPTS,
      nextAttemptAt: null,
      lastHttpStatus: 503,
    });
    expect(view.attempts.map((attempt) => attempt.error)).toEqual(Array(MAX_ATTEMPTS).fill('answered HTTP 503'));
    const failedOnly = JSON.parse((await deliveries(clientId, '?status=failed')).body) as { data: DeliveryView[] };
    expect(failedOnly.data.map((entry) => entry.eventId)).toEqual([eventId]);

    receiver.respond = json(200, {});
    const res = await t.app.inject({
      method: 'POST',
      url: `/admin/v1/webhook-deliveries/${eventId}/redeliver`,
      headers: adminAuth(),
    });
    expect(res.statusCode, res.body).toBe(202);
    expect(JSON.parse(res.body)).toMatchObject({
      eventId,
      status: 'pending',
      nextAttemptAt: new Date(now.getTime()).toISOString(),
    });
    expect(await webhooks.deliverDue()).toEqual({ attempted: 1, delivered: 1, retrying: 0, failed: 0 });
    view = await delivery(eventId);
    expect(view).toMatchObject({ status: 'delivered', attemptCount: MAX_ATTEMPTS + 1, lastHttpStatus: 200 });
    expect(view.attempts).toHaveLength(MAX_ATTEMPTS + 1);
  });

  it('two dispatchers on one database deliver each event once', async () => {
    const clientId = await createApp();
    const ids: string[] = [];
    for (let index = 0; index < 4; index++) ids.push((await createRest(clientId)).id);
    const { database, apps, config } = t.app.idgate;
    const other = new WebhookDispatcher({ database, apps, config, clock, log: t.app.log });
    const runs = await Promise.all([t.app.idgate.webhooks.deliverDue(), other.deliverDue()]);
    expect(runs.reduce((sum, run) => sum + run.delivered, 0)).toBe(8);
    expect(receiver.received).toHaveLength(8);
    for (const id of ids) {
      expectTransitions(id, clientId, [
        [null, 'initiated'],
        ['initiated', 'pending'],
      ]);
    }
  });

  it('a claim is a lease: others cannot take the event until it ends, and a lost lease writes nothing', async () => {
    const { eventId } = await appWithOneEvent();
    const events = t.app.idgate.webhooks.events;
    const leaseUntil = new Date(now.getTime() + 40_000);
    const [claimed] = await events.claimDue(clock(), leaseUntil, 'instance-a', 10);
    expect(claimed?.id).toBe(eventId);
    expect(await events.claimDue(clock(), leaseUntil, 'instance-b', 10)).toEqual([]);
    expect(await t.app.idgate.webhooks.deliverDue()).toMatchObject({ attempted: 0 });
    advance(40_000);
    const [reclaimed] = await events.claimDue(clock(), new Date(now.getTime() + 40_000), 'instance-b', 10);
    expect(reclaimed?.id).toBe(eventId);
    const attempt = { attempt: 1, startedAt: clock(), durationMs: 5, httpStatus: 200, error: null };
    const result = { attempt, status: 'delivered' as const, nextAttemptAt: clock(), retryCount: 1, now: clock() };
    expect(await events.finishAttempt(eventId, 'instance-a', result)).toBe(false);
    expect((await delivery(eventId)).status).toBe('pending');
    expect(await events.finishAttempt(eventId, 'instance-b', result)).toBe(true);
    expect((await delivery(eventId)).status).toBe('delivered');
  });

  it('the OpenAPI document lists the delivery log routes', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const paths = (JSON.parse(res.body) as { paths: Record<string, Record<string, { responses: object }>> }).paths;
    expect(Object.keys(paths['/admin/v1/apps/{clientId}/webhook-deliveries']?.get?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '400', '401', '404']),
    );
    expect(Object.keys(paths['/admin/v1/webhook-deliveries/{eventId}']?.get?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '404']),
    );
    expect(Object.keys(paths['/admin/v1/webhook-deliveries/{eventId}/redeliver']?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(['202', '404']),
    );
  });

  it('the delivery log: filters, pages, and problem+json errors', async () => {
    const clientId = await createApp();
    const first = await createRest(clientId);
    await createRest(clientId);
    await t.app.idgate.webhooks.deliverDue();

    const byVerification = JSON.parse((await deliveries(clientId, `?verificationId=${first.id}`)).body) as {
      data: DeliveryView[];
    };
    expect(byVerification.data.map((entry) => entry.type)).toEqual(['verification.pending', 'verification.initiated']);

    const pageOne = JSON.parse((await deliveries(clientId, '?limit=3')).body) as {
      data: DeliveryView[];
      nextCursor: string;
    };
    expect(pageOne.data).toHaveLength(3);
    expect(typeof pageOne.nextCursor).toBe('string');
    const pageTwo = JSON.parse((await deliveries(clientId, `?limit=3&after=${pageOne.nextCursor}`)).body) as {
      data: DeliveryView[];
      nextCursor: string | null;
    };
    expect(pageTwo.data).toHaveLength(1);
    expect(pageTwo.nextCursor).toBeNull();
    expect(pageTwo.data[0]?.verificationId).toBe(first.id);
    expect(pageTwo.data[0]?.type).toBe('verification.initiated');

    expectProblem(await deliveries('test_unknownclient000000000'), 'RESOURCE_NOT_FOUND');
    expectProblem(await deliveries(clientId, '?status=lost'), 'VALIDATION_INVALID_PARAMETER');
    expectProblem(await deliveries(clientId, '?limit=0'), 'VALIDATION_INVALID_PARAMETER');
    expectProblem(await deliveries(clientId, '?after=abc'), 'VALIDATION_INVALID_PARAMETER');
    const unknown = await t.app.inject({
      method: 'GET',
      url: '/admin/v1/webhook-deliveries/evt_unknown',
      headers: adminAuth(),
    });
    expectProblem(unknown, 'RESOURCE_NOT_FOUND');
    const redeliverUnknown = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/webhook-deliveries/evt_unknown/redeliver',
      headers: adminAuth(),
    });
    expectProblem(redeliverUnknown, 'RESOURCE_NOT_FOUND');
    const unauthenticated = await t.app.inject({ method: 'GET', url: `/admin/v1/apps/${clientId}/webhook-deliveries` });
    expectProblem(unauthenticated, 'AUTH_MISSING_CREDENTIALS');
  });
});
