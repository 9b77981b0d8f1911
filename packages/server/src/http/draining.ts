/**
 * Draining for a graceful shutdown (SPEC 8): once `startDraining()` is called, every
 * answer — of requests in flight and of requests still arriving on open connections —
 * carries `Connection: close`, so each keep-alive client reads its last answer whole
 * and then sees the connection end instead of a reset; requests already received are
 * served as usual. `/readyz` answers 503 meanwhile, so a balancer stops sending traffic.
 * Closing the listener and waiting for in-flight work is `runtime.ts`'s `stop()`.
 */
import type { Server } from 'node:http';
import { Server as NetServer } from 'node:net';
import type { FastifyInstance } from 'fastify';

/**
 * How long open keep-alive connections stay open once the listener is closed, at most.
 * A client (a balancer's connection pool) may be sending a request on an idle connection
 * at the very moment the server closes it; the request then meets a reset, and a
 * balancer does not retry a POST. For a moment, such a request is answered instead (with
 * `Connection: close`, so the client ends the connection itself).
 */
export const KEEP_ALIVE_LINGER_MS = 1_000;

declare module 'fastify' {
  interface FastifyInstance {
    /** Starts draining: every answer from now on closes its connection, and `/readyz` is 503. */
    startDraining(): void;
    /** Whether the instance drains for shutdown. */
    readonly draining: boolean;
  }
}

/** Decorates `app` with `startDraining()` and `draining`, and closes connections while draining. */
export function installDraining(app: FastifyInstance): void {
  let draining = false;
  app.decorate('startDraining', function startDraining() {
    draining = true;
  });
  app.decorate('draining', {
    getter() {
      return draining;
    },
  });
  app.addHook('onSend', function closeConnectionWhileDraining(_request, reply, payload, done) {
    // Node keeps a connection alive unless the answer says otherwise, even while its server closes.
    if (draining) reply.header('connection', 'close');
    done(null, payload);
  });
}

/**
 * Stops accepting connections and keeps the open ones for at most `lingerMs` (while
 * any is open), so that requests on them are still answered. `http.Server#close` would
 * also close every idle keep-alive connection at once: this closes only the listening
 * socket (`net.Server#close`); the app's own close ends what is left.
 */
export async function stopAcceptingAndLinger(server: Server, lingerMs: number): Promise<void> {
  if (server.listening) NetServer.prototype.close.call(server);
  const until = performance.now() + lingerMs;
  while (performance.now() < until && (await openConnections(server)) > 0) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function openConnections(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.getConnections(function counted(error, count) {
      resolve(error ? 0 : count);
    });
  });
}
