/**
 * The built server (`packages/server/dist/main.js`, as `npm start` runs it) in a child
 * process with a clean environment: only the variables a test gives, none of the shell's
 * `IDGATE_*`, `DATABASE_URL`, `REDIS_URL`, `PORT`, `HOST`. Every child is remembered so a
 * test file's `afterAll(killChildren)` kills, by PID, whatever is still running.
 * Needs `npm run build` first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (where `npm start` runs). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
/** The built entry point of `npm start`. */
export const MAIN = join(ROOT, 'packages', 'server', 'dist', 'main.js');

const CONFIG_VARIABLES = /^(?:IDGATE_.*|DATABASE_URL|REDIS_URL|PORT|HOST)$/;
/** How long a start may take until its banner is printed. */
export const BANNER_TIMEOUT_MS = 15_000;
/** How long a stop may take by default. */
export const EXIT_TIMEOUT_MS = 5_000;

/** Every child started through this module. */
const children = new Set<ChildProcess>();

/** A started server. */
export interface ChildServer {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:NNNN` as printed by the banner. */
  readonly address: string;
  readonly banner: string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Everything written to stdout (the JSON logs) so far. */
  stdout(): string;
}

/** Throws when the server was not built. */
export function requireBuild(): void {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
}

/** The process environment without configuration variables, plus `extra` (log level `warn` unless given). */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!CONFIG_VARIABLES.test(key)) env[key] = value;
  return { ...env, IDGATE_LOG_LEVEL: 'warn', ...extra };
}

/** Spawns `node dist/main.js` with `env` (not waiting for anything). */
export function spawnServer(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [MAIN], { cwd: ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  return child;
}

/** Spawns `node dist/main.js`; resolves once the whole banner is printed. */
export function startServer(env: Record<string, string>): Promise<ChildServer> {
  const child = spawnServer(env);
  let stderr = '';
  let stdout = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  return new Promise(function waitForBanner(resolve, reject) {
    const timer = setTimeout(function bannerTimedOut() {
      reject(new Error(`no banner within ${BANNER_TIMEOUT_MS} ms; stderr:\n${stderr}\nstdout:\n${stdout}`));
    }, BANNER_TIMEOUT_MS);
    child.stderr?.setEncoding('utf8').on('data', function collect(chunk: string) {
      stderr += chunk;
      const address = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1];
      if (address && stderr.includes('README.md walks through')) {
        clearTimeout(timer);
        resolve({ child, address, banner: stderr, stderr: () => stderr, stdout: () => stdout });
      }
    });
    child.once('exit', function exitedEarly(code, signal) {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before its banner; stderr:\n${stderr}\nstdout:\n${stdout}`));
    });
  });
}

/** What a child that stops by itself said. */
export interface ChildExit {
  readonly code: number | null;
  readonly stderr: string;
}

/** Spawns `node dist/main.js` expecting it to stop by itself (a refused start); resolves with its exit. */
export async function runServerToExit(env: Record<string, string>, timeoutMs = BANNER_TIMEOUT_MS): Promise<ChildExit> {
  const child = spawnServer(env);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const code = await exitOf(child, timeoutMs);
  return { code, stderr };
}

/** Resolves with the exit code once the child exits; rejects after `timeoutMs`. */
export function exitOf(child: ChildProcess, timeoutMs = EXIT_TIMEOUT_MS): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise(function waitForExit(resolve, reject) {
    const timer = setTimeout(
      () => reject(new Error(`process ${child.pid} still running after ${timeoutMs} ms`)),
      timeoutMs,
    );
    // 'close', not 'exit': by then everything the child wrote has been read.
    child.once('close', function exited(code) {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** Kills (SIGKILL, by PID) every child of this module that still runs. */
export function killChildren(): void {
  for (const child of children) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null)
      process.kill(child.pid, 'SIGKILL');
  }
}
