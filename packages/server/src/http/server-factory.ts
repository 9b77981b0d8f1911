/**
 * The Node HTTP server under Fastify (`serverFactory`): Node's own parser limits a little
 * above idgate's, so that requests up to them reach the exact `onRequest` check, and
 * the answers to what Node's parser refuses by itself (`limits.ts`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { IdgateError } from '@idgate/errors';
import type { FastifyServerFactory } from 'fastify';
import { type ClientErrorLogger, installRequestLimits, nodeMaxHeaderSize, type RequestLimits } from './limits.js';

/** What the server needs to know. */
export interface ServerFactoryOptions {
  readonly issuer: string;
  readonly limits: RequestLimits;
  /** Counts errors by code (metrics). */
  readonly onError?: (error: IdgateError, status: number) => void;
  /** The app's logger, once the app exists (errors are answered only once it listens). */
  readonly log: () => ClientErrorLogger;
}

/** Fastify's `serverFactory` for idgate. */
export function idgateServerFactory(options: ServerFactoryOptions): FastifyServerFactory {
  return function createIdgateServer(handler) {
    const server: Server = createServer(
      { maxHeaderSize: nodeMaxHeaderSize(options.limits), requireHostHeader: false },
      handler as (request: IncomingMessage, response: ServerResponse) => void,
    );
    const clientErrorOptions = {
      issuer: options.issuer,
      limits: options.limits,
      ...(options.onError === undefined ? {} : { onError: options.onError }),
      get log() {
        return options.log();
      },
    };
    installRequestLimits(server, clientErrorOptions);
    return server;
  };
}
