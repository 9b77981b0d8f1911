/**
 * Starting and stopping an idgate instance: check what production refuses to serve with,
 * open and migrate the database, connect to Redis when `REDIS_URL` is set (rate limits
 * shared by every instance), resolve the instance keys, build the app, listen (and on
 * `IDGATE_METRICS_PORT` for `/metrics`), and shut down gracefully.
 *
 * A database or Redis that cannot be reached at start is a `ConfigError` naming its
 * variable and `host:port` (never the URL: it may carry a password).
 *
 * Shutdown (SIGTERM): the instance drains (every answer closes its connection, `/readyz`
 * is 503), stops listening, keeps open keep-alive connections for up to a second (a
 * request a balancer sends on one meanwhile is answered, not reset), answers every
 * request already received, waits for webhook deliveries under way, then closes the
 * database and Redis — all within `IDGATE_SHUTDOWN_TIMEOUT`, past which the remaining
 * connections are closed.
 */
import path from 'node:path';
import { isIdgateError } from '@idgate/errors';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { buildApp } from './app.js';
import {
  type Config,
  ConfigError,
  checkProductionDatabase,
  checkProductionServe,
  serviceAddressOf,
} from './config/config.js';
import { settleWithin } from './http/deadline.js';
import { KEEP_ALIVE_LINGER_MS, stopAcceptingAndLinger } from './http/draining.js';
import { listenMetrics, type MetricsListener } from './http/metrics-listener.js';
import { closeRedis, connectRedis, RedisRateLimitStore } from './http/rate-limit/redis-store.js';
import { type InstanceKeys, loadInstanceKeys } from './security/instance-keys.js';
import { SecretBox } from './security/secrets.js';
import { type Database, type DatabaseConfig, openDatabase } from './store/database.js';
import { migrate } from './store/migrate.js';

/** How long closing the database and Redis may take once the drain is over. */
export const STORE_CLOSE_BOUND_MS = 1_000;

/**
 * The database configuration a config implies: PostgreSQL when `DATABASE_URL` is set, else
 * SQLite, with the configured bounds (`IDGATE_DB_STATEMENT_TIMEOUT`, `IDGATE_DB_ACQUIRE_TIMEOUT`).
 * @throws ConfigError naming `DATABASE_URL` in production without it (unless `IDGATE_ALLOW_SQLITE`)
 */
export function databaseConfigFor(config: Config): DatabaseConfig {
  checkProductionDatabase(config);
  return config.databaseUrl
    ? {
        kind: 'postgres',
        url: config.databaseUrl,
        statementTimeoutMs: config.dbStatementTimeoutMs,
        acquireTimeoutMs: config.dbAcquireTimeoutMs,
      }
    : {
        kind: 'sqlite',
        file: path.join(config.dataDir, 'idgate.sqlite'),
        busyTimeoutMs: config.dbStatementTimeoutMs,
      };
}

/**
 * Opens the database and applies pending migrations (with the instance secret, which
 * migration 0008 needs to seal stored login hints; read from the configuration or the
 * data directory unless given). On PostgreSQL the migrations run on
 * connections of their own without a statement timeout (they may wait for another
 * instance's migration lock, or build an index), then the bounded pool opens.
 * @throws ConfigError naming `DATABASE_URL` (host and port) or `IDGATE_DATA_DIR` when the database cannot be reached or opened
 */
export async function openMigratedDatabase(
  config: Config,
  secretKey: string = loadInstanceKeys(config).secretKey,
): Promise<{ database: Database; applied: readonly string[] }> {
  const target = databaseConfigFor(config);
  const sealer = new SecretBox(secretKey);
  if (target.kind === 'sqlite') {
    const database = await openReachable(target, config);
    try {
      const { applied } = await migrate(database, { sealer });
      return { database, applied };
    } catch (error) {
      await database.close();
      throw error;
    }
  }
  const { statementTimeoutMs: _unbounded, ...forMigrations } = target;
  const migrating = await openReachable({ ...forMigrations, poolSize: 2 }, config);
  let applied: readonly string[];
  try {
    ({ applied } = await migrate(migrating, { sealer }));
  } finally {
    await migrating.close();
  }
  return { database: await openDatabase(target), applied };
}

/**
 * Opens a database and runs one query on it, bounded.
 * @throws ConfigError naming the variable that points at it
 */
async function openReachable(target: DatabaseConfig, config: Config): Promise<Database> {
  let database: Database;
  try {
    database = await openDatabase(target);
  } catch (error) {
    throw unreachable(target, config, error);
  }
  const boundMs = config.dbAcquireTimeoutMs + config.dbStatementTimeoutMs;
  try {
    const outcome = await settleWithin(database.ping(), boundMs);
    if (outcome.timedOut) throw new Error(`no answer within ${boundMs} ms`);
    return database;
  } catch (error) {
    await settleWithin(database.close(), STORE_CLOSE_BOUND_MS).catch(() => undefined);
    throw unreachable(target, config, error);
  }
}

/** The start error for a database that could not be opened or did not answer. */
function unreachable(target: DatabaseConfig, config: Config, error: unknown): ConfigError {
  if (target.kind === 'sqlite') {
    return new ConfigError('IDGATE_DATA_DIR', `cannot hold the SQLite database: ${reasonOf(error, undefined)}`);
  }
  const address = serviceAddressOf(target.url);
  const password = passwordOf(config.databaseUrl);
  const driverError = innermostCause(error);
  const refused = typeof (driverError as { code?: unknown }).code === 'string' && !isIdgateError(error);
  return new ConfigError(
    'DATABASE_URL',
    refused
      ? `is refused by PostgreSQL at ${address}: ${reasonOf(error, password)}`
      : `cannot be reached at ${address}: ${reasonOf(error, password)}`,
  );
}

/** The driver's error under the catalog error the boundary made of it. */
function innermostCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5 && isIdgateError(current) && current.cause !== undefined; depth++) {
    current = current.cause;
  }
  return current;
}

/** A short reason: the driver error's code and message (of the first address tried, for several). */
function reasonOf(error: unknown, password: string | undefined): string {
  let cause = innermostCause(error);
  if (cause instanceof AggregateError && cause.errors.length > 0) cause = cause.errors[0];
  const code = (cause as { code?: unknown } | undefined)?.code;
  const message = cause instanceof Error ? cause.message : String(cause);
  let reason = typeof code === 'string' && !message.includes(code) ? `${code} ${message}` : message;
  if (password) reason = reason.split(password).join('***');
  return reason.trim() || 'no reason given';
}

function passwordOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const password = new URL(url).password;
    return password === '' ? undefined : decodeURIComponent(password);
  } catch {
    return undefined;
  }
}

/** A running instance. */
export interface RunningInstance {
  readonly app: FastifyInstance;
  readonly database: Database;
  readonly keys: InstanceKeys;
  readonly address: string;
  /** Where `/metrics` listens when `IDGATE_METRICS_PORT` is set. */
  readonly metricsAddress: string | undefined;
  /** Where rate limits are counted: `redis` (shared, `REDIS_URL`) or `memory` (this instance only). */
  readonly rateLimitStore: 'redis' | 'memory';
  /** Graceful shutdown; resolves when everything is closed, within `IDGATE_SHUTDOWN_TIMEOUT`. */
  stop(): Promise<void>;
}

/**
 * Starts an instance and listens on the configured host and port.
 * @throws ConfigError for what production refuses to serve with, and naming `DATABASE_URL`
 *   or `REDIS_URL` (host and port) when they are set and cannot be reached
 */
export async function startInstance(config: Config): Promise<RunningInstance> {
  checkProductionServe(config);
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
  async function closeStores(): Promise<void> {
    try {
      await database.close();
    } finally {
      if (redis !== undefined) await closeRedis(redis);
    }
  }
  let address: string;
  let metricsListener: MetricsListener | undefined;
  try {
    address = await app.listen({ port: config.port, host: config.host });
    if (config.metricsPort !== undefined) metricsListener = await listenMetrics(app);
  } catch (error) {
    await app.close();
    await closeStores();
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
    stopping ??= shutDown(app, config, metricsListener, closeStores);
    return stopping;
  }
  return { app, database, keys, address, metricsAddress: metricsListener?.address, rateLimitStore, stop };
}

/** The graceful shutdown of the module documentation. */
async function shutDown(
  app: FastifyInstance,
  config: Config,
  metricsListener: MetricsListener | undefined,
  closeStores: () => Promise<void>,
): Promise<void> {
  const started = performance.now();
  app.startDraining();
  // No new connections from now on; a request on an open keep-alive connection is still
  // answered for a moment, with Connection: close (draining.ts).
  await stopAcceptingAndLinger(app.server, Math.min(KEEP_ALIVE_LINGER_MS, config.shutdownTimeoutMs / 2));
  let failure: unknown;
  // Fastify closes the idle connections left, waits for the requests in flight, then runs
  // its onClose hooks (webhook deliveries and the purge finish there).
  const closing = Promise.all([app.close(), metricsListener?.close()]);
  try {
    const left = Math.max(0, config.shutdownTimeoutMs - (performance.now() - started));
    const drained = await settleWithin(closing, left);
    if (drained.timedOut) {
      app.log.warn(
        { shutdownTimeoutMs: config.shutdownTimeoutMs },
        'requests or webhook deliveries still running at IDGATE_SHUTDOWN_TIMEOUT: closing their connections',
      );
      app.server.closeAllConnections();
    }
  } catch (error) {
    failure = error;
  }
  try {
    const closed = await settleWithin(closeStores(), STORE_CLOSE_BOUND_MS);
    if (closed.timedOut) app.log.warn('the database or Redis did not close in time');
  } catch (error) {
    failure ??= error;
  }
  if (failure !== undefined) throw failure;
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
