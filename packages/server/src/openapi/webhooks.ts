/**
 * The `webhooks` of the OpenAPI document (OpenAPI 3.1 §4.8.1): the requests idgate sends
 * to an app, not the other way round (docs/hooks-and-webhooks.md).
 *
 * - One signed POST per status-change event type (`verification.completed` …) to the
 *   app's `webhookUrl`, with `Idgate-Signature`, `Idgate-Event-Id`, `Idgate-Event-Type`,
 *   `Idgate-Delivery-Attempt` and the `WebhookEvent` body.
 * - The sign-in hook (`signin`): the signed POST to the app's `signInHookUrl` and its
 *   allow/deny answer (SPEC 6).
 *
 * The schemas are documentation: the bodies are built by `webhook-event.ts` and
 * `hooks/signin-hook.ts`, and the test of the document validates real requests of both
 * against them.
 */
import { type TSchema, Type } from '@sinclair/typebox';
import { MAX_HOOK_TEXT_LENGTH } from '../hooks/signin-hook.js';
import { NormalizedClaimsSchema } from '../rest/verification-view-schema.js';
import { WEBHOOK_EVENT_TYPES } from '../rest/webhook-event-schema.js';

/** The body idgate POSTs to the app's sign-in hook. */
export const SignInHookRequestSchema = Type.Object(
  {
    event: Type.Literal('signin'),
    verificationId: Type.String(),
    clientId: Type.String(),
    providerId: Type.String(),
    loa: Type.Integer({ minimum: 1, maximum: 5, description: 'The level of assurance reached.' }),
    claims: NormalizedClaimsSchema,
    timestamp: Type.String({ format: 'date-time', description: 'When idgate made the call.' }),
  },
  { additionalProperties: false, description: 'May this verified person sign in? Sent before the code is issued.' },
);

/** What the sign-in hook answers (other members are ignored). */
export const SignInHookAnswerSchema = Type.Object(
  {
    allow: Type.Boolean(),
    errMsg: Type.Optional(
      Type.String({
        maxLength: MAX_HOOK_TEXT_LENGTH,
        description: "With `allow: false`: passed to the app's error redirect exactly as sent.",
      }),
    ),
    errCode: Type.Optional(
      Type.String({
        maxLength: MAX_HOOK_TEXT_LENGTH,
        description: "With `allow: false`: passed to the app's error redirect exactly as sent.",
      }),
    ),
  },
  {
    description:
      '`{"allow": true}` lets the person sign in; `{"allow": false}` denies (`err_user_account_blocked`). ' +
      'A non-2xx status, a timeout or another body is `err_signin_hook_unavailable`.',
  },
);

/** The components this module contributes, by name. */
export const HOOK_SCHEMAS: Readonly<Record<string, TSchema>> = {
  SignInHookRequest: SignInHookRequestSchema,
  SignInHookAnswer: SignInHookAnswerSchema,
};

const SIGNATURE_PARAMETER = {
  name: 'Idgate-Signature',
  in: 'header',
  required: true,
  description:
    '`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with the hook secret>`; ' +
    'check it on the raw body (`verifyIdgateSignature` of @idgate/client).',
  schema: { type: 'string', pattern: '^t=[0-9]+(,v1=[0-9a-f]{64})+$' },
};

/** `verification.completed` → `verificationCompletedWebhook`. */
function operationIdOf(type: string): string {
  return `${type.replace(/\.([a-z])/g, (_match, letter: string) => letter.toUpperCase())}Webhook`;
}

function eventWebhook(type: (typeof WEBHOOK_EVENT_TYPES)[number]) {
  return {
    post: {
      operationId: operationIdOf(type),
      summary: `${type}: a session's status changed to ${type.slice('verification.'.length)}`,
      description:
        "Sent to the app's `webhookUrl`, at least once: de-duplicate on `Idgate-Event-Id`. The events of one " +
        'session arrive in the order of its changes.',
      tags: ['webhooks'],
      parameters: [
        SIGNATURE_PARAMETER,
        {
          name: 'Idgate-Event-Id',
          in: 'header',
          required: true,
          description: "The event's `id`: the same on every attempt and redelivery.",
          schema: { type: 'string', pattern: '^evt_[0-9A-Za-z]{24}$' },
        },
        { name: 'Idgate-Event-Type', in: 'header', required: true, schema: { type: 'string', enum: [type] } },
        {
          name: 'Idgate-Delivery-Attempt',
          in: 'header',
          required: true,
          description: 'Counts every attempt of the event, redeliveries included.',
          schema: { type: 'integer', minimum: 1 },
        },
      ],
      requestBody: {
        required: true,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/WebhookEvent' } } },
      },
      responses: {
        '2XX': { description: 'Received: answer quickly (within IDGATE_WEBHOOK_TIMEOUT) and do the work afterwards.' },
        default: {
          description:
            'Any other answer, a redirect (not followed), a timeout or a network error is a failed attempt, ' +
            'retried with exponential backoff until IDGATE_WEBHOOK_MAX_ATTEMPTS.',
        },
      },
    },
  };
}

/** The `webhooks` object of the document. */
export function webhooksSection(): Record<string, unknown> {
  return {
    ...Object.fromEntries(WEBHOOK_EVENT_TYPES.map((type) => [type, eventWebhook(type)])),
    signin: {
      post: {
        operationId: 'signInHook',
        summary: 'The sign-in hook: may this verified person sign in?',
        description:
          "Sent to the app's `signInHookUrl` during an `/authorize` transaction, after the provider verified the " +
          'user and before the code is issued; never retried (the user is waiting). Timeout: ' +
          'IDGATE_SIGNIN_HOOK_TIMEOUT (default 3 s), redirects are not followed.',
        tags: ['webhooks'],
        parameters: [SIGNATURE_PARAMETER],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/SignInHookRequest' } } },
        },
        responses: {
          '2XX': {
            description: 'The decision.',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/SignInHookAnswer' } } },
          },
          default: { description: 'Anything else: the sign-in fails with err_signin_hook_unavailable.' },
        },
      },
    },
  };
}
