/**
 * The sandbox mock providers' screen, `GET`/`POST /flow/{txId}`: where the user (or the
 * phone that scanned a QR code, or the phone a push request went to) picks how the
 * provider answers. It is the provider's side, possibly on another device: it needs no
 * transaction cookie, only the form's CSRF token.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { appendQuery } from '../authorization/authorization-response.js';
import { isFinished } from '../authorization/transaction-outcome.js';
import type { Verification } from '../domain/verification.js';
import { CSRF_FIELD, checkCsrfToken, csrfTokenFor } from '../http/csrf.js';
import { renderFinishedPage } from './finished.page.js';
import { renderMockScreenPage } from './mock-screen.page.js';
import {
  formBody,
  formField,
  type HostedPagesDeps,
  loadTransaction,
  pageContract,
  requiredField,
  seeOther,
  sendPage,
  step,
  stringsFor,
  type TxParams,
  unknownTransaction,
} from './page-requests.js';

/** Registers the mock provider's screen. */
export function registerMockScreen(app: FastifyInstance, deps: HostedPagesDeps): void {
  app.get<{ Params: TxParams }>(
    '/flow/:txId',
    { config: pageContract([], false) },
    function mockScreen(request, reply) {
      return showMockScreen(deps, request, reply);
    },
  );
  app.post<{ Params: TxParams }>(
    '/flow/:txId',
    { config: pageContract(['AUTH_FORBIDDEN', 'VALIDATION_MISSING_PARAMETER', 'VALIDATION_INVALID_PARAMETER'], true) },
    function answerMockScreen(request, reply) {
      return answerAtMockProvider(deps, request, reply);
    },
  );
}

/** The mock provider's test identities for a transaction, or `undefined` when its provider is no mock. */
function mockIdentitiesOf(deps: HostedPagesDeps, transaction: Verification) {
  return transaction.providerId === null
    ? undefined
    : deps.verifications.providers.get(transaction.providerId)?.testIdentities;
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
  deps: HostedPagesDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  transaction: Verification,
): FastifyReply {
  const { issuer, environment } = deps.config;
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
    renderFinishedPage({
      strings,
      sandbox: environment === 'sandbox',
      status: transaction.status,
      otherDevice: transaction.flowType !== 'redirect',
    }),
  );
}

async function showMockScreen(
  deps: HostedPagesDeps,
  request: FastifyRequest<{ Params: TxParams }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { config, secrets, verifications } = deps;
  let transaction = await loadTransaction(deps, request);
  if (transaction.providerId === null && transaction.origin === 'authorize') {
    return seeOther(reply, `${config.issuer}/authorize/${encodeURIComponent(transaction.id)}`);
  }
  const identities = mockIdentitiesOf(deps, transaction);
  // Only the sandbox mock providers have a screen here.
  if (identities === undefined) throw unknownTransaction(request.params.txId);
  if (transaction.status === 'pending') {
    // The user reached the provider's screen (or the phone opened the request): authenticating.
    transaction = await step(deps, request, transaction.id, () =>
      verifications.advance(transaction.id, { action: 'open' }),
    );
  }
  if (isFinished(transaction)) return finishAtProvider(deps, request, reply, transaction);
  const strings = stringsFor(request, transaction);
  const descriptor = verifications.providers.get(transaction.providerId ?? '')?.descriptor;
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
  deps: HostedPagesDeps,
  request: FastifyRequest<{ Params: TxParams }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { config, secrets, verifications } = deps;
  const transaction = await loadTransaction(deps, request);
  const body = formBody(request);
  checkCsrfToken(secrets, transaction.id, formField(body, CSRF_FIELD));
  if (mockIdentitiesOf(deps, transaction) === undefined) throw unknownTransaction(request.params.txId);
  if (isFinished(transaction)) return finishAtProvider(deps, request, reply, transaction);
  const identity = requiredField(body, 'identity');
  const answered = await step(deps, request, transaction.id, () => verifications.advance(transaction.id, { identity }));
  if (isFinished(answered)) return finishAtProvider(deps, request, reply, answered);
  // No outcome yet (the `timeout` identity never answers): the screen again.
  return seeOther(reply, `${config.issuer}/flow/${encodeURIComponent(transaction.id)}`);
}
