/**
 * The request and response shapes of idgate's REST API `/v1` (SPEC 4), exactly as the
 * server sends them (its route schemas and response views in
 * packages/server/src/verification/), and the checks that a 2xx answer really has that
 * shape before the SDK hands it to the app. Timestamps stay ISO 8601 strings, as in the
 * JSON.
 */
import { isTxState, isTxStatusCode, type TxState, type TxStatusCode } from '@idgate/errors';

/** How the user meets the provider. */
export type FlowType = 'redirect' | 'qr' | 'push' | 'dc_api';

/** The OpenID standard claims idgate normalizes across providers. */
export type StandardClaim =
  | 'given_name'
  | 'family_name'
  | 'birthdate'
  | 'nationality'
  | 'email'
  | 'phone_number'
  | 'address';

/** A provider's current health. */
export type ProviderHealth = 'operational' | 'degraded' | 'unavailable';

/** A sandbox test identity of a mock provider (docs/sandbox.md). */
export interface TestIdentity {
  /** What to pass as `userData.testIdentity`. */
  readonly identity: string;
  /** The outcome in a few words (`completed`, `failed: err_not_authenticated`, `PROVIDER_ERROR` …). */
  readonly outcome: string;
  readonly description: string;
}

/** A provider enabled for the app (`GET /v1/providers`, `GET /v1/providers/{providerId}`). */
export interface Provider {
  readonly id: string;
  readonly name: string;
  readonly flowTypes: readonly FlowType[];
  /** Highest level of assurance (1–5) it can give. */
  readonly maxLoa: number;
  /** 1 … `maxLoa`. */
  readonly loaLevels: readonly number[];
  /** `userData` fields it needs to start. */
  readonly requiredUserData: readonly string[];
  /** Claims it can return. */
  readonly claims: readonly string[];
  /** ISO 3166-1 alpha-2 countries it serves (empty: any). */
  readonly countries: readonly string[];
  readonly status: ProviderHealth;
  /** Sandbox only: the test identities of a mock provider. */
  readonly testIdentities?: readonly TestIdentity[];
}

/** `GET /v1/providers`. */
export interface ProviderList {
  readonly data: readonly Provider[];
}

/** `POST /v1/verifications` body. */
export interface CreateVerificationRequest {
  readonly providerId: string;
  /** One of the app's registered redirect URIs (exact match). */
  readonly redirectUri?: string;
  /** What the provider needs (`requiredUserData`), or a sandbox `testIdentity`. */
  readonly userData?: Readonly<Record<string, unknown>>;
  /** 1–5. */
  readonly requestedLoa?: number;
  /** Default: every claim the provider can give. */
  readonly requestedClaims?: readonly StandardClaim[];
  /** Default: the provider's first flow type. */
  readonly flowType?: FlowType;
}

/** What the user is shown: `url` (redirect), `qrData` (qr), `message` (push). */
export interface FlowDetails {
  readonly url?: string;
  readonly qrData?: string;
  readonly message?: string;
  readonly [name: string]: unknown;
}

/** `201` of `POST /v1/verifications`. */
export interface CreatedVerification {
  /** `vrf_test_…` (sandbox) or `vrf_live_…` (production). */
  readonly verificationId: string;
  readonly status: TxState;
  readonly providerId: string;
  readonly flowType: FlowType;
  readonly flowDetails: FlowDetails;
  readonly expiresAt: string;
  readonly createdAt: string;
}

/** A postal address, normalized. */
export interface NormalizedAddress {
  readonly formatted?: string;
  readonly street_address?: string;
  readonly locality?: string;
  readonly postal_code?: string;
  /** ISO 3166-1 alpha-2 when the provider sent a two-letter code. */
  readonly country?: string;
}

/** Verified claims, normalized across providers. */
export interface NormalizedClaims {
  readonly given_name?: string;
  readonly family_name?: string;
  /** `YYYY-MM-DD`. */
  readonly birthdate?: string;
  /** ISO 3166-1 alpha-2. */
  readonly nationality?: string;
  readonly email?: string;
  readonly email_verified?: boolean;
  /** E.164. */
  readonly phone_number?: string;
  readonly phone_number_verified?: boolean;
  readonly address?: NormalizedAddress;
  /** Whether the person is 18 or older (wallet credentials). */
  readonly age_over_18?: boolean;
}

/** Where verified data came from (audit). */
export interface Provenance {
  readonly providerId: string;
  /** The issuing authority. */
  readonly issuer: string;
  /** The claims exactly as the provider sent them. */
  readonly rawClaims: Readonly<Record<string, unknown>>;
}

/**
 * `GET /v1/verifications/{id}` and `POST /v1/verifications/{id}/cancel`. `providerId` and
 * `flowType` are null only for an `/authorize` transaction whose provider is not chosen
 * yet. `error` is there when the session ended other than completed (an app's own
 * cancellation has none); the identity fields once it completed (not in a cancel answer).
 */
export interface Verification {
  readonly verificationId: string;
  readonly status: TxState;
  readonly providerId: string | null;
  readonly flowType: FlowType | null;
  readonly flowDetails: FlowDetails;
  readonly expiresAt: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly requestedLoa: number | null;
  readonly requestedClaims: readonly string[];
  readonly error?: { readonly code: TxStatusCode; readonly description: string };
  readonly verifiedAt?: string;
  /** The level of assurance reached. */
  readonly loa?: number;
  /** `urn:idgate:loa:N`. */
  readonly acr?: string;
  /** Pairwise subject: stable for the same person, provider and app. */
  readonly sub?: string;
  readonly claims?: NormalizedClaims;
  /** Requested claims the provider did not give. */
  readonly missingClaims?: readonly string[];
  readonly provenance?: Provenance;
}

// ------------------------------------------------------------------ shape checks

/** A shape check: the problems found, as `path: what`, empty when the value fits. */
type Check = (value: unknown, path: string) => string[];

const FLOW_TYPES: readonly string[] = ['redirect', 'qr', 'push', 'dc_api'];
const HEALTH: readonly string[] = ['operational', 'degraded', 'unavailable'];

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
