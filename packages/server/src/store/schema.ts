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
  disabled: BooleanInteger;
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
  /** Starts at 1, +1 on every change. */
  version: number;
  created_at: TimestampText;
  updated_at: TimestampText;
}

/** Every table of the idgate database. */
export interface DatabaseSchema {
  apps: AppsTable;
  app_providers: AppProvidersTable;
}
