/**
 * The authorization endpoint (RFC 6749 §4.1.1, OpenID Connect Core §3.1.2): `GET` with a
 * query, `POST` with a form body. Errors answer on the `authorize` surface: until the
 * client and its `redirect_uri` are verified they are shown to the user agent (HTML page
 * or JSON, never redirected); from then on the transaction exists, and every failure
 * ends it and is redirected to the app (SPEC 2.1).
 *
 * What a valid request leads to:
 * - `provider_hint` starts that provider at once. The headless sandbox path
 *   (`provider_hint=mock-redirect` + a test identity as `login_hint`) finishes right
 *   there: `302` to the app with the code (or the transaction's error).
 * - Otherwise the browser is bound to the transaction (a cookie, see
 *   `authorize/browser-binding.ts`) and sent (`303`) to the transaction's hosted page,
 *   `/authorize/{txId}`: the provider choice, or the provider's own page.
 *
 * A request with `request_uri` (RFC 9126 §4) takes its parameters from the pushed
 * request that `/par` stored, once, for the `client_id` sent with it; every other
 * parameter sent beside them is ignored. An unusable `request_uri` is not redirected:
 * the redirect URI it would carry is not known to be the client's.
 *
 * The hosted pages the browser goes to are `ui/hosted-pages.routes.ts`.
 */
import { type ErrorCode, IdgateError } from '@idgate/errors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppsService } from '../apps/apps.service.js';
import { AUTHORIZATION_RESPONSE_HEADERS } from '../authorization/authorization-response.js';
import { bindingCookie } from '../authorization/browser-binding.js';
import { checkProvidersCanServe, offeredProviders } from '../authorization/offered-providers.js';
import type { PushedRequests } from '../authorization/pushed-requests.js';
import {
  codeInputOf,
  endTransaction,
  finishedTransactionLocation,
  hostedPageUrl,
  isFinished,
  logFinished,
} from '../authorization/transaction-outcome.js';
import type { Config } from '../config/config.js';
import type { AuthorizationRequestRecord, Verification } from '../domain/verification.js';
import { toIdgateError } from '../http/error-funnel.js';
import type { RouteContract } from '../http/route-contract.js';
import type { SecretBox } from '../security/secrets.js';
import type { AppRecord } from '../store/apps.repository.js';
import type { AuthorizationCodes } from '../tokens/authorization-codes.js';
import type { VerificationService } from '../verification/verification.service.js';
import { checkClientParametersNotRepeated, resolveClient } from './authorize/client-checks.js';
import { checkAuthorizationRequest } from './authorize/request-checks.js';
import { isRepeated, parametersOf, type RawParameters, single } from './authorize/request-parameters.js';

/** The codes `/authorize` can answer with besides the ones every route can. */
const AUTHORIZE_ERRORS: readonly ErrorCode[] = [
  'VALIDATION_MISSING_PARAMETER',
  'VALIDATION_INVALID_PARAMETER',
  'VALIDATION_REDIRECT_URI_REQUIRED',
  'VALIDATION_UNSUPPORTED_RESPONSE_TYPE',
  'VALIDATION_INVALID_SCOPE',
  'VALIDATION_INVALID_PKCE',
  'VALIDATION_UNPROCESSABLE',
  'VALIDATION_MISSING_USER_DATA',
  'VALIDATION_INVALID_USER_DATA',
  'AUTH_INVALID_CLIENT',
  'AUTH_INVALID_CREDENTIALS',
  'AUTH_FORBIDDEN',
  'PROVIDER_NOT_FOUND',
  'PROVIDER_NOT_ENABLED',
  'SESSION_INVALID_FLOW',
  'PROVIDER_INITIALIZATION_FAILED',
  'PROVIDER_ERROR',
  'PROVIDER_UNAVAILABLE',
  'PROVIDER_CONFIGURATION_ERROR',
  'PROVIDER_AUTHENTICATION_FAILED',
  'PROVIDER_UNEXPECTED_RESPONSE',
];

const FORM = ['application/x-www-form-urlencoded'] as const;

/** What the authorization endpoint works with. */
export interface AuthorizeRoutesDeps {
  readonly config: Config;
  readonly clock: () => Date;
  /** Binds the browser to its transaction. */
  readonly secrets: SecretBox;
  readonly apps: AppsService;
  readonly codes: Pick<AuthorizationCodes, 'issue'>;
  readonly verifications: Pick<
    VerificationService,
    'createAuthorization' | 'draftAuthorization' | 'startAuthorization' | 'startProvider' | 'providerFor' | 'fail'
  >;
  /** The requests pushed to `/par`. */
  readonly pushedRequests: Pick<PushedRequests, 'redeem'>;
}

/** Registers `GET`/`POST /authorize` (the hosted pages are `ui/hosted-pages.routes.ts`). */
export function registerAuthorizeRoutes(app: FastifyInstance, deps: AuthorizeRoutesDeps): void {
  const contract: RouteContract = { surface: 'authorize', errors: AUTHORIZE_ERRORS };

  app.get('/authorize', { config: { idgate: contract } }, function authorizeWithQuery(request, reply) {
    return handleAuthorizationRequest(deps, request, reply, parametersOf(request.query));
  });

  // OpenID Connect Core §3.1.2.1: the authorization endpoint MUST support POST with form serialization.
  app.post(
    '/authorize',
    { config: { idgate: { ...contract, consumes: FORM } } },
    function authorizeWithForm(request, reply) {
      return handleAuthorizationRequest(deps, request, reply, parametersOf(request.body));
    },
  );
}

/** One authorization request, from its parameters to the first redirect. */
async function handleAuthorizationRequest(
  deps: AuthorizeRoutesDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  sent: RawParameters,
): Promise<FastifyReply> {
  const { config, apps, verifications } = deps;

  // Not redirectable (RFC 6749 §4.1.2.1): the client and its redirect_uri, in this order.
  checkClientParametersNotRepeated(sent);
  const pushed = single(sent, 'request_uri') !== undefined || isRepeated(sent, 'request_uri');
  const params = pushed ? await pushedParameters(deps, sent) : sent;
  const { client, redirectUri } = await resolveClient(params, apps, config.environment);
  request.logContext.clientId = client.clientId;

  // From here on every failure is redirected, and the transaction records it (SPEC 2.1).
  const checked = checkAuthorizationRequest(params, client, redirectUri, { pushed });
  const state = checked.record.state;
  request.authorizationRedirect = { redirectUri, state, txState: 'failed' };
  if (checked.error === undefined && isStartedAtOnce(checked.record)) {
    return startAtOnce(deps, request, reply, client, checked.record, redirectUri);
  }
  const transaction = await verifications.createAuthorization(client, checked.record);
  request.logContext.verificationId = transaction.id;
  try {
    if (checked.error) throw checked.error;
    const started = await startTransaction(deps, client, transaction);
    if (started.transaction.providerId !== null) request.logContext.providerId = started.transaction.providerId;
    return await answerTransaction(deps, request, reply, started);
  } catch (thrown) {
    const ended = await endTransaction(verifications, transaction.id, toIdgateError(thrown), request.log);
    request.authorizationRedirect = { redirectUri, state, txState: ended?.status ?? 'failed' };
    throw thrown;
  }
}

/**
 * RFC 9126 §4: the parameters of the pushed request a `request_uri` names, used once,
 * with the `client_id` sent beside it; nothing else sent is read.
 * @throws IdgateError `VALIDATION_MISSING_PARAMETER` (`client_id`), `VALIDATION_INVALID_PARAMETER`
 *   (a repeated, unknown, used, expired or another client's `request_uri`)
 */
async function pushedParameters(deps: AuthorizeRoutesDeps, sent: RawParameters): Promise<RawParameters> {
  const requestUri = single(sent, 'request_uri');
  if (requestUri === undefined) {
    throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
      detail: 'Repeated parameter: request_uri; send it once.',
      context: { fields: [{ name: 'request_uri', reason: 'must not be repeated (RFC 6749 section 3.1)' }] },
    });
  }
  const clientId = single(sent, 'client_id');
  if (clientId === undefined) {
    throw new IdgateError('VALIDATION_MISSING_PARAMETER', {
      detail: 'The client_id parameter is required with request_uri (RFC 9126 section 4).',
      context: { fields: [{ name: 'client_id', reason: 'is required' }] },
    });
  }
  const parameters = await deps.pushedRequests.redeem(requestUri, clientId);
  return { ...parameters, client_id: clientId };
}

/**
 * Whether the request names its provider and the person (`provider_hint` and
 * `login_hint`): the transaction is then created already started, in one database
 * transaction, and on the headless sandbox path completed with its code.
 */
function isStartedAtOnce(record: AuthorizationRequestRecord): record is AuthorizationRequestRecord & {
  readonly providerHint: string;
} {
  return record.providerHint !== undefined && record.loginHint !== undefined;
}

/**
 * A request with `provider_hint` and `login_hint`: the same outcome, audit trail and
 * errors as creating the transaction, then starting the provider, then issuing the code,
 * but written at once (see `VerificationService.startAuthorization`).
 */
async function startAtOnce(
  deps: AuthorizeRoutesDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  client: AppRecord,
  record: AuthorizationRequestRecord & { readonly providerHint: string },
  redirectUri: string,
): Promise<FastifyReply> {
  const { verifications, codes } = deps;
  const draft = verifications.draftAuthorization(client, record);
  request.logContext.verificationId = draft.id;
  let code: string | undefined;
  try {
    const transaction = await verifications.startAuthorization(
      client,
      draft,
      record.providerHint,
      async function issueCode(trx, completed) {
        code = await codes.issue(codeInputOf(completed), trx);
      },
    );
    if (transaction.providerId !== null) request.logContext.providerId = transaction.providerId;
    return await answerTransaction(deps, request, reply, { transaction, issuedCode: code });
  } catch (thrown) {
    const ended = await endTransaction(verifications, draft.id, toIdgateError(thrown), request.log);
    request.authorizationRedirect = { redirectUri, state: record.state, txState: ended?.status ?? 'failed' };
    throw thrown;
  }
}

/** A started transaction, and the hosted page the browser goes to when it waits for the person. */
interface StartedTransaction {
  readonly transaction: Verification;
  /** Set when the person must enter their identifier for the hinted provider first. */
  readonly identifyPageUrl?: string;
  /** The code, when it was issued with the transaction's completion. */
  readonly issuedCode?: string | undefined;
}

/**
 * Starts the provider the request names (`provider_hint`), or checks that the app has a
 * provider for the provider choice at all. A hinted provider that needs the person's
 * identifier (`userData`) and got no `login_hint` starts on its identifier entry page.
 */
async function startTransaction(
  deps: AuthorizeRoutesDeps,
  client: AppRecord,
  transaction: Verification,
): Promise<StartedTransaction> {
  const { config, apps, verifications } = deps;
  const request = transaction.authorizationRequest;
  const providerHint = request?.providerHint;
  if (providerHint !== undefined) {
    if (request?.loginHint === undefined) {
      const { adapter } = await verifications.providerFor(client, providerHint);
      if (adapter.descriptor.requiredUserData.length > 0) {
        const identifyPageUrl = `${config.issuer}/authorize/${encodeURIComponent(transaction.id)}/identify/${encodeURIComponent(providerHint)}`;
        return { transaction, identifyPageUrl };
      }
    }
    return { transaction: await verifications.startProvider(transaction.id, providerHint, {}) };
  }
  const offered = await offeredProviders(apps, config, transaction.clientId, transaction.requestedLoa);
  checkProvidersCanServe(offered, transaction.requestedLoa);
  return { transaction };
}

/**
 * The first answer to the browser: the app's redirect when the transaction is already
 * over (the headless sandbox path), else the hosted page, with the browser bound to it.
 */
async function answerTransaction(
  deps: AuthorizeRoutesDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  started: StartedTransaction,
): Promise<FastifyReply> {
  const { config, codes, secrets, clock } = deps;
  const { transaction } = started;
  if (isFinished(transaction)) {
    const location = await finishedTransactionLocation(transaction, codes, config.issuer, started.issuedCode);
    logFinished(request, transaction);
    // RFC 6749 §4.1.2: the authorization response is a redirect to the verified redirect_uri.
    return reply.code(302).headers(AUTHORIZATION_RESPONSE_HEADERS).header('location', location).send();
  }
  const secondsLeft = (transaction.expiresAt.getTime() - clock().getTime()) / 1000;
  return reply
    .code(303)
    .headers(AUTHORIZATION_RESPONSE_HEADERS)
    .header('set-cookie', bindingCookie(secrets, config.issuer, transaction.id, secondsLeft))
    .header('location', started.identifyPageUrl ?? hostedPageUrl(config.issuer, transaction))
    .send();
}
