/**
 * What the OpenAPI document cannot read from a route's options: its stable
 * `operationId` (the name generated clients give the call), the success statuses it
 * answers with, the schema of each (a component of the view schema modules), the
 * response headers it sets, and the request headers it reads outside its schema
 * (`If-Match`). Keyed by `METHOD url` as Fastify registers it; the OpenAPI test fails
 * for a documented route missing here, and validates real answers against the schemas.
 */
import type { TSchema } from '@sinclair/typebox';
import { APP_VIEW_SCHEMAS } from '../admin/app-view-schema.js';
import { PROVIDER_MAINTENANCE_SCHEMAS } from '../admin/provider-maintenance-schemas.js';
import { WEBHOOK_DELIVERY_SCHEMAS } from '../admin/webhook-delivery-schemas.js';
import { VERIFICATION_VIEW_SCHEMAS } from '../rest/verification-view-schema.js';

/** Every response schema component, by name. */
export const VIEW_SCHEMAS: Readonly<Record<string, TSchema>> = {
  ...VERIFICATION_VIEW_SCHEMAS,
  ...APP_VIEW_SCHEMAS,
  ...WEBHOOK_DELIVERY_SCHEMAS,
  ...PROVIDER_MAINTENANCE_SCHEMAS,
};

/** A response header of `components.headers`. */
export type ResponseHeader =
  | 'X-Request-Id'
  | 'Location'
  | 'ETag'
  | 'Idempotent-Replayed'
  | 'Retry-After'
  | 'WWW-Authenticate'
  | 'RateLimit'
  | 'RateLimit-Policy'
  | 'Allow';

/** One success answer of an operation. */
export interface SuccessResponse {
  readonly status: number;
  readonly description: string;
  /** A key of {@link VIEW_SCHEMAS}; none for an empty body. */
  readonly schema?: string;
  readonly headers?: readonly ResponseHeader[];
}

/** What the document adds to a route's own declarations. */
export interface OperationExtras {
  /** camelCase, unique, never renamed: generated clients and the SDK's types use it. */
  readonly operationId: string;
  readonly success: readonly SuccessResponse[];
  /** `If-Match`: optional; when given it must name the current ETag (else 412). */
  readonly ifMatch?: boolean;
}

/** The extras of every documented `/v1` and `/admin/v1` route. */
export const OPERATIONS: Readonly<Record<string, OperationExtras>> = {
  'GET /v1/providers': {
    operationId: 'listProviders',
    success: [{ status: 200, description: "The app's providers", schema: 'ProviderList' }],
  },
  'GET /v1/providers/:providerId': {
    operationId: 'getProvider',
    success: [{ status: 200, description: 'The provider', schema: 'Provider' }],
  },
  'POST /v1/verifications': {
    operationId: 'createVerification',
    success: [
      {
        status: 201,
        description: 'Created (or, with a reused Idempotency-Key, the first answer replayed)',
        schema: 'CreatedVerification',
        headers: ['Location', 'Idempotent-Replayed'],
      },
    ],
  },
  'GET /v1/verifications/:verificationId': {
    operationId: 'getVerification',
    success: [{ status: 200, description: 'The verification', schema: 'Verification' }],
  },
  'POST /v1/verifications/:verificationId/cancel': {
    operationId: 'cancelVerification',
    success: [{ status: 200, description: 'Cancelled', schema: 'Verification' }],
  },
  'POST /v1/verifications/:verificationId/dc-response': {
    operationId: 'relayDcResponse',
    success: [
      { status: 200, description: 'The verification, after the presentation was verified', schema: 'Verification' },
    ],
  },
  'GET /admin/v1/verifications/:verificationId/events': {
    operationId: 'listVerificationEvents',
    success: [{ status: 200, description: 'The transitions, oldest first', schema: 'VerificationEventsPage' }],
  },
  'POST /admin/v1/apps': {
    operationId: 'createApp',
    success: [{ status: 201, description: 'Created', schema: 'CreatedApp', headers: ['Location', 'ETag'] }],
  },
  'GET /admin/v1/apps': {
    operationId: 'listApps',
    success: [{ status: 200, description: 'A page of apps', schema: 'AppsPage' }],
  },
  'GET /admin/v1/apps/:clientId': {
    operationId: 'getApp',
    success: [{ status: 200, description: 'The app', schema: 'App', headers: ['ETag'] }],
  },
  'PATCH /admin/v1/apps/:clientId': {
    operationId: 'updateApp',
    success: [{ status: 200, description: 'Updated', schema: 'UpdatedApp', headers: ['ETag'] }],
    ifMatch: true,
  },
  'DELETE /admin/v1/apps/:clientId': {
    operationId: 'deleteApp',
    success: [{ status: 204, description: 'Deleted' }],
    ifMatch: true,
  },
  'POST /admin/v1/apps/:clientId/secret': {
    operationId: 'rotateClientSecret',
    success: [{ status: 200, description: 'The new secret', schema: 'RotatedSecret', headers: ['ETag'] }],
  },
  'POST /admin/v1/apps/:clientId/hook-secret': {
    operationId: 'rotateHookSecret',
    success: [{ status: 200, description: 'The new hook secret', schema: 'RotatedHookSecret', headers: ['ETag'] }],
  },
  'GET /admin/v1/apps/:clientId/providers': {
    operationId: 'listAppProviders',
    success: [{ status: 200, description: "The app's provider settings", schema: 'AppProviderList' }],
  },
  'GET /admin/v1/apps/:clientId/providers/:providerId': {
    operationId: 'getAppProvider',
    success: [
      {
        status: 200,
        description: 'The settings (ETag only once configured)',
        schema: 'AppProvider',
        headers: ['ETag'],
      },
    ],
  },
  'PUT /admin/v1/apps/:clientId/providers/:providerId': {
    operationId: 'configureAppProvider',
    success: [
      { status: 200, description: 'Updated', schema: 'AppProvider', headers: ['ETag'] },
      { status: 201, description: 'Configured for the first time', schema: 'AppProvider', headers: ['ETag'] },
    ],
    ifMatch: true,
  },
  'GET /admin/v1/apps/:clientId/webhook-deliveries': {
    operationId: 'listWebhookDeliveries',
    success: [{ status: 200, description: 'A page of events, newest first', schema: 'WebhookDeliveriesPage' }],
  },
  'GET /admin/v1/webhook-deliveries/:eventId': {
    operationId: 'getWebhookDelivery',
    success: [{ status: 200, description: 'The event with its attempts', schema: 'WebhookDeliveryDetail' }],
  },
  'GET /admin/v1/providers/:providerId/maintenance': {
    operationId: 'getProviderMaintenance',
    success: [{ status: 200, description: "The provider's maintenance switch", schema: 'ProviderMaintenance' }],
  },
  'PUT /admin/v1/providers/:providerId/maintenance': {
    operationId: 'startProviderMaintenance',
    success: [{ status: 200, description: 'In maintenance on every instance', schema: 'ProviderMaintenance' }],
  },
  'DELETE /admin/v1/providers/:providerId/maintenance': {
    operationId: 'endProviderMaintenance',
    success: [{ status: 204, description: 'Maintenance ended on every instance' }],
  },
  'POST /admin/v1/webhook-deliveries/:eventId/redeliver': {
    operationId: 'redeliverWebhook',
    success: [{ status: 202, description: 'Scheduled again now', schema: 'WebhookDelivery' }],
  },
};
