/**
 * `idgate keys list` and `idgate keys rotate` (issue 3, item 1), run as the built CLI on
 * a fresh SQLite data directory; the keys it writes are the ones an instance on that
 * directory (same generated instance secret) publishes and signs with. Needs `npm run
 * build` first.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/security/secrets.js';
import { openDatabase } from '../../src/store/database.js';
import { KEY_PUBLICATION_DELAY_SECONDS, SigningKeys } from '../../src/tokens/signing-keys.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const CLI = join(ROOT, 'packages', 'server', 'dist', 'cli.js');
const CONFIG_VARIABLES = /^(?:IDGATE_.*|DATABASE_URL|REDIS_URL|PORT|HOST)$/;
const HOUR_MS = 3600 * 1000;

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface KeyView {
  kid: string;
  alg: string;
  status: string;
  published: boolean;
  signing: boolean;
  createdAt: string;
  publishUntil: string | null;
}

interface Rotated {
  alg: string;
  kid: string;
  signsFrom: string;
  previousKid: string | null;
  previousPublishUntil: string | null;
}

function runCli(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!CONFIG_VARIABLES.test(key)) clean[key] = value;
  return new Promise(function runChild(resolve, reject) {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: ROOT, env: { ...clean, IDGATE_LOG_LEVEL: 'warn', ...env }, timeout: 20_000, encoding: 'utf8' },
      function exited(error, stdout, stderr) {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`idgate ${args.join(' ')} did not run: ${error.message}\n${stderr}`));
          return;
        }
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

function parse<T>(result: CliResult): T {
  expect(result.code, `stderr: ${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout) as T;
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
});

describe('idgate keys on SQLite', () => {
  let dataDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'idgate-cli-keys-'));
    env = { IDGATE_DATA_DIR: dataDir };
  });
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  let initial: KeyView[];

  it('keys list on a fresh instance creates and lists one active key per algorithm', async () => {
    initial = parse<{ keys: KeyView[] }>(await runCli(['keys', 'list'], env)).keys;
    expect(initial.map((key) => key.alg).sort()).toEqual(['ES256', 'EdDSA', 'RS256']);
    for (const key of initial) {
      expect(key).toEqual({
        kid: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        alg: key.alg,
        status: 'active',
        published: true,
        signing: true,
        createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        publishUntil: null,
      });
    }
    // Listing again changes nothing.
    expect(parse<{ keys: KeyView[] }>(await runCli(['keys', 'list'], env)).keys).toEqual(initial);
  });

  it('keys rotate --alg ES256 makes a new active key and keeps the old one published for an hour', async () => {
    const oldKid = initial.find((key) => key.alg === 'ES256')?.kid;
    const { rotated } = parse<{ rotated: Rotated[] }>(await runCli(['keys', 'rotate', '--alg', 'ES256'], env));
    expect(rotated).toHaveLength(1);
    const [result] = rotated;
    expect(result).toEqual({
      alg: 'ES256',
      kid: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      signsFrom: expect.any(String),
      previousKid: oldKid,
      previousPublishUntil: expect.any(String),
    });

    const listed = parse<{ keys: KeyView[] }>(await runCli(['keys', 'list'], env)).keys;
    expect(listed).toHaveLength(4);
    const fresh = listed.find((key) => key.kid === result?.kid);
    // Published at once; the old key signs until the publication delay is over.
    expect(fresh).toMatchObject({
      alg: 'ES256',
      status: 'active',
      published: true,
      signing: false,
      publishUntil: null,
    });
    expect(Date.parse(result?.signsFrom ?? '') - Date.parse(fresh?.createdAt ?? '')).toBe(
      KEY_PUBLICATION_DELAY_SECONDS * 1000,
    );
    expect(listed.find((key) => key.kid === oldKid)).toMatchObject({
      alg: 'ES256',
      status: 'previous',
      published: true,
      signing: true,
      publishUntil: result?.previousPublishUntil,
    });
    // Published until one hour after the rotation (the new key's creation time).
    expect(Date.parse(result?.previousPublishUntil ?? '') - Date.parse(fresh?.createdAt ?? '')).toBe(HOUR_MS);
  });

  it('keys rotate without --alg rotates every algorithm', async () => {
    const before = parse<{ keys: KeyView[] }>(await runCli(['keys', 'list'], env)).keys;
    const { rotated } = parse<{ rotated: Rotated[] }>(await runCli(['keys', 'rotate'], env));
    expect(rotated.map((key) => key.alg)).toEqual(['RS256', 'ES256', 'EdDSA']);
    for (const key of rotated) {
      expect(key.previousKid).toBe(before.find((view) => view.alg === key.alg && view.status === 'active')?.kid);
    }
    const after = parse<{ keys: KeyView[] }>(await runCli(['keys', 'list'], env)).keys;
    expect(
      after
        .filter((key) => key.status === 'active')
        .map((key) => key.kid)
        .sort(),
    ).toEqual(rotated.map((key) => key.kid).sort());
    expect(after.filter((key) => key.status === 'previous')).toHaveLength(4);
  });

  it('an instance on the same data directory publishes and signs with the keys the CLI wrote', async () => {
    const listed = parse<{ keys: KeyView[] }>(await runCli(['keys', 'list'], env)).keys;
    const secretKey = readFileSync(join(dataDir, 'secret-key'), 'utf8').trim();
    const database = await openDatabase({ kind: 'sqlite', file: join(dataDir, 'idgate.sqlite') });
    try {
      const keys = new SigningKeys({ database, secrets: new SecretBox(secretKey), clock: () => new Date() });
      const jwks = await keys.jwks();
      expect(jwks.keys.map((key) => key.kid).sort()).toEqual(
        listed
          .filter((key) => key.published)
          .map((key) => key.kid)
          .sort(),
      );
      const token = await keys.signJwt({ sub: 'someone', aud: 'test_client' }, 'RS256');
      const { protectedHeader } = await jwtVerify(token, createLocalJWKSet({ keys: [...jwks.keys] }), {
        audience: 'test_client',
      });
      expect(protectedHeader.kid).toBe(listed.find((key) => key.alg === 'RS256' && key.signing)?.kid);
    } finally {
      await database.close();
    }
  });

  it('keys rotate --rp replaces the relying-party keys (both, or the one --alg is for); keys list shows them beside the signing keys', async () => {
    const before = parse<{ keys: KeyView[]; relyingPartyKeys: (KeyView & { use: string })[] }>(
      await runCli(['keys', 'list'], env),
    );
    expect(before.relyingPartyKeys.map((key) => [key.use, key.alg, key.status, key.published]).sort()).toEqual([
      ['enc', 'ECDH-ES', 'active', true],
      ['sig', 'ES256', 'active', true],
    ]);
    const both = parse<{ rotated: (Rotated & { use: string })[] }>(
      await runCli(['keys', 'rotate', '--rp'], env),
    ).rotated;
    expect(both.map((key) => [key.use, key.alg])).toEqual([
      ['sig', 'ES256'],
      ['enc', 'ECDH-ES'],
    ]);
    for (const key of both) {
      const previous = before.relyingPartyKeys.find((each) => each.use === key.use);
      expect(key.previousKid).toBe(previous?.kid);
      const graceMs = Date.parse(key.previousPublishUntil ?? '') - Date.now();
      expect(graceMs).toBeGreaterThan(7 * 24 * HOUR_MS - 60_000);
      expect(graceMs).toBeLessThanOrEqual(7 * 24 * HOUR_MS);
    }
    const rsa = parse<{ rotated: (Rotated & { use: string })[] }>(
      await runCli(['keys', 'rotate', '--rp', '--alg', 'RSA-OAEP-256'], env),
    ).rotated;
    expect(rsa.map((key) => [key.use, key.alg])).toEqual([['enc', 'RSA-OAEP-256']]);
    const after = parse<{ relyingPartyKeys: (KeyView & { use: string })[] }>(await runCli(['keys', 'list'], env));
    expect(
      after.relyingPartyKeys
        .filter((key) => key.status === 'active')
        .map((key) => [key.use, key.alg])
        .sort(),
    ).toEqual([
      ['enc', 'RSA-OAEP-256'],
      ['sig', 'ES256'],
    ]);
    expect(after.relyingPartyKeys.filter((key) => key.status === 'previous' && key.published)).toHaveLength(3);
    const badAlg = await runCli(['keys', 'rotate', '--rp', '--alg', 'RS256'], env);
    expect(badAlg.code).toBe(2);
    expect(badAlg.stderr).toContain('idgate: --alg with --rp must be one of ES256, PS256, ECDH-ES, RSA-OAEP-256');
  });

  it('refuses an unknown algorithm or subcommand with exit code 2', async () => {
    const badAlg = await runCli(['keys', 'rotate', '--alg', 'HS256'], env);
    expect(badAlg.code).toBe(2);
    expect(badAlg.stderr).toContain('idgate: --alg must be one of RS256, ES256, EdDSA');
    expect(badAlg.stdout).toBe('');

    const badCommand = await runCli(['keys', 'delete'], env);
    expect(badCommand.code).toBe(2);
    expect(badCommand.stderr).toContain('idgate: unknown keys command: delete');

    const badOption = await runCli(['keys', 'list', '--all'], env);
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain("Unknown option '--all'");
  });
});
