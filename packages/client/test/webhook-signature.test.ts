/**
 * `verifyIdgateSignature` against what idgate really signs: webhook deliveries and a
 * sign-in hook call of a real idgate, received by a real HTTP receiver on 127.0.0.1 with
 * their raw bodies (as string and as bytes); then the ways a signature must fail —
 * tampered body, wrong secret, stale and future timestamps, malformed headers — and
 * several `v1` values during a rotation, each case also put to the server's own check
 * (`signatureProblem`), so the SDK and the server agree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureHeaderValue, signatureOf, signatureProblem } from '../../server/src/hooks/signature.js';
import { authorizeUrl, REDIRECT_URI, validParams } from '../../server/test/authorize/helpers.js';
import { json, type Received, type Receiver, startReceiver } from '../../server/test/hooks/receiver.js';
import { adminAuth, createTestApp, type TestApp } from '../../server/test/support/app.js';
import { TEST_DATABASE_KINDS } from '../../server/test/support/databases.js';
import { registerSecret } from '../../server/test/support/leaks.js';
import {
  IdgateSignatureError,
  type SignatureFailure,
  type VerifyIdgateSignatureOptions,
  verifyIdgateSignature,
  type WebhookEvent,
} from '../src/index.js';

async function failureOf(options: VerifyIdgateSignatureOptions): Promise<SignatureFailure> {
  try {
    await verifyIdgateSignature(options);
  } catch (error) {
    expect(error).toBeInstanceOf(IdgateSignatureError);
    return (error as IdgateSignatureError).reason;
  }
  throw new Error('expected the signature to be refused');
}

/** The server's verdict on the same input, for comparison. */
function serverVerdict(header: string | undefined, body: string, secret: string, now: Date, toleranceSeconds = 300) {
  return signatureProblem(header, body, secret, { now, toleranceSeconds }) ?? 'ok';
}

describe.each(TEST_DATABASE_KINDS)('verifyIdgateSignature against a real idgate on %s', (kind) => {
  let t: TestApp;
  let receiver: Receiver;
  let secret: string;
  let delivery: Received;
  let hookCall: Received;

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await createTestApp(kind, { env: { IDGATE_WEBHOOK_POLL_INTERVAL: '0' } });
    const created = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/apps',
      headers: adminAuth(),
      payload: {
        name: 'Signed',
        type: 'confidential',
        redirectUris: [REDIRECT_URI],
        webhookUrl: receiver.url,
        signInHookUrl: receiver.url,
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const body = JSON.parse(created.body) as { clientId: string; clientSecret: string; hookSecret: string };
    registerSecret(body.clientSecret);
    registerSecret(body.hookSecret);
    secret = body.hookSecret;
    receiver.secret = secret;
    receiver.respond = json(200, { allow: true });
    // A sign-in hook call, then the webhooks of that transaction.
    const authorize = await t.app.inject({
      method: 'GET',
      url: authorizeUrl(validParams(body.clientId, { provider_hint: 'mock-redirect', login_hint: 'success' })),
    });
    expect(authorize.statusCode, authorize.body).toBe(302);
    await t.app.idgate.webhooks.deliverDue();
    const calls = receiver.received.filter((received) => received.signatureValid);
    hookCall = calls.find((received) => received.rawBody.includes('"event":"signin"')) as Received;
    delivery = calls.find((received) => received.headers['idgate-event-id'] !== undefined) as Received;
    expect(hookCall).toBeDefined();
    expect(delivery).toBeDefined();
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  function headerOf(received: Received): string {
    return received.headers['idgate-signature'] as string;
  }

  it('accepts a real webhook delivery and a real sign-in hook call, body as string or bytes', async () => {
    const now = new Date();
    for (const received of [delivery, hookCall]) {
      const header = headerOf(received);
      const verified = await verifyIdgateSignature({ header, body: received.rawBody, secret, now });
      expect(verified.signedAt.getTime() / 1000).toBe(received.signedAt);
      const bytes = Buffer.from(received.rawBody, 'utf8');
      await expect(verifyIdgateSignature({ header, body: bytes, secret, now })).resolves.toEqual(verified);
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      await expect(verifyIdgateSignature({ header, body: buffer, secret, now })).resolves.toEqual(verified);
    }
    const event = JSON.parse(delivery.rawBody) as WebhookEvent;
    expect(event.id).toBe(delivery.headers['idgate-event-id']);
  });

  it('refuses a tampered body and a wrong secret (mismatch), as the server would', async () => {
    const now = new Date();
    const header = headerOf(delivery);
    const tampered = delivery.rawBody.replace('"environment":"sandbox"', '"environment":"production"');
    expect(tampered).not.toBe(delivery.rawBody);
    expect(await failureOf({ header, body: tampered, secret, now })).toBe('mismatch');
    expect(await failureOf({ header, body: `${delivery.rawBody} `, secret, now })).toBe('mismatch');
    expect(await failureOf({ header, body: delivery.rawBody, secret: `${secret}x`, now })).toBe('mismatch');
    expect(serverVerdict(header, tampered, secret, now)).toBe('mismatch');
    expect(serverVerdict(header, delivery.rawBody, `${secret}x`, now)).toBe('mismatch');
  });

  it('refuses a timestamp outside the tolerance, either way (default 300 s)', async () => {
    const header = headerOf(delivery);
    const signedAt = (delivery.signedAt ?? 0) * 1000;
    const body = delivery.rawBody;
    const at = (seconds: number) => new Date(signedAt + seconds * 1000);
    await expect(verifyIdgateSignature({ header, body, secret, now: at(300) })).resolves.toBeDefined();
    await expect(verifyIdgateSignature({ header, body, secret, now: at(-300) })).resolves.toBeDefined();
    expect(await failureOf({ header, body, secret, now: at(301) })).toBe('expired');
    expect(await failureOf({ header, body, secret, now: at(-301) })).toBe('future');
    expect(await failureOf({ header, body, secret, now: at(31), toleranceSeconds: 30 })).toBe('expired');
    await expect(verifyIdgateSignature({ header, body, secret, now: at(29), toleranceSeconds: 30 })).resolves.toEqual({
      signedAt: new Date(signedAt),
    });
    expect(serverVerdict(header, body, secret, at(301))).toBe('stale');
    expect(serverVerdict(header, body, secret, at(-301))).toBe('stale');
  });

  it('refuses malformed headers', async () => {
    const now = new Date((delivery.signedAt ?? 0) * 1000);
    const body = delivery.rawBody;
    const [t0, v1] = headerOf(delivery).split(',') as [string, string];
    const malformed: (string | null | undefined)[] = [
      undefined,
      null,
      '',
      v1,
      t0,
      `${t0},v1=`,
      `${t0},v1=${'0'.repeat(63)}`,
      `${t0},${v1.toUpperCase().replace('V1=', 'v1=')}`,
      `t=abc,${v1}`,
      `${t0},${t0},${v1}`,
      `${t0};${v1}`,
      'garbage',
    ];
    for (const header of malformed) {
      expect(await failureOf({ header, body, secret, now }), String(header)).toBe('malformed');
      if (typeof header === 'string' && header !== `${t0},${t0},${v1}`) {
        expect(serverVerdict(header, body, secret, now), header).toBe('malformed');
      }
    }
    // Spaces after commas and unknown schemes are fine, as on the server.
    await expect(verifyIdgateSignature({ header: `${t0}, v0=abc, ${v1}`, body, secret, now })).resolves.toBeDefined();
    expect(serverVerdict(`${t0}, v0=abc, ${v1}`, body, secret, now)).toBe('ok');
  });

  it('accepts any of several v1 values (a secret rotation) and refuses when none matches', async () => {
    const now = new Date();
    const body = delivery.rawBody;
    const oldSecret = 'whsec_old_secret_0123456789abcdefghijklmn';
    const t0 = Math.floor(now.getTime() / 1000);
    const header = `${signatureHeaderValue(oldSecret, body, now)},v1=${signatureOf(secret, t0, body)}`;
    expect(header.match(/v1=/g)).toHaveLength(2);
    await expect(verifyIdgateSignature({ header, body, secret, now })).resolves.toBeDefined();
    await expect(verifyIdgateSignature({ header, body, secret: oldSecret, now })).resolves.toBeDefined();
    expect(await failureOf({ header, body, secret: 'whsec_another', now })).toBe('mismatch');
    expect(serverVerdict(header, body, secret, now)).toBe('ok');
    expect(serverVerdict(header, body, oldSecret, now)).toBe('ok');
  });

  it('refuses a programming error with a TypeError', async () => {
    const header = headerOf(delivery);
    await expect(verifyIdgateSignature({ header, body: '', secret: '' })).rejects.toBeInstanceOf(TypeError);
    await expect(verifyIdgateSignature({ header, body: '', secret, toleranceSeconds: -1 })).rejects.toBeInstanceOf(
      TypeError,
    );
  });
});
