/**
 * Userinfo (OpenID Connect Core 1.0 §5.3, a protected resource per RFC 6750),
 * introspection (RFC 7662) and revocation (RFC 7009).
 *
 * - `/userinfo` (GET, POST): the bearer token comes from `Authorization: Bearer` or, on
 *   POST, the form parameter `access_token` (RFC 6750 §2.1, §2.2), never both; a
 *   DPoP-bound token from `Authorization: DPoP` with its proof (RFC 9449 §7). Errors are
 *   problem+json with RFC 6750 (or RFC 9449 `DPoP`) challenges (surface `bearer`).
 * - `/introspect`: confidential clients only; a DPoP-bound token shows `token_type: DPoP`
 *   and its `cnf.jkt` (RFC 9449 §6.2). A token is `active` only when it is idgate's,
 *   of this environment, unexpired, unrevoked, and was issued to the calling client;
 *   anything else — unknown, expired, revoked, malformed, another client's — is
 *   `{ "active": false }` (RFC 7662 §2.2 lets the server decide what a client may see).
 * - `/revoke`: any client, public ones with `none`. 200 with an empty body whether or not
 *   the token was known (RFC 7009 §2.2); another client's token is left alone. An access
 *   token revokes itself; a refresh token revokes its whole grant (RFC 7009 §2.1).
 */

import { type ErrorCode, IdgateError, isIdgateError } from '@idgate/errors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppsService } from '../apps/apps.service.js';
import type { ClientAssertions } from '../apps/client-assertions.js';
import { authenticateClient, presentedCredentials } from '../apps/client-auth.js';
import type { Environment } from '../config/config.js';
import { scopeList } from '../domain/scope.js';
import { assertOriginAllowedFor } from '../http/cors.js';
import type { AuthFailures } from '../http/rate-limit/auth-failures.js';
import type { AppRecord } from '../store/apps.repository.js';
import type { RevocationsRepository } from '../store/revocations.repository.js';
import { tokenRevocationId } from '../store/revocations.repository.js';
import type { AccessTokenClaims, AccessTokens } from '../tokens/access-tokens.js';
import type { DpopProofs } from '../tokens/dpop-proofs.js';
import { type PresentedAccessToken, tokenFromAuthorization, verifyPresentedToken } from '../tokens/presented-tokens.js';
import type { RefreshTokens } from '../tokens/refresh-tokens.js';
import type { VerifiedIdentities } from './grants/grant-context.js';
import { ENDPOINT_PATHS } from './oidc-metadata.js';
import { FORM_BODY, JSON_ANSWER } from './token.routes.js';
import { readForm, requiredParam } from './token-request.js';

/** The claims each scope releases at userinfo (OpenID Connect Core 1.0 §5.4). */
export const SCOPE_CLAIMS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  profile: ['given_name', 'family_name', 'birthdate', 'nationality'],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
  address: ['address'],
});

const USERINFO_ERRORS: readonly ErrorCode[] = [
  'AUTH_MISSING_CREDENTIALS',
  'AUTH_INVALID_TOKEN',
  'AUTH_INVALID_DPOP_PROOF',
  'AUTH_USE_DPOP_NONCE',
  'AUTH_INSUFFICIENT_SCOPE',
  'VALIDATION_INVALID_PARAMETER',
];

const CLIENT_ENDPOINT_ERRORS: readonly ErrorCode[] = [
  'VALIDATION_MISSING_PARAMETER',
  'VALIDATION_INVALID_PARAMETER',
  'VALIDATION_MISSING_CLIENT_SECRET',
  'AUTH_MISSING_CREDENTIALS',
  'AUTH_INVALID_CLIENT',
  'AUTH_INVALID_CREDENTIALS',
];

/** Parameters of introspection and revocation requests (RFC 7662 §2.1, RFC 7009 §2.1). */
const TOKEN_MANAGEMENT_PARAMS = [
  'token',
  'token_type_hint',
  'client_id',
  'client_secret',
  'client_assertion',
  'client_assertion_type',
] as const;

/** What userinfo, introspection and revocation work with. */
export interface ResourceRoutesDeps {
  readonly issuer: string;
  readonly environment: Environment;
  readonly clock: () => Date;
  readonly apps: AppsService;
  /** Counts failed authentications (per IP and client id). */
  readonly authFailures: Pick<AuthFailures, 'guard'>;
  readonly accessTokens: AccessTokens;
  readonly refreshTokens: RefreshTokens;
  readonly revocations: Pick<RevocationsRepository, 'revoke'>;
  readonly identities: VerifiedIdentities;
  /** Checks `private_key_jwt` assertions at introspection and revocation. */
  readonly clientAssertions: Pick<ClientAssertions, 'verify'>;
  readonly dpop: Pick<DpopProofs, 'verify' | 'responseHeaders'>;
}

/** Registers `/userinfo`, `/introspect`, `/revoke`. */
export function registerResourceRoutes(app: FastifyInstance, deps: ResourceRoutesDeps): void {
  const userinfoContract = {
    surface: 'bearer',
    produces: JSON_ANSWER,
    realm: 'idgate',
    cors: true,
    errors: USERINFO_ERRORS,
  } as const;

  async function userinfo(request: FastifyRequest, reply: FastifyReply): Promise<Record<string, unknown>> {
    const presented = accessTokenOf(request);
    if (presented.scheme === 'DPoP') reply.headers(deps.dpop.responseHeaders());
    const claims = await deps.authFailures.guard(request, reply, function verifyToken() {
      return verifyPresentedToken(
        deps,
        presented,
        { proof: request.headers.dpop, method: request.method, url: deps.issuer + ENDPOINT_PATHS.userinfo },
        deps.clock(),
      );
    });
    request.logContext.clientId = claims.cid;
    if (claims.vid !== undefined) request.logContext.verificationId = claims.vid;
    const response = await userinfoResponse(deps, claims, request);
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    return response;
  }

  app.get(
    ENDPOINT_PATHS.userinfo,
    { config: { idgate: userinfoContract } },
    async function userinfoGet(request, reply) {
      return userinfo(request, reply);
    },
  );
  app.post(
    ENDPOINT_PATHS.userinfo,
    { config: { idgate: { ...userinfoContract, consumes: FORM_BODY } } },
    async function userinfoPost(request, reply) {
      return userinfo(request, reply);
    },
  );

  app.post(
    ENDPOINT_PATHS.introspection,
    {
      config: {
        idgate: {
          surface: 'oauth',
          consumes: FORM_BODY,
          produces: JSON_ANSWER,
          realm: 'idgate',
          errors: [...CLIENT_ENDPOINT_ERRORS, 'AUTH_FORBIDDEN'],
        },
      },
    },
    async function introspect(request, reply) {
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      const params = readForm(request.body, TOKEN_MANAGEMENT_PARAMS);
      const client = await authenticate(deps, request, reply, params, ENDPOINT_PATHS.introspection);
      checkMayIntrospect(client);
      const token = requiredParam(params.token, 'token');
      return introspection(deps, client, token, params.token_type_hint);
    },
  );

  app.post(
    ENDPOINT_PATHS.revocation,
    {
      config: {
        idgate: {
          surface: 'oauth',
          consumes: FORM_BODY,
          produces: JSON_ANSWER,
          realm: 'idgate',
          errors: CLIENT_ENDPOINT_ERRORS,
        },
      },
    },
    async function revoke(request, reply) {
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      const params = readForm(request.body, TOKEN_MANAGEMENT_PARAMS);
      const client = await authenticate(deps, request, reply, params, ENDPOINT_PATHS.revocation);
      const token = requiredParam(params.token, 'token');
      await revocation(deps, client, token, params.token_type_hint);
      // RFC 7009 §2.2: 200 whether or not the token was valid; the body is empty.
      return reply.code(200).send();
    },
  );
}

async function authenticate(
  deps: ResourceRoutesDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  params: Readonly<Record<string, string | undefined>>,
  path: string,
): Promise<AppRecord> {
  const { app: client } = await deps.authFailures.guard(request, reply, function authenticateCaller() {
    return authenticateClient(
      presentedCredentials(request.headers.authorization, params),
      deps.apps,
      deps.environment,
      {
        assertions: { verifier: deps.clientAssertions, endpointUrl: deps.issuer + path },
      },
    );
  });
  request.logContext.clientId = client.clientId;
  return client;
}

/**
 * RFC 6750 §2.1 and §2.2: the token from `Authorization: Bearer` (or `DPoP`, RFC 9449
 * §7.1), or from the form body of a POST; RFC 6750 §2: clients MUST NOT use more than one
 * method per request.
 */
function accessTokenOf(request: FastifyRequest): PresentedAccessToken {
  const fromHeader = tokenFromAuthorization(request.headers.authorization);
  const fromBody = request.method === 'POST' ? readForm(request.body, ['access_token']).access_token : undefined;
  if (fromHeader !== undefined && fromBody !== undefined) {
    throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
      detail: 'The access token was sent twice (Authorization header and access_token in the body); use one method.',
      context: { fields: [{ name: 'access_token', reason: 'must not be sent together with an Authorization header' }] },
    });
  }
  if (fromHeader !== undefined) return fromHeader;
  if (fromBody === undefined || fromBody === '') {
    throw new IdgateError('AUTH_MISSING_CREDENTIALS', {
      detail:
        'No access token: send Authorization: Bearer <token>, or access_token in a form body (POST). Tokens in the query string are not accepted.',
    });
  }
  return { token: fromBody, scheme: 'form' };
}

/** OpenID Connect Core 1.0 §5.3.2: `sub` and the claims the token's scopes release. */
async function userinfoResponse(
  deps: ResourceRoutesDeps,
  claims: AccessTokenClaims,
  request: FastifyRequest,
): Promise<Record<string, unknown>> {
  const scopes = scopeList(claims.scope);
  // OpenID Connect Core 1.0 §5.3: userinfo needs an access token from an OpenID request.
  if (claims.vid === undefined || !scopes.includes('openid')) {
    throw new IdgateError('AUTH_INSUFFICIENT_SCOPE', {
      detail: 'Userinfo needs an access token of an OpenID Connect authorization (scope openid).',
      context: { scope: 'openid' },
    });
  }
  const client = await checkClientActive(deps, claims.cid);
  // SPEC 7: CORS only for the origins this app registered.
  assertOriginAllowedFor(request, client, deps.issuer);
  const identity = await deps.identities.identityFor(claims.vid, claims.cid);
  if (!identity) {
    throw new IdgateError('AUTH_INVALID_TOKEN', {
      detail: 'The verification this access token was issued for is no longer available.',
    });
  }
  const released = identity.claims as Readonly<Record<string, unknown>>;
  const response: Record<string, unknown> = { sub: identity.sub };
  for (const scope of scopes) {
    for (const claim of SCOPE_CLAIMS[scope] ?? []) {
      const value = released[claim];
      if (value !== undefined && value !== null) response[claim] = value;
    }
  }
  return response;
}

/**
 * A token of a deleted or disabled app no longer gives access to anything. Read through
 * the app cache: a change made on another instance counts within `APP_CACHE_MS` (as for
 * client authentication); a disabled app is confirmed with the database before refusing.
 */
async function checkClientActive(deps: ResourceRoutesDeps, clientId: string): Promise<AppRecord> {
  function treatMissingAsInactive(error: unknown): undefined {
    if (isIdgateError(error) && error.code === 'RESOURCE_NOT_FOUND') return undefined;
    throw error;
  }
  let client = await deps.apps.getCached(clientId).catch(treatMissingAsInactive);
  if (client?.disabled) client = await deps.apps.getFresh(clientId).catch(treatMissingAsInactive);
  if (!client || client.disabled) {
    throw new IdgateError('AUTH_INVALID_TOKEN', { detail: 'The app this access token was issued to is disabled.' });
  }
  return client;
}

/** RFC 7662 §2.1: the endpoint MUST require client authentication; a public client proves nothing. */
function checkMayIntrospect(client: AppRecord): void {
  if (client.type !== 'confidential') {
    throw new IdgateError('AUTH_FORBIDDEN', {
      detail: 'Introspection is for confidential clients only.',
      context: { client_id: client.clientId },
    });
  }
}

const INACTIVE = Object.freeze({ active: false });

/** The kinds of token, in the order the hint asks to try them (RFC 7662 §2.1: a hint only). */
function lookupOrder(hint: string | undefined): readonly ('access' | 'refresh')[] {
  return hint === 'refresh_token' ? ['refresh', 'access'] : ['access', 'refresh'];
}

/** RFC 7662 §2.2: the introspection response. */
async function introspection(
  deps: ResourceRoutesDeps,
  client: AppRecord,
  token: string,
  hint: string | undefined,
): Promise<Record<string, unknown>> {
  const now = deps.clock();
  for (const kind of lookupOrder(hint)) {
    const answer =
      kind === 'access'
        ? await introspectAccessToken(deps, client, token, now)
        : await introspectRefreshToken(deps, client, token, now);
    if (answer) return answer;
  }
  return INACTIVE;
}

/** The answer for an access token, or `undefined` when `token` is not one. */
async function introspectAccessToken(
  deps: ResourceRoutesDeps,
  client: AppRecord,
  token: string,
  now: Date,
): Promise<Record<string, unknown> | undefined> {
  const opened = deps.accessTokens.open(token);
  if (!opened) return undefined;
  if (opened.cid !== client.clientId) return INACTIVE;
  let claims: AccessTokenClaims;
  try {
    claims = await deps.accessTokens.verifyOpened(opened, now);
  } catch (error) {
    if (isIdgateError(error) && error.code === 'AUTH_INVALID_TOKEN') return INACTIVE;
    throw error;
  }
  return {
    active: true,
    scope: claims.scope,
    client_id: claims.cid,
    // RFC 9449 §6.2: a DPoP-bound token says so, with the thumbprint of its key.
    token_type: claims.cnf === undefined ? 'Bearer' : 'DPoP',
    exp: claims.exp,
    iat: claims.iat,
    ...(claims.sub === undefined ? {} : { sub: claims.sub }),
    // Access tokens are for idgate's own protected resources (userinfo, /v1).
    aud: deps.issuer,
    iss: deps.issuer,
    jti: claims.jti,
    ...(claims.cnf === undefined ? {} : { cnf: { jkt: claims.cnf.jkt } }),
  };
}

/** The answer for a refresh token, or `undefined` when `token` is not one. */
async function introspectRefreshToken(
  deps: ResourceRoutesDeps,
  client: AppRecord,
  token: string,
  now: Date,
): Promise<Record<string, unknown> | undefined> {
  const record = await deps.refreshTokens.find(token);
  if (!record) return undefined;
  if (record.clientId !== client.clientId) return INACTIVE;
  if ((await deps.refreshTokens.problemOf(record, now)) !== undefined) return INACTIVE;
  const identity =
    record.verificationId === null
      ? undefined
      : await deps.identities.identityFor(record.verificationId, client.clientId);
  if (record.verificationId !== null && !identity) return INACTIVE;
  return {
    active: true,
    scope: record.scope,
    client_id: record.clientId,
    token_type: 'refresh_token',
    exp: Math.floor(record.expiresAt.getTime() / 1000),
    iat: Math.floor(record.createdAt.getTime() / 1000),
    ...(identity ? { sub: identity.sub } : {}),
    iss: deps.issuer,
  };
}

/** RFC 7009 §2.1: revokes the token if it is the calling client's; anything else is left alone. */
async function revocation(
  deps: ResourceRoutesDeps,
  client: AppRecord,
  token: string,
  hint: string | undefined,
): Promise<void> {
  const now = deps.clock();
  for (const kind of lookupOrder(hint)) {
    if (kind === 'access') {
      const claims = deps.accessTokens.open(token);
      if (!claims) continue;
      if (claims.cid === client.clientId && claims.env === deps.environment) {
        const expiresAt = new Date(claims.exp * 1000);
        if (expiresAt > now) await deps.revocations.revoke([tokenRevocationId(claims.jti)], expiresAt, now);
      }
      return;
    }
    const record = await deps.refreshTokens.find(token);
    if (!record) continue;
    // RFC 7009 §2.1: revoking a refresh token also invalidates the access tokens of its grant.
    if (record.clientId === client.clientId) await deps.refreshTokens.revokeGrant(record.grantId, now);
    return;
  }
}
