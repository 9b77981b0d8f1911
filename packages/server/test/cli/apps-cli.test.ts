/**
 * SPEC 8 ("CLI for … apps, secrets"): `idgate apps get | disable | enable | delete |
 * rotate-hook-secret CLIENT_ID`, through the same `AppsService` calls as the admin API.
 * Runs the CLI's `runCli` in this process (from the sources, so it needs no build) against
 * a fresh data directory on SQLite and a fresh database on PostgreSQL, and asserts the JSON
 * on stdout, the effect in the database, and the catalog code and exit status of failures.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli.js';
import { SecretBox } from '../../src/security/secrets.js';
import { AppsRepository } from '../../src/store/apps.repository.js';
import { type DatabaseConfig, openDatabase } from '../../src/store/database.js';
import { TEST_DATABASE_KINDS, testPostgresUrl } from '../support/databases.js';

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in this process and returns its exit code and what it wrote. */
async function run(args: string[], env: Record<string, string>): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  });
  try {
    const code = await runCli(args, env);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

function parse<T>(result: CliResult): T {
  expect(result.code, `stderr: ${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout) as T;
}

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

const UNKNOWN = 'test_unknown0000000000000000';

describe.each(TEST_DATABASE_KINDS)('idgate apps get/disable/enable/delete/rotate-hook-secret (%s)', (kind) => {
  const postgresName = `idgate_cli_apps_${randomBytes(6).toString('hex')}`;
  let postgresCreated = false;
  let dataDir: string;
  let env: Record<string, string>;
  let databaseConfig: DatabaseConfig;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'idgate-cli-apps-'));
    env = { IDGATE_DATA_DIR: dataDir };
    databaseConfig = { kind: 'sqlite', file: join(dataDir, 'idgate.sqlite') };
    if (kind === 'postgres') {
      await adminQuery(`create database ${postgresName}`);
      postgresCreated = true;
      const url = new URL(testPostgresUrl());
      url.pathname = `/${postgresName}`;
      env = { ...env, DATABASE_URL: url.toString() };
      databaseConfig = { kind: 'postgres', url: url.toString() };
    }
  });
  afterAll(async () => {
    if (postgresCreated) await adminQuery(`drop database if exists ${postgresName} with (force)`);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** The app as the database has it now. */
  async function stored(clientId: string) {
    const database = await openDatabase(databaseConfig);
    try {
      return await new AppsRepository(database).find(clientId);
    } finally {
      await database.close();
    }
  }

  async function create(name: string): Promise<{ clientId: string; clientSecret: string }> {
    return parse(
      await run(
        ['apps', 'create', '--name', name, '--type', 'confidential', '--redirect-uri', 'https://app.example/cb'],
        env,
      ),
    );
  }

  let shop: { clientId: string; clientSecret: string };
  let other: { clientId: string; clientSecret: string };

  it('apps get prints the app as the admin API shows it, without secrets', async () => {
    shop = await create('CLI shop');
    other = await create('Other shop');
    const app = parse<Record<string, unknown>>(await run(['apps', 'get', shop.clientId], env));
    expect(app).toMatchObject({
      clientId: shop.clientId,
      environment: 'sandbox',
      name: 'CLI shop',
      type: 'confidential',
      redirectUris: ['https://app.example/cb'],
      disabled: false,
      hasHookSecret: false,
      version: 1,
    });
    expect(JSON.stringify(app)).not.toContain(shop.clientSecret);
    expect(Object.keys(app)).not.toContain('secretHash');
  });

  it('apps disable sets disabled in the database and prints the app; apps enable clears it', async () => {
    const disabled = parse<{ clientId: string; disabled: boolean; version: number }>(
      await run(['apps', 'disable', shop.clientId], env),
    );
    expect(disabled).toMatchObject({ clientId: shop.clientId, disabled: true, version: 2 });
    expect((await stored(shop.clientId))?.disabled).toBe(true);
    expect((await stored(other.clientId))?.disabled).toBe(false);
    const list = parse<{ data: { clientId: string; disabled: boolean }[] }>(await run(['apps', 'list'], env));
    expect(list.data.find((app) => app.clientId === shop.clientId)?.disabled).toBe(true);

    const enabled = parse<{ disabled: boolean; version: number }>(await run(['apps', 'enable', shop.clientId], env));
    expect(enabled).toMatchObject({ disabled: false, version: 3 });
    expect((await stored(shop.clientId))?.disabled).toBe(false);
  });

  it('apps rotate-hook-secret prints a new hook secret; the database holds it encrypted', async () => {
    const secrets = new SecretBox((await readFile(join(dataDir, 'secret-key'), 'utf8')).trim());
    const first = parse<{ clientId: string; hookSecret: string }>(
      await run(['apps', 'rotate-hook-secret', shop.clientId], env),
    );
    expect(first.clientId).toBe(shop.clientId);
    expect(first.hookSecret.length).toBeGreaterThanOrEqual(32);
    const row = await stored(shop.clientId);
    expect(row?.hookSecretCiphertext).not.toBeNull();
    expect(row?.hookSecretCiphertext).not.toContain(first.hookSecret);
    expect(secrets.decrypt(row?.hookSecretCiphertext ?? '')).toBe(first.hookSecret);

    const second = parse<{ hookSecret: string }>(await run(['apps', 'rotate-hook-secret', shop.clientId], env));
    expect(second.hookSecret).not.toBe(first.hookSecret);
    expect(secrets.decrypt((await stored(shop.clientId))?.hookSecretCiphertext ?? '')).toBe(second.hookSecret);
    expect(parse<{ hasHookSecret: boolean }>(await run(['apps', 'get', shop.clientId], env)).hasHookSecret).toBe(true);
  });

  it('apps delete removes the app (the other one stays) and prints what it deleted', async () => {
    const deleted = parse<{ clientId: string; deleted: boolean }>(await run(['apps', 'delete', shop.clientId], env));
    expect(deleted).toEqual({ clientId: shop.clientId, deleted: true });
    expect(await stored(shop.clientId)).toBeUndefined();
    expect((await stored(other.clientId))?.name).toBe('Other shop');
    const again = await run(['apps', 'delete', shop.clientId], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^idgate: RESOURCE_NOT_FOUND: /);
  });

  it.each(['get', 'disable', 'enable', 'delete', 'rotate-hook-secret'])(
    'apps %s on an unknown client id exits 1 with RESOURCE_NOT_FOUND on stderr and nothing on stdout',
    async (sub) => {
      const result = await run(['apps', sub, UNKNOWN], env);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^idgate: RESOURCE_NOT_FOUND: /);
      expect(result.stderr).toContain(UNKNOWN);
      expect(result.stdout).toBe('');
      expect(await stored(other.clientId)).toMatchObject({ disabled: false, version: 1 });
    },
  );

  it.each(['get', 'disable', 'enable', 'delete', 'rotate-hook-secret'])(
    'apps %s without a CLIENT_ID (or with two) exits 2 with the usage',
    async (sub) => {
      for (const args of [[], [other.clientId, UNKNOWN]]) {
        const result = await run(['apps', sub, ...args], env);
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(new RegExp(`^idgate: apps ${sub} needs exactly one CLIENT_ID`));
        expect(result.stderr).toContain('Usage: idgate');
        expect(result.stdout).toBe('');
      }
      expect(await stored(other.clientId)).toMatchObject({ disabled: false, version: 1 });
    },
  );

  it('help lists the new commands', async () => {
    const result = await run(['help'], env);
    for (const sub of ['get', 'disable', 'enable', 'delete', 'rotate-hook-secret']) {
      expect(result.stdout).toContain(`apps ${sub} CLIENT_ID`);
    }
  });
  it('apps create --profile fapi2-security --jwks-uri makes a FAPI 2.0 app (SPEC 12)', async () => {
    const created = parse<{ clientId: string }>(
      await run(
        [
          'apps',
          'create',
          '--name',
          'Bank',
          '--redirect-uri',
          'https://bank.example/cb',
          '--profile',
          'fapi2-security',
          '--jwks-uri',
          'https://bank.example/jwks.json',
        ],
        env,
      ),
    );
    const app = parse<Record<string, unknown>>(await run(['apps', 'get', created.clientId], env));
    expect(app).toMatchObject({
      profile: 'fapi2-security',
      tokenEndpointAuthMethods: ['private_key_jwt'],
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwksUri: 'https://bank.example/jwks.json',
      jwks: null,
      requirePushedAuthorizationRequests: true,
      dpopBoundAccessTokens: true,
      requestObjectSigningAlg: null,
    });
    const record = await stored(created.clientId);
    expect(record?.profile).toBe('fapi2-security');
    expect(record?.jwksUri).toBe('https://bank.example/jwks.json');
  });

  it('apps create --token-endpoint-auth-method private_key_jwt without keys names the field and fails', async () => {
    const result = await run(
      [
        'apps',
        'create',
        '--name',
        'No keys',
        '--redirect-uri',
        'https://bank.example/cb',
        '--token-endpoint-auth-method',
        'private_key_jwt',
        '--dpop',
      ],
      env,
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('VALIDATION_INVALID_PARAMETER');
    expect(result.stderr).toContain('jwks');
  });
});
