/**
 * Rate limits at `/token` (SPEC 2.2, 3.1): per client IP before client authentication
 * and per client after it; a limited request is 429 `temporarily_unavailable` naming
 * `SYSTEM_RATE_LIMITED`, with `Retry-After` and `RateLimit` headers, on an injected clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectOAuthError } from '../support/assertions.js';
import { createConfidentialClient, expectTokenResponse, postForm, viaBasic } from './support.js';

const T0 = Date.parse('2026-11-22T10:30:00.000Z');

describe('/token rate limits', () => {
  let t: TestApp | undefined;
  let now = T0;

  afterEach(async () => {
    await t?.close();
    t = undefined;
    now = T0;
  });

  it('limits one client: 429 temporarily_unavailable with Retry-After and RateLimit, until the window passes', async () => {
    t = await createTestApp('sqlite', {
      clock: () => new Date(now),
      env: { IDGATE_RATE_LIMIT_TOKEN_CLIENT: '2', IDGATE_RATE_LIMIT_TOKEN_IP: '0' },
    });
    const client = await createConfidentialClient(t);
    const other = await createConfidentialClient(t);
    for (let i = 0; i < 2; i++) {
      const ok = await postForm(t, '/token', { grant_type: 'client_credentials' }, viaBasic(client));
      expectTokenResponse(ok);
      expect(String(ok.headers.ratelimit)).toMatch(new RegExp(`^"token-client";r=${1 - i};t=\\d+$`));
    }
    const limited = await postForm(t, '/token', { grant_type: 'client_credentials' }, viaBasic(client));
    const body = expectOAuthError(limited, 'SYSTEM_RATE_LIMITED');
    expect(limited.statusCode).toBe(429);
    expect(body.error).toBe('temporarily_unavailable');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(String(limited.headers.ratelimit)).toMatch(/^"token-client";r=0;t=\d+$/);
    expect(limited.headers['ratelimit-policy']).toBe('"token-client";q=2;w=60');
    // Another client is not affected.
    expectTokenResponse(await postForm(t, '/token', { grant_type: 'client_credentials' }, viaBasic(other)));
    now = T0 + 60_000;
    expectTokenResponse(await postForm(t, '/token', { grant_type: 'client_credentials' }, viaBasic(client)));
  });

  it('limits one IP before client authentication, whatever the client sends', async () => {
    t = await createTestApp('sqlite', {
      clock: () => new Date(now),
      env: { IDGATE_RATE_LIMIT_TOKEN_IP: '1', IDGATE_RATE_LIMIT_TOKEN_CLIENT: '0' },
    });
    const client = await createConfidentialClient(t);
    expectTokenResponse(await postForm(t, '/token', { grant_type: 'client_credentials' }, viaBasic(client)));
    // No credentials at all: the IP limit answers before client authentication would.
    const limited = await postForm(t, '/token', { grant_type: 'client_credentials' });
    expectOAuthError(limited, 'SYSTEM_RATE_LIMITED');
    expect(limited.headers['ratelimit-policy']).toBe('"token-ip";q=1;w=60');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
});
