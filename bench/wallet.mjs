#!/usr/bin/env node
/**
 * Wallet presentations verified per second (SPEC 10; see bench/README.md), in one process:
 *
 * - `sd-jwt-vc`: one SD-JWT VC PID presentation through the format verifier — issuer
 *   signature by an x5c chain to the trust anchor, every disclosure digest, the key binding
 *   JWT (signature, aud, nonce, sd_hash, iat) and the token status list (cached);
 * - `sd-jwt-vc response`: the whole wallet response through the adapter's `advance` — the
 *   `direct_post.jwt` JWE decrypted, `vp_token` read, the presentation verified as above,
 *   the DCQL query matched and the claims mapped;
 * - `mso_mdoc`: one ISO mdoc PID `DeviceResponse` (8 elements, `deviceSignature` over an
 *   OpenID4VP session transcript) through the mdoc verifier — `issuerAuth` by its
 *   `x5chain` to the IACA, every value digest, `validityInfo`, the doctype and the device
 *   signature; the PIDs share one document signer, as a real issuer's do, so its chain is
 *   verified once and then only its validity is rechecked;
 * - `mso_mdoc new signer`: each presentation with a document signer never seen before, so
 *   the whole chain is verified every time (one pass over `--cold` presentations).
 *
 *   node bench/wallet.mjs [--duration 3] [--warmup 1] [--concurrency 8] [--presentations 64]
 *                         [--cold 100] [--only sd-jwt-vc,response,mdoc,mdoc-cold] [--out FILE]
 *
 * Needs the built server (`npm run build`; `npm run bench:wallet` does both). The
 * presentations are made once beforehand by the sandbox test wallet (each with its own key
 * binding JWT); the loops then only verify. Besides wall-clock verifications per second the
 * table shows them per CPU-second of the process (all its threads): on a machine shared
 * with other work that is the figure that says what idgate itself costs. Every check runs on every verification: the
 * chain and the status list are verified once and then served from their caches, as in
 * production. A figure, not a test: the exit code is 0 whether or not the goal is met.
 */
import { webcrypto } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  createSandboxDocumentSigner,
  createSandboxIaca,
  issueSandboxMdoc,
  PID_DOCTYPE,
} from '../packages/server/dist/providers/wallet/mdoc/sandbox-mdoc-issuer.js';
import { presentSandboxMdoc } from '../packages/server/dist/providers/wallet/mdoc/sandbox-mdoc-presenter.js';
import { verifyMdocPresentation } from '../packages/server/dist/providers/wallet/mdoc/verify-mdoc.js';
import { SandboxIssuer } from '../packages/server/dist/providers/wallet/sandbox/sandbox-issuer.js';
import { SandboxWallet } from '../packages/server/dist/providers/wallet/sandbox/sandbox-wallet.js';
import { verifySdJwtVc } from '../packages/server/dist/providers/wallet/sd-jwt/verify-sd-jwt-vc.js';
import { StatusListCache } from '../packages/server/dist/providers/wallet/status-list.js';
import { IssuerTrust } from '../packages/server/dist/providers/wallet/trust/issuer-trust.js';
import { ephemeralVerifierIdentity } from '../packages/server/dist/providers/wallet/verifier-identity.js';
import { WalletProvider } from '../packages/server/dist/providers/wallet/wallet.provider.js';

/** The goal of the issue: SD-JWT VC presentations with key binding and a cached status list. */
const GOAL_PER_SECOND = 2000;
const ISSUER = 'https://bench.idgate.example';

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '8' },
    presentations: { type: 'string', default: '64' },
    cold: { type: 'string', default: '100' },
    only: { type: 'string', default: 'sd-jwt-vc,response,mdoc,mdoc-cold' },
    out: { type: 'string' },
  },
});
const durationMs = Math.min(Number(flags.duration), 30) * 1000;
const warmupMs = Math.min(Number(flags.warmup), 10) * 1000;
const concurrency = Math.max(1, Math.min(Number(flags.concurrency), 64));
const count = Math.max(1, Math.min(Number(flags.presentations), 1000));
const coldCount = Math.max(1, Math.min(Number(flags.cold), 1000));

/** Runs `verify(i)` with `concurrency` in flight for `ms`; the verifications per second and latencies. */
async function measure(verify, ms) {
  const latencies = [];
  let done = 0;
  let failed = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const deadline = started + ms;
  async function worker(offset) {
    let index = offset;
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        await verify(index);
        done += 1;
      } catch (error) {
        failed += 1;
        if (failed === 1) console.error('verification failed:', error?.code ?? error, error?.debug ?? '');
      }
      latencies.push(performance.now() - t0);
      index += concurrency;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, (_, offset) => worker(offset)));
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { perSecond: done / elapsed, perCpuSecond: done / cpuSeconds, done, failed, p50: at(0.5), p99: at(0.99) };
}

/** Verifies each presentation once, one after another: the figures of a cold cache. */
async function measureOnce(verify, total) {
  let failed = 0;
  const latencies = [];
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  for (let index = 0; index < total; index += 1) {
    const t0 = performance.now();
    try {
      await verify(index);
    } catch (error) {
      failed += 1;
      if (failed === 1) console.error('verification failed:', error?.code ?? error, error?.debug ?? '');
    }
    latencies.push(performance.now() - t0);
  }
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  const done = total - failed;
  return {
    perSecond: done / elapsed,
    perCpuSecond: done / ((cpu.user + cpu.system) / 1e6),
    done,
    failed,
    p50: at(0.5),
    p99: at(0.99),
  };
}

/** The 8 PID elements an mdoc presentation discloses. */
const MDOC_ELEMENTS = [
  'family_name',
  'given_name',
  'birth_date',
  'nationality',
  'resident_address',
  'resident_city',
  'age_over_18',
  'issuing_country',
];

/** mdoc PIDs presented by `holders` device keys (one shared document signer, or a new one each). */
async function mdocPresentations(now, holders, shared) {
  const transcript = {
    kind: 'openid4vp',
    clientId: `x509_san_dns:${new URL(ISSUER).hostname}`,
    nonce: 'bench-nonce-0123456789',
    responseUri: `${ISSUER}/wallet/vrf_test_bench/response`,
    jwkThumbprint: new Uint8Array(32).fill(9),
  };
  const query = {
    id: 'pid',
    format: 'mso_mdoc',
    meta: { doctype_value: PID_DOCTYPE },
    claims: MDOC_ELEMENTS.map((element) => ({ path: [PID_DOCTYPE, element] })),
  };
  const iaca = await createSandboxIaca({ now });
  const signer = shared ? await createSandboxDocumentSigner(iaca, now) : undefined;
  const responses = [];
  for (let i = 0; i < holders; i += 1) {
    const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const devicePublicKey = await webcrypto.subtle.exportKey('jwk', keys.publicKey);
    const devicePrivateKey = await webcrypto.subtle.exportKey('jwk', keys.privateKey);
    const mdoc = await issueSandboxMdoc({ doctype: PID_DOCTYPE, iaca, devicePublicKey, now, documentSigner: signer });
    responses.push(await presentSandboxMdoc({ mdoc, devicePrivateKey, query, transcript }));
  }
  const verify = async (index) => {
    const verified = await verifyMdocPresentation({
      deviceResponse: responses[index % responses.length],
      trustAnchors: [iaca.certificatePem],
      allowedDoctypes: [PID_DOCTYPE],
      transcript,
      now: new Date(),
    });
    // Every element must come back, or the figure means nothing.
    if (Object.keys(verified.claims[PID_DOCTYPE] ?? {}).length !== MDOC_ELEMENTS.length) {
      throw new Error('the mdoc PID lacks elements');
    }
  };
  return verify;
}

async function main() {
  const now = new Date();
  const issuer = await SandboxIssuer.create({ baseUrl: ISSUER, now });
  const identity = await ephemeralVerifierIdentity(new URL(ISSUER).hostname, now);
  const wallet = new SandboxWallet(issuer);
  const config = (responseMode) => ({
    id: 'bench-wallet',
    displayName: 'Bench wallet',
    credentials: [{ format: 'dc+sd-jwt', vct: ['urn:eudi:pid:1'] }],
    trustAnchors: [issuer.ca],
    responseMode,
  });
  const deps = { identity: async () => identity, statusListFetcher: issuer.fetcher() };
  const requested = ['given_name', 'family_name', 'birthdate', 'nationality', 'address', 'age_over_18'];

  /** A started session of a provider: its context, and `count` answers of the test wallet. */
  async function session(provider) {
    const context = {
      verificationId: 'vrf_test_bench',
      clientId: 'test_bench',
      environment: 'sandbox',
      issuer: ISSUER,
      origin: 'rest',
      flowType: 'qr',
      redirectUri: null,
      requestedLoa: null,
      requestedClaims: requested,
      userData: {},
      loginHint: undefined,
      settings: {},
      status: 'initiated',
      providerState: {},
      now,
    };
    const step = await provider.start(context);
    const next = { ...context, status: 'pending', providerState: step.providerState };
    const requestObject = await provider.requestObject(next);
    const answers = [];
    for (let i = 0; i < count; i += 1) answers.push(await wallet.respond('success', requestObject, { now }));
    return { context: next, answers };
  }

  // The format verifier alone: presentations from plain direct_post answers.
  const plain = new WalletProvider(config('direct_post'), deps);
  const plainSession = await session(plain);
  const presentations = plainSession.answers.map((answer) => JSON.parse(answer.vp_token).pid_sd_jwt[0]);
  const state = plainSession.context.providerState;
  const trust = new IssuerTrust({ trustAnchors: [issuer.ca], trustedIssuers: [] });
  const statusLists = new StatusListCache({ fetcher: issuer.fetcher(), trust });
  const verifyPresentation = (index) =>
    verifySdJwtVc(
      {
        presentation: presentations[index % presentations.length],
        allowedVcts: ['urn:eudi:pid:1'],
        audience: state.clientId,
        nonce: state.nonce,
        now: new Date(),
      },
      { trust, statusLists },
    );

  // The whole encrypted response through the adapter.
  const encrypted = new WalletProvider(config('direct_post.jwt'), deps);
  const encryptedSession = await session(encrypted);
  const advance = async (index) => {
    const step = await encrypted.advance(
      { ...encryptedSession.context, now: new Date() },
      encryptedSession.answers[index % encryptedSession.answers.length],
    );
    if (step.status !== 'completed') throw new Error(`step ${step.status}`);
  };

  const rows = [];
  const only = new Set(flags.only.split(','));
  const targets = [
    ['sd-jwt-vc', 'sd-jwt-vc', verifyPresentation],
    ['response', 'sd-jwt-vc response', advance],
  ];
  if (only.has('mdoc')) targets.push(['mdoc', 'mso_mdoc', await mdocPresentations(now, count, true)]);
  for (const [, name, verify] of targets.filter(([key]) => only.has(key))) {
    await measure(verify, warmupMs);
    rows.push({ name, ...(await measure(verify, durationMs)) });
  }
  if (only.has('mdoc-cold')) {
    rows.push({
      name: 'mso_mdoc new signer',
      ...(await measureOnce(await mdocPresentations(now, coldCount, false), coldCount)),
    });
  }

  console.log(
    `\nwallet presentations verified per second (node ${process.version}, ${cpus().length} cores, load ${loadavg()[0].toFixed(2)}, concurrency ${concurrency})\n`,
  );
  console.log('| target | verified/s | per CPU-second | p50 ms | p99 ms | failed | goal |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  for (const row of rows) {
    const goal =
      row.name === 'sd-jwt-vc'
        ? row.perSecond >= GOAL_PER_SECOND
          ? `≥ ${GOAL_PER_SECOND}: met`
          : `≥ ${GOAL_PER_SECOND}: NOT met`
        : '';
    console.log(
      `| ${row.name} | ${row.perSecond.toFixed(0)} | ${row.perCpuSecond.toFixed(0)} | ${row.p50.toFixed(2)} | ${row.p99.toFixed(2)} | ${row.failed} | ${goal} |`,
    );
  }
  if (flags.out) writeFileSync(flags.out, `${JSON.stringify({ at: new Date().toISOString(), rows }, null, 2)}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
