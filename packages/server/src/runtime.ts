/**
 * Starting and stopping an idgate instance: open and migrate the database, connect to
 * Redis when `REDIS_URL` is set (rate limits shared by every instance), resolve the
 * instance keys, build the app, listen, and shut down gracefully (finish in-flight
 * requests, refuse new ones with 503, then close connections, the database and Redis).
 */

import path from 'node:path';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { buildApp } from './app.js';
import type { Config } from './config/config.js';
import { closeRedis, connectRedis, RedisRateLimitStore } from './http/rate-limit/redis-store.js';
import { type InstanceKeys, loadInstanceKeys } from './security/instance-keys.js';
import { SecretBox } from './security/secrets.js';
import { type Database, type DatabaseConfig, openDatabase } from './store/database.js';
import { migrate } from './store/migrate.js';

/** The database configuration a config implies: PostgreSQL when `DATABASE_URL` is set, else SQLite. */
export function databaseConfigFor(config: Config): DatabaseConfig {
  return config.databaseUrl
    ? { kind: 'postgres', url: config.databaseUrl }
    : { kind: 'sqlite', file: path.join(config.dataDir, 'idgate.sqlite') };
}

/**
 * Opens the database and applies pending migrations (with the instance secret, which
 * migration 0008 needs to seal stored login hints; read from the configuration or the
 * data directory unless given).
 */
export async function openMigratedDatabase(
  config: Config,
  secretKey: string = loadInstanceKeys(config).secretKey,
): Promise<{ database: Database; applied: readonly string[] }> {
  const database = await openDatabase(databaseConfigFor(config));
  try {
    const { applied } = await migrate(database, { sealer: new SecretBox(secretKey) });
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
  /** Where rate limits are counted: `redis` (shared, `REDIS_URL`) or `memory` (this instance only). */
  readonly rateLimitStore: 'redis' | 'memory';
  /** Graceful shutdown; resolves when everything is closed. */
  stop(): Promise<void>;
}

/**
 * Starts an instance and listens on the configured host and port.
 * @throws ConfigError naming `REDIS_URL` when it is set and Redis cannot be reached
 */
export async function startInstance(config: Config): Promise<RunningInstance> {
  const keys = loadInstanceKeys(config);
  const { database } = await openMigratedDatabase(config, keys.secretKey);
  let redis: Redis | undefined;
  try {
    redis = config.redisUrl === undefined ? undefined : await connectRedis(config.redisUrl);
  } catch (error) {
    await database.close();
    throw error;
  }
  const rateLimitStore = redis === undefined ? 'memory' : 'redis';
  const app = buildApp(config, {
    database,
    adminKey: keys.adminKey,
    secretKey: keys.secretKey,
    ...(redis === undefined ? {} : { rateLimitStore: new RedisRateLimitStore(redis) }),
  });
  if (redis !== undefined) reportRedisConnection(redis, app.log);
  let address: string;
  try {
    address = await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close();
    await database.close();
    if (redis !== undefined) await closeRedis(redis);
    throw error;
  }
  app.log.info(
    { rateLimitStore },
    rateLimitStore === 'redis'
      ? 'rate limits are counted in Redis (REDIS_URL), shared by every instance using it'
      : 'rate limits are counted in memory, per instance (set REDIS_URL to share them between instances)',
  );
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
        try {
          await database.close();
        } finally {
          if (redis !== undefined) await closeRedis(redis);
        }
      }
    })();
    return stopping;
  }
  return { app, database, keys, address, rateLimitStore, stop };
}

/**
 * Logs the Redis connection going down (once per outage: the client reports every failed
 * reconnection attempt) and coming back; meanwhile rate-limited routes answer 503.
 */
function reportRedisConnection(redis: Redis, log: FastifyBaseLogger): void {
  let down = false;
  redis.on('error', function connectionFailed(error: Error) {
    if (down) return;
    down = true;
    log.error(
      { err: error },
      'Redis (rate-limit store) connection failed; rate-limited routes answer 503 until it is back',
    );
  });
  redis.on('ready', function connectionBack() {
    if (!down) return;
    down = false;
    log.info('Redis (rate-limit store) connection is back');
  });
}
