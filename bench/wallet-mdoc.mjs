#!/usr/bin/env node
/**
 * ISO mdoc presentations verified per second (docs/wallets-mdoc.md).
 *
 *   node bench/wallet-mdoc.mjs [--duration 5] [--warmup 1] [--holders 64] [--cold 100]
 *                              [--out bench/results/wallet-mdoc.json]
 *
 * Needs the built server (`npm run build`). In this process, without HTTP: the sandbox
 * issuer issues PIDs (`eu.europa.ec.eudi.pid.1`) to `--holders` device keys, the sandbox
 * presenter answers a DCQL query for 8 elements with a `deviceSignature` over an OpenID4VP
 * transcript, and `verifyMdocPresentation` verifies them one after another — every check,
 * every time:
 *
 * - "same document signer": the PIDs share one DS certificate, as a real issuer's do, so
 *   its chain to the IACA is verified once and then only its validity is rechecked;
 * - "new document signer": each presentation has a DS certificate never seen before, so the
 *   whole chain is verified (one pass over `--cold` presentations).
 *
 * "per CPU second" divides by the CPU time the process used (`process.cpuUsage`), which a
 * busy shared machine disturbs far less than the wall-clock figure.
 *
 * Prints a table and writes the figures as JSON. A figure, not a test: the exit code is 0
 * unless the benchmark itself could not run (a presentation that fails to verify is that).
 */
import { webcrypto } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '..', 'packages', 'server', 'dist', 'providers', 'wallet', 'mdoc');

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    holders: { type: 'string', default: '64' },
    cold: { type: 'string', default: '100' },
    out: { type: 'string', default: path.join(here, 'results', 'wallet-mdoc.json') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  process.stdout.write(
    'usage: node bench/wallet-mdoc.mjs [--duration s] [--warmup s] [--holders n] [--cold n] [--out FILE]\n',
  );
  process.exit(0);
}

function positiveNumber(name) {
  const value = Number(flags[name]);
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`--${name} must be a positive number`);
  return value;
}
const settings = {
  duration: positiveNumber('duration'),
  warmup: positiveNumber('warmup'),
  holders: Math.ceil(positiveNumber('holders')),
  cold: Math.ceil(positiveNumber('cold')),
};

const { createSandboxDocumentSigner, createSandboxIaca, issueSandboxMdoc, PID_DOCTYPE } = await import(
  path.join(dist, 'sandbox-mdoc-issuer.js')
);
const { presentSandboxMdoc } = await import(path.join(dist, 'sandbox-mdoc-presenter.js'));
const { verifyMdocPresentation } = await import(path.join(dist, 'verify-mdoc.js'));

const now = new Date();
const transcript = {
  kind: 'openid4vp',
  clientId: 'x509_san_dns:idgate.example',
  nonce: 'bench-nonce-0123456789',
  responseUri: 'https://idgate.example/v1/wallet/response',
  jwkThumbprint: new Uint8Array(32).fill(9),
};
const ELEMENTS = [
  'family_name',
  'given_name',
  'birth_date',
  'nationality',
  'resident_address',
  'resident_city',
  'age_over_18',
  'issuing_country',
];
const query = {
  id: 'pid',
  format: 'mso_mdoc',
  meta: { doctype_value: PID_DOCTYPE },
  claims: ELEMENTS.map((element) => ({ path: [PID_DOCTYPE, element] })),
};

async function holderPresentation(iaca, documentSigner) {
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const devicePublicKey = await webcrypto.subtle.exportKey('jwk', keys.publicKey);
  const devicePrivateKey = await webcrypto.subtle.exportKey('jwk', keys.privateKey);
  const mdoc = await issueSandboxMdoc({ doctype: PID_DOCTYPE, iaca, devicePublicKey, now, documentSigner });
  return await presentSandboxMdoc({ mdoc, devicePrivateKey, query, transcript });
}

const iaca = await createSandboxIaca({ now });
const input = (deviceResponse) => ({
  deviceResponse,
  trustAnchors: [iaca.certificatePem],
  allowedDoctypes: [PID_DOCTYPE],
  transcript,
  now,
});

process.stdout.write(`preparing ${settings.holders} + ${settings.cold} presentations …\n`);
const sharedSigner = await createSandboxDocumentSigner(iaca, now);
const warm = [];
for (let i = 0; i < settings.holders; i += 1) warm.push(await holderPresentation(iaca, sharedSigner));
const cold = [];
for (let i = 0; i < settings.cold; i += 1) cold.push(await holderPresentation(iaca, undefined));

// Every presentation must verify with all its elements, or the figure means nothing.
const check = await verifyMdocPresentation(input(warm[0]));
if (Object.keys(check.claims[PID_DOCTYPE]).length !== ELEMENTS.length) throw new Error('the bench PID lacks elements');

/** Seconds of CPU this process used since `start` (user and system, all threads). */
function cpuSecondsSince(start) {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1e6;
}

async function runFor(seconds, presentations) {
  const deadline = performance.now() + seconds * 1000;
  let count = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  while (performance.now() < deadline) {
    await verifyMdocPresentation(input(presentations[count % presentations.length]));
    count += 1;
  }
  return { count, seconds: (performance.now() - started) / 1000, cpuSeconds: cpuSecondsSince(cpu) };
}

async function runOnce(presentations) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (const presentation of presentations) await verifyMdocPresentation(input(presentation));
  return {
    count: presentations.length,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: cpuSecondsSince(cpu),
  };
}

await runFor(settings.warmup, warm);
const rows = [
  { scenario: 'PID, 8 elements, deviceSignature, same document signer', ...(await runFor(settings.duration, warm)) },
  { scenario: 'PID, 8 elements, deviceSignature, new document signer', ...(await runOnce(cold)) },
].map((row) => ({
  ...row,
  perSecond: row.count / row.seconds,
  perCpuSecond: row.count / row.cpuSeconds,
  meanMs: (row.seconds * 1000) / row.count,
}));

const header = ['scenario', 'verified', 'seconds', 'per second', 'per CPU second', 'mean ms'];
const table = rows.map((row) => [
  row.scenario,
  String(row.count),
  row.seconds.toFixed(2),
  row.perSecond.toFixed(0),
  row.perCpuSecond.toFixed(0),
  row.meanMs.toFixed(2),
]);
const widths = header.map((title, column) => Math.max(title.length, ...table.map((line) => line[column].length)));
const line = (cells) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
process.stdout.write(
  `\n${line(header)}\n${line(widths.map((width) => '-'.repeat(width)))}\n${table.map(line).join('\n')}\n\n` +
    `node ${process.version}, ${cpus().length} cores, load ${loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')}\n`,
);

mkdirSync(path.dirname(flags.out), { recursive: true });
writeFileSync(
  flags.out,
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cores: cpus().length, loadavg: loadavg(), settings, rows }, null, 2)}\n`,
);
process.stdout.write(`written to ${path.relative(process.cwd(), flags.out)}\n`);
