/**
 * The Node HTTP server under Fastify (`serverFactory`): Node's own parser limits a little
 * above idgate's, so that requests up to them reach the exact `onRequest` check, and the
 * tracking of request heads the `clientError` handler needs (`limits.ts`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FastifyServerFactory } from 'fastify';
import { installRequestLimits, nodeMaxHeaderSize, type RequestLimits } from './limits.js';

/** Fastify's `serverFactory` for idgate. */
export function idgateServerFactory(limits: RequestLimits): FastifyServerFactory {
  return function createIdgateServer(handler) {
    const server: Server = createServer(
      { maxHeaderSize: nodeMaxHeaderSize(limits), requireHostHeader: false },
      handler as (request: IncomingMessage, response: ServerResponse) => void,
    );
    installRequestLimits(server, limits);
    return server;
  };
}
