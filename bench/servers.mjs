/**
 * Server child of `bench/error-paths.mjs` (not run by hand). One process, one server:
 *
 *   node bench/servers.mjs idgate <log-level>            idgate on a fresh, migrated SQLite file
 *   node bench/servers.mjs bare <bytes> <content-type>   a bare Fastify 5 app, one route
 *
 * Listens on 127.0.0.1 port 0, reports `{ ready, port }` to the parent over IPC, and
 * exits on SIGTERM/SIGINT or when the parent goes away (IPC disconnect).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { IDGATE_BENCH_ENV } from './oidc-servers.mjs';

/** The path of the bare route. */
const BARE_PATH = '/bare';

const [kind, ...args] = process.argv.slice(2);

let close = async () => {};
let closing = false;
async function shutdown(code = 0) {
  if (closing) return;
  closing = true;
  try {
    await close();
  } finally {
    process.exit(code);
  }
}
process.on('SIGTERM', () => shutdown(0));
process.on('SIGINT', () => shutdown(0));
process.on('disconnect', () => shutdown(0));

function report(message) {
  if (process.send) process.send(message);
  else process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function startIdgate(logLevel) {
  const dist = new URL('../packages/server/dist/', import.meta.url);
  const { buildApp } = await import(new URL('app.js', dist).href);
  const { loadConfig } = await import(new URL('config/config.js', dist).href);
  const { openDatabase } = await import(new URL('store/database.js', dist).href);
  const { migrate } = await import(new URL('store/migrate.js', dist).href);

  const dir = mkdtempSync(path.join(tmpdir(), 'idgate-bench-'));
  close = async () => rmSync(dir, { recursive: true, force: true });
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    IDGATE_ISSUER: 'http://localhost:3000',
    IDGATE_ENV: 'sandbox',
    IDGATE_DATA_DIR: dir,
    IDGATE_LOG_LEVEL: logLevel,
    // Rate limits off, the failed-authentication counters included: the admin call with a
    // bad key is a failed authentication, refused with 429 past 300 a minute otherwise.
    ...IDGATE_BENCH_ENV,
  });
  const database = await openDatabase({ kind: 'sqlite', file: path.join(dir, 'idgate.sqlite') });
  await migrate(database);
  const app = buildApp(config, {
    database,
    adminKey: 'bench-admin-key-0123456789abcdefghijklmnop',
    secretKey: 'bench-secret-key-0123456789abcdefghijklmno',
    // Keep stdout free; anything logged at the chosen level goes to stderr.
    logStream: process.stderr,
  });
  close = async () => {
    await app.close().catch(() => {});
    await database.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  await app.listen({ host: '127.0.0.1', port: 0 });
  return app.server.address().port;
}

async function startBare(bytes, contentType) {
  // A JSON object whose serialization is exactly `bytes` long, serialized per request.
  // Sent as a Buffer, as idgate sends its problems: for a string or an object Fastify
  // would append `; charset=utf-8` to the media type.
  const base = { type: 'about:blank', title: 'Bare', status: 200, pad: '' };
  const padding = bytes - Buffer.byteLength(JSON.stringify(base));
  if (padding < 0) throw new Error(`cannot pad a body to ${bytes} bytes`);
  const body = { ...base, pad: 'x'.repeat(padding) };

  const app = Fastify({ logger: false });
  app.get(BARE_PATH, function bare(_request, reply) {
    return reply.type(contentType).send(Buffer.from(JSON.stringify(body)));
  });
  close = async () => {
    await app.close().catch(() => {});
  };
  await app.listen({ host: '127.0.0.1', port: 0 });
  return app.server.address().port;
}

try {
  let port;
  if (kind === 'idgate') port = await startIdgate(args[0] ?? 'warn');
  else if (kind === 'bare') port = await startBare(Number(args[0]), args[1] ?? 'application/json');
  else throw new Error(`unknown server kind '${kind}' (idgate | bare)`);
  report({ ready: true, kind, port, pid: process.pid });
} catch (error) {
  process.stderr.write(`bench server ${kind}: ${error?.stack ?? error}\n`);
  report({ ready: false, kind, error: String(error?.message ?? error) });
  await shutdown(1);
}
