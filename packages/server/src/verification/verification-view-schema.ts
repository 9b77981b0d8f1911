/**
 * JSON schemas of what the REST verification and provider routes answer with (the
 * shapes `verification-view.ts` builds). The OpenAPI document publishes them as
 * components, and its test validates real responses against them, so a field added to a
 * view without its schema fails there. They are not attached to the routes as response
 * schemas: serialization stays plain `JSON.stringify`.
 */
import { TX_STATES, TX_STATUS_CODES } from '@idgate/errors';
import { type TSchema, Type } from '@sinclair/typebox';
import { Nullable, StringEnum } from '../http/schema-helpers.js';
import { FLOW_TYPES, STANDARD_CLAIMS } from '../providers/descriptors.js';

const DateTime = Type.String({ format: 'date-time' });
const TxState = StringEnum(TX_STATES);
const FlowType = StringEnum(FLOW_TYPES as readonly ['redirect', 'qr', 'push', 'dc_api']);
const Loa = Type.Integer({ minimum: 1, maximum: 5 });
const closed = { additionalProperties: false } as const;

/** The answer of `POST /v1/verifications`. */
export const CreatedVerificationView = Type.Object(createdProperties(), {
  ...closed,
  description: 'A new verification session.',
});

function createdProperties() {
  return {
    verificationId: Type.String({ description: '`vrf_test_…` (sandbox) or `vrf_live_…` (production).' }),
    status: TxState,
    providerId: Nullable(Type.String()),
    flowType: Nullable(FlowType),
    flowDetails: Type.Record(Type.String(), Type.Unknown(), {
      description: 'What the user is shown: `url` (redirect), `qrData` (qr), `message` (push).',
    }),
    expiresAt: DateTime,
    createdAt: DateTime,
  };
}

const Address = Type.Object({
  formatted: Type.Optional(Type.String()),
  street_address: Type.Optional(Type.String()),
  locality: Type.Optional(Type.String()),
  postal_code: Type.Optional(Type.String()),
  country: Type.Optional(Type.String()),
});

/** Normalized OpenID standard claims. */
const Claims = Type.Object(
  {
    given_name: Type.Optional(Type.String()),
    family_name: Type.Optional(Type.String()),
    birthdate: Type.Optional(Type.String({ description: '`YYYY-MM-DD`.' })),
    nationality: Type.Optional(Type.String({ description: 'ISO 3166-1 alpha-2.' })),
    email: Type.Optional(Type.String()),
    email_verified: Type.Optional(Type.Boolean()),
    phone_number: Type.Optional(Type.String({ description: 'E.164.' })),
    phone_number_verified: Type.Optional(Type.Boolean()),
    address: Type.Optional(Address),
    age_over_18: Type.Optional(Type.Boolean()),
  },
  closed,
);

/** `GET /v1/verifications/{id}` and cancel; the identity fields only once completed. */
export const VerificationView = Type.Object(
  {
    ...createdProperties(),
    updatedAt: DateTime,
    requestedLoa: Nullable(Loa),
    requestedClaims: Type.Array(Type.String()),
    error: Type.Optional(
      Type.Object(
        {
          code: StringEnum(TX_STATUS_CODES),
          description: Type.String(),
        },
        { ...closed, description: 'Why the session failed, was cancelled or expired.' },
      ),
    ),
    verifiedAt: Type.Optional(DateTime),
    loa: Type.Optional(Loa),
    acr: Type.Optional(Type.String({ pattern: '^urn:idgate:loa:[1-5]$' })),
    sub: Type.Optional(Type.String({ description: 'Pairwise per app.' })),
    claims: Type.Optional(Claims),
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
    from: Nullable(TxState),
    to: TxState,
    statusCode: Nullable(StringEnum(TX_STATUS_CODES)),
    actor: StringEnum(['app', 'user', 'provider', 'system', 'hook'] as const),
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
    flowTypes: Type.Array(FlowType),
    maxLoa: Loa,
    loaLevels: Type.Array(Loa),
    requiredUserData: Type.Array(Type.String()),
    claims: Type.Array(Type.String()),
    countries: Type.Array(Type.String(), { description: 'ISO 3166-1 alpha-2; empty means any.' }),
    status: StringEnum(['operational', 'degraded', 'unavailable'] as const),
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
  CreatedVerification: CreatedVerificationView,
  Verification: VerificationView,
  VerificationEvent: VerificationEventView,
  VerificationEventsPage,
  Provider: ProviderView,
  ProviderList,
};
