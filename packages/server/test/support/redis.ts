/**
 * Test Redis: the real server (`IDGATE_TEST_REDIS_URL`, default `redis://127.0.0.1:6379`),
 * never mocked. Each test file takes its own key prefix so files running in parallel never
 * share keys, and deletes its keys afterwards. A TCP proxy in front of it lets a test cut
 * or freeze the connection (a Redis that went away, or one that stopped answering); the
 * same proxy stands in front of PostgreSQL for the database fault tests.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { Redis } from 'ioredis';
import { connectRedis, REDIS_RATE_LIMIT_PREFIX } from '../../src/http/rate-limit/redis-store.js';

/** The default Redis server for tests. */
export const DEFAULT_TEST_REDIS_URL = 'redis://127.0.0.1:6379';

/** The Redis URL tests use. */
export function testRedisUrl(): string {
  return process.env['IDGATE_TEST_REDIS_URL'] ?? DEFAULT_TEST_REDIS_URL;
}

/** A test file's share of the test Redis. */
export interface TestRedis {
  /** The key prefix of this file (pass it as the store's `keyPrefix`). */
  readonly prefix: string;
  /** A client with the production options (`connectRedis`). */
  readonly client: Redis;
  /** Another client (a second "instance"), closed by {@link cleanup}. */
  newClient(): Promise<Redis>;
  /** Every key under this file's prefix. */
  keys(): Promise<string[]>;
  /** Deletes this file's keys and closes every client it opened. */
  cleanup(): Promise<void>;
}

/**
 * Connects to the test Redis with a fresh key prefix (`idgate:rl:test-<name>-<random>:`).
 * @throws Error naming the server when it cannot be reached (Redis tests never skip).
 */
export async function openTestRedis(name: string, url = testRedisUrl()): Promise<TestRedis> {
  const prefix = `${REDIS_RATE_LIMIT_PREFIX}test-${name}-${randomBytes(6).toString('hex')}:`;
  const clients: Redis[] = [];
  async function newClient(): Promise<Redis> {
    try {
      const client = await connectRedis(url);
      clients.push(client);
      return client;
    } catch (error) {
      throw new Error(
        `The Redis tests need a Redis server (IDGATE_TEST_REDIS_URL, default ${DEFAULT_TEST_REDIS_URL}): ` +
          `${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }
  const client = await newClient();
  async function keys(): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      found.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return found;
  }
  return {
    prefix,
    client,
    newClient,
    keys,
    async cleanup() {
      const left = await keys();
      if (left.length > 0) await client.del(...left);
      for (const each of clients) each.disconnect();
    },
  };
}

/** A TCP proxy to a server, whose connections a test can freeze or cut. */
export interface TcpProxy {
  /** `redis://127.0.0.1:<port>` (the proxy's address as a Redis URL). */
  readonly url: string;
  /** The proxy's port (for a server other than Redis: build its URL with it). */
  readonly port: number;
  /**
   * Sees every chunk a client sends, before it is forwarded (a test can cut or freeze the
   * proxy at a given statement: the chunk is then not forwarded).
   */
  watch(listener: ((chunk: Buffer) => void) | undefined): void;
  /** Forwards again and accepts new connections (after {@link freeze} or a refusing {@link cut}; bytes dropped while frozen stay lost). */
  restore(): void;
  /** Stops forwarding in both directions: commands sent now get no reply. */
  freeze(): void;
  /** Resets every open connection (the server went away); new ones are refused while `refuse` is set. */
  cut(options?: { refuse?: boolean }): void;
  close(): Promise<void>;
}

/** Starts a proxy on an ephemeral port to `target` (default: the test Redis). */
export async function startTcpProxy(target: URL = new URL(testRedisUrl())): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let frozen = false;
  let refusing = false;
  let watcher: ((chunk: Buffer) => void) | undefined;
  const server = net.createServer(function forward(downstream) {
    if (refusing) {
      downstream.resetAndDestroy();
      return;
    }
    const upstream = net.connect({ host: target.hostname, port: Number(target.port || 6379) });
    for (const socket of [downstream, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        downstream.destroy();
        upstream.destroy();
      });
    }
    downstream.on('data', (chunk: Buffer) => {
      watcher?.(chunk);
      if (!frozen && !upstream.destroyed) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!frozen && !downstream.destroyed) downstream.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    watch(listener) {
      watcher = listener;
    },
    restore() {
      frozen = false;
      refusing = false;
    },
    freeze() {
      frozen = true;
    },
    cut(options = {}) {
      refusing = options.refuse ?? false;
      for (const socket of sockets) socket.resetAndDestroy();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
