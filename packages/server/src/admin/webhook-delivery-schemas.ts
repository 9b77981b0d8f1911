/**
 * JSON schemas of what the webhook delivery log routes answer with (the shapes
 * `webhook-deliveries.routes.ts` builds). Published as OpenAPI components; the OpenAPI
 * test validates real responses against them. Not attached to the routes.
 */
import { type TSchema, Type } from '@sinclair/typebox';
import { Nullable, StringEnum } from '../http/schema-helpers.js';
import { WebhookEventSchema, WebhookEventTypeSchema } from '../rest/webhook-event-schema.js';

const DateTime = Type.String({ format: 'date-time' });
const closed = { additionalProperties: false } as const;

function deliveryProperties() {
  return {
    eventId: Type.String(),
    type: WebhookEventTypeSchema,
    verificationId: Type.String(),
    clientId: Type.String(),
    status: StringEnum(['pending', 'delivered', 'failed'] as const),
    attemptCount: Type.Integer({ minimum: 0 }),
    nextAttemptAt: Nullable(DateTime),
    lastHttpStatus: Nullable(Type.Integer()),
    lastError: Nullable(Type.String()),
    createdAt: DateTime,
    updatedAt: DateTime,
    deliveredAt: Nullable(DateTime),
  };
}

/** One event of the delivery log. */
export const WebhookDeliveryView = Type.Object(deliveryProperties(), closed);

/** One delivery attempt. */
export const WebhookAttemptView = Type.Object(
  {
    attempt: Type.Integer({ minimum: 1 }),
    startedAt: DateTime,
    durationMs: Type.Number({ minimum: 0 }),
    httpStatus: Nullable(Type.Integer()),
    error: Nullable(Type.String()),
  },
  closed,
);

/** `GET /admin/v1/webhook-deliveries/{eventId}`: the event, its payload and every attempt. */
export const WebhookDeliveryDetailView = Type.Object(
  { ...deliveryProperties(), payload: WebhookEventSchema, attempts: Type.Array(WebhookAttemptView) },
  closed,
);

/** `GET /admin/v1/apps/{clientId}/webhook-deliveries`. */
export const WebhookDeliveriesPage = Type.Object(
  {
    data: Type.Array(WebhookDeliveryView),
    nextCursor: Nullable(Type.String({ description: 'Pass as `after` for the next page.' })),
  },
  closed,
);

/** The components this module contributes to the OpenAPI document, by name. */
export const WEBHOOK_DELIVERY_SCHEMAS: Readonly<Record<string, TSchema>> = {
  WebhookDelivery: WebhookDeliveryView,
  WebhookAttempt: WebhookAttemptView,
  WebhookDeliveryDetail: WebhookDeliveryDetailView,
  WebhookDeliveriesPage,
  WebhookEvent: WebhookEventSchema,
};
