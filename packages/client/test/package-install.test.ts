/**
 * SPEC 9: `@idgate/errors` and `@idgate/client` are publishable and work outside this
 * repository. `npm pack` (which builds them, `prepack`) makes the two tarballs; they hold
 * built output only (JavaScript and declarations, README, LICENSE); installed offline
 * into a temporary directory outside the repository (the client's dependency on
 * `@idgate/errors` is met by the other tarball, not a workspace link), they load with
 * plain Node as ES modules (and with `require`, Node ≥ 20.19), and `tsc` type-checks a
 * consumer: every TypeScript example of the two READMEs, and a consumer without Node's
 * types (the declarations need only `fetch` and WebCrypto).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const PACKAGES = ['errors', 'client'] as const;
/** Every step is bounded. */
const STEP_TIMEOUT_MS = 120_000;

interface Packed {
  readonly name: string;
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

/** The ```ts blocks of a README. */
function typeScriptExamples(readme: string): string[] {
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] as string);
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

describe('the publishable packages, installed outside the repository', () => {
  let work: string;
  let consumer: string;
  let packed: Packed[];

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'idgate-packages-'));
    consumer = path.join(work, 'consumer');
    mkdirSync(consumer);
    const { stdout } = await run(
      'npm',
      ['pack', ...PACKAGES.flatMap((name) => ['-w', `packages/${name}`]), '--pack-destination', work, '--json'],
      { cwd: ROOT, timeout: STEP_TIMEOUT_MS },
    );
    packed = JSON.parse(stdout) as Packed[];
    writeJson(path.join(consumer, 'package.json'), { name: 'idgate-consumer', private: true, type: 'module' });
    await run(
      'npm',
      [
        'install',
        '--offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--cache',
        path.join(work, 'npm-cache'),
        ...packed.map((item) => path.join(work, item.filename)),
      ],
      { cwd: consumer, timeout: STEP_TIMEOUT_MS },
    );
  }, 4 * STEP_TIMEOUT_MS);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('packs built output only, with README and LICENSE, and a manifest that works outside the repository', () => {
    expect(packed.map((item) => item.name)).toEqual(['@idgate/errors', '@idgate/client']);
    for (const item of packed) {
      const files = item.files.map((file) => file.path).sort();
      expect(files, item.name).toEqual(
        expect.arrayContaining(['LICENSE', 'README.md', 'dist/index.d.ts', 'dist/index.js']),
      );
      for (const file of files) {
        expect(file, item.name).toMatch(/^(LICENSE|README\.md|package\.json|dist\/[a-z0-9/-]+\.(js|d\.ts))$/);
      }
    }
    const client = packed.find((item) => item.name === '@idgate/client');
    expect(client?.files.map((file) => file.path)).toContain('dist/generated/openapi.d.ts');
    for (const name of PACKAGES) {
      const manifest = JSON.parse(
        readFileSync(path.join(consumer, 'node_modules/@idgate', name, 'package.json'), 'utf8'),
      ) as Record<string, unknown>;
      expect(manifest).toMatchObject({
        license: 'Apache-2.0',
        type: 'module',
        sideEffects: false,
        engines: { node: '>=20.19' },
        exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js', default: './dist/index.js' } },
      });
      expect(manifest.repository).toMatchObject({ type: 'git', directory: `packages/${name}` });
      expect((manifest.keywords as string[]).length).toBeGreaterThan(0);
      expect(JSON.stringify(manifest.dependencies ?? {})).not.toMatch(/workspace:|file:|link:|\*/);
    }
    const installed = JSON.parse(readFileSync(path.join(consumer, 'node_modules/@idgate/client/package.json'), 'utf8'));
    expect(installed.dependencies).toEqual({ '@idgate/errors': '0.1.0' });
  });

  it('loads with plain Node as ES modules and with require, and works', async () => {
    const script = `
      import { createHmac } from 'node:crypto';
      import { CATALOG } from '@idgate/errors';
      import { IdgateClient, parseProblem, verifyIdgateSignature, userMessage } from '@idgate/client';
      const body = '{"id":"evt_1"}';
      const t = Math.floor(Date.now() / 1000);
      const v1 = createHmac('sha256', 'whsec_x').update(t + '.' + body).digest('hex');
      const verified = await verifyIdgateSignature({ header: 't=' + t + ',v1=' + v1, body, secret: 'whsec_x' });
      const client = new IdgateClient({ baseUrl: 'https://id.example.com', clientId: 'test_a', clientSecret: 's' });
      const error = parseProblem({ title: 'SYSTEM_RATE_LIMITED', status: 429 }, 429, '3');
      console.log(JSON.stringify({
        status: CATALOG.SYSTEM_RATE_LIMITED.status,
        signedAt: verified.signedAt.getTime() / 1000 === t,
        client: typeof client.waitForVerification,
        code: error.code,
        retryAfter: error.retryAfterSeconds,
        de: userMessage('err_user_cancelled', 'de-DE') !== userMessage('err_user_cancelled', 'en'),
      }));
    `;
    const esm = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: consumer,
      timeout: STEP_TIMEOUT_MS,
    });
    expect(JSON.parse(esm.stdout)).toEqual({
      status: 429,
      signedAt: true,
      client: 'function',
      code: 'SYSTEM_RATE_LIMITED',
      retryAfter: 3,
      de: true,
    });
    const cjs = await run(
      process.execPath,
      [
        '-e',
        "const c = require('@idgate/client'); const e = require('@idgate/errors'); console.log(typeof c.IdgateClient, e.CATALOG.RESOURCE_NOT_FOUND.status)",
      ],
      { cwd: consumer, timeout: STEP_TIMEOUT_MS },
    );
    expect(cjs.stdout.trim()).toBe('function 404');
  });

  it(
    'type-checks the READMEs’ examples, and a consumer without Node’s types, with tsc',
    async () => {
      const examples = PACKAGES.flatMap((name) =>
        typeScriptExamples(readFileSync(path.join(ROOT, 'packages', name, 'README.md'), 'utf8')).map(
          (source, index) => [`readme-${name}-${index + 1}.ts`, source] as const,
        ),
      );
      expect(examples.length).toBeGreaterThanOrEqual(6);
      for (const [file, source] of examples) writeFileSync(path.join(consumer, file), source);
      writeFileSync(
        path.join(consumer, 'portable.ts'),
        `import { CATALOG, type ErrorCode } from '@idgate/errors';
import { IdgateClient, type Verification, verifyIdgateSignature } from '@idgate/client';

export async function ended(client: IdgateClient, id: string): Promise<Verification['status']> {
  return (await client.waitForVerification(id, { timeoutMs: 1000 })).status;
}
export const status: number = CATALOG['SESSION_VERIFICATION_NOT_FOUND' satisfies ErrorCode].status;
export const check = (header: string, body: Uint8Array) => verifyIdgateSignature({ header, body, secret: 's' });
// @ts-expect-error: a verification's status is one of the transaction states, not any string
export const wrong: Verification['status'] = 'done';
`,
      );
      const strict = {
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        noEmit: true,
        skipLibCheck: false,
      };
      writeJson(path.join(consumer, 'tsconfig.json'), {
        // Node's own types are not what is checked here: the portable consumer checks the declarations.
        compilerOptions: {
          ...strict,
          skipLibCheck: true,
          lib: ['es2022'],
          types: ['node'],
          typeRoots: [path.join(ROOT, 'node_modules/@types')],
        },
        files: examples.map(([file]) => file),
      });
      writeJson(path.join(consumer, 'tsconfig.portable.json'), {
        compilerOptions: { ...strict, lib: ['es2022', 'dom'], types: [] },
        files: ['portable.ts'],
      });
      for (const project of ['tsconfig.json', 'tsconfig.portable.json']) {
        const result = await run(process.execPath, [TSC, '-p', project], {
          cwd: consumer,
          timeout: STEP_TIMEOUT_MS,
        }).catch((error: { stdout?: string }) => ({ stdout: `tsc failed:\n${error.stdout ?? String(error)}` }));
        expect(result.stdout, project).toBe('');
      }
    },
    2 * STEP_TIMEOUT_MS,
  );
});
