/**
 * Transaction states (SPEC 4.1) and transaction status codes (SPEC 4.2).
 */
import { describe, expect, it } from 'vitest';
import {
  isAllowedTxTransition,
  isTxState,
  isTxStatusCode,
  TERMINAL_TX_STATES,
  TX_STATES,
  TX_STATUS_CODES,
  TX_STATUS_DEFINITIONS,
  TX_TRANSITIONS,
  type TxState,
  type TxStatusCode,
} from '../src/index.js';

/** SPEC 4.2's table: each status code and the one OAuth `error` it maps to. */
const SPEC_TX_STATUS: readonly (readonly [string, string])[] = [
  ['err_not_authenticated', 'access_denied'],
  ['err_user_cancelled', 'access_denied'],
  ['err_user_account_blocked', 'access_denied'],
  ['err_session_expired', 'access_denied'],
  ['err_loa_not_met', 'access_denied'],
  ['err_missing_user_data', 'access_denied'],
  ['err_invalid_request', 'invalid_request'],
  ['err_invalid_scope', 'invalid_scope'],
  ['err_unsupported_response_type', 'unsupported_response_type'],
  ['err_unauthorized_client', 'unauthorized_client'],
  ['err_provider_unavailable', 'temporarily_unavailable'],
  ['err_provider_error', 'server_error'],
  ['err_signin_hook_unavailable', 'temporarily_unavailable'],
  ['err_internal', 'server_error'],
  // SPEC 10: wallet presentations
  ['err_presentation_invalid', 'access_denied'],
  ['err_credential_untrusted', 'access_denied'],
  ['err_credential_expired', 'access_denied'],
  ['err_credential_revoked', 'access_denied'],
];

/** Status codes beyond SPEC 4.2's minimum, pinned the same way. */
const EXTRA_TX_STATUS: readonly (readonly [string, string])[] = [
  ['err_temporarily_unavailable', 'temporarily_unavailable'],
];

/** SPEC 2.1: the `error` values an authorization error redirect may carry. */
const REDIRECT_ERRORS = [
  'access_denied',
  'invalid_request',
  'unauthorized_client',
  'unsupported_response_type',
  'invalid_scope',
  'server_error',
  'temporarily_unavailable',
];

const NON_TERMINAL: readonly TxState[] = ['initiated', 'pending', 'authenticating'];
const TERMINAL: readonly TxState[] = ['completed', 'failed', 'cancelled', 'expired'];

describe('SPEC 4.2: transaction status codes', () => {
  it.each(SPEC_TX_STATUS)('%s maps to %s', (code, oauth) => {
    expect(isTxStatusCode(code)).toBe(true);
    expect(TX_STATUS_DEFINITIONS[code as TxStatusCode].oauth).toBe(oauth);
  });

  it.each(EXTRA_TX_STATUS)('extra code %s maps to %s', (code, oauth) => {
    expect(TX_STATUS_DEFINITIONS[code as TxStatusCode].oauth).toBe(oauth);
  });

  it('has no status code beyond SPEC 4.2 and the pinned extras', () => {
    expect([...TX_STATUS_CODES].sort()).toEqual([...SPEC_TX_STATUS, ...EXTRA_TX_STATUS].map(([code]) => code).sort());
  });

  it.each(TX_STATUS_CODES)('%s: is err_snake_case with a redirect-capable error and a description', (code) => {
    const definition = TX_STATUS_DEFINITIONS[code];
    expect(code).toMatch(/^err_[a-z]+(_[a-z]+)*$/);
    expect(REDIRECT_ERRORS).toContain(definition.oauth);
    expect(definition.description.trim()).not.toBe('');
  });

  it.each([
    ['err_user_cancelled', 'cancelled'],
    ['err_session_expired', 'expired'],
    ['err_not_authenticated', 'failed'],
    ['err_user_account_blocked', 'failed'],
    ['err_internal', 'failed'],
  ] as const)('%s ends the transaction in %s (SPEC 4.1)', (code, state) => {
    expect(TX_STATUS_DEFINITIONS[code].state).toBe(state);
  });

  it.each(TX_STATUS_CODES)('%s: ends in a terminal state other than completed', (code) => {
    expect(['failed', 'cancelled', 'expired']).toContain(TX_STATUS_DEFINITIONS[code].state);
  });

  it.each([
    ['err_internal', true],
    ['ERR_INTERNAL', false],
    ['internal', false],
    ['hasOwnProperty', false],
    [null, false],
  ])('isTxStatusCode(%j) is %s', (value, expected) => {
    expect(isTxStatusCode(value)).toBe(expected);
  });
});

describe('SPEC 4.1: transaction states', () => {
  it('lists the states in lifecycle order', () => {
    expect(TX_STATES).toEqual([
      'initiated',
      'pending',
      'authenticating',
      'completed',
      'failed',
      'cancelled',
      'expired',
    ]);
  });

  it('terminal states are completed, failed, cancelled and expired', () => {
    expect([...TERMINAL_TX_STATES].sort()).toEqual([...TERMINAL].sort());
  });

  it.each(TERMINAL)('%s never changes', (state) => {
    expect(TX_TRANSITIONS[state]).toEqual([]);
    for (const to of TX_STATES) expect(isAllowedTxTransition(state, to), `${state} → ${to}`).toBe(false);
  });

  it.each(
    NON_TERMINAL.flatMap((from) => (['failed', 'cancelled', 'expired'] as const).map((to) => [from, to] as const)),
  )('any non-terminal state may end: %s → %s', (from, to) => {
    expect(isAllowedTxTransition(from, to)).toBe(true);
  });

  it.each([
    ['initiated', 'pending', true],
    ['pending', 'authenticating', true],
    ['authenticating', 'completed', true],
    ['initiated', 'expired', true],
    ['pending', 'cancelled', true],
    ['completed', 'failed', false],
    ['completed', 'cancelled', false],
    ['cancelled', 'completed', false],
    ['expired', 'pending', false],
    ['failed', 'initiated', false],
    ['pending', 'initiated', false],
    ['authenticating', 'initiated', false],
    ['initiated', 'initiated', false],
    ['pending', 'pending', false],
    ['authenticating', 'authenticating', false],
  ] as const)('isAllowedTxTransition(%s, %s) is %s', (from, to, expected) => {
    expect(isAllowedTxTransition(from, to)).toBe(expected);
  });

  it.each(TX_STATES)('%s: transitions only lead to known states', (state) => {
    for (const to of TX_TRANSITIONS[state]) expect(isTxState(to)).toBe(true);
  });

  it.each([
    ['pending', true],
    ['PENDING', false],
    ['done', false],
    [undefined, false],
  ])('isTxState(%j) is %s', (value, expected) => {
    expect(isTxState(value)).toBe(expected);
  });
});
