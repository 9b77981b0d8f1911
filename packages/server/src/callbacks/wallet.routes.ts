/**
 * The wallet transport (SPEC 10, OpenID4VP 1.0): where a wallet talks to idgate about one
 * verification session of a wallet provider.
 *
 * - `GET /wallet/{id}/request`, `POST /wallet/{id}/request` (form, optional
 *   `wallet_nonce`; `request_uri_method=post`): the session's signed request object,
 *   `application/oauth-authz-req+jwt`, until the session ends.
 * - `POST /wallet/{id}/response` (form: `response=<JWE>`, or `vp_token` + `state`, or
 *   `error` + `error_description`): verified by the session's wallet provider through the
 *   verification service, once. `200 {}`, or for the same-device flow (`redirect`)
 *   `200 { "redirect_uri" }` carrying a one-time `response_code`.
 * - `GET /authorize/{id}/wallet-return?response_code=…` (an `/authorize` transaction, in
 *   the browser that started it) and `GET /wallet/{id}/return?response_code=…` (a REST
 *   verification): where that `redirect_uri` leads; the code is redeemed once, then the
 *   browser goes on like after any provider (back to the app, or a finished page).
 *
 * Errors to the wallet are RFC 6749 §5.2 JSON (`oauth` surface; `error_uri` names the
 * catalog code). A presentation the verifier refuses leaves the session `failed` with its
 * catalog code (`error=access_denied`: `cancelled`); a second response, or one for
 * another session (`state`, encryption key), is refused and changes nothing.
 */
import { type ErrorCode, IdgateError } from '@idgate/errors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkBrowserBinding, transactionPagePath } from '../authorization/browser-binding.js';
import type { WalletResponseCodes } from '../authorization/wallet-response-codes.js';
import type { Config } from '../config/config.js';
import type { Verification } from '../domain/verification.js';
import { toIdgateError } from '../http/error-funnel.js';
import type { RouteContract } from '../http/route-contract.js';
import { FORM_BODY } from '../oauth/token.routes.js';
import { readForm } from '../oauth/token-request.js';
import type { SecretBox } from '../security/secrets.js';
import type { VerificationService } from '../verification/verification.service.js';
import { finishBrowserJourney } from './browser-journey.js';
import { debugOf } from './provider-failure.js';

/** What the wallet transport drives. */
export interface WalletRoutesDeps {
  readonly config: Pick<Config, 'issuer' | 'environment'>;
  readonly verifications: Pick<VerificationService, 'getTransaction' | 'answer' | 'requestObject' | 'providers'>;
  readonly responseCodes: Pick<WalletResponseCodes, 'issue' | 'redeem'>;
  /** The browser binding of `/authorize` transactions. */
  readonly secrets: SecretBox;
}

/** The media type of a request object (RFC 9101 §10.2). */
export const REQUEST_OBJECT_TYPE = 'application/oauth-authz-req+jwt';

/** The fields of a wallet's response (OpenID4VP 1.0 §8.2, §8.3.1, §8.5). */
const RESPONSE_FIELDS = ['response', 'vp_token', 'state', 'error', 'error_description'] as const;

/** The longest `response` or `vp_token` read (the verifier bounds them too). */
const MAX_RESPONSE_LENGTH = 512 * 1024;

/** The longest `state`, `error`, `error_description`, `wallet_nonce` or `response_code`. */
const MAX_FIELD_LENGTH = 4096;

const WALLET_ERRORS: readonly ErrorCode[] = [
  'SESSION_NOT_FOUND',
  'SESSION_INVALID_STATUS_TRANSITION',
  'VALIDATION_MISSING_PARAMETER',
  'VALIDATION_INVALID_PARAMETER',
  'PROVIDER_PRESENTATION_INVALID',
  'PROVIDER_CREDENTIAL_UNTRUSTED',
  'PROVIDER_CREDENTIAL_EXPIRED',
  'PROVIDER_CREDENTIAL_REVOKED',
  'PROVIDER_UNAVAILABLE',
];

interface SessionParams {
  readonly id: string;
}

interface TxParams {
  readonly txId: string;
}

/** Registers the wallet transport. */
export function registerWalletRoutes(app: FastifyInstance, deps: WalletRoutesDeps): void {
  const fetchContract: RouteContract = { surface: 'oauth', errors: WALLET_ERRORS };
  const postContract: RouteContract = { ...fetchContract, consumes: FORM_BODY };
  app.get<{ Params: SessionParams }>(
    '/wallet/:id/request',
    { config: { idgate: fetchContract } },
    function walletRequestObject(request, reply) {
      return sendRequestObject(deps, request.params.id, undefined, reply);
    },
  );
  app.post<{ Params: SessionParams }>(
    '/wallet/:id/request',
    { config: { idgate: postContract } },
    function walletRequestObjectPost(request, reply) {
      const { wallet_nonce: walletNonce } = readForm(request.body, ['wallet_nonce']);
      checkLength('wallet_nonce', walletNonce, MAX_FIELD_LENGTH);
      return sendRequestObject(deps, request.params.id, walletNonce, reply);
    },
  );
  app.post<{ Params: SessionParams }>(
    '/wallet/:id/response',
    { config: { idgate: postContract } },
    function walletResponse(request, reply) {
      return receiveResponse(deps, request, reply);
    },
  );
  const returnContract: RouteContract = {
    surface: 'page',
    produces: ['text/html'],
    errors: ['SESSION_NOT_FOUND', 'AUTH_FORBIDDEN', 'VALIDATION_MISSING_PARAMETER', 'VALIDATION_INVALID_PARAMETER'],
  };
  app.get<{ Params: TxParams }>(
    '/authorize/:txId/wallet-return',
    { config: { idgate: returnContract } },
    function walletReturnToTransaction(request, reply) {
      return redeem(deps, request, reply, request.params.txId, 'authorize');
    },
  );
  app.get<{ Params: SessionParams }>(
    '/wallet/:id/return',
    { config: { idgate: returnContract } },
    function walletReturnToVerification(request, reply) {
      return redeem(deps, request, reply, request.params.id, 'rest');
    },
  );
}

/** @throws IdgateError `VALIDATION_INVALID_PARAMETER` */
function checkLength(name: string, value: string | undefined, max: number): void {
  if (value === undefined || value.length <= max) return;
  throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
    detail: `The ${name} parameter is longer than ${max} characters.`,
    context: { fields: [{ name, reason: `is longer than ${max} characters` }] },
  });
}

function unknownSession(): IdgateError {
  return new IdgateError('SESSION_NOT_FOUND', {
    detail: 'This presentation request is unknown or over: start the sign-in again.',
  });
}

/**
 * The session of a wallet provider the path names.
 * @throws IdgateError `SESSION_NOT_FOUND` (unknown, or not a wallet session)
 */
async function walletSession(deps: WalletRoutesDeps, id: string): Promise<Verification> {
  const transaction = await deps.verifications.getTransaction(id).catch(function asUnknown(error: unknown) {
    throw toIdgateError(error).code === 'SESSION_NOT_FOUND' ? unknownSession() : error;
  });
  const adapter =
    transaction.providerId === null ? undefined : deps.verifications.providers.get(transaction.providerId);
  if (adapter?.requestObject === undefined) throw unknownSession();
  return transaction;
}

async function sendRequestObject(
  deps: WalletRoutesDeps,
  id: string,
  walletNonce: string | undefined,
  reply: FastifyReply,
): Promise<FastifyReply> {
  await walletSession(deps, id);
  const signed = await deps.verifications.requestObject(id, walletNonce);
  return reply.code(200).header('cache-control', 'no-store').type(REQUEST_OBJECT_TYPE).send(signed);
}

/**
 * The wallet's response fields, each once and bounded.
 * @throws IdgateError `VALIDATION_MISSING_PARAMETER`, `VALIDATION_INVALID_PARAMETER`
 */
function responseInput(body: unknown): Record<string, string> {
  const fields = readForm(body, RESPONSE_FIELDS);
  checkLength('response', fields.response, MAX_RESPONSE_LENGTH);
  checkLength('vp_token', fields.vp_token, MAX_RESPONSE_LENGTH);
  for (const name of ['state', 'error', 'error_description'] as const)
    checkLength(name, fields[name], MAX_FIELD_LENGTH);
  if (fields.response === undefined && fields.vp_token === undefined && fields.error === undefined) {
    throw new IdgateError('VALIDATION_MISSING_PARAMETER', {
      detail: 'A wallet response carries response, vp_token (with state), or error.',
      context: { fields: [{ name: 'response', reason: 'is required (or vp_token, or error)' }] },
    });
  }
  const input: Record<string, string> = {};
  for (const name of RESPONSE_FIELDS) {
    const value = fields[name];
    if (value !== undefined) input[name] = value;
  }
  return input;
}

async function receiveResponse(
  deps: WalletRoutesDeps,
  request: FastifyRequest<{ Params: SessionParams }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const input = responseInput(request.body);
  const session = await walletSession(deps, request.params.id);
  request.logContext.verificationId = session.id;
  request.logContext.clientId = session.clientId;
  if (session.providerId !== null) request.logContext.providerId = session.providerId;
  let answered: Verification;
  try {
    answered = await deps.verifications.answer(session.id, input);
  } catch (thrown) {
    const error = toIdgateError(thrown);
    // The wallet sees the catalog code; the log line names the check that failed.
    request.log.warn(
      { verification_id: session.id, code: error.code, debug: debugOf(error) },
      'wallet response refused',
    );
    throw thrown;
  }
  const body =
    answered.flowType === 'redirect'
      ? { redirect_uri: returnUri(deps.config.issuer, answered, deps.responseCodes.issue(answered.id)) }
      : {};
  return reply
    .code(200)
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .type('application/json')
    .send(body);
}

/** Where the wallet sends the browser back (same-device): under the transaction's pages for `/authorize`. */
function returnUri(issuer: string, session: Verification, code: string): string {
  const origin = new URL(issuer).origin;
  const path =
    session.origin === 'authorize'
      ? `${transactionPagePath(issuer, session.id)}/wallet-return`
      : `${new URL(issuer).pathname.replace(/\/+$/, '')}/wallet/${encodeURIComponent(session.id)}/return`;
  return `${origin}${path}?response_code=${encodeURIComponent(code)}`;
}

async function redeem(
  deps: WalletRoutesDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  id: string,
  origin: Verification['origin'],
): Promise<FastifyReply> {
  const query = readForm(request.query, ['response_code']);
  const code = query.response_code;
  if (code === undefined) {
    throw new IdgateError('VALIDATION_MISSING_PARAMETER', {
      detail: 'The wallet sent the browser back without its response_code.',
      context: { fields: [{ name: 'response_code', reason: 'is required' }] },
    });
  }
  checkLength('response_code', code, MAX_FIELD_LENGTH);
  const session = await walletSession(deps, id);
  if (session.origin !== origin) throw unknownSession();
  // Only the browser that started the sign-in redeems its code (OpenID4VP 1.0 §13.3).
  if (origin === 'authorize') checkBrowserBinding(deps.secrets, session.id, request.headers.cookie);
  await deps.responseCodes.redeem(session.id, code, session.expiresAt);
  return finishBrowserJourney(deps.config, request, reply, session);
}
