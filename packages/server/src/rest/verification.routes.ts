/**
 * The REST API of verification sessions (SPEC 4): `/v1/providers` and `/v1/verifications`.
 *
 * REST routes answer problem+json with RFC 6750 challenges (surface `bearer`), take HTTP
 * Basic or a `client_credentials` bearer token (`rest-auth.ts`), count against the app's
 * rate limit, and answer CORS for the app's origins.
 */
import type { ErrorCode } from '@idgate/errors';
import type { FastifyInstance } from 'fastify';
import type { RouteContract } from '../http/route-contract.js';
import type { Database } from '../store/database.js';
import { IdempotencyRepository } from '../store/idempotency.repository.js';
import type { VerificationService } from '../verification/verification.service.js';
import { Idempotency } from './idempotency.js';
import { type RestAuthDeps, restCallerOf, restScopeGuard } from './rest-auth.js';
import {
  CreateVerificationSchema,
  DcResponseSchema,
  IdempotencyHeaders,
  ProviderIdParams,
  VerificationParams,
} from './verification-schemas.js';
import { createdVerificationView, providerView, verificationView } from './verification-view.js';

const JSON_ONLY = ['application/json'] as const;
const REST_AUTH_ERRORS: readonly ErrorCode[] = [
  'AUTH_MISSING_CREDENTIALS',
  'AUTH_INVALID_CREDENTIALS',
  'AUTH_INVALID_CLIENT',
  'AUTH_INVALID_TOKEN',
  'AUTH_INVALID_DPOP_PROOF',
  'AUTH_USE_DPOP_NONCE',
  'AUTH_INSUFFICIENT_SCOPE',
  'AUTH_FORBIDDEN',
  'VALIDATION_MISSING_CLIENT_SECRET',
  'SYSTEM_RATE_LIMITED',
];

function restContract(
  summary: string,
  tag: string,
  errors: readonly ErrorCode[],
  withBody = false,
): { idgate: RouteContract } {
  return {
    idgate: {
      surface: 'bearer',
      realm: 'idgate',
      produces: JSON_ONLY,
      ...(withBody ? { consumes: JSON_ONLY } : {}),
      cors: true,
      errors: [...REST_AUTH_ERRORS, ...errors],
      summary,
      tag,
    },
  };
}

/** What the REST API works with. */
export interface VerificationRoutesDeps extends RestAuthDeps {
  readonly verifications: Pick<
    VerificationService,
    'offersFor' | 'providerFor' | 'create' | 'get' | 'identityFor' | 'cancelForApp' | 'dcResponse'
  >;
  /** Where `Idempotency-Key` records are kept. */
  readonly database: Database;
}

/** Registers `/v1/providers` and `/v1/verifications`. */
export function registerVerificationRoutes(app: FastifyInstance, deps: VerificationRoutesDeps): void {
  const { verifications, database, clock, environment, issuer } = deps;
  const idempotency = new Idempotency(new IdempotencyRepository(database), clock);
  const requireRestScope = restScopeGuard(deps);

  app.register(
    async function restApi(v1) {
      v1.addHook('onSend', async function noStore(_request, reply, payload) {
        reply.header('cache-control', 'no-store');
        return payload;
      });

      v1.get(
        '/providers',
        {
          onRequest: requireRestScope('providers'),
          config: restContract("List the app's providers", 'providers', []),
        },
        async function listProviders(request) {
          const { app: caller } = restCallerOf(request);
          const offers = await verifications.offersFor(caller);
          return { data: offers.map((offer) => providerView(offer, environment)) };
        },
      );

      v1.get<{ Params: ProviderIdParams }>(
        '/providers/:providerId',
        {
          schema: { params: ProviderIdParams },
          onRequest: requireRestScope('providers'),
          config: restContract('Read a provider', 'providers', [
            'VALIDATION_INVALID_PARAMETER',
            'PROVIDER_NOT_FOUND',
            'PROVIDER_NOT_ENABLED',
          ]),
        },
        async function getProvider(request) {
          const { app: caller } = restCallerOf(request);
          request.logContext.providerId = request.params.providerId.slice(0, 64);
          const offer = await verifications.providerFor(caller, request.params.providerId);
          return providerView(offer, environment);
        },
      );

      v1.post<{ Body: CreateVerificationSchema; Headers: IdempotencyHeaders }>(
        '/verifications',
        {
          schema: { body: CreateVerificationSchema, headers: IdempotencyHeaders },
          onRequest: requireRestScope('verifications'),
          onSend: async function settleIdempotencyKey(request, reply, payload) {
            await idempotency.settle(request, reply, payload);
            return payload;
          },
          onResponse: async function abandonIdempotencyKey(request) {
            await idempotency.abandon(request);
          },
          config: restContract(
            'Create a verification (honours Idempotency-Key)',
            'verifications',
            [
              'VALIDATION_MISSING_PARAMETER',
              'VALIDATION_INVALID_PARAMETER',
              'VALIDATION_MISSING_USER_DATA',
              'VALIDATION_INVALID_USER_DATA',
              'VALIDATION_UNPROCESSABLE',
              'SESSION_INVALID_FLOW',
              'PROVIDER_NOT_FOUND',
              'PROVIDER_NOT_ENABLED',
              'PROVIDER_INITIALIZATION_FAILED',
              'PROVIDER_ERROR',
              'PROVIDER_UNAVAILABLE',
              'PROVIDER_CONFIGURATION_ERROR',
              'PROVIDER_AUTHENTICATION_FAILED',
              'PROVIDER_UNEXPECTED_RESPONSE',
              'RESOURCE_CONFLICT',
            ],
            true,
          ),
        },
        async function createVerification(request, reply) {
          const { app: caller } = restCallerOf(request);
          request.logContext.providerId = request.body.providerId.slice(0, 64);
          const key = request.headers['idempotency-key'];
          if (
            key !== undefined &&
            !(await idempotency.begin(request, reply, caller.clientId, key, '/v1/verifications'))
          ) {
            return reply;
          }
          const verification = await verifications.create(caller, request.body);
          request.logContext.verificationId = verification.id;
          reply.code(201).header('location', `/v1/verifications/${verification.id}`);
          return createdVerificationView(verification);
        },
      );

      v1.get<{ Params: VerificationParams }>(
        '/verifications/:verificationId',
        {
          schema: { params: VerificationParams },
          onRequest: requireRestScope('verifications'),
          config: restContract('Read a verification', 'verifications', [
            'VALIDATION_INVALID_PARAMETER',
            'SESSION_VERIFICATION_NOT_FOUND',
          ]),
        },
        async function getVerification(request) {
          const { app: caller } = restCallerOf(request);
          const id = request.params.verificationId;
          request.logContext.verificationId = id.slice(0, 128);
          const verification = await verifications.get(caller, id);
          if (verification.providerId !== null) request.logContext.providerId = verification.providerId;
          const identity =
            verification.status === 'completed' ? await verifications.identityFor(id, caller.clientId) : undefined;
          return verificationView(verification, identity, issuer);
        },
      );

      v1.post<{ Params: VerificationParams }>(
        '/verifications/:verificationId/cancel',
        {
          schema: { params: VerificationParams },
          onRequest: requireRestScope('verifications'),
          config: restContract(
            'Cancel a verification',
            'verifications',
            ['VALIDATION_INVALID_PARAMETER', 'SESSION_VERIFICATION_NOT_FOUND', 'SESSION_INVALID_STATUS_TRANSITION'],
            true,
          ),
        },
        async function cancelVerification(request) {
          const { app: caller } = restCallerOf(request);
          const id = request.params.verificationId;
          request.logContext.verificationId = id.slice(0, 128);
          const verification = await verifications.cancelForApp(caller, id);
          if (verification.providerId !== null) request.logContext.providerId = verification.providerId;
          return verificationView(verification, undefined, issuer);
        },
      );

      v1.post<{ Params: VerificationParams; Body: DcResponseSchema }>(
        '/verifications/:verificationId/dc-response',
        {
          schema: { params: VerificationParams, body: DcResponseSchema },
          onRequest: requireRestScope('verifications'),
          config: restContract(
            'Relay a Digital Credentials API response (dc_api flow)',
            'verifications',
            [
              'VALIDATION_MISSING_PARAMETER',
              'VALIDATION_INVALID_PARAMETER',
              'SESSION_VERIFICATION_NOT_FOUND',
              'SESSION_INVALID_FLOW',
              'SESSION_INVALID_STATUS_TRANSITION',
              'PROVIDER_PRESENTATION_INVALID',
              'PROVIDER_CREDENTIAL_UNTRUSTED',
              'PROVIDER_CREDENTIAL_EXPIRED',
              'PROVIDER_CREDENTIAL_REVOKED',
              'PROVIDER_UNAVAILABLE',
            ],
            true,
          ),
        },
        async function relayDcResponse(request) {
          const { app: caller } = restCallerOf(request);
          const id = request.params.verificationId;
          request.logContext.verificationId = id.slice(0, 128);
          const verification = await verifications.dcResponse(id, request.body, caller);
          if (verification.providerId !== null) request.logContext.providerId = verification.providerId;
          const identity =
            verification.status === 'completed' ? await verifications.identityFor(id, caller.clientId) : undefined;
          return verificationView(verification, identity, issuer);
        },
      );
    },
    { prefix: '/v1' },
  );
}
