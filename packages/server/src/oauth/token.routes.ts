/**
 * The token endpoint (RFC 6749 §3.2, §5; OpenID Connect Core 1.0 §3.1.3): POST with a
 * form body; grants `authorization_code`, `refresh_token` and `client_credentials`;
 * client authentication `client_secret_basic`, `client_secret_post` and `none`. Errors
 * are RFC 6749 §5.2 JSON (surface `oauth`), and every response, success included, is
 * `Cache-Control: no-store` (RFC 6749 §5.1).
 *
 * Order of the checks: per-IP rate limit, repeated parameters, `grant_type` present and
 * known, client authentication (its failures counted, `http/rate-limit/auth-failures.ts`),
 * per-client rate limit, grant allowed for the client, the DPoP proof, then the grant's
 * own checks.
 */
import { type ErrorCode, IdgateError } from '@idgate/errors';
import type { FastifyInstance } from 'fastify';
import { KNOWN_GRANT_TYPES } from '../apps/app-policy.js';
import type { AppsService } from '../apps/apps.service.js';
import type { ClientAssertions } from '../apps/client-assertions.js';
import { authenticateClient, presentedCredentials } from '../apps/client-auth.js';
import { assertOriginAllowedFor } from '../http/cors.js';
import type { AuthFailures } from '../http/rate-limit/auth-failures.js';
import type { RateLimiter } from '../http/rate-limit/rate-limiter.js';
import type { AppRecord } from '../store/apps.repository.js';
import type { DpopProofs } from '../tokens/dpop-proofs.js';
import { authorizationCodeGrant } from './grants/authorization-code.grant.js';
import { clientCredentialsGrant } from './grants/client-credentials.grant.js';
import { type GrantRequest, type GrantServices, TOKEN_PARAMS, type TokenResponse } from './grants/grant-context.js';
import { refreshTokenGrant } from './grants/refresh-token.grant.js';
import { ENDPOINT_PATHS } from './oidc-metadata.js';
import { readForm, requiredParam } from './token-request.js';

/** Body types the OAuth endpoints take (RFC 6749 §3.2). */
export const FORM_BODY = ['application/x-www-form-urlencoded'] as const;

/** What the OAuth endpoints answer with (RFC 6749 §5.1, RFC 7662 §2.2, OIDC Core §5.3.2): an `Accept` excluding it is 406. */
export const JSON_ANSWER = ['application/json'] as const;

/** The errors the token endpoint answers with (besides the ones every route can). */
export const TOKEN_ERRORS: readonly ErrorCode[] = [
  'VALIDATION_MISSING_PARAMETER',
  'VALIDATION_INVALID_PARAMETER',
  'VALIDATION_UNSUPPORTED_GRANT_TYPE',
  'VALIDATION_INVALID_SCOPE',
  'VALIDATION_INVALID_PKCE',
  'VALIDATION_MISSING_CLIENT_SECRET',
  'AUTH_MISSING_CREDENTIALS',
  'AUTH_INVALID_CLIENT',
  'AUTH_INVALID_CREDENTIALS',
  'AUTH_INVALID_GRANT',
  'AUTH_FORBIDDEN',
  'AUTH_INVALID_DPOP_PROOF',
  'AUTH_USE_DPOP_NONCE',
  'SYSTEM_RATE_LIMITED',
];

type GrantType = (typeof KNOWN_GRANT_TYPES)[number];
type GrantHandler = (request: GrantRequest) => TokenResponse | Promise<TokenResponse>;

const GRANT_HANDLERS: Readonly<Record<GrantType, GrantHandler>> = {
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
  client_credentials: clientCredentialsGrant,
};

function isGrantType(value: string): value is GrantType {
  return (KNOWN_GRANT_TYPES as readonly string[]).includes(value);
}

/** RFC 6749 §5.2: `unsupported_grant_type` for a grant type idgate does not implement. */
function checkSupportedGrantType(grantType: string): GrantType {
  if (!isGrantType(grantType)) {
    throw new IdgateError('VALIDATION_UNSUPPORTED_GRANT_TYPE', {
      detail: `Unsupported grant_type; idgate supports ${KNOWN_GRANT_TYPES.join(', ')}.`,
      context: { fields: [{ name: 'grant_type', reason: `must be one of ${KNOWN_GRANT_TYPES.join(', ')}` }] },
    });
  }
  return grantType;
}

/** RFC 6749 §5.2: `unauthorized_client` when the client may not use this grant type. */
function checkGrantAllowed(client: AppRecord, grantType: GrantType): void {
  if (!client.grantTypes.includes(grantType)) {
    throw new IdgateError('AUTH_FORBIDDEN', {
      detail: `This client may not use the ${grantType} grant; it may use ${client.grantTypes.join(', ') || 'no grant'}.`,
      context: { client_id: client.clientId, grant_type: grantType },
    });
  }
}

/**
 * RFC 9449 §5 and §10.1 (`dpop_bound_access_tokens`): the DPoP key the tokens are bound
 * to, from the request's proof; an app that must use DPoP is refused without one.
 */
async function dpopKeyOf(
  dpop: Pick<DpopProofs, 'verify'>,
  proof: string | string[] | undefined,
  url: string,
  client: AppRecord,
): Promise<string | undefined> {
  if (proof === undefined) {
    if (!client.dpopBoundAccessTokens) return undefined;
    throw new IdgateError('AUTH_INVALID_DPOP_PROOF', {
      detail: 'This app must bind its access tokens with DPoP: send a DPoP proof with the token request.',
      context: { client_id: client.clientId },
    });
  }
  return dpop.verify({ proof, method: 'POST', url });
}

/** What the token endpoint works with: client authentication, rate limits, and what the grants issue with. */
export interface TokenRoutesDeps extends GrantServices {
  readonly apps: AppsService;
  readonly rateLimits: Pick<RateLimiter, 'consume'>;
  /** Counts failed authentications (per IP and client id). */
  readonly authFailures: Pick<AuthFailures, 'guard'>;
  readonly clock: () => Date;
  /** Checks `private_key_jwt` assertions. */
  readonly clientAssertions: Pick<ClientAssertions, 'verify'>;
  readonly dpop: Pick<DpopProofs, 'verify' | 'responseHeaders'>;
}

/** Registers `/token`. */
export function registerTokenRoutes(app: FastifyInstance, deps: TokenRoutesDeps): void {
  const endpointUrl = deps.issuer + ENDPOINT_PATHS.token;
  const assertions = { verifier: deps.clientAssertions, endpointUrl };
  app.post(
    ENDPOINT_PATHS.token,
    {
      config: {
        idgate: {
          surface: 'oauth',
          consumes: FORM_BODY,
          produces: JSON_ANSWER,
          cors: true,
          realm: 'idgate',
          errors: TOKEN_ERRORS,
        },
      },
    },
    async function token(request, reply) {
      // RFC 6749 §5.1: responses carrying tokens MUST NOT be cached.
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      await deps.rateLimits.consume(reply, 'token-ip', request.ip);
      const params = readForm(request.body, TOKEN_PARAMS);
      const grantType = checkSupportedGrantType(requiredParam(params.grant_type, 'grant_type'));
      const { app: client } = await deps.authFailures.guard(request, reply, function authenticate() {
        return authenticateClient(
          presentedCredentials(request.headers.authorization, params),
          deps.apps,
          deps.environment,
          { assertions },
        );
      });
      request.logContext.clientId = client.clientId;
      // SPEC 7: CORS only for the origins this app registered.
      assertOriginAllowedFor(request, client, deps.issuer);
      await deps.rateLimits.consume(reply, 'token-client', client.clientId);
      checkGrantAllowed(client, grantType);
      const proof = request.headers.dpop;
      if (proof !== undefined) reply.headers(deps.dpop.responseHeaders());
      const dpopJkt = await dpopKeyOf(deps.dpop, proof, endpointUrl, client);
      return GRANT_HANDLERS[grantType]({ services: deps, client, params, now: deps.clock(), dpopJkt });
    },
  );
}
