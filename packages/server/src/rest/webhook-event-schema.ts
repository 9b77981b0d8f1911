/**
 * The JSON schema of a webhook event's body (`webhook-event.ts`, docs/hooks-and-webhooks.md),
 * published in the OpenAPI document's `webhooks` and as the `payload` of the delivery
 * log. Documentation only: the body is serialized once by `webhookEventFor`; the test of
 * the document validates real delivered bodies against this schema.
 */
import { TX_STATES, TX_STATUS_CODES } from '@idgate/errors';
import { Type } from '@sinclair/typebox';
import { Nullable, StringEnum } from '../http/schema-helpers.js';
import { FlowTypeSchema, TxStateSchema, VerificationActorSchema } from './verification-view-schema.js';

const closed = { additionalProperties: false } as const;

/** Every event type: `verification.<status>`. */
export const WEBHOOK_EVENT_TYPES = TX_STATES.map((state) => `verification.${state}` as const);

/** An event type. */
export const WebhookEventTypeSchema = StringEnum(WEBHOOK_EVENT_TYPES, {
  description: '`verification.<status>`: the status the session changed to.',
});

/** The body of every webhook delivery. */
export const WebhookEventSchema = Type.Object(
  {
    id: Type.String({
      pattern: '^evt_[0-9A-Za-z]{24}$',
      description: 'Also sent as `Idgate-Event-Id`: the de-duplication key (every attempt sends the same body).',
    }),
    type: WebhookEventTypeSchema,
    createdAt: Type.String({ format: 'date-time', description: 'When the status changed.' }),
    data: Type.Object(
      {
        verificationId: Type.String(),
        clientId: Type.String(),
        environment: StringEnum(['sandbox', 'production'] as const),
        origin: StringEnum(['rest', 'authorize'] as const, {
          description: '`rest` (`POST /v1/verifications`) or `authorize` (the OpenID Provider).',
        }),
        status: TxStateSchema,
        statusCode: Nullable(
          StringEnum(TX_STATUS_CODES, {
            description: "Why it failed, was cancelled or expired; null otherwise and for an app's own cancellation.",
          }),
        ),
        previousStatus: Nullable(StringEnum(TX_STATES, { description: 'Null for the creation of the session.' })),
        providerId: Nullable(Type.String()),
        flowType: Nullable(FlowTypeSchema),
        actor: VerificationActorSchema,
      },
      closed,
    ),
  },
  {
    ...closed,
    description:
      'A status change of a verification session. No personal data: read the result with GET /v1/verifications/{id}.',
  },
);
