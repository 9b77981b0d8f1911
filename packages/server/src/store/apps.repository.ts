/**
 * Apps and their per-app provider settings. The repository converts rows to records
 * (ISO text ↔ `Date`, JSON text ↔ arrays and objects, 0/1 ↔ boolean) and owns the
 * optimistic-concurrency rule: every change increments `version`, and a conditional
 * `UPDATE … WHERE version = ?` lets only one of two concurrent writers win.
 */
import { IdgateError } from '@idgate/errors';
import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { FlowType } from '../domain/verification.js';
import { compileOnce } from './compiled-query.js';
import type { Database } from './database.js';
import type { AppProvidersTable, AppsTable, BooleanInteger, DatabaseSchema } from './schema.js';
import { isForeignKeyViolation } from './translate-errors.js';

/** Whether an app can keep a secret. */
export type AppType = 'confidential' | 'public';

/** A security profile an app can be registered under (SPEC 12). */
export type AppProfile = 'fapi2-security';

/** A JSON Web Key Set (RFC 7517 §5) as registered: public keys only. */
export interface JsonWebKeySet {
  readonly keys: readonly Readonly<Record<string, unknown>>[];
}

/** The environment an app (and the instance serving it) belongs to. */
export type Environment = 'sandbox' | 'production';

/** How an app's hosted pages look (every field optional; validated by the apps service). */
export interface AppBranding {
  /** The name shown in the page header and the provider choice (instead of the app's `name`). */
  readonly name?: string;
  /** An https image shown in the page header; the browser loads it, idgate never does. */
  readonly logoUrl?: string;
  /** `#rrggbb`: buttons. */
  readonly primaryColor?: string;
  /** `#rrggbb`: links, focus outlines and the header rule. */
  readonly accentColor?: string;
}

/** A relying-party application. */
export interface AppRecord {
  /** Primary key, e.g. `test_3hZ…`. */
  readonly clientId: string;
  readonly environment: Environment;
  readonly name: string;
  readonly type: AppType;
  readonly redirectUris: readonly string[];
  readonly allowedOrigins: readonly string[];
  readonly grantTypes: readonly string[];
  /** `null`: the default scopes. */
  readonly scopes: readonly string[] | null;
  /** `null`: any method the app type allows. */
  readonly tokenEndpointAuthMethods: readonly string[] | null;
  readonly signInHookUrl: string | null;
  readonly webhookUrl: string | null;
  /** Hex keyed hash of the current client secret. */
  readonly secretHash: string | null;
  /** Hash of the previous client secret, still valid until `previousSecretExpiresAt`. */
  readonly previousSecretHash: string | null;
  readonly previousSecretExpiresAt: Date | null;
  /** The encrypted hook secret (opaque). */
  readonly hookSecretCiphertext: string | null;
  /** ID token signing algorithm (`null`: RS256, the OIDC default). */
  readonly idTokenSignedResponseAlg: string | null;
  /** The app's public keys (`private_key_jwt`, signed request objects), when registered inline. */
  readonly jwks: JsonWebKeySet | null;
  /** Where the app publishes its public keys instead. */
  readonly jwksUri: string | null;
  /** Whether `/authorize` takes only requests pushed to `/par` (RFC 9126). */
  readonly requirePushedAuthorizationRequests: boolean;
  /** Whether every access token must be DPoP-bound (RFC 9449). */
  readonly dpopBoundAccessTokens: boolean;
  /** The algorithm request objects must be signed with (RFC 9101), or `null` (none required). */
  readonly requestObjectSigningAlg: string | null;
  /** The security profile the app was registered under. */
  readonly profile: AppProfile | null;
  /** The hosted pages' look (`null`: idgate's own). */
  readonly branding: AppBranding | null;
  readonly disabled: boolean;
  /** Starts at 1, +1 on every change (the ETag source). */
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What `create` needs: everything but the fields the repository sets. */
export type NewAppRecord = Omit<AppRecord, 'version' | 'createdAt' | 'updatedAt'>;

/** The fields of an app that `update` may change. */
export type AppChanges = Partial<Omit<AppRecord, 'clientId' | 'environment' | 'version' | 'createdAt' | 'updatedAt'>>;

/** A provider's settings for one app. */
export interface AppProviderRecord {
  readonly clientId: string;
  readonly providerId: string;
  readonly enabled: boolean;
  readonly settings: Readonly<Record<string, unknown>>;
  /** The flow types the app may use with the provider; null: every one the provider has. */
  readonly flowTypes: readonly FlowType[] | null;
  /** Starts at 1, +1 on every change. */
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A provider row written together with a new app. */
export interface NewAppProvider {
  readonly providerId: string;
  readonly enabled: boolean;
  readonly settings: Readonly<Record<string, unknown>>;
}

/** The outcome of `update`. */
export type UpdateAppResult =
  | { readonly status: 'updated'; readonly app: AppRecord }
  | { readonly status: 'not_found' }
  | { readonly status: 'version_mismatch'; readonly current: AppRecord };

/** Options of `update`. */
export interface UpdateAppOptions {
  /** The version the caller last saw (`If-Match`); omitted: the version just read. */
  readonly expectedVersion?: number;
  readonly now: Date;
}

/** Options of `list`. */
export interface ListAppsOptions {
  readonly environment: Environment;
  /** At most this many apps (a positive integer). */
  readonly limit: number;
  /** Only apps whose `clientId` sorts after this one (keyset pagination cursor). */
  readonly after?: string;
}

type AppRow = Selectable<AppsTable>;
type AppProviderRow = Selectable<AppProvidersTable>;

/** Every key of `AppChanges`, for rejecting unknown keys (a programmer error). */
const MUTABLE_APP_FIELDS: ReadonlySet<string> = new Set<keyof AppChanges>([
  'name',
  'type',
  'redirectUris',
  'allowedOrigins',
  'grantTypes',
  'scopes',
  'tokenEndpointAuthMethods',
  'signInHookUrl',
  'webhookUrl',
  'secretHash',
  'previousSecretHash',
  'previousSecretExpiresAt',
  'hookSecretCiphertext',
  'idTokenSignedResponseAlg',
  'jwks',
  'jwksUri',
  'requirePushedAuthorizationRequests',
  'dpopBoundAccessTokens',
  'requestObjectSigningAlg',
  'profile',
  'branding',
  'disabled',
]);

/** Apps and their provider settings, on either dialect. */
export class AppsRepository {
  readonly #database: Database;
  /** `findProvider`, on every `/authorize` and provider start: SQL compiled once (see compiled-query.ts). */
  readonly #findProvider: (parameters: unknown[]) => Promise<Selectable<AppProvidersTable>[]>;

  constructor(database: Database) {
    this.#database = database;
    const db = database.db;
    this.#findProvider = compileOnce(
      db,
      db.selectFrom('app_providers').selectAll().where('client_id', '=', '').where('provider_id', '=', ''),
    );
  }

  get #db(): Kysely<DatabaseSchema> {
    return this.#database.db;
  }

  /**
   * Creates an app (version 1) and its initial provider rows in one transaction: either
   * everything is written or nothing is.
   *
   * @throws IdgateError `RESOURCE_CONFLICT` when the client id (or a provider id in
   *   `providers`) already exists.
   */
  async create(record: NewAppRecord, now: Date, providers: readonly NewAppProvider[] = []): Promise<AppRecord> {
    const timestamp = toTimestamp(now);
    const row: Insertable<AppsTable> = {
      client_id: record.clientId,
      environment: record.environment,
      ...appFieldsToRow(record),
      version: 1,
      created_at: timestamp,
      updated_at: timestamp,
    };
    const providerRows = providers.map(function toProviderRow(provider): Insertable<AppProvidersTable> {
      return {
        client_id: record.clientId,
        provider_id: provider.providerId,
        enabled: toBooleanInteger(provider.enabled),
        settings: JSON.stringify(provider.settings),
        version: 1,
        created_at: timestamp,
        updated_at: timestamp,
      };
    });
    const created = await this.#db.transaction().execute(async function insertAppWithProviders(trx) {
      const inserted = await trx.insertInto('apps').values(row).returningAll().executeTakeFirstOrThrow();
      if (providerRows.length > 0) await trx.insertInto('app_providers').values(providerRows).execute();
      await replaceOrigins(trx, record.clientId, record.allowedOrigins);
      return inserted;
    });
    return rowToApp(created);
  }

  /** The app with this client id, if any. */
  async find(clientId: string): Promise<AppRecord | undefined> {
    const row = await this.#db.selectFrom('apps').selectAll().where('client_id', '=', clientId).executeTakeFirst();
    return row === undefined ? undefined : rowToApp(row);
  }

  /** One page of an environment's apps, ordered by client id. */
  async list(options: ListAppsOptions): Promise<AppRecord[]> {
    const { environment, limit, after } = options;
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new RangeError(`list limit must be a positive integer, got ${String(limit)}`);
    }
    let query = this.#db.selectFrom('apps').selectAll().where('environment', '=', environment);
    if (after !== undefined) query = query.where('client_id', '>', after);
    const rows = await query.orderBy('client_id').limit(limit).execute();
    return rows.map(rowToApp);
  }

  /** How many apps an environment has. */
  async count(environment: Environment): Promise<number> {
    const row = await this.#db
      .selectFrom('apps')
      .select((eb) => eb.fn.countAll().as('count'))
      .where('environment', '=', environment)
      .executeTakeFirstOrThrow();
    // PostgreSQL returns count(*) as a bigint string.
    return Number(row.count);
  }

  /**
   * Changes an app with one conditional `UPDATE … WHERE client_id = ? AND version = ?`
   * that also increments the version, so of two concurrent writers expecting the same
   * version exactly one wins. Without `expectedVersion`, the version just read is
   * expected (a concurrent write in between is reported as `version_mismatch`).
   * Empty `changes` write nothing and do not bump the version.
   */
  async update(clientId: string, changes: AppChanges, options: UpdateAppOptions): Promise<UpdateAppResult> {
    const set = appChangesToRow(changes);
    let expectedVersion = options.expectedVersion;
    if (expectedVersion === undefined || Object.keys(set).length === 0) {
      const current = await this.find(clientId);
      if (current === undefined) return { status: 'not_found' };
      expectedVersion ??= current.version;
      if (current.version !== expectedVersion) return { status: 'version_mismatch', current };
      if (Object.keys(set).length === 0) return { status: 'updated', app: current };
    }
    const version = expectedVersion;
    const row = await this.#db.transaction().execute(async function updateAppAndOrigins(trx) {
      const updated = await trx
        .updateTable('apps')
        .set({ ...set, version: version + 1, updated_at: toTimestamp(options.now) })
        .where('client_id', '=', clientId)
        .where('version', '=', version)
        .returningAll()
        .executeTakeFirst();
      if (updated !== undefined && changes.allowedOrigins !== undefined) {
        await replaceOrigins(trx, clientId, changes.allowedOrigins);
      }
      return updated;
    });
    if (row !== undefined) return { status: 'updated', app: rowToApp(row) };
    const current = await this.find(clientId);
    if (current === undefined) return { status: 'not_found' };
    return { status: 'version_mismatch', current };
  }

  /** Deletes an app and its provider rows; `false` when there was no such app. */
  async delete(clientId: string): Promise<boolean> {
    return this.#db.transaction().execute(async function deleteAppWithProviders(trx) {
      // The foreign key cascades too; deleting explicitly keeps this true on any database.
      await trx.deleteFrom('app_providers').where('client_id', '=', clientId).execute();
      const result = await trx.deleteFrom('apps').where('client_id', '=', clientId).executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }

  /** The client ids of the apps that allow a browser origin (CORS). */
  async clientIdsForOrigin(origin: string): Promise<string[]> {
    const rows = await this.#db.selectFrom('app_origins').select('client_id').where('origin', '=', origin).execute();
    return rows.map((row) => row.client_id);
  }

  /** One provider's settings for an app, if stored. */
  async findProvider(clientId: string, providerId: string): Promise<AppProviderRecord | undefined> {
    const [row] = await this.#findProvider([clientId, providerId]);
    return row === undefined ? undefined : rowToProvider(row);
  }

  /** Every stored provider setting of an app, ordered by provider id. */
  async listProviders(clientId: string): Promise<AppProviderRecord[]> {
    const rows = await this.#db
      .selectFrom('app_providers')
      .selectAll()
      .where('client_id', '=', clientId)
      .orderBy('provider_id')
      .execute();
    return rows.map(rowToProvider);
  }

  /**
   * Creates or replaces one provider's settings for an app in a single upsert: a new
   * row starts at version 1, a replaced one gets version + 1.
   *
   * @throws IdgateError `RESOURCE_NOT_FOUND` when the app does not exist.
   */
  async putProvider(
    clientId: string,
    providerId: string,
    value: {
      readonly enabled: boolean;
      readonly settings: Readonly<Record<string, unknown>>;
      readonly flowTypes?: readonly FlowType[] | null | undefined;
    },
    now: Date,
  ): Promise<{ readonly record: AppProviderRecord; readonly created: boolean }> {
    const timestamp = toTimestamp(now);
    let row: AppProviderRow;
    try {
      row = await this.#db
        .insertInto('app_providers')
        .values({
          client_id: clientId,
          provider_id: providerId,
          enabled: toBooleanInteger(value.enabled),
          settings: JSON.stringify(value.settings),
          flow_types: value.flowTypes == null ? null : JSON.stringify(value.flowTypes),
          version: 1,
          created_at: timestamp,
          updated_at: timestamp,
        })
        .onConflict((oc) =>
          oc.columns(['client_id', 'provider_id']).doUpdateSet((eb) => ({
            enabled: eb.ref('excluded.enabled'),
            settings: eb.ref('excluded.settings'),
            flow_types: eb.ref('excluded.flow_types'),
            version: eb('app_providers.version', '+', 1),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
    } catch (error) {
      if (isForeignKeyViolation(this.#database.kind, error)) {
        throw new IdgateError('RESOURCE_NOT_FOUND', {
          detail: `No app with client_id ${clientId}.`,
          context: { clientId },
          cause: error,
        });
      }
      throw error;
    }
    const record = rowToProvider(row);
    return { record, created: record.version === 1 };
  }
}

function toTimestamp(date: Date): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new TypeError('expected a valid Date');
  return date.toISOString();
}

function fromTimestamp(text: string): Date {
  return new Date(text);
}

function toBooleanInteger(value: boolean): BooleanInteger {
  return value ? 1 : 0;
}

function toJsonOrNull(value: unknown): string | null {
  return value === null ? null : JSON.stringify(value);
}

function parseStringArray(text: string): string[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value)) throw new TypeError('stored JSON is not an array');
  return value.map(String);
}

function parseStringArrayOrNull(text: string | null): string[] | null {
  return text === null ? null : parseStringArray(text);
}

/** The app columns that both `create` and `update` write, from a complete record. */
function appFieldsToRow(
  record: NewAppRecord,
): Omit<AppsTable, 'client_id' | 'environment' | 'version' | 'created_at' | 'updated_at'> {
  return {
    name: record.name,
    type: record.type,
    redirect_uris: JSON.stringify(record.redirectUris),
    allowed_origins: JSON.stringify(record.allowedOrigins),
    grant_types: JSON.stringify(record.grantTypes),
    scopes: toJsonOrNull(record.scopes),
    token_endpoint_auth_methods: toJsonOrNull(record.tokenEndpointAuthMethods),
    sign_in_hook_url: record.signInHookUrl,
    webhook_url: record.webhookUrl,
    secret_hash: record.secretHash,
    previous_secret_hash: record.previousSecretHash,
    previous_secret_expires_at:
      record.previousSecretExpiresAt === null ? null : toTimestamp(record.previousSecretExpiresAt),
    hook_secret_ciphertext: record.hookSecretCiphertext,
    id_token_signed_response_alg: record.idTokenSignedResponseAlg,
    jwks: toJsonOrNull(record.jwks),
    jwks_uri: record.jwksUri,
    require_pushed_authorization_requests: toBooleanInteger(record.requirePushedAuthorizationRequests),
    dpop_bound_access_tokens: toBooleanInteger(record.dpopBoundAccessTokens),
    request_object_signing_alg: record.requestObjectSigningAlg,
    profile: record.profile,
    branding: toJsonOrNull(record.branding),
    disabled: toBooleanInteger(record.disabled),
  };
}

/** The columns a partial change writes; keys that are absent (or `undefined`) stay as they are. */
function appChangesToRow(changes: AppChanges): Updateable<AppsTable> {
  for (const key of Object.keys(changes)) {
    if (!MUTABLE_APP_FIELDS.has(key)) throw new TypeError(`app field ${key} cannot be changed`);
  }
  const row: { -readonly [K in keyof AppsTable]?: AppsTable[K] } = {};
  if (changes.name !== undefined) row.name = changes.name;
  if (changes.type !== undefined) row.type = changes.type;
  if (changes.redirectUris !== undefined) row.redirect_uris = JSON.stringify(changes.redirectUris);
  if (changes.allowedOrigins !== undefined) row.allowed_origins = JSON.stringify(changes.allowedOrigins);
  if (changes.grantTypes !== undefined) row.grant_types = JSON.stringify(changes.grantTypes);
  if (changes.scopes !== undefined) row.scopes = toJsonOrNull(changes.scopes);
  if (changes.tokenEndpointAuthMethods !== undefined) {
    row.token_endpoint_auth_methods = toJsonOrNull(changes.tokenEndpointAuthMethods);
  }
  if (changes.signInHookUrl !== undefined) row.sign_in_hook_url = changes.signInHookUrl;
  if (changes.webhookUrl !== undefined) row.webhook_url = changes.webhookUrl;
  if (changes.secretHash !== undefined) row.secret_hash = changes.secretHash;
  if (changes.previousSecretHash !== undefined) row.previous_secret_hash = changes.previousSecretHash;
  if (changes.previousSecretExpiresAt !== undefined) {
    row.previous_secret_expires_at =
      changes.previousSecretExpiresAt === null ? null : toTimestamp(changes.previousSecretExpiresAt);
  }
  if (changes.hookSecretCiphertext !== undefined) row.hook_secret_ciphertext = changes.hookSecretCiphertext;
  if (changes.idTokenSignedResponseAlg !== undefined) {
    row.id_token_signed_response_alg = changes.idTokenSignedResponseAlg;
  }
  if (changes.jwks !== undefined) row.jwks = toJsonOrNull(changes.jwks);
  if (changes.jwksUri !== undefined) row.jwks_uri = changes.jwksUri;
  if (changes.requirePushedAuthorizationRequests !== undefined) {
    row.require_pushed_authorization_requests = toBooleanInteger(changes.requirePushedAuthorizationRequests);
  }
  if (changes.dpopBoundAccessTokens !== undefined) {
    row.dpop_bound_access_tokens = toBooleanInteger(changes.dpopBoundAccessTokens);
  }
  if (changes.requestObjectSigningAlg !== undefined) row.request_object_signing_alg = changes.requestObjectSigningAlg;
  if (changes.profile !== undefined) row.profile = changes.profile;
  if (changes.branding !== undefined) row.branding = toJsonOrNull(changes.branding);
  if (changes.disabled !== undefined) row.disabled = toBooleanInteger(changes.disabled);
  return row;
}

function rowToApp(row: AppRow): AppRecord {
  return {
    clientId: row.client_id,
    environment: row.environment,
    name: row.name,
    type: row.type,
    redirectUris: parseStringArray(row.redirect_uris),
    allowedOrigins: parseStringArray(row.allowed_origins),
    grantTypes: parseStringArray(row.grant_types),
    scopes: parseStringArrayOrNull(row.scopes),
    tokenEndpointAuthMethods: parseStringArrayOrNull(row.token_endpoint_auth_methods),
    signInHookUrl: row.sign_in_hook_url,
    webhookUrl: row.webhook_url,
    secretHash: row.secret_hash,
    previousSecretHash: row.previous_secret_hash,
    previousSecretExpiresAt:
      row.previous_secret_expires_at === null ? null : fromTimestamp(row.previous_secret_expires_at),
    hookSecretCiphertext: row.hook_secret_ciphertext,
    idTokenSignedResponseAlg: row.id_token_signed_response_alg,
    jwks: row.jwks === null ? null : parseJwks(row.jwks),
    jwksUri: row.jwks_uri,
    requirePushedAuthorizationRequests: Number(row.require_pushed_authorization_requests) === 1,
    dpopBoundAccessTokens: Number(row.dpop_bound_access_tokens) === 1,
    requestObjectSigningAlg: row.request_object_signing_alg,
    profile: row.profile,
    branding: parseBranding(row.branding),
    disabled: Number(row.disabled) === 1,
    version: Number(row.version),
    createdAt: fromTimestamp(row.created_at),
    updatedAt: fromTimestamp(row.updated_at),
  };
}

function parseJwks(text: string): JsonWebKeySet {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || !Array.isArray((value as { keys?: unknown }).keys)) {
    throw new TypeError('stored jwks is not a JSON Web Key Set');
  }
  return value as JsonWebKeySet;
}

function parseBranding(text: string | null): AppBranding | null {
  if (text === null) return null;
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('stored app branding is not a JSON object');
  }
  const branding: { -readonly [K in keyof AppBranding]: string } = {};
  for (const key of ['name', 'logoUrl', 'primaryColor', 'accentColor'] as const) {
    const field = (value as Record<string, unknown>)[key];
    if (typeof field === 'string') branding[key] = field;
  }
  return branding;
}

function rowToProvider(row: AppProviderRow): AppProviderRecord {
  const settings: unknown = JSON.parse(row.settings);
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    throw new TypeError('stored provider settings are not a JSON object');
  }
  return {
    clientId: row.client_id,
    providerId: row.provider_id,
    enabled: Number(row.enabled) === 1,
    settings: settings as Record<string, unknown>,
    flowTypes: row.flow_types == null ? null : (JSON.parse(row.flow_types) as FlowType[]),
    version: Number(row.version),
    createdAt: fromTimestamp(row.created_at),
    updatedAt: fromTimestamp(row.updated_at),
  };
}

/** Keeps `app_origins` equal to an app's allowed origins (inside the caller's transaction). */
async function replaceOrigins(
  trx: Kysely<DatabaseSchema>,
  clientId: string,
  origins: readonly string[],
): Promise<void> {
  await trx.deleteFrom('app_origins').where('client_id', '=', clientId).execute();
  const unique = [...new Set(origins)];
  if (unique.length > 0) {
    await trx
      .insertInto('app_origins')
      .values(unique.map((origin) => ({ origin, client_id: clientId })))
      .execute();
  }
}
