/**
 * The pushed authorization request endpoint (RFC 9126): `POST /par` with the parameters
 * of an authorization request, client-authenticated like the token endpoint (secret,
 * `private_key_jwt`, or `none` for a public client). The request passes the very checks
 * `/authorize` runs (`authorize/client-checks.ts`, `authorize/request-checks.ts`), and a
 * signed request object (`request`, RFC 9101) stands for the parameters when sent — it is
 * required when the app registered `requestObjectSigningAlg`. The answer is `201` with a
 * single-use, short-lived `request_uri` for `/authorize`. Errors are RFC 6749 §5.2 JSON
 * (surface `oauth`); every answer is `Cache-Control: no-store`.
 */
import { type ErrorCode, IdgateError } from '@idgate/errors';
import type { FastifyInstance } from 'fastify';
import type { AppsService } from '../apps/apps.service.js';
import type { ClientAssertions } from '../apps/client-assertions.js';
import { authenticateClient, presentedCredentials } from '../apps/client-auth.js';
import type { ClientKeys } from '../apps/client-keys.js';
import type { PushedRequests } from '../authorization/pushed-requests.js';
import type { Config } from '../config/config.js';
import type { AppRecord } from '../store/apps.repository.js';
import { checkClientParametersNotRepeated, resolveRedirectUri } from './authorize/client-checks.js';
import { checkAuthorizationRequest } from './authorize/request-checks.js';
import { requestObjectParameters } from './authorize/request-object.js';
import { AUTHORIZE_PARAMETERS, parametersOf, type RawParameters, single } from './authorize/request-parameters.js';
import { ENDPOINT_PATHS } from './oidc-metadata.js';
import { FORM_BODY } from './token.routes.js';
import { readForm } from './token-request.js';

/** The codes `/par` answers with besides the ones every route can. */
const PAR_ERRORS: readonly ErrorCode[] = [
  'VALIDATION_MISSING_PARAMETER',
  'VALIDATION_INVALID_PARAMETER',
  'VALIDATION_REDIRECT_URI_REQUIRED',
  'VALIDATION_UNSUPPORTED_RESPONSE_TYPE',
  'VALIDATION_INVALID_SCOPE',
  'VALIDATION_INVALID_PKCE',
  'VALIDATION_UNPROCESSABLE',
  'VALIDATION_MISSING_CLIENT_SECRET',
  'AUTH_MISSING_CREDENTIALS',
  'AUTH_INVALID_CLIENT',
  'AUTH_INVALID_CREDENTIALS',
  'AUTH_FORBIDDEN',
];

/** The client authentication parameters of a push (RFC 9126 §2.1: as at the token endpoint). */
const CLIENT_AUTH_PARAMS = ['client_id', 'client_secret', 'client_assertion', 'client_assertion_type'] as const;

/** What `/par` works with. */
export interface ParRoutesDeps {
  readonly config: Config;
  readonly clock: () => Date;
  readonly apps: AppsService;
  readonly clientAssertions: Pick<ClientAssertions, 'verify'>;
  readonly clientKeys: Pick<ClientKeys, 'keysOf'>;
  readonly pushedRequests: Pick<PushedRequests, 'push'>;
}

/** Registers `POST /par`. */
export function registerParRoutes(app: FastifyInstance, deps: ParRoutesDeps): void {
  const { config } = deps;
  const endpointUrl = config.issuer + ENDPOINT_PATHS.pushedAuthorizationRequest;
  app.post(
    ENDPOINT_PATHS.pushedAuthorizationRequest,
    { config: { idgate: { surface: 'oauth', consumes: FORM_BODY, realm: 'idgate', errors: PAR_ERRORS } } },
    async function pushAuthorizationRequest(request, reply) {
      // RFC 9126 §2.2 and RFC 6749 §5.1: the answer must not be cached.
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      const sent = parametersOf(request.body);
      const { app: client } = await authenticateClient(
        presentedCredentials(request.headers.authorization, readForm(request.body, CLIENT_AUTH_PARAMS)),
        deps.apps,
        config.environment,
        { assertions: { verifier: deps.clientAssertions, endpointUrl } },
      );
      request.logContext.clientId = client.clientId;
      const params = await pushedParametersOf(deps, client, sent);
      // The checks of /authorize, in its order; here every failure is answered as OAuth JSON.
      checkClientParametersNotRepeated(params);
      const redirectUri = resolveRedirectUri(params, client);
      const checked = checkAuthorizationRequest(params, client, redirectUri, { pushed: true });
      if (checked.error) throw checked.error;
      const pushed = await deps.pushedRequests.push(client.clientId, storedParameters(params));
      return reply.code(201).send({ request_uri: pushed.requestUri, expires_in: pushed.expiresIn });
    },
  );
}

/**
 * The request's parameters: a signed request object's claims when one is sent (required
 * when the app registered `requestObjectSigningAlg`), else the form's.
 * @throws IdgateError `VALIDATION_INVALID_PARAMETER`, `VALIDATION_MISSING_PARAMETER`
 */
async function pushedParametersOf(deps: ParRoutesDeps, client: AppRecord, sent: RawParameters): Promise<RawParameters> {
  // RFC 9126 §2.1: request_uri MUST NOT be provided to the PAR endpoint.
  if (sent.request_uri !== undefined) {
    throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
      detail: 'request_uri must not be sent to /par: push the parameters themselves (or a request object).',
      context: { fields: [{ name: 'request_uri', reason: 'must not be sent to the PAR endpoint' }] },
    });
  }
  const requestObject = single(sent, 'request');
  if (requestObject === undefined) {
    if (Array.isArray(sent.request)) {
      throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
        detail: 'Repeated parameter: request; send it once.',
        context: { fields: [{ name: 'request', reason: 'must not be repeated (RFC 6749 section 3.1)' }] },
      });
    }
    if (client.requestObjectSigningAlg !== null) {
      throw new IdgateError('VALIDATION_MISSING_PARAMETER', {
        detail: `This app must push its authorization requests as request objects signed with ${client.requestObjectSigningAlg} (the request parameter, RFC 9101).`,
        context: { client_id: client.clientId, fields: [{ name: 'request', reason: 'is required for this app' }] },
      });
    }
    return sent;
  }
  // RFC 9101 §6.3: only the request object's parameters count.
  return requestObjectParameters(deps.clientKeys, deps.config.issuer, client, requestObject, deps.clock());
}

/** The parameters `/authorize` will read, as single strings (they passed the repeat checks). */
function storedParameters(params: RawParameters): Record<string, string> {
  const stored: Record<string, string> = {};
  for (const name of AUTHORIZE_PARAMETERS) {
    if (name === 'request' || name === 'request_uri' || name === 'client_id') continue;
    const value = single(params, name);
    if (value !== undefined) stored[name] = value;
  }
  return stored;
}
