/**
 * `IdgateClient` against a real idgate listening on 127.0.0.1 (SQLite and PostgreSQL):
 * the typed calls, every error as `IdgateApiError` from the real body, and the retry
 * strategy — 429 after `Retry-After` from the real rate limiter, 503/500 from the real
 * sandbox identities, network failures and timeouts — with the same `Idempotency-Key` on
 * every attempt of a POST. Where a failure cannot be caused on the real server (a 503 on
 * the first attempt only, a hanging or non-JSON answer), a tiny `node:http` server on
 * loopback answers one attempt and the real server the others.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CATALOG, IdgateError, messagesFor, renderProblem } from '@idgate/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, createTestApp, TEST_ISSUER, type TestApp } from '../../server/test/support/app.js';
import { TEST_DATABASE_KINDS } from '../../server/test/support/databases.js';
import { registerSecret } from '../../server/test/support/leaks.js';
import {
  IdgateApiError,
  IdgateClient,
  type IdgateClientSettings,
  IdgateNetworkError,
  IdgateResponseError,
  SDK_VERSION,
  userMessage,
} from '../src/index.js';

const T0 = Date.parse('2026-11-22T10:30:00.000Z');
const REDIRECT_URI = 'https://shop.example/callback';
const ID_PATTERN = /^vrf_test_[0-9A-Za-z]{24}$/;

/** One attempt as the injected fetch saw it. */
interface Attempt {
  readonly url: string;
  readonly method: string;
  readonly idempotencyKey: string | null;
  readonly status: number | 'network error';
  readonly retryAfter: string | null;
  readonly replayed: string | null;
}

/**
 * The real fetch, recording every attempt; `route(n)` may send attempt `n` (1-based)
 * to another origin (a tiny server, a closed port) instead of idgate.
 */
function recordingFetch(route: (attempt: number) => string | undefined = () => undefined) {
  const attempts: Attempt[] = [];
  const wrapped: typeof fetch = async (input, init) => {
    const original = new URL(String(input));
    const origin = route(attempts.length + 1);
    const url = origin ? new URL(original.pathname + original.search, origin).toString() : original.toString();
    const headers = new Headers(init?.headers);
    const record = { url, method: init?.method ?? 'GET', idempotencyKey: headers.get('idempotency-key') };
    try {
      const response = await fetch(url, init);
      attempts.push({
        ...record,
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        replayed: response.headers.get('idempotent-replayed'),
      });
      return response;
    } catch (error) {
      attempts.push({ ...record, status: 'network error', retryAfter: null, replayed: null });
      throw error;
    }
  };
  return { fetch: wrapped, attempts };
}

/** A tiny loopback server; `respond` answers each request (or never, to hang). */
async function tinyServer(
  respond: (
    request: { headers: IncomingHttpHeaders; url: string },
    reply: (status: number, headers: Record<string, string>, body: string) => void,
  ) => void,
): Promise<{ origin: string; requests: IncomingHttpHeaders[]; close(): Promise<void> }> {
  const requests: IncomingHttpHeaders[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request.headers);
    request.resume();
    respond({ headers: request.headers, url: request.url ?? '/' }, (status, headers, body) => {
      response.writeHead(status, headers).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback origin nothing listens on (connection refused). */
async function closedOrigin(): Promise<string> {
  const server = await tinyServer(() => {});
  await server.close();
  return server.origin;
}

/** A problem+json answer exactly as idgate renders it. */
function problemReply(code: ConstructorParameters<typeof IdgateError>[0], headers: Record<string, string> = {}) {
  const rendered = renderProblem(new IdgateError(code), {
    issuer: TEST_ISSUER,
    requestId: 'tiny-1',
    instance: '/v1/providers',
  });
  return {
    status: rendered.status,
    headers: { ...rendered.headers, ...headers } as Record<string, string>,
    body: JSON.stringify(rendered.body),
  };
}

/** Waits recorded instead of slept; each also moves the server's clock, as real time would. */
function recordingSleep(advance: (ms: number) => void = () => {}) {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (ms: number) => {
      delays.push(ms);
      advance(ms);
    },
  };
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

async function apiError(promise: Promise<unknown>): Promise<IdgateApiError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(IdgateApiError);
  return error as IdgateApiError;
}

/** An idgate on a real loopback port, with a clock the test moves. */
interface Live {
  readonly t: TestApp;
  readonly baseUrl: string;
  advance(ms: number): void;
}

async function startLive(kind: (typeof TEST_DATABASE_KINDS)[number], env: Record<string, string> = {}): Promise<Live> {
  let now = T0;
  const t = await createTestApp(kind, { clock: () => new Date(now), env });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = t.app.server.address() as AddressInfo;
  return {
    t,
    baseUrl: `http://127.0.0.1:${port}`,
    advance(ms) {
      now += ms;
    },
  };
}

/** A confidential app that may use the REST API (Basic and client_credentials). */
async function restApp(t: TestApp): Promise<{ clientId: string; clientSecret: string }> {
  const created = await t.app.idgate.apps.create({
    name: 'SDK test app',
    type: 'confidential',
    redirectUris: [REDIRECT_URI],
    grantTypes: ['client_credentials'],
    scopes: ['verifications', 'providers'],
  });
  const clientSecret = created.clientSecret as string;
  registerSecret(clientSecret);
  return { clientId: created.app.clientId, clientSecret };
}

describe.each(TEST_DATABASE_KINDS)('IdgateClient against a real idgate on %s', (kind) => {
  let live: Live;
  let credentials: { clientId: string; clientSecret: string };

  function client(settings: Partial<IdgateClientSettings> = {}): IdgateClient {
    return new IdgateClient({ baseUrl: live.baseUrl, ...credentials, ...settings });
  }

  beforeAll(async () => {
    live = await startLive(kind);
    credentials = await restApp(live.t);
  });
  afterAll(async () => {
    await live?.t.close();
  });

  it('lists the providers enabled for the app, typed', async () => {
    const { data } = await client().listProviders();
    expect(data.map((provider) => provider.id)).toEqual(['mock-redirect', 'mock-qr', 'mock-push', 'mock-wallet']);
    const push = data[2];
    expect(push?.flowTypes).toEqual(['push']);
    expect(push?.requiredUserData).toEqual(['personalNumber']);
    expect(push?.maxLoa).toBe(3);
    expect(push?.loaLevels).toEqual([1, 2, 3]);
    expect(push?.status).toBe('operational');
    expect(push?.testIdentities?.map((identity) => identity.identity)).toContain('success');

    const qr = await client().getProvider('mock-qr');
    expect(qr).toEqual(data[1]);
    const unknown = await apiError(client().getProvider('no-such-provider'));
    expect([unknown.status, unknown.code]).toEqual([404, 'PROVIDER_NOT_FOUND']);
  });

  it('creates, reads and cancels a verification; a second cancel is 409 SESSION_INVALID_STATUS_TRANSITION', async () => {
    const sdk = client();
    // mock-redirect without a test identity waits for its mock screen: the session stays pending.
    const created = await sdk.createVerification({
      providerId: 'mock-redirect',
      redirectUri: REDIRECT_URI,
      requestedClaims: ['given_name', 'family_name', 'birthdate'],
    });
    expect(created.verificationId).toMatch(ID_PATTERN);
    expect(created.status).toBe('pending');
    expect(created.providerId).toBe('mock-redirect');
    expect(created.flowType).toBe('redirect');
    expect(created.flowDetails.url).toBe(`${TEST_ISSUER}/flow/${created.verificationId}`);
    expect(created.createdAt).toBe(new Date(T0).toISOString());
    expect(Date.parse(created.expiresAt) - Date.parse(created.createdAt)).toBe(10 * 60_000);

    const read = await sdk.getVerification(created.verificationId);
    expect(read).toMatchObject({ ...created, requestedLoa: null });
    expect(read.requestedClaims).toEqual(['given_name', 'family_name', 'birthdate']);
    expect(read.error).toBeUndefined();
    expect(read.claims).toBeUndefined();

    const cancelled = await sdk.cancelVerification(created.verificationId);
    expect(cancelled.verificationId).toBe(created.verificationId);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.error).toBeUndefined(); // the app cancelled: no status code
    expect((await sdk.getVerification(created.verificationId)).status).toBe('cancelled');

    const events = await live.t.app.inject({
      method: 'GET',
      url: `/admin/v1/verifications/${created.verificationId}/events`,
      headers: adminAuth(),
    });
    const trail = (JSON.parse(events.body) as { data: { to: string; actor: string }[] }).data;
    expect(trail.at(-1)).toMatchObject({ to: 'cancelled', actor: 'app' });

    const again = await apiError(sdk.cancelVerification(created.verificationId));
    expect(again.status).toBe(409);
    expect(again.code).toBe('SESSION_INVALID_STATUS_TRANSITION');
    expect(again.source).toBe('problem');
    expect(again.category).toBe('client');
    expect(again.retryable).toBe(false);
    expect(again.attempts).toBe(1);
    expect(again.requestId).toMatch(/\S/);
    expect(again.userMessage('de')).toBe(messagesFor('de').errors.SESSION_INVALID_STATUS_TRANSITION);
  });

  it('relays a DC API answer (relayDcResponse): refusals are IdgateApiError, a refused presentation fails the session', async () => {
    const sdk = client();
    const qr = await sdk.createVerification({ providerId: 'mock-wallet', flowType: 'qr' });
    const credential = { protocol: 'openid4vp-v1-signed', data: { response: 'not-a-jwe' } };
    const wrongFlow = await apiError(sdk.relayDcResponse(qr.verificationId, credential));
    expect(wrongFlow.status).toBe(400);
    expect(wrongFlow.code).toBe('SESSION_INVALID_FLOW');
    expect(wrongFlow.attempts).toBe(1);
    expect((await sdk.getVerification(qr.verificationId)).status).toBe('pending');

    const dc = await sdk.createVerification({ providerId: 'mock-wallet', flowType: 'dc_api' });
    expect(dc.flowDetails.dcRequest).toMatchObject({ digital: { requests: [{ protocol: 'openid4vp-v1-signed' }] } });
    const refused = await apiError(sdk.relayDcResponse(dc.verificationId, credential));
    expect(refused.status).toBe(400);
    expect(refused.code).toBe('PROVIDER_PRESENTATION_INVALID');
    expect(refused.attempts).toBe(1);
    const failed = await sdk.getVerification(dc.verificationId);
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('err_presentation_invalid');
  });

  it('reads a completed session with the verified identity, typed', async () => {
    const sdk = client();
    const created = await sdk.createVerification({ providerId: 'mock-qr', userData: { testIdentity: 'success' } });
    live.advance(3_000); // the mock user answers within 2 s
    const done = await sdk.getVerification(created.verificationId);
    expect(done.status).toBe('completed');
    expect(done.loa).toBe(3);
    expect(done.acr).toBe('urn:idgate:loa:3');
    expect(done.claims?.given_name).toBe('Astrid');
    expect(done.claims?.birthdate).toBe('1985-03-07');
    expect(done.claims?.address?.country).toBe('SE');
    expect(done.missingClaims).toEqual([]);
    expect(done.provenance?.providerId).toBe('mock-qr');
    expect(done.sub).toMatch(/\S/);
    expect(done.verifiedAt).toBe(new Date(T0 + 3_000).toISOString());
  });

  it('sends an Idempotency-Key on every create: the same key answers the same verification', async () => {
    const recorder = recordingFetch();
    const sdk = client({ fetch: recorder.fetch });
    const body = { providerId: 'mock-redirect', redirectUri: REDIRECT_URI } as const;
    const first = await sdk.createVerification(body, { idempotencyKey: `order-${kind}-42` });
    const second = await sdk.createVerification(body, { idempotencyKey: `order-${kind}-42` });
    expect(second).toEqual(first);
    expect(recorder.attempts.map((attempt) => [attempt.status, attempt.replayed])).toEqual([
      [201, null],
      [201, 'true'],
    ]);

    const generated = await sdk.createVerification(body);
    expect(generated.verificationId).not.toBe(first.verificationId);
    expect(recorder.attempts[2]?.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);

    const conflict = await apiError(
      sdk.createVerification({ providerId: 'mock-qr' }, { idempotencyKey: `order-${kind}-42` }),
    );
    expect([conflict.status, conflict.code, conflict.attempts]).toEqual([409, 'RESOURCE_CONFLICT', 1]);
    await expect(sdk.createVerification(body, { idempotencyKey: 'has space' })).rejects.toThrow(TypeError);
  });

  it('turns a wrong secret, an unknown id and a refused body into IdgateApiError, without retrying', async () => {
    const recorder = recordingFetch();
    const wrong = new IdgateClient({
      baseUrl: live.baseUrl,
      clientId: credentials.clientId,
      clientSecret: 'not-the-secret',
      fetch: recorder.fetch,
    });
    const denied = await apiError(wrong.listProviders());
    expect([denied.status, denied.code, denied.oauthError]).toEqual([401, 'AUTH_INVALID_CREDENTIALS', undefined]);
    expect(recorder.attempts).toHaveLength(1);

    const sdk = client();
    const missing = await apiError(sdk.getVerification('vrf_test_000000000000000000000000'));
    expect([missing.status, missing.code]).toEqual([404, 'SESSION_VERIFICATION_NOT_FOUND']);

    const refused = await apiError(sdk.createVerification({ providerId: 'mock-push' }));
    expect([refused.status, refused.code, refused.attempts]).toEqual([400, 'VALIDATION_MISSING_USER_DATA', 1]);
    expect(JSON.stringify(refused.context)).toContain('userData.personalNumber');
  });

  it('authenticates with a client_credentials token from a token provider', async () => {
    async function token(scope: string): Promise<string> {
      const response = await fetch(`${live.baseUrl}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${btoa(`${credentials.clientId}:${credentials.clientSecret}`)}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
      });
      expect(response.status).toBe(200);
      const accessToken = ((await response.json()) as { access_token: string }).access_token;
      registerSecret(accessToken);
      return accessToken;
    }
    let asked = 0;
    const bearer = new IdgateClient({
      baseUrl: live.baseUrl,
      accessToken: () => {
        asked += 1;
        return token('providers');
      },
    });
    expect((await bearer.listProviders()).data).toHaveLength(4);
    expect(asked).toBe(1);
    const scoped = await apiError(bearer.createVerification({ providerId: 'mock-qr' }));
    expect([scoped.status, scoped.code]).toEqual([403, 'AUTH_INSUFFICIENT_SCOPE']);

    const fixed = new IdgateClient({ baseUrl: live.baseUrl, accessToken: await token('verifications') });
    expect((await fixed.createVerification({ providerId: 'mock-qr' })).status).toBe('pending');
  });

  it('retries a real 503 (SYSTEM_UNAVAILABLE) after Retry-After, then gives up with the attempt count', async () => {
    const recorder = recordingFetch();
    const waits = recordingSleep();
    const sdk = client({ fetch: recorder.fetch, sleep: waits.sleep });
    const error = await apiError(
      sdk.createVerification({ providerId: 'mock-qr', userData: { testIdentity: 'idgate-unavailable' } }),
    );
    expect([error.status, error.code, error.attempts]).toEqual([503, 'SYSTEM_UNAVAILABLE', 4]);
    expect(recorder.attempts.map((attempt) => attempt.status)).toEqual([503, 503, 503, 503]);
    expect(recorder.attempts.every((attempt) => attempt.retryAfter === '5')).toBe(true);
    // Backoff with jitter, never sooner than Retry-After: 5 s.
    expect(waits.delays).toEqual([5000, 5000, 5000]);
    const keys = new Set(recorder.attempts.map((attempt) => attempt.idempotencyKey));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/\S/);
  });

  it('retries a real 500 (SYSTEM_INTERNAL_ERROR) exactly once', async () => {
    const recorder = recordingFetch();
    const waits = recordingSleep();
    const sdk = client({ fetch: recorder.fetch, sleep: waits.sleep });
    const error = await apiError(
      sdk.createVerification({ providerId: 'mock-qr', userData: { testIdentity: 'idgate-internal-error' } }),
    );
    expect([error.status, error.code, error.attempts]).toEqual([500, 'SYSTEM_INTERNAL_ERROR', 2]);
    expect(recorder.attempts.map((attempt) => attempt.status)).toEqual([500, 500]);
    expect(waits.delays).toEqual([500]);
  });

  it('retries a 503 on the first attempt with the same Idempotency-Key, and creates once', async () => {
    const unavailable = problemReply('SYSTEM_UNAVAILABLE', { 'retry-after': '1' });
    const tiny = await tinyServer((_request, reply) =>
      reply(unavailable.status, unavailable.headers, unavailable.body),
    );
    try {
      const recorder = recordingFetch((attempt) => (attempt === 1 ? tiny.origin : undefined));
      const waits = recordingSleep();
      const sdk = client({ fetch: recorder.fetch, sleep: waits.sleep, retry: { random: () => 0.999 } });
      const created = await sdk.createVerification({ providerId: 'mock-redirect' });
      expect(recorder.attempts.map((attempt) => attempt.status)).toEqual([503, 201]);
      expect(waits.delays).toEqual([1000]); // the 250 ms backoff step, raised to Retry-After
      const key = tiny.requests[0]?.['idempotency-key'];
      expect(key).toMatch(/^[0-9a-f-]{36}$/);
      expect(recorder.attempts[1]?.idempotencyKey).toBe(key);
      // The server knows the key: the same request answers the same session, replayed.
      const replay = await client({ fetch: recorder.fetch }).createVerification(
        { providerId: 'mock-redirect' },
        { idempotencyKey: String(key) },
      );
      expect(replay.verificationId).toBe(created.verificationId);
      expect(recorder.attempts[2]?.replayed).toBe('true');
    } finally {
      await tiny.close();
    }
  });

  it('retries network failures and timeouts of GET and create, never of cancel', async () => {
    const closed = await closedOrigin();
    const waits = recordingSleep();

    const flaky = recordingFetch((attempt) => (attempt === 1 ? closed : undefined));
    const listed = await client({ fetch: flaky.fetch, sleep: waits.sleep }).listProviders();
    expect(listed.data).toHaveLength(4);
    expect(flaky.attempts.map((attempt) => attempt.status)).toEqual(['network error', 200]);

    const hanging = await tinyServer(() => {});
    try {
      const slow = recordingFetch((attempt) => (attempt === 1 ? hanging.origin : undefined));
      const created = await client({ fetch: slow.fetch, sleep: waits.sleep, timeoutMs: 200 }).createVerification({
        providerId: 'mock-redirect',
      });
      expect(created.status).toBe('pending');
      expect(slow.attempts.map((attempt) => attempt.status)).toEqual(['network error', 201]);
      expect(hanging.requests[0]?.['idempotency-key']).toBe(slow.attempts[1]?.idempotencyKey);

      const stuck = recordingFetch(() => hanging.origin);
      const timedOut = await rejectionOf(
        client({ fetch: stuck.fetch, sleep: waits.sleep, timeoutMs: 100, retry: { maxAttempts: 2 } }).getVerification(
          created.verificationId,
        ),
      );
      expect(timedOut).toBeInstanceOf(IdgateNetworkError);
      expect((timedOut as IdgateNetworkError).timedOut).toBe(true);
      expect((timedOut as IdgateNetworkError).attempts).toBe(2);

      const cancelTry = recordingFetch((attempt) => (attempt === 1 ? closed : undefined));
      const refused = await rejectionOf(
        client({ fetch: cancelTry.fetch, sleep: waits.sleep }).cancelVerification(created.verificationId),
      );
      expect(refused).toBeInstanceOf(IdgateNetworkError);
      expect((refused as IdgateNetworkError).timedOut).toBe(false);
      expect((refused as IdgateNetworkError).attempts).toBe(1);
      expect(cancelTry.attempts).toHaveLength(1);
      expect((await client().getVerification(created.verificationId)).status).toBe('pending');
    } finally {
      await hanging.close();
    }
  });

  it('throws IdgateResponseError (a TypeError) for a 2xx that is not the promised JSON, without retrying', async () => {
    const answers = [
      { type: 'text/html', body: '<html>captive portal</html>' },
      { type: 'application/json', body: '{"data":[{"id":1}]}' },
    ];
    const tiny = await tinyServer((request, reply) => {
      const answer = answers[request.url.includes('mock-qr') ? 1 : 0] ?? answers[0];
      reply(200, { 'content-type': answer?.type ?? '', 'x-request-id': 'tiny-2' }, answer?.body ?? '');
    });
    try {
      const html = await rejectionOf(new IdgateClient({ baseUrl: tiny.origin, ...credentials }).listProviders());
      expect(html).toBeInstanceOf(IdgateResponseError);
      expect(html).toBeInstanceOf(TypeError);
      expect((html as IdgateResponseError).status).toBe(200);
      expect((html as IdgateResponseError).requestId).toBe('tiny-2');
      expect((html as IdgateResponseError).problems).toEqual(['body: not JSON (Content-Type text/html)']);

      const shape = await rejectionOf(
        new IdgateClient({ baseUrl: tiny.origin, ...credentials }).getProvider('mock-qr'),
      );
      expect(shape).toBeInstanceOf(IdgateResponseError);
      expect((shape as IdgateResponseError).problems).toContain('body.id: missing');
      expect(tiny.requests).toHaveLength(2);
    } finally {
      await tiny.close();
    }
  });
});

describe.each(TEST_DATABASE_KINDS)('IdgateClient and the real rate limiter on %s', (kind) => {
  let live: Live;

  beforeAll(async () => {
    live = await startLive(kind, { IDGATE_RATE_LIMIT_REST: '3' });
  });
  afterAll(async () => {
    await live?.t.close();
  });

  it('waits for Retry-After on 429, and the retried POST carries the same Idempotency-Key', async () => {
    const credentials = await restApp(live.t);
    const recorder = recordingFetch();
    const waits = recordingSleep(live.advance);
    const sdk = new IdgateClient({
      baseUrl: live.baseUrl,
      ...credentials,
      fetch: recorder.fetch,
      sleep: waits.sleep,
      retry: { maxDelayMs: 60_000 },
    });
    for (let call = 0; call < 3; call++) await sdk.listProviders();

    const listed = await sdk.listProviders();
    expect(listed.data).toHaveLength(4);
    expect(recorder.attempts.slice(3).map((attempt) => attempt.status)).toEqual([429, 200]);
    const retryAfter = Number(recorder.attempts[3]?.retryAfter);
    expect(retryAfter).toBeGreaterThan(1);
    expect(waits.delays).toEqual([retryAfter * 1000]);

    const created = await sdk.createVerification({ providerId: 'mock-redirect' });
    const posts = recorder.attempts.filter((attempt) => attempt.method === 'POST');
    expect(posts.map((attempt) => attempt.status)).toEqual([429, 201]);
    expect(posts[0]?.idempotencyKey).toMatch(/\S/);
    expect(posts[1]?.idempotencyKey).toBe(posts[0]?.idempotencyKey);
    expect(waits.delays).toHaveLength(2);
    expect(waits.delays[1]).toBe(Number(posts[0]?.retryAfter) * 1000);
    expect(created.verificationId).toMatch(ID_PATTERN);
  });

  it('gives up on a Retry-After longer than maxDelayMs, and the error says how long to wait', async () => {
    const credentials = await restApp(live.t);
    const waits = recordingSleep(live.advance);
    const sdk = new IdgateClient({ baseUrl: live.baseUrl, ...credentials, sleep: waits.sleep });
    for (let call = 0; call < 3; call++) await sdk.listProviders();
    const limited = await apiError(sdk.listProviders());
    expect([limited.status, limited.code, limited.attempts]).toEqual([429, 'SYSTEM_RATE_LIMITED', 1]);
    expect(limited.retryAfterSeconds).toBe(20); // 3 a minute: one every 20 s, above the default 10 s
    expect(waits.delays).toEqual([]);
  });
});

describe('IdgateClient without a server', () => {
  it('refuses a base URL that is not http(s) and empty credentials', () => {
    expect(() => new IdgateClient({ baseUrl: 'ftp://idgate.example', clientId: 'a', clientSecret: 'b' })).toThrow(
      TypeError,
    );
    expect(() => new IdgateClient({ baseUrl: 'https://idgate.example', clientId: 'a', clientSecret: '' })).toThrow(
      TypeError,
    );
  });

  it('sends the app before the SDK in User-Agent, and keeps a base path', async () => {
    const tiny = await tinyServer((request, reply) => {
      reply(200, { 'content-type': 'application/json' }, JSON.stringify({ data: [], path: request.url }));
    });
    try {
      const sdk = new IdgateClient({
        baseUrl: `${tiny.origin}/idgate/`,
        clientId: 'app id',
        clientSecret: 's:cret',
        userAgent: 'shop/2.1',
      });
      await sdk.listProviders();
      expect(tiny.requests[0]?.['user-agent']).toBe(`shop/2.1 idgate-client/${SDK_VERSION}`);
      // RFC 6749 §2.3.1: form-encoded before Basic.
      expect(tiny.requests[0]?.authorization).toBe(`Basic ${btoa('app+id:s%3Acret')}`);
      const version = (
        JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
      ).version;
      expect(SDK_VERSION).toBe(version);
    } finally {
      await tiny.close();
    }
  });

  it('throws the abort reason of an aborted call', async () => {
    const sdk = new IdgateClient({ baseUrl: 'http://127.0.0.1:9', clientId: 'a', clientSecret: 'b' });
    const controller = new AbortController();
    controller.abort(new Error('user left'));
    await expect(sdk.listProviders({ signal: controller.signal })).rejects.toThrow('user left');
  });

  it('gives the user-facing message of every code, in the best language', () => {
    expect(userMessage('SESSION_INVALID_STATUS_TRANSITION')).toBe(
      messagesFor('en').errors.SESSION_INVALID_STATUS_TRANSITION,
    );
    expect(userMessage('AUTH_INVALID_CREDENTIALS', 'de-CH, en;q=0.5')).toBe(
      messagesFor('de').errors.AUTH_INVALID_CREDENTIALS,
    );
    expect(userMessage('err_user_cancelled', 'de')).toBe(messagesFor('de').txStatus.err_user_cancelled);
    expect(userMessage('err_user_cancelled', 'fr')).toBe(messagesFor('en').txStatus.err_user_cancelled);
    expect(Object.keys(CATALOG).every((code) => userMessage(code as keyof typeof CATALOG, 'de').length > 0)).toBe(true);
  });
});
