/**
 * The figures of a run: a row per target and per code flow, the goals of issue 15 as
 * ratios with met / not met, the cost of the rate limits and the FAPI paths beside the
 * secret path; printed as tables and written as JSON.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { FAPI_GROUPS, GOALS, POST_GROUPS, settings } from './options.mjs';
import { mean, pad, round, sum } from './stats.mjs';
import { BARE, IDGATE, IDGATE_LIMITED, PROVIDER } from './targets.mjs';

/** One row per autocannon target from its rounds. */
export function targetRows(targets, results) {
  return targets.map((target, index) => {
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
      serverCpuMicrosPerRequest: cpuMicrosPerRequest(runs),
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
}

/** The server's CPU time per request over the rounds, in µs (null without /proc). */
function cpuMicrosPerRequest(runs) {
  if (runs.some((r) => r.serverCpuSeconds === undefined)) return null;
  const requests = sum(runs.map((r) => r.requests.total));
  return requests ? Math.round((sum(runs.map((r) => r.serverCpuSeconds)) * 1e6) / requests) : null;
}

/** CPU time per completed flow over the rounds, in µs, of one side (null without /proc). */
function cpuMicrosPerFlow(runs, side) {
  if (runs.some((r) => r[side] === undefined)) return null;
  const flows = sum(runs.map((r) => r.flows));
  return flows ? Math.round((sum(runs.map((r) => r[side])) * 1e6) / flows) : null;
}

/** One row per code flow from its rounds. */
export function flowRows(flowTargets, flowResults) {
  return flowTargets.map((flow, index) => {
    const runs = flowResults[index];
    const flows = sum(runs.map((r) => r.flows));
    const elapsed = sum(runs.map((r) => r.elapsedSeconds));
    const errors = new Map();
    for (const run of runs) for (const e of run.errors) errors.set(e.message, (errors.get(e.message) ?? 0) + e.count);
    const step = (key, p) => round(mean(runs.map((r) => r.latencyMs[key][p] ?? 0)), 2);
    const worst = (key) => Math.max(...runs.map((r) => r.latencyMs[key].p99 ?? 0));
    return {
      group: flow.group,
      target: flow.name,
      idTokenAlg: flow.alg,
      redirectHopsOnIdgate: flow.checked.hops,
      flowsPerSec: Math.round(flows / elapsed),
      flowsPerSecByRound: runs.map((r) => Math.round(r.flowsPerSec)),
      flows,
      failed: sum(runs.map((r) => r.failed)),
      serverCpuMicrosPerFlow: cpuMicrosPerFlow(runs, 'serverCpuSeconds'),
      loadGeneratorCpuMicrosPerFlow: cpuMicrosPerFlow(runs, 'loadGeneratorCpuSeconds'),
      latencyMs: {
        flow: { p50: step('total', 'p50'), p99: worst('total') },
        authorize: { p50: step('authorize', 'p50'), p99: worst('authorize') },
        token: { p50: step('token', 'p50'), p99: worst('token') },
        userinfo: { p50: step('userinfo', 'p50'), p99: worst('userinfo') },
      },
      errors: [...errors].map(([message, count]) => ({ message, count })),
    };
  });
}

/**
 * The goals of issue 15, each `{ row, measured, unit, goal, met }` (`measured` null when
 * a side was not measured), and the figures beside them (no goal).
 */
export function goalsOf(rows, flows, rss) {
  const find = (group, server, extra = () => true) =>
    rows.find((r) => r.group === group && r.server === server && extra(r));
  const ratio = (a, b) => (a && b ? round(a.reqPerSec / b.reqPerSec, 3) : null);
  const goals = [];
  const atLeast = (row, measured, goal, unit = '×') =>
    goals.push({ row, measured, unit, goal: `≥ ${goal}`, met: measured === null ? null : measured >= goal });
  for (const group of ['token', 'introspect']) {
    const idgate = find(group, IDGATE);
    atLeast(`${group} ÷ oidc-provider`, ratio(idgate, find(group, PROVIDER)), GOALS.versusProvider);
    atLeast(`${group} ÷ bare POST`, ratio(idgate, find(group, BARE)), GOALS.postOfBare);
  }
  atLeast(
    'invalid-secret ÷ bare POST',
    ratio(find('invalid-secret', IDGATE), find('invalid-secret', BARE)),
    GOALS.invalidOfBare,
  );
  for (const group of ['discovery', 'jwks']) {
    atLeast(`${group} ÷ bare GET`, ratio(find(group, IDGATE), find(group, BARE)), GOALS.getOfBare);
  }
  const es256 = flows.find((f) => f.idTokenAlg === 'ES256');
  atLeast('code flow ES256 (flows/s)', es256?.flowsPerSec ?? null, GOALS.flowsPerSec, ' flows/s');
  goals.push({
    row: 'idgate RSS under load (MB, peak)',
    measured: rss?.peakMb ?? null,
    unit: ' MB',
    goal: `< ${GOALS.rssMegabytes}`,
    met: rss?.peakMb == null ? null : rss.peakMb < GOALS.rssMegabytes,
  });

  const figures = [];
  const figure = (row, measured, unit = '×') => {
    if (measured !== null && measured !== undefined) figures.push({ row, measured, unit });
  };
  for (const group of POST_GROUPS) {
    const idgate = find(group, IDGATE);
    // The cost of the rate limits: the same path on an idgate with every limit on.
    figure(`${group}: rate limits on ÷ off`, ratio(find(group, IDGATE_LIMITED), idgate));
    figure(
      `${group}: bare POST ÷ oidc-provider (the ceiling's ratio)`,
      ratio(find(group, BARE), find(group, PROVIDER)),
    );
    const p99 = find(group, PROVIDER);
    if (idgate && p99?.latencyP99Ms)
      figure(`${group}: p99 ÷ oidc-provider's p99`, round(idgate.latencyP99Ms / p99.latencyP99Ms, 3));
  }
  figure('invalid-secret ÷ oidc-provider', ratio(find('invalid-secret', IDGATE), find('invalid-secret', PROVIDER)));
  for (const group of FAPI_GROUPS)
    figure(`${group} ÷ token (client_secret_basic)`, ratio(find(group, IDGATE), find('token', IDGATE)));
  const rs256 = flows.find((f) => f.idTokenAlg === 'RS256');
  figure('code flow RS256 (flows/s)', rs256?.flowsPerSec, ' flows/s');
  return { goals, figures };
}

function show(measured, unit) {
  if (measured === null) return 'not measured';
  return unit === '×' ? `${measured.toFixed(2)}×` : `${measured}${unit}`;
}

/** The tables of a run, as text. */
export function tables(rows, flows, { goals, figures }, rss) {
  const widths = [60, 8, 7, 7, 8, 6, 10, 11];
  const line = (cells, w = widths) => cells.map((cell, i) => pad(cell, w[i], i > 0)).join('  ');
  const out = [
    line(['target', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'unexpected', 'cpu µs/req']),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) =>
      line([
        r.target,
        r.reqPerSec,
        r.latencyP50Ms,
        r.latencyP99Ms,
        r.non2xx,
        r.errors + r.timeouts,
        r.unexpectedStatus,
        r.serverCpuMicrosPerRequest ?? '-',
      ]),
    ),
  ];
  if (flows.length) {
    const fw = [40, 8, 9, 9, 9, 9, 9, 6, 13, 13];
    const heading = [
      'code flow (authorize → token → userinfo)',
      'flows/s',
      'p50 ms',
      'p99 ms',
      'auth p50',
      'tok p50',
      'ui p50',
      'failed',
      'cpu µs/flow',
      'load µs/flow',
    ];
    out.push(
      '',
      line(heading, fw),
      line(
        fw.map((w) => '-'.repeat(w)),
        fw,
      ),
    );
    for (const f of flows) {
      const { flow, authorize, token, userinfo } = f.latencyMs;
      out.push(
        line(
          [
            f.target,
            f.flowsPerSec,
            flow.p50,
            flow.p99,
            authorize.p50,
            token.p50,
            userinfo.p50,
            f.failed,
            f.serverCpuMicrosPerFlow ?? '-',
            f.loadGeneratorCpuMicrosPerFlow ?? '-',
          ],
          fw,
        ),
      );
    }
  }
  if (rss) {
    out.push(
      '',
      `idgate child RSS: ${rss.startMb} MB at the first sample, ${rss.meanMb} MB mean, ${rss.peakMb} MB peak (${rss.samples} samples)`,
    );
    const phases = Object.entries(rss.peakByPhaseMb ?? {});
    if (phases.length > 0) {
      out.push(
        `  highest sample while each group was loaded: ${phases.map(([label, mb]) => `${label} ${mb}`).join(', ')} (MB)`,
      );
    }
  }
  const gw = [62, 14, 10, 5];
  out.push(
    '',
    line(['goal (issue 15)', 'measured', 'goal', 'met'], gw),
    line(
      gw.map((w) => '-'.repeat(w)),
      gw,
    ),
  );
  for (const g of goals)
    out.push(line([g.row, show(g.measured, g.unit), g.goal, g.met === null ? '-' : g.met ? 'yes' : 'NO'], gw));
  if (figures.length) {
    out.push(
      '',
      line(['beside the goals', 'measured'], gw),
      line(
        gw.slice(0, 2).map((w) => '-'.repeat(w)),
        gw,
      ),
    );
    for (const f of figures) out.push(line([f.row, show(f.measured, f.unit)], gw));
  }
  return out.join('\n');
}

/** Writes the run as JSON (arrays of numbers on one line, as Biome formats them). */
export function writeResults(output) {
  mkdirSync(path.dirname(path.resolve(settings.out)), { recursive: true });
  const json = JSON.stringify(output, null, 2).replace(
    /\[\s+([-\d.e+,\s]+?)\s+\]/g,
    (_, items) => `[${items.split(/,\s*/).join(', ')}]`,
  );
  writeFileSync(settings.out, `${json}\n`);
}

/** The machine the run ran on. */
export function machine() {
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGb: round(totalmem() / 1024 ** 3, 1),
    freeMemoryGb: round(freemem() / 1024 ** 3, 1),
    loadAverage: loadavg(),
  };
}
