/**
 * The background dispatcher: while the server listens, due webhook events go out without
 * anyone calling `deliverDue()`; closing the app stops it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIRECT_URI } from '../authorize/helpers.js';
import { type Receiver, startReceiver } from '../hooks/receiver.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { registerSecret } from '../support/leaks.js';
import { type LiveTestApp, startLiveTestApp } from '../support/live-server.js';

describe.each(TEST_DATABASE_KINDS)('background webhook delivery on %s', (kind) => {
  let live: LiveTestApp;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    live = await startLiveTestApp(kind, { env: { IDGATE_WEBHOOK_POLL_INTERVAL: '50' } });
  });
  afterAll(async () => {
    await live?.close();
    await receiver?.close();
  });

  it('delivers due events while listening, and stops on close', async () => {
    const created = await live.app.idgate.apps.create({
      name: 'Shop',
      type: 'confidential',
      redirectUris: [REDIRECT_URI],
      webhookUrl: receiver.url,
    });
    registerSecret(created.clientSecret);
    registerSecret(created.hookSecret);
    receiver.secret = created.hookSecret;
    const verification = await live.app.idgate.verifications.create(created.app, {
      providerId: 'mock-redirect',
      userData: { testIdentity: 'success' },
    });
    const deadline = Date.now() + 5000;
    while (receiver.received.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(receiver.received.map((received) => JSON.parse(received.rawBody).type)).toEqual([
      'verification.initiated',
      'verification.pending',
    ]);
    expect(receiver.received.every((received) => received.signatureValid)).toBe(true);
    expect(JSON.parse(receiver.received[0]?.rawBody ?? '{}').data.verificationId).toBe(verification.id);

    await live.app.close();
    const before = receiver.received.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.received).toHaveLength(before);
  });
});
