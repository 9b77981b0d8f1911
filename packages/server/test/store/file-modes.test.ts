/**
 * Issue 14: the data directory holds the SQLite database and the instance's generated
 * keys, so only the instance's user may read it: idgate creates the directory 0700 (and
 * any missing parent), the SQLite file and its `-wal` / `-shm` files 0600, and the key
 * files 0600 — not the 0755 / 0644 Node and SQLite would give under the usual umask.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { openMigratedDatabase } from '../../src/runtime.js';
import { loadInstanceKeys } from '../../src/security/instance-keys.js';

function modeOf(path: string): number {
  return statSync(path).mode & 0o777;
}

describe('file modes of the data directory', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'idgate-modes-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('the SQLite database: directory (and missing parents) 0700, the file and its -wal and -shm 0600', async () => {
    const dataDir = join(root, 'srv', 'idgate-data');
    const { database } = await openMigratedDatabase(loadConfig({ IDGATE_DATA_DIR: dataDir }));
    try {
      // The migrations wrote: SQLite has its WAL and shared-memory files open.
      await database.ping();
      const file = join(dataDir, 'idgate.sqlite');
      expect(existsSync(`${file}-wal`)).toBe(true);
      expect(existsSync(`${file}-shm`)).toBe(true);
      expect(modeOf(join(root, 'srv')).toString(8)).toBe('700');
      expect(modeOf(dataDir).toString(8)).toBe('700');
      for (const each of [file, `${file}-wal`, `${file}-shm`]) expect(modeOf(each).toString(8), each).toBe('600');
    } finally {
      await database.close();
    }
  });

  it('the generated keys: directory 0700, admin-key and secret-key 0600', () => {
    const dataDir = join(root, 'keys-only');
    const keys = loadInstanceKeys(loadConfig({ IDGATE_DATA_DIR: dataDir }));
    expect(keys.adminKeyGenerated).toBe(true);
    expect(modeOf(dataDir).toString(8)).toBe('700');
    expect(modeOf(join(dataDir, 'admin-key')).toString(8)).toBe('600');
    expect(modeOf(join(dataDir, 'secret-key')).toString(8)).toBe('600');
  });
});
