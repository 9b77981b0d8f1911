/**
 * The `webhooks` of `/openapi.json` describe what idgate really sends: real webhook
 * deliveries (their headers and bodies, received by a real HTTP receiver on 127.0.0.1)
 * and a real sign-in hook request validate against the documented parameters and
 * schemas, and the documented hook answer accepts exactly the answers idgate treats as
 * a decision.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interpretAnswer } from '../../src/hooks/signin-hook.js';
import { authorizeUrl, expectCodeRedirect, REDIRECT_URI, validParams } from '../authorize/helpers.js';
import { json, type Receiver, startReceiver } from '../hooks/receiver.js';
import { adminAuth, createTestApp, type TestApp } from '../support/app.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { registerSecret } from '../support/leaks.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

interface Parameter {
  readonly name: string;
  readonly in: string;
  readonly required: boolean;
  readonly schema: Record<string, unknown>;
}
interface WebhookOperation {
  readonly operationId: string;
  readonly parameters: Parameter[];
  readonly requestBody: { content: { 'application/json': { schema: { $ref: string } } } };
  readonly responses: Record<string, { content?: { 'application/json': { schema: { $ref: string } } } }>;
}
type Webhooks = Record<string, { post: WebhookOperation }>;

describe.each(TEST_DATABASE_KINDS)('OpenAPI webhooks on %s', (kind) => {
  let t: TestApp;
  let hook: Receiver;
  let webhook: Receiver;
  let webhooks: Webhooks;
  let ajv: Ajv2020;
  let clientId: string;
  /** Moves idgate's clock ahead of the real one (the mock providers answer after ~2 s). */
  let clockOffsetMs = 0;

  function schemaAt(ref: string): ValidateFunction {
    const validate = ajv.getSchema(`openapi.json${ref}`);
    if (!validate) throw new Error(`no schema at ${ref}`);
    return validate;
  }

  beforeAll(async () => {
    hook = await startReceiver();
    webhook = await startReceiver();
    t = await createTestApp(kind, {
      env: { IDGATE_WEBHOOK_POLL_INTERVAL: '0' },
      clock: () => new Date(Date.now() + clockOffsetMs),
    });
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    const document = JSON.parse(res.body) as { webhooks: Webhooks };
    webhooks = document.webhooks;
    ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
    ajv.addSchema(document, 'openapi.json');
    const created = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/apps',
      headers: adminAuth(),
      payload: {
        name: 'Documented hooks',
        type: 'confidential',
        redirectUris: [REDIRECT_URI],
        signInHookUrl: hook.url,
        webhookUrl: webhook.url,
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const body = JSON.parse(created.body) as { clientId: string; clientSecret: string; hookSecret: string };
    registerSecret(body.clientSecret);
    registerSecret(body.hookSecret);
    hook.secret = body.hookSecret;
    webhook.secret = body.hookSecret;
    webhook.respond = json(204, {});
    clientId = body.clientId;
  });
  afterAll(async () => {
    await t?.close();
    await hook?.close();
    await webhook?.close();
  });

  it('documents one signed POST per event type and the sign-in hook, each with its operationId', () => {
    expect(Object.keys(webhooks)).toEqual([
      'verification.initiated',
      'verification.pending',
      'verification.authenticating',
      'verification.completed',
      'verification.failed',
      'verification.cancelled',
      'verification.expired',
      'signin',
    ]);
    expect(webhooks['verification.completed']?.post.operationId).toBe('verificationCompletedWebhook');
    expect(webhooks.signin?.post.operationId).toBe('signInHook');
    for (const [name, { post }] of Object.entries(webhooks)) {
      const headers = post.parameters.filter((parameter) => parameter.in === 'header' && parameter.required);
      const expected =
        name === 'signin'
          ? ['Idgate-Signature']
          : ['Idgate-Signature', 'Idgate-Event-Id', 'Idgate-Event-Type', 'Idgate-Delivery-Attempt'];
      expect(
        headers.map((parameter) => parameter.name),
        name,
      ).toEqual(expected);
      expect(post.requestBody.content['application/json'].schema.$ref, name).toBe(
        name === 'signin' ? '#/components/schemas/SignInHookRequest' : '#/components/schemas/WebhookEvent',
      );
    }
  });

  it('a real sign-in hook request fits the documented headers and SignInHookRequest', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: authorizeUrl(
        validParams(clientId, {
          provider_hint: 'mock-redirect',
          login_hint: 'success',
          scope: 'openid profile email phone address',
        }),
      ),
    });
    expectCodeRedirect(res, { state: 'st-123' });
    expect(hook.received).toHaveLength(1);
    const call = hook.received[0];
    if (call === undefined) throw new Error('no hook call');
    expect(call.signatureValid).toBe(true);
    const body = JSON.parse(call.rawBody) as { claims: Record<string, unknown> };
    expect(Object.keys(body.claims)).toEqual(expect.arrayContaining(['given_name', 'email', 'address']));
    const validate = schemaAt(webhooks.signin?.post.requestBody.content['application/json'].schema.$ref ?? '');
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
    const signature = webhooks.signin?.post.parameters.find((parameter) => parameter.name === 'Idgate-Signature');
    expect(ajv.validate(signature?.schema ?? {}, call.headers['idgate-signature'])).toBe(true);
    // Not vacuous: the body without its claims, or with one more member, does not fit.
    expect(validate({ ...body, claims: undefined })).toBe(false);
    expect(validate({ ...body, extra: 1 })).toBe(false);
  });

  it('real webhook deliveries fit the documented headers of their event type and WebhookEvent', async () => {
    const app = await t.app.idgate.apps.get(clientId);
    const failed = await t.app.idgate.verifications.create(app, {
      providerId: 'mock-redirect',
      userData: { testIdentity: 'deny' },
    });
    clockOffsetMs += 2_100;
    expect((await t.app.idgate.verifications.get(app, failed.id)).status).toBe('failed');
    for (let round = 0; round < 4; round++) await t.app.idgate.webhooks.deliverDue();
    const types = new Set<string>();
    expect(webhook.received.length).toBeGreaterThanOrEqual(4);
    for (const received of webhook.received) {
      expect(received.signatureValid, received.signatureProblem).toBe(true);
      const body = JSON.parse(received.rawBody) as { type: string; data: { verificationId: string } };
      const operation = webhooks[body.type]?.post;
      expect(operation, body.type).toBeDefined();
      const validate = schemaAt(operation?.requestBody.content['application/json'].schema.$ref ?? '');
      expect(validate(body), `${received.rawBody}: ${JSON.stringify(validate.errors)}`).toBe(true);
      for (const parameter of operation?.parameters ?? []) {
        const raw = received.headers[parameter.name.toLowerCase()];
        expect(typeof raw, `${body.type} ${parameter.name}`).toBe('string');
        const value = parameter.schema.type === 'integer' ? Number(raw) : raw;
        expect(ajv.validate(parameter.schema, value), `${body.type} ${parameter.name}: ${raw}`).toBe(true);
      }
      expect(received.headers['idgate-event-id']).toBe((body as unknown as { id: string }).id);
      types.add(body.type);
    }
    expect(webhook.received.some((received) => received.rawBody.includes(failed.id))).toBe(true);
    expect([...types]).toEqual(
      expect.arrayContaining(['verification.initiated', 'verification.completed', 'verification.failed']),
    );
    // Not vacuous: an event of an unknown type does not fit.
    const validate = schemaAt('#/components/schemas/WebhookEvent');
    const sample = JSON.parse(webhook.received[0]?.rawBody ?? '{}') as Record<string, unknown>;
    expect(validate({ ...sample, type: 'verification.archived' })).toBe(false);
  });

  it('the documented SignInHookAnswer accepts exactly the answers idgate reads as a decision', () => {
    const validate = schemaAt(webhooks.signin?.post.responses['2XX']?.content?.['application/json'].schema.$ref ?? '');
    const answers: unknown[] = [
      { allow: true },
      { allow: false },
      { allow: false, errMsg: 'Konto gesperrt', errCode: '1001' },
      { allow: true, note: 'members the hook adds are ignored' },
      { allow: 'yes' },
      {},
      { allow: null },
    ];
    for (const answer of answers) {
      const decided = interpretAnswer(JSON.stringify(answer), 200, 1).kind !== 'unavailable';
      expect(validate(answer), JSON.stringify(answer)).toBe(decided);
    }
  });
});
