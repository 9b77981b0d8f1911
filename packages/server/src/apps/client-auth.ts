/**
 * Client authentication (RFC 6749 §2.3): `client_secret_basic`, `client_secret_post`,
 * `private_key_jwt` (RFC 7523, checked by `client-assertions.ts`), and `none` for public
 * clients. Used by the token, PAR, introspection and revocation endpoints and by the REST
 * API's HTTP Basic. Every refusal is a catalog error.
 */
import { IdgateError } from '@idgate/errors';
import { decodeJwt } from 'jose';
import type { Environment } from '../config/config.js';
import { environmentOfCredential } from '../security/secrets.js';
import type { AppRecord } from '../store/apps.repository.js';
import { effectiveAuthMethods } from './app-policy.js';
import type { AppsService } from './apps.service.js';
import { type ClientAssertions, JWT_BEARER_ASSERTION_TYPE } from './client-assertions.js';

/** How the client authenticated. */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';

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
  /** The JWT of `private_key_jwt`, not yet checked. */
  readonly assertion?: string;
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
    return assertionCredentials(authorization, body, bodyId, bodySecret);
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

/** RFC 7521 §4.2, RFC 7523 §2.2: a JWT client assertion, as the only authentication of the request. */
function assertionCredentials(
  authorization: string | undefined,
  body: Readonly<Record<string, unknown>>,
  bodyId: string | undefined,
  bodySecret: string | undefined,
): PresentedCredentials {
  if ((authorization !== undefined && /^basic\s/i.test(authorization)) || bodySecret !== undefined) {
    // RFC 6749 §2.3: a client MUST NOT use more than one authentication method per request.
    throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
      detail: 'The client authenticated twice (a client assertion and a client secret); use one method.',
      context: { fields: [{ name: 'client_assertion', reason: 'must not be sent together with a client secret' }] },
    });
  }
  if (body.client_assertion_type !== JWT_BEARER_ASSERTION_TYPE) {
    throw new IdgateError('AUTH_INVALID_CLIENT', {
      detail: `client_assertion_type must be ${JWT_BEARER_ASSERTION_TYPE} (private_key_jwt); client_secret_jwt is not accepted.`,
    });
  }
  const assertion = body.client_assertion;
  if (typeof assertion !== 'string' || assertion === '') {
    throw new IdgateError('AUTH_INVALID_CLIENT', {
      detail: 'client_assertion_type was sent without a client_assertion.',
    });
  }
  let subject: unknown;
  try {
    subject = decodeJwt(assertion).sub;
  } catch {
    throw new IdgateError('AUTH_INVALID_CLIENT', { detail: 'The client assertion is not a well-formed signed JWT.' });
  }
  // RFC 7523 §3: sub is the client id; a client_id sent beside it must agree.
  const clientId = bodyId ?? (typeof subject === 'string' ? subject : undefined);
  if (clientId === undefined) {
    throw new IdgateError('AUTH_INVALID_CLIENT', { detail: 'The client assertion names no client (sub).' });
  }
  if (typeof subject === 'string' && subject !== clientId) {
    throw new IdgateError('AUTH_INVALID_CLIENT', {
      detail: "The client assertion's sub differs from client_id: both must be the client id.",
      context: { client_id: clientId.slice(0, 128) },
    });
  }
  return { clientId, clientSecret: undefined, method: 'private_key_jwt', assertion };
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
  /**
   * How `private_key_jwt` assertions are checked, and the URL of the endpoint they are
   * presented at (a valid `aud` beside the issuer). Without it, an assertion is refused.
   */
  readonly assertions?: {
    readonly verifier: Pick<ClientAssertions, 'verify'>;
    readonly endpointUrl: string;
  };
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
  if (method === 'private_key_jwt') return authenticateWithAssertion(credentials, apps, cached, options, unknownClient);
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

/**
 * `private_key_jwt`: the client's checks, then its assertion. A refusal on the cached app
 * is made again on what the database says now (keys registered or an app re-enabled on
 * another instance count at once); the `jti` is only remembered once an assertion passed
 * every other check, so the second look does not see its own first.
 */
async function authenticateWithAssertion(
  credentials: PresentedCredentials,
  apps: AppsService,
  cached: AppRecord,
  options: ClientAuthOptions,
  unknownClient: UnknownClientCode,
): Promise<AuthenticatedClient> {
  const assertions = options.assertions;
  const assertion = credentials.assertion;
  if (assertions === undefined || assertion === undefined) {
    throw new IdgateError('AUTH_INVALID_CLIENT', {
      detail: 'Client assertions are not accepted here; authenticate with the client secret.',
      context: { client_id: cached.clientId },
    });
  }
  async function check(app: AppRecord): Promise<AuthenticatedClient> {
    checkClient(apps, app, 'private_key_jwt', undefined);
    await assertions?.verifier.verify(app, assertion ?? '', assertions.endpointUrl);
    return { app, method: 'private_key_jwt' };
  }
  try {
    return await check(cached);
  } catch (refusal) {
    const fresh = await findClient(apps, cached.clientId, false, unknownClient);
    if (fresh.version === cached.version) throw refusal;
    return check(fresh);
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
  const allowed = effectiveAuthMethods(app);
  if (method === 'none' && allowed.length === 1 && allowed[0] === 'private_key_jwt') {
    throw new IdgateError('AUTH_INVALID_CLIENT', {
      detail: 'This client authenticates with private_key_jwt: send client_assertion and client_assertion_type.',
      context,
    });
  }
  if (
    app.type === 'confidential' &&
    method !== 'private_key_jwt' &&
    (method === 'none' || secretDigest === undefined)
  ) {
    throw new IdgateError('VALIDATION_MISSING_CLIENT_SECRET', {
      detail: 'This client is confidential: authenticate with its client secret.',
      context,
    });
  }
  if (!allowed.includes(method)) {
    throw new IdgateError('AUTH_INVALID_CLIENT', {
      detail: `This client may not authenticate with ${method}; it uses ${allowed.join(', ')}.`,
      context,
    });
  }
  if (
    method !== 'none' &&
    method !== 'private_key_jwt' &&
    (secretDigest === undefined || !apps.digestMatches(app, secretDigest))
  ) {
    throw new IdgateError('AUTH_INVALID_CREDENTIALS', {
      detail: 'Invalid client credentials: the client secret is wrong or was rotated away.',
      context,
    });
  }
  return app;
}
