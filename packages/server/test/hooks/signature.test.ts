/**
 * `Idgate-Signature`: the value idgate sends, and the reference check of
 * docs/hooks-and-webhooks.md (also used to cross-check the test receiver's own recipe).
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signatureHeaderValue, signatureProblem } from '../../src/hooks/signature.js';
import { retryDelayMs } from '../../src/webhooks/retry-schedule.js';
import { checkSignature } from './receiver.js';

const SECRET = 'whsec_test_0123456789abcdefghijklmnopqrstuvwxyz0123';
const NOW = new Date('2026-11-22T10:00:00.500Z');

describe('Idgate-Signature', () => {
  it('is t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">', () => {
    const body = '{"a":"Ü ✓"}';
    const value = signatureHeaderValue(SECRET, body, NOW);
    const expected = createHmac('sha256', SECRET).update(`1795341600.${body}`, 'utf8').digest('hex');
    expect(value).toBe(`t=1795341600,v1=${expected}`);
    expect(checkSignature(value, body, SECRET, NOW)).toEqual({ ok: true, t: 1795341600 });
  });

  it('the reference check accepts it and refuses tampering, staleness and malformed values', () => {
    const body = '{"id":"evt_1"}';
    const value = signatureHeaderValue(SECRET, body, NOW);
    const options = { now: NOW, toleranceSeconds: 300 };
    expect(signatureProblem(value, body, SECRET, options)).toBeUndefined();
    expect(signatureProblem(value, `${body} `, SECRET, options)).toBe('mismatch');
    expect(signatureProblem(value, body, `${SECRET}x`, options)).toBe('mismatch');
    expect(
      signatureProblem(value, body, SECRET, { now: new Date(NOW.getTime() + 301_000), toleranceSeconds: 300 }),
    ).toBe('stale');
    expect(signatureProblem(undefined, body, SECRET, options)).toBe('malformed');
    expect(signatureProblem('v1=abc', body, SECRET, options)).toBe('malformed');
    expect(signatureProblem(value.replace(/v1=/, 'v0='), body, SECRET, options)).toBe('malformed');
  });
});

describe('webhook retry schedule', () => {
  it('doubles from the base, with ±20 % jitter, capped at 6 h', () => {
    expect(retryDelayMs(1, 1000, 0)).toBe(800);
    expect(retryDelayMs(1, 1000, 0.5)).toBe(1000);
    expect(retryDelayMs(3, 1000, 0.5)).toBe(4000);
    expect(retryDelayMs(3, 1000, 0.999_999)).toBe(4800);
    expect(retryDelayMs(7, 60_000, 0.5)).toBe(64 * 60_000);
    expect(retryDelayMs(30, 60_000, 0.5)).toBe(6 * 3600 * 1000);
  });
});
