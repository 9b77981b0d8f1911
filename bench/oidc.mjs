#!/usr/bin/env node
/**
 * idgate's OpenID Provider endpoints beside oidc-provider and a bare Fastify route, and
 * the headless code flow on SQLite (see bench/README.md).
 *
 *   node bench/oidc.mjs [--duration 8] [--warmup 2] [--connections 50] [--pipelining 1]
 *                       [--rounds 2] [--flow-workers 50] [--flow-client http|fetch]
 *                       [--only token,invalid-secret,introspect,discovery,jwks,flow-es256,flow-rs256]
 *                       [--server idgate|oidc-provider] [--check] [--no-ceiling] [--log-level warn]
 *                       [--cpu-prof DIR] [--idgate-node-arg=... ...] [--out bench/results/oidc.json]
 *
 * Needs the built server (`npm run build`; `npm run bench:oidc` does both). Starts idgate,
 * oidc-provider and a bare Fastify app in child processes (bench/oidc-servers.mjs); beside
 * each POST target the bare app has a POST route that parses the same form and answers
 * idgate's status, headers and body size: the ceiling a Fastify server reaches here. Checks
 * that every target answers as expected (a target that does not is skipped and reported),
 * then loads the targets one after another with autocannon on 127.0.0.1 and runs the code
 * flow with its own loop of concurrent workers. Prints a table and the goals, writes the
 * figures as JSON. The children are killed by PID at the end, also on failure. A figure,
 * not a test: the exit code is 0 whether or not a goal is met (1 when the benchmark could
 * not run or had to skip a target).
 */
import { fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
} from 'jose';
import { REDIRECT_URI, REST_SCOPE } from './oidc-servers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The goals of the issue. */
const GOALS = Object.freeze({ throughput: 3, p99: 0.5, bare: 0.9, flowsPerSec: 1000 });
const GROUPS = [
  'token',
  'token-pkjwt',
  'token-dpop',
  'invalid-secret',
  'introspect',
  'discovery',
  'jwks',
  'flow-es256',
  'flow-rs256',
];

/**
 * The FAPI token groups (SPEC 12), idgate only, compared with idgate's own `token` group
 * (client_secret_basic) of the same run: a `private_key_jwt` assertion, and a secret
 * client with a DPoP proof. Every request needs a new assertion or proof (their `jti`s are
 * single use), so each load gets a pool signed beforehand with jose, at most
 * {@link FRESH_PER_SECOND} a second of the load.
 */
const FAPI_GROUPS = ['token-pkjwt', 'token-dpop'];

/** Signed requests prepared per second of a FAPI load (more than the machine serves). */
const FRESH_PER_SECOND = 4000;

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    pipelining: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '2' },
    'flow-workers': { type: 'string' },
    'flow-client': { type: 'string', default: 'http' },
    'login-hint': { type: 'string', default: 'success' },
    only: { type: 'string', default: GROUPS.join(',') },
    server: { type: 'string' },
    check: { type: 'boolean', default: false },
    'no-ceiling': { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'warn' },
    'cpu-prof': { type: 'string' },
    'idgate-node-arg': { type: 'string', multiple: true, default: [] },
    out: { type: 'string', default: path.join(here, 'results', 'oidc.json') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  process.stdout.write(
    'usage: node bench/oidc.mjs [--duration s] [--warmup s] [--connections n] [--pipelining n] [--rounds n]\n' +
      '                           [--flow-workers n] [--flow-client http|fetch] [--login-hint hint]\n' +
      `                           [--only ${GROUPS.join(',')}]\n` +
      '                           [--server idgate|oidc-provider] [--check] [--no-ceiling]\n' +
      '                           [--log-level warn|silent|...]\n' +
      '                           [--cpu-prof DIR] [--idgate-node-arg=<node flag> ...] [--out FILE]\n',
  );
  process.exit(0);
}

function positiveInteger(name, min = 1, fallback = undefined) {
  const value = Number(flags[name] ?? fallback);
  if (!Number.isInteger(value) || value < min) throw new RangeError(`--${name} must be an integer >= ${min}`);
  return value;
}
const only = flags.only.split(',').map((group) => group.trim());
for (const group of only) {
  if (!GROUPS.includes(group)) throw new RangeError(`--only: unknown group '${group}' (${GROUPS.join(', ')})`);
}
if (flags.server !== undefined && !['idgate', 'oidc-provider'].includes(flags.server)) {
  throw new RangeError('--server must be idgate or oidc-provider');
}
if (!['http', 'fetch'].includes(flags['flow-client'])) throw new RangeError('--flow-client must be http or fetch');
const settings = {
  duration: positiveInteger('duration'),
  warmup: positiveInteger('warmup', 0),
  connections: positiveInteger('connections'),
  pipelining: positiveInteger('pipelining'),
  rounds: positiveInteger('rounds'),
  flowWorkers: positiveInteger('flow-workers', 1, flags.connections),
  flowClient: flags['flow-client'],
  loginHint: flags['login-hint'],
  only,
  server: flags.server ?? 'all',
  ceiling: !flags['no-ceiling'],
  logLevel: flags['log-level'],
  idgateNodeArgs: flags['idgate-node-arg'],
};

// ---------------------------------------------------------------------------------------
// Child processes

/** Children started by this run, killed by PID at the end. */
const children = new Set();

function startServer(args, { cpuProfDir, nodeArgs = [] } = {}) {
  const execArgv = [...nodeArgs, ...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(cpuProfDir)}`] : [])];
  const child = fork(path.join(here, 'oidc-servers.mjs'), args, {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server ${args[0]} did not start within 30 s`)), 30_000);
    child.once('message', (message) => {
      clearTimeout(timer);
      if (message?.ready) resolve({ ...message, child });
      else reject(new Error(`server ${args[0]} failed: ${message?.error ?? 'unknown error'}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server ${args[0]} exited early (code ${code}, signal ${signal})`));
    });
  });
}

/** Stops one child by PID: SIGTERM (lets --cpu-prof write its profile), SIGKILL after 5 s. */
function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {}
    }, 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {
      clearTimeout(force);
      resolve();
    }
  });
}

async function stopAll() {
  await Promise.all([...children].map(stopChild));
}

// Last-resort cleanup: synchronous kill by PID if the parent dies some other way.
process.on('exit', () => {
  for (const child of children) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {}
  }
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopAll().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------
// HTTP helpers (checks and the flow loop)

const FORM = 'application/x-www-form-urlencoded';

function basic(clientId, clientSecret) {
  // RFC 6749 §2.3.1: id and secret are form-urlencoded before base64.
  const encode = (value) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

function form(fields) {
  return new URLSearchParams(fields).toString();
}

/** A small HTTP client over a keep-alive agent (`http`) or the global `fetch`. */
function httpClient(kind, maxSockets) {
  if (kind === 'fetch') {
    return {
      async request(method, url, headers = {}, body = undefined) {
        const response = await fetch(url, { method, headers, body, redirect: 'manual' });
        return { status: response.status, headers: response.headers, body: await response.text() };
      },
      close() {},
    };
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  return {
    request(method, url, headers = {}, body = undefined) {
      return new Promise((resolve, reject) => {
        const outgoing = body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) };
        const request = http.request(url, { method, headers: outgoing, agent }, (response) => {
          const chunks = [];
          response.setEncoding('utf8');
          response.on('data', (chunk) => chunks.push(chunk));
          response.on('end', () => {
            const raw = response.headers;
            resolve({
              status: response.statusCode,
              headers: { get: (name) => (Array.isArray(raw[name]) ? raw[name].join(', ') : (raw[name] ?? null)) },
              body: chunks.join(''),
            });
          });
          response.on('error', reject);
        });
        request.on('error', reject);
        request.end(body);
      });
    },
    close() {
      agent.destroy();
    },
  };
}

/** For the checks: a plain client. */
const checker = httpClient('fetch', 4);

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function snippet(text) {
  return String(text).replace(/\s+/g, ' ').slice(0, 300);
}

// ---------------------------------------------------------------------------------------
// Targets loaded with autocannon

/** The POST groups, compared with oidc-provider, each with a bare ceiling route. */
const POST_GROUPS = ['token', 'invalid-secret', 'introspect'];

/**
 * The request of a POST group to one server: `{ path, headers, body }`. The bare ceiling
 * route of the group receives idgate's request (headers and form body) unchanged.
 */
function postRequest(group, side, token = undefined) {
  const { clientId, clientSecret } = side.clients.rest;
  const tokenPath = side.paths?.token ?? '/token';
  const headers = (secret) => ({ authorization: basic(clientId, secret), 'content-type': FORM });
  const tokenBody = form({ grant_type: 'client_credentials', scope: REST_SCOPE });
  if (group === 'token') return { path: tokenPath, headers: headers(clientSecret), body: tokenBody };
  if (group === 'invalid-secret') {
    return { path: tokenPath, headers: headers(`${clientSecret.slice(0, -4)}XXXX`), body: tokenBody };
  }
  return { path: side.paths?.introspect ?? '/introspect', headers: headers(clientSecret), body: form({ token }) };
}

/** What a POST group's targets are called after the path, their status and their check. */
const POST_TARGETS = {
  token: {
    suffix: 'client_credentials',
    status: 200,
    check: (response, json) =>
      typeof json?.access_token !== 'string'
        ? 'no access_token'
        : json.token_type?.toLowerCase() !== 'bearer'
          ? `token_type ${json.token_type}`
          : json.access_token.split('.').length === 3
            ? 'the access token is a JWT, expected an opaque token'
            : (response.headers.get('cache-control') ?? '').includes('no-store')
              ? undefined
              : 'no Cache-Control: no-store',
  },
  'invalid-secret': {
    suffix: 'wrong secret',
    status: 401,
    check: (response, json) =>
      json?.error !== 'invalid_client'
        ? `error ${json?.error}`
        : /^Basic /.test(response.headers.get('www-authenticate') ?? '')
          ? undefined
          : 'no WWW-Authenticate: Basic',
  },
  introspect: {
    suffix: '(active token)',
    status: 200,
    check: (_response, json, clientId) =>
      json?.active !== true
        ? `active ${json?.active}`
        : json.client_id !== clientId
          ? `client_id ${json.client_id}`
          : undefined,
  },
};

/**
 * The autocannon targets of the selected groups. Each: `group`, `server`, `name`,
 * `request` (url, method, headers, body), `status`, `check(response, json)` returning a
 * problem or undefined. `reference: true` marks the side idgate is compared with;
 * `ceiling: true` the bare POST route beside a POST group's pair.
 */
function autocannonTargets({ idgate, provider, bare, introspected, fapi }) {
  const targets = [];
  const want = (group) => settings.only.includes(group);
  // Group by group, the reference first, then the bare ceiling route (if any), then
  // idgate, so that each group runs back to back.
  const servers = [];
  if (provider) servers.push({ label: 'oidc-provider', base: `http://127.0.0.1:${provider.port}`, side: provider });
  if (idgate) servers.push({ label: 'idgate', base: `http://127.0.0.1:${idgate.port}`, side: idgate });

  for (const group of POST_GROUPS) {
    if (!want(group)) continue;
    const { suffix, status, check } = POST_TARGETS[group];
    for (const { label, base, side } of servers) {
      if (group === 'introspect' && !introspected?.[label]) continue;
      const request = postRequest(group, side, introspected?.[label]);
      const route = label === 'idgate' ? bare?.routes[group] : undefined;
      if (route) {
        targets.push({
          group,
          server: 'bare',
          reference: false,
          ceiling: true,
          name: `bare Fastify POST ${route.path} (form parse only)`,
          request: {
            url: `http://127.0.0.1:${bare.port}${route.path}`,
            method: 'POST',
            headers: request.headers,
            body: request.body,
          },
          status: route.status,
          check: (response) => {
            const wrong = Object.entries(route.headers).find(([name, value]) => response.headers.get(name) !== value);
            return wrong ? `${wrong[0]}: ${response.headers.get(wrong[0])}, expected ${wrong[1]}` : undefined;
          },
        });
      }
      targets.push({
        group,
        server: label,
        reference: label === 'oidc-provider',
        name: `${label} POST ${request.path} ${suffix}`,
        request: { url: `${base}${request.path}`, method: 'POST', headers: request.headers, body: request.body },
        status,
        check: (response, json) => check(response, json, side.clients.rest.clientId),
      });
    }
  }
  if (idgate && fapi) {
    for (const group of FAPI_GROUPS) {
      if (!want(group) || !fapi[group]) continue;
      const base = `http://127.0.0.1:${idgate.port}`;
      targets.push({
        group,
        server: 'idgate',
        reference: false,
        name: `idgate POST /token client_credentials ${group === 'token-pkjwt' ? 'private_key_jwt' : 'Basic + DPoP'}`,
        request: { url: `${base}/token`, method: 'POST', headers: {}, body: '' },
        fresh: fapi[group],
        status: 200,
        check: (_response, json) =>
          typeof json?.access_token !== 'string'
            ? 'no access_token'
            : json.token_type !== (group === 'token-dpop' ? 'DPoP' : 'Bearer')
              ? `token_type ${json.token_type}`
              : undefined,
      });
    }
  }
  if (idgate) {
    const base = `http://127.0.0.1:${idgate.port}`;
    const documents = [
      { group: 'discovery', path: '/.well-known/openid-configuration', barePath: '/bare/discovery' },
      { group: 'jwks', path: '/jwks', barePath: '/bare/jwks' },
    ];
    for (const document of documents) {
      if (!want(document.group) || !bare?.routes[document.group]) continue;
      targets.push({
        group: document.group,
        server: 'bare',
        reference: true,
        name: `bare Fastify GET ${document.barePath}`,
        request: { url: `http://127.0.0.1:${bare.port}${document.barePath}`, method: 'GET', headers: {} },
        status: 200,
        check: () => undefined,
      });
      targets.push({
        group: document.group,
        server: 'idgate',
        reference: false,
        name: `idgate GET ${document.path}`,
        request: { url: `${base}${document.path}`, method: 'GET', headers: {} },
        status: 200,
        check: () => undefined,
      });
    }
  }
  return targets;
}

/** One request: the status and the target's own check. */
async function verify(target) {
  const { url, method } = target.request;
  const { headers, body } = target.fresh ? (await target.fresh(1))[0] : target.request;
  const response = await checker.request(method, url, headers, body);
  const json = parseJson(response.body);
  const problems = [];
  if (response.status !== target.status) problems.push(`status ${response.status}, expected ${target.status}`);
  else {
    const problem = target.check(response, json);
    if (problem) problems.push(problem);
  }
  return {
    problem: problems.length ? `${problems.join('; ')}: ${snippet(response.body)}` : undefined,
    contentType: response.headers.get('content-type') ?? '',
    bodyBytes: Buffer.byteLength(response.body),
  };
}

async function load(target, duration) {
  if (!target.fresh) {
    return autocannon({
      url: target.request.url,
      method: target.request.method,
      headers: target.request.headers,
      body: target.request.body,
      connections: settings.connections,
      pipelining: settings.pipelining,
      duration,
      timeout: 10,
    });
  }
  // One new assertion or proof per request (single-use jtis), signed before the load.
  const pool = await target.fresh(Math.ceil(FRESH_PER_SECOND * duration));
  let next = 0;
  return autocannon({
    url: target.request.url,
    method: 'POST',
    connections: settings.connections,
    pipelining: settings.pipelining,
    duration,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        setupRequest: function freshRequest(request) {
          const prepared = pool[next++ % pool.length];
          return { ...request, headers: prepared.headers, body: prepared.body };
        },
      },
    ],
  });
}

/**
 * The request makers of the FAPI groups: `count` token requests, each with a new
 * `private_key_jwt` assertion (ES256, `aud` the issuer) or a new DPoP proof (ES256).
 */
async function fapiRequestMakers(idgate) {
  const makers = {};
  const tokenUrl = `${idgate.issuer}/token`;
  const seconds = () => Math.floor(Date.now() / 1000);
  const pkjwt = idgate.clients.pkjwt;
  if (pkjwt) {
    const key = await importJWK(pkjwt.privateJwk, 'ES256');
    makers['token-pkjwt'] = async function signedAssertions(count) {
      const prepared = [];
      for (let i = 0; i < count; i++) {
        const now = seconds();
        const assertion = await new SignJWT({ jti: base64url(randomBytes(16)) })
          .setProtectedHeader({ alg: 'ES256', kid: pkjwt.kid })
          .setIssuer(pkjwt.clientId)
          .setSubject(pkjwt.clientId)
          .setAudience(idgate.issuer)
          .setIssuedAt(now)
          .setExpirationTime(now + 120)
          .sign(key);
        prepared.push({
          headers: { 'content-type': FORM },
          body: form({
            grant_type: 'client_credentials',
            scope: REST_SCOPE,
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            client_assertion: assertion,
          }),
        });
      }
      return prepared;
    };
  }
  const dpop = idgate.clients.dpop;
  if (dpop) {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    const body = form({ grant_type: 'client_credentials', scope: REST_SCOPE });
    makers['token-dpop'] = async function signedProofs(count) {
      const prepared = [];
      for (let i = 0; i < count; i++) {
        const proof = await new SignJWT({ htm: 'POST', htu: tokenUrl, jti: base64url(randomBytes(16)), iat: seconds() })
          .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
          .sign(privateKey);
        prepared.push({
          headers: { authorization: basic(dpop.clientId, dpop.clientSecret), 'content-type': FORM, dpop: proof },
          body,
        });
      }
      return prepared;
    };
  }
  return makers;
}

// ---------------------------------------------------------------------------------------
// The headless code flow: authorize → token → userinfo

function base64url(bytes) {
  return Buffer.from(bytes).toString('base64url');
}

/** One flow; returns per-step milliseconds or throws with what went wrong. */
async function oneFlow(client, base, app, { full = false } = {}) {
  const verifier = base64url(randomBytes(32));
  const state = base64url(randomBytes(12));
  const nonce = base64url(randomBytes(12));
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: app.clientId,
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    provider_hint: 'mock-redirect',
    login_hint: settings.loginHint,
  });
  const t0 = performance.now();

  // Authorize: follows redirects on idgate's own origin (if the headless path takes any)
  // until one points at the app's redirect_uri.
  let location = `${base}/authorize?${query}`;
  let hops = 0;
  const cookies = new Map();
  for (;;) {
    const cookieHeader = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await client.request('GET', location, cookieHeader ? { cookie: cookieHeader } : {});
    for (const cookie of (response.headers.get('set-cookie') ?? '').split(/,(?=\s*[^;=\s]+=)/)) {
      const match = /^\s*([^=;\s]+)=([^;]*)/.exec(cookie);
      if (match) cookies.set(match[1], match[2]);
    }
    if (response.status !== 302 && response.status !== 303) {
      throw new Error(`authorize: status ${response.status}: ${snippet(response.body)}`);
    }
    const next = response.headers.get('location');
    if (!next) throw new Error('authorize: redirect without Location');
    location = new URL(next, location).href;
    if (location.startsWith(REDIRECT_URI)) break;
    if (!location.startsWith(base) || ++hops > 5) throw new Error(`authorize: unexpected redirect to ${location}`);
  }
  const callback = new URL(location).searchParams;
  if (callback.get('error')) {
    throw new Error(`authorize: error=${callback.get('error')} error_description=${callback.get('error_description')}`);
  }
  if (callback.get('state') !== state) throw new Error(`authorize: state ${callback.get('state')}, sent ${state}`);
  const code = callback.get('code');
  if (!code) throw new Error(`authorize: no code in ${location}`);
  const t1 = performance.now();

  const tokenResponse = await client.request(
    'POST',
    `${base}/token`,
    { authorization: basic(app.clientId, app.clientSecret), 'content-type': FORM },
    form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }),
  );
  const tokens = parseJson(tokenResponse.body);
  if (tokenResponse.status !== 200 || typeof tokens?.access_token !== 'string') {
    throw new Error(`token: status ${tokenResponse.status}: ${snippet(tokenResponse.body)}`);
  }
  if (typeof tokens.id_token !== 'string') throw new Error('token: no id_token');
  const t2 = performance.now();

  const userinfo = await client.request('GET', `${base}/userinfo`, { authorization: `Bearer ${tokens.access_token}` });
  const claims = parseJson(userinfo.body);
  if (userinfo.status !== 200 || typeof claims?.sub !== 'string') {
    throw new Error(`userinfo: status ${userinfo.status}: ${snippet(userinfo.body)}`);
  }
  const t3 = performance.now();
  return {
    total: t3 - t0,
    authorize: t1 - t0,
    token: t2 - t1,
    userinfo: t3 - t2,
    hops,
    ...(full ? { idToken: tokens.id_token, nonce, sub: claims.sub } : {}),
  };
}

/** One flow with every check, including the ID token's signature against /jwks. */
async function verifyFlow(base, app, alg) {
  const client = httpClient('fetch', 2);
  try {
    const flow = await oneFlow(client, base, app, { full: true });
    const header = decodeProtectedHeader(flow.idToken);
    if (header.alg !== alg) return { problem: `ID token alg ${header.alg}, expected ${alg}` };
    const jwks = parseJson((await client.request('GET', `${base}/jwks`)).body);
    if (!Array.isArray(jwks?.keys)) return { problem: '/jwks has no keys' };
    const { payload } = await jwtVerify(flow.idToken, createLocalJWKSet(jwks), {
      audience: app.clientId,
      algorithms: [alg],
    });
    if (payload.nonce !== flow.nonce) return { problem: `ID token nonce ${payload.nonce}` };
    if (payload.sub !== flow.sub)
      return { problem: `userinfo sub ${flow.sub} differs from the ID token's ${payload.sub}` };
    return { problem: undefined, hops: flow.hops, kid: header.kid };
  } catch (error) {
    return { problem: String(error?.message ?? error) };
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

/** Runs the flow with `settings.flowWorkers` concurrent workers for `seconds`. */
async function runFlows(base, app, seconds) {
  const client = httpClient(settings.flowClient, settings.flowWorkers);
  const samples = { total: [], authorize: [], token: [], userinfo: [] };
  const errors = new Map();
  let failed = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  async function worker() {
    while (performance.now() < deadline) {
      try {
        const flow = await oneFlow(client, base, app);
        for (const key of Object.keys(samples)) samples[key].push(flow[key]);
      } catch (error) {
        failed++;
        const message = String(error?.message ?? error).slice(0, 200);
        errors.set(message, (errors.get(message) ?? 0) + 1);
      }
    }
  }
  await Promise.all(Array.from({ length: settings.flowWorkers }, worker));
  const elapsed = (performance.now() - started) / 1000;
  client.close();
  const stats = {};
  for (const [key, values] of Object.entries(samples)) {
    const sorted = Float64Array.from(values).sort();
    stats[key] = {
      p50: round(percentile(sorted, 50), 2),
      p99: round(percentile(sorted, 99), 2),
      mean: round(values.reduce((a, b) => a + b, 0) / (values.length || 1), 2),
    };
  }
  return {
    flows: samples.total.length,
    failed,
    elapsedSeconds: round(elapsed, 3),
    flowsPerSec: samples.total.length / elapsed,
    latencyMs: stats,
    errors: [...errors].map(([message, count]) => ({ message, count })),
  };
}

function round(value, digits) {
  return value === null || value === undefined ? null : Number(value.toFixed(digits));
}

// ---------------------------------------------------------------------------------------
// Run

function pad(value, width, right = false) {
  const text = String(value);
  return right ? text.padStart(width) : text.padEnd(width);
}

const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
const sum = (values) => values.reduce((a, b) => a + b, 0);

async function main() {
  const started = Date.now();
  const loadBefore = loadavg();
  const wantIdgate = settings.server !== 'oidc-provider';
  const wantProvider =
    settings.server !== 'idgate' && settings.only.some((g) => ['token', 'invalid-secret', 'introspect'].includes(g));
  const skipped = [];

  // Servers, one child each.
  let idgate;
  if (wantIdgate) {
    try {
      idgate = await startServer(['idgate', settings.logLevel], {
        cpuProfDir: flags['cpu-prof'],
        nodeArgs: settings.idgateNodeArgs,
      });
    } catch (error) {
      skipped.push({ target: 'idgate (every target)', reason: String(error.message) });
    }
  }
  const provider = wantProvider ? await startServer(['oidc-provider']) : undefined;
  const idgateBase = idgate ? `http://127.0.0.1:${idgate.port}` : undefined;

  // The bare app's bodies are the size and media type of idgate's documents.
  const bareRoutes = [];
  const documents = {};
  if (idgate) {
    for (const [group, documentPath, barePath] of [
      ['discovery', '/.well-known/openid-configuration', '/bare/discovery'],
      ['jwks', '/jwks', '/bare/jwks'],
    ]) {
      if (!settings.only.includes(group)) continue;
      const response = await checker.request('GET', `${idgateBase}${documentPath}`);
      const json = parseJson(response.body);
      const contentType = response.headers.get('content-type') ?? '';
      const problem =
        response.status !== 200
          ? `status ${response.status}`
          : !contentType.includes('json')
            ? `content-type '${contentType}'`
            : group === 'discovery' && json?.issuer === undefined
              ? 'no issuer in the document'
              : group === 'jwks' && !(Array.isArray(json?.keys) && json.keys.length > 0)
                ? 'no keys'
                : undefined;
      if (problem) {
        skipped.push({ target: `idgate GET ${documentPath}`, reason: `${problem}: ${snippet(response.body)}` });
        continue;
      }
      const bytes = Buffer.byteLength(response.body);
      documents[group] = {
        path: documentPath,
        bytes,
        contentType,
        cacheControl: response.headers.get('cache-control'),
      };
      bareRoutes.push({ group, path: barePath, bytes, contentType });
    }
  }

  // A valid access token per server for the introspection targets.
  const introspected = {};
  if (settings.only.includes('introspect')) {
    for (const [label, side] of [
      ['idgate', idgate],
      ['oidc-provider', provider],
    ]) {
      if (!side) continue;
      const { clientId, clientSecret } = side.clients.rest;
      const response = await checker.request(
        'POST',
        `http://127.0.0.1:${side.port}${side.paths?.token ?? '/token'}`,
        { authorization: basic(clientId, clientSecret), 'content-type': FORM },
        form({ grant_type: 'client_credentials', scope: REST_SCOPE }),
      );
      const token = parseJson(response.body)?.access_token;
      if (response.status === 200 && typeof token === 'string') introspected[label] = token;
      else
        skipped.push({
          target: `${label} POST ${side.paths?.introspect ?? '/introspect'}`,
          reason: `could not obtain a token to introspect: status ${response.status}: ${snippet(response.body)}`,
        });
    }
  }

  // The bare POST routes (the ceiling): idgate's status, body size, content type and
  // protocol headers for each POST group, learned from one real request to idgate.
  const postResponses = {};
  if (idgate && settings.ceiling) {
    for (const group of POST_GROUPS) {
      if (!settings.only.includes(group)) continue;
      const barePath = `/bare/${group}`;
      if (group === 'introspect' && !introspected.idgate) {
        skipped.push({ target: `bare Fastify POST ${barePath}`, reason: 'idgate issued no token to introspect' });
        continue;
      }
      const { path: idgatePath, headers, body } = postRequest(group, idgate, introspected.idgate);
      const response = await checker.request('POST', `${idgateBase}${idgatePath}`, headers, body);
      const contentType = response.headers.get('content-type') ?? '';
      const status = POST_TARGETS[group].status;
      const problem =
        response.status !== status
          ? `status ${response.status}, expected ${status}`
          : !contentType.includes('json')
            ? `content-type '${contentType}'`
            : undefined;
      if (problem) {
        skipped.push({
          target: `bare Fastify POST ${barePath}`,
          reason: `idgate's response to copy: ${problem}: ${snippet(response.body)}`,
        });
        continue;
      }
      // Headers that belong to the protocol answer (not idgate's request id or CORS Vary).
      const copied = {};
      for (const name of ['cache-control', 'pragma', 'www-authenticate']) {
        const value = response.headers.get(name);
        if (value !== null) copied[name] = value;
      }
      const bytes = Buffer.byteLength(response.body);
      postResponses[group] = { path: idgatePath, status, bytes, contentType, headers: copied };
      bareRoutes.push({ group, method: 'POST', path: barePath, status, bytes, contentType, headers: copied });
    }
  }
  const bare = bareRoutes.length
    ? {
        ...(await startServer(['bare', JSON.stringify(bareRoutes)])),
        routes: Object.fromEntries(bareRoutes.map((r) => [r.group, r])),
      }
    : undefined;

  // Check every autocannon target once; skip the ones that do not answer as expected.
  const targets = [];
  const fapi =
    idgate && settings.only.some((group) => FAPI_GROUPS.includes(group)) ? await fapiRequestMakers(idgate) : undefined;
  for (const group of FAPI_GROUPS) {
    if (idgate && settings.only.includes(group) && !fapi?.[group]) {
      skipped.push({ target: `idgate ${group}`, reason: 'this build of idgate has no FAPI apps' });
    }
  }
  for (const target of autocannonTargets({ idgate, provider, bare, introspected, fapi })) {
    const checked = await verify(target);
    if (checked.problem) skipped.push({ target: target.name, reason: checked.problem });
    else targets.push({ ...target, checked });
  }
  for (const group of ['discovery', 'jwks']) {
    const pair = targets.filter((t) => t.group === group);
    if (
      pair.length === 2 &&
      (pair[0].checked.bodyBytes !== pair[1].checked.bodyBytes ||
        pair[0].checked.contentType !== pair[1].checked.contentType)
    ) {
      throw new Error(
        `bare ${group} body ${pair[0].checked.bodyBytes} B '${pair[0].checked.contentType}' does not match idgate's ${pair[1].checked.bodyBytes} B '${pair[1].checked.contentType}'`,
      );
    }
  }
  // A ceiling route whose answer no longer matches idgate's (a response whose size varies
  // between requests) is skipped rather than measured.
  for (const group of POST_GROUPS) {
    const ceiling = targets.find((t) => t.group === group && t.ceiling);
    const subject = targets.find((t) => t.group === group && t.server === 'idgate');
    if (!ceiling || !subject) continue;
    if (
      ceiling.checked.bodyBytes !== subject.checked.bodyBytes ||
      ceiling.checked.contentType !== subject.checked.contentType
    ) {
      targets.splice(targets.indexOf(ceiling), 1);
      skipped.push({
        target: ceiling.name,
        reason: `body ${ceiling.checked.bodyBytes} B '${ceiling.checked.contentType}' does not match idgate's ${subject.checked.bodyBytes} B '${subject.checked.contentType}'`,
      });
    }
  }

  // Check the code flow once per algorithm.
  const flowTargets = [];
  for (const [group, alg, key] of [
    ['flow-es256', 'ES256', 'flowES256'],
    ['flow-rs256', 'RS256', 'flowRS256'],
  ]) {
    if (!settings.only.includes(group) || !idgate) continue;
    const checked = await verifyFlow(idgateBase, idgate.clients[key], alg);
    const name = `idgate code flow (${alg} ID token)`;
    if (checked.problem) skipped.push({ target: name, reason: checked.problem });
    else flowTargets.push({ group, alg, name, app: idgate.clients[key], checked });
  }

  process.stdout.write(
    `${idgate ? `idgate pid ${idgate.child.pid} :${idgate.port} (log level ${settings.logLevel}, rate limits off${settings.idgateNodeArgs.length ? `, node ${settings.idgateNodeArgs.join(' ')}` : ''})` : 'idgate not started'}` +
      `${provider ? `; oidc-provider ${provider.version} pid ${provider.child.pid} :${provider.port}` : ''}` +
      `${bare ? `; bare pid ${bare.child.pid} :${bare.port}` : ''}\n` +
      `${[...Object.entries(documents), ...Object.entries(postResponses)]
        .map(([group, d]) => `${group} body ${d.bytes} B ${d.contentType}`)
        .join('; ')}\n` +
      `autocannon: ${settings.connections} connections, pipelining ${settings.pipelining}, ` +
      `${settings.warmup} s warm-up + ${settings.duration} s per target in ${settings.rounds} interleaved round(s), sequential; ` +
      `code flow: ${settings.flowWorkers} workers (${settings.flowClient})\n` +
      `load average before: ${loadBefore.map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} CPUs` +
      `${loadBefore[0] > 0.5 ? ' (other processes are busy: figures will be noisy)' : ''}\n`,
  );
  for (const skip of skipped) process.stdout.write(`SKIPPED ${skip.target}: ${skip.reason}\n`);
  process.stdout.write('\n');
  if (flags.check) {
    for (const target of targets) process.stdout.write(`ok ${target.name}\n`);
    for (const flow of flowTargets)
      process.stdout.write(
        `ok ${flow.name} (${flow.checked.hops} redirect hop(s) on idgate, kid ${flow.checked.kid})\n`,
      );
    return { skipped };
  }

  // Rounds interleave the targets, so that a change in background load during the run
  // hits every target alike rather than one of them.
  const perRound = settings.duration / settings.rounds;
  const results = targets.map(() => []);
  const flowResults = flowTargets.map(() => []);
  for (let round = 1; round <= settings.rounds; round++) {
    process.stdout.write(`round ${round}/${settings.rounds}:`);
    for (const [index, target] of targets.entries()) {
      if (round === 1 && settings.warmup > 0) await load(target, settings.warmup);
      const result = await load(target, perRound);
      results[index].push(result);
      process.stdout.write(` ${Math.round(result.requests.mean)}`);
    }
    if (targets.length) process.stdout.write(' req/s');
    if (targets.length && flowTargets.length) process.stdout.write(';');
    for (const [index, flow] of flowTargets.entries()) {
      if (round === 1 && settings.warmup > 0) await runFlows(idgateBase, flow.app, settings.warmup);
      const result = await runFlows(idgateBase, flow.app, perRound);
      flowResults[index].push(result);
      process.stdout.write(` ${Math.round(result.flowsPerSec)}`);
    }
    process.stdout.write(flowTargets.length ? ' flows/s\n' : '\n');
  }

  const rows = targets.map((target, index) => {
    const runs = results[index];
    const total = sum(runs.map((r) => r.requests.total));
    const expected = sum(runs.map((r) => r.statusCodeStats?.[String(target.status)]?.count ?? 0));
    return {
      group: target.group,
      server: target.server,
      target: target.name,
      reference: target.reference === true,
      ceiling: target.ceiling === true,
      method: target.request.method,
      url: new URL(target.request.url).pathname,
      expectedStatus: target.status,
      bodyBytes: target.checked.bodyBytes,
      contentType: target.checked.contentType,
      reqPerSec: Math.round(mean(runs.map((r) => r.requests.mean))),
      reqPerSecByRound: runs.map((r) => Math.round(r.requests.mean)),
      latencyP50Ms: Number(mean(runs.map((r) => r.latency.p50)).toFixed(1)),
      latencyP99Ms: Math.max(...runs.map((r) => r.latency.p99)),
      latencyMeanMs: Number(mean(runs.map((r) => r.latency.mean)).toFixed(2)),
      requests: total,
      non2xx: sum(runs.map((r) => r.non2xx)),
      unexpectedStatus: total - expected,
      errors: sum(runs.map((r) => r.errors)),
      timeouts: sum(runs.map((r) => r.timeouts)),
    };
  });

  const flowRows = flowTargets.map((flow, index) => {
    const runs = flowResults[index];
    const flows = sum(runs.map((r) => r.flows));
    const elapsed = sum(runs.map((r) => r.elapsedSeconds));
    const errors = new Map();
    for (const run of runs) for (const e of run.errors) errors.set(e.message, (errors.get(e.message) ?? 0) + e.count);
    const step = (key, p) => round(mean(runs.map((r) => r.latencyMs[key][p] ?? 0)), 2);
    const worst = (key) => Math.max(...runs.map((r) => r.latencyMs[key].p99 ?? 0));
    const flowsPerSec = Math.round(flows / elapsed);
    return {
      group: flow.group,
      target: flow.name,
      idTokenAlg: flow.alg,
      redirectHopsOnIdgate: flow.checked.hops,
      flowsPerSec,
      flowsPerSecByRound: runs.map((r) => Math.round(r.flowsPerSec)),
      flows,
      failed: sum(runs.map((r) => r.failed)),
      latencyMs: {
        flow: { p50: step('total', 'p50'), p99: worst('total') },
        authorize: { p50: step('authorize', 'p50'), p99: worst('authorize') },
        token: { p50: step('token', 'p50'), p99: worst('token') },
        userinfo: { p50: step('userinfo', 'p50'), p99: worst('userinfo') },
      },
      errors: [...errors].map(([message, count]) => ({ message, count })),
      goalMet: flowsPerSec >= GOALS.flowsPerSec,
    };
  });

  // Comparisons: idgate beside its reference in each group.
  const comparisons = [];
  for (const group of ['token', 'invalid-secret', 'introspect', 'discovery', 'jwks']) {
    const subject = rows.find((r) => r.group === group && r.server === 'idgate');
    const reference = rows.find((r) => r.group === group && r.reference);
    if (!subject || !reference) continue;
    const throughputRatio = round(subject.reqPerSec / reference.reqPerSec, 3);
    const p99Ratio = reference.latencyP99Ms > 0 ? round(subject.latencyP99Ms / reference.latencyP99Ms, 3) : null;
    const versusProvider = reference.server === 'oidc-provider';
    // The bare POST route beside the pair: what a server doing nothing reaches in this run.
    const ceiling = rows.find((r) => r.group === group && r.ceiling);
    const ceilingFields = POST_GROUPS.includes(group)
      ? {
          ceilingReqPerSec: ceiling?.reqPerSec ?? null,
          ceilingRatio: ceiling ? round(ceiling.reqPerSec / reference.reqPerSec, 3) : null,
          idgateOfCeiling: ceiling ? round(subject.reqPerSec / ceiling.reqPerSec, 3) : null,
        }
      : {};
    comparisons.push({
      group,
      reference: reference.server,
      idgateReqPerSec: subject.reqPerSec,
      referenceReqPerSec: reference.reqPerSec,
      throughputRatio,
      idgateP99Ms: subject.latencyP99Ms,
      referenceP99Ms: reference.latencyP99Ms,
      p99Ratio,
      goal: versusProvider
        ? `>= ${GOALS.throughput}x oidc-provider's req/s and p99 <= ${GOALS.p99}x its p99`
        : `>= ${GOALS.bare}x the bare route's req/s`,
      goalMet: versusProvider
        ? throughputRatio >= GOALS.throughput && p99Ratio !== null && p99Ratio <= GOALS.p99
        : throughputRatio >= GOALS.bare,
      ...ceilingFields,
    });
  }

  // The FAPI groups beside the secret token group of the same run (no goal: a figure).
  const secret = rows.find((r) => r.group === 'token' && r.server === 'idgate');
  for (const group of FAPI_GROUPS) {
    const subject = rows.find((r) => r.group === group);
    if (!subject || !secret) continue;
    comparisons.push({
      group,
      reference: 'idgate token',
      idgateReqPerSec: subject.reqPerSec,
      referenceReqPerSec: secret.reqPerSec,
      throughputRatio: round(subject.reqPerSec / secret.reqPerSec, 3),
      idgateP99Ms: subject.latencyP99Ms,
      referenceP99Ms: secret.latencyP99Ms,
      p99Ratio: secret.latencyP99Ms > 0 ? round(subject.latencyP99Ms / secret.latencyP99Ms, 3) : null,
      goal: 'none (a figure beside the secret path)',
      goalMet: true,
    });
  }

  const header = ['target', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'unexpected'];
  const widths = [56, 8, 7, 7, 8, 6, 10];
  const line = (cells, w = widths) => cells.map((cell, i) => pad(cell, w[i], i > 0)).join('  ');
  const table = [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((row) =>
      line([
        row.target,
        row.reqPerSec,
        row.latencyP50Ms,
        row.latencyP99Ms,
        row.non2xx,
        row.errors + row.timeouts,
        row.unexpectedStatus,
      ]),
    ),
  ];
  if (flowRows.length) {
    const fw = [40, 8, 9, 9, 9, 9, 9, 6];
    table.push(
      '',
      line(
        [
          'code flow (authorize → token → userinfo)',
          'flows/s',
          'p50 ms',
          'p99 ms',
          'auth p50',
          'tok p50',
          'ui p50',
          'failed',
        ],
        fw,
      ),
      line(
        fw.map((w) => '-'.repeat(w)),
        fw,
      ),
      ...flowRows.map((row) =>
        line(
          [
            row.target,
            row.flowsPerSec,
            row.latencyMs.flow.p50,
            row.latencyMs.flow.p99,
            row.latencyMs.authorize.p50,
            row.latencyMs.token.p50,
            row.latencyMs.userinfo.p50,
            row.failed,
          ],
          fw,
        ),
      ),
    );
  }
  // ceiling: the bare POST route's req/s; ceil/ref: ceiling ÷ oidc-provider, the highest
  // ratio a server doing nothing (on Fastify) reaches in this run; idg/ceil: idgate ÷ ceiling.
  const gw = [16, 14, 9, 9, 7, 9, 9, 7, 8, 8, 8, 5];
  const times = (value) => (value === null || value === undefined ? '' : `${value.toFixed(2)}×`);
  const goals = [
    line(
      [
        'comparison',
        'vs',
        'idgate',
        'ref',
        'ratio',
        'p99 idg',
        'p99 ref',
        'p99 ×',
        'ceiling',
        'ceil/ref',
        'idg/ceil',
        'goal',
      ],
      gw,
    ),
    line(
      gw.map((w) => '-'.repeat(w)),
      gw,
    ),
    ...comparisons.map((c) =>
      line(
        [
          c.group,
          c.reference,
          c.idgateReqPerSec,
          c.referenceReqPerSec,
          `${c.throughputRatio.toFixed(2)}×`,
          c.idgateP99Ms,
          c.referenceP99Ms,
          c.reference === 'oidc-provider' ? `${c.p99Ratio?.toFixed(2) ?? '-'}×` : '',
          c.ceilingReqPerSec ?? '',
          times(c.ceilingRatio),
          times(c.idgateOfCeiling),
          c.goalMet ? 'yes' : 'NO',
        ],
        gw,
      ),
    ),
    ...comparisons
      .filter((c) => c.reference === 'oidc-provider' && c.ceilingRatio !== null && c.ceilingRatio !== undefined)
      .map(
        (c) =>
          `${c.group}: a bare POST route doing nothing but parse the form reaches ${c.ceilingRatio.toFixed(2)}× oidc-provider here` +
          (c.ceilingRatio > GOALS.throughput
            ? `; the ${GOALS.throughput}× goal needs idgate at ≥ ${Math.ceil((GOALS.throughput / c.ceilingRatio) * 100)} % of it, idgate reaches ${Math.round(c.idgateOfCeiling * 100)} %`
            : ` (≤ ${GOALS.throughput}×): the ${GOALS.throughput}× goal is out of reach in this run, whatever idgate does`),
      ),
    ...flowRows.map(
      (row) =>
        `code flow ${row.idTokenAlg}: ${row.flowsPerSec} flows/s (goal ≥ ${GOALS.flowsPerSec}): ${row.goalMet ? 'yes' : 'NO'}`,
    ),
  ];
  process.stdout.write(`\n${table.join('\n')}\n\n${goals.join('\n')}\n`);
  for (const row of flowRows) {
    for (const e of row.errors.slice(0, 5)) process.stdout.write(`  ${row.target} failure ×${e.count}: ${e.message}\n`);
  }
  for (const skip of skipped) process.stdout.write(`SKIPPED ${skip.target}: ${skip.reason}\n`);

  const output = {
    benchmark: 'oidc',
    date: new Date().toISOString(),
    goals: {
      tokenAndIntrospection: `idgate >= ${GOALS.throughput}x oidc-provider's req/s with p99 <= ${GOALS.p99}x its p99`,
      discoveryAndJwks: `idgate >= ${GOALS.bare}x a bare Fastify route with a body of the same size and content type`,
      codeFlow: `>= ${GOALS.flowsPerSec} flows/s on SQLite`,
    },
    machine: {
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
    },
    settings: {
      ...settings,
      host: '127.0.0.1',
      servers: 'child processes (bench/oidc-servers.mjs); autocannon and the flow workers in the parent',
      oidcProvider: provider
        ? { version: provider.version, accessTokenFormat: 'opaque', adapter: 'in-memory (default)' }
        : null,
      idgate: idgate ? { database: 'sqlite', rateLimits: 'off (0)', accessTokenFormat: 'opaque (sealed)' } : null,
    },
    documents,
    postResponses,
    loadAverage: { before: loadBefore, after: loadavg() },
    comparisons,
    results: rows,
    codeFlow: flowRows,
    skipped,
    elapsedSeconds: Math.round((Date.now() - started) / 1000),
  };
  mkdirSync(path.dirname(path.resolve(flags.out)), { recursive: true });
  // Arrays of numbers on one line, as the repository's formatter (Biome) writes them.
  const json = JSON.stringify(output, null, 2).replace(
    /\[\s+([-\d.e+,\s]+?)\s+\]/g,
    (_, items) => `[${items.split(/,\s*/).join(', ')}]`,
  );
  writeFileSync(flags.out, `${json}\n`);
  process.stdout.write(
    `\nwritten: ${path.relative(process.cwd(), path.resolve(flags.out))} (${output.elapsedSeconds} s)\n`,
  );
  return { skipped };
}

// Hard bound on the whole run: servers' start + (warm-up + duration) per target + slack
// (10 autocannon targets, 3 bare POST routes, 2 flows).
const units = 15;
const bound = (90 + units * (settings.warmup + settings.duration + 5)) * 1000;
const watchdog = setTimeout(() => {
  process.stderr.write(`oidc: exceeded ${bound / 1000} s, stopping\n`);
  stopAll().finally(() => process.exit(1));
}, bound);
watchdog.unref();

let exitCode = 0;
try {
  const { skipped } = await main();
  if (skipped.length > 0) exitCode = 1;
} catch (error) {
  process.stderr.write(`oidc: ${error?.stack ?? error}\n`);
  exitCode = 1;
} finally {
  await stopAll();
  clearTimeout(watchdog);
}
if (flags['cpu-prof'])
  process.stdout.write(`cpu profile of the idgate child: ${path.resolve(flags['cpu-prof'])}/*.cpuprofile\n`);
process.exit(exitCode);
