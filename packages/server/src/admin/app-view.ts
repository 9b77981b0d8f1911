/**
 * How apps and their provider settings look in admin API responses. Secrets and hashes
 * never appear; a new secret is added only to the response that created it.
 */
import { effectiveAuthMethods, effectiveScopes } from '../apps/app-policy.js';
import type { AppProviderRecord, AppRecord } from '../store/apps.repository.js';

/** An app as the admin API shows it. */
export function appView(app: AppRecord) {
  const methods = effectiveAuthMethods(app);
  return {
    clientId: app.clientId,
    environment: app.environment,
    name: app.name,
    type: app.type,
    redirectUris: app.redirectUris,
    allowedOrigins: app.allowedOrigins,
    grantTypes: app.grantTypes,
    scopes: effectiveScopes(app),
    scopesRestricted: app.scopes !== null,
    tokenEndpointAuthMethods: methods,
    tokenEndpointAuthMethod: methods.length === 1 ? (methods[0] ?? null) : null,
    signInHookUrl: app.signInHookUrl,
    webhookUrl: app.webhookUrl,
    hasHookSecret: app.hookSecretCiphertext !== null,
    idTokenSignedResponseAlg: app.idTokenSignedResponseAlg ?? 'RS256',
    jwks: app.jwks,
    jwksUri: app.jwksUri,
    requirePushedAuthorizationRequests: app.requirePushedAuthorizationRequests,
    dpopBoundAccessTokens: app.dpopBoundAccessTokens,
    requestObjectSigningAlg: app.requestObjectSigningAlg,
    profile: app.profile,
    branding: app.branding,
    previousSecretExpiresAt: app.previousSecretExpiresAt?.toISOString() ?? null,
    disabled: app.disabled,
    version: app.version,
    createdAt: app.createdAt.toISOString(),
    updatedAt: app.updatedAt.toISOString(),
  };
}

/** Settings whose values are secrets (an upstream provider's `clientSecret`): shown masked. */
const SECRET_SETTING = /secret|password|private_?key/i;

/** What a secret setting reads as (set, value hidden). */
export const MASKED_SETTING = '********';

/** The settings with every secret value masked. */
function maskedSettings(settings: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(settings).map(([name, value]) => [name, SECRET_SETTING.test(name) ? MASKED_SETTING : value]),
  );
}

/** A provider's settings for an app as the admin API shows them (secret values masked). */
export function appProviderView(clientId: string, providerId: string, record: AppProviderRecord | undefined) {
  return {
    clientId,
    providerId,
    enabled: record?.enabled ?? false,
    settings: maskedSettings(record?.settings ?? {}),
    flowTypes: record?.flowTypes ?? null,
    configured: record !== undefined,
    version: record?.version ?? 0,
    updatedAt: record?.updatedAt.toISOString() ?? null,
  };
}
