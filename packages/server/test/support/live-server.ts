/**
 * An idgate app listening on a real loopback port, with the issuer set to its own
 * address, for clients that speak real HTTP (openid-client, raw sockets, browsers).
 */
import { createServer } from 'node:net';
import { createTestApp, type TestApp, type TestAppOptions } from './app.js';
import type { TestDatabaseKind } from './databases.js';

/** A free loopback port (the OS picks; there is a short window in which it could be taken). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A test app listening on 127.0.0.1, its issuer being its own base URL. */
export interface LiveTestApp extends TestApp {
  readonly baseUrl: string;
}

/** Starts a test app on a free loopback port. */
export async function startLiveTestApp(
  kind: TestDatabaseKind = 'sqlite',
  options: TestAppOptions = {},
): Promise<LiveTestApp> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const test = await createTestApp(kind, { ...options, env: { IDGATE_ISSUER: baseUrl, ...options.env } });
  await test.app.listen({ port, host: '127.0.0.1' });
  return { ...test, baseUrl };
}
