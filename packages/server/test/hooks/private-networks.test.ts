/**
 * `IDGATE_OUTBOUND_PRIVATE_NETWORKS=deny` at delivery time, through the whole app: a hook
 * or webhook URL that passed registration (a public name) but now names a host resolving
 * to loopback (set in the database directly, as DNS could change under a registered
 * name) is never called. The sign-in hook is then unavailable
 * (`temporarily_unavailable` / `err_signin_hook_unavailable`); the webhook attempt is
 * recorded as refused and retried, then failed, like a network error. With `allow` the
 * same receiver gets the POST.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authorizeUrl, REDIRECT_URI, validParams } from '../authorize/helpers.js';
import { adminAuth, createTestApp, type TestApp } from '../support/app.js';
import { expectAuthorizeRedirectError } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { registerSecret } from '../support/leaks.js';
import { json, type Receiver, startReceiver } from './receiver.js';

const RETRY_BASE_MS = 1000;
const REFUSED = /^address refused: localhost resolves to (127\.0\.0\.1|::1), which is not a public address$/;

describe.each(TEST_DATABASE_KINDS)('private networks refused at delivery on %s', (kind) => {
  let deny: TestApp;
  let allow: TestApp;
  let receiver: Receiver;
  let now = new Date('2026-11-22T10:00:00.000Z');
  const clock = () => new Date(now.getTime());

  beforeAll(async () => {
    receiver = await startReceiver();
    receiver.now = clock;
    const env = {
      IDGATE_SIGNIN_HOOK_TIMEOUT: '1000',
      IDGATE_WEBHOOK_RETRY_BASE: String(RETRY_BASE_MS),
      IDGATE_WEBHOOK_MAX_ATTEMPTS: '2',
      IDGATE_WEBHOOK_TIMEOUT: '1000',
    };
    [deny, allow] = await Promise.all([
      createTestApp(kind, { clock, env: { ...env, IDGATE_OUTBOUND_PRIVATE_NETWORKS: 'deny' } }),
      createTestApp(kind, { clock, env }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([deny?.close(), allow?.close()]);
    await receiver?.close();
  });
  beforeEach(() => {
    receiver.received.length = 0;
    receiver.respond = json(200, { allow: true });
  });

  /** An app registered with a public hook name, whose URL then points at the loopback receiver. */
  async function appPointingInside(t: TestApp, field: 'signInHookUrl' | 'webhookUrl'): Promise<string> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/apps',
      headers: adminAuth(),
      payload: {
        name: 'Rebound',
        type: 'confidential',
        redirectUris: [REDIRECT_URI],
        [field]: 'https://hooks.example.com/x',
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = JSON.parse(res.body) as { clientId: string; clientSecret: string; hookSecret: string };
    registerSecret(body.clientSecret);
    registerSecret(body.hookSecret);
    receiver.secret = body.hookSecret;
    const inside = `http://localhost:${new URL(receiver.url).port}/hook`;
    const column = field === 'signInHookUrl' ? 'sign_in_hook_url' : 'webhook_url';
    const updated = await t.app.idgate.database.db
      .updateTable('apps')
      .set({ [column]: inside })
      .where('client_id', '=', body.clientId)
      .executeTakeFirst();
    expect(Number(updated.numUpdatedRows)).toBe(1);
    expect((await t.app.idgate.apps.get(body.clientId))[field]).toBe(inside);
    return body.clientId;
  }

  async function signIn(t: TestApp, clientId: string) {
    return t.app.inject({
      method: 'GET',
      url: authorizeUrl(validParams(clientId, { provider_hint: 'mock-redirect', login_hint: 'success' })),
    });
  }

  it('deny: the sign-in hook is not called, and the app gets err_signin_hook_unavailable', async () => {
    const clientId = await appPointingInside(deny, 'signInHookUrl');
    const res = await signIn(deny, clientId);
    const query = expectAuthorizeRedirectError(res, 'err_signin_hook_unavailable', {
      redirectUri: REDIRECT_URI,
      state: 'st-123',
    });
    expect(query.get('error')).toBe('temporarily_unavailable');
    expect(receiver.received).toHaveLength(0);
    const line = deny.logs.find((entry) => entry.msg === 'sign-in hook' && entry.client_id === clientId);
    expect(line).toMatchObject({ level: 'warn', hook_outcome: 'unavailable' });
    expect(line?.hook_reason).toMatch(REFUSED);
  });

  it('allow: the same hook is called and the sign-in completes', async () => {
    const clientId = await appPointingInside(allow, 'signInHookUrl');
    const res = await signIn(allow, clientId);
    expect(res.statusCode).toBe(302);
    expect(new URL(res.headers.location as string).searchParams.get('code')).toMatch(/.+/);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.signatureValid).toBe(true);
  });

  it('deny: webhook attempts are recorded as refused, retried, then failed; nothing is sent', async () => {
    const clientId = await appPointingInside(deny, 'webhookUrl');
    const app = await deny.app.idgate.apps.get(clientId);
    const created = await deny.app.idgate.verifications.create(app, {
      providerId: 'mock-redirect',
      userData: { testIdentity: 'success' },
    });
    // Events of one session go in order: the second waits while the first is retried.
    expect(await deny.app.idgate.webhooks.deliverDue()).toEqual({ attempted: 1, delivered: 0, retrying: 1, failed: 0 });
    const events = await deny.app.idgate.database.db
      .selectFrom('webhook_events')
      .select(['id', 'status', 'attempt_count'])
      .where('verification_id', '=', created.id)
      .orderBy('seq')
      .execute();
    expect(events.map((event) => [event.status, Number(event.attempt_count)])).toEqual([
      ['pending', 1],
      ['pending', 0],
    ]);
    const first = events[0]?.id as string;
    const view = await deny.app.inject({
      method: 'GET',
      url: `/admin/v1/webhook-deliveries/${first}`,
      headers: adminAuth(),
    });
    expect(view.statusCode, view.body).toBe(200);
    const delivery = JSON.parse(view.body) as {
      status: string;
      lastHttpStatus: number | null;
      lastError: string;
      nextAttemptAt: string | null;
      attempts: { httpStatus: number | null; error: string }[];
    };
    expect(delivery).toMatchObject({ status: 'pending', lastHttpStatus: null });
    expect(Date.parse(delivery.nextAttemptAt ?? '')).toBeGreaterThan(now.getTime());
    expect(delivery.lastError).toMatch(REFUSED);
    expect(delivery.attempts).toHaveLength(1);
    expect(delivery.attempts[0]?.error).toMatch(REFUSED);
    const line = deny.logs.find((entry) => entry.msg === 'webhook delivery' && entry.event_id === first);
    expect(line).toMatchObject({ level: 'warn', delivery_status: 'pending' });
    expect(line?.delivery_error).toMatch(REFUSED);

    // The second (last) attempt fails the first event for good; the second event is then tried.
    now = new Date(now.getTime() + 10 * RETRY_BASE_MS);
    expect(await deny.app.idgate.webhooks.deliverDue()).toEqual({ attempted: 2, delivered: 0, retrying: 1, failed: 1 });
    now = new Date(now.getTime() + 10 * RETRY_BASE_MS);
    expect(await deny.app.idgate.webhooks.deliverDue()).toEqual({ attempted: 1, delivered: 0, retrying: 0, failed: 1 });
    const after = await deny.app.idgate.database.db
      .selectFrom('webhook_events')
      .select(['status', 'attempt_count'])
      .where('verification_id', '=', created.id)
      .orderBy('seq')
      .execute();
    expect(after.map((event) => [event.status, Number(event.attempt_count)])).toEqual([
      ['failed', 2],
      ['failed', 2],
    ]);
    expect(receiver.received).toHaveLength(0);
  });

  it('allow: the same webhook receiver gets the events', async () => {
    const clientId = await appPointingInside(allow, 'webhookUrl');
    receiver.respond = json(204, {});
    const app = await allow.app.idgate.apps.get(clientId);
    await allow.app.idgate.verifications.create(app, {
      providerId: 'mock-redirect',
      userData: { testIdentity: 'success' },
    });
    expect(await allow.app.idgate.webhooks.deliverDue()).toEqual({
      attempted: 2,
      delivered: 2,
      retrying: 0,
      failed: 0,
    });
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received.every((call) => call.signatureValid)).toBe(true);
  });
});
