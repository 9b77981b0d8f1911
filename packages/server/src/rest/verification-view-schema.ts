/**
 * JSON schemas of what the REST verification and provider routes answer with (the
 * shapes `verification-view.ts` builds). The OpenAPI document publishes them as
 * components, and its test validates real responses against them, so a field added to a
 * view without its schema fails there. They are not attached to the routes as response
 * schemas: serialization stays plain `JSON.stringify`.
 */
import { TX_STATES, TX_STATUS_CODES } from '@idgate/errors';
import { type TSchema, Type } from '@sinclair/typebox';
import { STANDARD_CLAIMS } from '../domain/claims.js';
import { FLOW_TYPES } from '../domain/verification.js';
import { Nullable, StringEnum } from '../http/schema-helpers.js';

const DateTime = Type.String({ format: 'date-time' });
/** A transaction state (SPEC 4.1). */
export const TxStateSchema = StringEnum(TX_STATES);
/** A transaction status code (SPEC 4.2). */
export const TxStatusCodeSchema = StringEnum(TX_STATUS_CODES);
/** How the user meets the provider. */
export const FlowTypeSchema = StringEnum(FLOW_TYPES as readonly ['redirect', 'qr', 'push', 'dc_api']);
/** A level of assurance, 1–5. */
export const LoaSchema = Type.Integer({ minimum: 1, maximum: 5 });
/** Who caused a transition (audit trail, webhook events). */
export const VerificationActorSchema = StringEnum(['app', 'user', 'provider', 'system', 'hook'] as const);
const closed = { additionalProperties: false } as const;

/** What the user is shown; a provider may add members of its own. */
export const FlowDetailsSchema = Type.Object(
  {
    url: Type.Optional(Type.String({ description: 'Redirect flows: where to send the user.' })),
    qrData: Type.Optional(Type.String({ description: 'QR flows: what the QR code shows.' })),
    message: Type.Optional(Type.String({ description: 'Push flows: what to tell the user.' })),
  },
  {
    additionalProperties: true,
    description: 'What the user is shown: `url` (redirect), `qrData` (qr), `message` (push).',
  },
);

function createdProperties() {
  return {
    verificationId: Type.String({ description: '`vrf_test_…` (sandbox) or `vrf_live_…` (production).' }),
    status: TxStateSchema,
    flowDetails: FlowDetailsSchema,
    expiresAt: DateTime,
    createdAt: DateTime,
  };
}

/** The answer of `POST /v1/verifications`: a REST session always has its provider and flow. */
export const CreatedVerificationView = Type.Object(
  { ...createdProperties(), providerId: Type.String(), flowType: FlowTypeSchema },
  { ...closed, description: 'A new verification session.' },
);

/** A postal address, normalized. */
export const NormalizedAddressSchema = Type.Object(
  {
    formatted: Type.Optional(Type.String()),
    street_address: Type.Optional(Type.String()),
    locality: Type.Optional(Type.String()),
    postal_code: Type.Optional(Type.String()),
    country: Type.Optional(
      Type.String({ description: 'ISO 3166-1 alpha-2 when the provider sent a two-letter code.' }),
    ),
  },
  closed,
);

/** Normalized OpenID standard claims (also the sign-in hook's `claims`). */
export const NormalizedClaimsSchema = Type.Object(
  {
    given_name: Type.Optional(Type.String()),
    family_name: Type.Optional(Type.String()),
    birthdate: Type.Optional(Type.String({ description: '`YYYY-MM-DD`.' })),
    nationality: Type.Optional(Type.String({ description: 'ISO 3166-1 alpha-2.' })),
    email: Type.Optional(Type.String()),
    email_verified: Type.Optional(Type.Boolean()),
    phone_number: Type.Optional(Type.String({ description: 'E.164.' })),
    phone_number_verified: Type.Optional(Type.Boolean()),
    address: Type.Optional(NormalizedAddressSchema),
    age_over_18: Type.Optional(Type.Boolean()),
  },
  closed,
);

/** `GET /v1/verifications/{id}` and cancel; the identity fields only once completed. */
export const VerificationView = Type.Object(
  {
    ...createdProperties(),
    providerId: Nullable(Type.String({ description: 'Null only while an `/authorize` transaction has no provider.' })),
    flowType: Nullable(FlowTypeSchema),
    updatedAt: DateTime,
    requestedLoa: Nullable(LoaSchema),
    requestedClaims: Type.Array(Type.String()),
    error: Type.Optional(
      Type.Object(
        {
          code: TxStatusCodeSchema,
          description: Type.String(),
          catalogCode: Type.Optional(
            Type.String({
              pattern: '^[A-Z]+(_[A-Z]+)+$',
              description:
                'The catalog code of the error that ended the session (a provider failure, provider data that is missing or invalid, an internal error), when one did.',
            }),
          ),
          docUrl: Type.Optional(Type.String({ format: 'uri', description: "The catalog code's doc page." })),
        },
        {
          ...closed,
          description:
            'Why the session failed, was cancelled or expired: the transaction status code, and the catalog code behind it when an error ended the session.',
        },
      ),
    ),
    verifiedAt: Type.Optional(DateTime),
    loa: Type.Optional(LoaSchema),
    acr: Type.Optional(Type.String({ pattern: '^urn:idgate:loa:[1-5]$' })),
    sub: Type.Optional(Type.String({ description: 'Pairwise per app.' })),
    claims: Type.Optional(NormalizedClaimsSchema),
    missingClaims: Type.Optional(Type.Array(StringEnum(STANDARD_CLAIMS))),
    provenance: Type.Optional(
      Type.Object(
        {
          providerId: Type.String(),
          issuer: Type.String(),
          rawClaims: Type.Record(Type.String(), Type.Unknown()),
        },
        closed,
      ),
    ),
  },
  closed,
);

/** One entry of a verification's audit trail. */
export const VerificationEventView = Type.Object(
  {
    from: Nullable(TxStateSchema),
    to: TxStateSchema,
    statusCode: Nullable(TxStatusCodeSchema),
    actor: VerificationActorSchema,
    at: DateTime,
  },
  closed,
);

/** `GET /admin/v1/verifications/{id}/events`. */
export const VerificationEventsPage = Type.Object(
  { verificationId: Type.String(), data: Type.Array(VerificationEventView) },
  closed,
);

/** A provider as an app sees it. */
export const ProviderView = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    flowTypes: Type.Array(FlowTypeSchema),
    maxLoa: LoaSchema,
    loaLevels: Type.Array(LoaSchema),
    requiredUserData: Type.Array(Type.String()),
    claims: Type.Array(Type.String()),
    countries: Type.Array(Type.String(), { description: 'ISO 3166-1 alpha-2; empty means any.' }),
    status: StringEnum(['operational', 'degraded', 'unavailable', 'maintenance'] as const),
    maintenanceUntil: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'While `status` is `maintenance` with a known end: when the maintenance is expected to end.',
      }),
    ),
    testIdentities: Type.Optional(
      Type.Array(Type.Object({ identity: Type.String(), outcome: Type.String(), description: Type.String() }, closed), {
        description: 'Sandbox only.',
      }),
    ),
  },
  closed,
);

/** `GET /v1/providers`. */
export const ProviderList = Type.Object({ data: Type.Array(ProviderView) }, closed);

/** The components this module contributes to the OpenAPI document, by name. */
export const VERIFICATION_VIEW_SCHEMAS: Readonly<Record<string, TSchema>> = {
  FlowDetails: FlowDetailsSchema,
  NormalizedAddress: NormalizedAddressSchema,
  NormalizedClaims: NormalizedClaimsSchema,
  CreatedVerification: CreatedVerificationView,
  Verification: VerificationView,
  VerificationEvent: VerificationEventView,
  VerificationEventsPage,
  Provider: ProviderView,
  ProviderList,
};
