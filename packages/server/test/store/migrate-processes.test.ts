/**
 * Several processes starting at once each run `migrate` on the same fresh database.
 * Real processes matter for SQLite: better-sqlite3 is synchronous, so two connections in
 * one process cannot wait for each other's locks.
 *
 * The children run the store code transpiled from `src/store` into a temporary folder
 * (no build needed), with `node_modules` linked next to it.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseConfig } from '../../src/store/database.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { openEmptyTestDatabase, TEST_DATABASE_KINDS } from '../support/databases.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const storeSource = join(here, '..', '..', 'src', 'store');
const repositoryRoot = join(here, '..', '..', '..', '..');
const PROCESSES = 4;

const CHILD = `
import { openDatabase } from './store/database.js';
import { migrate } from './store/migrate.js';
const [config, startAt] = [JSON.parse(process.argv[2]), Number(process.argv[3])];
const database = await openDatabase(config);
await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
try {
  const { applied } = await migrate(database);
  process.stdout.write(JSON.stringify({ ok: true, applied }));
} catch (error) {
  process.stdout.write(JSON.stringify({ ok: false, error: String(error), code: error.code ?? null }));
} finally {
  await database.close();
}
`;

async function listTypeScript(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * Transpiles `src/store` and what it imports at run time (`src/security`) into `target/`
 * (types are stripped, nothing is checked).
 */
async function transpileStore(target: string): Promise<void> {
  const sourceRoot = dirname(storeSource);
  for (const folder of ['store', 'security']) {
    for (const file of await listTypeScript(join(sourceRoot, folder))) {
      const output = ts.transpileModule(await readFile(file, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
        fileName: file,
      }).outputText;
      const destination = join(target, relative(sourceRoot, file).replace(/\.ts$/, '.js'));
      await mkdir(dirname(destination), { recursive: true });
      await writeFile(destination, output);
    }
  }
  await writeFile(join(target, 'package.json'), '{ "type": "module" }\n');
  await writeFile(join(target, 'child.js'), CHILD);
  await symlink(join(repositoryRoot, 'node_modules'), join(target, 'node_modules'), 'dir');
}

interface ChildResult {
  readonly ok: boolean;
  readonly applied?: string[];
  readonly error?: string;
}

async function migrateFromProcesses(target: string, config: DatabaseConfig): Promise<ChildResult[]> {
  const startAt = Date.now() + 1_500;
  const children = Array.from({ length: PROCESSES }, () =>
    run(process.execPath, [join(target, 'child.js'), JSON.stringify(config), String(startAt)], { timeout: 30_000 }),
  );
  const outputs = await Promise.all(children);
  return outputs.map((output) => JSON.parse(output.stdout) as ChildResult);
}

describe('migrate from several processes at once', () => {
  let target: string;

  beforeAll(async () => {
    target = await mkdtemp(join(tmpdir(), 'idgate-migrate-processes-'));
    await transpileStore(target);
  });

  afterAll(async () => {
    await rm(target, { recursive: true, force: true });
  });

  it.each(TEST_DATABASE_KINDS)(
    '%s: every process succeeds and each migration is applied exactly once',
    async (kind) => {
      const testDatabase = await openEmptyTestDatabase(kind);
      try {
        const results = await migrateFromProcesses(target, testDatabase.config);
        expect(results.filter((result) => !result.ok)).toEqual([]);
        expect(results.flatMap((result) => result.applied ?? []).sort()).toEqual(Object.keys(MIGRATIONS).sort());
        const tables = await testDatabase.database.db.introspection.getTables();
        expect(tables.map((table) => table.name)).toEqual(expect.arrayContaining(['apps', 'app_providers']));
      } finally {
        await testDatabase.cleanup();
      }
    },
  );
});
