/**
 * What a change costs: several builds of idgate side by side, each in its own child
 * process, loaded in interleaved rounds (build A, build B, … per path, round after
 * round), and for each the server's own CPU time per request, from /proc (user + system
 * of the child over the load, divided by the requests answered).
 *
 *   node bench/compare.mjs [--paths discovery,jwks,token,wrong-secret,introspect,not-found]
 *                          [--seconds 2] [--rounds 4] [--connections 50] BUILD [BUILD ...]
 *
 * BUILD is `current` (packages/server/dist) or a directory holding another build's
 * `dist` output, e.g. a worktree of another commit (`/work/wt/x/packages/server/dist`) or
 * a copy of dist with one part switched off to see what it costs. Every build runs with
 * the settings of bench/oidc.mjs (SQLite, log level warn, rate limits off).
 *
 * CPU per request is the figure to compare: on a machine where the load generator and
 * the servers share the cores, throughput moves with whatever else runs, while the
 * server's own CPU per answered request moves much less. The first round of each path
 * includes a 1 s warm-up; the table shows every round, so an outlier is visible.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { cpuSecondsOf, startServer, stopAll } from './lib/children.mjs';
import { basic, FORM, form } from './lib/http.mjs';

const PATHS = ['discovery', 'jwks', 'token', 'wrong-secret', 'introspect', 'not-found'];

const { values: options, positionals: builds } = parseArgs({
  allowPositionals: true,
  options: {
    paths: { type: 'string', default: 'discovery,token' },
    seconds: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '4' },
    connections: { type: 'string', default: '50' },
  },
});
const paths = options.paths.split(',');
const unknown = paths.filter((p) => !PATHS.includes(p));
if (builds.length === 0 || unknown.length > 0) {
  process.stderr.write(
    `${unknown.length ? `unknown path(s) ${unknown.join(', ')}\n` : ''}usage: node bench/compare.mjs [--paths ${PATHS.join(',')}] [--seconds s] [--rounds n] [--connections n] current|DIST_DIR ...\n`,
  );
  process.exit(2);
}
const seconds = Number(options.seconds);
const rounds = Number(options.rounds);
const connections = Number(options.connections);

/** The requests of each path against one started idgate. */
async function targetsOf(server) {
  const base = `http://127.0.0.1:${server.port}`;
  const { clientId, clientSecret } = server.clients.rest;
  const tokenBody = form({ grant_type: 'client_credentials', scope: 'verifications providers' });
  const post = (url, secret, body) => ({
    url,
    method: 'POST',
    headers: { authorization: basic(clientId, secret), 'content-type': FORM },
    body,
  });
  const issued = await fetch(`${base}/token`, post(`${base}/token`, clientSecret, tokenBody));
  const { access_token: token } = await issued.json();
  return {
    discovery: { request: { url: `${base}/.well-known/openid-configuration` }, status: 200 },
    jwks: { request: { url: `${base}/jwks` }, status: 200 },
    token: { request: post(`${base}/token`, clientSecret, tokenBody), status: 200 },
    'wrong-secret': { request: post(`${base}/token`, `${clientSecret.slice(0, -4)}XXXX`, tokenBody), status: 401 },
    introspect: { request: post(`${base}/introspect`, clientSecret, form({ token })), status: 200 },
    'not-found': { request: { url: `${base}/does-not-exist` }, status: 404 },
  };
}

async function startBuild(build) {
  // The child takes the build from IDGATE_BENCH_DIST (bench/oidc-servers.mjs), inherited at fork.
  const previous = process.env.IDGATE_BENCH_DIST;
  if (build === 'current') delete process.env.IDGATE_BENCH_DIST;
  else process.env.IDGATE_BENCH_DIST = path.resolve(build);
  try {
    const server = await startServer(['idgate', 'warn', 'off']);
    return { build, server, targets: await targetsOf(server) };
  } finally {
    if (previous === undefined) delete process.env.IDGATE_BENCH_DIST;
    else process.env.IDGATE_BENCH_DIST = previous;
  }
}

function pad(value, width, right = true) {
  const text = String(value);
  return right ? text.padStart(width) : text.padEnd(width);
}

async function main() {
  const sides = [];
  for (const build of builds) sides.push(await startBuild(build));
  const results = new Map();
  for (let round = 1; round <= rounds; round++) {
    for (const name of paths) {
      for (const side of sides) {
        const { request, status } = side.targets[name];
        if (round === 1) await autocannon({ ...request, connections, duration: 1 });
        const before = cpuSecondsOf(side.server.child.pid);
        const result = await autocannon({ ...request, connections, duration: seconds });
        const after = cpuSecondsOf(side.server.child.pid);
        const unexpected = result.requests.total - (result.statusCodeStats?.[String(status)]?.count ?? 0);
        const key = `${name}\n${side.build}`;
        if (!results.has(key)) results.set(key, []);
        results.get(key).push({
          reqPerSec: result.requests.mean,
          cpuMicros: before === undefined ? Number.NaN : ((after - before) * 1e6) / result.requests.total,
          unexpected,
        });
      }
    }
    process.stdout.write(`round ${round}/${rounds} done\n`);
  }
  const width = Math.max(...builds.map((b) => b.length), 5);
  process.stdout.write(
    `\n${pad('path', 13, false)} ${pad('build', width, false)} ${pad('req/s', 7)} ${pad('cpu µs/req', 11)}  ÷ first  rounds (µs)\n`,
  );
  for (const name of paths) {
    let first;
    for (const side of sides) {
      const runs = results.get(`${name}\n${side.build}`);
      const mean = (pick) => runs.reduce((sum, run) => sum + pick(run), 0) / runs.length;
      const cpu = mean((r) => r.cpuMicros);
      first ??= cpu;
      const unexpected = runs.reduce((sum, run) => sum + run.unexpected, 0);
      process.stdout.write(
        `${pad(name, 13, false)} ${pad(side.build, width, false)} ${pad(Math.round(mean((r) => r.reqPerSec)), 7)} ${pad(cpu.toFixed(1), 11)}  ${pad(`${(cpu / first).toFixed(2)}×`, 7)}  ${runs.map((r) => r.cpuMicros.toFixed(0)).join(' ')}${unexpected ? `  (${unexpected} unexpected status)` : ''}\n`,
      );
    }
  }
}

try {
  await main();
} finally {
  await stopAll();
}
