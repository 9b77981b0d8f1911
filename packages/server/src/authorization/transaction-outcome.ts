/**
 * Where an `/authorize` transaction sends the browser once it is over: the code (RFC 6749
 * §4.1.2) when it completed, else its transaction status code (SPEC 2.1), with `state`
 * and `iss` either way. The same for the headless path and the hosted pages. A sign-in
 * hook's denial adds the hook's `errMsg` and `errCode`, exactly as it sent them.
 */

import {
  type IdgateError,
  renderAuthorizationErrorRedirect,
  TERMINAL_TX_STATES,
  type TxState,
  type TxStatusCode,
} from '@idgate/errors';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { Verification } from '../domain/verification.js';
import type { AuthorizationCodes, IssueCodeInput } from '../tokens/authorization-codes.js';
import type { VerificationResult, VerificationService } from '../verification/verification.service.js';
import { authorizationSuccessLocation } from './authorization-response.js';

/** Whether a transaction is over (terminal states never change, SPEC 4.1). */
export function isFinished(transaction: Verification): boolean {
  return TERMINAL_TX_STATES.has(transaction.status);
}

/** The status code a finished transaction reports when none was recorded. */
function fallbackStatusCode(state: TxState): TxStatusCode {
  if (state === 'cancelled') return 'err_user_cancelled';
  if (state === 'expired') return 'err_session_expired';
  return 'err_internal';
}

/**
 * What the code of a completed `/authorize` transaction is bound to: the request's client,
 * redirect URI, scopes, nonce and PKCE challenge.
 * @throws TypeError for a transaction that is not an `/authorize` one (a programming error)
 */
export function codeInputOf(transaction: Verification): IssueCodeInput {
  const request = transaction.authorizationRequest;
  if (request === null) throw new TypeError(`transaction ${transaction.id} is not an /authorize transaction`);
  return {
    verificationId: transaction.id,
    clientId: transaction.clientId,
    redirectUri: request.redirectUri,
    scope: request.scope.join(' '),
    nonce: request.nonce,
    codeChallenge: request.codeChallenge,
  };
}

/**
 * The `Location` for a finished `/authorize` transaction: a new code bound as
 * {@link codeInputOf} says (or `issuedCode`, one already issued for it), or the error.
 * @throws TypeError for a transaction that is not a finished `/authorize` one (a programming error)
 */
export async function finishedTransactionLocation(
  transaction: VerificationResult,
  codes: Pick<AuthorizationCodes, 'issue'>,
  issuer: string,
  issuedCode?: string,
): Promise<string> {
  const request = transaction.authorizationRequest;
  if (request === null || !isFinished(transaction)) {
    throw new TypeError(`transaction ${transaction.id} is not a finished /authorize transaction`);
  }
  if (transaction.status === 'completed') {
    const code = issuedCode ?? (await codes.issue(codeInputOf(transaction)));
    return authorizationSuccessLocation({ redirectUri: request.redirectUri, code, state: request.state, issuer });
  }
  // RFC 6749 §4.1.2.1, RFC 9207 and SPEC 2.1: error, status code, tx_state, state, iss
  // (and the sign-in hook's errMsg / errCode when it denied).
  const denial = transaction.statusCode === 'err_user_account_blocked' ? transaction.signInHookDenial : undefined;
  return renderAuthorizationErrorRedirect({
    redirectUri: request.redirectUri,
    txStatus: transaction.statusCode ?? fallbackStatusCode(transaction.status),
    txState: transaction.status,
    issuer,
    state: request.state,
    errMsg: denial?.errMsg,
    errCode: denial?.errCode,
  });
}

/**
 * Ends a transaction that an error interrupted, with the error's status code, and
 * returns it as it now is (a transaction that already ended stays as it was). Returns
 * `undefined` when even that failed (the database is down): the caller answers the
 * original error.
 */
export async function endTransaction(
  verifications: Pick<VerificationService, 'fail'>,
  transactionId: string,
  error: IdgateError,
  log: FastifyBaseLogger,
): Promise<Verification | undefined> {
  try {
    return await verifications.fail(transactionId, error.txStatus, 'system', error.code);
  } catch (failure) {
    log.warn(
      { verification_id: transactionId, code: error.code, err: failure },
      'could not record the failed transaction',
    );
    return undefined;
  }
}

/**
 * Where the browser goes while a transaction waits for the user: the provider's page for
 * redirect flows, else the transaction's own page (provider choice, or waiting for a QR
 * code or a push approval).
 */
export function hostedPageUrl(issuer: string, transaction: Verification): string {
  const providerUrl = transaction.flowDetails.url;
  if (transaction.flowType === 'redirect' && typeof providerUrl === 'string') return providerUrl;
  return `${issuer}/authorize/${encodeURIComponent(transaction.id)}`;
}

/** One log line per finished transaction. */
export function logFinished(request: FastifyRequest, transaction: Verification): void {
  request.log.info(
    {
      verification_id: transaction.id,
      client_id: transaction.clientId,
      provider_id: transaction.providerId,
      tx_state: transaction.status,
      status_code: transaction.statusCode,
      ...(transaction.errorCode === null ? {} : { code: transaction.errorCode }),
    },
    'authorization transaction finished',
  );
}
