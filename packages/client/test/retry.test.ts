import { IdgateError, renderProblem } from '@idgate/errors';
import { describe, expect, it } from 'vitest';
import { networkRetryDelayMs, parseProblem, retryDelayMs } from '../src/index.js';

function errorFor(code: ConstructorParameters<typeof IdgateError>[0], retryAfter?: string) {
  const rendered = renderProblem(new IdgateError(code), { issuer: 'https://i', requestId: 'r', instance: '/' });
  return parseProblem(rendered.body, rendered.status, retryAfter);
}

describe('retry strategy by category (SPEC 3.1)', () => {
  it('never retries client errors', () => {
    expect(retryDelayMs(errorFor('VALIDATION_INVALID_PARAMETER'), 1)).toBeUndefined();
    expect(retryDelayMs(errorFor('AUTH_INVALID_CREDENTIALS'), 1)).toBeUndefined();
  });
  it('waits for Retry-After on 429', () => {
    expect(retryDelayMs(errorFor('SYSTEM_RATE_LIMITED', '7'), 1)).toBe(7000);
  });
  it('backs off with jitter on 502/503, bounded by the attempt ceiling', () => {
    const error = errorFor('PROVIDER_ERROR');
    expect(retryDelayMs(error, 1, { random: () => 0.999, baseDelayMs: 100 })).toBe(99);
    expect(retryDelayMs(error, 3, { random: () => 0.5, baseDelayMs: 100 })).toBe(200);
    expect(retryDelayMs(error, 4, { random: () => 0.5 })).toBeUndefined();
  });
  it('honours Retry-After as a floor on 503', () => {
    expect(retryDelayMs(errorFor('SYSTEM_UNAVAILABLE', '5'), 1, { random: () => 0 })).toBe(5000);
  });
  it('never shortens Retry-After: one longer than maxDelayMs stops the retries', () => {
    expect(retryDelayMs(errorFor('SYSTEM_RATE_LIMITED', '30'), 1)).toBeUndefined();
    expect(retryDelayMs(errorFor('SYSTEM_RATE_LIMITED', '30'), 1, { maxDelayMs: 30_000 })).toBe(30_000);
    expect(retryDelayMs(errorFor('PROVIDER_UNAVAILABLE', '30'), 1, { random: () => 0 })).toBeUndefined();
    expect(retryDelayMs(errorFor('PROVIDER_UNAVAILABLE', '30'), 1, { random: () => 0, maxDelayMs: 60_000 })).toBe(
      30_000,
    );
  });
  it('backs off after a network failure like after a 503 without Retry-After', () => {
    expect(networkRetryDelayMs(1, { random: () => 0.999, baseDelayMs: 100 })).toBe(99);
    expect(networkRetryDelayMs(3, { random: () => 0.5, baseDelayMs: 100 })).toBe(200);
    expect(networkRetryDelayMs(4)).toBeUndefined();
    expect(networkRetryDelayMs(1, { maxAttempts: 1 })).toBeUndefined();
  });
  it('retries a 500 once and a 501 never', () => {
    expect(retryDelayMs(errorFor('SYSTEM_INTERNAL_ERROR'), 1)).toBe(500);
    expect(retryDelayMs(errorFor('SYSTEM_INTERNAL_ERROR'), 2)).toBeUndefined();
    expect(retryDelayMs(errorFor('SYSTEM_UNSUPPORTED_MODE'), 1)).toBeUndefined();
  });
});
