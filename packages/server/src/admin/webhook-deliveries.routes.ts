/**
 * The webhook delivery log of the admin API (registered inside `/admin/v1`, behind its
 * admin key):
 * - `GET /apps/{clientId}/webhook-deliveries` — an app's events, newest first
 *   (`limit` 1–100, default 50; `after` = the previous page's `nextCursor`; optional
 *   `verificationId`, `status`);
 * - `GET /webhook-deliveries/{eventId}` — one event with its payload and every attempt;
 * - `POST /webhook-deliveries/{eventId}/redeliver` — schedule it again now, as a new
 *   series of attempts (`202`).
 */
import { IdgateError } from '@idgate/errors';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppsService } from '../apps/apps.service.js';
import { StringEnum } from '../http/schema-helpers.js';
import type {
  WebhookAttemptRecord,
  WebhookEventRecord,
  WebhookEventsRepository,
} from '../store/webhook-events.repository.js';
import { adminRouteContract } from './admin-contract.js';

/** `GET /admin/v1/apps/{clientId}/webhook-deliveries` path and query. */
export const DeliveryListParams = Type.Object({ clientId: Type.String({ minLength: 1, maxLength: 128 }) });
export type DeliveryListParams = Static<typeof DeliveryListParams>;
export const DeliveryListQuery = Type.Object({
  limit: Type.Optional(Type.String({ pattern: '^(?:[1-9]\\d?|100)$', description: '1-100, default 50' })),
  after: Type.Optional(Type.String({ pattern: '^[1-9]\\d{0,15}$', description: 'nextCursor of the previous page' })),
  verificationId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  status: Type.Optional(StringEnum(['pending', 'delivered', 'failed'] as const)),
});
export type DeliveryListQuery = Static<typeof DeliveryListQuery>;

/** `…/webhook-deliveries/{eventId}` path. */
export const DeliveryParams = Type.Object({ eventId: Type.String({ minLength: 1, maxLength: 128 }) });
export type DeliveryParams = Static<typeof DeliveryParams>;

/** One event in the delivery log. */
export function deliveryView(event: WebhookEventRecord) {
  return {
    eventId: event.id,
    type: event.type,
    verificationId: event.verificationId,
    clientId: event.clientId,
    status: event.status,
    attemptCount: event.attemptCount,
    nextAttemptAt: event.status === 'pending' ? event.nextAttemptAt.toISOString() : null,
    lastHttpStatus: event.lastHttpStatus,
    lastError: event.lastError,
    createdAt: event.createdAt.toISOString(),
    updatedAt: event.updatedAt.toISOString(),
    deliveredAt: event.deliveredAt?.toISOString() ?? null,
  };
}

function attemptView(attempt: WebhookAttemptRecord) {
  return {
    attempt: attempt.attempt,
    startedAt: attempt.startedAt.toISOString(),
    durationMs: attempt.durationMs,
    httpStatus: attempt.httpStatus,
    error: attempt.error,
  };
}

/** What the delivery log reads and reschedules. */
export interface WebhookDeliveryRoutesDeps {
  readonly apps: Pick<AppsService, 'get'>;
  /** The webhook outbox. */
  readonly webhookEvents: Pick<WebhookEventsRepository, 'find' | 'list' | 'attempts' | 'reschedule'>;
  readonly clock: () => Date;
}

/** Registers the delivery log routes on the admin API's scope. */
export function registerWebhookDeliveryRoutes(admin: FastifyInstance, deps: WebhookDeliveryRoutesDeps): void {
  const { apps, webhookEvents, clock } = deps;

  /** An event of an app of this environment. */
  async function findEvent(eventId: string): Promise<WebhookEventRecord> {
    const event = await webhookEvents.find(eventId);
    const belongsHere =
      event !== undefined &&
      (await apps.get(event.clientId).then(
        () => true,
        () => false,
      ));
    if (event === undefined || !belongsHere) {
      throw new IdgateError('RESOURCE_NOT_FOUND', {
        detail: `There is no webhook event ${eventId.slice(0, 128)}.`,
        context: { eventId: eventId.slice(0, 128) },
      });
    }
    return event;
  }

  admin.get<{ Params: DeliveryListParams; Querystring: DeliveryListQuery }>(
    '/apps/:clientId/webhook-deliveries',
    {
      schema: { params: DeliveryListParams, querystring: DeliveryListQuery },
      config: adminRouteContract("List an app's webhook deliveries (newest first)", [
        'RESOURCE_NOT_FOUND',
        'VALIDATION_INVALID_PARAMETER',
      ]),
    },
    async function listWebhookDeliveries(request) {
      const { clientId } = request.params;
      request.logContext.clientId = clientId;
      await apps.get(clientId);
      const limit = request.query.limit === undefined ? 50 : Number(request.query.limit);
      const page = await webhookEvents.list({
        clientId,
        limit,
        before: request.query.after === undefined ? undefined : Number(request.query.after),
        verificationId: request.query.verificationId,
        status: request.query.status,
      });
      const last = page.events.at(-1);
      return {
        data: page.events.map(deliveryView),
        nextCursor: page.more && last !== undefined ? String(last.seq) : null,
      };
    },
  );

  admin.get<{ Params: DeliveryParams }>(
    '/webhook-deliveries/:eventId',
    {
      schema: { params: DeliveryParams },
      config: adminRouteContract('Read a webhook delivery with its attempts', ['RESOURCE_NOT_FOUND']),
    },
    async function getWebhookDelivery(request) {
      const event = await findEvent(request.params.eventId);
      request.logContext.clientId = event.clientId;
      const attempts = await webhookEvents.attempts(event.id);
      return {
        ...deliveryView(event),
        payload: JSON.parse(event.payload) as unknown,
        attempts: attempts.map(attemptView),
      };
    },
  );

  admin.post<{ Params: DeliveryParams }>(
    '/webhook-deliveries/:eventId/redeliver',
    {
      schema: { params: DeliveryParams },
      config: adminRouteContract('Deliver a webhook event again', ['RESOURCE_NOT_FOUND'], true),
    },
    async function redeliverWebhook(request, reply) {
      const event = await findEvent(request.params.eventId);
      request.logContext.clientId = event.clientId;
      const rescheduled = await webhookEvents.reschedule(event.id, clock());
      if (rescheduled === undefined) {
        throw new IdgateError('RESOURCE_NOT_FOUND', {
          detail: `There is no webhook event ${event.id}.`,
          context: { eventId: event.id },
        });
      }
      reply.code(202);
      return deliveryView(rescheduled);
    },
  );
}
