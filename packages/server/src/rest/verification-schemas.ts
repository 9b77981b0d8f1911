/**
 * Request schemas of the REST verification and provider routes (validated at the edge,
 * every offending field listed).
 */
import { type Static, Type } from '@sinclair/typebox';
import { STANDARD_CLAIMS } from '../domain/claims.js';
import { FLOW_TYPES } from '../domain/verification.js';
import { StringEnum } from '../http/schema-helpers.js';
import { IDEMPOTENCY_KEY_PATTERN } from './idempotency.js';

/** `POST /v1/verifications`. */
export const CreateVerificationSchema = Type.Object(
  {
    providerId: Type.String({ minLength: 1, maxLength: 64 }),
    redirectUri: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    userData: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 64 }), Type.Unknown(), { maxProperties: 50 }),
    ),
    requestedLoa: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
    requestedClaims: Type.Optional(Type.Array(StringEnum(STANDARD_CLAIMS), { uniqueItems: true, maxItems: 20 })),
    flowType: Type.Optional(StringEnum(FLOW_TYPES as readonly ['redirect', 'qr', 'push', 'dc_api'])),
  },
  { additionalProperties: false },
);
export type CreateVerificationSchema = Static<typeof CreateVerificationSchema>;

/** The `Idempotency-Key` request header. */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ pattern: IDEMPOTENCY_KEY_PATTERN })),
});
export type IdempotencyHeaders = Static<typeof IdempotencyHeaders>;

/** `/v1/verifications/{verificationId}` (ids are opaque: a malformed one is simply not found). */
export const VerificationParams = Type.Object({ verificationId: Type.String({ minLength: 1, maxLength: 256 }) });
export type VerificationParams = Static<typeof VerificationParams>;

/** `/v1/providers/{providerId}`. */
export const ProviderIdParams = Type.Object({ providerId: Type.String({ minLength: 1, maxLength: 64 }) });
export type ProviderIdParams = Static<typeof ProviderIdParams>;
