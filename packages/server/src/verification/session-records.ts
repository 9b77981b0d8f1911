/**
 * What every part of the verification service shares about a stored session: its ids and
 * lifetimes, the result kept (encrypted) with it, the view callers get of it, and the
 * errors of a look-up.
 */
import { type ErrorCode, IdgateError } from '@idgate/errors';
import type { Environment } from '../config/config.js';
import type { NormalizedClaims } from '../domain/claims.js';
import type { Verification } from '../domain/verification.js';
import { randomBase62 } from '../security/secrets.js';
import type { NewVerificationEvent, StoredVerification } from '../store/verifications.repository.js';

/** How long an `/authorize` transaction lives. */
export const AUTHORIZATION_TTL_SECONDS = 600;

/** How long a REST verification lives. */
export const VERIFICATION_TTL_SECONDS = 600;

/** How often a write that lost a race is decided again before `RESOURCE_CONFLICT`. */
export const MAX_ATTEMPTS = 5;

/** The first event of every session. */
export const CREATED_EVENT: NewVerificationEvent = { from: null, to: 'initiated', statusCode: null, actor: 'app' };

/** An `/authorize` transaction drafted in memory, before it is stored. */
export type AuthorizationDraft = StoredVerification;

/** What the app's sign-in hook sent with a denial, passed to the error redirect exactly (SPEC 2.1). */
export interface SignInHookDenial {
  readonly errMsg: string | undefined;
  readonly errCode: string | undefined;
}

/** A session as the service returns it: with the sign-in hook's denial when it denied. */
export type VerificationResult = Verification & { readonly signInHookDenial?: SignInHookDenial };

/** The result stored (encrypted) with a completed session. */
export interface StoredResult {
  readonly subject: string;
  readonly issuer: string;
  readonly claims: NormalizedClaims;
  readonly missingClaims: readonly string[];
  readonly rawClaims: Readonly<Record<string, unknown>>;
}

/** Which not-found error a look-up raises. */
export type NotFoundCode = Extract<ErrorCode, 'SESSION_NOT_FOUND' | 'SESSION_VERIFICATION_NOT_FOUND'>;

/** The environment a verification id names, if it is one. */
export function environmentOfVerificationId(id: string): Environment | undefined {
  if (id.startsWith('vrf_test_')) return 'sandbox';
  if (id.startsWith('vrf_live_')) return 'production';
  return undefined;
}

/** A new verification id for an environment. */
export function newVerificationId(environment: Environment): string {
  return `vrf_${environment === 'sandbox' ? 'test' : 'live'}_${randomBase62(24)}`;
}

/** The session without its encrypted parts and hook bookkeeping (with the hook's denial, if it denied). */
export function toPublic(stored: StoredVerification): VerificationResult {
  const {
    userDataCiphertext: _u,
    providerStateCiphertext: _p,
    resultCiphertext: _r,
    signInHookState,
    signInHookErrMsg,
    signInHookErrCode,
    ...verification
  } = stored;
  if (signInHookState !== 'denied') return verification;
  return {
    ...verification,
    signInHookDenial: { errMsg: signInHookErrMsg ?? undefined, errCode: signInHookErrCode ?? undefined },
  };
}

/** `SESSION_NOT_FOUND` or `SESSION_VERIFICATION_NOT_FOUND` for an id (and why, when it is another environment's). */
export function notFoundError(code: NotFoundCode, id: string, wrongEnvironment?: string): IdgateError {
  const shown = id.slice(0, 128);
  const what = code === 'SESSION_NOT_FOUND' ? 'transaction' : 'verification';
  return new IdgateError(code, {
    detail:
      wrongEnvironment === undefined
        ? `There is no ${what} ${shown}.`
        : `There is no ${what} ${shown} here: ${wrongEnvironment}.`,
    context: { verificationId: shown },
  });
}

/** The same provider error, naming the session it failed. */
export function withVerificationId(error: IdgateError, verificationId: string): IdgateError {
  return new IdgateError(error.code, {
    ...(error.detail === undefined ? {} : { detail: error.detail }),
    context: { ...error.context, verificationId },
    headers: error.headers,
    cause: error,
    ...(error.txStatusOverride === undefined ? {} : { txStatus: error.txStatusOverride }),
  });
}

/** `RESOURCE_CONFLICT` once a session changed under every attempt to write it. */
export function concurrentChangeError(verificationId: string): IdgateError {
  return new IdgateError('RESOURCE_CONFLICT', {
    detail: 'The verification was changed by other requests at the same time; retry.',
    context: { verificationId },
  });
}
