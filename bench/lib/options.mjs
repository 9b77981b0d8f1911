/**
 * The command line of `bench/oidc.mjs`, the goals of issue 15 and the target groups.
 * Parsed once on import: every module of the bench reads the same `settings`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The goals of issue 15 (ratios in one interleaved run, rate limits off). */
export const GOALS = Object.freeze({
  /** token and introspection: idgate ÷ oidc-provider. */
  versusProvider: 3,
  /** token and introspection: idgate ÷ a bare Fastify POST route with the same body. */
  postOfBare: 0.4,
  /** wrong secret (`invalid_client`): idgate ÷ the bare POST route. */
  invalidOfBare: 0.5,
  /** discovery and JWKS: idgate ÷ a bare Fastify GET route with a body of the same size. */
  getOfBare: 0.9,
  /** the headless code flow with ES256 ID tokens on SQLite. */
  flowsPerSec: 1000,
  /** peak resident set size of the idgate child under load. */
  rssMegabytes: 200,
});

export const GROUPS = Object.freeze([
  'token',
  'token-pkjwt',
  'token-dpop',
  'invalid-secret',
  'introspect',
  'discovery',
  'jwks',
  'flow-es256',
  'flow-rs256',
]);

/** The POST groups, compared with oidc-provider, each with a bare ceiling route. */
export const POST_GROUPS = Object.freeze(['token', 'invalid-secret', 'introspect']);

/**
 * The FAPI token groups (SPEC 12), idgate only, compared with idgate's own `token` group
 * (client_secret_basic) of the same run: a `private_key_jwt` assertion, and a secret
 * client with a DPoP proof. Every request needs a new assertion or proof (their `jti`s are
 * single use), so each load gets a pool signed beforehand with jose.
 */
export const FAPI_GROUPS = Object.freeze(['token-pkjwt', 'token-dpop']);

/** Signed requests prepared per second of a FAPI load (more than the machine serves). */
export const FRESH_PER_SECOND = 8000;

export const USAGE =
  'usage: node bench/oidc.mjs [--duration s] [--warmup s] [--connections n] [--pipelining n] [--rounds n]\n' +
  '                           [--flow-workers n] [--flow-client http|fetch] [--login-hint hint]\n' +
  `                           [--only ${GROUPS.join(',')}]\n` +
  '                           [--server idgate|oidc-provider] [--rate-limits off|on|both] [--check] [--no-ceiling]\n' +
  '                           [--log-level warn|silent|...]\n' +
  '                           [--cpu-prof DIR] [--idgate-node-arg=<node flag> ...] [--out FILE]\n';

export const { values: flags } = parseArgs({
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
    'rate-limits': { type: 'string', default: 'both' },
    check: { type: 'boolean', default: false },
    'no-ceiling': { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'warn' },
    'cpu-prof': { type: 'string' },
    'idgate-node-arg': { type: 'string', multiple: true, default: [] },
    out: { type: 'string', default: path.join(here, '..', 'results', 'oidc.json') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

function positiveInteger(name, min = 1, fallback = undefined) {
  const value = Number(flags[name] ?? fallback);
  if (!Number.isInteger(value) || value < min) throw new RangeError(`--${name} must be an integer >= ${min}`);
  return value;
}

function oneOf(name, allowed, value = flags[name]) {
  if (!allowed.includes(value)) throw new RangeError(`--${name} must be one of ${allowed.join(', ')}`);
  return value;
}

const only = flags.only.split(',').map((group) => group.trim());
for (const group of only) {
  if (!GROUPS.includes(group)) throw new RangeError(`--only: unknown group '${group}' (${GROUPS.join(', ')})`);
}
if (flags.server !== undefined) oneOf('server', ['idgate', 'oidc-provider']);

/** The run's settings (also written to the JSON). */
export const settings = Object.freeze({
  duration: positiveInteger('duration'),
  warmup: positiveInteger('warmup', 0),
  connections: positiveInteger('connections'),
  pipelining: positiveInteger('pipelining'),
  rounds: positiveInteger('rounds'),
  flowWorkers: positiveInteger('flow-workers', 1, flags.connections),
  flowClient: oneOf('flow-client', ['http', 'fetch']),
  loginHint: flags['login-hint'],
  only,
  server: flags.server ?? 'all',
  /**
   * `off`: idgate with every rate limit off (the goals' condition); `on`: with every limit
   * on at a quota the bench never reaches (each request counted, none refused); `both`:
   * the goals with limits off, plus a second idgate with limits on measured on the POST
   * groups in the same rounds (their cost).
   */
  rateLimits: oneOf('rate-limits', ['off', 'on', 'both']),
  ceiling: !flags['no-ceiling'],
  logLevel: flags['log-level'],
  idgateNodeArgs: flags['idgate-node-arg'],
  cpuProfDir: flags['cpu-prof'],
  check: flags.check,
  out: flags.out,
  help: flags.help,
});

/** Whether a group was selected with `--only`. */
export function wanted(group) {
  return settings.only.includes(group);
}
