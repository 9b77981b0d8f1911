/**
 * Lingering close (RFC 9112 §9.6): a server that closes a connection while the client is
 * still sending makes the client's TCP stack see a reset, which discards the answer it
 * has not read yet (the client sees EPIPE or ECONNRESET instead of a 413 or 431). So an
 * answer to a request that is still arriving half-closes the connection (FIN after the
 * answer), keeps reading and dropping what the client sends, and closes once the client is
 * done — or after bounded time and bytes, whichever comes first.
 */
import type { Socket } from 'node:net';

/** The bounds of one lingering close. */
export interface LingerBounds {
  /** Close when nothing arrives for this long (ms). */
  readonly idleMs: number;
  /** Close after this long in any case (ms). */
  readonly totalMs: number;
  /** Close after dropping this many bytes. */
  readonly maxBytes: number;
}

/** nginx's `lingering_timeout`/`lingering_time`, with a byte bound on top. */
export const LINGER_BOUNDS: LingerBounds = Object.freeze({
  idleMs: 5_000,
  totalMs: 30_000,
  maxBytes: 64 * 1024 * 1024,
});

/**
 * Ends the connection after what was written to it, and drops what the client still
 * sends until it ends its side or a bound is reached. The HTTP parser reads nothing more
 * from this connection.
 */
export function closeLingering(socket: Socket, bounds: LingerBounds = LINGER_BOUNDS): void {
  if (socket.destroyed) return;
  // Node's parser (and a request-head tracker) would only see what follows the answered request.
  socket.removeAllListeners('data');
  let dropped = 0;
  socket.on('data', function dropWhatFollows(chunk: Buffer) {
    dropped += chunk.length;
    if (dropped > bounds.maxBytes) socket.destroy();
  });
  socket.on('end', function clientIsDone() {
    socket.destroy();
  });
  socket.setTimeout(bounds.idleMs, function clientIsIdle() {
    socket.destroy();
  });
  const deadline = setTimeout(function lingeredLongEnough() {
    socket.destroy();
  }, bounds.totalMs);
  deadline.unref();
  socket.once('close', function stopLingering() {
    clearTimeout(deadline);
  });
  socket.end();
  socket.resume();
}

/**
 * Makes Node's HTTP server close `socket` lingering once the answer now being written is
 * sent: Node ends a `Connection: close` exchange with `socket.destroySoon()`, which this
 * replaces for this socket only.
 */
export function lingerAfterAnswer(socket: Socket, bounds: LingerBounds = LINGER_BOUNDS): void {
  Object.defineProperty(socket, 'destroySoon', {
    configurable: true,
    writable: true,
    value: function destroySoonLingering(this: Socket) {
      closeLingering(this, bounds);
    },
  });
}
