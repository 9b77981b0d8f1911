#!/usr/bin/env node
/**
 * idgate's OpenID Provider endpoints beside oidc-provider and bare Fastify routes, and the
 * headless code flow on SQLite, in one invocation: the table of issue 15 as ratios (see
 * docs/performance.md and bench/README.md).
 *
 *   node bench/oidc.mjs [--duration 8] [--warmup 2] [--connections 50] [--pipelining 1]
 *                       [--rounds 2] [--flow-workers 50] [--flow-client http|fetch]
 *                       [--only token,invalid-secret,introspect,discovery,jwks,flow-es256,...]
 *                       [--server idgate|oidc-provider] [--rate-limits off|on|both]
 *                       [--check] [--no-ceiling] [--log-level warn]
 *                       [--cpu-prof DIR] [--idgate-node-arg=... ...] [--out bench/results/oidc.json]
 *
 * Needs the built server (`npm run build`; `npm run bench:oidc` does both). Starts idgate
 * (rate limits off), a second idgate with rate limits on (`--rate-limits both`, the
 * default: their cost), oidc-provider and a bare Fastify app in child processes
 * (bench/oidc-servers.mjs). Checks every target once (a target that does not answer as
 * expected is skipped and reported), then loads them one after another with autocannon
 * in interleaved rounds, runs the code flow with its own concurrent workers, samples the
 * idgate child's RSS throughout, prints the table and the goals, and writes the figures
 * as JSON. The children are killed by PID at the end, also on failure. A figure, not a
 * test: the exit code is 0 whether or not a goal is met (1 when the benchmark could not
 * run or had to skip a target).
 *
 * Modules: lib/options (flags, goals), lib/children (processes, RSS), lib/http,
 * lib/targets, lib/setup (checks before the load), lib/load (autocannon), lib/flow (the
 * code flow), lib/report (rows, goals, tables, JSON), lib/profile-summary (a CPU profile's
 * top self time).
 */
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { cpuSecondsOf, RssSampler, stopAll } from './lib/children.mjs';
import { runFlows } from './lib/flow.mjs';
import { load } from './lib/load.mjs';
import { GOALS, settings, USAGE } from './lib/options.mjs';
import { flowRows, goalsOf, machine, tables, targetRows, writeResults } from './lib/report.mjs';
import { prepare, startServers } from './lib/setup.mjs';
import { BARE, IDGATE, IDGATE_LIMITED, PROVIDER } from './lib/targets.mjs';

if (settings.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

function describe({ idgate, limited, provider }, { bare, documents, postResponses }, loadBefore) {
  const limits = settings.rateLimits === 'on' ? 'rate limits on' : 'rate limits off';
  return (
    `${idgate ? `idgate pid ${idgate.child.pid} :${idgate.port} (log level ${settings.logLevel}, ${limits}${settings.idgateNodeArgs.length ? `, node ${settings.idgateNodeArgs.join(' ')}` : ''})` : 'idgate not started'}` +
    `${limited ? `; idgate with rate limits on pid ${limited.child.pid} :${limited.port}` : ''}` +
    `${provider ? `; oidc-provider ${provider.version} pid ${provider.child.pid} :${provider.port}` : ''}` +
    `${bare ? `; bare pid ${bare.child.pid} :${bare.port}` : ''}\n` +
    `${[...Object.entries(documents), ...Object.entries(postResponses)]
      .map(([group, d]) => `${group} body ${d.bytes} B ${d.contentType}`)
      .join('; ')}\n` +
    `autocannon: ${settings.connections} connections, pipelining ${settings.pipelining}, ` +
    `${settings.warmup} s warm-up + ${settings.duration} s per target in ${settings.rounds} interleaved round(s), sequential; ` +
    `code flow: ${settings.flowWorkers} workers (${settings.flowClient})\n` +
    `load average before: ${loadBefore.map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} CPUs` +
    `${loadBefore[0] > 0.5 ? ' (other processes are busy: figures will be noisy)' : ''}\n`
  );
}

/** The PID of the child that answers a target's server label. */
function pidOf(servers, label) {
  const side = {
    [IDGATE]: servers.idgate,
    [IDGATE_LIMITED]: servers.limited,
    [PROVIDER]: servers.provider,
    [BARE]: servers.bare,
  }[label];
  return side?.child.pid;
}

async function main() {
  const started = Date.now();
  const loadBefore = loadavg();
  const skipped = [];
  const servers = await startServers(skipped);
  const prepared = await prepare(servers, skipped);
  const { targets, flowTargets } = prepared;
  const { idgate } = servers;
  const idgateBase = idgate ? `http://127.0.0.1:${idgate.port}` : undefined;

  process.stdout.write(describe(servers, prepared, loadBefore));
  for (const skip of skipped) process.stdout.write(`SKIPPED ${skip.target}: ${skip.reason}\n`);
  process.stdout.write('\n');
  if (settings.check) {
    for (const target of targets) process.stdout.write(`ok ${target.name}\n`);
    for (const flow of flowTargets)
      process.stdout.write(
        `ok ${flow.name} (${flow.checked.hops} redirect hop(s) on idgate, kid ${flow.checked.kid})\n`,
      );
    return { skipped };
  }

  // Rounds interleave the targets, so that a change in background load during the run
  // hits every target alike rather than one of them.
  const rss = idgate ? new RssSampler(idgate.child.pid) : undefined;
  const perRound = settings.duration / settings.rounds;
  const results = targets.map(() => []);
  const flowResults = flowTargets.map(() => []);
  for (let round = 1; round <= settings.rounds; round++) {
    process.stdout.write(`round ${round}/${settings.rounds}:`);
    for (const [index, target] of targets.entries()) {
      rss?.phase(target.group);
      if (round === 1 && settings.warmup > 0) await load(target, settings.warmup);
      const pid = pidOf({ ...servers, bare: prepared.bare }, target.server);
      const cpuBefore = cpuSecondsOf(pid);
      const result = await load(target, perRound);
      const cpuAfter = cpuSecondsOf(pid);
      // The server's own CPU per answered request: steadier than req/s when the load
      // generator and the server share two cores.
      result.serverCpuSeconds = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
      results[index].push(result);
      process.stdout.write(` ${Math.round(result.requests.mean)}`);
    }
    if (targets.length) process.stdout.write(' req/s');
    if (targets.length && flowTargets.length) process.stdout.write(';');
    for (const [index, flow] of flowTargets.entries()) {
      rss?.phase(flow.group);
      if (round === 1 && settings.warmup > 0) await runFlows(idgateBase, flow.app, settings.warmup);
      const cpuBefore = cpuSecondsOf(idgate.child.pid);
      const loadBefore = process.cpuUsage();
      const result = await runFlows(idgateBase, flow.app, perRound);
      const cpuAfter = cpuSecondsOf(idgate.child.pid);
      const load = process.cpuUsage(loadBefore);
      // Both sides' CPU per flow: the flow workers run in this process, on the same two cores.
      result.serverCpuSeconds = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
      result.loadGeneratorCpuSeconds = (load.user + load.system) / 1e6;
      flowResults[index].push(result);
      process.stdout.write(` ${Math.round(result.flowsPerSec)}`);
    }
    process.stdout.write(flowTargets.length ? ' flows/s\n' : '\n');
  }
  const memory = rss?.stop();

  const rows = targetRows(targets, results);
  const flows = flowRows(flowTargets, flowResults);
  const verdict = goalsOf(rows, flows, memory);
  process.stdout.write(`\n${tables(rows, flows, verdict, memory)}\n`);
  for (const row of flows) {
    for (const e of row.errors.slice(0, 5)) process.stdout.write(`  ${row.target} failure ×${e.count}: ${e.message}\n`);
  }
  for (const skip of skipped) process.stdout.write(`SKIPPED ${skip.target}: ${skip.reason}\n`);

  const { provider } = servers;
  const output = {
    benchmark: 'oidc',
    date: new Date().toISOString(),
    goalsOfIssue15: GOALS,
    machine: machine(),
    settings: {
      ...settings,
      host: '127.0.0.1',
      servers: 'child processes (bench/oidc-servers.mjs); autocannon and the flow workers in the parent',
      oidcProvider: provider
        ? { version: provider.version, accessTokenFormat: 'opaque', adapter: 'in-memory (default)' }
        : null,
      idgate: idgate
        ? {
            database: 'sqlite',
            rateLimits: settings.rateLimits === 'on' ? 'on (quota never reached)' : 'off (0)',
            accessTokenFormat: 'opaque (sealed)',
          }
        : null,
    },
    documents: prepared.documents,
    postResponses: prepared.postResponses,
    loadAverage: { before: loadBefore, after: loadavg() },
    goals: verdict.goals,
    figures: verdict.figures,
    rss: memory ?? null,
    results: rows,
    codeFlow: flows,
    skipped,
    elapsedSeconds: Math.round((Date.now() - started) / 1000),
  };
  writeResults(output);
  process.stdout.write(
    `\nwritten: ${path.relative(process.cwd(), path.resolve(settings.out))} (${output.elapsedSeconds} s)\n`,
  );
  return { skipped };
}

// Hard bound on the whole run: servers' start + (warm-up + duration) per target + slack
// (up to 20 autocannon targets and 2 flows).
const units = 22;
const bound = (120 + units * (settings.warmup + settings.duration + 5)) * 1000;
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
if (settings.cpuProfDir)
  process.stdout.write(`cpu profile of the idgate child: ${path.resolve(settings.cpuProfDir)}/*.cpuprofile\n`);
process.exit(exitCode);
