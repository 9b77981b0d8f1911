/** The headless code flow: authorize (mock-redirect) → token → userinfo, checked once and run by concurrent workers. */
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { REDIRECT_URI } from '../oidc-servers.mjs';
import { base64url, basic, FORM, form, httpClient, parseJson, snippet } from './http.mjs';
import { settings } from './options.mjs';
import { percentile, round } from './stats.mjs';

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
export async function verifyFlow(base, app, alg) {
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

/** Runs the flow with `settings.flowWorkers` concurrent workers for `seconds`. */
export async function runFlows(base, app, seconds) {
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
