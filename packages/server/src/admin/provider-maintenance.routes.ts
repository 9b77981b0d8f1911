/**
 * The maintenance switch of a provider (admin API): `PUT` switches it on for every
 * instance (they share the database), `DELETE` off, `GET` reads it. While it is on,
 * starting a verification at the provider is `PROVIDER_UNAVAILABLE` (503, `Retry-After`
 * up to `until` when given), the hosted provider choice shows the provider as unavailable,
 * and `GET /v1/providers` shows `status: "maintenance"`. Sessions already running go on.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ProviderMaintenanceRecord } from '../store/provider-maintenance.repository.js';
import type { VerificationService } from '../verification/verification.service.js';
import type { RequireAdminKey } from './admin-auth.js';
import { adminRouteContract } from './admin-contract.js';

/** `:providerId` of the maintenance routes. */
const MaintenanceParams = Type.Object({ providerId: Type.String({ minLength: 1, maxLength: 64 }) });
type MaintenanceParams = Static<typeof MaintenanceParams>;

/** `PUT` body: when the maintenance is expected to end, and a note for operators. */
export const PutMaintenanceBody = Type.Object(
  {
    until: Type.Optional(
      Type.String({ format: 'date-time', description: 'Expected end; left out: until switched off.' }),
    ),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
type PutMaintenanceBody = Static<typeof PutMaintenanceBody>;

/** What the maintenance routes work with. */
export interface ProviderMaintenanceRoutesDeps {
  readonly verifications: Pick<VerificationService, 'startMaintenance' | 'endMaintenance' | 'maintenanceOf'>;
  /** Checks the admin key (`admin-auth.ts`). */
  readonly requireAdminKey: RequireAdminKey;
}

/** A provider's maintenance as the admin API shows it. */
export function maintenanceView(providerId: string, record: ProviderMaintenanceRecord | undefined) {
  return {
    providerId,
    maintenance: record !== undefined,
    since: record?.since.toISOString() ?? null,
    until: record?.until?.toISOString() ?? null,
    reason: record?.reason ?? null,
  };
}

/** Registers `/admin/v1/providers/{providerId}/maintenance`. */
export function registerProviderMaintenanceRoutes(app: FastifyInstance, deps: ProviderMaintenanceRoutesDeps): void {
  const { verifications, requireAdminKey } = deps;
  app.register(
    async function maintenanceApi(admin) {
      admin.addHook('onRequest', requireAdminKey);

      admin.get<{ Params: MaintenanceParams }>(
        '/providers/:providerId/maintenance',
        {
          schema: { params: MaintenanceParams },
          config: adminRouteContract("Read a provider's maintenance switch", ['PROVIDER_NOT_FOUND']),
        },
        async function getMaintenance(request, reply) {
          const { providerId } = request.params;
          request.logContext.providerId = providerId;
          reply.header('cache-control', 'no-store');
          return maintenanceView(providerId, await verifications.maintenanceOf(providerId));
        },
      );

      admin.put<{ Params: MaintenanceParams; Body: PutMaintenanceBody }>(
        '/providers/:providerId/maintenance',
        {
          schema: { params: MaintenanceParams, body: PutMaintenanceBody },
          config: adminRouteContract(
            'Switch a provider to maintenance (every instance)',
            ['VALIDATION_MISSING_PARAMETER', 'VALIDATION_INVALID_PARAMETER', 'PROVIDER_NOT_FOUND'],
            true,
          ),
        },
        async function putMaintenance(request) {
          const { providerId } = request.params;
          request.logContext.providerId = providerId;
          const until = request.body.until === undefined ? null : new Date(request.body.until);
          const record = await verifications.startMaintenance(providerId, until, request.body.reason ?? null);
          request.log.info(
            { provider_id: providerId, until: record.until?.toISOString() ?? null },
            'provider switched to maintenance',
          );
          return maintenanceView(providerId, record);
        },
      );

      admin.delete<{ Params: MaintenanceParams }>(
        '/providers/:providerId/maintenance',
        {
          schema: { params: MaintenanceParams },
          config: adminRouteContract("End a provider's maintenance (every instance)", [
            'PROVIDER_NOT_FOUND',
            'RESOURCE_NOT_FOUND',
          ]),
        },
        async function deleteMaintenance(request, reply) {
          const { providerId } = request.params;
          request.logContext.providerId = providerId;
          await verifications.endMaintenance(providerId);
          request.log.info({ provider_id: providerId }, 'provider maintenance ended');
          return reply.code(204).send();
        },
      );
    },
    { prefix: '/admin/v1' },
  );
}
