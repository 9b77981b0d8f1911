/**
 * The hosted pages of an `/authorize` transaction (server-rendered; the only script is
 * the static poll of the waiting pages):
 *
 * - `GET /authorize/{txId}`: the provider choice; once a QR or push provider was started,
 *   the waiting page; once the transaction is over, `303` to the app with the code or the
 *   error.
 * - `GET /authorize/{txId}/identify/{providerId}`: the identifier entry of a provider
 *   that needs `userData` (a push provider's personal number).
 * - `POST /authorize/{txId}`: starts the chosen provider (CSRF token); refused `userData`
 *   shows the identifier entry again with field errors.
 * - `GET /authorize/{txId}/status`: `{ "status" }` as JSON, for the waiting pages' poll
 *   (it polls the provider of a QR or push flow).
 * - `POST /authorize/{txId}/cancel`: the user cancels (`err_user_cancelled`, `tx_state=cancelled`).
 *
 * All of them need the browser that started the transaction (its cookie). The sandbox
 * mock provider's screen (`/flow/{txId}`) and the static assets are registered here too.
 *
 * Errors answer as HTML pages (`page` surface; the status endpoint: problem+json). A
 * failure that ends the transaction is not an error page: the browser goes back to the
 * app like at the end of any transaction.
 */
import { type ErrorCode, type FieldProblem, IdgateError } from '@idgate/errors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkBrowserBinding } from '../authorization/browser-binding.js';
import { checkProvidersCanServe } from '../authorization/offered-providers.js';
import {
  finishedTransactionLocation,
  hostedPageUrl,
  isFinished,
  logFinished,
} from '../authorization/transaction-outcome.js';
import type { Verification } from '../domain/verification.js';
import { CSRF_FIELD, checkCsrfToken, csrfTokenFor } from '../http/csrf.js';
import { toIdgateError } from '../http/error-funnel.js';
import { pageSecurityHeaders } from '../http/security-headers.js';
import { MAX_HINT_LENGTH } from '../oauth/authorize/request-checks.js';
import type { ProviderAdapter } from '../providers/adapter.js';
import { registerUiAssets } from './assets.js';
import { type PageBranding, pageBrandingOf, registerBrandStylesheets } from './branding.js';
import { type FieldErrorKind, renderIdentifyPage, userDataFieldName } from './identify.page.js';
import { registerMockScreen } from './mock-screen.routes.js';
import {
  type FormBody,
  formBody,
  formField,
  type HostedPagesDeps,
  loadAuthorizeTransaction,
  pageContract,
  requiredField,
  seeOther,
  sendPage,
  step,
  stringsFor,
  type TxParams,
} from './page-requests.js';
import { renderProviderChoicePage } from './provider-choice.page.js';
import { renderWaitingPage, sameDeviceLinkOf } from './waiting.page.js';
import {
  digitalCredentialsOf,
  hostedFlowTypeOf,
  registerWalletPage,
  type WalletPageDeps,
} from './wallet-page.routes.js';

/** The path parameters of the identifier entry page. */
interface IdentifyParams extends TxParams {
  readonly providerId: string;
}

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

/** Refused `userData`: shown on the identifier entry page, field by field. */
const USER_DATA_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'VALIDATION_MISSING_USER_DATA',
  'VALIDATION_INVALID_USER_DATA',
]);

/** Registers the hosted pages, the mock provider's screen and the pages' assets. */
export function registerHostedPages(app: FastifyInstance, deps: WalletPageDeps): void {
  app.get<{ Params: TxParams }>(
    '/authorize/:txId',
    { config: pageContract(['AUTH_FORBIDDEN', 'VALIDATION_INVALID_PARAMETER'], false) },
    function transactionPage(request, reply) {
      return showTransactionPage(deps, request, reply);
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
      return startChosenProvider(deps, request, reply);
    },
  );
  app.get<{ Params: IdentifyParams }>(
    '/authorize/:txId/identify/:providerId',
    { config: pageContract(['AUTH_FORBIDDEN'], false) },
    function identifyPage(request, reply) {
      return showIdentifyPage(deps, request, reply);
    },
  );
  app.get<{ Params: TxParams }>(
    '/authorize/:txId/status',
    {
      config: {
        idgate: {
          surface: 'problem',
          produces: ['application/json'],
          errors: ['SESSION_NOT_FOUND', 'AUTH_FORBIDDEN', 'VALIDATION_INVALID_PARAMETER'],
        },
      },
    },
    function transactionStatus(request, reply) {
      return answerStatus(deps, request, reply);
    },
  );
  app.post<{ Params: TxParams }>(
    '/authorize/:txId/cancel',
    { config: pageContract(['AUTH_FORBIDDEN'], true) },
    function cancelTransaction(request, reply) {
      return cancelByUser(deps, request, reply);
    },
  );
  registerMockScreen(app, deps);
  registerWalletPage(app, deps);
  registerUiAssets(app);
  registerBrandStylesheets(app);
}

// ------------------------------------------------------------------ shared

function pageUrl(deps: HostedPagesDeps, transaction: Verification): string {
  return `${deps.config.issuer}/authorize/${encodeURIComponent(transaction.id)}`;
}

function isSandbox(deps: HostedPagesDeps): boolean {
  return deps.config.environment === 'sandbox';
}

/** `303` to the app once an `/authorize` transaction is over (code or error), like the headless path. */
async function finishAuthorization(
  deps: HostedPagesDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  transaction: Verification,
): Promise<FastifyReply> {
  await checkWalletReturned(deps, transaction);
  const location = await finishedTransactionLocation(transaction, deps.codes, deps.config.issuer);
  logFinished(request, transaction);
  return seeOther(reply, location);
}

/**
 * A same-device wallet sign-in is answered to the app only after the wallet sent this
 * browser back with the session's `response_code` (OpenID4VP 1.0 §13.3): the browser that
 * started it but never came back through the wallet (a forwarded link) gets no code.
 * @throws IdgateError `AUTH_FORBIDDEN`
 */
async function checkWalletReturned(deps: HostedPagesDeps, transaction: Verification): Promise<void> {
  if (transaction.status !== 'completed' || transaction.flowType !== 'redirect' || transaction.providerId === null) {
    return;
  }
  const adapter = deps.verifications.providers.get(transaction.providerId);
  if (adapter?.requestObject === undefined) return;
  if (await deps.walletReturns.wasRedeemed(transaction.id)) return;
  throw new IdgateError('AUTH_FORBIDDEN', {
    detail:
      'The wallet answered this sign-in, which goes on only in the browser the wallet sends back with its response code.',
  });
}

/** The app's providers for a transaction: all enabled ones, and those that reach its LoA. */
async function offeredAdapters(
  deps: HostedPagesDeps,
  transaction: Verification,
): Promise<{
  readonly enabled: readonly ProviderAdapter[];
  readonly reachable: readonly ProviderAdapter[];
  /** Providers listed but not offered now: down, or in maintenance. */
  readonly unavailable: ReadonlySet<string>;
}> {
  const record = await deps.apps.get(transaction.clientId);
  // A provider with no flow type enabled for the app is not offered at all.
  const offers = (await deps.verifications.offersFor(record)).filter((offer) => offer.flowTypes.length > 0);
  const enabled = offers.map((offer) => offer.adapter);
  const unavailable = new Set(
    offers
      .filter((offer) => offer.status === 'unavailable' || offer.status === 'maintenance')
      .map((offer) => offer.adapter.descriptor.id),
  );
  // SPEC 4: a provider whose highest level is below the request is not offered.
  const reachable = enabled.filter((adapter) => adapter.descriptor.maxLoa >= (transaction.requestedLoa ?? 0));
  return { enabled, reachable, unavailable };
}

/** The branding of a transaction's app on its pages. */
async function brandingOf(deps: HostedPagesDeps, transaction: Verification): Promise<PageBranding | undefined> {
  return pageBrandingOf(await deps.apps.get(transaction.clientId));
}

/** Whether a provider needs `userData` before it starts. */
function needsUserData(adapter: ProviderAdapter): boolean {
  return adapter.descriptor.requiredUserData.length > 0;
}

/**
 * The transaction of a page that needs the browser that started it.
 * @throws IdgateError `SESSION_NOT_FOUND`, `AUTH_FORBIDDEN`
 */
async function boundTransaction(
  deps: HostedPagesDeps,
  request: FastifyRequest<{ Params: TxParams }>,
): Promise<Verification> {
  const transaction = await loadAuthorizeTransaction(deps, request);
  checkBrowserBinding(deps.secrets, transaction.id, request.headers.cookie);
  return transaction;
}

/** A QR or push transaction waiting for the person: every look polls the provider. */
function waitsOnAnotherDevice(transaction: Verification): boolean {
  return !isFinished(transaction) && transaction.providerId !== null && transaction.flowType !== 'redirect';
}

// ------------------------------------------------------------------ GET /authorize/{txId}

async function showTransactionPage(
  deps: HostedPagesDeps,
  request: FastifyRequest<{ Params: TxParams }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { config, verifications } = deps;
  const transaction = await boundTransaction(deps, request);
  if (isFinished(transaction)) return finishAuthorization(deps, request, reply, transaction);
  if (transaction.providerId === null) return providerChoice(deps, request, reply, transaction);
  if (transaction.flowType === 'redirect') return seeOther(reply, hostedPageUrl(config.issuer, transaction));
  const polled = await step(deps, request, transaction.id, () => verifications.advance(transaction.id, {}));
  if (isFinished(polled)) return finishAuthorization(deps, request, reply, polled);
  const branding = await brandingOf(deps, polled);
  return sendPage(
    reply,
    stringsFor(request, polled),
    waitingPage(deps, request, polled, branding),
    200,
    branding?.logoOrigin,
  );
}

async function providerChoice(
  deps: HostedPagesDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  transaction: Verification,
): Promise<FastifyReply> {
  const { apps, secrets } = deps;
  const offered = await offeredAdapters(deps, transaction);
  // The app's providers may have changed since /authorize: none left ends the transaction
  // (err_unauthorized_client, or err_loa_not_met when none reaches the requested level).
  const checked = await step(
    deps,
    request,
    transaction.id,
    async function checkOffered() {
      checkProvidersCanServe(
        {
          enabled: offered.enabled.map((adapter) => adapter.descriptor),
          reachable: offered.reachable.map((adapter) => adapter.descriptor),
        },
        transaction.requestedLoa,
      );
      return transaction;
    },
    ENDING_CODES,
  );
  if (isFinished(checked)) return finishAuthorization(deps, request, reply, checked);
  const client = await apps.get(transaction.clientId);
  const branding = pageBrandingOf(client);
  const strings = stringsFor(request, transaction);
  const self = pageUrl(deps, transaction);
  return sendPage(
    reply,
    strings,
    renderProviderChoicePage({
      strings,
      branding,
      appName: branding?.name ?? client.name,
      sandbox: isSandbox(deps),
      action: self,
      cancelAction: `${self}/cancel`,
      csrfField: CSRF_FIELD,
      csrfToken: csrfTokenFor(secrets, transaction.id),
      providers: offered.reachable.map((adapter) => ({
        id: adapter.descriptor.id,
        name: adapter.descriptor.name,
        flowType: adapter.descriptor.flowTypes[0] ?? 'redirect',
        countries: adapter.descriptor.countries,
        identifyUrl: needsUserData(adapter)
          ? `${self}/identify/${encodeURIComponent(adapter.descriptor.id)}`
          : undefined,
        unavailable: offered.unavailable.has(adapter.descriptor.id),
      })),
    }),
    200,
    branding?.logoOrigin,
  );
}

function waitingPage(
  deps: HostedPagesDeps,
  request: FastifyRequest,
  transaction: Verification,
  branding: PageBranding | undefined,
): string {
  const { config, secrets, verifications } = deps;
  const self = pageUrl(deps, transaction);
  const { qrData, message } = transaction.flowDetails;
  const mock = isSandbox(deps) && verifications.providers.get(transaction.providerId ?? '')?.testIdentities;
  return renderWaitingPage({
    strings: stringsFor(request, transaction),
    sandbox: isSandbox(deps),
    flowType: transaction.flowType === 'push' ? 'push' : transaction.flowType === 'dc_api' ? 'dc_api' : 'qr',
    status: transaction.status,
    selfUrl: self,
    statusUrl: `${self}/status`,
    qrData: typeof qrData === 'string' ? qrData : undefined,
    message: typeof message === 'string' ? message : undefined,
    sandboxPhoneUrl: mock ? `${config.issuer}/flow/${encodeURIComponent(transaction.id)}` : undefined,
    sameDeviceUrl: sameDeviceLinkOf(transaction.flowDetails),
    digitalCredentials: digitalCredentialsOf(transaction, self),
    secondsLeft: Math.max(0, Math.ceil((transaction.expiresAt.getTime() - deps.clock().getTime()) / 1000)),
    branding,
    cancelAction: `${self}/cancel`,
    csrfField: CSRF_FIELD,
    csrfToken: csrfTokenFor(secrets, transaction.id),
  });
}

// ------------------------------------------------------------------ identifier entry

/** What the identifier entry page shows besides the transaction. */
interface IdentifyState {
  readonly values: Readonly<Record<string, string>>;
  readonly errors: Readonly<Record<string, FieldErrorKind>>;
}

function identifyPage(
  deps: HostedPagesDeps,
  request: FastifyRequest,
  transaction: Verification,
  adapter: ProviderAdapter,
  state: IdentifyState,
  branding: PageBranding | undefined,
): string {
  const self = pageUrl(deps, transaction);
  return renderIdentifyPage({
    branding,
    strings: stringsFor(request, transaction),
    sandbox: isSandbox(deps),
    providerId: adapter.descriptor.id,
    providerName: adapter.descriptor.name,
    action: self,
    choiceUrl: self,
    fields: adapter.descriptor.requiredUserData,
    values: state.values,
    errors: state.errors,
    cancelAction: `${self}/cancel`,
    csrfField: CSRF_FIELD,
    csrfToken: csrfTokenFor(deps.secrets, transaction.id),
  });
}

async function showIdentifyPage(
  deps: HostedPagesDeps,
  request: FastifyRequest<{ Params: IdentifyParams }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { config } = deps;
  const transaction = await boundTransaction(deps, request);
  if (isFinished(transaction)) return finishAuthorization(deps, request, reply, transaction);
  // A provider already runs (back button): go on with it.
  if (transaction.providerId !== null) return seeOther(reply, hostedPageUrl(config.issuer, transaction));
  const { reachable } = await offeredAdapters(deps, transaction);
  const adapter = reachable.find((candidate) => candidate.descriptor.id === request.params.providerId);
  // Not a provider on offer that needs userData (a stale or edited link): back to the choice.
  if (adapter === undefined || !needsUserData(adapter)) return seeOther(reply, pageUrl(deps, transaction));
  const hintField = adapter.descriptor.loginHintField;
  const loginHint = transaction.authorizationRequest?.loginHint;
  const values = hintField !== undefined && loginHint !== undefined ? { [hintField]: loginHint } : {};
  const branding = await brandingOf(deps, transaction);
  return sendPage(
    reply,
    stringsFor(request, transaction),
    identifyPage(deps, request, transaction, adapter, { values, errors: {} }, branding),
    200,
    branding?.logoOrigin,
  );
}

/**
 * The `userData` fields of a provider the form carries (an empty field is sent as `''`,
 * so the service reports it missing instead of falling back to `login_hint`).
 * @throws IdgateError `VALIDATION_INVALID_USER_DATA` (too long), `VALIDATION_INVALID_PARAMETER` (repeated)
 */
function userDataOf(body: FormBody, fields: readonly string[]): Record<string, string> {
  const userData: Record<string, string> = {};
  const tooLong: FieldProblem[] = [];
  for (const field of fields) {
    const name = userDataFieldName(field);
    if (!Object.hasOwn(body, name)) continue;
    const value = (formField(body, name) ?? '').trim();
    userData[field] = value;
    if (value.length > MAX_HINT_LENGTH) tooLong.push({ name, reason: `is longer than ${MAX_HINT_LENGTH} characters` });
  }
  if (tooLong.length > 0) {
    throw new IdgateError('VALIDATION_INVALID_USER_DATA', {
      detail: `A userData field is longer than ${MAX_HINT_LENGTH} characters.`,
      context: { fields: tooLong },
    });
  }
  return userData;
}

/** The field errors of refused `userData`, by `userData` field; empty when none names a field of the form. */
function fieldErrorsOf(error: IdgateError, fields: readonly string[]): Record<string, FieldErrorKind> {
  const problems = error.context?.fields;
  const kind: FieldErrorKind = error.code === 'VALIDATION_MISSING_USER_DATA' ? 'required' : 'invalid';
  const errors: Record<string, FieldErrorKind> = {};
  if (!Array.isArray(problems)) return errors;
  for (const problem of problems as readonly Partial<FieldProblem>[]) {
    const field = fields.find((candidate) => userDataFieldName(candidate) === problem.name);
    if (field !== undefined) errors[field] = kind;
  }
  return errors;
}

// ------------------------------------------------------------------ POST /authorize/{txId}

async function startChosenProvider(
  deps: HostedPagesDeps,
  request: FastifyRequest<{ Params: TxParams }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { config, secrets, verifications } = deps;
  const transaction = await boundTransaction(deps, request);
  const body = formBody(request);
  checkCsrfToken(secrets, transaction.id, formField(body, CSRF_FIELD));
  if (isFinished(transaction)) return finishAuthorization(deps, request, reply, transaction);
  // A second submit (back button, double click): the provider already runs.
  if (transaction.providerId !== null) return seeOther(reply, hostedPageUrl(config.issuer, transaction));
  const providerId = requiredField(body, 'provider');
  const adapter = verifications.providers.get(providerId);
  const fields = adapter?.descriptor.requiredUserData ?? [];
  let userData: Record<string, string> = {};
  let started: Verification;
  try {
    userData = userDataOf(body, fields);
    const flowType = await hostedFlowTypeOf(deps, transaction, adapter);
    const input = {
      ...(Object.keys(userData).length === 0 ? {} : { userData }),
      ...(flowType === undefined ? {} : { flowType }),
    };
    started = await step(
      deps,
      request,
      transaction.id,
      () => verifications.startProvider(transaction.id, providerId, input),
      ENDING_CODES,
    );
  } catch (thrown) {
    const error = toIdgateError(thrown);
    const errors = fieldErrorsOf(error, fields);
    // Refused userData: the form again, with the person's values and each field's error.
    if (adapter === undefined || !USER_DATA_CODES.has(error.code) || Object.keys(errors).length === 0) throw thrown;
    const values = Object.fromEntries(fields.map((field) => [field, formField(body, userDataFieldName(field)) ?? '']));
    request.log.info({ code: error.code, verification_id: transaction.id }, 'user data refused on the hosted page');
    const branding = await brandingOf(deps, transaction);
    return sendPage(
      reply,
      stringsFor(request, transaction),
      identifyPage(deps, request, transaction, adapter, { values, errors }, branding),
      error.status,
      branding?.logoOrigin,
    );
  }
  if (isFinished(started)) return finishAuthorization(deps, request, reply, started);
  return seeOther(reply, hostedPageUrl(config.issuer, started));
}

// ------------------------------------------------------------------ status, cancel

async function answerStatus(
  deps: HostedPagesDeps,
  request: FastifyRequest<{ Params: TxParams }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { verifications } = deps;
  let transaction = await boundTransaction(deps, request);
  if (waitsOnAnotherDevice(transaction)) {
    transaction = await step(deps, request, transaction.id, () => verifications.advance(transaction.id, {}));
  }
  return reply
    .code(200)
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', pageSecurityHeaders()['content-security-policy'] ?? "default-src 'none'")
    .type('application/json; charset=utf-8')
    .send({ status: transaction.status });
}

async function cancelByUser(
  deps: HostedPagesDeps,
  request: FastifyRequest<{ Params: TxParams }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { secrets, verifications } = deps;
  const transaction = await boundTransaction(deps, request);
  checkCsrfToken(secrets, transaction.id, formField(formBody(request), CSRF_FIELD));
  if (isFinished(transaction)) return finishAuthorization(deps, request, reply, transaction);
  // SPEC 4.1: the user cancels → cancelled, err_user_cancelled.
  const cancelled = await step(deps, request, transaction.id, () => verifications.cancel(transaction.id, 'user'));
  return finishAuthorization(deps, request, reply, cancelled);
}
