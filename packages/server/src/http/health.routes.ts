/**
 * Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the database
 * answers too, and so does the rate-limit store when it lives outside the process
 * (Redis); 503 `SYSTEM_UNAVAILABLE` otherwise), and Prometheus `/metrics`.
 */
import { IdgateError } from '@idgate/errors';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../store/database.js';
import type { Metrics } from './metrics.js';
import type { RateLimitStore } from './rate-limit/rate-limit-store.js';

/** What the health routes look at. */
export interface HealthDeps {
  readonly database: Pick<Database, 'ping' | 'kind'>;
  /** Where rate limits are counted (pinged when it lives outside the process). */
  readonly rateLimitStore: Pick<RateLimitStore, 'ping'>;
  readonly metrics: Pick<Metrics, 'render'>;
}

/** Registers `/healthz`, `/readyz` and `/metrics`. */
export function registerHealthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  app.get(
    '/healthz',
    { config: { idgate: { surface: 'problem', produces: ['application/json'] } } },
    function healthz(_request, reply) {
      reply.header('cache-control', 'no-store');
      return { status: 'ok' };
    },
  );

  app.get(
    '/readyz',
    { config: { idgate: { surface: 'problem', produces: ['application/json'] } } },
    async function readyz(_request, reply) {
      try {
        await deps.database.ping();
      } catch (cause) {
        throw new IdgateError('SYSTEM_UNAVAILABLE', { detail: 'The database does not answer.', cause });
      }
      try {
        await deps.rateLimitStore.ping?.();
      } catch (cause) {
        throw new IdgateError('SYSTEM_UNAVAILABLE', { detail: 'The rate-limit store (Redis) does not answer.', cause });
      }
      reply.header('cache-control', 'no-store');
      return { status: 'ready', database: deps.database.kind };
    },
  );

  app.get(
    '/metrics',
    { config: { idgate: { surface: 'problem', produces: ['text/plain'] } } },
    function metrics(_request, reply) {
      reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').header('cache-control', 'no-store');
      return deps.metrics.render();
    },
  );
}
