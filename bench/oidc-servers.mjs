/**
 * Server children of `bench/oidc.mjs` (not run by hand). One process, one server:
 *
 *   node bench/oidc-servers.mjs idgate <log-level> [off|on]
 *                                                     idgate on a fresh, migrated SQLite file,
 *                                                     with the bench's apps; rate limits off
 *                                                     (default) or on at a quota never reached
 *   node bench/oidc-servers.mjs oidc-provider         oidc-provider 9 (npm), one confidential
 *                                                     client_credentials client, opaque tokens
 *   node bench/oidc-servers.mjs bare '<routes JSON>'  a bare Fastify 5 app, one route per
 *                                                     `{ path, bytes, contentType, method?,
 *                                                     status?, headers? }` (GET 200 by default;
 *                                                     a POST route parses a form body only)
 *
 * Listens on 127.0.0.1 port 0, reports `{ ready, port, ... }` to the parent over IPC (with
 * the credentials the parent needs), and exits on SIGTERM/SIGINT or when the parent goes
 * away (IPC disconnect).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseForm } from 'node:querystring';
import { pathToFileURL } from 'node:url';
import Fastify from 'fastify';

/** The redirect URI of the code-flow apps (never fetched: the bench reads `Location`). */
export const REDIRECT_URI = 'http://127.0.0.1:9/bench/callback';

/** The scopes the client_credentials clients ask for, on both servers. */
export const REST_SCOPE = 'verifications providers';

/** idgate with rate limits off: 0 disables a policy. */
export const IDGATE_BENCH_ENV = Object.freeze({
  IDGATE_RATE_LIMIT_TOKEN_CLIENT: '0',
  IDGATE_RATE_LIMIT_TOKEN_IP: '0',
  IDGATE_RATE_LIMIT_REST: '0',
  IDGATE_RATE_LIMIT_AUTH_FAILURES_IP: '0',
  IDGATE_RATE_LIMIT_AUTH_FAILURES_CLIENT: '0',
});

/**
 * idgate with every rate limit on, at the highest quota the configuration takes (a
 * million a minute): each request is counted as in production, none is refused during a
 * run, so the difference to {@link IDGATE_BENCH_ENV} is what counting costs.
 */
export const IDGATE_BENCH_LIMITED_ENV = Object.freeze(
  Object.fromEntries(Object.keys(IDGATE_BENCH_ENV).map((name) => [name, '1000000'])),
);

const [kind, ...args] = process.argv.slice(2);

let close = async () => {};
let closing = false;
async function shutdown(code = 0) {
  if (closing) return;
  closing = true;
  try {
    await close();
  } finally {
    process.exit(code);
  }
}

function report(message) {
  if (process.send) process.send(message);
  else process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** A client secret in the shape idgate issues (`test_` + 43 base62 characters). */
function benchSecret() {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let secret = 'test_';
  for (const byte of randomBytes(43)) secret += alphabet[byte % 62];
  return secret;
}

async function startIdgate(logLevel, rateLimits = 'off') {
  const limits = rateLimits === 'on' ? IDGATE_BENCH_LIMITED_ENV : IDGATE_BENCH_ENV;
  // IDGATE_BENCH_DIST: another build of the server (to compare two commits in the same conditions).
  const dist = process.env.IDGATE_BENCH_DIST
    ? pathToFileURL(`${path.resolve(process.env.IDGATE_BENCH_DIST)}/`)
    : new URL('../packages/server/dist/', import.meta.url);
  const { buildApp } = await import(new URL('app.js', dist).href);
  const { loadConfig } = await import(new URL('config/config.js', dist).href);
  const { openDatabase } = await import(new URL('store/database.js', dist).href);
  const { migrate } = await import(new URL('store/migrate.js', dist).href);

  const dir = mkdtempSync(path.join(tmpdir(), 'idgate-bench-oidc-'));
  close = async () => rmSync(dir, { recursive: true, force: true });
  const env = {
    PORT: '0',
    HOST: '127.0.0.1',
    IDGATE_ISSUER: 'http://localhost:3000',
    IDGATE_ENV: 'sandbox',
    IDGATE_DATA_DIR: dir,
    IDGATE_LOG_LEVEL: logLevel,
    ...limits,
  };
  // Also in this process's environment, for any part that reads process.env directly.
  Object.assign(process.env, limits);
  const config = loadConfig(env);
  const database = await openDatabase({ kind: 'sqlite', file: path.join(dir, 'idgate.sqlite') });
  await migrate(database);
  const app = buildApp(config, {
    database,
    adminKey: 'bench-admin-key-0123456789abcdefghijklmnop',
    secretKey: 'bench-secret-key-0123456789abcdefghijklmno',
    // Keep stdout free; anything logged at the chosen level goes to stderr.
    logStream: process.stderr,
  });
  close = async () => {
    await app.close().catch(() => {});
    await database.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  await app.listen({ host: '127.0.0.1', port: 0 });

  // The bench's apps, created through the built code as the admin API would.
  const apps = app.idgate.apps;
  const credentials = (created) => ({ clientId: created.app.clientId, clientSecret: created.clientSecret });
  const restClient = await apps.create({
    name: 'bench client_credentials',
    type: 'confidential',
    redirectUris: [REDIRECT_URI],
    grantTypes: ['client_credentials'],
    scopes: REST_SCOPE.split(' '),
    tokenEndpointAuthMethods: ['client_secret_basic'],
  });
  const flowApp = (alg) =>
    apps.create({
      name: `bench code flow ${alg}`,
      type: 'confidential',
      redirectUris: [REDIRECT_URI],
      grantTypes: ['authorization_code'],
      scopes: ['openid'],
      tokenEndpointAuthMethods: ['client_secret_basic'],
      idTokenSignedResponseAlg: alg,
    });
  const es256 = await flowApp('ES256');
  const rs256 = await flowApp('RS256');
  // FAPI 2.0 (SPEC 12): a private_key_jwt client (its ES256 key handed to the bench, which
  // signs the assertions) and a secret client whose tokens must be DPoP-bound.
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = 'bench-pkjwt';
  // A build without FAPI (IDGATE_BENCH_DIST of an older commit) refuses these apps: the
  // FAPI targets are then skipped.
  const fapiApp = (body) => apps.create(body).catch(() => undefined);
  const pkjwtClient = await fapiApp({
    name: 'bench client_credentials private_key_jwt',
    type: 'confidential',
    redirectUris: [REDIRECT_URI],
    grantTypes: ['client_credentials'],
    scopes: REST_SCOPE.split(' '),
    tokenEndpointAuthMethods: ['private_key_jwt'],
    jwks: { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }] },
  });
  const dpopClient = await fapiApp({
    name: 'bench client_credentials DPoP',
    type: 'confidential',
    redirectUris: [REDIRECT_URI],
    grantTypes: ['client_credentials'],
    scopes: REST_SCOPE.split(' '),
    tokenEndpointAuthMethods: ['client_secret_basic'],
    dpopBoundAccessTokens: true,
  });
  return {
    port: app.server.address().port,
    issuer: config.issuer,
    clients: {
      rest: credentials(restClient),
      flowES256: credentials(es256),
      flowRS256: credentials(rs256),
      ...(pkjwtClient
        ? { pkjwt: { clientId: pkjwtClient.app.clientId, kid, privateJwk: privateKey.export({ format: 'jwk' }) } }
        : {}),
      ...(dpopClient ? { dpop: credentials(dpopClient) } : {}),
    },
  };
}

async function startOidcProvider() {
  const { default: Provider } = await import('oidc-provider');
  const client = { clientId: 'bench-client-credentials', clientSecret: benchSecret() };
  // One RS256 signing key of our own (oidc-provider would otherwise generate a dev key and
  // warn); it is not used by client_credentials with opaque tokens.
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const provider = new Provider('http://localhost:3001', {
    clients: [
      {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: REST_SCOPE,
      },
    ],
    scopes: ['openid', 'offline_access', ...REST_SCOPE.split(' ')],
    // idgate's access-token lifetime (600 s); set explicitly, which also keeps
    // oidc-provider from printing a notice on the first token.
    ttl: { ClientCredentials: 600, AccessToken: 600 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // A client learns about its own tokens only (as idgate's /introspect).
      introspection: {
        enabled: true,
        allowedPolicy: async function ownTokensOnly(_ctx, client, token) {
          return token.clientId === client.clientId;
        },
      },
      revocation: { enabled: true },
    },
    // The default: client_credentials tokens are opaque (no resource indicator → no JWT).
    jwks: { keys: [{ ...jwk, kid: 'bench-rs256', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
  });
  const server = createServer(provider.callback());
  close = async () => {
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
  };
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { version } = (await import('oidc-provider/package.json', { with: { type: 'json' } })).default;
  return {
    port: server.address().port,
    clients: { rest: client },
    paths: { token: provider.pathFor('token'), introspect: provider.pathFor('introspection') },
    version,
  };
}

/**
 * A bare Fastify app: per route spec `{ path, bytes, contentType, method = 'GET',
 * status = 200, headers = {} }`, a route that does nothing but answer `status` with the
 * given headers and a padded JSON body of exactly `bytes` bytes and `contentType`. A POST
 * route's form body (`application/x-www-form-urlencoded`) is parsed with
 * `node:querystring` before the handler runs, as any form endpoint's would be; nothing
 * else is done with it.
 */
async function startBare(routesJson) {
  const routes = JSON.parse(routesJson);
  const app = Fastify({ logger: false });
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    function formBody(_request, body, done) {
      done(null, parseForm(body));
    },
  );
  for (const route of routes) {
    // A JSON object whose serialization is exactly `bytes` long, serialized per request,
    // sent as a Buffer with exactly the given content type (for a string or an object
    // Fastify would append `; charset=utf-8`).
    const base = { issuer: 'http://localhost:3000', pad: '' };
    const padding = route.bytes - Buffer.byteLength(JSON.stringify(base));
    if (padding < 0) throw new Error(`cannot pad a body to ${route.bytes} bytes`);
    const body = { ...base, pad: 'x'.repeat(padding) };
    const status = route.status ?? 200;
    const headers = route.headers ?? {};
    app.route({
      method: route.method ?? 'GET',
      url: route.path,
      handler: function bare(_request, reply) {
        return reply
          .code(status)
          .headers(headers)
          .type(route.contentType)
          .send(Buffer.from(JSON.stringify(body)));
      },
    });
  }
  close = async () => {
    await app.close().catch(() => {});
  };
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { port: app.server.address().port };
}

// Only when run as a child (this module also exports the constants above to the parent).
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.on('SIGTERM', () => shutdown(0));
  process.on('SIGINT', () => shutdown(0));
  process.on('disconnect', () => shutdown(0));
  try {
    let started;
    if (kind === 'idgate') started = await startIdgate(args[0] ?? 'warn', args[1]);
    else if (kind === 'oidc-provider') started = await startOidcProvider();
    else if (kind === 'bare') started = await startBare(args[0] ?? '[]');
    else throw new Error(`unknown server kind '${kind}' (idgate | oidc-provider | bare)`);
    report({ ready: true, kind, pid: process.pid, ...started });
  } catch (error) {
    process.stderr.write(`bench server ${kind}: ${error?.stack ?? error}\n`);
    report({ ready: false, kind, error: String(error?.message ?? error) });
    await shutdown(1);
  }
}
