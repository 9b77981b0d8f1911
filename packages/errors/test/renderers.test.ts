/**
 * Golden outputs of every renderer, per code and surface: member lists and order,
 * headers, escaping, character sets, `state`/`iss`, and nothing of a ≥ 500 detail exposed.
 */
import { describe, expect, it } from 'vitest';
import {
  bearerChallengeFor,
  CATALOG,
  ERROR_CODES,
  type ErrorCode,
  escapeHtml,
  IdgateError,
  type IdgateErrorOptions,
  inlineMarkdownToHtml,
  messagesFor,
  oauthStatusFor,
  PROBLEM_CONTENT_TYPE,
  quotedString,
  renderAuthorizationErrorJson,
  renderAuthorizationErrorRedirect,
  renderAuthorizationErrorRedirectFor,
  renderChallenge,
  renderChallenges,
  renderErrorPage,
  renderErrorReferenceHtml,
  renderErrorReferenceIndexHtml,
  renderOAuthError,
  renderProblem,
  STYLESHEET_PATH,
  type SupportContact,
  TX_STATUS_CODES,
  TX_STATUS_DEFINITIONS,
  toOAuthDescription,
} from '../src/index.js';

const ISSUER = 'https://idgate.example';
const REQUEST_ID = '01JTESTREQUEST0ID';
const INSTANCE = '/v1/verifications';
const NOW = new Date('2026-11-22T10:30:00.000Z');
const REALM = 'idgate';
const REDIRECT_URI = 'https://app.example/cb';

/** A detail full of internals: for status ≥ 500 none of it may leave the server. */
const INTERNAL_DETAIL = 'connect ECONNREFUSED db-primary.internal:5432 user=svc_hunter2';
const INTERNAL_MARKERS = ['ECONNREFUSED', 'db-primary', '5432', 'hunter2'];

/** RFC 6749 `error_description`: %x20-21 / %x23-5B / %x5D-7E. */
const OAUTH_DESCRIPTION_CHARSET = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;

const PROBLEM_MEMBERS = [
  'type',
  'title',
  'status',
  'detail',
  'instance',
  'timestamp',
  'request_id',
  'category',
  'retryable',
  'context',
  'doc_url',
  'user_message',
];
const OAUTH_MEMBERS = ['error', 'error_description', 'error_uri', 'request_id'];
const REDIRECT_PARAMETERS = ['error', 'error_description', 'tx_state', 'state', 'iss', 'errMsg', 'errCode'];

const CLIENT_CODES = ERROR_CODES.filter((code) => CATALOG[code].status < 500);
const SERVER_CODES = ERROR_CODES.filter((code) => CATALOG[code].status >= 500);
const INVALID_CLIENT_CODES = ERROR_CODES.filter((code) => CATALOG[code].oauth === 'invalid_client');
const OTHER_OAUTH_CODES = ERROR_CODES.filter((code) => CATALOG[code].oauth !== 'invalid_client');

/** Strings that break naive encoders: reserved URL characters, quotes, markup, spaces, non-ASCII. */
const TRICKY_VALUES: readonly (readonly [string, string])[] = [
  ['plain', 'xyz'],
  ['ampersand and equals', 'a&b=c&error=forged'],
  ['plus and percent', '1+1=2 100% %20 %zz'],
  ['hash and question mark', 'frag#ment?query'],
  ['quotes', `double " single ' back \` slash \\`],
  ['markup', '<script>alert(1)</script>'],
  ['spaces', '  leading and trailing  '],
  ['non-ASCII', 'Ünïcødé ✓ — 日本語 😀'],
  ['empty', ''],
  ['reserved', "!*'();:@$,/[]"],
];

function errorFor(code: ErrorCode, options: IdgateErrorOptions = {}): IdgateError {
  return new IdgateError(code, options);
}

/** The catalog's `Retry-After` default as a header record (empty when the code has none). */
function retryAfterHeaders(code: ErrorCode): Record<string, string> {
  const retryAfter = CATALOG[code].retryAfter;
  return retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) };
}

function problemFor(code: ErrorCode, options: IdgateErrorOptions = {}, locale = 'en') {
  return renderProblem(errorFor(code, options), {
    issuer: ISSUER,
    requestId: REQUEST_ID,
    instance: INSTANCE,
    locale,
    now: NOW,
  });
}

function oauthFor(code: ErrorCode, options: IdgateErrorOptions = {}, authorizationHeaderSent = false, realm = REALM) {
  return renderOAuthError(errorFor(code, options), {
    issuer: ISSUER,
    requestId: REQUEST_ID,
    realm,
    authorizationHeaderSent,
  });
}

/** The time error pages of these tests were answered. */
const PAGE_AT = new Date('2026-11-22T10:30:00.000Z');

function pageFor(code: ErrorCode, options: IdgateErrorOptions = {}, locale = 'en', support?: SupportContact) {
  return renderErrorPage(errorFor(code, options), {
    issuer: ISSUER,
    requestId: REQUEST_ID,
    locale,
    at: PAGE_AT,
    ...(support === undefined ? {} : { support }),
  });
}

/** Parses a redirect `Location` the way a client's framework would. */
function queryOf(location: string): URLSearchParams {
  return new URL(location).searchParams;
}

/** Decodes a query with a plain URI decoder (no `+` → space), as some clients do. */
function plainDecodedQuery(location: string): Record<string, string> {
  const query = location.slice(location.indexOf('?') + 1);
  const decoded: Record<string, string> = {};
  for (const pair of query.split('&')) {
    const [key = '', value = ''] = pair.split('=');
    decoded[decodeURIComponent(key)] = decodeURIComponent(value);
  }
  return decoded;
}

function redirectWith(extra: { state?: string; errMsg?: string; errCode?: string; redirectUri?: string } = {}) {
  return renderAuthorizationErrorRedirect({
    redirectUri: REDIRECT_URI,
    txStatus: 'err_user_account_blocked',
    txState: 'failed',
    issuer: ISSUER,
    ...extra,
  });
}

describe('renderProblem (RFC 9457, SPEC 3)', () => {
  it.each(ERROR_CODES)('%s: golden body, status and headers', (code) => {
    const entry = CATALOG[code];
    const rendered = problemFor(code);
    expect(rendered.status).toBe(entry.status);
    expect(rendered.headers).toStrictEqual({
      ...retryAfterHeaders(code),
      'content-type': 'application/problem+json',
      'content-language': 'en',
    });
    expect(rendered.body).toStrictEqual({
      type: `https://idgate.example/errors/${code}`,
      title: code,
      status: entry.status,
      detail: entry.description,
      instance: '/v1/verifications',
      timestamp: '2026-11-22T10:30:00.000Z',
      request_id: REQUEST_ID,
      category: entry.category,
      retryable: entry.retryable,
      context: {},
      doc_url: `https://idgate.example/errors/${code}`,
      user_message: messagesFor('en').errors[code],
    });
    expect(Object.keys(rendered.body)).toEqual(PROBLEM_MEMBERS);
  });

  it.each(ERROR_CODES)('%s: locale de gives the German user message and Content-Language de', (code) => {
    const rendered = problemFor(code, {}, 'de');
    expect(rendered.body.user_message).toBe(messagesFor('de').errors[code]);
    expect(rendered.body.user_message).not.toBe(messagesFor('en').errors[code]);
    expect(rendered.headers['content-language']).toBe('de');
  });

  it('uses English for an unsupported locale and when none is given', () => {
    const unsupported = problemFor('RESOURCE_NOT_FOUND', {}, 'fr');
    expect(unsupported.headers['content-language']).toBe('en');
    expect(unsupported.body.user_message).toBe(messagesFor('en').errors.RESOURCE_NOT_FOUND);
    const defaulted = renderProblem(errorFor('RESOURCE_NOT_FOUND'), {
      issuer: ISSUER,
      requestId: REQUEST_ID,
      instance: '/x',
    });
    expect(defaulted.headers['content-language']).toBe('en');
  });

  it('the content type is exactly application/problem+json', () => {
    expect(PROBLEM_CONTENT_TYPE).toBe('application/problem+json');
  });

  it('stamps the current time when no clock is given', () => {
    const before = Date.now();
    const rendered = renderProblem(errorFor('RESOURCE_NOT_FOUND'), {
      issuer: ISSUER,
      requestId: REQUEST_ID,
      instance: '/x',
    });
    expect(rendered.body.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Date.parse(rendered.body.timestamp)).toBeGreaterThanOrEqual(before);
  });

  it.each(CLIENT_CODES)('%s: a client error shows the throw site detail and context', (code) => {
    const context = { client_id: 'test_abc', fields: [{ name: 'providerId', reason: 'required' }] };
    const rendered = problemFor(code, { detail: 'providerId is required', context });
    expect(rendered.body.detail).toBe('providerId is required');
    expect(rendered.body.context).toStrictEqual(context);
  });

  it('keeps throw-site headers next to its own', () => {
    const rendered = problemFor('VALIDATION_METHOD_NOT_ALLOWED', { headers: { allow: 'GET, HEAD' } });
    expect(rendered.headers).toStrictEqual({
      allow: 'GET, HEAD',
      'content-type': 'application/problem+json',
      'content-language': 'en',
    });
  });

  it('a throw-site Retry-After wins over the catalog default', () => {
    expect(problemFor('SYSTEM_RATE_LIMITED', { headers: { 'Retry-After': '60' } }).headers).toStrictEqual({
      'Retry-After': '60',
      'content-type': 'application/problem+json',
      'content-language': 'en',
    });
  });
});

describe('renderOAuthError (RFC 6749 §5.2, SPEC 2.2)', () => {
  it.each(ERROR_CODES)('%s: golden body, status and headers without an Authorization header', (code) => {
    const entry = CATALOG[code];
    const rendered = oauthFor(code);
    expect(rendered.status).toBe(oauthStatusFor(code));
    expect(rendered.headers).toStrictEqual({
      ...retryAfterHeaders(code),
      'content-type': 'application/json',
      'cache-control': 'no-store',
      pragma: 'no-cache',
    });
    expect(rendered.body).toStrictEqual({
      error: entry.oauth,
      error_description: entry.description,
      error_uri: `https://idgate.example/errors/${code}`,
      request_id: REQUEST_ID,
    });
    expect(Object.keys(rendered.body)).toEqual(OAUTH_MEMBERS);
    expect(rendered.body).not.toHaveProperty('code');
  });

  it.each(INVALID_CLIENT_CODES)('%s: 401 with a Basic challenge when the client sent Authorization', (code) => {
    const rendered = oauthFor(code, {}, true);
    expect(rendered.status).toBe(401);
    expect(rendered.headers['www-authenticate']).toBe(
      `Basic realm="idgate", error="invalid_client", error_description="${CATALOG[code].description}"`,
    );
  });

  it.each(INVALID_CLIENT_CODES)('%s: 401 without a challenge when the client sent no Authorization', (code) => {
    const rendered = oauthFor(code, {}, false);
    expect(rendered.status).toBe(401);
    expect(rendered.headers).not.toHaveProperty('www-authenticate');
  });

  it.each(OTHER_OAUTH_CODES)('%s: never a challenge, even with an Authorization header', (code) => {
    expect(oauthFor(code, {}, true).headers).not.toHaveProperty('www-authenticate');
  });

  it('escapes the realm and limits the description inside the challenge', () => {
    const rendered = oauthFor(
      'AUTH_INVALID_CLIENT',
      { detail: 'client "x\\y" is disabled\nsince Ünïcødé' },
      true,
      'id"g\\ate',
    );
    expect(rendered.body.error_description).toBe("client 'x/y' is disabled since ?n?c?d?");
    expect(rendered.headers['www-authenticate']).toBe(
      `Basic realm="id\\"g\\\\ate", error="invalid_client", error_description="client 'x/y' is disabled since ?n?c?d?"`,
    );
  });

  it.each(TRICKY_VALUES)('error_description stays in the RFC 6749 charset for a %s detail', (_label, detail) => {
    expect(oauthFor('VALIDATION_INVALID_PARAMETER', { detail }).body.error_description).toMatch(
      OAUTH_DESCRIPTION_CHARSET,
    );
  });

  it.each([
    ['VALIDATION_MISSING_CLIENT_SECRET', 'invalid_client', 401],
    ['AUTH_INVALID_GRANT', 'invalid_grant', 400],
    ['SYSTEM_RATE_LIMITED', 'temporarily_unavailable', 429],
    ['VALIDATION_UNSUPPORTED_MEDIA_TYPE', 'invalid_request', 400],
  ] as const)('SPEC 2.2: %s → error=%s, HTTP %i, error_uri names the code', (code, error, status) => {
    const rendered = oauthFor(code);
    expect(rendered.status).toBe(status);
    expect(rendered.body.error).toBe(error);
    expect(rendered.body.error_uri).toBe(`https://idgate.example/errors/${code}`);
  });

  it('SPEC 2.2: a rate-limited token request carries Retry-After', () => {
    expect(oauthFor('SYSTEM_RATE_LIMITED').headers['retry-after']).toBe(String(CATALOG.SYSTEM_RATE_LIMITED.retryAfter));
  });
});

describe('renderAuthorizationErrorJson (SPEC 2.1, no redirect possible)', () => {
  it.each(ERROR_CODES)('%s: 400 for client errors, catalog status for 5xx, OAuth members', (code) => {
    const entry = CATALOG[code];
    const rendered = renderAuthorizationErrorJson(errorFor(code), { issuer: ISSUER, requestId: REQUEST_ID });
    expect(rendered.status).toBe(entry.status >= 500 ? entry.status : 400);
    expect(rendered.headers).toStrictEqual({
      ...retryAfterHeaders(code),
      'content-type': 'application/json',
      'cache-control': 'no-store',
    });
    expect(rendered.body).toStrictEqual({
      error: entry.oauth,
      error_description: entry.description,
      error_uri: `https://idgate.example/errors/${code}`,
      request_id: REQUEST_ID,
    });
    expect(Object.keys(rendered.body)).toEqual(OAUTH_MEMBERS);
  });

  it.each([
    ['VALIDATION_REDIRECT_URI_REQUIRED', 400],
    ['AUTH_INVALID_CLIENT', 400],
    ['SYSTEM_INTERNAL_ERROR', 500],
    ['SYSTEM_UNAVAILABLE', 503],
  ] as const)('%s → %i', (code, status) => {
    expect(renderAuthorizationErrorJson(errorFor(code), { issuer: ISSUER, requestId: REQUEST_ID }).status).toBe(status);
  });
});

describe('renderAuthorizationErrorRedirect (RFC 6749 §4.1.2.1, RFC 9207, SPEC 2.1)', () => {
  it('matches SPEC 2.1 example exactly', () => {
    expect(redirectWith({ state: 'xyz', errMsg: 'User has self-excluded', errCode: '1001' })).toBe(
      'https://app.example/cb?error=access_denied&error_description=err_user_account_blocked&tx_state=failed' +
        '&state=xyz&iss=https%3A%2F%2Fidgate.example&errMsg=User%20has%20self-excluded&errCode=1001',
    );
  });

  it('sends the parameters in contract order', () => {
    const location = redirectWith({ state: 's', errMsg: 'm', errCode: 'c' });
    expect([...queryOf(location).keys()]).toEqual(REDIRECT_PARAMETERS);
  });

  it('leaves out state, errMsg and errCode when not given, but always sends iss', () => {
    const location = redirectWith();
    expect(location).toBe(
      'https://app.example/cb?error=access_denied&error_description=err_user_account_blocked&tx_state=failed&iss=https%3A%2F%2Fidgate.example',
    );
    expect([...queryOf(location).keys()]).toEqual(['error', 'error_description', 'tx_state', 'iss']);
  });

  it('echoes an empty state exactly as received', () => {
    expect(queryOf(redirectWith({ state: '' })).get('state')).toBe('');
  });

  it.each([
    ['https://app.example/cb?tenant=a&x=1', ['tenant', 'x', 'error', 'error_description', 'tx_state', 'iss'], '&'],
    ['https://app.example/cb?tenant=a&', ['tenant', 'error', 'error_description', 'tx_state', 'iss'], ''],
    ['https://app.example/cb?', ['error', 'error_description', 'tx_state', 'iss'], ''],
    ['http://localhost:8080/callback', ['error', 'error_description', 'tx_state', 'iss'], '?'],
  ])('keeps the redirect URI %s and its query', (redirectUri, keys, separator) => {
    const location = redirectWith({ redirectUri });
    expect(location.startsWith(`${redirectUri}${separator}error=access_denied&`)).toBe(true);
    expect([...queryOf(location).keys()]).toEqual(keys);
  });

  it.each(TRICKY_VALUES)('state, errMsg and errCode round-trip exactly: %s', (_label, value) => {
    const location = redirectWith({ state: value, errMsg: value, errCode: value });
    const query = queryOf(location);
    expect(query.get('state')).toBe(value);
    expect(query.get('errMsg')).toBe(value);
    expect(query.get('errCode')).toBe(value);
    expect(query.get('error')).toBe('access_denied');
    expect(query.getAll('error')).toHaveLength(1);
    expect(plainDecodedQuery(location)).toStrictEqual({
      error: 'access_denied',
      error_description: 'err_user_account_blocked',
      tx_state: 'failed',
      state: value,
      iss: ISSUER,
      errMsg: value,
      errCode: value,
    });
    // Only RFC 3986 unreserved characters and percent-escapes in the added query.
    expect(location.slice(REDIRECT_URI.length + 1)).toMatch(/^[A-Za-z0-9\-._~%&=]*$/);
  });

  it('encodes spaces as %20, never +', () => {
    const location = redirectWith({ errMsg: 'User has self-excluded', state: 'a b' });
    expect(location).toContain('errMsg=User%20has%20self-excluded');
    expect(location).toContain('state=a%20b');
    expect(location).not.toContain('+');
  });

  it('encodes + and non-ASCII as UTF-8 percent-escapes', () => {
    expect(redirectWith({ errMsg: '1+1 Ü✓' })).toContain('errMsg=1%2B1%20%C3%9C%E2%9C%93');
  });

  it.each(TX_STATUS_CODES)('transaction status %s: error is its OAuth mapping', (txStatus) => {
    const location = renderAuthorizationErrorRedirect({
      redirectUri: REDIRECT_URI,
      txStatus,
      txState: TX_STATUS_DEFINITIONS[txStatus].state,
      issuer: ISSUER,
      state: 'st',
    });
    const query = queryOf(location);
    expect(query.get('error')).toBe(TX_STATUS_DEFINITIONS[txStatus].oauth);
    expect(query.get('error_description')).toBe(txStatus);
    expect(query.get('tx_state')).toBe(TX_STATUS_DEFINITIONS[txStatus].state);
    expect(query.get('iss')).toBe(ISSUER);
    expect(query.get('state')).toBe('st');
  });

  it.each(ERROR_CODES)('%s: the redirect carries the catalog transaction status and never the detail', (code) => {
    const txStatus = CATALOG[code].txStatus;
    const location = renderAuthorizationErrorRedirectFor(errorFor(code, { detail: INTERNAL_DETAIL }), {
      redirectUri: REDIRECT_URI,
      txState: 'failed',
      issuer: ISSUER,
      state: 'xyz',
    });
    expect(location).toBe(
      `https://app.example/cb?error=${TX_STATUS_DEFINITIONS[txStatus].oauth}&error_description=${txStatus}` +
        '&tx_state=failed&state=xyz&iss=https%3A%2F%2Fidgate.example',
    );
  });

  it('a throw-site transaction status overrides the catalog default', () => {
    const location = renderAuthorizationErrorRedirectFor(
      errorFor('AUTH_FORBIDDEN', { txStatus: 'err_user_account_blocked' }),
      {
        redirectUri: REDIRECT_URI,
        txState: 'failed',
        issuer: ISSUER,
      },
    );
    expect(queryOf(location).get('error')).toBe('access_denied');
    expect(queryOf(location).get('error_description')).toBe('err_user_account_blocked');
  });
});

describe('bearerChallengeFor (RFC 6750 §3, SPEC 2.3)', () => {
  it.each(ERROR_CODES)('%s: no error attribute when no token was sent', (code) => {
    const challenge = bearerChallengeFor(errorFor(code, { context: { scope: 'verifications' } }), {
      realm: REALM,
      tokenSent: false,
    });
    // RFC 9449 §7.1: a DPoP error challenges with the DPoP scheme.
    const scheme = CATALOG[code].bearer?.includes('dpop') ? 'DPoP' : 'Bearer';
    if (challenge !== undefined) expect(challenge).toStrictEqual({ scheme, realm: REALM });
    const callerUnauthenticated = CATALOG[code].status === 401 && code.startsWith('AUTH_');
    expect(challenge === undefined).toBe(!callerUnauthenticated && CATALOG[code].bearer !== 'insufficient_scope');
  });

  it('PROVIDER_AUTHENTICATION_FAILED (401, idgate rejected upstream) never challenges the caller', () => {
    expect(CATALOG.PROVIDER_AUTHENTICATION_FAILED.status).toBe(401);
    for (const tokenSent of [true, false]) {
      expect(
        bearerChallengeFor(errorFor('PROVIDER_AUTHENTICATION_FAILED'), { realm: REALM, tokenSent }),
      ).toBeUndefined();
    }
  });

  const DPOP_CODES: readonly string[] = ['AUTH_INVALID_DPOP_PROOF', 'AUTH_USE_DPOP_NONCE'];

  it.each(ERROR_CODES.filter((code) => CATALOG[code].status === 401 && code.startsWith('AUTH_')))(
    '%s (401 about the caller): a challenge with and without a token',
    (code) => {
      const scheme = DPOP_CODES.includes(code) ? 'DPoP' : 'Bearer';
      expect(bearerChallengeFor(errorFor(code), { realm: REALM, tokenSent: false })).toStrictEqual({
        scheme,
        realm: REALM,
      });
      expect(bearerChallengeFor(errorFor(code), { realm: REALM, tokenSent: true })?.scheme).toBe(scheme);
    },
  );

  it.each([
    [
      'AUTH_INVALID_TOKEN',
      'DPoP',
      `DPoP realm="idgate", error="invalid_token", error_description="${CATALOG.AUTH_INVALID_TOKEN.description}", algs="ES256 PS256 EdDSA"`,
    ],
    [
      'AUTH_INVALID_DPOP_PROOF',
      'Bearer',
      `DPoP realm="idgate", error="invalid_dpop_proof", error_description="${CATALOG.AUTH_INVALID_DPOP_PROOF.description}", algs="ES256 PS256 EdDSA"`,
    ],
    [
      'AUTH_USE_DPOP_NONCE',
      'DPoP',
      `DPoP realm="idgate", error="use_dpop_nonce", error_description="${CATALOG.AUTH_USE_DPOP_NONCE.description}", algs="ES256 PS256 EdDSA"`,
    ],
    [
      'AUTH_INSUFFICIENT_SCOPE',
      'DPoP',
      `DPoP realm="idgate", error="insufficient_scope", error_description="${CATALOG.AUTH_INSUFFICIENT_SCOPE.description}", algs="ES256 PS256 EdDSA"`,
    ],
  ] as const)('%s asked with %s → the DPoP challenge of RFC 9449 §7.1', (code, scheme, header) => {
    const challenge = bearerChallengeFor(errorFor(code), {
      realm: REALM,
      tokenSent: true,
      scheme,
      dpopAlgs: ['ES256', 'PS256', 'EdDSA'],
    });
    expect(challenge).toBeDefined();
    expect(renderChallenge(challenge!)).toBe(header);
  });

  it.each([
    ['AUTH_MISSING_CREDENTIALS', false, 'Bearer realm="idgate"'],
    ['AUTH_INVALID_TOKEN', false, 'Bearer realm="idgate"'],
    [
      'AUTH_INVALID_TOKEN',
      true,
      `Bearer realm="idgate", error="invalid_token", error_description="${CATALOG.AUTH_INVALID_TOKEN.description}"`,
    ],
    [
      'AUTH_INVALID_CREDENTIALS',
      true,
      `Bearer realm="idgate", error="invalid_token", error_description="${CATALOG.AUTH_INVALID_CREDENTIALS.description}"`,
    ],
    ['AUTH_MISSING_CREDENTIALS', true, 'Bearer realm="idgate"'],
  ] as const)('%s (token sent: %s) → %s', (code, tokenSent, header) => {
    const challenge = bearerChallengeFor(errorFor(code), { realm: REALM, tokenSent });
    expect(challenge).toBeDefined();
    expect(renderChallenge(challenge!)).toBe(header);
  });

  it('AUTH_INVALID_TOKEN with a token: invalid_token with the public detail', () => {
    expect(
      bearerChallengeFor(errorFor('AUTH_INVALID_TOKEN', { detail: 'token expired' }), {
        realm: REALM,
        tokenSent: true,
      }),
    ).toStrictEqual({ scheme: 'Bearer', realm: REALM, error: 'invalid_token', errorDescription: 'token expired' });
  });

  it('AUTH_INSUFFICIENT_SCOPE: insufficient_scope with the scope from context.scope', () => {
    const challenge = bearerChallengeFor(
      errorFor('AUTH_INSUFFICIENT_SCOPE', { detail: 'needs verifications', context: { scope: 'verifications' } }),
      { realm: REALM, tokenSent: true },
    );
    expect(challenge).toStrictEqual({
      scheme: 'Bearer',
      realm: REALM,
      error: 'insufficient_scope',
      errorDescription: 'needs verifications',
      scope: 'verifications',
    });
    expect(renderChallenge(challenge!)).toBe(
      'Bearer realm="idgate", error="insufficient_scope", error_description="needs verifications", scope="verifications"',
    );
  });

  it.each([
    ['no context', undefined],
    ['no scope in context', { client_id: 'x' }],
    ['a non-string scope', { scope: ['verifications'] }],
  ])('AUTH_INSUFFICIENT_SCOPE with %s: no scope attribute', (_label, context) => {
    const options: IdgateErrorOptions = context === undefined ? {} : { context };
    const challenge = bearerChallengeFor(errorFor('AUTH_INSUFFICIENT_SCOPE', options), {
      realm: REALM,
      tokenSent: true,
    });
    expect(challenge).toBeDefined();
    expect(challenge).not.toHaveProperty('scope');
    expect(challenge?.error).toBe('insufficient_scope');
  });

  it.each([
    'RESOURCE_NOT_FOUND',
    'SYSTEM_INTERNAL_ERROR',
    'SYSTEM_RATE_LIMITED',
    'VALIDATION_UNPROCESSABLE',
    'PROVIDER_UNAVAILABLE',
    'AUTH_FORBIDDEN',
  ] as const)('%s is not about the token: no challenge', (code) => {
    expect(bearerChallengeFor(errorFor(code), { realm: REALM, tokenSent: true })).toBeUndefined();
    expect(bearerChallengeFor(errorFor(code), { realm: REALM, tokenSent: false })).toBeUndefined();
  });

  it.each(ERROR_CODES.filter((code) => CATALOG[code].bearer !== undefined))(
    '%s: with a token, the challenge error is the catalog Bearer value',
    (code) => {
      expect(bearerChallengeFor(errorFor(code), { realm: REALM, tokenSent: true })?.error).toBe(CATALOG[code].bearer);
    },
  );
});

describe('renderChallenge and renderChallenges (RFC 9110 §11.6.1)', () => {
  it.each([
    [{ scheme: 'Basic', realm: 'idgate' }, 'Basic realm="idgate"'],
    [{ scheme: 'Basic', realm: 'say "hi"' }, 'Basic realm="say \\"hi\\""'],
    [{ scheme: 'Bearer', realm: 'back\\slash' }, 'Bearer realm="back\\\\slash"'],
    [{ scheme: 'Bearer', realm: 'r', error: 'invalid_token' }, 'Bearer realm="r", error="invalid_token"'],
    [
      { scheme: 'Bearer', realm: 'r', errorDescription: 'say "hi" \\ Ünïcødé\r\nnext' },
      `Bearer realm="r", error_description="say 'hi' / ?n?c?d? next"`,
    ],
    [
      { scheme: 'Bearer', realm: 'r', error: 'insufficient_scope', errorDescription: 'd', scope: 'a b' },
      'Bearer realm="r", error="insufficient_scope", error_description="d", scope="a b"',
    ],
  ] as const)('%j → %s', (challenge, header) => {
    expect(renderChallenge(challenge)).toBe(header);
  });

  it('joins several challenges with a comma', () => {
    expect(
      renderChallenges([
        { scheme: 'Bearer', realm: 'a' },
        { scheme: 'Basic', realm: 'b' },
      ]),
    ).toBe('Bearer realm="a", Basic realm="b"');
  });
});

describe('text helpers', () => {
  it.each([
    ['plain ASCII', 'The code expired.', 'The code expired.'],
    ['double quotes', 'say "hi"', "say 'hi'"],
    ['backslashes', 'C:\\path\\file', 'C:/path/file'],
    ['tab, CR and LF', 'line1\nline2\tx\r\ny', 'line1 line2 x y'],
    ['other control characters and DEL', 'bell\u0007 nul\u0000 del\u007f', 'bell? nul? del?'],
    ['non-ASCII', 'Ünïcødé ✓', '?n?c?d? ?'],
    ['astral characters', '😀 emoji', '? emoji'],
    ['runs of spaces and padding', '  padded    text  ', 'padded text'],
    ['the empty string', '', ''],
    ['every allowed punctuation', "!#$%&'()*+,-./:;<=>?@[]^_`{|}~", "!#$%&'()*+,-./:;<=>?@[]^_`{|}~"],
  ])('toOAuthDescription: %s', (_label, input, expected) => {
    expect(toOAuthDescription(input)).toBe(expected);
    expect(toOAuthDescription(input)).toMatch(OAUTH_DESCRIPTION_CHARSET);
  });

  it.each(TRICKY_VALUES)('toOAuthDescription keeps a %s text in the charset', (_label, input) => {
    expect(toOAuthDescription(input)).toMatch(OAUTH_DESCRIPTION_CHARSET);
  });

  it.each([
    ['plain', '"plain"'],
    ['a"b', '"a\\"b"'],
    ['a\\b', '"a\\\\b"'],
    ['\\"', '"\\\\\\""'],
    ['', '""'],
  ])('quotedString(%j) is %s', (input, expected) => {
    expect(quotedString(input)).toBe(expected);
  });

  it('escapeHtml escapes &, <, >, double and single quotes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
  });
});

describe('renderErrorPage (HTML for people)', () => {
  it.each(ERROR_CODES)('%s: status, headers and content in English', (code) => {
    const messages = messagesFor('en');
    const rendered = pageFor(code);
    expect(rendered.status).toBe(CATALOG[code].status);
    expect(rendered.headers).toStrictEqual({
      ...retryAfterHeaders(code),
      'content-type': 'text/html; charset=utf-8',
      'content-language': 'en',
    });
    const html = rendered.body;
    expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(html).toContain(`<title>${messages.page.errorTitle}</title>`);
    expect(html).toContain(`<p role="alert">${escapeHtml(messages.errors[code])}</p>`);
    expect(html).toContain(`<code>${code}</code>`);
    expect(html).toContain(`<code>${REQUEST_ID}</code>`);
    // The doc link carries what to quote, so the code's page can repeat it.
    expect(html).toContain(
      `<a href="https://idgate.example/errors/${code}?request_id=${REQUEST_ID}&amp;at=2026-11-22T10%3A30%3A00.000Z">`,
    );
    expect(html).toContain(
      '<dt>Time (UTC)</dt><dd><time datetime="2026-11-22T10:30:00.000Z">2026-11-22T10:30:00.000Z</time></dd>',
    );
    // No support contact configured: none shown.
    expect(html).not.toContain('Contact support');
    expect(html).toContain(`<link rel="stylesheet" href="${STYLESHEET_PATH}">`);
    expect(html).toContain(escapeHtml(CATALOG[code].description));
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<style|\sstyle=/i);
  });

  it.each(ERROR_CODES)('%s: German page for locale de', (code) => {
    const messages = messagesFor('de');
    const rendered = pageFor(code, {}, 'de');
    expect(rendered.headers['content-language']).toBe('de');
    expect(rendered.body).toContain('<html lang="de">');
    expect(rendered.body).toContain('<title>Etwas ist schiefgelaufen</title>');
    expect(rendered.body).toContain(`<p role="alert">${escapeHtml(messages.errors[code])}</p>`);
    expect(rendered.body).toContain(`<dt>Anfrage-ID</dt><dd><code>${REQUEST_ID}</code></dd>`);
    expect(rendered.body).not.toContain(messagesFor('en').errors[code]);
  });

  it('shows the support contact with what to quote, in English and German', () => {
    const support = { url: 'https://help.example/idgate?a=1&b=2', email: 'support@example.com' };
    const en = pageFor('SESSION_NOT_FOUND', {}, 'en', support).body;
    expect(en).toContain('<h2 id="support-title">Contact support</h2>');
    expect(en).toContain('<p>Please quote the request ID and the time above when you contact support.</p>');
    expect(en).toContain(
      '<dt>Support page</dt><dd><a href="https://help.example/idgate?a=1&amp;b=2">https://help.example/idgate?a=1&amp;b=2</a></dd>',
    );
    expect(en).toContain('<dt>Email</dt><dd><a href="mailto:support@example.com">support@example.com</a></dd>');
    const de = pageFor('SESSION_NOT_FOUND', {}, 'de', support).body;
    expect(de).toContain('<h2 id="support-title">Support kontaktieren</h2>');
    expect(de).toContain('<dt>Zeitpunkt (UTC)</dt>');
    expect(de).toContain('<dt>E-Mail</dt><dd><a href="mailto:support@example.com">support@example.com</a></dd>');
    // Only the email configured: no support page line.
    const emailOnly = pageFor('SESSION_NOT_FOUND', {}, 'en', { email: 'support@example.com' }).body;
    expect(emailOnly).not.toContain('Support page');
  });

  it('escapes a hostile detail and request id', () => {
    const rendered = renderErrorPage(
      errorFor('VALIDATION_INVALID_PARAMETER', { detail: '<script>alert(1)</script>' }),
      {
        issuer: ISSUER,
        requestId: '"><script>alert(2)</script>',
        locale: 'en',
      },
    );
    expect(rendered.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(rendered.body).toContain('&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(rendered.body).not.toMatch(/<script/i);
  });

  it('escapes the apostrophes of user messages', () => {
    const message = messagesFor('en').errors.AUTH_INVALID_CLIENT;
    expect(message).toContain("'");
    const html = pageFor('AUTH_INVALID_CLIENT').body;
    expect(html).toContain(message.replaceAll("'", '&#39;'));
    expect(html).not.toContain(message);
  });

  it.each([
    ['AUTH_INVALID_CLIENT', 400],
    ['VALIDATION_REDIRECT_URI_REQUIRED', 400],
    ['SYSTEM_INTERNAL_ERROR', 500],
  ] as const)('%s: status override %i', (code, status) => {
    const rendered = renderErrorPage(errorFor(code), { issuer: ISSUER, requestId: REQUEST_ID, locale: 'en', status });
    expect(rendered.status).toBe(status);
  });

  it('falls back to English for an unsupported locale', () => {
    const rendered = pageFor('RESOURCE_NOT_FOUND', {}, 'fr');
    expect(rendered.headers['content-language']).toBe('en');
    expect(rendered.body).toContain('<html lang="en">');
  });
});

describe('error reference pages (HTML)', () => {
  it('the index links every code and carries no script', () => {
    const html = renderErrorReferenceIndexHtml(ISSUER);
    for (const code of ERROR_CODES)
      expect(html).toContain(`<a href="https://idgate.example/errors/${code}"><code>${code}</code></a>`);
    expect(html).not.toMatch(/<script/i);
  });

  it.each(ERROR_CODES)('%s: the code page shows the description, both user messages and no script', (code) => {
    const html = renderErrorReferenceHtml(code, ISSUER);
    expect(html).toContain(`<h1><code>${code}</code></h1>`);
    expect(html).toContain(`<p>${inlineMarkdownToHtml(CATALOG[code].description)}</p>`);
    expect(html).toContain(`<dd lang="de">${escapeHtml(messagesFor('de').errors[code])}</dd>`);
    expect(html).toContain(`<dd lang="en">${escapeHtml(messagesFor('en').errors[code])}</dd>`);
    expect(html).toContain(
      `<dt>Status</dt><dd><a href="https://idgate.example/errors/${CATALOG[code].status}">${CATALOG[code].status}</a></dd>`,
    );
    // Causes and fixes: backticks are code, never shown raw.
    for (const text of [...CATALOG[code].causes, ...CATALOG[code].fixes]) {
      expect(html).toContain(`<li>${inlineMarkdownToHtml(text)}</li>`);
    }
    expect(html.split('<pre>')[0]).not.toContain('`');
    expect(html).not.toMatch(/<script/i);
  });
});

describe('nothing of a ≥ 500 detail leaves the server, on any surface', () => {
  /** Every surface an error can be rendered on, as one text to search. */
  const SURFACES: readonly (readonly [string, (error: IdgateError) => string])[] = [
    [
      'problem+json',
      (error) => {
        const rendered = renderProblem(error, { issuer: ISSUER, requestId: REQUEST_ID, instance: INSTANCE, now: NOW });
        return JSON.stringify(rendered);
      },
    ],
    [
      'OAuth JSON with a challenge',
      (error) =>
        JSON.stringify(
          renderOAuthError(error, {
            issuer: ISSUER,
            requestId: REQUEST_ID,
            realm: REALM,
            authorizationHeaderSent: true,
          }),
        ),
    ],
    [
      'authorization JSON',
      (error) => JSON.stringify(renderAuthorizationErrorJson(error, { issuer: ISSUER, requestId: REQUEST_ID })),
    ],
    [
      'authorization redirect',
      (error) =>
        renderAuthorizationErrorRedirectFor(error, { redirectUri: REDIRECT_URI, txState: 'failed', issuer: ISSUER }),
    ],
    [
      'Bearer challenge',
      (error) => {
        const challenge = bearerChallengeFor(error, { realm: REALM, tokenSent: true });
        return challenge === undefined ? '' : renderChallenge(challenge);
      },
    ],
    [
      'HTML page (en)',
      (error) => JSON.stringify(renderErrorPage(error, { issuer: ISSUER, requestId: REQUEST_ID, locale: 'en' })),
    ],
    [
      'HTML page (de)',
      (error) => JSON.stringify(renderErrorPage(error, { issuer: ISSUER, requestId: REQUEST_ID, locale: 'de' })),
    ],
  ];

  const CASES = SERVER_CODES.flatMap((code) => SURFACES.map(([surface, render]) => [code, surface, render] as const));

  it.each(CASES)('%s on %s', (code, _surface, render) => {
    const text = render(errorFor(code, { detail: INTERNAL_DETAIL, debug: INTERNAL_DETAIL }));
    for (const marker of INTERNAL_MARKERS) expect(text).not.toContain(marker);
  });

  it.each(SURFACES)('a 4xx detail does reach %s where the surface shows details (control)', (surface, render) => {
    const text = render(errorFor('AUTH_INVALID_TOKEN', { detail: 'token hunter2 expired' }));
    expect(text.includes('hunter2')).toBe(surface !== 'authorization redirect');
  });
});
