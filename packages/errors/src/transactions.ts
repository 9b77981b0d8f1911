/**
 * Transaction states (SPEC 4.1) and transaction status codes (SPEC 4.2), as data.
 *
 * A verification session and an authorization transaction are the same thing; its
 * state is `status` in the REST API and `tx_state` in authorization redirects. When a
 * transaction fails, its status code is `error.code` in REST and `error_description`
 * in the redirect, and maps to exactly one OAuth `error`.
 */
import type { OAuthErrorValue } from './oauth-values.js';

/** Every transaction state, in lifecycle order. */
export const TX_STATES = [
  'initiated',
  'pending',
  'authenticating',
  'completed',
  'failed',
  'cancelled',
  'expired',
] as const;

/** A transaction state. */
export type TxState = (typeof TX_STATES)[number];

/** States that never change once reached. */
export const TERMINAL_TX_STATES: ReadonlySet<TxState> = new Set<TxState>([
  'completed',
  'failed',
  'cancelled',
  'expired',
]);

/** Which state may follow which (terminal states have none). */
export const TX_TRANSITIONS: Readonly<Record<TxState, readonly TxState[]>> = Object.freeze({
  initiated: ['pending', 'authenticating', 'completed', 'failed', 'cancelled', 'expired'],
  pending: ['authenticating', 'completed', 'failed', 'cancelled', 'expired'],
  authenticating: ['pending', 'completed', 'failed', 'cancelled', 'expired'],
  completed: [],
  failed: [],
  cancelled: [],
  expired: [],
});

/** Whether `to` may follow `from`. */
export function isAllowedTxTransition(from: TxState, to: TxState): boolean {
  return TX_TRANSITIONS[from].includes(to);
}

/** One transaction status code: the OAuth `error` it maps to and when it is used. */
export interface TxStatusDefinition {
  readonly oauth: OAuthErrorValue;
  /** The state a transaction ends in with this code. */
  readonly state: Extract<TxState, 'failed' | 'cancelled' | 'expired'>;
  readonly description: string;
}

const TX_STATUS = {
  err_not_authenticated: {
    oauth: 'access_denied',
    state: 'failed',
    description: 'The user did not complete authentication at the identity provider.',
  },
  err_user_cancelled: {
    oauth: 'access_denied',
    state: 'cancelled',
    description: 'The user cancelled the verification.',
  },
  err_user_account_blocked: {
    oauth: 'access_denied',
    state: 'failed',
    description: "The app's sign-in hook denied the sign-in.",
  },
  err_session_expired: {
    oauth: 'access_denied',
    state: 'expired',
    description: 'The transaction expired before it was completed.',
  },
  err_loa_not_met: {
    oauth: 'access_denied',
    state: 'failed',
    description: "The requested level of assurance can't be or wasn't reached.",
  },
  err_missing_user_data: {
    oauth: 'access_denied',
    state: 'failed',
    description: 'Required claims or user data are missing.',
  },
  err_invalid_request: {
    oauth: 'invalid_request',
    state: 'failed',
    description: 'A parameter is missing, invalid or duplicated, or PKCE is missing for a public client.',
  },
  err_invalid_scope: {
    oauth: 'invalid_scope',
    state: 'failed',
    description: 'A requested scope is unknown or not allowed for the app.',
  },
  err_unsupported_response_type: {
    oauth: 'unsupported_response_type',
    state: 'failed',
    description: 'The response_type is not `code`.',
  },
  err_unauthorized_client: {
    oauth: 'unauthorized_client',
    state: 'failed',
    description: 'The app may not use this flow or provider.',
  },
  err_provider_unavailable: {
    oauth: 'temporarily_unavailable',
    state: 'failed',
    description: 'The identity provider is down, in maintenance, or its circuit is open.',
  },
  err_provider_error: {
    oauth: 'server_error',
    state: 'failed',
    description: 'The identity provider failed or answered something idgate could not use.',
  },
  err_presentation_invalid: {
    oauth: 'access_denied',
    state: 'failed',
    description: 'The wallet presentation was invalid: unreadable, for another request, or a check failed.',
  },
  err_credential_untrusted: {
    oauth: 'access_denied',
    state: 'failed',
    description: 'The presented credential was not issued by a trusted issuer, or its type is not allowed.',
  },
  err_credential_expired: {
    oauth: 'access_denied',
    state: 'failed',
    description: 'The presented credential is expired or not yet valid.',
  },
  err_credential_revoked: {
    oauth: 'access_denied',
    state: 'failed',
    description: 'The presented credential was revoked or suspended by its issuer.',
  },
  err_signin_hook_unavailable: {
    oauth: 'temporarily_unavailable',
    state: 'failed',
    description: "The app's sign-in hook timed out, failed or answered something else than allow or deny.",
  },
  err_temporarily_unavailable: {
    oauth: 'temporarily_unavailable',
    state: 'failed',
    description: 'idgate is overloaded, rate-limited the request, or is in maintenance; try again later.',
  },
  err_internal: { oauth: 'server_error', state: 'failed', description: 'Something unexpected failed inside idgate.' },
} as const satisfies Record<string, TxStatusDefinition>;

/** A transaction status code (`err_…`). */
export type TxStatusCode = keyof typeof TX_STATUS;

/** Every transaction status code, in documentation order. */
export const TX_STATUS_CODES: readonly TxStatusCode[] = Object.freeze(Object.keys(TX_STATUS) as TxStatusCode[]);

/** The transaction status code table. */
export const TX_STATUS_DEFINITIONS: Readonly<Record<TxStatusCode, TxStatusDefinition>> = Object.freeze(TX_STATUS);

/** Whether a string is a transaction status code. */
export function isTxStatusCode(value: unknown): value is TxStatusCode {
  return typeof value === 'string' && Object.hasOwn(TX_STATUS, value);
}

/** Whether a string is a transaction state. */
export function isTxState(value: unknown): value is TxState {
  return typeof value === 'string' && (TX_STATES as readonly string[]).includes(value);
}
