/**
 * `idgate purge`: one purge against the configured database (a fresh SQLite data
 * directory here), the counts printed as JSON. Runs the CLI's `runCli` in this process
 * (from the sources, so it needs no build); the purge itself is tested on both databases
 * in test/store/purge-job.test.ts (the job is background/purge-job.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli.js';
import { openDatabase } from '../../src/store/database.js';
import { RevocationsRepository } from '../../src/store/revocations.repository.js';

/** Runs the CLI and returns its exit code and what it wrote to standard output. */
async function run(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string }> {
  const written: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    const code = await runCli(args, env);
    return { code, stdout: written.join('') };
  } finally {
    spy.mockRestore();
  }
}

describe('idgate purge on SQLite', () => {
  let dataDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'idgate-cli-purge-'));
    env = { IDGATE_DATA_DIR: dataDir };
  });
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('migrates, purges once and prints the counts per table', async () => {
    // A fresh directory: it migrates, and there is nothing to delete.
    const first = await run(['purge'], env);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({
      expiredSessions: 0,
      verifications: 0,
      authorizationCodes: 0,
      refreshTokens: 0,
      revocations: 0,
      idempotencyRecords: 0,
      webhookEvents: 0,
      pushedRequests: 0,
      seenJtis: 0,
    });

    const database = await openDatabase({ kind: 'sqlite', file: join(dataDir, 'idgate.sqlite') });
    const revocations = new RevocationsRepository(database);
    const now = Date.now();
    try {
      await revocations.revoke(['token:a', 'token:b'], new Date(now - 1000), new Date(now - 60_000));
      await revocations.revoke(['token:live'], new Date(now + 3_600_000), new Date(now - 60_000));
    } finally {
      await database.close();
    }

    const second = await run(['purge'], env);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({
      expiredSessions: 0,
      verifications: 0,
      authorizationCodes: 0,
      refreshTokens: 0,
      revocations: 2,
      idempotencyRecords: 0,
      webhookEvents: 0,
      pushedRequests: 0,
      seenJtis: 0,
    });

    const reopened = await openDatabase({ kind: 'sqlite', file: join(dataDir, 'idgate.sqlite') });
    try {
      const left = new RevocationsRepository(reopened);
      expect(await left.anyRevoked(['token:a', 'token:b'])).toBe(false);
      expect(await left.anyRevoked(['token:live'])).toBe(true);
    } finally {
      await reopened.close();
    }
  });

  it('refuses arguments it does not know (exit 2)', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect((await run(['purge', '--all'], env)).code).toBe(2);
    } finally {
      stderr.mockRestore();
    }
  });

  it('is listed in the usage', async () => {
    const help = await run(['help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}purge {2,}/m);
  });
});
