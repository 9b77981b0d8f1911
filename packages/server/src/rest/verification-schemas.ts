/**
 * Request schemas of the REST verification and provider routes (validated at the edge,
 * every offending field listed).
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { STANDARD_CLAIMS } from '../domain/claims.js';
import { FLOW_TYPES } from '../domain/verification.js';
import { StringEnum } from '../http/schema-helpers.js';
import { IDEMPOTENCY_KEY_PATTERN } from './idempotency.js';

/** How deep a `userData` value may nest (an identifier, or an address object, needs one or two levels). */
const USER_DATA_DEPTH = 4;

/**
 * A `userData` value: a JSON value whose strings, arrays and objects are bounded at every
 * level, and which nests at most `levels` deep (the last level takes scalars only). One
 * schema per level, no `anyOf`, so a bad value gets one clear error with its pointer.
 */
function userDataValue(levels: number): TSchema {
  const scalars = ['string', 'number', 'boolean', 'null'];
  if (levels <= 1) return Type.Unsafe({ type: scalars, maxLength: 2048 });
  const inner = userDataValue(levels - 1);
  return Type.Unsafe({
    type: [...scalars, 'array', 'object'],
    maxLength: 2048,
    maxItems: 50,
    items: inner,
    maxProperties: 50,
    propertyNames: { minLength: 1, maxLength: 64 },
    additionalProperties: inner,
  });
}

/** `POST /v1/verifications`. */
export const CreateVerificationSchema = Type.Object(
  {
    providerId: Type.String({ minLength: 1, maxLength: 64 }),
    redirectUri: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, format: 'uri' })),
    userData: Type.Optional(
      Type.Record(Type.String(), userDataValue(USER_DATA_DEPTH), {
        maxProperties: 50,
        propertyNames: { minLength: 1, maxLength: 64 },
      }),
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

/** `POST /v1/verifications/{verificationId}/dc-response`: what `navigator.credentials.get` returned. */
export const DcResponseSchema = Type.Object(
  {
    protocol: Type.String({ minLength: 1, maxLength: 64 }),
    data: Type.Record(Type.String(), Type.Unknown(), {
      minProperties: 1,
      maxProperties: 8,
      propertyNames: { minLength: 1, maxLength: 64 },
    }),
    origin: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, format: 'uri' })),
  },
  { additionalProperties: false },
);
export type DcResponseSchema = Static<typeof DcResponseSchema>;
