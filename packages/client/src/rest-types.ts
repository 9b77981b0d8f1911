/**
 * The request and response shapes of idgate's REST API `/v1` (SPEC 4), and of what
 * idgate sends to the app (webhook events, the sign-in hook): aliases of the wire types
 * generated from idgate's OpenAPI document (`generated/openapi.ts`, `npm run
 * openapi:types`), so they are exactly what the server sends and cannot drift. Below
 * them, the checks that a 2xx answer really has that shape before the SDK hands it to the
 * app. Timestamps stay ISO 8601 strings, as in the JSON.
 */
import { isTxState, isTxStatusCode } from '@idgate/errors';
import type { components, operations } from './generated/openapi.js';

type Schemas = components['schemas'];

/** A provider enabled for the app (`GET /v1/providers`, `GET /v1/providers/{providerId}`). */
export type Provider = Schemas['Provider'];

/** `GET /v1/providers`. */
export type ProviderList = Schemas['ProviderList'];

/** How the user meets the provider: `redirect`, `qr` or `push`. */
export type FlowType = Provider['flowTypes'][number];

/** A provider's current status: `operational`, `degraded`, `unavailable`, or `maintenance` (switched off by the operator for a while). */
export type ProviderHealth = Provider['status'];

/** A sandbox test identity of a mock provider (docs/sandbox.md): `{ identity, outcome, description }`. */
export type TestIdentity = NonNullable<Provider['testIdentities']>[number];

/** `POST /v1/verifications` body. */
export type CreateVerificationRequest = operations['createVerification']['requestBody']['content']['application/json'];

/** The OpenID standard claims idgate normalizes across providers (what `requestedClaims` may name). */
export type StandardClaim = NonNullable<CreateVerificationRequest['requestedClaims']>[number];

/** What the user is shown: `url` (redirect), `qrData` (qr), `message` (push). */
export type FlowDetails = Schemas['FlowDetails'];

/** `201` of `POST /v1/verifications`. */
export type CreatedVerification = Schemas['CreatedVerification'];

/** `POST /v1/verifications/{id}/dc-response`: what `navigator.credentials.get` returned (`{ protocol, data }`). */
export type DcResponseRequest = operations['relayDcResponse']['requestBody']['content']['application/json'];

/** A postal address, normalized. */
export type NormalizedAddress = Schemas['NormalizedAddress'];

/** Verified claims, normalized across providers. */
export type NormalizedClaims = Schemas['NormalizedClaims'];

/** Where verified data came from (audit): the provider, the issuing authority, the raw claims. */
export type Provenance = NonNullable<Verification['provenance']>;

/**
 * `GET /v1/verifications/{id}` and `POST /v1/verifications/{id}/cancel`. `providerId` and
 * `flowType` are null only for an `/authorize` transaction whose provider is not chosen
 * yet. `error` is there when the session ended other than completed (an app's own
 * cancellation has none); the identity fields once it completed (not in a cancel answer).
 */
export type Verification = Schemas['Verification'];

/** The body of a webhook delivery: a status change of a session (docs/hooks-and-webhooks.md). */
export type WebhookEvent = Schemas['WebhookEvent'];

/** `verification.<status>`, also sent as `Idgate-Event-Type`. */
export type WebhookEventType = WebhookEvent['type'];

/** The body idgate POSTs to the app's sign-in hook (SPEC 6). */
export type SignInHookRequest = Schemas['SignInHookRequest'];

/** What the sign-in hook answers: `{ allow: true }`, or `{ allow: false, errMsg?, errCode? }`. */
export type SignInHookAnswer = Schemas['SignInHookAnswer'];

// ------------------------------------------------------------------ shape checks

/** A shape check: the problems found, as `path: what`, empty when the value fits. */
type Check = (value: unknown, path: string) => string[];

/**
 * The values of a generated string union, listed for the run-time checks; the list must
 * name every member and nothing else (a compile error otherwise), so it follows the
 * generated types.
 */
function everyMemberOf<T extends string>() {
  return function list<const L extends readonly T[]>(values: L & ([T] extends [L[number]] ? unknown : never)) {
    return values as readonly string[];
  };
}

const FLOW_TYPES = everyMemberOf<FlowType>()(['redirect', 'qr', 'push', 'dc_api']);
const HEALTH = everyMemberOf<ProviderHealth>()(['operational', 'degraded', 'unavailable', 'maintenance']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const string: Check = (value, path) => (typeof value === 'string' ? [] : [`${path}: not a string`]);
const integer: Check = (value, path) => (Number.isInteger(value) ? [] : [`${path}: not an integer`]);
const object: Check = (value, path) => (isRecord(value) ? [] : [`${path}: not an object`]);
const timestamp: Check = (value, path) =>
  typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? [] : [`${path}: not a timestamp`];

function oneOf(allowed: readonly string[]): Check {
  return (value, path) =>
    typeof value === 'string' && allowed.includes(value) ? [] : [`${path}: not one of ${allowed.join(', ')}`];
}

function guarded(guard: (value: unknown) => boolean, what: string): Check {
  return (value, path) => (guard(value) ? [] : [`${path}: not ${what}`]);
}

function nullable(check: Check): Check {
  return (value, path) => (value === null ? [] : check(value, path));
}

function arrayOf(check: Check): Check {
  return (value, path) =>
    Array.isArray(value) ? value.flatMap((item, index) => check(item, `${path}[${index}]`)) : [`${path}: not an array`];
}

function shape(required: Record<string, Check>, optional: Record<string, Check> = {}): Check {
  return (value, path) => {
    if (!isRecord(value)) return [`${path}: not an object`];
    const problems: string[] = [];
    for (const [name, check] of Object.entries(required)) {
      problems.push(...(name in value ? check(value[name], `${path}.${name}`) : [`${path}.${name}: missing`]));
    }
    for (const [name, check] of Object.entries(optional)) {
      if (value[name] !== undefined) problems.push(...check(value[name], `${path}.${name}`));
    }
    return problems;
  };
}

const providerShape = shape(
  {
    id: string,
    name: string,
    flowTypes: arrayOf(oneOf(FLOW_TYPES)),
    maxLoa: integer,
    loaLevels: arrayOf(integer),
    requiredUserData: arrayOf(string),
    claims: arrayOf(string),
    countries: arrayOf(string),
    status: oneOf(HEALTH),
  },
  { testIdentities: arrayOf(shape({ identity: string, outcome: string, description: string })) },
);

const createdFields = {
  verificationId: string,
  status: guarded(isTxState, 'a transaction state'),
  flowDetails: object,
  expiresAt: timestamp,
  createdAt: timestamp,
};

/** Checks of each response body, by the name of the type they promise. */
export const RESPONSE_SHAPES = {
  ProviderList: shape({ data: arrayOf(providerShape) }),
  Provider: providerShape,
  CreatedVerification: shape({ ...createdFields, providerId: string, flowType: oneOf(FLOW_TYPES) }),
  Verification: shape(
    {
      ...createdFields,
      providerId: nullable(string),
      flowType: nullable(oneOf(FLOW_TYPES)),
      updatedAt: timestamp,
      requestedLoa: nullable(integer),
      requestedClaims: arrayOf(string),
    },
    {
      error: shape({ code: guarded(isTxStatusCode, 'a transaction status code'), description: string }),
      verifiedAt: timestamp,
      loa: integer,
      acr: string,
      sub: string,
      claims: object,
      missingClaims: arrayOf(string),
      provenance: shape({ providerId: string, issuer: string, rawClaims: object }),
    },
  ),
} as const satisfies Record<string, Check>;

/** The name of a checked response type. */
export type ResponseShape = keyof typeof RESPONSE_SHAPES;
