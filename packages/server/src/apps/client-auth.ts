/**
 * Client authentication (RFC 6749 §2.3): `client_secret_basic`, `client_secret_post`,
 * and `none` for public clients. Used by the token, introspection and revocation
 * endpoints and by the REST API's HTTP Basic. Every refusal is a catalog error.
 */
import { IdgateError } from '@idgate/errors';
import type { Environment } from '../config/config.js';
import { environmentOfCredential } from '../security/secrets.js';
import type { AppRecord } from '../store/apps.repository.js';
import { effectiveAuthMethods } from './app-policy.js';
import type { AppsService } from './apps.service.js';

/** How the client authenticated. */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

/** An authenticated client. */
export interface AuthenticatedClient {
  readonly app: AppRecord;
  readonly method: ClientAuthMethod;
}

/** The credentials a request presented, before they are checked. */
export interface PresentedCredentials {
  readonly clientId: string | undefined;
  /** Never empty: an empty secret reads as none. */
  readonly clientSecret: string | undefined;
  readonly method: ClientAuthMethod | undefined;
}

function decodeBasicPart(part: string): string {
  try {
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before base64.
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    throw new IdgateError('AUTH_INVALID_CLIENT', {
      detail: 'The Basic credentials are not valid form-urlencoded text.',
    });
  }
}

/**
 * Reads client credentials from the `Authorization: Basic` header and/or the form body.
 * An empty secret (`Basic base64("id:")`, `client_secret=`) is no secret (RFC 6749 §3.1:
 * a parameter sent without a value is treated as omitted), so a confidential client
 * sending one is `VALIDATION_MISSING_CLIENT_SECRET` (SPEC 2.2) and the empty value is
 * never hashed nor remembered as a refused secret.
 * @throws IdgateError `VALIDATION_INVALID_PARAMETER` when several methods are used at once
 */
export function presentedCredentials(
  authorization: string | undefined,
  body: Readonly<Record<string, unknown>> | undefined,
): PresentedCredentials {
  const bodyId = typeof body?.client_id === 'string' ? body.client_id : undefined;
  const bodySecret =
    typeof body?.client_secret === 'string' && body.client_secret !== '' ? body.client_secret : undefined;
  if (body?.client_assertion !== undefined || body?.client_assertion_type !== undefined) {
    // RFC 7521 §4.2 / RFC 7523 §3: a client assertion idgate cannot check is invalid_client.
    throw new IdgateError('AUTH_INVALID_CLIENT', {
      detail:
        'Client assertions (private_key_jwt, client_secret_jwt) are not supported yet; authenticate with client_secret_basic or client_secret_post (token_endpoint_auth_methods_supported in the discovery document).',
    });
  }
  if (authorization !== undefined && /^basic\s/i.test(authorization)) {
    if (bodySecret !== undefined) {
      // RFC 6749 §2.3: a client MUST NOT use more than one authentication method per request.
      throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
        detail: 'The client authenticated twice (Basic header and client_secret in the body); use one method.',
        context: { fields: [{ name: 'client_secret', reason: 'must not be sent together with Basic credentials' }] },
      });
    }
    const decoded = Buffer.from(authorization.replace(/^basic\s+/i, '').trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw new IdgateError('AUTH_INVALID_CLIENT', { detail: 'The Basic credentials are malformed.' });
    const clientId = decodeBasicPart(decoded.slice(0, colon));
    if (bodyId !== undefined && bodyId !== clientId) {
      throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
        detail: 'client_id in the body differs from the Basic credentials.',
        context: { fields: [{ name: 'client_id', reason: 'differs from the client id of the Authorization header' }] },
      });
    }
    const secret = decodeBasicPart(decoded.slice(colon + 1));
    return { clientId, clientSecret: secret === '' ? undefined : secret, method: 'client_secret_basic' };
  }
  if (bodySecret !== undefined) return { clientId: bodyId, clientSecret: bodySecret, method: 'client_secret_post' };
  if (bodyId !== undefined) return { clientId: bodyId, clientSecret: undefined, method: 'none' };
  return { clientId: undefined, clientSecret: undefined, method: undefined };
}

/**
 * The code an unknown client id is refused with (SPEC 3.1): `AUTH_INVALID_CLIENT` on the
 * OAuth endpoints ("unknown client"), `AUTH_INVALID_CREDENTIALS` on the REST API ("wrong
 * client id/secret on the REST API").
 */
export type UnknownClientCode = 'AUTH_INVALID_CLIENT' | 'AUTH_INVALID_CREDENTIALS';

/** How {@link authenticateClient} words its refusals for the surface calling it. */
export interface ClientAuthOptions {
  /** Default `AUTH_INVALID_CLIENT` (the OAuth endpoints). */
  readonly unknownClient?: UnknownClientCode;
}

/**
 * Authenticates a client.
 * @throws IdgateError `AUTH_MISSING_CREDENTIALS`, `AUTH_INVALID_CLIENT`, `AUTH_INVALID_CREDENTIALS`, `VALIDATION_MISSING_CLIENT_SECRET`
 */
export async function authenticateClient(
  credentials: PresentedCredentials,
  apps: AppsService,
  environment: Environment,
  options: ClientAuthOptions = {},
): Promise<AuthenticatedClient> {
  const unknownClient = options.unknownClient ?? 'AUTH_INVALID_CLIENT';
  const { clientId, clientSecret, method } = credentials;
  if (clientId === undefined || method === undefined) {
    throw new IdgateError('AUTH_MISSING_CREDENTIALS', {
      detail: 'No client credentials: send Authorization: Basic, or client_id (and client_secret) in the body.',
    });
  }
  const credentialEnvironment = environmentOfCredential(clientId);
  if (credentialEnvironment !== undefined && credentialEnvironment !== environment) {
    throw new IdgateError('AUTH_INVALID_CREDENTIALS', {
      detail: `Invalid client credentials: ${credentialEnvironment} credentials were used against ${environment}.`,
      context: { client_id: clientId.slice(0, 128) },
    });
  }
  const cached = await findClient(apps, clientId, true, unknownClient);
  // Hashed once: compared with the current and previous secret, and looked up among refusals.
  const digest = method === 'none' || clientSecret === undefined ? undefined : apps.secretDigest(clientSecret);
  try {
    return { app: checkClient(apps, cached, method, digest), method };
  } catch (refusal) {
    // A secret already refused on what the database said can never become valid (see
    // RefusedSecrets): refuse it again without another read.
    if (digest !== undefined && isWrongSecret(refusal) && apps.refusedSecrets.has(clientId, digest)) throw refusal;
    // The cached record may be stale (a secret rotated or an app re-enabled on another
    // instance): refuse only on what the database says now. The fresh record replaces the
    // cached one, so a refusal costs one read and the next request still hits the cache.
    // An unknown client is refused here, before any secret is remembered for it.
    const fresh = await findClient(apps, clientId, false, unknownClient);
    try {
      if (fresh.version === cached.version) throw refusal;
      return { app: checkClient(apps, fresh, method, digest), method };
    } catch (freshRefusal) {
      if (digest !== undefined && isWrongSecret(freshRefusal)) apps.refusedSecrets.remember(clientId, digest);
      throw freshRefusal;
    }
  }
}

/** A refusal for the secret itself (the only refusal {@link AppsService.refusedSecrets} keeps). */
function isWrongSecret(refusal: unknown): boolean {
  return refusal instanceof IdgateError && refusal.code === 'AUTH_INVALID_CREDENTIALS';
}

async function findClient(
  apps: AppsService,
  clientId: string,
  cached: boolean,
  unknownClient: UnknownClientCode,
): Promise<AppRecord> {
  try {
    return cached ? await apps.getCached(clientId) : await apps.getFresh(clientId);
  } catch (error) {
    if (error instanceof IdgateError && error.code === 'RESOURCE_NOT_FOUND') {
      throw new IdgateError(unknownClient, {
        detail: 'Unknown client.',
        context: { client_id: clientId.slice(0, 128) },
      });
    }
    throw error;
  }
}

/** The checks on a known client; returns it when they pass. */
function checkClient(
  apps: AppsService,
  app: AppRecord,
  method: ClientAuthMethod,
  secretDigest: string | undefined,
): AppRecord {
  const context = { client_id: app.clientId };
  if (app.disabled) throw new IdgateError('AUTH_INVALID_CLIENT', { detail: 'The client is disabled.', context });
  if (app.type === 'confidential' && (method === 'none' || secretDigest === undefined)) {
    throw new IdgateError('VALIDATION_MISSING_CLIENT_SECRET', {
      detail: 'This client is confidential: authenticate with its client secret.',
      context,
    });
  }
  if (!effectiveAuthMethods(app).includes(method)) {
    throw new IdgateError('AUTH_INVALID_CLIENT', {
      detail: `This client may not authenticate with ${method}; it uses ${effectiveAuthMethods(app).join(', ')}.`,
      context,
    });
  }
  if (method !== 'none' && (secretDigest === undefined || !apps.digestMatches(app, secretDigest))) {
    throw new IdgateError('AUTH_INVALID_CREDENTIALS', {
      detail: 'Invalid client credentials: the client secret is wrong or was rotated away.',
      context,
    });
  }
  return app;
}
