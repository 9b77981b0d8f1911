/**
 * The admin API's audit trail of a session (SPEC 4.3, 4.1):
 * `GET /admin/v1/verifications/{id}/events`, every recorded transition with its actor and
 * time. Bearer admin key; problem+json errors with Bearer challenges.
 */
import type { FastifyInstance } from 'fastify';
import { VerificationParams } from '../rest/verification-schemas.js';
import { eventView } from '../rest/verification-view.js';
import type { VerificationService } from '../verification/verification.service.js';
import type { RequireAdminKey } from './admin-auth.js';

/** What the audit trail reads. */
export interface VerificationEventsRoutesDeps {
  readonly verifications: Pick<VerificationService, 'events'>;
  /** Checks the admin key (`admin-auth.ts`). */
  readonly requireAdminKey: RequireAdminKey;
}

/** Registers `/admin/v1/verifications/{id}/events`. */
export function registerVerificationEventsRoutes(app: FastifyInstance, deps: VerificationEventsRoutesDeps): void {
  app.register(
    async function adminVerifications(admin) {
      admin.get<{ Params: VerificationParams }>(
        '/verifications/:verificationId/events',
        {
          schema: { params: VerificationParams },
          onRequest: deps.requireAdminKey,
          config: {
            idgate: {
              surface: 'bearer',
              realm: 'idgate-admin',
              produces: ['application/json'],
              errors: [
                'AUTH_MISSING_CREDENTIALS',
                'AUTH_INVALID_CREDENTIALS',
                'VALIDATION_INVALID_PARAMETER',
                'SESSION_VERIFICATION_NOT_FOUND',
              ],
              summary: "Read a verification's transition audit trail",
              tag: 'admin',
            },
          },
        },
        async function listVerificationEvents(request, reply) {
          const id = request.params.verificationId;
          request.logContext.verificationId = id.slice(0, 128);
          const events = await deps.verifications.events(id);
          reply.header('cache-control', 'no-store');
          return { verificationId: id, data: events.map(eventView) };
        },
      );
    },
    { prefix: '/admin/v1' },
  );
}
