/**
 * The OpenAPI document of a sandbox instance with a fixed issuer, built without
 * listening (`buildApp` on an in-memory SQLite database, then `inject`): what the SDK's
 * generated wire types are made from (`openapi/openapi-types.ts`). A composition root
 * for tooling, like `runtime.ts` for the server.
 */
import { Writable } from 'node:stream';
import { buildApp } from './app.js';
import { loadConfig } from './config/config.js';
import type { OpenApiDocument } from './openapi/openapi.js';
import { openDatabase } from './store/database.js';
import { migrate } from './store/migrate.js';

/** The issuer the snapshot is built with (it appears in no generated type). */
export const SNAPSHOT_ISSUER = 'https://idgate.example';

/** Builds the document `GET /openapi.json` serves on a sandbox instance at {@link SNAPSHOT_ISSUER}. */
export async function buildOpenApiSnapshot(): Promise<OpenApiDocument> {
  const database = await openDatabase({ kind: 'sqlite', file: ':memory:' });
  try {
    await migrate(database);
    const config = loadConfig({
      IDGATE_ENV: 'sandbox',
      IDGATE_ISSUER: SNAPSHOT_ISSUER,
      IDGATE_DATA_DIR: '/nonexistent-idgate-data-dir',
      IDGATE_LOG_LEVEL: 'warn',
    });
    const app = buildApp(config, {
      database,
      adminKey: 'openapi-snapshot-admin-key-0123456789abcdef',
      secretKey: 'openapi-snapshot-instance-secret-0123456789abcdef',
      logStream: new Writable({
        write(_chunk, _encoding, callback) {
          callback();
        },
      }),
    });
    try {
      await app.ready();
      const res = await app.inject({ method: 'GET', url: '/openapi.json' });
      if (res.statusCode !== 200) throw new Error(`GET /openapi.json answered ${res.statusCode}`);
      return JSON.parse(res.body) as OpenApiDocument;
    } finally {
      await app.close();
    }
  } finally {
    await database.close();
  }
}
