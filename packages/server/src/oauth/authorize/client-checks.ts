/**
 * The checks that decide whether an authorization error may be redirected at all: the
 * client and its `redirect_uri` (RFC 6749 §4.1.2.1, SPEC 2.1). Every failure here is
 * answered to the user agent (HTML page or JSON), never redirected.
 */
import { IdgateError } from '@idgate/errors';
import type { AppsService } from '../../apps/apps.service.js';
import type { Environment } from '../../config/config.js';
import { checkWellEncoded } from '../../http/parameter-encoding.js';
import { environmentOfCredential } from '../../security/secrets.js';
import type { AppRecord } from '../../store/apps.repository.js';
import { CLIENT_PARAMETERS, checkNotRepeated, type RawParameters, single } from './request-parameters.js';

/** A client id as it may appear in messages and context (bounded). */
function shownClientId(clientId: string): string {
  return clientId.slice(0, 128);
}

/**
 * Refuses a repeated or malformed `client_id` or `redirect_uri` before anything else.
 * @throws IdgateError `VALIDATION_INVALID_PARAMETER`
 */
export function checkClientParametersNotRepeated(params: RawParameters): void {
  // RFC 6749 §3.1 and §4.1.2.1: with two client ids or two redirect URIs there is no verified one to redirect to.
  checkNotRepeated(params, CLIENT_PARAMETERS);
  // RFC 3986 §2.1: a value whose percent-encoding is malformed is not the one the app registered.
  checkWellEncoded(params, 'request', isClientParameter);
}

function isClientParameter(name: string): boolean {
  return (CLIENT_PARAMETERS as readonly string[]).includes(name);
}

/** The app a request names and its verified redirect URI. */
export interface ResolvedClient {
  readonly client: AppRecord;
  readonly redirectUri: string;
}

/**
 * The app the request names and its verified redirect URI (see {@link resolveRedirectUri}).
 * The app is read through the per-instance app cache; a refusal is made only on what the
 * database says now, so an app enabled or a redirect URI registered on another instance
 * counts at once (a change made through this instance always does).
 * @throws IdgateError `VALIDATION_MISSING_PARAMETER`, `AUTH_INVALID_CREDENTIALS` (other
 *   environment's client id), `AUTH_INVALID_CLIENT` (unknown or disabled), and the
 *   errors of {@link resolveRedirectUri}
 */
export async function resolveClient(
  params: RawParameters,
  apps: AppsService,
  environment: Environment,
): Promise<ResolvedClient> {
  const clientId = single(params, 'client_id');
  // RFC 6749 §4.1.1: client_id is REQUIRED; without it no redirect_uri can be verified.
  if (clientId === undefined) {
    throw new IdgateError('VALIDATION_MISSING_PARAMETER', {
      detail: 'The client_id parameter is required.',
      context: { fields: [{ name: 'client_id', reason: 'is required' }] },
    });
  }
  checkClientEnvironment(clientId, environment);
  const cached = await findClient(clientId, apps, true);
  try {
    return usableClient(params, cached);
  } catch (refusal) {
    const fresh = await findClient(clientId, apps, false);
    if (fresh.version === cached.version) throw refusal;
    return usableClient(params, fresh);
  }
}

/** The client-level checks, in order: enabled, then the redirect URI. */
function usableClient(params: RawParameters, app: AppRecord): ResolvedClient {
  // RFC 6749 §4.1.2.1: a disabled client is as good as unknown; never redirect for it.
  if (app.disabled) {
    throw new IdgateError('AUTH_INVALID_CLIENT', {
      detail: 'The client is disabled.',
      context: { client_id: app.clientId },
    });
  }
  return { client: app, redirectUri: resolveRedirectUri(params, app) };
}

/**
 * SPEC 1: sandbox credentials used against production (or the reverse) fail with
 * `AUTH_INVALID_CREDENTIALS` and a detail that says exactly that.
 */
function checkClientEnvironment(clientId: string, environment: Environment): void {
  const credentialEnvironment = environmentOfCredential(clientId);
  if (credentialEnvironment !== undefined && credentialEnvironment !== environment) {
    throw new IdgateError('AUTH_INVALID_CREDENTIALS', {
      detail: `Invalid client credentials: ${credentialEnvironment} credentials were used against ${environment}.`,
      context: { client_id: shownClientId(clientId) },
    });
  }
}

/** RFC 6749 §4.1.2.1: an unknown client is never redirected to. */
async function findClient(clientId: string, apps: AppsService, cached: boolean): Promise<AppRecord> {
  try {
    return cached ? await apps.getCached(clientId) : await apps.getFresh(clientId);
  } catch (error) {
    if (error instanceof IdgateError && error.code === 'RESOURCE_NOT_FOUND') {
      throw new IdgateError('AUTH_INVALID_CLIENT', {
        detail: 'Unknown client: no app has this client_id.',
        context: { client_id: shownClientId(clientId) },
      });
    }
    throw error;
  }
}

/**
 * Whether the request asks for OpenID Connect (its `scope` names `openid`). A repeated
 * `scope` counts when any of its values does: the stricter reading.
 */
export function requestsOpenId(params: RawParameters): boolean {
  const value = params.scope;
  const values = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  return values.some((scope) => scope.split(' ').includes('openid'));
}

/**
 * The verified redirect URI: the one sent, exactly as registered, or the app's only
 * registered URI for a non-`openid` request that sent none.
 * @throws IdgateError `VALIDATION_REDIRECT_URI_REQUIRED`, `VALIDATION_INVALID_PARAMETER`
 */
export function resolveRedirectUri(params: RawParameters, app: AppRecord): string {
  const sent = single(params, 'redirect_uri');
  if (sent === undefined) return defaultRedirectUri(params, app);
  // RFC 9700 §4.1.3 and SPEC 2.1: exact string comparison (scheme, host, port, path, query alike).
  if (!app.redirectUris.includes(sent)) {
    throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
      detail:
        'redirect_uri is not registered for this client. It must equal one of the registered redirect URIs exactly, character for character.',
      context: {
        client_id: app.clientId,
        fields: [{ name: 'redirect_uri', reason: 'does not exactly match a registered redirect URI' }],
      },
    });
  }
  return sent;
}

/**
 * RFC 6749 §3.1.2.3 and OpenID Connect Core §3.1.2.1: `redirect_uri` may be left out only
 * for a plain OAuth request of a client with exactly one registered URI.
 */
function defaultRedirectUri(params: RawParameters, app: AppRecord): string {
  const only = app.redirectUris.length === 1 ? app.redirectUris[0] : undefined;
  if (only !== undefined && !requestsOpenId(params)) return only;
  throw new IdgateError('VALIDATION_REDIRECT_URI_REQUIRED', {
    detail: requestsOpenId(params)
      ? 'The redirect_uri parameter is required for OpenID Connect requests.'
      : 'The redirect_uri parameter is required: this client has more than one registered redirect URI.',
    context: { client_id: app.clientId, fields: [{ name: 'redirect_uri', reason: 'is required' }] },
  });
}
