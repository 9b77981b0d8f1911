#!/usr/bin/env node
/**
 * Error-path throughput of idgate beside a bare Fastify route (see bench/README.md).
 *
 *   node bench/error-paths.mjs [--duration 8] [--warmup 2] [--connections 50]
 *                              [--pipelining 1] [--rounds 2] [--log-level warn] [--cpu-prof DIR]
 *                              [--idgate-node-arg=--stack-trace-limit=0 ...]
 *                              [--out bench/results/error-paths.json]
 *
 * `--duration` is the measured seconds per target, split over `--rounds` interleaved rounds.
 *
 * Needs the built server (`npm run build`; `npm run bench` does both). Starts idgate and
 * the bare app in two child processes (bench/servers.mjs), checks that every target
 * answers as expected, then loads the targets one after another with autocannon on
 * 127.0.0.1, prints a table and writes the figures as JSON. The children are killed by
 * PID at the end, also on failure. A figure, not a test: the exit code is 0 whether or
 * not the goal is met (non-zero only when the benchmark itself could not run).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startServer as startChild, stopAll } from './lib/children.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const GOAL = 0.8;
const BARE_PATH = '/bare';

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    pipelining: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '2' },
    'log-level': { type: 'string', default: 'warn' },
    'cpu-prof': { type: 'string' },
    'idgate-node-arg': { type: 'string', multiple: true, default: [] },
    out: { type: 'string', default: path.join(here, 'results', 'error-paths.json') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  process.stdout.write(
    'usage: node bench/error-paths.mjs [--duration s] [--warmup s] [--connections n] [--pipelining n] [--rounds n]\n' +
      '                                  [--log-level warn|silent|info|...] [--cpu-prof DIR] [--out FILE]\n' +
      '                                  [--idgate-node-arg=<node flag for the idgate child> ...]\n',
  );
  process.exit(0);
}

function positiveInteger(name, min = 1) {
  const value = Number(flags[name]);
  if (!Number.isInteger(value) || value < min) throw new RangeError(`--${name} must be an integer >= ${min}`);
  return value;
}
const settings = {
  duration: positiveInteger('duration'),
  warmup: positiveInteger('warmup', 0),
  connections: positiveInteger('connections'),
  pipelining: positiveInteger('pipelining'),
  rounds: positiveInteger('rounds'),
  logLevel: flags['log-level'],
  idgateNodeArgs: flags['idgate-node-arg'],
};

// ---------------------------------------------------------------------------------------
// Child processes

/** The server children of this bench (bench/servers.mjs), started and stopped by bench/lib/children.mjs. */
function startServer(args, options = {}) {
  return startChild(args, { ...options, script: path.join(here, 'servers.mjs') });
}

// ---------------------------------------------------------------------------------------
// Targets

function targetsFor(idgatePort, barePort) {
  const idgate = `http://127.0.0.1:${idgatePort}`;
  return [
    {
      name: 'bare Fastify route',
      url: `http://127.0.0.1:${barePort}${BARE_PATH}`,
      method: 'GET',
      headers: {},
      status: 200,
      baseline: true,
    },
    { name: '404 GET /does-not-exist', url: `${idgate}/does-not-exist`, method: 'GET', headers: {}, status: 404 },
    {
      name: '405 DELETE /errors',
      url: `${idgate}/errors`,
      method: 'DELETE',
      headers: {},
      status: 405,
      header: 'allow',
    },
    {
      name: 'GET /errors/AUTH_INVALID_GRANT (JSON)',
      url: `${idgate}/errors/AUTH_INVALID_GRANT`,
      method: 'GET',
      headers: { accept: 'application/json' },
      status: 200,
      contentType: 'application/json',
    },
    {
      name: '401 GET /admin/v1/apps (bad key)',
      url: `${idgate}/admin/v1/apps`,
      method: 'GET',
      headers: { authorization: 'Bearer wrong-key' },
      status: 401,
    },
  ];
}

/** One request: checks the status (and a header or media type where asked). */
async function verify(target) {
  const response = await fetch(target.url, { method: target.method, headers: target.headers });
  const body = Buffer.from(await response.arrayBuffer());
  const problems = [];
  if (response.status !== target.status) problems.push(`status ${response.status}, expected ${target.status}`);
  if (target.header && !response.headers.get(target.header)) problems.push(`no ${target.header} header`);
  const type = response.headers.get('content-type') ?? '';
  if (target.contentType && !type.startsWith(target.contentType)) problems.push(`content-type '${type}'`);
  if (problems.length > 0)
    throw new Error(`${target.name}: ${problems.join('; ')}: ${body.toString('utf8').slice(0, 300)}`);
  return { status: response.status, contentType: type, bodyBytes: body.length };
}

function load(target, duration) {
  return autocannon({
    url: target.url,
    method: target.method,
    headers: target.headers,
    connections: settings.connections,
    pipelining: settings.pipelining,
    duration,
    timeout: 10,
  });
}

// ---------------------------------------------------------------------------------------
// Run

function pad(value, width, right = false) {
  const text = String(value);
  return right ? text.padStart(width) : text.padEnd(width);
}

async function main() {
  const started = Date.now();
  const loadBefore = loadavg();
  const idgate = await startServer(['idgate', settings.logLevel], {
    cpuProfDir: flags['cpu-prof'],
    nodeArgs: settings.idgateNodeArgs,
  });

  // The bare route's body is padded to the size of idgate's 404 problem body.
  const probe = await fetch(`http://127.0.0.1:${idgate.port}/does-not-exist`);
  const probeBody = Buffer.from(await probe.arrayBuffer());
  if (probe.status !== 404) throw new Error(`idgate 404 probe answered ${probe.status}`);
  const probeType = probe.headers.get('content-type') ?? 'application/json';
  const bare = await startServer(['bare', String(probeBody.length), probeType]);

  const targets = targetsFor(idgate.port, bare.port);
  const checked = [];
  for (const target of targets) checked.push(await verify(target));
  const bareCheck = checked[0];
  if (bareCheck.bodyBytes !== probeBody.length || bareCheck.contentType !== probeType) {
    throw new Error(
      `bare route body ${bareCheck.bodyBytes} B '${bareCheck.contentType}' does not match 404 ${probeBody.length} B '${probeType}'`,
    );
  }

  process.stdout.write(
    `idgate pid ${idgate.child.pid} :${idgate.port} (log level ${settings.logLevel}` +
      `${settings.idgateNodeArgs.length ? `, node ${settings.idgateNodeArgs.join(' ')}` : ''}), bare pid ${bare.child.pid} :${bare.port}; ` +
      `404 body ${probeBody.length} B ${probeType}\n` +
      `autocannon: ${settings.connections} connections, pipelining ${settings.pipelining}, ` +
      `${settings.warmup} s warm-up + ${settings.duration} s per target in ${settings.rounds} interleaved round(s), sequential\n` +
      `load average before: ${loadBefore.map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} CPUs` +
      `${loadBefore[0] > 0.5 ? ' (other processes are busy: figures will be noisy)' : ''}\n\n`,
  );

  // Rounds interleave the targets (bare, 404, ..., bare, 404, ...), so that a change in
  // background load during the run hits every target alike rather than one of them.
  const perRound = settings.duration / settings.rounds;
  const results = targets.map(() => []);
  for (let round = 1; round <= settings.rounds; round++) {
    process.stdout.write(`round ${round}/${settings.rounds}:`);
    for (const [index, target] of targets.entries()) {
      if (round === 1 && settings.warmup > 0) await load(target, settings.warmup);
      const result = await load(target, perRound);
      results[index].push(result);
      process.stdout.write(` ${Math.round(result.requests.mean)}`);
    }
    process.stdout.write(' req/s\n');
  }

  const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
  const sum = (values) => values.reduce((a, b) => a + b, 0);
  const rows = targets.map((target, index) => {
    const runs = results[index];
    const total = sum(runs.map((r) => r.requests.total));
    const expected = sum(runs.map((r) => r.statusCodeStats?.[String(target.status)]?.count ?? 0));
    return {
      target: target.name,
      method: target.method,
      url: new URL(target.url).pathname,
      expectedStatus: target.status,
      bodyBytes: checked[index].bodyBytes,
      reqPerSec: Math.round(mean(runs.map((r) => r.requests.mean))),
      reqPerSecByRound: runs.map((r) => Math.round(r.requests.mean)),
      latencyP50Ms: Number(mean(runs.map((r) => r.latency.p50)).toFixed(1)),
      latencyP99Ms: Math.max(...runs.map((r) => r.latency.p99)),
      latencyMeanMs: Number(mean(runs.map((r) => r.latency.mean)).toFixed(2)),
      throughputBytesPerSec: Math.round(mean(runs.map((r) => r.throughput.mean))),
      requests: total,
      non2xx: sum(runs.map((r) => r.non2xx)),
      unexpectedStatus: total - expected,
      errors: sum(runs.map((r) => r.errors)),
      timeouts: sum(runs.map((r) => r.timeouts)),
    };
  });

  const baseline = rows[0].reqPerSec;
  for (const row of rows) {
    row.ratio = baseline > 0 ? Number((row.reqPerSec / baseline).toFixed(3)) : null;
    row.goalMet = row === rows[0] ? null : row.ratio !== null && row.ratio >= GOAL;
  }

  const header = ['target', 'req/s', 'p50 ms', 'p99 ms', 'ratio', `goal ≥${GOAL}×`, 'non-2xx', 'errors'];
  const widths = [38, 8, 7, 7, 6, 10, 8, 6];
  const line = (cells) => cells.map((cell, i) => pad(cell, widths[i], i > 0)).join('  ');
  const table = [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((row) =>
      line([
        row.target,
        row.reqPerSec,
        row.latencyP50Ms,
        row.latencyP99Ms,
        row.ratio?.toFixed(2) ?? '-',
        row.goalMet === null ? '(baseline)' : row.goalMet ? 'yes' : 'NO',
        row.non2xx,
        row.errors + row.timeouts,
      ]),
    ),
  ].join('\n');
  process.stdout.write(`\n${table}\n`);

  const output = {
    benchmark: 'error-paths',
    date: new Date().toISOString(),
    goal: `each error path >= ${GOAL}x the bare route's req/s`,
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
      servers: 'two child processes (bench/servers.mjs); autocannon in the parent',
    },
    body: { bytes: probeBody.length, contentType: probeType },
    loadAverage: { before: loadBefore, after: loadavg() },
    results: rows,
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
}

// Hard bound on the whole run: servers' start + (warm-up + duration) per target + slack.
const bound = (60 + 5 * (settings.warmup + settings.duration + 5)) * 1000;
const watchdog = setTimeout(() => {
  process.stderr.write(`error-paths: exceeded ${bound / 1000} s, stopping\n`);
  stopAll().finally(() => process.exit(1));
}, bound);
watchdog.unref();

let exitCode = 0;
try {
  await main();
} catch (error) {
  process.stderr.write(`error-paths: ${error?.stack ?? error}\n`);
  exitCode = 1;
} finally {
  await stopAll();
  clearTimeout(watchdog);
}
if (flags['cpu-prof'])
  process.stdout.write(`cpu profile of the idgate child: ${path.resolve(flags['cpu-prof'])}/*.cpuprofile\n`);
process.exit(exitCode);
