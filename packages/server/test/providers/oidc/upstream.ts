/**
 * The upstream eID of the OIDC adapter tests: a real OpenID Provider (`oidc-provider`)
 * on 127.0.0.1, with
 * - one registered client per idgate provider id (its redirect URI idgate's callback),
 * - a tiny interaction handler that "logs in" the account the test chose (or refuses),
 *   through oidc-provider's own Grant and `interactionFinished` API,
 * - a fault injector in front of the token endpoint, per client id, for the answers the
 *   real provider never gives (5xx, 429, garbage, a tampered signature, slowness),
 * - a rate-limited issuer under `/rate-limited`: every request there is answered 429 with
 *   `Retry-After: <upstream.rateLimitRetryAfter>` (discovery of a throttling upstream).
 * The server listens first (its URL goes into idgate's configuration); the provider is
 * mounted once idgate's callback URL is known.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

/** A person at the upstream. */
export const UPSTREAM_PEOPLE: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  'anna-1': {
    given_name: 'Anna',
    surname: 'Andersson',
    birthdate: '1985-04-12',
    email: 'Anna.Andersson@Example.COM',
    email_verified: true,
  },
};

/** What the token endpoint of one client does instead of answering. */
export type TokenFault = 'status-500' | 'rate-limited' | 'garbage' | 'bad-signature' | 'slow';

/** The running upstream. */
export interface Upstream {
  readonly url: string;
  /** Mounts the OpenID Provider with one client per `clients` entry. */
  mount(
    clients: readonly { readonly clientId: string; readonly clientSecret: string; readonly redirectUri: string }[],
  ): Promise<void>;
  /** Who logs in next (or `deny`: the user refuses). */
  next: { account: string; acr: string | undefined; deny: boolean };
  /** Token endpoint faults by client id. */
  readonly faults: Map<string, TokenFault>;
  /** The `Retry-After` of every 429 (the `rate-limited` fault and `/rate-limited`); none when undefined. */
  rateLimitRetryAfter: string | undefined;
  /** Requests that reached the server, by path (for "no call was made" assertions). */
  readonly hits: Map<string, number>;
  close(): Promise<void>;
}

/** How long the `slow` fault waits (over the test provider's timeout, bounded). */
export const SLOW_MS = 1_500;

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function clientIdOf(request: IncomingMessage, body: string): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    return decodeURIComponent(decoded.slice(0, decoded.indexOf(':')));
  }
  return new URLSearchParams(body).get('client_id') ?? undefined;
}

/** Forwards a request to this same server, marked to bypass the fault injector. */
function forwardToSelf(
  port: number,
  request: IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const forwarded = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: request.method,
        path: request.url,
        headers: { ...request.headers, 'x-bypass-faults': '1' },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: { 'content-type': String(response.headers['content-type'] ?? '') },
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    forwarded.on('error', reject);
    forwarded.end(body);
  });
}

/** Flips the signature of a compact JWS (same header and payload, wrong signature). */
function tamperSignature(jws: string): string {
  const [header, payload, signature] = jws.split('.') as [string, string, string];
  const bytes = Buffer.from(signature, 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 0xff;
  return `${header}.${payload}.${bytes.toString('base64url')}`;
}

/** Starts the upstream's server (the provider is mounted later). */
export async function startUpstream(): Promise<Upstream> {
  let provider: Provider | undefined;
  const faults = new Map<string, TokenFault>();
  const hits = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const upstream = {
    url: '',
    next: { account: 'anna-1', acr: 'urn:idgate:loa:3' as string | undefined, deny: false },
    faults,
    hits,
    rateLimitRetryAfter: undefined as string | undefined,
  };

  function tooManyRequests(response: ServerResponse): void {
    const retryAfter = upstream.rateLimitRetryAfter;
    response
      .writeHead(429, {
        'content-type': 'application/json',
        ...(retryAfter === undefined ? {} : { 'retry-after': retryAfter }),
      })
      .end('{"error":"slow_down"}');
  }

  async function interaction(request: IncomingMessage, response: ServerResponse, current: Provider): Promise<void> {
    const details = await current.interactionDetails(request, response);
    const clientId = String(details.params.client_id);
    if (upstream.next.deny) {
      await current.interactionFinished(request, response, {
        error: 'access_denied',
        error_description: 'The user refused.',
      });
      return;
    }
    const accountId = upstream.next.account;
    const grant = new current.Grant({ accountId, clientId });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    await current.interactionFinished(
      request,
      response,
      {
        login: { accountId, ...(upstream.next.acr === undefined ? {} : { acr: upstream.next.acr }) },
        consent: { grantId },
      },
      { mergeWithLastSubmission: false },
    );
  }

  async function tokenWithFaults(request: IncomingMessage, response: ServerResponse, port: number): Promise<boolean> {
    const body = await readBody(request);
    const fault = faults.get(clientIdOf(request, body.toString('utf8')) ?? '');
    if (fault === 'status-500') {
      response.writeHead(500, { 'content-type': 'text/plain' }).end('upstream broke');
      return true;
    }
    if (fault === 'rate-limited') {
      tooManyRequests(response);
      return true;
    }
    if (fault === 'garbage') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token": "abc", oops');
      return true;
    }
    if (fault === 'slow') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, SLOW_MS);
        timers.add(timer);
      });
      if (!response.destroyed) response.writeHead(500).end();
      return true;
    }
    const real = await forwardToSelf(port, request, body);
    let text = real.body;
    if (fault === 'bad-signature' && real.status === 200) {
      const json = JSON.parse(text) as Record<string, unknown>;
      json.id_token = tamperSignature(String(json.id_token));
      text = JSON.stringify(json);
    }
    response.writeHead(real.status, real.headers).end(text);
    return true;
  }

  const server: Server = createServer(function handle(request, response) {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const current = provider;
    const fail = (error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(String(error));
    };
    if (path.startsWith('/rate-limited/')) {
      tooManyRequests(response);
      return;
    }
    if (current === undefined) {
      response.writeHead(503).end();
      return;
    }
    if (path.startsWith('/interaction/')) {
      interaction(request, response, current).catch(fail);
      return;
    }
    if (path === '/token' && request.headers['x-bypass-faults'] === undefined) {
      const port = (server.address() as AddressInfo).port;
      tokenWithFaults(request, response, port).catch(fail);
      return;
    }
    current.callback()(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  upstream.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return Object.assign(upstream, {
    async mount(clients: readonly { clientId: string; clientSecret: string; redirectUri: string }[]) {
      const { privateKey } = await generateKeyPair('RS256', { extractable: true });
      const jwk = { ...(await exportJWK(privateKey)), kid: 'upstream-key-1', alg: 'RS256', use: 'sig' };
      provider = new Provider(upstream.url, {
        clients: clients.map((client) => ({
          client_id: client.clientId,
          client_secret: client.clientSecret,
          redirect_uris: [client.redirectUri],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        })),
        jwks: { keys: [jwk] },
        cookies: { keys: ['upstream-test-cookie-key-0123456789'] },
        claims: {
          openid: ['sub'],
          profile: ['given_name', 'surname', 'birthdate'],
          email: ['email', 'email_verified'],
        },
        acrValues: ['urn:idgate:loa:2', 'urn:idgate:loa:3', 'urn:example:high'],
        features: { devInteractions: { enabled: false } },
        pkce: { required: () => true },
        async findAccount(_context, accountId) {
          const person = UPSTREAM_PEOPLE[accountId];
          if (person === undefined) return undefined;
          return { accountId, claims: async () => ({ sub: accountId, ...person }) };
        },
      });
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  }) as Upstream;
}
