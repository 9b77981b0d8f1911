/**
 * The hosted pages of a transaction (simple, server-rendered, no script):
 *
 * - `GET /authorize/{txId}`: the provider choice; once a QR or push provider was started,
 *   the waiting page (it polls by reloading itself); once the transaction is over, `303`
 *   to the app with the code or the error. Needs the browser that started the transaction.
 * - `POST /authorize/{txId}`: starts the chosen provider (CSRF token).
 * - `POST /authorize/{txId}/cancel`: the user cancels (`err_user_cancelled`, `tx_state=cancelled`).
 * - `GET`/`POST /flow/{txId}`: the sandbox mock provider's screen, where the user (or a
 *   phone that scanned the QR code) picks how the provider answers.
 *
 * Errors answer as HTML pages (`page` surface). A failure that ends the transaction is
 * not an error page: the browser goes back to the app like at the end of any transaction.
 */
import { type ErrorCode, IdgateError, negotiateLocale } from '@idgate/errors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CSRF_FIELD, checkCsrfToken, csrfTokenFor } from '../http/csrf.js';
import { toIdgateError } from '../http/error-funnel.js';
import type { RouteContract } from '../http/route-contract.js';
import { pageSecurityHeaders } from '../http/security-headers.js';
import { AUTHORIZATION_RESPONSE_HEADERS, appendQuery } from '../oauth/authorization-response.js';
import { checkBrowserBinding } from '../oauth/authorize/browser-binding.js';
import { offeredProviders } from '../oauth/authorize/offered-providers.js';
import { MAX_HINT_LENGTH } from '../oauth/authorize/request-checks.js';
import {
  endTransaction,
  finishedTransactionLocation,
  hostedPageUrl,
  isFinished,
  logFinished,
} from '../oauth/authorize/transaction-outcome.js';
import { findProvider } from '../providers/descriptors.js';
import type { Verification } from '../verification/verification.types.js';
import { renderFinishedPage } from './finished.page.js';
import { renderMockScreenPage } from './mock-screen.page.js';
import { renderProviderChoicePage } from './provider-choice.page.js';
import { type PageStrings, pageStringsFor } from './texts.js';
import { renderWaitingPage } from './waiting.page.js';

/** The path parameter of every hosted page. */
interface TxParams {
  readonly txId: string;
}

/** A parsed form body. */
type FormBody = Readonly<Record<string, string | readonly string[] | undefined>>;

const FORM = ['application/x-www-form-urlencoded'] as const;

/**
 * Errors of the provider choice that end the transaction (the app asked for something no
 * choice can give); any other refusal leaves it open, so the user can go back and retry.
 */
const ENDING_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'PROVIDER_NOT_FOUND',
  'PROVIDER_NOT_ENABLED',
  'SESSION_INVALID_FLOW',
  'VALIDATION_UNPROCESSABLE',
]);

function pageContract(errors: readonly ErrorCode[], withForm: boolean): { idgate: RouteContract } {
  return {
    idgate: {
      surface: 'page',
      produces: ['text/html'],
      ...(withForm ? { consumes: FORM } : {}),
      errors: ['SESSION_NOT_FOUND', ...errors],
    },
  };
}

/** Registers the hosted pages. */
export function registerHostedPages(app: FastifyInstance): void {
  app.get<{ Params: TxParams }>(
    '/authorize/:txId',
    { config: pageContract(['AUTH_FORBIDDEN'], false) },
    function transactionPage(request, reply) {
      return showTransactionPage(app, request, reply);
    },
  );
  app.post<{ Params: TxParams }>(
    '/authorize/:txId',
    {
      config: pageContract(
        [
          'AUTH_FORBIDDEN',
          'VALIDATION_MISSING_PARAMETER',
          'VALIDATION_INVALID_PARAMETER',
          'VALIDATION_MISSING_USER_DATA',
          'VALIDATION_INVALID_USER_DATA',
        ],
        true,
      ),
    },
    function chooseProvider(request, reply) {
      return startChosenProvider(app, request, reply);
    },
  );
  app.post<{ Params: TxParams }>(
    '/authorize/:txId/cancel',
    { config: pageContract(['AUTH_FORBIDDEN'], true) },
    function cancelTransaction(request, reply) {
      return cancelByUser(app, request, reply);
    },
  );
  app.get<{ Params: TxParams }>(
    '/flow/:txId',
    { config: pageContract([], false) },
    function mockScreen(request, reply) {
      return showMockScreen(app, request, reply);
    },
  );
  app.post<{ Params: TxParams }>(
    '/flow/:txId',
    { config: pageContract(['AUTH_FORBIDDEN', 'VALIDATION_MISSING_PARAMETER', 'VALIDATION_INVALID_PARAMETER'], true) },
    function answerMockScreen(request, reply) {
      return answerAtMockProvider(app, request, reply);
    },
  );
}

// ------------------------------------------------------------------ reading requests

function unknownTransaction(id: string): IdgateError {
  return new IdgateError('SESSION_NOT_FOUND', {
    detail: `There is no transaction ${id.slice(0, 128)}.`,
    context: { verificationId: id.slice(0, 128) },
  });
}

/**
 * The `/authorize` transaction of a page.
 * @throws IdgateError `SESSION_NOT_FOUND` (also for a REST verification's id)
 */
async function loadAuthorizeTransaction(
  app: FastifyInstance,
  request: FastifyRequest<{ Params: TxParams }>,
): Promise<Verification> {
  const transaction = await loadTransaction(app, request);
  // SPEC 3.1: a REST verification has no authorization transaction pages.
  if (transaction.origin !== 'authorize' || transaction.authorizationRequest === null) {
    throw unknownTransaction(request.params.txId);
  }
  return transaction;
}

/**
 * Any transaction (REST or `/authorize`), for the mock provider's screen.
 * @throws IdgateError `SESSION_NOT_FOUND`
 */
async function loadTransaction(
  app: FastifyInstance,
  request: FastifyRequest<{ Params: TxParams }>,
): Promise<Verification> {
  const transaction = await app.idgate.verifications.getTransaction(request.params.txId);
  request.logContext.verificationId = transaction.id;
  request.logContext.clientId = transaction.clientId;
  if (transaction.providerId !== null) request.logContext.providerId = transaction.providerId;
  return transaction;
}

/** The parsed form body of a request (none reads as empty). */
function formBody(request: FastifyRequest): FormBody {
  const body = request.body;
  return typeof body === 'object' && body !== null ? (body as FormBody) : {};
}

/**
 * A required form field.
 * @throws IdgateError `VALIDATION_MISSING_PARAMETER`, `VALIDATION_INVALID_PARAMETER` (repeated)
 */
function requiredField(body: FormBody, name: string): string {
  const value = formField(body, name);
  if (value === undefined) {
    throw new IdgateError('VALIDATION_MISSING_PARAMETER', {
      detail: `The form field ${name} is required.`,
      context: { fields: [{ name, reason: 'is required' }] },
    });
  }
  return value;
}

/**
 * An optional form field.
 * @throws IdgateError `VALIDATION_INVALID_PARAMETER` (repeated)
 */
function formField(body: FormBody, name: string): string | undefined {
  const value = Object.hasOwn(body, name) ? body[name] : undefined;
  // RFC 6749 §3.1 (as for every form idgate reads): a field is sent once.
  if (Array.isArray(value)) {
    throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
      detail: `The form field ${name} was sent more than once.`,
      context: { fields: [{ name, reason: 'must not be repeated' }] },
    });
  }
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The language of a transaction's pages: `ui_locales` of the request, then `Accept-Language`. */
function stringsFor(request: FastifyRequest, transaction: Verification): PageStrings {
  return pageStringsFor(
    negotiateLocale(request.headers['accept-language'], transaction.authorizationRequest?.uiLocales),
  );
}

// ------------------------------------------------------------------ answering

function sendPage(reply: FastifyReply, strings: PageStrings, body: string): FastifyReply {
  return reply
    .code(200)
    .headers(pageSecurityHeaders())
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-language', strings.locale)
    .send(body);
}

function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply
    .code(303)
    .headers(pageSecurityHeaders())
    .headers(AUTHORIZATION_RESPONSE_HEADERS)
    .header('location', location)
    .send();
}

/** `303` to the app once an `/authorize` transaction is over (code or error), like the headless path. */
async function finishAuthorization(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  transaction: Verification,
): Promise<FastifyReply> {
  const location = await finishedTransactionLocation(transaction, app.idgate.codes, app.idgate.config.issuer);
  logFinished(request, transaction);
  return seeOther(reply, location);
}

/**
 * Runs one step of a transaction. When the step throws, the transaction is read again:
 * if it is over now (a provider failure the service recorded, a race with another step)
 * that is the answer; `endingCodes` end it with the error's status code first; any other
 * error leaves it open and is shown as an error page.
 */
async function step(
  app: FastifyInstance,
  request: FastifyRequest,
  transactionId: string,
  run: () => Promise<Verification>,
  endingCodes: ReadonlySet<ErrorCode> = new Set(),
): Promise<Verification> {
  try {
    return await run();
  } catch (thrown) {
    const error = toIdgateError(thrown);
    if (endingCodes.has(error.code)) {
      const ended = await endTransaction(app.idgate.verifications, transactionId, error, request.log);
      if (ended !== undefined) return ended;
      throw thrown;
    }
    const now = await app.idgate.verifications.getTransaction(transactionId).catch(() => undefined);
    if (now !== undefined && isFinished(now)) return now;
    throw thrown;
  }
}

// ------------------------------------------------------------------ /authorize/{txId}

async function showTransactionPage(
  app: FastifyInstance,
  request: FastifyRequest<{ Params: TxParams }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { config, secrets, verifications } = app.idgate;
  const transaction = await loadAuthorizeTransaction(app, request);
  checkBrowserBinding(secrets, transaction.id, request.headers.cookie);
  if (isFinished(transaction)) return finishAuthorization(app, request, reply, transaction);
  if (transaction.providerId === null)
    return sendPage(reply, stringsFor(request, transaction), await providerChoice(app, request, transaction));
  if (transaction.flowType === 'redirect') return seeOther(reply, hostedPageUrl(config.issuer, transaction));
  // QR and push: every load of the waiting page polls the provider.
  const polled = await step(app, request, transaction.id, () => verifications.advance(transaction.id, {}));
  if (isFinished(polled)) return finishAuthorization(app, request, reply, polled);
  return sendPage(reply, stringsFor(request, polled), waitingPage(app, request, polled));
}

async function providerChoice(
  app: FastifyInstance,
  request: FastifyRequest,
  transaction: Verification,
): Promise<string> {
  const { config, apps, secrets } = app.idgate;
  const client = await apps.get(transaction.clientId);
  const offered = await offeredProviders(apps, config.environment, transaction.clientId, transaction.requestedLoa);
  const pageUrl = `${config.issuer}/authorize/${encodeURIComponent(transaction.id)}`;
  return renderProviderChoicePage({
    strings: stringsFor(request, transaction),
    appName: client.name,
    sandbox: config.environment === 'sandbox',
    action: pageUrl,
    cancelAction: `${pageUrl}/cancel`,
    csrfField: CSRF_FIELD,
    csrfToken: csrfTokenFor(secrets, transaction.id),
    providers: offered.reachable.map((descriptor) => ({
      id: descriptor.id,
      name: descriptor.name,
      flowType: descriptor.flowTypes[0] ?? 'redirect',
      loginHintField: descriptor.loginHintField,
    })),
    loginHint: transaction.authorizationRequest?.loginHint,
  });
}

function waitingPage(app: FastifyInstance, request: FastifyRequest, transaction: Verification): string {
  const { config, secrets } = app.idgate;
  const pageUrl = `${config.issuer}/authorize/${encodeURIComponent(transaction.id)}`;
  const { qrData, message } = transaction.flowDetails;
  const mock =
    config.environment === 'sandbox' &&
    app.idgate.verifications.providers.get(transaction.providerId ?? '')?.testIdentities;
  return renderWaitingPage({
    strings: stringsFor(request, transaction),
    flowType: transaction.flowType ?? 'push',
    selfUrl: pageUrl,
    qrData: typeof qrData === 'string' ? qrData : undefined,
    message: typeof message === 'string' ? message : undefined,
    mockScreenUrl: mock ? `${config.issuer}/flow/${encodeURIComponent(transaction.id)}` : undefined,
    cancelAction: `${pageUrl}/cancel`,
    csrfField: CSRF_FIELD,
    csrfToken: csrfTokenFor(secrets, transaction.id),
  });
}

async function startChosenProvider(
  app: FastifyInstance,
  request: FastifyRequest<{ Params: TxParams }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { config, secrets, verifications } = app.idgate;
  const transaction = await loadAuthorizeTransaction(app, request);
  checkBrowserBinding(secrets, transaction.id, request.headers.cookie);
  const body = formBody(request);
  checkCsrfToken(secrets, transaction.id, formField(body, CSRF_FIELD));
  if (isFinished(transaction)) return finishAuthorization(app, request, reply, transaction);
  // A second submit (back button, double click): the provider already runs.
  if (transaction.providerId !== null) return seeOther(reply, hostedPageUrl(config.issuer, transaction));
  const providerId = requiredField(body, 'provider');
  const loginHint = formField(body, 'login_hint');
  if (loginHint !== undefined && loginHint.length > MAX_HINT_LENGTH) {
    throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
      detail: `login_hint is longer than ${MAX_HINT_LENGTH} characters.`,
      context: { fields: [{ name: 'login_hint', reason: `is longer than ${MAX_HINT_LENGTH} characters` }] },
    });
  }
  const started = await step(
    app,
    request,
    transaction.id,
    () => verifications.startProvider(transaction.id, providerId, loginHint === undefined ? {} : { loginHint }),
    ENDING_CODES,
  );
  if (isFinished(started)) return finishAuthorization(app, request, reply, started);
  return seeOther(reply, hostedPageUrl(config.issuer, started));
}

async function cancelByUser(
  app: FastifyInstance,
  request: FastifyRequest<{ Params: TxParams }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { secrets, verifications } = app.idgate;
  const transaction = await loadAuthorizeTransaction(app, request);
  checkBrowserBinding(secrets, transaction.id, request.headers.cookie);
  checkCsrfToken(secrets, transaction.id, formField(formBody(request), CSRF_FIELD));
  if (isFinished(transaction)) return finishAuthorization(app, request, reply, transaction);
  // SPEC 4.1: the user cancels → cancelled, err_user_cancelled.
  const cancelled = await step(app, request, transaction.id, () => verifications.cancel(transaction.id, 'user'));
  return finishAuthorization(app, request, reply, cancelled);
}

// ------------------------------------------------------------------ /flow/{txId}

/** The mock provider's test identities for a transaction, or `undefined` when its provider is no mock. */
function mockIdentitiesOf(app: FastifyInstance, transaction: Verification) {
  return transaction.providerId === null
    ? undefined
    : app.idgate.verifications.providers.get(transaction.providerId)?.testIdentities;
}

/**
 * Where the provider's screen sends the user once the transaction is over:
 * - an `/authorize` redirect flow: back to the transaction's page, which answers the app
 *   (only the browser that started it gets the code);
 * - a REST redirect flow: the verification's `redirectUri` with `verificationId`, when
 *   it has one;
 * - otherwise (QR and push: the user continues on the other device, or no `redirectUri`)
 *   a page that says it is finished.
 */
function finishAtProvider(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  transaction: Verification,
): FastifyReply {
  const issuer = app.idgate.config.issuer;
  if (transaction.flowType === 'redirect' && transaction.origin === 'authorize') {
    return seeOther(reply, `${issuer}/authorize/${encodeURIComponent(transaction.id)}`);
  }
  if (transaction.flowType === 'redirect' && transaction.redirectUri !== null) {
    return seeOther(reply, appendQuery(transaction.redirectUri, [['verificationId', transaction.id]]));
  }
  const strings = stringsFor(request, transaction);
  return sendPage(
    reply,
    strings,
    renderFinishedPage({ strings, status: transaction.status, otherDevice: transaction.flowType !== 'redirect' }),
  );
}

async function showMockScreen(
  app: FastifyInstance,
  request: FastifyRequest<{ Params: TxParams }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { config, secrets, verifications } = app.idgate;
  let transaction = await loadTransaction(app, request);
  if (transaction.providerId === null && transaction.origin === 'authorize') {
    return seeOther(reply, `${config.issuer}/authorize/${encodeURIComponent(transaction.id)}`);
  }
  const identities = mockIdentitiesOf(app, transaction);
  // Only the sandbox mock providers have a screen here.
  if (identities === undefined) throw unknownTransaction(request.params.txId);
  if (transaction.status === 'pending') {
    // The user reached the provider's screen: authenticating.
    transaction = await step(app, request, transaction.id, () =>
      verifications.advance(transaction.id, { action: 'open' }),
    );
  }
  if (isFinished(transaction)) return finishAtProvider(app, request, reply, transaction);
  const strings = stringsFor(request, transaction);
  const descriptor = findProvider(config.environment, transaction.providerId ?? '');
  return sendPage(
    reply,
    strings,
    renderMockScreenPage({
      strings,
      providerName: descriptor?.name ?? transaction.providerId ?? '',
      action: `${config.issuer}/flow/${encodeURIComponent(transaction.id)}`,
      csrfField: CSRF_FIELD,
      csrfToken: csrfTokenFor(secrets, transaction.id),
      identities,
    }),
  );
}

async function answerAtMockProvider(
  app: FastifyInstance,
  request: FastifyRequest<{ Params: TxParams }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { config, secrets, verifications } = app.idgate;
  const transaction = await loadTransaction(app, request);
  const body = formBody(request);
  checkCsrfToken(secrets, transaction.id, formField(body, CSRF_FIELD));
  if (mockIdentitiesOf(app, transaction) === undefined) throw unknownTransaction(request.params.txId);
  if (isFinished(transaction)) return finishAtProvider(app, request, reply, transaction);
  const identity = requiredField(body, 'identity');
  const answered = await step(app, request, transaction.id, () => verifications.advance(transaction.id, { identity }));
  if (isFinished(answered)) return finishAtProvider(app, request, reply, answered);
  // No outcome yet (the `timeout` identity never answers): the screen again.
  return seeOther(reply, `${config.issuer}/flow/${encodeURIComponent(transaction.id)}`);
}
