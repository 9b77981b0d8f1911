/**
 * The upstream OpenID Connect adapter end to end, over real HTTP: an app → idgate
 * `/authorize` (or `POST /v1/verifications`) → a real OpenID Provider (`oidc-provider`)
 * → idgate's callback → the app, then `/token` and `/userinfo` with the upstream's claims
 * mapped. Then every failure class, each asserted where the app sees it (the error
 * redirect, or the problem and the session's status), in the audit trail, and in the log
 * (the catalog code), and the circuit breaker opening and closing on an injected clock.
 */
import { createHash, randomBytes } from 'node:crypto';
import { TX_STATUS_DEFINITIONS, type TxStatusCode } from '@idgate/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verificationIdOfState } from '../../../src/providers/oidc/oidc-upstream.provider.js';
import { adminAuth } from '../../support/app.js';
import { expectProblem } from '../../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../../support/databases.js';
import { registerSecret } from '../../support/leaks.js';
import { freePort, type LiveTestApp, startLiveTestApp } from '../../support/live-server.js';
import { TestBrowser } from './browser.js';
import { startUpstream, type Upstream } from './upstream.js';

const REDIRECT_URI = 'https://shop.example/cb';
const SECRET = 'upstream-client-secret-0123456789abcdef';
const OWN_SECRET = 'app-own-upstream-secret-0123456789abcdef';
registerSecret(SECRET);
registerSecret(OWN_SECRET);

/** The upstream clients idgate's providers use (client id → idgate provider id). */
const CLIENTS: readonly (readonly [string, string])[] = [
  ['idgate-upstream', 'upstream'],
  ['idgate-faulty', 'upstream-faulty'],
  ['idgate-badsecret', 'upstream-badsecret'],
  ['idgate-flaky', 'upstream-flaky'],
  ['app-own-client', 'upstream-noclient'],
];

function providersConfig(upstreamUrl: string, closedPort: number) {
  const common = { discoveryUrl: upstreamUrl, maxLoa: 4, defaultLoa: 2 };
  return [
    {
      ...common,
      id: 'upstream',
      displayName: 'Upstream eID',
      clientId: 'idgate-upstream',
      clientSecret: SECRET,
      scopes: ['openid', 'profile', 'email'],
      claimMapping: { surname: 'family_name' },
      acrMapping: { 'urn:example:high': 4 },
      countries: ['SE'],
    },
    {
      ...common,
      id: 'upstream-faulty',
      displayName: 'Faulty eID',
      clientId: 'idgate-faulty',
      clientSecret: SECRET,
      claimMapping: { surname: 'family_name' },
      timeoutMs: 300,
      circuitBreaker: { failureThreshold: 1000 },
    },
    {
      ...common,
      id: 'upstream-badsecret',
      displayName: 'Bad secret eID',
      clientId: 'idgate-badsecret',
      clientSecret: 'not-the-registered-secret',
    },
    {
      ...common,
      id: 'upstream-flaky',
      displayName: 'Flaky eID',
      clientId: 'idgate-flaky',
      clientSecret: SECRET,
      claimMapping: { surname: 'family_name' },
      circuitBreaker: { failureThreshold: 2, cooldownMs: 30_000 },
    },
    { ...common, id: 'upstream-noclient', displayName: 'No client eID', claimMapping: { surname: 'family_name' } },
    {
      ...common,
      id: 'upstream-down',
      displayName: 'Down eID',
      discoveryUrl: `http://127.0.0.1:${closedPort}`,
      clientId: 'x',
      clientSecret: SECRET,
    },
    {
      ...common,
      id: 'upstream-404',
      displayName: 'No discovery eID',
      discoveryUrl: `${upstreamUrl}/missing`,
      clientId: 'x',
      clientSecret: SECRET,
    },
    {
      ...common,
      id: 'upstream-ratelimited',
      displayName: 'Throttling eID',
      discoveryUrl: `${upstreamUrl}/rate-limited`,
      clientId: 'x',
      clientSecret: SECRET,
      circuitBreaker: { failureThreshold: 1000 },
    },
  ];
}

const PROVIDER_IDS = providersConfig('http://unused', 1).map((provider) => provider.id);

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

describe.each(TEST_DATABASE_KINDS)('upstream OpenID Connect provider (%s)', (kind) => {
  let upstream: Upstream;
  let live: LiveTestApp;
  let clientId: string;
  let basic: string;
  let offsetMs = 0;

  beforeAll(async () => {
    upstream = await startUpstream();
    const closedPort = await freePort();
    live = await startLiveTestApp(kind, {
      env: { IDGATE_OIDC_PROVIDERS: JSON.stringify(providersConfig(upstream.url, closedPort)) },
      clock: () => new Date(Date.now() + offsetMs),
    });
    await upstream.mount(
      CLIENTS.map(([upstreamClientId, providerId]) => ({
        clientId: upstreamClientId,
        clientSecret: upstreamClientId === 'app-own-client' ? OWN_SECRET : SECRET,
        redirectUri: `${live.baseUrl}/callback/${providerId}`,
      })),
    );
    const created = await live.app.idgate.apps.create({
      name: 'Shop',
      type: 'confidential',
      redirectUris: [REDIRECT_URI],
      providers: PROVIDER_IDS,
    } as Parameters<typeof live.app.idgate.apps.create>[0]);
    clientId = created.app.clientId;
    registerSecret(created.clientSecret);
    basic = `Basic ${Buffer.from(`${clientId}:${created.clientSecret ?? ''}`).toString('base64')}`;
  });

  afterAll(async () => {
    await live?.close();
    await upstream?.close();
  });

  function browser(): TestBrowser {
    return new TestBrowser([live.baseUrl, upstream.url]);
  }

  /** `/authorize` with `provider_hint`, through the upstream, back to the app. */
  async function authorizeFlow(
    providerId: string,
    rewrite: (url: URL) => URL = (url) => url,
  ): Promise<{ final: URL; verificationId: string; verifier: string }> {
    const { verifier, challenge } = pkce();
    const query = new URLSearchParams({
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid profile email',
      state: 'app-state-1',
      nonce: 'app-nonce-1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      provider_hint: providerId,
    });
    let verificationId = '';
    const { final, hops } = await browser().walk(`${live.baseUrl}/authorize?${query}`, (url) => {
      const state = url.origin === upstream.url ? url.searchParams.get('state') : null;
      if (state !== null && verificationId === '') verificationId = verificationIdOfState(state) ?? '';
      return rewrite(url);
    });
    expect(final.origin + final.pathname, hops.map((hop) => `${hop.status} ${hop.url}`).join('\n')).toBe(REDIRECT_URI);
    return { final, verificationId, verifier };
  }

  /** Asserts the app got the transaction's error. */
  function expectAppError(final: URL, txStatus: TxStatusCode, txState = 'failed'): void {
    expect(final.searchParams.get('error_description')).toBe(txStatus);
    expect(final.searchParams.get('error')).toBe(TX_STATUS_DEFINITIONS[txStatus].oauth);
    expect(final.searchParams.get('tx_state')).toBe(txState);
    expect(final.searchParams.get('state')).toBe('app-state-1');
    expect(final.searchParams.get('iss')).toBe(live.baseUrl);
    expect(final.searchParams.get('code')).toBeNull();
  }

  async function events(id: string) {
    const res = await live.app.inject({
      method: 'GET',
      url: `/admin/v1/verifications/${id}/events`,
      headers: adminAuth(),
    });
    expect(res.statusCode, res.body).toBe(200);
    return (JSON.parse(res.body) as { data: { to: string; statusCode: string | null; actor: string }[] }).data;
  }

  /** The catalog code the callback logged for a session. */
  function loggedCode(id: string): string | undefined {
    return loggedFailure(id)?.code as string | undefined;
  }

  /** Why the callback failed, as logged (never rendered). */
  function loggedReason(id: string): string | undefined {
    return (loggedFailure(id)?.debug as { reason?: string } | undefined)?.reason;
  }

  function loggedFailure(id: string): Record<string, unknown> | undefined {
    return live.logs.find((entry) => entry.msg === 'upstream provider callback failed' && entry.verification_id === id);
  }

  async function providerStatus(providerId: string): Promise<string> {
    const res = await live.app.inject({ method: 'GET', url: '/v1/providers', headers: { authorization: basic } });
    expect(res.statusCode, res.body).toBe(200);
    const data = (JSON.parse(res.body) as { data: { id: string; status: string }[] }).data;
    return data.find((provider) => provider.id === providerId)?.status ?? 'missing';
  }

  async function restStart(providerId: string) {
    return live.app.inject({
      method: 'POST',
      url: '/v1/verifications',
      headers: { authorization: basic },
      payload: { providerId, redirectUri: REDIRECT_URI },
    });
  }

  it('runs app → /authorize → upstream → callback → app, then /token and /userinfo with mapped claims', async () => {
    const { final, verifier } = await authorizeFlow('upstream');
    expect([...final.searchParams.keys()]).toEqual(['code', 'state', 'iss']);
    const code = final.searchParams.get('code') ?? '';
    registerSecret(code);
    const token = await fetch(`${live.baseUrl}/token`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
      }),
    });
    const tokens = (await token.json()) as { access_token: string; id_token: string };
    expect(token.status).toBe(200);
    registerSecret(tokens.access_token);
    const idToken = JSON.parse(Buffer.from(tokens.id_token.split('.')[1] ?? '', 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(idToken.acr).toBe('urn:idgate:loa:3');
    expect(idToken.nonce).toBe('app-nonce-1');
    const userinfo = await fetch(`${live.baseUrl}/userinfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(userinfo.status).toBe(200);
    const claims = (await userinfo.json()) as Record<string, unknown>;
    expect(claims).toMatchObject({
      given_name: 'Anna',
      family_name: 'Andersson',
      birthdate: '1985-04-12',
      email: 'Anna.Andersson@example.com',
    });
    expect(claims.sub).toBe(idToken.sub);
    expect(claims.sub).not.toBe('anna-1');
    expect(await providerStatus('upstream')).toBe('operational');
  });

  it('runs a REST verification through the upstream: redirect back to the app, claims, LoA from the acr mapping', async () => {
    upstream.next.acr = 'urn:example:high';
    try {
      const created = await restStart('upstream');
      expect(created.statusCode, created.body).toBe(201);
      const body = JSON.parse(created.body) as { verificationId: string; status: string; flowDetails: { url: string } };
      expect(body.status).toBe('pending');
      const authorizationUrl = new URL(body.flowDetails.url);
      expect(authorizationUrl.origin).toBe(upstream.url);
      expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorizationUrl.searchParams.get('redirect_uri')).toBe(`${live.baseUrl}/callback/upstream`);
      expect(authorizationUrl.searchParams.get('state')?.startsWith(`${body.verificationId}.`)).toBe(true);
      const { final } = await browser().walk(body.flowDetails.url);
      expect(final.toString()).toBe(`${REDIRECT_URI}?verificationId=${body.verificationId}`);
      const read = await live.app.inject({
        method: 'GET',
        url: `/v1/verifications/${body.verificationId}`,
        headers: { authorization: basic },
      });
      const verification = JSON.parse(read.body) as Record<string, unknown>;
      expect(verification.status).toBe('completed');
      expect(verification.loa).toBe(4);
      expect(verification.claims).toMatchObject({ given_name: 'Anna', family_name: 'Andersson' });
      expect((verification.provenance as { issuer: string }).issuer).toBe(upstream.url);
    } finally {
      upstream.next.acr = 'urn:idgate:loa:3';
    }
  });

  it('the user refusing at the upstream cancels: access_denied, err_user_cancelled, tx_state=cancelled', async () => {
    upstream.next.deny = true;
    try {
      const { final, verificationId } = await authorizeFlow('upstream');
      expectAppError(final, 'err_user_cancelled', 'cancelled');
      expect((await events(verificationId)).at(-1)).toMatchObject({
        to: 'cancelled',
        statusCode: 'err_user_cancelled',
        actor: 'user',
      });
    } finally {
      upstream.next.deny = false;
    }
  });

  describe('failures at the callback (the session fails, the app gets err_provider_error)', () => {
    const cases = [
      { name: 'token endpoint 500', fault: 'status-500', provider: 'upstream-faulty', code: 'PROVIDER_ERROR' },
      { name: 'slower than the timeout', fault: 'slow', provider: 'upstream-faulty', code: 'PROVIDER_ERROR' },
      {
        name: 'garbage JSON at the token endpoint',
        fault: 'garbage',
        provider: 'upstream-faulty',
        code: 'PROVIDER_UNEXPECTED_RESPONSE',
      },
      {
        name: 'an ID token with a wrong signature',
        fault: 'bad-signature',
        provider: 'upstream-faulty',
        code: 'PROVIDER_UNEXPECTED_RESPONSE',
        reason: 'id_token refused: ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      },
      {
        name: '401 at the token endpoint (wrong client secret)',
        fault: undefined,
        provider: 'upstream-badsecret',
        code: 'PROVIDER_AUTHENTICATION_FAILED',
      },
    ] as const;
    it.each(cases)('$name → $code', async (entry) => {
      const { fault, provider, code } = entry;
      if (fault !== undefined) upstream.faults.set('idgate-faulty', fault);
      try {
        const { final, verificationId } = await authorizeFlow(provider);
        expectAppError(final, 'err_provider_error');
        expect((await events(verificationId)).at(-1)).toMatchObject({
          to: 'failed',
          statusCode: 'err_provider_error',
          actor: 'provider',
        });
        expect(loggedCode(verificationId)).toBe(code);
        if ('reason' in entry) expect(loggedReason(verificationId)).toBe(entry.reason);
      } finally {
        upstream.faults.delete('idgate-faulty');
      }
    });

    it('a nonce changed on the way to the upstream → PROVIDER_UNEXPECTED_RESPONSE (real upstream)', async () => {
      const { final, verificationId } = await authorizeFlow('upstream', (url) => {
        if (url.origin === upstream.url && url.pathname === '/auth' && url.searchParams.has('nonce')) {
          url.searchParams.set('nonce', 'someone-elses-nonce');
        }
        return url;
      });
      expectAppError(final, 'err_provider_error');
      expect(loggedCode(verificationId)).toBe('PROVIDER_UNEXPECTED_RESPONSE');
      expect(loggedReason(verificationId)).toBe('nonce mismatch');
    });

    it('a callback whose iss is not the upstream → PROVIDER_UNEXPECTED_RESPONSE (RFC 9207, real upstream)', async () => {
      const { final, verificationId } = await authorizeFlow('upstream', (url) => {
        if (url.pathname === '/callback/upstream' && url.searchParams.has('iss')) {
          url.searchParams.set('iss', 'https://evil.example');
        }
        return url;
      });
      expectAppError(final, 'err_provider_error');
      expect(loggedCode(verificationId)).toBe('PROVIDER_UNEXPECTED_RESPONSE');
      expect(loggedReason(verificationId)).toBe('callback iss mismatch');
    });
  });

  describe('failures at the start (REST problem, and the /authorize error redirect)', () => {
    const cases = [
      {
        name: 'upstream down (closed port)',
        provider: 'upstream-down',
        code: 'PROVIDER_UNAVAILABLE',
        tx: 'err_provider_unavailable',
      },
      {
        name: 'discovery 404',
        provider: 'upstream-404',
        code: 'PROVIDER_INITIALIZATION_FAILED',
        tx: 'err_provider_error',
      },
      {
        name: 'no client id configured',
        provider: 'upstream-noclient',
        code: 'PROVIDER_CONFIGURATION_ERROR',
        tx: 'err_provider_error',
      },
    ] as const;
    it.each(cases)('$name → $code', async ({ provider, code, tx }) => {
      const res = await restStart(provider);
      const problem = expectProblem(res, code, { issuer: live.baseUrl, instance: '/v1/verifications' });
      const verificationId = (problem.context as { verificationId: string }).verificationId;
      expect(verificationId).toMatch(/^vrf_test_/);
      expect(String(problem.detail)).not.toContain('127.0.0.1');
      if (code === 'PROVIDER_CONFIGURATION_ERROR') expect(problem.detail).toContain('clientId');
      if (code === 'PROVIDER_UNAVAILABLE') expect(res.headers['retry-after']).toBe('30');
      const read = await live.app.inject({
        method: 'GET',
        url: `/v1/verifications/${verificationId}`,
        headers: { authorization: basic },
      });
      expect(JSON.parse(read.body)).toMatchObject({ status: 'failed', error: { code: tx } });

      const { final } = await authorizeFlow(provider);
      expectAppError(final, tx);
    });
  });

  describe('an upstream that rate-limits idgate (429) is PROVIDER_UNAVAILABLE', () => {
    it('429 at the token endpoint → temporarily_unavailable / err_provider_unavailable, logged as PROVIDER_UNAVAILABLE', async () => {
      upstream.faults.set('idgate-faulty', 'rate-limited');
      upstream.rateLimitRetryAfter = '120';
      try {
        const { final, verificationId } = await authorizeFlow('upstream-faulty');
        expectAppError(final, 'err_provider_unavailable');
        expect(final.searchParams.get('error')).toBe('temporarily_unavailable');
        expect((await events(verificationId)).at(-1)).toMatchObject({
          to: 'failed',
          statusCode: 'err_provider_unavailable',
          actor: 'provider',
        });
        expect(loggedCode(verificationId)).toBe('PROVIDER_UNAVAILABLE');
        expect(loggedReason(verificationId)).toBe('upstream answered 429');
        const read = await live.app.inject({
          method: 'GET',
          url: `/v1/verifications/${verificationId}`,
          headers: { authorization: basic },
        });
        expect(JSON.parse(read.body)).toMatchObject({ status: 'failed', error: { code: 'err_provider_unavailable' } });
      } finally {
        upstream.faults.delete('idgate-faulty');
        upstream.rateLimitRetryAfter = undefined;
      }
    });

    const retryAfterCases = [
      { name: 'delay-seconds', sent: () => '120', expected: [120, 120] },
      { name: 'over the bound (one day)', sent: () => '86400', expected: [3600, 3600] },
      { name: 'zero (raised to the floor)', sent: () => '0', expected: [1, 1] },
      {
        name: 'an HTTP date 90 s ahead',
        sent: () => new Date(Date.now() + offsetMs + 90_000).toUTCString(),
        expected: [88, 91],
      },
      { name: 'absent (the catalog default)', sent: () => undefined, expected: [30, 30] },
      { name: 'unreadable (the catalog default)', sent: () => 'soon', expected: [30, 30] },
    ] as const;
    it.each(retryAfterCases)(
      '429 at discovery, Retry-After $name → REST 503 with the bounded Retry-After',
      async (entry) => {
        upstream.rateLimitRetryAfter = entry.sent();
        try {
          const res = await restStart('upstream-ratelimited');
          const problem = expectProblem(res, 'PROVIDER_UNAVAILABLE', {
            issuer: live.baseUrl,
            instance: '/v1/verifications',
          });
          expect(problem.status).toBe(503);
          expect(problem.retryable).toBe(true);
          expect(problem.context).toMatchObject({ providerId: 'upstream-ratelimited', reason: 'rate_limited' });
          const retryAfter = Number(res.headers['retry-after']);
          expect(retryAfter).toBeGreaterThanOrEqual(entry.expected[0]);
          expect(retryAfter).toBeLessThanOrEqual(entry.expected[1]);
          const verificationId = (problem.context as { verificationId: string }).verificationId;
          const read = await live.app.inject({
            method: 'GET',
            url: `/v1/verifications/${verificationId}`,
            headers: { authorization: basic },
          });
          expect(JSON.parse(read.body)).toMatchObject({
            status: 'failed',
            error: { code: 'err_provider_unavailable' },
          });
        } finally {
          upstream.rateLimitRetryAfter = undefined;
        }
      },
    );

    it('a 429 counts against the circuit breaker (the provider reads degraded), and /authorize redirects temporarily_unavailable', async () => {
      const { final } = await authorizeFlow('upstream-ratelimited');
      expectAppError(final, 'err_provider_unavailable');
      expect(final.searchParams.get('error')).toBe('temporarily_unavailable');
      expect(await providerStatus('upstream-ratelimited')).toBe('degraded');
    });
  });

  it('per-app client credentials override the instance (secret masked on read, checked on write)', async () => {
    const url = `/admin/v1/apps/${clientId}/providers/upstream-noclient`;
    const invalid = await live.app.inject({
      method: 'PUT',
      url,
      headers: adminAuth(),
      payload: { enabled: true, settings: { clientSecret: OWN_SECRET } },
    });
    const problem = expectProblem(invalid, 'PROVIDER_CONFIGURATION_ERROR', { issuer: live.baseUrl });
    expect((problem.context as { fields: { name: string }[] }).fields.map((field) => field.name)).toEqual([
      'settings.clientSecret',
    ]);
    const put = await live.app.inject({
      method: 'PUT',
      url,
      headers: adminAuth(),
      payload: { enabled: true, settings: { clientId: 'app-own-client', clientSecret: OWN_SECRET } },
    });
    expect(put.statusCode, put.body).toBeLessThan(300);
    expect(put.body).not.toContain(OWN_SECRET);
    const read = await live.app.inject({ method: 'GET', url, headers: adminAuth() });
    expect(JSON.parse(read.body).settings).toEqual({ clientId: 'app-own-client', clientSecret: '********' });
    // At rest the secret is encrypted; the flow below proves it still opens for the adapter.
    const row = await live.app.idgate.database.db
      .selectFrom('app_providers')
      .selectAll()
      .where('client_id', '=', clientId)
      .where('provider_id', '=', 'upstream-noclient')
      .executeTakeFirstOrThrow();
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(OWN_SECRET);
    expect(stored).toContain('"clientSecret\\":\\"sealed:v1:');
    try {
      const { final } = await authorizeFlow('upstream-noclient');
      expect(final.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      registerSecret(final.searchParams.get('code') ?? undefined);
    } finally {
      await live.app.inject({ method: 'PUT', url, headers: adminAuth(), payload: { enabled: true, settings: {} } });
    }
  });

  it('opens the circuit after repeated failures, fails fast while open, closes after the cool-down on success', async () => {
    upstream.faults.set('idgate-flaky', 'status-500');
    for (let attempt = 0; attempt < 2; attempt++) {
      const { final } = await authorizeFlow('upstream-flaky');
      expectAppError(final, 'err_provider_error');
    }
    expect(await providerStatus('upstream-flaky')).toBe('unavailable');
    const tokenCalls = upstream.hits.get('/token') ?? 0;
    const res = await restStart('upstream-flaky');
    expectProblem(res, 'PROVIDER_UNAVAILABLE', { issuer: live.baseUrl });
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(25);
    expect(retryAfter).toBeLessThanOrEqual(30);
    const { final: refused } = await authorizeFlow('upstream-flaky');
    expectAppError(refused, 'err_provider_unavailable');
    expect(upstream.hits.get('/token') ?? 0).toBe(tokenCalls);

    offsetMs += 31_000;
    expect(await providerStatus('upstream-flaky')).toBe('degraded');
    upstream.faults.delete('idgate-flaky');
    const { final } = await authorizeFlow('upstream-flaky');
    expect(final.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    registerSecret(final.searchParams.get('code') ?? undefined);
    expect(await providerStatus('upstream-flaky')).toBe('operational');
    expect(await providerStatus('upstream')).toBe('operational');
  });
});
