/**
 * The built `idgate` CLI (SPEC 8), run as a child process on a fresh data directory:
 * migrations, apps, secret rotation, and how it refuses bad input (exit 2) and failed
 * operations (exit 1). Needs `npm run build` first.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/security/secrets.js';
import { openDatabase } from '../../src/store/database.js';
import { TEST_DATABASE_KINDS, testPostgresUrl } from '../support/databases.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const CLI = join(ROOT, 'packages', 'server', 'dist', 'cli.js');

/** Variables of the parent that would change what the CLI does. */
const CONFIG_VARIABLES = /^(?:IDGATE_.*|DATABASE_URL|REDIS_URL|PORT|HOST)$/;

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The parent's environment without idgate settings, plus `extra`. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!CONFIG_VARIABLES.test(key)) env[key] = value;
  return { ...env, IDGATE_LOG_LEVEL: 'warn', ...extra };
}

/** Runs the built CLI and resolves with its exit code and output (never rejects on a non-zero exit). */
function runCli(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise(function runChild(resolve, reject) {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: ROOT, env: cleanEnv(env), timeout: 15_000, encoding: 'utf8' },
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

interface CreatedApp {
  clientId: string;
  clientSecret?: string;
  hookSecret?: string;
  type: string;
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
});

describe('idgate CLI on SQLite', () => {
  let dataDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'idgate-cli-'));
    env = { IDGATE_DATA_DIR: dataDir };
  });
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('migrate prints the applied migrations as JSON; a second run applies none', async () => {
    const first = parse<{ applied: string[] }>(await runCli(['migrate'], env));
    expect(first.applied).toContain('0001-apps');
    expect(first.applied).toEqual([...first.applied].sort());
    expect(existsSync(join(dataDir, 'idgate.sqlite'))).toBe(true);
    const second = parse<{ applied: string[] }>(await runCli(['migrate'], env));
    expect(second).toEqual({ applied: [] });
  });

  let confidential: CreatedApp;

  it('apps create prints the client id and, for a confidential app, the secret', async () => {
    confidential = parse<CreatedApp>(
      await runCli(
        ['apps', 'create', '--name', 'CLI shop', '--type', 'confidential', '--redirect-uri', 'https://app.example/cb'],
        env,
      ),
    );
    expect(confidential.clientId).toMatch(/^test_[0-9A-Za-z]{24}$/);
    expect(confidential.clientSecret).toMatch(/^test_[0-9A-Za-z]{43}$/);
    expect(confidential.type).toBe('confidential');
    expect(confidential.hookSecret).toBeUndefined();

    const publicApp = parse<CreatedApp>(
      await runCli(
        [
          'apps',
          'create',
          '--name',
          'CLI SPA',
          '--type',
          'public',
          '--redirect-uri',
          'https://spa.example/cb',
          '--scope',
          'openid',
        ],
        env,
      ),
    );
    expect(publicApp.clientId).toMatch(/^test_/);
    expect(publicApp.clientSecret).toBeUndefined();
  });

  it('the database holds the keyed hash of the secret, not the secret', async () => {
    const secretKey = (await readFile(join(dataDir, 'secret-key'), 'utf8')).trim();
    const database = await openDatabase({ kind: 'sqlite', file: join(dataDir, 'idgate.sqlite') });
    try {
      const row = await database.db
        .selectFrom('apps')
        .selectAll()
        .where('client_id', '=', confidential.clientId)
        .executeTakeFirstOrThrow();
      expect(row.secret_hash).toBe(new SecretBox(secretKey).hash(confidential.clientSecret!));
      expect(JSON.stringify(row)).not.toContain(confidential.clientSecret!);
      expect(row.name).toBe('CLI shop');
      expect(JSON.parse(row.redirect_uris)).toEqual(['https://app.example/cb']);
    } finally {
      await database.close();
    }
  });

  it('apps list shows the apps', async () => {
    const list = parse<{
      data: { clientId: string; name: string; type: string; disabled: boolean }[];
      nextCursor: string | null;
    }>(await runCli(['apps', 'list'], env));
    expect(list.data).toContainEqual({
      clientId: confidential.clientId,
      name: 'CLI shop',
      type: 'confidential',
      disabled: false,
    });
    expect(list.data).toHaveLength(2);
    expect(list.nextCursor).toBeNull();
    expect(JSON.stringify(list)).not.toContain(confidential.clientSecret!);

    const page = parse<{ data: unknown[]; nextCursor: string | null }>(
      await runCli(['apps', 'list', '--limit', '1'], env),
    );
    expect(page.data).toHaveLength(1);
    expect(page.nextCursor).toEqual(expect.stringMatching(/^test_/));
  });

  it('apps rotate-secret prints a new secret; the old hash is kept for the grace period', async () => {
    const before = Date.now();
    const rotated = parse<{ clientId: string; clientSecret: string; previousSecretExpiresAt: string }>(
      await runCli(['apps', 'rotate-secret', confidential.clientId], env),
    );
    expect(rotated.clientId).toBe(confidential.clientId);
    expect(rotated.clientSecret).toMatch(/^test_[0-9A-Za-z]{43}$/);
    expect(rotated.clientSecret).not.toBe(confidential.clientSecret);
    const expiresAt = Date.parse(rotated.previousSecretExpiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 24 * 3600 * 1000 - 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 24 * 3600 * 1000 + 1000);

    const secrets = new SecretBox((await readFile(join(dataDir, 'secret-key'), 'utf8')).trim());
    const database = await openDatabase({ kind: 'sqlite', file: join(dataDir, 'idgate.sqlite') });
    try {
      const row = await database.db
        .selectFrom('apps')
        .select(['secret_hash', 'previous_secret_hash'])
        .where('client_id', '=', confidential.clientId)
        .executeTakeFirstOrThrow();
      expect(row.secret_hash).toBe(secrets.hash(rotated.clientSecret));
      expect(row.previous_secret_hash).toBe(secrets.hash(confidential.clientSecret!));
    } finally {
      await database.close();
    }

    const noGrace = parse<{ previousSecretExpiresAt: string | null }>(
      await runCli(['apps', 'rotate-secret', confidential.clientId, '--grace-period', '0'], env),
    );
    expect(noGrace.previousSecretExpiresAt).toBeNull();
  });

  it('rotate-secret on an unknown id exits 1 with RESOURCE_NOT_FOUND on stderr', async () => {
    const result = await runCli(['apps', 'rotate-secret', 'test_unknown0000000000000000'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('RESOURCE_NOT_FOUND');
    expect(result.stdout).toBe('');
  });

  it('rotate-secret on a public app exits 1 with VALIDATION_UNPROCESSABLE', async () => {
    const list = parse<{ data: { clientId: string; type: string }[] }>(await runCli(['apps', 'list'], env));
    const spa = list.data.find((app) => app.type === 'public')!;
    const result = await runCli(['apps', 'rotate-secret', spa.clientId], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('VALIDATION_UNPROCESSABLE');
  });

  it('invalid app values the service refuses exit 1 with VALIDATION_INVALID_PARAMETER and write nothing', async () => {
    const result = await runCli(
      [
        'apps',
        'create',
        '--name',
        'Bad',
        '--type',
        'public',
        '--redirect-uri',
        'https://a.example/cb#frag',
        '--scope',
        'verifications',
      ],
      env,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('VALIDATION_INVALID_PARAMETER');
    expect(result.stderr).toContain('redirectUris[0]');
    const list = parse<{ data: unknown[] }>(await runCli(['apps', 'list'], env));
    expect(list.data).toHaveLength(2);
  });
});

/** Refusals stop before any database work, so they run side by side. */
describe.concurrent('idgate CLI refusals', () => {
  let dataDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'idgate-cli-usage-'));
    env = { IDGATE_DATA_DIR: dataDir };
  });
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it.each([
    [
      'a missing --name',
      ['apps', 'create', '--type', 'confidential', '--redirect-uri', 'https://app.example/cb'],
      /\/name/,
    ],
    [
      '--type weird',
      ['apps', 'create', '--name', 'X', '--type', 'weird', '--redirect-uri', 'https://app.example/cb'],
      /\/type/,
    ],
    [
      'a --brand-color that is no #rrggbb',
      ['apps', 'create', '--name', 'X', '--redirect-uri', 'https://app.example/cb', '--brand-color', 'red'],
      /\/branding\/primaryColor/,
    ],
    ['an unknown command', ['frobnicate'], /unknown command: frobnicate/],
    ['an unknown apps command', ['apps', 'explode'], /unknown apps command: explode/],
    ['an unknown option', ['apps', 'list', '--colour', 'red'], /--colour/],
    ['a bad --limit', ['apps', 'list', '--limit', 'lots'], /--limit/],
    ['rotate-secret without an id', ['apps', 'rotate-secret'], /CLIENT_ID/],
    ['a bad --grace-period', ['apps', 'rotate-secret', 'test_x', '--grace-period', '-5'], /--grace-period/],
  ])('%s exits 2 with a message on stderr', async (_label, args, message) => {
    const result = await runCli(args, env);
    expect(result.code, result.stderr).toBe(2);
    const firstLine = result.stderr.split('\n')[0] ?? '';
    expect(firstLine).toMatch(/^idgate: /);
    expect(firstLine).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it.each([
    ['PORT', 'abc'],
    ['IDGATE_ENV', 'staging'],
    ['DATABASE_URL', 'mysql://localhost/idgate'],
  ])('an invalid %s=%s exits 2 naming the variable', async (variable, value) => {
    const result = await runCli(['migrate'], { ...env, [variable]: value });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(variable);
    expect(result.stderr).toContain('Invalid configuration');
    expect(result.stdout).toBe('');
  });

  it('help exits 0 with the usage', async () => {
    const result = await runCli(['help'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: idgate');
  });
});

describe.runIf(TEST_DATABASE_KINDS.includes('postgres'))('idgate CLI on PostgreSQL', () => {
  const name = `idgate_cli_${randomBytes(6).toString('hex')}`;
  let databaseUrl: string;
  let dataDir: string;
  let created = false;

  async function adminQuery(statement: string): Promise<void> {
    const client = new pg.Client({ connectionString: testPostgresUrl(), connectionTimeoutMillis: 5_000 });
    client.on('error', function ignoreClientError() {});
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    await adminQuery(`create database ${name}`);
    created = true;
    const url = new URL(testPostgresUrl());
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    dataDir = await mkdtemp(join(tmpdir(), 'idgate-cli-pg-'));
  });
  afterAll(async () => {
    if (created) await adminQuery(`drop database if exists ${name} with (force)`);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('migrate applies the migrations once, then apps create and list work', async () => {
    const env = { IDGATE_DATA_DIR: dataDir, DATABASE_URL: databaseUrl };
    const first = parse<{ applied: string[] }>(await runCli(['migrate'], env));
    expect(first.applied).toContain('0001-apps');
    expect(parse<{ applied: string[] }>(await runCli(['migrate'], env))).toEqual({ applied: [] });
    expect(existsSync(join(dataDir, 'idgate.sqlite'))).toBe(false);

    const app = parse<CreatedApp>(
      await runCli(
        ['apps', 'create', '--name', 'PG shop', '--type', 'confidential', '--redirect-uri', 'https://app.example/cb'],
        env,
      ),
    );
    expect(app.clientId).toMatch(/^test_/);
    expect(app.clientSecret).toMatch(/^test_/);
    const list = parse<{ data: { clientId: string }[] }>(await runCli(['apps', 'list'], env));
    expect(list.data.map((entry) => entry.clientId)).toEqual([app.clientId]);
  });
});

describe('idgate CLI: branding', () => {
  let dataDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'idgate-cli-brand-'));
    env = { IDGATE_DATA_DIR: dataDir };
  });
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('apps create takes the branding of the hosted pages; apps get shows it', async () => {
    const branded = parse<CreatedApp>(
      await runCli(
        [
          'apps',
          'create',
          '--name',
          'CLI brand',
          '--redirect-uri',
          'https://app.example/cb',
          '--brand-name',
          'Acme Bank',
          '--brand-logo',
          'https://cdn.acme.example/logo.svg',
          '--brand-color',
          '#7A1F5C',
          '--brand-accent-color',
          '#00607a',
        ],
        env,
      ),
    );
    const shown = parse<{ branding: unknown }>(await runCli(['apps', 'get', branded.clientId], env));
    expect(shown.branding).toEqual({
      name: 'Acme Bank',
      logoUrl: 'https://cdn.acme.example/logo.svg',
      primaryColor: '#7a1f5c',
      accentColor: '#00607a',
    });
  });
});
