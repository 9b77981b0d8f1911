/**
 * A strict eID as the upstream (SPEC 11), like the Finnish Trust Network's: a real
 * OpenID Provider (`oidc-provider`) on 127.0.0.1 that, when asked to, requires pushed
 * authorization requests and signed request objects for every client, and takes the
 * security profile each client is registered with (`private_key_jwt` against idgate's
 * `/rp/jwks.json`, encrypted ID tokens and userinfo, JARM …). It decrypts request objects
 * with an ECDH-ES key of its own (`use: enc`) and signs with RS256.
 *
 * The server listens first (its URL goes into idgate's configuration); the provider is
 * mounted once idgate's callback URLs and keys are known.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { UPSTREAM_PEOPLE } from './upstream.js';

/** What the strict upstream requires of every client. */
export interface StrictUpstreamOptions {
  /** `require_pushed_authorization_requests` (published in its discovery). */
  readonly requirePushedAuthorization: boolean;
  /** `require_signed_request_object`. */
  readonly requireSignedRequestObject: boolean;
}

/** The running strict upstream. */
export interface StrictUpstream {
  readonly url: string;
  /** Mounts the provider with these clients (oidc-provider client metadata). */
  mount(clients: readonly Record<string, unknown>[]): Promise<void>;
  /** Requests that reached the server, by path. */
  readonly hits: Map<string, number>;
  close(): Promise<void>;
}

/** A public key in JWK form with `kid`, `use` and `alg`, and its private key (a key idgate does not have). */
export async function foreignKey(alg: 'ES256' | 'ECDH-ES', kid: string) {
  const { publicKey, privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'ECDH-ES' ? { crv: 'P-256' } : {}),
  });
  const use = alg === 'ES256' ? 'sig' : 'enc';
  return {
    publicJwk: { ...(await exportJWK(publicKey)), kid, use, alg },
    privateJwk: { ...(await exportJWK(privateKey)), kid, use, alg },
  };
}

/** Starts the strict upstream's server (the provider is mounted later). */
export async function startStrictUpstream(options: StrictUpstreamOptions): Promise<StrictUpstream> {
  let provider: Provider | undefined;
  const hits = new Map<string, number>();

  async function interaction(request: IncomingMessage, response: ServerResponse, current: Provider): Promise<void> {
    const details = await current.interactionDetails(request, response);
    const accountId = 'anna-1';
    const grant = new current.Grant({ accountId, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    await current.interactionFinished(
      request,
      response,
      { login: { accountId, acr: 'urn:idgate:loa:3' }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  }

  const server: Server = createServer(function handle(request, response) {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const current = provider;
    if (current === undefined) {
      response.writeHead(503).end();
      return;
    }
    if (path.startsWith('/interaction/')) {
      interaction(request, response, current).catch(function fail(error: unknown) {
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(String(error));
      });
      return;
    }
    current.callback()(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    hits,
    async mount(clients) {
      const { privateKey } = await generateKeyPair('RS256', { extractable: true });
      const signing = { ...(await exportJWK(privateKey)), kid: 'strict-sig-1', alg: 'RS256', use: 'sig' };
      const encryption = (await foreignKey('ECDH-ES', 'strict-enc-1')).privateJwk;
      provider = new Provider(url, {
        clients,
        jwks: { keys: [signing, encryption] },
        cookies: { keys: ['strict-upstream-cookie-key-0123456789'] },
        claims: {
          openid: ['sub'],
          profile: ['given_name', 'surname', 'birthdate'],
          email: ['email', 'email_verified'],
        },
        acrValues: ['urn:idgate:loa:2', 'urn:idgate:loa:3'],
        features: {
          devInteractions: { enabled: false },
          pushedAuthorizationRequests: {
            enabled: true,
            requirePushedAuthorizationRequests: options.requirePushedAuthorization,
          },
          requestObjects: { enabled: true, requireSignedRequestObject: options.requireSignedRequestObject },
          encryption: { enabled: true },
          jwtResponseModes: { enabled: true },
          jwtUserinfo: { enabled: true },
        },
        pkce: { required: () => true },
        // oidc-provider refuses to fetch from special-use addresses (SSRF protection);
        // idgate's /rp/jwks.json is on 127.0.0.1 here, so this test upstream fetches without it.
        fetch: function fetchWithoutSsrfGuard(target, init) {
          const { dispatcher: _guard, ...rest } = init as RequestInit & { dispatcher?: unknown };
          return globalThis.fetch(target, rest);
        },
        async findAccount(_context, accountId) {
          const person = UPSTREAM_PEOPLE[accountId];
          if (person === undefined) return undefined;
          return { accountId, claims: async () => ({ sub: accountId, ...person }) };
        },
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
