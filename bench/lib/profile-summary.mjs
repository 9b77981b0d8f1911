/**
 * The top self-time functions of a V8 CPU profile (`--cpu-prof`), for bench/README.md and
 * docs/performance.md:
 *
 *   node bench/lib/profile-summary.mjs FILE.cpuprofile [--top 25]
 *
 * Self time per function (name, file:line), as a share of the sampled busy time (idle
 * left out); the same summed per package or source file; and per layer (the kernel's
 * socket calls, Node's HTTP and streams, Fastify, idgate's own code, SQLite through
 * Kysely, node:crypto, GC, start-up).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/** `{ total, idle, gc, functions: [{ name, where, ms, share }], places: [...] }` of one profile. */
export function summarise(profile, top = 25) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const counts = new Map();
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  const interval = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
  const functions = new Map();
  const places = new Map();
  const layers = new Map();
  let idle = 0;
  let gc = 0;
  let busy = 0;
  for (const [id, count] of counts) {
    const { callFrame } = byId.get(id);
    const ms = count * interval;
    if (callFrame.functionName === '(idle)' || callFrame.functionName === '(program)') {
      idle += ms;
      continue;
    }
    if (callFrame.functionName === '(garbage collector)') gc += ms;
    busy += ms;
    const where = place(callFrame.url);
    const key = `${callFrame.functionName || '(anonymous)'} ${where}:${callFrame.lineNumber + 1}`;
    functions.set(key, (functions.get(key) ?? 0) + ms);
    places.set(where, (places.get(where) ?? 0) + ms);
    const layer = layerOf(callFrame, where);
    layers.set(layer, (layers.get(layer) ?? 0) + ms);
  }
  const rank = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), share: Number(((ms / busy) * 100).toFixed(1)) }));
  return {
    busyMs: Math.round(busy),
    idleMs: Math.round(idle),
    gcMs: Math.round(gc),
    functions: rank(functions),
    places: rank(places),
    layers: rank(layers),
  };
}

const KERNEL = new Set(['writev', 'writeBuffer', 'writeUtf8String', 'writeLatin1String', 'read', 'readStart']);
const START_UP =
  /^node:internal\/(modules|deps\/cjs-module-lexer|bootstrap)|^(ajv|avvio|fast-json-stringify|fast-uri|@fastify\/ajv-compiler)$/;
const FRAMEWORK = new Set(['fastify', 'find-my-way', 'light-my-request', 'pino', 'prom-client', 'toad-cache']);

/** The layer a sample's function belongs to. */
function layerOf(callFrame, where) {
  const name = callFrame.functionName;
  if (name === '(garbage collector)') return 'GC';
  if (where === '(native)' && KERNEL.has(name)) return 'socket system calls (writev, read)';
  if (where === 'kysely' && name === 'executeQuery') return 'SQLite (better-sqlite3 under Kysely executeQuery)';
  if (where === 'kysely' || where === 'better-sqlite3') return 'Kysely (building and running queries)';
  if (where.startsWith('node:internal/crypto') || where === 'jose') return 'crypto (node:crypto, jose)';
  if (START_UP.test(where) || /compile|wrapSafe|internalModuleStat|readFileUtf8|openFileHandle|fstat|lstat/.test(name))
    return 'start-up (modules, schema compilation)';
  if (where.startsWith('idgate:')) return "idgate's own code";
  if (FRAMEWORK.has(where)) return 'framework and libraries (Fastify, find-my-way, pino, prom-client)';
  if (where.startsWith('node:') || where === '(native)') return "Node's HTTP, streams, events and timers";
  return 'other';
}

/** A short place for a script URL: the package (node_modules), idgate's source folder, or node's own module. */
function place(url) {
  if (!url) return '(native)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return `idgate:${url.slice(dist + '/dist/'.length)}`;
  if (url.startsWith('node:')) return url;
  return url.split('/').slice(-2).join('/');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.on('error', () => process.exit(0)); // output piped into head
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '25' } },
  });
  for (const file of positionals) {
    const summary = summarise(JSON.parse(readFileSync(file, 'utf8')), Number(values.top));
    process.stdout.write(
      `${file}: busy ${summary.busyMs} ms (GC ${summary.gcMs} ms), idle ${summary.idleMs} ms\n\nself time by function\n`,
    );
    for (const f of summary.functions) process.stdout.write(`${String(f.share).padStart(5)} %  ${f.name}\n`);
    process.stdout.write('\nself time by place\n');
    for (const f of summary.places) process.stdout.write(`${String(f.share).padStart(5)} %  ${f.name}\n`);
    process.stdout.write('\nself time by layer\n');
    for (const f of summary.layers) process.stdout.write(`${String(f.share).padStart(5)} %  ${f.name}\n`);
  }
}
