/**
 * The admin API (SPEC 4.3): apps, their credentials and their provider settings.
 * Bearer admin key; problem+json errors with Bearer challenges.
 */
import type { FastifyInstance } from 'fastify';
import {
  ClientIdParams,
  CreateAppBody,
  ListAppsQuery,
  ProviderParams,
  PutProviderBody,
  RotateSecretBody,
  UpdateAppBody,
} from '../apps/app-schemas.js';
import type { AppsService } from '../apps/apps.service.js';
import { etagFor } from '../http/etag.js';
import type { RequireAdminKey } from './admin-auth.js';
import { adminRouteContract } from './admin-contract.js';
import { appProviderView, appView } from './app-view.js';
import { registerWebhookDeliveryRoutes, type WebhookDeliveryRoutesDeps } from './webhook-deliveries.routes.js';

/** What the admin API works with. */
export interface AdminRoutesDeps extends WebhookDeliveryRoutesDeps {
  readonly apps: AppsService;
  /** Checks the admin key (`admin-auth.ts`). */
  readonly requireAdminKey: RequireAdminKey;
}

/** Registers `/admin/v1/…`. */
export function registerAdminRoutes(app: FastifyInstance, deps: AdminRoutesDeps): void {
  const { apps, requireAdminKey } = deps;

  app.register(
    async function adminApi(admin) {
      admin.addHook('onRequest', requireAdminKey);

      admin.post<{ Body: CreateAppBody }>(
        '/apps',
        {
          schema: { body: CreateAppBody },
          config: adminRouteContract(
            'Create an app',
            ['VALIDATION_MISSING_PARAMETER', 'VALIDATION_INVALID_PARAMETER'],
            true,
          ),
        },
        async function createApp(request, reply) {
          const created = await apps.create(request.body);
          request.logContext.clientId = created.app.clientId;
          reply
            .code(201)
            .header('location', `/admin/v1/apps/${created.app.clientId}`)
            .header('etag', etagFor(created.app.version))
            .header('cache-control', 'no-store');
          return {
            ...appView(created.app),
            ...(created.clientSecret ? { clientSecret: created.clientSecret } : {}),
            ...(created.hookSecret ? { hookSecret: created.hookSecret } : {}),
          };
        },
      );

      admin.get<{ Querystring: ListAppsQuery }>(
        '/apps',
        {
          schema: { querystring: ListAppsQuery },
          config: adminRouteContract('List apps', ['VALIDATION_INVALID_PARAMETER']),
        },
        async function listApps(request) {
          const limit = request.query.limit === undefined ? 50 : Number(request.query.limit);
          const page = await apps.list(limit, request.query.after);
          return { data: page.apps.map(appView), nextCursor: page.nextCursor };
        },
      );

      admin.get<{ Params: ClientIdParams }>(
        '/apps/:clientId',
        { schema: { params: ClientIdParams }, config: adminRouteContract('Read an app', ['RESOURCE_NOT_FOUND']) },
        async function getApp(request, reply) {
          request.logContext.clientId = request.params.clientId;
          const found = await apps.get(request.params.clientId);
          reply.header('etag', etagFor(found.version));
          return appView(found);
        },
      );

      admin.patch<{ Params: ClientIdParams; Body: UpdateAppBody }>(
        '/apps/:clientId',
        {
          schema: { params: ClientIdParams, body: UpdateAppBody },
          config: adminRouteContract(
            'Update an app (JSON merge patch; If-Match)',
            [
              'VALIDATION_MISSING_PARAMETER',
              'VALIDATION_INVALID_PARAMETER',
              'RESOURCE_NOT_FOUND',
              'RESOURCE_PRECONDITION_FAILED',
              'RESOURCE_CONFLICT',
            ],
            true,
          ),
        },
        async function updateApp(request, reply) {
          request.logContext.clientId = request.params.clientId;
          const updated = await apps.update(request.params.clientId, request.body, request.headers['if-match']);
          reply.header('etag', etagFor(updated.app.version)).header('cache-control', 'no-store');
          return { ...appView(updated.app), ...(updated.hookSecret ? { hookSecret: updated.hookSecret } : {}) };
        },
      );

      admin.delete<{ Params: ClientIdParams }>(
        '/apps/:clientId',
        {
          schema: { params: ClientIdParams },
          config: adminRouteContract('Delete an app', ['RESOURCE_NOT_FOUND', 'RESOURCE_PRECONDITION_FAILED']),
        },
        async function deleteApp(request, reply) {
          request.logContext.clientId = request.params.clientId;
          await apps.delete(request.params.clientId, request.headers['if-match']);
          return reply.code(204).send();
        },
      );

      admin.post<{ Params: ClientIdParams; Body: RotateSecretBody | undefined }>(
        '/apps/:clientId/secret',
        {
          schema: { params: ClientIdParams, body: RotateSecretBody },
          // The body is optional: no body means the defaults.
          preValidation: function defaultEmptyBody(request, _reply, done) {
            request.body ??= {};
            done();
          },
          config: adminRouteContract(
            'Rotate the client secret (the old one stays valid for a grace period)',
            ['RESOURCE_NOT_FOUND', 'VALIDATION_INVALID_PARAMETER', 'VALIDATION_UNPROCESSABLE', 'RESOURCE_CONFLICT'],
            true,
          ),
        },
        async function rotateSecret(request, reply) {
          request.logContext.clientId = request.params.clientId;
          const rotated = await apps.rotateSecret(request.params.clientId, request.body?.gracePeriodSeconds);
          reply.header('etag', etagFor(rotated.app.version)).header('cache-control', 'no-store');
          return {
            clientId: rotated.app.clientId,
            clientSecret: rotated.clientSecret,
            previousSecretExpiresAt: rotated.app.previousSecretExpiresAt?.toISOString() ?? null,
          };
        },
      );

      admin.post<{ Params: ClientIdParams }>(
        '/apps/:clientId/hook-secret',
        {
          schema: { params: ClientIdParams },
          config: adminRouteContract('Rotate the hook secret', ['RESOURCE_NOT_FOUND', 'RESOURCE_CONFLICT'], true),
        },
        async function rotateHookSecret(request, reply) {
          request.logContext.clientId = request.params.clientId;
          const rotated = await apps.rotateHookSecret(request.params.clientId);
          reply.header('etag', etagFor(rotated.app.version)).header('cache-control', 'no-store');
          return { clientId: rotated.app.clientId, hookSecret: rotated.hookSecret };
        },
      );

      admin.get<{ Params: ClientIdParams }>(
        '/apps/:clientId/providers',
        {
          schema: { params: ClientIdParams },
          config: adminRouteContract("List an app's provider settings", ['RESOURCE_NOT_FOUND']),
        },
        async function listAppProviders(request) {
          request.logContext.clientId = request.params.clientId;
          const records = await apps.listProviders(request.params.clientId);
          return { data: records.map((record) => appProviderView(record.clientId, record.providerId, record)) };
        },
      );

      admin.get<{ Params: ProviderParams }>(
        '/apps/:clientId/providers/:providerId',
        {
          schema: { params: ProviderParams },
          config: adminRouteContract("Read a provider's settings for an app", [
            'RESOURCE_NOT_FOUND',
            'PROVIDER_NOT_FOUND',
          ]),
        },
        async function getAppProvider(request, reply) {
          const { clientId, providerId } = request.params;
          Object.assign(request.logContext, { clientId, providerId });
          const { record } = await apps.getProvider(clientId, providerId);
          if (record) reply.header('etag', etagFor(record.version));
          return appProviderView(clientId, providerId, record);
        },
      );

      admin.put<{ Params: ProviderParams; Body: PutProviderBody }>(
        '/apps/:clientId/providers/:providerId',
        {
          schema: { params: ProviderParams, body: PutProviderBody },
          config: adminRouteContract(
            'Enable, disable or configure a provider for an app',
            [
              'VALIDATION_MISSING_PARAMETER',
              'VALIDATION_INVALID_PARAMETER',
              'RESOURCE_NOT_FOUND',
              'PROVIDER_NOT_FOUND',
              'PROVIDER_CONFIGURATION_ERROR',
              'RESOURCE_PRECONDITION_FAILED',
            ],
            true,
          ),
        },
        async function putAppProvider(request, reply) {
          const { clientId, providerId } = request.params;
          Object.assign(request.logContext, { clientId, providerId });
          const { record, created } = await apps.putProvider(
            clientId,
            providerId,
            request.body,
            request.headers['if-match'],
          );
          reply.code(created ? 201 : 200).header('etag', etagFor(record.version));
          return appProviderView(clientId, providerId, record);
        },
      );

      registerWebhookDeliveryRoutes(admin, deps);
    },
    { prefix: '/admin/v1' },
  );
}
