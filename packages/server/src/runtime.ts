/**
 * Starting and stopping an idgate instance: open and migrate the database, resolve the
 * instance keys, build the app, listen, and shut down gracefully (finish in-flight
 * requests, refuse new ones with 503, then close connections and the database).
 */

import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config/config.js';
import { type InstanceKeys, loadInstanceKeys } from './security/instance-keys.js';
import { type Database, type DatabaseConfig, openDatabase } from './store/database.js';
import { migrate } from './store/migrate.js';

/** The database configuration a config implies: PostgreSQL when `DATABASE_URL` is set, else SQLite. */
export function databaseConfigFor(config: Config): DatabaseConfig {
  return config.databaseUrl
    ? { kind: 'postgres', url: config.databaseUrl }
    : { kind: 'sqlite', file: path.join(config.dataDir, 'idgate.sqlite') };
}

/** Opens the database and applies pending migrations. */
export async function openMigratedDatabase(
  config: Config,
): Promise<{ database: Database; applied: readonly string[] }> {
  const database = await openDatabase(databaseConfigFor(config));
  try {
    const { applied } = await migrate(database);
    return { database, applied };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** A running instance. */
export interface RunningInstance {
  readonly app: FastifyInstance;
  readonly database: Database;
  readonly keys: InstanceKeys;
  readonly address: string;
  /** Graceful shutdown; resolves when everything is closed. */
  stop(): Promise<void>;
}

/** Starts an instance and listens on the configured host and port. */
export async function startInstance(config: Config): Promise<RunningInstance> {
  const keys = loadInstanceKeys(config);
  const { database } = await openMigratedDatabase(config);
  const app = buildApp(config, { database, adminKey: keys.adminKey, secretKey: keys.secretKey });
  let address: string;
  try {
    address = await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close();
    await database.close();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  async function stop(): Promise<void> {
    stopping ??= (async function shutDown() {
      app.startDraining();
      const force = setTimeout(function closeRemainingConnections() {
        app.server.closeAllConnections();
      }, config.shutdownTimeoutMs);
      force.unref();
      try {
        await app.close();
      } finally {
        clearTimeout(force);
        await database.close();
      }
    })();
    return stopping;
  }
  return { app, database, keys, address, stop };
}
