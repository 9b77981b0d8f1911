/**
 * Catalog invariants: the catalog is the contract of SPEC 3.1 and 2.2, written here as
 * expected data so that a change to a status, a category or an OAuth mapping fails a test.
 */
import { describe, expect, it } from 'vitest';
import {
  authorizationErrorStatusFor,
  CATALOG,
  type CatalogEntry,
  categoryForStatus,
  ERROR_CODES,
  type ErrorCode,
  isErrorCode,
  isTxStatusCode,
  oauthStatusFor,
  retryForStatus,
  TX_STATUS_CODES,
  TX_STATUS_DEFINITIONS,
} from '../src/index.js';

/** SPEC 3.1's table: every code the product must have, with exactly its status. */
const SPEC_CODES: readonly (readonly [string, number])[] = [
  ['AUTH_INVALID_CREDENTIALS', 401],
  ['AUTH_INVALID_GRANT', 400],
  ['AUTH_INVALID_CLIENT', 401],
  ['AUTH_FORBIDDEN', 403],
  ['AUTH_MISSING_CREDENTIALS', 401],
  ['AUTH_INVALID_TOKEN', 401],
  ['AUTH_INSUFFICIENT_SCOPE', 403],
  ['VALIDATION_MISSING_PARAMETER', 400],
  ['VALIDATION_INVALID_PARAMETER', 400],
  ['VALIDATION_MISSING_USER_DATA', 400],
  ['VALIDATION_INVALID_USER_DATA', 400],
  ['VALIDATION_INVALID_PKCE', 400],
  ['VALIDATION_REDIRECT_URI_REQUIRED', 400],
  ['VALIDATION_MISSING_CLIENT_SECRET', 400],
  ['VALIDATION_UNPROCESSABLE', 422],
  ['VALIDATION_METHOD_NOT_ALLOWED', 405],
  ['VALIDATION_NOT_ACCEPTABLE', 406],
  ['VALIDATION_UNSUPPORTED_MEDIA_TYPE', 415],
  ['VALIDATION_PAYLOAD_TOO_LARGE', 413],
  ['VALIDATION_URI_TOO_LONG', 414],
  ['VALIDATION_HEADERS_TOO_LARGE', 431],
  ['SESSION_NOT_FOUND', 404],
  ['SESSION_VERIFICATION_NOT_FOUND', 404],
  ['SESSION_INVALID_STATUS_TRANSITION', 409],
  ['SESSION_INVALID_FLOW', 400],
  ['PROVIDER_NOT_FOUND', 404],
  ['PROVIDER_NOT_ENABLED', 403],
  ['PROVIDER_INITIALIZATION_FAILED', 502],
  ['PROVIDER_ERROR', 502],
  ['PROVIDER_UNAVAILABLE', 503],
  ['PROVIDER_CONFIGURATION_ERROR', 400],
  ['PROVIDER_AUTHENTICATION_FAILED', 401],
  ['PROVIDER_UNEXPECTED_RESPONSE', 502],
  ['SYSTEM_INTERNAL_ERROR', 500],
  ['SYSTEM_UNSUPPORTED_MODE', 501],
  ['SYSTEM_UNAVAILABLE', 503],
  ['SYSTEM_RATE_LIMITED', 429],
  ['RESOURCE_NOT_FOUND', 404],
  ['RESOURCE_CONFLICT', 409],
  ['RESOURCE_PRECONDITION_FAILED', 412],
  // SPEC 10: wallet presentations
  ['PROVIDER_PRESENTATION_INVALID', 400],
  ['PROVIDER_CREDENTIAL_UNTRUSTED', 400],
  ['PROVIDER_CREDENTIAL_EXPIRED', 400],
  ['PROVIDER_CREDENTIAL_REVOKED', 400],
];

/**
 * Codes the catalog has beyond SPEC 3.1's minimum. Adding a code means adding it here too,
 * so every status in the catalog is pinned by a test.
 */
const EXTRA_CODES: readonly (readonly [string, number])[] = [
  ['VALIDATION_INVALID_SCOPE', 400],
  ['VALIDATION_UNSUPPORTED_RESPONSE_TYPE', 400],
  ['VALIDATION_UNSUPPORTED_GRANT_TYPE', 400],
  // RFC 9449 (DPoP, SPEC 12): the two errors it registers need codes of their own.
  ['AUTH_INVALID_DPOP_PROOF', 401],
  ['AUTH_USE_DPOP_NONCE', 401],
];

const CATEGORY_PREFIXES = ['AUTH_', 'VALIDATION_', 'SESSION_', 'PROVIDER_', 'SYSTEM_', 'RESOURCE_'] as const;

/** RFC 6749 §4.1.2.1 and §5.2: the registered `error` values (and RFC 9449 §5, §8 for DPoP). */
const RFC6749_ERRORS: ReadonlySet<string> = new Set([
  'invalid_request',
  'unauthorized_client',
  'access_denied',
  'unsupported_response_type',
  'invalid_scope',
  'server_error',
  'temporarily_unavailable',
  'invalid_client',
  'invalid_grant',
  'unsupported_grant_type',
  'invalid_dpop_proof',
  'use_dpop_nonce',
]);

/** RFC 6750 §3.1: the `error` values of a Bearer challenge; RFC 9449 §7.1, §9: those of a DPoP one. */
const RFC6750_ERRORS: ReadonlySet<string> = new Set([
  'invalid_request',
  'invalid_token',
  'insufficient_scope',
  'invalid_dpop_proof',
  'use_dpop_nonce',
]);

/** RFC 6749 `error_description`: %x20-21 / %x23-5B / %x5D-7E. */
const OAUTH_DESCRIPTION_CHARSET = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;

/** Every code with its entry, for `it.each`. */
const ENTRIES: readonly (readonly [ErrorCode, CatalogEntry])[] = ERROR_CODES.map((code) => [code, CATALOG[code]]);

/** The entries with status ≥ 500. */
const SERVER_ENTRIES = ENTRIES.filter(([, entry]) => entry.status >= 500);

/** The entries with a default `Retry-After`. */
const RETRY_AFTER_ENTRIES = ENTRIES.filter(([, entry]) => entry.retryAfter !== undefined);

/** Every developer-facing text of an entry, labelled. */
function textsOf(entry: CatalogEntry): readonly (readonly [string, string])[] {
  return [
    ['description', entry.description],
    ...entry.causes.map((cause, index) => [`causes[${index}]`, cause] as const),
    ...entry.fixes.map((fix, index) => [`fixes[${index}]`, fix] as const),
  ];
}

describe('SPEC 3.1: the catalog codes and their statuses', () => {
  it.each(SPEC_CODES)('%s is in the catalog with status %i', (code, status) => {
    expect(isErrorCode(code)).toBe(true);
    expect(CATALOG[code as ErrorCode].status).toBe(status);
  });

  it('has no code beyond SPEC 3.1 and the pinned extras', () => {
    const expected = [...SPEC_CODES, ...EXTRA_CODES].map(([code]) => code).sort();
    expect([...ERROR_CODES].sort()).toEqual(expected);
  });

  it.each(EXTRA_CODES)('extra code %s has status %i', (code, status) => {
    expect(CATALOG[code as ErrorCode].status).toBe(status);
  });

  it('lists every code once', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });

  it.each(ENTRIES)('%s: entry.code names its own key', (code, entry) => {
    expect(entry.code).toBe(code);
  });

  it.each(ENTRIES)('%s: is CATEGORY_ERROR_NAME with a known category prefix', (code) => {
    expect(code).toMatch(/^[A-Z]+(_[A-Z]+)+$/);
    expect(CATEGORY_PREFIXES.some((prefix) => code.startsWith(prefix))).toBe(true);
  });

  it.each([
    ['AUTH_INVALID_GRANT', true],
    ['not_a_code', false],
    ['auth_invalid_grant', false],
    ['toString', false],
    ['constructor', false],
    [undefined, false],
    [401, false],
  ])('isErrorCode(%j) is %s', (value, expected) => {
    expect(isErrorCode(value)).toBe(expected);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(CATALOG)).toBe(true);
    expect(Object.isFrozen(CATALOG.SYSTEM_INTERNAL_ERROR)).toBe(true);
    expect(Object.isFrozen(ERROR_CODES)).toBe(true);
  });
});

describe('SPEC 3.1: category and retry strategy follow the status', () => {
  it.each([
    [400, 'client', 'never', false],
    [401, 'client', 'never', false],
    [403, 'client', 'never', false],
    [404, 'client', 'never', false],
    [405, 'client', 'never', false],
    [409, 'client', 'never', false],
    [422, 'client', 'never', false],
    [429, 'client', 'after_retry_after', true],
    [431, 'client', 'never', false],
    [499, 'client', 'never', false],
    [500, 'error', 'once', true],
    [501, 'error', 'never', false],
    [502, 'failure', 'backoff', true],
    [503, 'failure', 'backoff', true],
  ] as const)('status %i: category %s, retry %s, retryable %s', (status, category, retry, retryable) => {
    expect(categoryForStatus(status)).toBe(category);
    expect(retryForStatus(status)).toBe(retry);
    expect(retryForStatus(status) !== 'never').toBe(retryable);
  });

  it.each([200, 302, 399, 504, 600])('status %i has no error category (RangeError)', (status) => {
    expect(() => categoryForStatus(status)).toThrow(RangeError);
  });

  it.each(ENTRIES)('%s: category, retry and retryable derive from its status', (_code, entry) => {
    const expectedCategory = entry.status < 500 ? 'client' : entry.status <= 501 ? 'error' : 'failure';
    expect(entry.category).toBe(expectedCategory);
    expect(entry.retryable).toBe([429, 500, 502, 503].includes(entry.status));
    expect(entry.retry).toBe(retryForStatus(entry.status));
    expect(entry.retry === 'never').toBe(!entry.retryable);
  });

  it('SYSTEM_UNSUPPORTED_MODE (501) is never retried', () => {
    expect(CATALOG.SYSTEM_UNSUPPORTED_MODE).toMatchObject({
      status: 501,
      category: 'error',
      retry: 'never',
      retryable: false,
    });
  });

  it.each([
    ['SYSTEM_RATE_LIMITED', 'after_retry_after'],
    ['SYSTEM_INTERNAL_ERROR', 'once'],
    ['PROVIDER_ERROR', 'backoff'],
    ['PROVIDER_UNAVAILABLE', 'backoff'],
    ['SYSTEM_UNAVAILABLE', 'backoff'],
    ['AUTH_INVALID_GRANT', 'never'],
  ] as const)('%s retries: %s', (code, retry) => {
    expect(CATALOG[code].retry).toBe(retry);
  });
});

describe('OAuth mappings (SPEC 2.2, RFC 6749, RFC 6750)', () => {
  it.each(ENTRIES)('%s: OAuth error is a registered RFC 6749 value', (_code, entry) => {
    expect(RFC6749_ERRORS.has(entry.oauth)).toBe(true);
  });

  it.each(ENTRIES)('%s: Bearer error, if any, is an RFC 6750 value', (_code, entry) => {
    if (entry.bearer !== undefined) expect(RFC6750_ERRORS.has(entry.bearer)).toBe(true);
    else expect(entry).not.toHaveProperty('bearer');
  });

  it('has server-side codes to check', () => {
    expect(SERVER_ENTRIES.map(([code]) => code)).toEqual([
      'PROVIDER_INITIALIZATION_FAILED',
      'PROVIDER_ERROR',
      'PROVIDER_UNAVAILABLE',
      'PROVIDER_UNEXPECTED_RESPONSE',
      'SYSTEM_INTERNAL_ERROR',
      'SYSTEM_UNSUPPORTED_MODE',
      'SYSTEM_UNAVAILABLE',
    ]);
  });

  it.each(SERVER_ENTRIES)('%s: a server-side failure never maps to a client-side OAuth error', (_code, entry) => {
    expect(['server_error', 'temporarily_unavailable']).toContain(entry.oauth);
  });

  it.each(ENTRIES)(
    '%s: oauthStatusFor is 401 for invalid_client, keeps 405/406/413/414/429/431/5xx, else 400',
    (code, entry) => {
      const expected =
        entry.oauth === 'invalid_client'
          ? 401
          : [405, 406, 413, 414, 429, 431].includes(entry.status) || entry.status >= 500
            ? entry.status
            : 400;
      expect(oauthStatusFor(code)).toBe(expected);
    },
  );

  it.each(ENTRIES)('%s: authorizationErrorStatusFor is 400, or the catalog status for 5xx', (code, entry) => {
    expect(authorizationErrorStatusFor(code)).toBe(entry.status >= 500 ? entry.status : 400);
  });

  it.each([
    ['VALIDATION_MISSING_CLIENT_SECRET', 'invalid_client', 401],
    ['AUTH_INVALID_CLIENT', 'invalid_client', 401],
    ['AUTH_INVALID_CREDENTIALS', 'invalid_client', 401],
    ['AUTH_INVALID_GRANT', 'invalid_grant', 400],
    ['VALIDATION_INVALID_PKCE', 'invalid_request', 400],
    ['SYSTEM_RATE_LIMITED', 'temporarily_unavailable', 429],
    ['VALIDATION_UNSUPPORTED_MEDIA_TYPE', 'invalid_request', 400],
    ['VALIDATION_METHOD_NOT_ALLOWED', 'invalid_request', 405],
    ['VALIDATION_NOT_ACCEPTABLE', 'invalid_request', 406],
    ['VALIDATION_PAYLOAD_TOO_LARGE', 'invalid_request', 413],
    ['VALIDATION_INVALID_SCOPE', 'invalid_scope', 400],
    ['VALIDATION_UNSUPPORTED_GRANT_TYPE', 'unsupported_grant_type', 400],
    ['SYSTEM_INTERNAL_ERROR', 'server_error', 500],
    ['SYSTEM_UNAVAILABLE', 'temporarily_unavailable', 503],
  ] as const)('%s → error=%s, HTTP %i on OAuth surfaces', (code, error, status) => {
    expect(CATALOG[code].oauth).toBe(error);
    expect(oauthStatusFor(code)).toBe(status);
  });

  it.each([
    ['AUTH_INVALID_TOKEN', 'invalid_token'],
    ['AUTH_INSUFFICIENT_SCOPE', 'insufficient_scope'],
  ] as const)('%s → Bearer error=%s (SPEC 2.3)', (code, bearer) => {
    expect(CATALOG[code].bearer).toBe(bearer);
  });
});

describe('catalog texts', () => {
  it.each(ENTRIES)('%s: has a description, causes and fixes, none empty', (_code, entry) => {
    expect(entry.causes.length).toBeGreaterThan(0);
    expect(entry.fixes.length).toBeGreaterThan(0);
    for (const [label, text] of textsOf(entry)) {
      expect(text.trim(), label).not.toBe('');
      expect(text, label).toBe(text.trim());
    }
  });

  it.each(ENTRIES)('%s: description is within the RFC 6749 error_description charset', (_code, entry) => {
    expect(entry.description).toMatch(OAUTH_DESCRIPTION_CHARSET);
  });

  it.each(ENTRIES)('%s: no text contains a double quote or a backslash', (_code, entry) => {
    for (const [label, text] of textsOf(entry)) {
      expect(text, label).not.toContain('"');
      expect(text, label).not.toContain('\\');
    }
  });

  it('descriptions are distinct', () => {
    const descriptions = ENTRIES.map(([, entry]) => entry.description);
    expect(new Set(descriptions).size).toBe(descriptions.length);
  });
});

describe('transaction status and Retry-After defaults', () => {
  it.each(ENTRIES)('%s: txStatus is a real transaction status code', (_code, entry) => {
    expect(isTxStatusCode(entry.txStatus)).toBe(true);
    expect(TX_STATUS_CODES).toContain(entry.txStatus);
  });

  it.each(['SYSTEM_UNAVAILABLE', 'SYSTEM_RATE_LIMITED'] as const)('%s carries a default Retry-After', (code) => {
    const retryAfter = CATALOG[code].retryAfter;
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
  });

  it.each(RETRY_AFTER_ENTRIES)(
    '%s: a default Retry-After only on a retryable code, as a positive integer',
    (_code, entry) => {
      expect(entry.retryable).toBe(true);
      expect(Number.isInteger(entry.retryAfter)).toBe(true);
      expect(entry.retryAfter).toBeGreaterThan(0);
    },
  );

  it.each([
    ['SYSTEM_INTERNAL_ERROR', 'err_internal'],
    ['PROVIDER_UNAVAILABLE', 'err_provider_unavailable'],
    ['PROVIDER_ERROR', 'err_provider_error'],
    ['VALIDATION_UNPROCESSABLE', 'err_loa_not_met'],
    ['VALIDATION_MISSING_USER_DATA', 'err_missing_user_data'],
    ['VALIDATION_INVALID_SCOPE', 'err_invalid_scope'],
    ['VALIDATION_UNSUPPORTED_RESPONSE_TYPE', 'err_unsupported_response_type'],
    ['SESSION_NOT_FOUND', 'err_session_expired'],
    ['PROVIDER_PRESENTATION_INVALID', 'err_presentation_invalid'],
    ['PROVIDER_CREDENTIAL_UNTRUSTED', 'err_credential_untrusted'],
    ['PROVIDER_CREDENTIAL_EXPIRED', 'err_credential_expired'],
    ['PROVIDER_CREDENTIAL_REVOKED', 'err_credential_revoked'],
  ] as const)('%s ends a transaction with %s', (code, txStatus) => {
    expect(CATALOG[code].txStatus).toBe(txStatus);
  });

  it.each([
    'err_presentation_invalid',
    'err_credential_untrusted',
    'err_credential_expired',
    'err_credential_revoked',
  ] as const)('SPEC 10: %s ends a transaction failed with access_denied', (code) => {
    expect(TX_STATUS_DEFINITIONS[code]).toMatchObject({ oauth: 'access_denied', state: 'failed' });
  });
});
