/**
 * Authentication of the REST API (SPEC 4): HTTP Basic with the app's client credentials
 * (confidential apps only), or `Authorization: Bearer <access token>` from the
 * `client_credentials` grant (`Authorization: DPoP` with a proof for a DPoP-bound one,
 * RFC 9449 §7). Each route needs one scope: `verifications` or
 * `providers`. With Basic, the app's own allowed scopes count; with a token, the
 * token's scopes.
 */
import { IdgateError } from '@idgate/errors';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { effectiveScopes } from '../apps/app-policy.js';
import type { AppsService } from '../apps/apps.service.js';
import { authenticateClient, presentedCredentials } from '../apps/client-auth.js';
import type { Environment } from '../config/config.js';
import { assertOriginAllowedFor } from '../http/cors.js';
import type { AuthFailures } from '../http/rate-limit/auth-failures.js';
import type { RateLimiter } from '../http/rate-limit/rate-limiter.js';
import type { AppRecord } from '../store/apps.repository.js';
import type { AccessTokens } from '../tokens/access-tokens.js';
import type { DpopProofs } from '../tokens/dpop-proofs.js';
import { tokenFromAuthorization, verifyPresentedToken } from '../tokens/presented-tokens.js';

/** What REST authentication checks against. */
export interface RestAuthDeps {
  readonly issuer: string;
  readonly environment: Environment;
  readonly clock: () => Date;
  readonly apps: AppsService;
  readonly accessTokens: Pick<AccessTokens, 'verify'>;
  readonly rateLimits: Pick<RateLimiter, 'consume'>;
  /** Counts failed authentications (per IP and client id). */
  readonly authFailures: Pick<AuthFailures, 'guard'>;
  readonly dpop: Pick<DpopProofs, 'verify' | 'responseHeaders'>;
}

/** The scopes of the REST API. */
export type RestScope = 'verifications' | 'providers';

/** How the app authenticated. */
export type RestAuthMethod = 'basic' | 'bearer' | 'dpop';

/** An authenticated REST caller. */
export interface RestCaller {
  readonly app: AppRecord;
  readonly method: RestAuthMethod;
}

const callers = new WeakMap<FastifyRequest, RestCaller>();

/** The app a request authenticated as (set by {@link requireRestScope}). */
export function restCallerOf(request: FastifyRequest): RestCaller {
  const caller = callers.get(request);
  if (!caller) throw new TypeError('the route did not authenticate its caller (requireRestScope)');
  return caller;
}

function insufficientScope(scope: RestScope, detail: string): IdgateError {
  return new IdgateError('AUTH_INSUFFICIENT_SCOPE', { detail, context: { scope } });
}

/**
 * Authenticates a REST request and checks its scope.
 * @throws IdgateError `AUTH_MISSING_CREDENTIALS`, `AUTH_INVALID_CREDENTIALS`, `AUTH_INVALID_CLIENT`,
 *   `AUTH_INVALID_TOKEN`, `AUTH_INSUFFICIENT_SCOPE`
 */
export async function authenticateRest(
  deps: RestAuthDeps,
  request: FastifyRequest,
  scope: RestScope,
): Promise<RestCaller> {
  const { apps, environment, clock } = deps;
  const authorization = request.headers.authorization?.trim();
  // RFC 6750 §3.1: a request without any (usable) authentication gets a challenge without an error.
  if (authorization === undefined || !/^(?:basic|bearer|dpop)\s/i.test(authorization)) {
    throw new IdgateError('AUTH_MISSING_CREDENTIALS', {
      detail:
        "The REST API needs the app's credentials as Authorization: Basic, or an access token from the client_credentials grant as Authorization: Bearer.",
    });
  }

  if (/^basic\s/i.test(authorization)) {
    // SPEC 3.1: a wrong client id on the REST API is AUTH_INVALID_CREDENTIALS, like a wrong
    // secret; a disabled client stays AUTH_INVALID_CLIENT.
    const { app } = await authenticateClient(presentedCredentials(authorization, undefined), apps, environment, {
      unknownClient: 'AUTH_INVALID_CREDENTIALS',
    });
    if (!effectiveScopes(app).includes(scope)) {
      throw insufficientScope(scope, `This app may not use the ${scope} scope of the REST API.`);
    }
    return { app, method: 'basic' };
  }

  const presented = tokenFromAuthorization(authorization);
  if (presented === undefined) throw new TypeError('the Authorization scheme was checked above');
  const path = request.url.split('?', 1)[0] ?? '';
  const claims = await verifyPresentedToken(
    deps,
    presented,
    { proof: request.headers.dpop, method: request.method, url: deps.issuer + path },
    clock(),
  );
  let app: AppRecord;
  try {
    app = await apps.get(claims.cid);
  } catch (error) {
    if (error instanceof IdgateError && error.code === 'RESOURCE_NOT_FOUND') {
      throw new IdgateError('AUTH_INVALID_TOKEN', {
        detail: 'The app the access token was issued to no longer exists.',
      });
    }
    throw error;
  }
  if (app.disabled) {
    throw new IdgateError('AUTH_INVALID_TOKEN', { detail: 'The app the access token was issued to is disabled.' });
  }
  if (!claims.scope.split(' ').includes(scope)) {
    throw insufficientScope(scope, `The access token lacks the ${scope} scope this route needs.`);
  }
  return { app, method: presented.scheme === 'DPoP' ? 'dpop' : 'bearer' };
}

/**
 * The `onRequest` hook of a REST route needing `scope`: authenticates the caller, refuses
 * a browser origin the app did not register (`AUTH_FORBIDDEN`), counts the request
 * against the app's rate limit, and puts the client id into the request's log context.
 */
export type RequireRestScope = (scope: RestScope) => onRequestAsyncHookHandler;

/** The REST routes' authentication hooks, checking against `deps`. */
export function restScopeGuard(deps: RestAuthDeps): RequireRestScope {
  return function requireRestScope(scope: RestScope): onRequestAsyncHookHandler {
    return async function authenticateRestCaller(request: FastifyRequest, reply: FastifyReply) {
      if (/^dpop\s/i.test(request.headers.authorization ?? '')) reply.headers(deps.dpop.responseHeaders());
      // A failure is counted against the caller's IP and client id (`http/rate-limit/auth-failures.ts`).
      const caller = await deps.authFailures.guard(request, reply, function authenticate() {
        return authenticateRest(deps, request, scope);
      });
      request.logContext.clientId = caller.app.clientId;
      assertOriginAllowedFor(request, caller.app, deps.issuer);
      await deps.rateLimits.consume(reply, 'rest-app', caller.app.clientId);
      callers.set(request, caller);
    };
  };
}
