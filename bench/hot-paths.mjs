/**
 * In-process micro-benchmark of the OpenID Provider's hot paths: the built server
 * (`packages/server/dist`, or `--dist DIR`) on a fresh SQLite file, driven with
 * `app.inject` one request at a time (no sockets, no load generator), so two builds can
 * be compared on a busy machine. Prints the process's CPU time (user + system) per request,
 * median and minimum of the rounds, which other processes disturb much less than the wall
 * time printed beside it, for:
 *
 *   token          POST /token client_credentials, client_secret_basic
 *   invalid-secret the same with a wrong secret (401)
 *   introspect     POST /introspect of a valid access token
 *   discovery      GET /.well-known/openid-configuration
 *   jwks           GET /jwks
 *   flow           GET /authorize (headless mock-redirect) → POST /token → GET /userinfo, ES256
 *   start-provider the service calls behind a hosted page's provider start: createAuthorization,
 *                  then startProvider (mock-redirect, a test identity), no HTTP
 *
 *   node bench/hot-paths.mjs [--dist DIR] [--iterations 4000] [--rounds 5] [--only token,flow]
 *                            [--rate-limits off|on]
 *
 * `--rate-limits on` turns every limit on at a quota no run reaches (each request is
 * counted, none refused), to see what counting costs per request.
 *
 * Figures, not tests: compare two builds run back to back in the same conditions.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({
  options: {
    dist: { type: 'string', default: new URL('../packages/server/dist/', import.meta.url).pathname },
    iterations: { type: 'string', default: '4000' },
    rounds: { type: 'string', default: '5' },
    only: { type: 'string' },
    'rate-limits': { type: 'string', default: 'off' },
  },
});
const iterations = Number(options.iterations);
const rounds = Number(options.rounds);
const only = options.only?.split(',');
const dist = path.resolve(options.dist);
const REDIRECT_URI = 'http://127.0.0.1:9/bench/callback';

const load = (file) => import(path.join(dist, file));
const { buildApp } = await load('app.js');
const { loadConfig } = await load('config/config.js');
const { openDatabase } = await load('store/database.js');
const { migrate } = await load('store/migrate.js');

const dir = mkdtempSync(path.join(tmpdir(), 'idgate-hot-paths-'));
const env = {
  IDGATE_ISSUER: 'http://localhost:3000',
  IDGATE_ENV: 'sandbox',
  IDGATE_DATA_DIR: dir,
  IDGATE_LOG_LEVEL: 'warn',
  IDGATE_RATE_LIMIT_TOKEN_CLIENT: '0',
  IDGATE_RATE_LIMIT_TOKEN_IP: '0',
  IDGATE_RATE_LIMIT_REST: '0',
  IDGATE_RATE_LIMIT_AUTH_FAILURES_IP: '0',
  IDGATE_RATE_LIMIT_AUTH_FAILURES_CLIENT: '0',
};
if (!['off', 'on'].includes(options['rate-limits'])) throw new RangeError('--rate-limits must be off or on');
if (options['rate-limits'] === 'on') {
  for (const name of Object.keys(env)) if (name.startsWith('IDGATE_RATE_LIMIT_')) env[name] = '1000000';
}
Object.assign(process.env, env);
const database = await openDatabase({ kind: 'sqlite', file: path.join(dir, 'idgate.sqlite') });
await migrate(database);
const app = buildApp(loadConfig(env), {
  database,
  adminKey: 'bench-admin-key-0123456789abcdefghijklmnop',
  secretKey: 'bench-secret-key-0123456789abcdefghijklmno',
  logStream: process.stderr,
});
await app.ready();

const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const FORM = 'application/x-www-form-urlencoded';
const rest = await app.idgate.apps.create({
  name: 'bench client_credentials',
  type: 'confidential',
  redirectUris: [REDIRECT_URI],
  grantTypes: ['client_credentials'],
  scopes: ['verifications', 'providers'],
  tokenEndpointAuthMethods: ['client_secret_basic'],
});
const flowApp = await app.idgate.apps.create({
  name: 'bench code flow',
  type: 'confidential',
  redirectUris: [REDIRECT_URI],
  grantTypes: ['authorization_code'],
  scopes: ['openid'],
  tokenEndpointAuthMethods: ['client_secret_basic'],
  idTokenSignedResponseAlg: 'ES256',
});
const restAuth = basic(rest.app.clientId, rest.clientSecret);
const wrongAuth = basic(rest.app.clientId, `${rest.clientSecret.slice(0, -4)}AAAA`);
const tokenRequest = (authorization) => ({
  method: 'POST',
  url: '/token',
  headers: { authorization, 'content-type': FORM },
  payload: 'grant_type=client_credentials&scope=verifications+providers',
});
const issued = await app.inject(tokenRequest(restAuth));
const accessToken = issued.json().access_token;

function expect(response, status, what) {
  if (response.statusCode !== status) {
    throw new Error(`${what}: status ${response.statusCode}, expected ${status}: ${response.body.slice(0, 300)}`);
  }
  return response;
}

async function flow() {
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: flowApp.app.clientId,
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    state: randomBytes(12).toString('base64url'),
    nonce: randomBytes(12).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    provider_hint: 'mock-redirect',
    login_hint: 'success',
  });
  let url = `/authorize?${query}`;
  let location;
  for (let hop = 0; hop < 5; hop++) {
    const response = await app.inject({ method: 'GET', url });
    if (response.statusCode !== 302 && response.statusCode !== 303) expect(response, 302, 'authorize');
    location = new URL(response.headers.location, 'http://localhost:3000');
    if (location.href.startsWith(REDIRECT_URI)) break;
    url = location.pathname + location.search;
  }
  const code = location.searchParams.get('code');
  if (!code) throw new Error(`authorize: no code in ${location}`);
  const tokens = expect(
    await app.inject({
      method: 'POST',
      url: '/token',
      headers: { authorization: basic(flowApp.app.clientId, flowApp.clientSecret), 'content-type': FORM },
      payload: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
      }).toString(),
    }),
    200,
    'token',
  ).json();
  expect(
    await app.inject({ method: 'GET', url: '/userinfo', headers: { authorization: `Bearer ${tokens.access_token}` } }),
    200,
    'userinfo',
  );
}

const targets = {
  token: async () => expect(await app.inject(tokenRequest(restAuth)), 200, 'token'),
  'invalid-secret': async () => expect(await app.inject(tokenRequest(wrongAuth)), 401, 'invalid-secret'),
  introspect: async () =>
    expect(
      await app.inject({
        method: 'POST',
        url: '/introspect',
        headers: { authorization: restAuth, 'content-type': FORM },
        payload: `token=${accessToken}`,
      }),
      200,
      'introspect',
    ),
  discovery: async () =>
    expect(await app.inject({ method: 'GET', url: '/.well-known/openid-configuration' }), 200, 'discovery'),
  jwks: async () => expect(await app.inject({ method: 'GET', url: '/jwks' }), 200, 'jwks'),
  flow,
  'start-provider': async () => {
    // The service calls behind a hosted page's provider start (not the headless path):
    // create the transaction, then start mock-redirect with a test identity.
    const client = await app.idgate.apps.getCached(flowApp.app.clientId);
    const transaction = await app.idgate.verifications.createAuthorization(client, {
      responseType: 'code',
      redirectUri: REDIRECT_URI,
      scope: ['openid'],
      state: 'bench',
    });
    const started = await app.idgate.verifications.startProvider(transaction.id, 'mock-redirect', {
      loginHint: 'success',
    });
    if (started.status !== 'completed') throw new Error(`start-provider: ${started.status}`);
  },
};

const results = {};
for (const [name, run] of Object.entries(targets)) {
  if (only && !only.includes(name)) continue;
  // The flow is about twenty times the work of one request.
  const count = name === 'flow' || name === 'start-provider' ? Math.max(1, Math.round(iterations / 10)) : iterations;
  for (let i = 0; i < Math.min(count, 500); i++) await run(); // warm-up
  const cpu = [];
  const wall = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    const startCpu = process.cpuUsage();
    for (let i = 0; i < count; i++) await run();
    const used = process.cpuUsage(startCpu);
    wall.push(Number(process.hrtime.bigint() - start) / 1000 / count);
    cpu.push((used.user + used.system) / count);
  }
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  results[name] = { cpuMedian: median(cpu), cpuMin: cpu[0], wallMedian: median(wall) };
  const fmt = (value) => value.toFixed(1).padStart(7);
  console.log(
    `${name.padEnd(15)} µs/${name === 'flow' ? 'flow' : name === 'start-provider' ? 'call' : 'req '}  CPU median ${fmt(results[name].cpuMedian)}  min ${fmt(results[name].cpuMin)}   wall median ${fmt(results[name].wallMedian)}`,
  );
}

await app.close();
await database.close();
rmSync(dir, { recursive: true, force: true });
