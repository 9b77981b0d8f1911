/**
 * SPEC 8, issue 14: production is safe by default. The built server (`npm start`) refuses
 * to start in production on an `http` issuer that is not loopback, without
 * `DATABASE_URL`, or with `/metrics` open on the main port — each with exit code 2 and a
 * message naming the variable to set — and starts once the operator says so explicitly.
 * A database or Redis that cannot be reached at start is named by its variable and
 * `host:port`, never with the password or the URL, and the start ends (non-zero) within
 * its bound, also for a server that accepts connections and never answers.
 * Needs `npm run build` first.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from '../support/assertions.js';
import { exitOf, killChildren, requireBuild, runServerToExit, startServer } from '../support/child-server.js';
import { testPostgresUrl } from '../support/databases.js';
import { registerSecret } from '../support/leaks.js';
import { freePort } from '../support/live-server.js';

const SECRET_KEY = 'production-start-secret-key-0123456789abcdef';
const METRICS_TOKEN = 'production-start-metrics-token-0123456789';
const DB_PASSWORD = 'pa55-w0rd-never-printed';
const REDIS_PASSWORD = 'r3dis-pa55-never-printed';
for (const secret of [SECRET_KEY, METRICS_TOKEN, DB_PASSWORD, REDIS_PASSWORD]) registerSecret(secret);

beforeAll(requireBuild);
afterAll(killChildren);

describe('production refuses to start until told explicitly', () => {
  let dataDir: string;
  let servable: Record<string, string>;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'idgate-production-'));
    servable = {
      IDGATE_ENV: 'production',
      IDGATE_DATA_DIR: dataDir,
      PORT: '0',
      IDGATE_ISSUER: 'https://id.example.com',
      DATABASE_URL: testPostgresUrl(),
      IDGATE_SECRET_KEY: SECRET_KEY,
      IDGATE_METRICS_TOKEN: METRICS_TOKEN,
    };
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  async function expectRefused(env: Record<string, string>, variable: string, ...mentions: string[]) {
    const { code, stderr } = await runServerToExit(env);
    expect(code, stderr).toBe(2);
    expect(stderr).toContain(`idgate: Invalid configuration: ${variable} `);
    for (const mention of mentions) expect(stderr).toContain(mention);
    expect(stderr).not.toContain('listening on');
    // Refused before anything was opened or created.
    expect(existsSync(join(dataDir, 'idgate.sqlite'))).toBe(false);
    expect(existsSync(join(dataDir, 'admin-key'))).toBe(false);
    return stderr;
  }

  it('an http issuer that is not loopback: names IDGATE_ISSUER and IDGATE_ALLOW_INSECURE_ISSUER', async () => {
    await expectRefused(
      { ...servable, IDGATE_ISSUER: 'http://id.example.com' },
      'IDGATE_ISSUER',
      'https',
      'IDGATE_ALLOW_INSECURE_ISSUER=1',
    );
  });

  it('no DATABASE_URL: names DATABASE_URL and IDGATE_ALLOW_SQLITE', async () => {
    const { DATABASE_URL: _, ...env } = servable;
    await expectRefused(env, 'DATABASE_URL', 'IDGATE_ALLOW_SQLITE=1');
  });

  it('/metrics on the main port without a token: names IDGATE_METRICS_TOKEN and IDGATE_METRICS_PORT', async () => {
    const { IDGATE_METRICS_TOKEN: _, ...env } = servable;
    await expectRefused(env, 'IDGATE_METRICS_TOKEN', 'IDGATE_METRICS_PORT');
  });

  it('starts on SQLite with IDGATE_ALLOW_SQLITE=1, an http issuer with IDGATE_ALLOW_INSECURE_ISSUER=1, /metrics on its own port', async () => {
    const { DATABASE_URL: _, IDGATE_METRICS_TOKEN: __, ...env } = servable;
    const metricsPort = await freePort();
    const server = await startServer({
      ...env,
      IDGATE_ALLOW_SQLITE: '1',
      IDGATE_ISSUER: 'http://id.example.com',
      IDGATE_ALLOW_INSECURE_ISSUER: '1',
      IDGATE_METRICS_PORT: String(metricsPort),
    });
    expect(server.banner).toContain('(production, sqlite)');
    const main = await fetch(`${server.address}/metrics`);
    expectProblem(
      { statusCode: main.status, headers: Object.fromEntries(main.headers), body: await main.text() },
      'RESOURCE_NOT_FOUND',
      { issuer: 'http://id.example.com', instance: '/metrics' },
    );
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('idgate_http_request_duration_seconds_count{');
    server.child.kill('SIGTERM');
    expect(await exitOf(server.child)).toBe(0);
  });
});

describe('a database or Redis that cannot be reached at start', () => {
  let dataDir: string;
  let silent: Server;
  let silentPort: number;
  const held = new Set<Socket>();
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'idgate-unreachable-'));
    // Accepts connections and never answers (a frozen database).
    silent = createServer(function hold(socket) {
      held.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of held) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    await rm(dataDir, { recursive: true, force: true });
  });

  function expectNamed(stderr: string, variable: string, address: string, password: string) {
    expect(stderr).toContain(`idgate: Invalid configuration: ${variable} `);
    expect(stderr).toContain(address);
    expect(stderr).not.toContain(password);
    expect(stderr).not.toMatch(/(postgres|redis):\/\//);
    expect(stderr).not.toContain('listening on');
    expect(stderr).not.toContain('    at ');
  }

  it('DATABASE_URL refused: named with its host and port, without the password', async () => {
    const port = await freePort();
    const { code, stderr } = await runServerToExit({
      IDGATE_DATA_DIR: dataDir,
      PORT: '0',
      DATABASE_URL: `postgres://idgate:${DB_PASSWORD}@127.0.0.1:${port}/idgate`,
    });
    expect(code, stderr).toBe(2);
    expectNamed(stderr, 'DATABASE_URL', `cannot be reached at 127.0.0.1:${port}: `, DB_PASSWORD);
    expect(stderr).toContain('ECONNREFUSED');
  });

  it('DATABASE_URL accepting connections and never answering: named within IDGATE_DB_ACQUIRE_TIMEOUT', async () => {
    const started = performance.now();
    const { code, stderr } = await runServerToExit({
      IDGATE_DATA_DIR: dataDir,
      PORT: '0',
      IDGATE_DB_ACQUIRE_TIMEOUT: '500',
      DATABASE_URL: `postgres://idgate:${DB_PASSWORD}@127.0.0.1:${silentPort}/idgate`,
    });
    expect(code, stderr).toBe(2);
    expectNamed(stderr, 'DATABASE_URL', `cannot be reached at 127.0.0.1:${silentPort}: `, DB_PASSWORD);
    expect(performance.now() - started).toBeLessThan(8_000);
  });

  it('DATABASE_URL naming a database the server does not have: the server’s refusal, named', async () => {
    const url = new URL(testPostgresUrl());
    url.password = DB_PASSWORD;
    url.pathname = '/idgate_no_such_database';
    const { code, stderr } = await runServerToExit({
      IDGATE_DATA_DIR: dataDir,
      PORT: '0',
      DATABASE_URL: url.toString(),
    });
    expect(code, stderr).toBe(2);
    expectNamed(stderr, 'DATABASE_URL', `is refused by PostgreSQL at ${url.hostname}:${url.port}: 3D000`, DB_PASSWORD);
  });

  it('REDIS_URL refused: named with its host and port, without the password', async () => {
    const port = await freePort();
    const { code, stderr } = await runServerToExit({
      IDGATE_DATA_DIR: dataDir,
      PORT: '0',
      REDIS_URL: `redis://:${REDIS_PASSWORD}@127.0.0.1:${port}`,
    });
    expect(code, stderr).toBe(2);
    expectNamed(stderr, 'REDIS_URL', `cannot be reached at 127.0.0.1:${port}: `, REDIS_PASSWORD);
  });
});
