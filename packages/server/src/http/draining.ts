/**
 * Draining for a graceful shutdown (SPEC 8): once `startDraining()` is called, every
 * answer — of requests in flight and of requests still arriving on open connections —
 * carries `Connection: close`, so each keep-alive client reads its last answer whole
 * and then sees the connection end instead of a reset; requests already received are
 * served as usual. `/readyz` answers 503 meanwhile, so a balancer stops sending traffic.
 * Closing the listener and waiting for in-flight work is `runtime.ts`'s `stop()`.
 */
import type { FastifyInstance } from 'fastify';

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
