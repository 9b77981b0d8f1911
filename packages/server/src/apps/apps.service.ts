/**
 * Apps: creation with credentials, reads, guarded updates, deletion, secret and hook
 * secret rotation, and per-app provider settings. Shared by the admin API and the CLI.
 * Every refusal is a catalog error; every write is a single transaction or a single
 * conditional statement, so nothing is half-written.
 */
import { IdgateError } from '@idgate/errors';
import type { Config } from '../config/config.js';
import { etagFor, ifMatchAllows } from '../http/etag.js';
import type { ProviderDescriptor } from '../providers/descriptors.js';
import { defaultProviderIds, findProvider } from '../providers/registry.js';
import {
  environmentOfCredential,
  newClientId,
  newClientSecret,
  newHookSecret,
  type SecretBox,
} from '../security/secrets.js';
import type { AppChanges, AppProviderRecord, AppRecord, AppsRepository } from '../store/apps.repository.js';
import { normalizedBranding } from './app-branding.js';
import { defaultGrantTypes } from './app-policy.js';
import type { CreateAppBody, PutProviderBody, UpdateAppBody } from './app-schemas.js';
import {
  type AppShape,
  appShapeProblems,
  authMethodFieldProblems,
  authMethodsOf,
  profileDefault,
  throwIfProblems,
} from './app-shape.js';
import { RefusedSecrets } from './refused-secrets.js';

/** A created app and the credentials shown only this once. */
export interface CreatedApp {
  readonly app: AppRecord;
  readonly clientSecret: string | undefined;
  readonly hookSecret: string | undefined;
}

/** How long an instance may serve an app from its cache (wall-clock milliseconds). */
export const APP_CACHE_MS = 5000;

/** Most apps one instance keeps cached. */
const APP_CACHE_MAX_ENTRIES = 10_000;

/** A page of apps. */
export interface AppPage {
  readonly apps: readonly AppRecord[];
  readonly nextCursor: string | null;
}

/** Marks a provider setting stored encrypted (`sealed:v1:<SecretBox ciphertext>`). */
const SEALED_SETTING_PREFIX = 'sealed:v1:';

/** App management. */
export class AppsService {
  readonly #repository: AppsRepository;
  readonly #secrets: SecretBox;
  readonly #config: Config;
  readonly #clock: () => Date;

  readonly #cache = new Map<string, { readonly app: AppRecord; readonly until: number }>();

  /** Client secrets this instance refused on what the database said (see {@link RefusedSecrets}). */
  readonly refusedSecrets = new RefusedSecrets();

  constructor(repository: AppsRepository, secrets: SecretBox, config: Config, clock: () => Date) {
    this.#repository = repository;
    this.#secrets = secrets;
    this.#config = config;
    this.#clock = clock;
  }

  /** Creates an app with its credentials; in sandbox the mock providers are enabled. */
  async create(body: CreateAppBody): Promise<CreatedApp> {
    const environment = this.#config.environment;
    const shape: AppShape = {
      type: body.type,
      redirectUris: body.redirectUris,
      allowedOrigins: body.allowedOrigins ?? [],
      grantTypes: body.grantTypes ?? defaultGrantTypes(body.type),
      scopes: body.scopes ?? null,
      tokenEndpointAuthMethods:
        authMethodsOf(body) ??
        body.tokenEndpointAuthMethods ??
        profileDefault(body.profile, 'tokenEndpointAuthMethods') ??
        null,
      signInHookUrl: body.signInHookUrl ?? null,
      webhookUrl: body.webhookUrl ?? null,
      idTokenSignedResponseAlg: body.idTokenSignedResponseAlg ?? null,
      jwks: body.jwks ?? null,
      jwksUri: body.jwksUri ?? null,
      requirePushedAuthorizationRequests:
        body.requirePushedAuthorizationRequests ??
        profileDefault(body.profile, 'requirePushedAuthorizationRequests') ??
        false,
      dpopBoundAccessTokens:
        body.dpopBoundAccessTokens ?? profileDefault(body.profile, 'dpopBoundAccessTokens') ?? false,
      requestObjectSigningAlg: body.requestObjectSigningAlg ?? null,
      profile: body.profile ?? null,
      branding: normalizedBranding(body.branding),
    };
    const problems = [...authMethodFieldProblems(body), ...appShapeProblems(shape, this.#config)];
    const providerIds = [...new Set([...defaultProviderIds(environment), ...(body.providers ?? [])])];
    (body.providers ?? []).forEach((providerId, index) => {
      if (!findProvider(this.#config, providerId)) {
        problems.push({
          name: `providers[${index}]`,
          pointer: `/providers/${index}`,
          reason: `is not a provider offered in ${environment}`,
        });
      }
    });
    throwIfProblems(problems);

    const clientSecret = body.type === 'confidential' ? newClientSecret(environment) : undefined;
    const hookSecret = shape.signInHookUrl || shape.webhookUrl ? newHookSecret() : undefined;
    const app = await this.#repository.create(
      {
        clientId: newClientId(environment),
        environment,
        name: body.name,
        ...shape,
        secretHash: clientSecret ? this.#secrets.hash(clientSecret) : null,
        previousSecretHash: null,
        previousSecretExpiresAt: null,
        hookSecretCiphertext: hookSecret ? this.#secrets.encrypt(hookSecret) : null,
        disabled: false,
      },
      this.#clock(),
      providerIds.map((providerId) => ({ providerId, enabled: true, settings: {} })),
    );
    return { app, clientSecret, hookSecret };
  }

  /**
   * The app with this client id in this instance's environment.
   * @throws IdgateError `RESOURCE_NOT_FOUND`
   */
  async get(clientId: string): Promise<AppRecord> {
    const app = await this.#repository.find(clientId);
    if (!app || app.environment !== this.#config.environment) throw this.#notFound(clientId);
    return app;
  }

  /**
   * The app, from a short-lived per-instance cache (client authentication is on every
   * token, introspection and REST call). Writes through this service drop the entry at
   * once; a change made on another instance shows here within {@link APP_CACHE_MS}.
   * Callers that refuse on what they read (a secret that does not match) must re-read
   * with {@link getFresh} before refusing, so a secret rotated elsewhere works at once.
   * @throws IdgateError `RESOURCE_NOT_FOUND`
   */
  async getCached(clientId: string): Promise<AppRecord> {
    const now = Date.now();
    const hit = this.#cache.get(clientId);
    if (hit && hit.until > now) return hit.app;
    return this.#readThrough(clientId, now);
  }

  /**
   * The app as the database has it now, which then replaces the cached entry (a caller
   * about to refuse on a cached record re-reads it so; see {@link getCached}).
   * @throws IdgateError `RESOURCE_NOT_FOUND`
   */
  async getFresh(clientId: string): Promise<AppRecord> {
    return this.#readThrough(clientId, Date.now());
  }

  async #readThrough(clientId: string, now: number): Promise<AppRecord> {
    this.#cache.delete(clientId);
    const app = await this.get(clientId);
    if (this.#cache.size >= APP_CACHE_MAX_ENTRIES) this.#cache.clear();
    this.#cache.set(clientId, { app, until: now + APP_CACHE_MS });
    return app;
  }

  /** Drops an app from the cache (after a write, or when a caller saw it stale). */
  forget(clientId: string): void {
    this.#cache.delete(clientId);
  }

  /** A page of this environment's apps, in client id order. */
  async list(limit: number, after: string | undefined): Promise<AppPage> {
    const apps = await this.#repository.list({
      environment: this.#config.environment,
      limit: limit + 1,
      ...(after === undefined ? {} : { after }),
    });
    const page = apps.slice(0, limit);
    return { apps: page, nextCursor: apps.length > limit ? (page.at(-1)?.clientId ?? null) : null };
  }

  /**
   * Applies a merge patch. `ifMatch` must name the current ETag when given.
   * @throws IdgateError `RESOURCE_NOT_FOUND`, `RESOURCE_PRECONDITION_FAILED`, `RESOURCE_CONFLICT`, `VALIDATION_INVALID_PARAMETER`
   */
  async update(
    clientId: string,
    patch: UpdateAppBody,
    ifMatch: string | undefined,
  ): Promise<{ app: AppRecord; hookSecret: string | undefined }> {
    const current = await this.get(clientId);
    this.#checkIfMatch(current, ifMatch);
    const shape: AppShape = {
      type: current.type,
      redirectUris: patch.redirectUris ?? current.redirectUris,
      allowedOrigins: patch.allowedOrigins === null ? [] : (patch.allowedOrigins ?? current.allowedOrigins),
      grantTypes:
        patch.grantTypes === null ? defaultGrantTypes(current.type) : (patch.grantTypes ?? current.grantTypes),
      scopes: patch.scopes === undefined ? current.scopes : patch.scopes,
      tokenEndpointAuthMethods:
        authMethodsOf(patch) ??
        profileDefault(patch.profile, 'tokenEndpointAuthMethods') ??
        (patch.tokenEndpointAuthMethods === undefined
          ? current.tokenEndpointAuthMethods
          : patch.tokenEndpointAuthMethods),
      signInHookUrl: patch.signInHookUrl === undefined ? current.signInHookUrl : patch.signInHookUrl,
      webhookUrl: patch.webhookUrl === undefined ? current.webhookUrl : patch.webhookUrl,
      idTokenSignedResponseAlg:
        patch.idTokenSignedResponseAlg === undefined
          ? current.idTokenSignedResponseAlg
          : patch.idTokenSignedResponseAlg,
      jwks: patch.jwks === undefined ? current.jwks : patch.jwks,
      jwksUri: patch.jwksUri === undefined ? current.jwksUri : patch.jwksUri,
      requirePushedAuthorizationRequests:
        patch.requirePushedAuthorizationRequests ??
        profileDefault(patch.profile, 'requirePushedAuthorizationRequests') ??
        current.requirePushedAuthorizationRequests,
      dpopBoundAccessTokens:
        patch.dpopBoundAccessTokens ??
        profileDefault(patch.profile, 'dpopBoundAccessTokens') ??
        current.dpopBoundAccessTokens,
      requestObjectSigningAlg:
        patch.requestObjectSigningAlg === undefined ? current.requestObjectSigningAlg : patch.requestObjectSigningAlg,
      profile: patch.profile === undefined ? current.profile : patch.profile,
      branding: patch.branding === undefined ? current.branding : normalizedBranding(patch.branding),
    };
    throwIfProblems([...authMethodFieldProblems(patch), ...appShapeProblems(shape, this.#config)]);
    const needsHookSecret = (shape.signInHookUrl || shape.webhookUrl) && !current.hookSecretCiphertext;
    const hookSecret = needsHookSecret ? newHookSecret() : undefined;
    const changes: AppChanges = {
      ...(patch.name === undefined ? {} : { name: patch.name }),
      ...(patch.disabled === undefined ? {} : { disabled: patch.disabled }),
      ...shape,
      ...(hookSecret ? { hookSecretCiphertext: this.#secrets.encrypt(hookSecret) } : {}),
    };
    const app = await this.#write(clientId, current.version, changes);
    return { app, hookSecret };
  }

  /**
   * Deletes an app and its provider settings.
   * @throws IdgateError `RESOURCE_NOT_FOUND`, `RESOURCE_PRECONDITION_FAILED`
   */
  async delete(clientId: string, ifMatch: string | undefined): Promise<void> {
    const current = await this.get(clientId);
    this.#checkIfMatch(current, ifMatch);
    this.forget(clientId);
    if (!(await this.#repository.delete(clientId))) throw this.#notFound(clientId);
  }

  /**
   * Issues a new client secret; the old one stays valid for the grace period.
   * @throws IdgateError `VALIDATION_UNPROCESSABLE` for public apps (they have no secret)
   */
  async rotateSecret(
    clientId: string,
    gracePeriodSeconds: number | undefined,
  ): Promise<{ app: AppRecord; clientSecret: string }> {
    const current = await this.get(clientId);
    if (current.type !== 'confidential') {
      throw new IdgateError('VALIDATION_UNPROCESSABLE', {
        detail: 'Public apps have no client secret to rotate.',
        context: { clientId },
      });
    }
    const grace = gracePeriodSeconds ?? this.#config.secretGracePeriodSeconds;
    const clientSecret = newClientSecret(this.#config.environment);
    const now = this.#clock();
    const app = await this.#write(clientId, current.version, {
      secretHash: this.#secrets.hash(clientSecret),
      previousSecretHash: grace > 0 ? current.secretHash : null,
      previousSecretExpiresAt: grace > 0 ? new Date(now.getTime() + grace * 1000) : null,
    });
    return { app, clientSecret };
  }

  /** Issues a new hook secret (the old one stops working at once). */
  async rotateHookSecret(clientId: string): Promise<{ app: AppRecord; hookSecret: string }> {
    const current = await this.get(clientId);
    const hookSecret = newHookSecret();
    const app = await this.#write(clientId, current.version, {
      hookSecretCiphertext: this.#secrets.encrypt(hookSecret),
    });
    return { app, hookSecret };
  }

  /** The app's hook secret in clear, to sign hook calls and webhooks. */
  hookSecretOf(app: AppRecord): string | undefined {
    return app.hookSecretCiphertext ? this.#secrets.decrypt(app.hookSecretCiphertext) : undefined;
  }

  /**
   * The client ids of this environment's apps that list `origin` (an exact serialized
   * origin, as browsers send it) in their `allowedOrigins` (CORS).
   */
  async clientIdsForOrigin(origin: string): Promise<string[]> {
    const clientIds = await this.#repository.clientIdsForOrigin(origin);
    return clientIds.filter((clientId) => environmentOfCredential(clientId) === this.#config.environment);
  }

  /**
   * Whether `secret` is the app's current secret, or its previous one within the grace
   * period (constant-time comparisons).
   */
  secretMatches(app: AppRecord, secret: string): boolean {
    return this.digestMatches(app, this.secretDigest(secret));
  }

  /** The keyed hash of a presented client secret, for {@link digestMatches} and {@link refusedSecrets}. */
  secretDigest(secret: string): string {
    return this.#secrets.hash(secret);
  }

  /** {@link secretMatches} for a secret already hashed with {@link secretDigest}. */
  digestMatches(app: AppRecord, digest: string): boolean {
    const current = this.#secrets.digestMatches(digest, app.secretHash);
    const previous =
      app.previousSecretExpiresAt !== null &&
      app.previousSecretExpiresAt.getTime() > this.#clock().getTime() &&
      this.#secrets.digestMatches(digest, app.previousSecretHash);
    return current || previous;
  }

  /**
   * A provider's settings for an app; a provider never configured reads as disabled.
   * @throws IdgateError `RESOURCE_NOT_FOUND` (app), `PROVIDER_NOT_FOUND`
   */
  async getProvider(
    clientId: string,
    providerId: string,
  ): Promise<{ descriptor: ProviderDescriptor; record: AppProviderRecord | undefined }> {
    await this.get(clientId);
    const descriptor = this.#provider(providerId);
    const record = await this.#repository.findProvider(clientId, providerId);
    return { descriptor, record: record && this.#openSettings(record) };
  }

  /**
   * A provider's settings for an app the caller already holds (no read of the app itself;
   * secret settings decrypted), or `undefined` when the app has none for it.
   */
  async providerRecordOf(app: AppRecord, providerId: string): Promise<AppProviderRecord | undefined> {
    const record = await this.#repository.findProvider(app.clientId, providerId);
    return record && this.#openSettings(record);
  }

  /** Every provider's settings for an app the caller already holds (no read of the app itself). */
  async providerRecordsOf(app: AppRecord): Promise<readonly AppProviderRecord[]> {
    const records = await this.#repository.listProviders(app.clientId);
    return records.map((record) => this.#openSettings(record));
  }

  /** Every provider's settings for an app. */
  async listProviders(clientId: string): Promise<readonly AppProviderRecord[]> {
    await this.get(clientId);
    const records = await this.#repository.listProviders(clientId);
    return records.map((record) => this.#openSettings(record));
  }

  /**
   * Enables, disables or configures a provider for an app.
   * @throws IdgateError `PROVIDER_NOT_FOUND`, `PROVIDER_CONFIGURATION_ERROR`, `RESOURCE_PRECONDITION_FAILED`
   */
  async putProvider(
    clientId: string,
    providerId: string,
    body: PutProviderBody,
    ifMatch: string | undefined,
  ): Promise<{ record: AppProviderRecord; created: boolean }> {
    await this.get(clientId);
    const descriptor = this.#provider(providerId);
    const settings = body.settings ?? {};
    const unknown = Object.keys(settings).filter((name) => !descriptor.settings.includes(name));
    if (unknown.length > 0) {
      throw new IdgateError('PROVIDER_CONFIGURATION_ERROR', {
        detail: `Provider ${providerId} takes ${descriptor.settings.length ? `only these settings: ${descriptor.settings.join(', ')}` : 'no settings'}.`,
        context: {
          providerId,
          fields: unknown.map((name) => ({
            name: `settings.${name}`,
            pointer: `/settings/${name}`,
            reason: 'is not a setting of this provider',
          })),
        },
      });
    }
    const invalid = descriptor.settingsProblems?.(settings) ?? [];
    if (invalid.length > 0) {
      throw new IdgateError('PROVIDER_CONFIGURATION_ERROR', {
        detail: `Invalid settings for provider ${providerId}: ${invalid.map((problem) => problem.name).join(', ')}.`,
        context: { providerId, fields: invalid },
      });
    }
    const flowTypes = body.flowTypes ?? null;
    const unsupported = (flowTypes ?? []).filter((flowType) => !descriptor.flowTypes.includes(flowType));
    if (unsupported.length > 0) {
      throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
        detail: `Provider ${providerId} supports the flow types ${descriptor.flowTypes.join(', ')}, not ${unsupported.join(', ')}.`,
        context: {
          providerId,
          fields: [
            { name: 'flowTypes', pointer: '/flowTypes', reason: `must only name ${descriptor.flowTypes.join(', ')}` },
          ],
        },
      });
    }
    if (ifMatch !== undefined) {
      const existing = await this.#repository.findProvider(clientId, providerId);
      if (!existing || !ifMatchAllows(ifMatch, etagFor(existing.version))) {
        throw preconditionFailed({ clientId, providerId });
      }
    }
    const written = await this.#repository.putProvider(
      clientId,
      providerId,
      { enabled: body.enabled, settings: this.#sealSettings(descriptor, settings), flowTypes },
      this.#clock(),
    );
    return { record: this.#openSettings(written.record), created: written.created };
  }

  /** Secret settings (an upstream provider's `clientSecret`) are stored encrypted. */
  #sealSettings(
    descriptor: ProviderDescriptor,
    settings: Readonly<Record<string, unknown>>,
  ): Readonly<Record<string, unknown>> {
    const secretNames = descriptor.secretSettings ?? [];
    if (secretNames.length === 0) return settings;
    const sealed: Record<string, unknown> = { ...settings };
    for (const name of secretNames) {
      const value = sealed[name];
      if (typeof value === 'string') sealed[name] = `${SEALED_SETTING_PREFIX}${this.#secrets.encrypt(value)}`;
    }
    return sealed;
  }

  /** The record with its secret settings decrypted (for the adapter; the admin view masks them). */
  #openSettings(record: AppProviderRecord): AppProviderRecord {
    let opened: Record<string, unknown> | undefined;
    for (const [name, value] of Object.entries(record.settings)) {
      if (typeof value !== 'string' || !value.startsWith(SEALED_SETTING_PREFIX)) continue;
      opened ??= { ...record.settings };
      opened[name] = this.#secrets.decrypt(value.slice(SEALED_SETTING_PREFIX.length));
    }
    return opened === undefined ? record : { ...record, settings: opened };
  }

  #provider(providerId: string): ProviderDescriptor {
    const descriptor = findProvider(this.#config, providerId);
    if (!descriptor) {
      throw new IdgateError('PROVIDER_NOT_FOUND', {
        detail: `There is no provider '${providerId.slice(0, 64)}' in ${this.#config.environment}.`,
        context: { providerId: providerId.slice(0, 64) },
      });
    }
    return descriptor;
  }

  async #write(clientId: string, expectedVersion: number, changes: AppChanges): Promise<AppRecord> {
    this.forget(clientId);
    const result = await this.#repository.update(clientId, changes, { expectedVersion, now: this.#clock() });
    this.forget(clientId);
    if (result.status === 'updated') return result.app;
    if (result.status === 'not_found') throw this.#notFound(clientId);
    throw new IdgateError('RESOURCE_CONFLICT', {
      detail: 'The app was changed by another request at the same time; read it again and retry.',
      context: { clientId },
    });
  }

  #checkIfMatch(app: AppRecord, ifMatch: string | undefined): void {
    if (!ifMatchAllows(ifMatch, etagFor(app.version))) throw preconditionFailed({ clientId: app.clientId });
  }

  #notFound(clientId: string): IdgateError {
    const other = environmentOfCredential(clientId);
    const wrongEnvironment = other !== undefined && other !== this.#config.environment;
    return new IdgateError('RESOURCE_NOT_FOUND', {
      detail: wrongEnvironment
        ? `There is no app ${clientId.slice(0, 128)} here: it is a ${other} client id and this is the ${this.#config.environment} environment.`
        : `There is no app ${clientId.slice(0, 128)}.`,
      context: { clientId: clientId.slice(0, 128) },
    });
  }
}

function preconditionFailed(context: Record<string, string>): IdgateError {
  return new IdgateError('RESOURCE_PRECONDITION_FAILED', {
    detail: 'If-Match does not match the current ETag; read the resource again and retry with its ETag.',
    context,
  });
}
