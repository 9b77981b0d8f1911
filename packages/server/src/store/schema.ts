/**
 * The database schema as Kysely sees it: one interface per table, columns in
 * snake_case exactly as the migrations create them.
 *
 * Storage conventions (the same on SQLite and PostgreSQL):
 * - timestamps are TEXT, ISO-8601 UTC with milliseconds (`2026-11-22T10:30:00.000Z`), so
 *   lexicographic order is time order;
 * - JSON is TEXT;
 * - booleans are INTEGER 0/1;
 * - integers are `integer`.
 *
 * Repositories convert rows to records; nothing outside `src/store/` should depend on
 * these row shapes.
 */
import type { Generated } from 'kysely';

/** An ISO-8601 UTC timestamp with milliseconds, as stored. */
export type TimestampText = string;

/** A JSON document, as stored. */
export type JsonText = string;

/** A boolean, as stored: 0 or 1. */
export type BooleanInteger = 0 | 1;

/** `apps`: the relying-party applications. */
export interface AppsTable {
  client_id: string;
  environment: 'sandbox' | 'production';
  name: string;
  type: 'confidential' | 'public';
  /** JSON array of strings. */
  redirect_uris: JsonText;
  /** JSON array of strings. */
  allowed_origins: JsonText;
  /** JSON array of strings. */
  grant_types: JsonText;
  /** JSON array of strings, or null for the defaults. */
  scopes: JsonText | null;
  /** JSON array of strings, or null for any method the app type allows. */
  token_endpoint_auth_methods: JsonText | null;
  sign_in_hook_url: string | null;
  webhook_url: string | null;
  secret_hash: string | null;
  previous_secret_hash: string | null;
  previous_secret_expires_at: TimestampText | null;
  hook_secret_ciphertext: string | null;
  /** `RS256` (null, the OIDC default), `ES256` or `EdDSA`. */
  id_token_signed_response_alg: string | null;
  /** JSON object (`AppBranding`), or null for idgate's own look. */
  branding: JsonText | null;
  disabled: BooleanInteger;
  /** JSON Web Key Set (`{ "keys": [...] }`) of the app's public keys, or null (migration 0007). */
  jwks: JsonText | null;
  /** Where the app publishes its JWKS instead, or null. */
  jwks_uri: string | null;
  /** Whether `/authorize` takes only pushed requests (RFC 9126). */
  require_pushed_authorization_requests: BooleanInteger;
  /** Whether access tokens must be DPoP-bound (RFC 9449). */
  dpop_bound_access_tokens: BooleanInteger;
  /** `ES256`, `PS256` or `EdDSA`: request objects must be signed with it (RFC 9101), or null. */
  request_object_signing_alg: string | null;
  /** `fapi2-security`, or null. */
  profile: 'fapi2-security' | null;
  /** Starts at 1, +1 on every change. */
  version: number;
  created_at: TimestampText;
  updated_at: TimestampText;
}

/** `app_providers`: per-app provider settings; rows go when their app goes. */
export interface AppProvidersTable {
  client_id: string;
  provider_id: string;
  enabled: BooleanInteger;
  /** JSON object. */
  settings: JsonText;
  /** JSON array of the flow types the app may use (migration 0008); null: every one the provider has. */
  flow_types: JsonText | null;
  /** Starts at 1, +1 on every change. */
  version: number;
  created_at: TimestampText;
  updated_at: TimestampText;
}

/** Every table of the idgate database. */
export interface AppOriginsTable {
  origin: string;
  client_id: string;
}

export interface SigningKeysTable {
  kid: string;
  alg: 'RS256' | 'ES256' | 'EdDSA';
  status: 'active' | 'previous' | 'retired';
  private_key_ciphertext: string;
  /** JSON: the public JWK. */
  public_jwk: JsonText;
  created_at: TimestampText;
  publish_until: TimestampText | null;
}

export interface RelyingPartyKeysTable {
  kid: string;
  key_use: 'sig' | 'enc';
  alg: 'ES256' | 'PS256' | 'ECDH-ES' | 'RSA-OAEP-256';
  status: 'active' | 'previous' | 'retired';
  private_key_ciphertext: string;
  /** JSON: the public JWK (with `kid`, `use`, `alg`). */
  public_jwk: JsonText;
  created_at: TimestampText;
  publish_until: TimestampText | null;
}

export interface VerificationsTable {
  id: string;
  client_id: string;
  environment: 'sandbox' | 'production';
  origin: 'authorize' | 'rest';
  status: 'initiated' | 'pending' | 'authenticating' | 'completed' | 'failed' | 'cancelled' | 'expired';
  status_code: string | null;
  /** The catalog code of the error that ended the session (migration 0008). */
  error_code: string | null;
  provider_id: string | null;
  flow_type: string | null;
  requested_loa: number | null;
  achieved_loa: number | null;
  /** JSON array. */
  requested_claims: JsonText;
  /** JSON object. */
  flow_details: JsonText;
  user_data_ciphertext: string | null;
  provider_state_ciphertext: string | null;
  result_ciphertext: string | null;
  /** JSON object. */
  authorization_request: JsonText | null;
  redirect_uri: string | null;
  expires_at: TimestampText;
  verified_at: TimestampText | null;
  version: number;
  created_at: TimestampText;
  updated_at: TimestampText;
  /** The app's sign-in hook for this session: null (not called), `pending` (being called) or its outcome. */
  signin_hook_state: 'pending' | 'allowed' | 'denied' | 'unavailable' | null;
  /** The hook's `errMsg` of a denial, as it sent it. */
  signin_hook_err_msg: string | null;
  /** The hook's `errCode` of a denial, as it sent it. */
  signin_hook_err_code: string | null;
}

export interface VerificationEventsTable {
  id: Generated<number>;
  verification_id: string;
  from_status: string | null;
  to_status: string;
  status_code: string | null;
  actor: 'app' | 'user' | 'provider' | 'system' | 'hook';
  at: TimestampText;
}

export interface AuthorizationCodesTable {
  code_hash: string;
  verification_id: string;
  client_id: string;
  grant_id: string;
  redirect_uri: string;
  scope: string;
  nonce: string | null;
  code_challenge: string | null;
  expires_at: TimestampText;
  used_at: TimestampText | null;
  created_at: TimestampText;
}

export interface RefreshTokensTable {
  token_hash: string;
  grant_id: string;
  client_id: string;
  verification_id: string | null;
  scope: string;
  expires_at: TimestampText;
  used_at: TimestampText | null;
  revoked_at: TimestampText | null;
  created_at: TimestampText;
  /** The DPoP key thumbprint a public client's token is bound to (migration 0007). */
  dpop_jkt: string | null;
}

/** `pushed_authorization_requests`: RFC 9126 pushed requests, by the keyed hash of their `request_uri`. */
export interface PushedAuthorizationRequestsTable {
  request_uri_hash: string;
  client_id: string;
  /** The validated parameters, JSON encrypted with the instance's SecretBox. */
  parameters_ciphertext: string;
  expires_at: TimestampText;
  used_at: TimestampText | null;
  created_at: TimestampText;
}

/** `seen_jtis`: one-time identifiers already presented (client assertions, DPoP proofs). */
export interface SeenJtisTable {
  id: string;
  expires_at: TimestampText;
  created_at: TimestampText;
}

export interface RevocationsTable {
  id: string;
  expires_at: TimestampText;
  created_at: TimestampText;
}

export interface IdempotencyRecordsTable {
  client_id: string;
  idempotency_key: string;
  request_hash: string;
  state: 'running' | 'completed';
  response_status: number | null;
  response_body: string | null;
  created_at: TimestampText;
  expires_at: TimestampText;
  /** The token of the request holding a running key (null: taken over freely). */
  holder: string | null;
  /** When a running key's holder is presumed gone and the key may be taken over. */
  lease_expires_at: TimestampText | null;
}

/** `provider_maintenance`: providers an operator switched to maintenance (migration 0008). */
export interface ProviderMaintenanceTable {
  provider_id: string;
  /** Expected end; null: until switched off. */
  until: TimestampText | null;
  reason: string | null;
  since: TimestampText;
}

/** `webhook_events`: the webhook outbox, written in the transaction of the status change. */
export interface WebhookEventsTable {
  /** Delivery order (keyset pagination, per-session ordering). */
  seq: Generated<number | string>;
  /** `evt_…`, sent as `Idgate-Event-Id`. */
  id: string;
  client_id: string;
  verification_id: string;
  /** `verification.<status>`. */
  type: string;
  /** JSON: the exact body that is delivered. */
  payload: JsonText;
  status: 'pending' | 'delivered' | 'failed';
  /** Attempts made in all (numbers the attempt rows). */
  attempt_count: number;
  /** Attempts in the current series (backoff, maximum); a redelivery starts a new series. */
  retry_count: number;
  next_attempt_at: TimestampText;
  /** The lease of the instance delivering it. */
  locked_until: TimestampText | null;
  lock_token: string | null;
  last_http_status: number | null;
  last_error: string | null;
  delivered_at: TimestampText | null;
  created_at: TimestampText;
  updated_at: TimestampText;
}

/** `webhook_attempts`: one row per delivery attempt. */
export interface WebhookAttemptsTable {
  id: Generated<number | string>;
  event_id: string;
  attempt: number;
  started_at: TimestampText;
  duration_ms: number;
  http_status: number | null;
  error: string | null;
}

export interface DatabaseSchema {
  apps: AppsTable;
  app_providers: AppProvidersTable;
  app_origins: AppOriginsTable;
  signing_keys: SigningKeysTable;
  relying_party_keys: RelyingPartyKeysTable;
  verifications: VerificationsTable;
  verification_events: VerificationEventsTable;
  authorization_codes: AuthorizationCodesTable;
  refresh_tokens: RefreshTokensTable;
  revocations: RevocationsTable;
  idempotency_records: IdempotencyRecordsTable;
  provider_maintenance: ProviderMaintenanceTable;
  webhook_events: WebhookEventsTable;
  webhook_attempts: WebhookAttemptsTable;
  pushed_authorization_requests: PushedAuthorizationRequestsTable;
  seen_jtis: SeenJtisTable;
}
