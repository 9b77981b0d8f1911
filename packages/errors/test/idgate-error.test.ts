/**
 * The one error class: the catalog decides status and defaults, the throw site adds
 * detail, context, headers and debug; nothing of a ≥ 500 detail becomes public.
 */
import { describe, expect, it } from 'vitest';
import { CATALOG, ERROR_CODES, type ErrorCode, IdgateError, isIdgateError } from '../src/index.js';

const SECRET_DETAIL = 'connect ECONNREFUSED db.internal:5432 as admin/hunter2';

const CLIENT_CODES = ERROR_CODES.filter((code) => CATALOG[code].status < 500);
const SERVER_CODES = ERROR_CODES.filter((code) => CATALOG[code].status >= 500);

describe('IdgateError', () => {
  it.each(['NOT_A_CODE', 'auth_invalid_grant', '', 'toString'])('rejects unknown code %j with a TypeError', (code) => {
    expect(() => new IdgateError(code as ErrorCode)).toThrow(TypeError);
    expect(() => new IdgateError(code as ErrorCode)).toThrow(`unknown idgate error code: ${code}`);
  });

  it.each(ERROR_CODES)('%s: code, status, entry, name and default message come from the catalog', (code) => {
    const error = new IdgateError(code);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('IdgateError');
    expect(error.code).toBe(code);
    expect(error.status).toBe(CATALOG[code].status);
    expect(error.entry).toBe(CATALOG[code]);
    expect(error.message).toBe(CATALOG[code].description);
    expect(error.detail).toBeUndefined();
    expect(error.publicDetail).toBe(CATALOG[code].description);
    expect(error.txStatus).toBe(CATALOG[code].txStatus);
  });

  it.each(SERVER_CODES)('%s (≥ 500): publicDetail is the catalog description even when a detail was given', (code) => {
    const error = new IdgateError(code, { detail: SECRET_DETAIL });
    expect(error.publicDetail).toBe(CATALOG[code].description);
    expect(error.detail).toBe(SECRET_DETAIL);
  });

  it.each(CLIENT_CODES)('%s (4xx): publicDetail is the given detail', (code) => {
    expect(new IdgateError(code, { detail: 'redirect_uri is not registered' }).publicDetail).toBe(
      'redirect_uri is not registered',
    );
  });

  it('keeps cause, debug and context', () => {
    const cause = new Error('socket hang up');
    const error = new IdgateError('PROVIDER_ERROR', {
      cause,
      debug: { upstream: 'x' },
      context: { provider_id: 'p1' },
    });
    expect(error.cause).toBe(cause);
    expect(error.debug).toEqual({ upstream: 'x' });
    expect(error.context).toEqual({ provider_id: 'p1' });
  });

  it('has no own cause when none was given', () => {
    expect(Object.hasOwn(new IdgateError('SYSTEM_INTERNAL_ERROR'), 'cause')).toBe(false);
  });

  it('a txStatus option overrides the catalog default', () => {
    expect(new IdgateError('AUTH_FORBIDDEN', { txStatus: 'err_user_account_blocked' }).txStatus).toBe(
      'err_user_account_blocked',
    );
  });
});

describe('IdgateError.responseHeaders', () => {
  it.each([
    ['SYSTEM_UNAVAILABLE', {}, { 'retry-after': String(CATALOG.SYSTEM_UNAVAILABLE.retryAfter) }],
    ['SYSTEM_RATE_LIMITED', {}, { 'retry-after': String(CATALOG.SYSTEM_RATE_LIMITED.retryAfter) }],
    ['SYSTEM_RATE_LIMITED', { 'retry-after': '42' }, { 'retry-after': '42' }],
    ['SYSTEM_RATE_LIMITED', { 'Retry-After': '42' }, { 'Retry-After': '42' }],
    ['SYSTEM_RATE_LIMITED', { 'RETRY-AFTER': '7', ratelimit: 'x' }, { 'RETRY-AFTER': '7', ratelimit: 'x' }],
    [
      'SYSTEM_UNAVAILABLE',
      { allow: 'GET' },
      { allow: 'GET', 'retry-after': String(CATALOG.SYSTEM_UNAVAILABLE.retryAfter) },
    ],
    ['VALIDATION_METHOD_NOT_ALLOWED', { allow: 'GET, HEAD' }, { allow: 'GET, HEAD' }],
    ['RESOURCE_NOT_FOUND', {}, {}],
  ] as const)('%s with headers %j → %j', (code, headers, expected) => {
    expect(new IdgateError(code, { headers }).responseHeaders).toEqual(expected);
  });

  it('the catalog Retry-After is a string of seconds', () => {
    expect(new IdgateError('SYSTEM_UNAVAILABLE').responseHeaders['retry-after']).toMatch(/^[1-9][0-9]*$/);
  });
});

describe('isIdgateError', () => {
  it.each([
    ['an IdgateError', new IdgateError('RESOURCE_NOT_FOUND'), true],
    ['a plain Error', new Error('boom'), false],
    ['a TypeError', new TypeError('boom'), false],
    ['a plain object shaped like one', { name: 'IdgateError', code: 'RESOURCE_NOT_FOUND', message: 'x' }, false],
    [
      'an Error named IdgateError with an unknown code',
      Object.assign(new Error('x'), { name: 'IdgateError', code: 'NOPE' }),
      false,
    ],
    ['null', null, false],
    ['a string', 'RESOURCE_NOT_FOUND', false],
  ])('%s → %s', (_label, value, expected) => {
    expect(isIdgateError(value)).toBe(expected);
  });

  it('recognises an IdgateError from another copy of the package', () => {
    const foreign = Object.assign(new Error('x'), { name: 'IdgateError', code: 'RESOURCE_NOT_FOUND' });
    expect(isIdgateError(foreign)).toBe(true);
  });
});
