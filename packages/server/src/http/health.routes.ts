/**
 * Liveness (`/healthz`: the process answers), readiness (`/readyz`: the database answers
 * too, and so does the rate-limit store when it lives outside the process (Redis), within
 * `IDGATE_READY_TIMEOUT`, and the instance is not draining for shutdown; 503
 * `SYSTEM_UNAVAILABLE` otherwise), and Prometheus `/metrics` (on the main port unless
 * `IDGATE_METRICS_PORT` moves it to a listener of its own, `metrics-listener.ts`; behind
 * the bearer `IDGATE_METRICS_TOKEN` when that is set).
 */
import { IdgateError } from '@idgate/errors';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.js';
import { authenticateBearerKey, type BearerKeyTexts } from '../security/bearer-key.js';
import type { SecretBox } from '../security/secrets.js';
import type { Database } from '../store/database.js';
import { type BoundedOutcome, settleWithin } from './deadline.js';
import type { Metrics } from './metrics.js';
import type { RateLimitStore } from './rate-limit/rate-limit-store.js';
import { drainingError } from './request-checks.js';

/** What the health routes look at. */
export interface HealthDeps extends MetricsRouteContext {
  readonly config: Pick<Config, 'metricsPort' | 'metricsToken' | 'readyTimeoutMs'>;
  readonly database: Pick<Database, 'ping' | 'kind'>;
  /** Where rate limits are counted (pinged when it lives outside the process). */
  readonly rateLimitStore: Pick<RateLimitStore, 'ping'>;
}

/** Registers `/healthz`, `/readyz` and, unless it has a port of its own, `/metrics`. */
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
      if (app.draining) throw drainingError();
      await checkReadiness(deps);
      reply.header('cache-control', 'no-store');
      return { status: 'ready', database: deps.database.kind };
    },
  );

  if (deps.config.metricsPort === undefined) registerMetricsRoute(app, deps);
}

/**
 * The database, then the rate-limit store when it is remote, each answering within what
 * is left of `IDGATE_READY_TIMEOUT`.
 * @throws IdgateError `SYSTEM_UNAVAILABLE` naming the part that failed or did not answer in time
 */
async function checkReadiness({ database, rateLimitStore: store, config }: HealthDeps): Promise<void> {
  const deadline = performance.now() + config.readyTimeoutMs;
  await checkPart('The database', () => database.ping(), deadline, config.readyTimeoutMs);
  if (store.ping !== undefined) {
    await checkPart('The rate-limit store (Redis)', () => store.ping!(), deadline, config.readyTimeoutMs);
  }
}

async function checkPart(part: string, ping: () => Promise<void>, deadline: number, boundMs: number): Promise<void> {
  const left = Math.max(1, Math.round(deadline - performance.now()));
  let outcome: BoundedOutcome<void>;
  try {
    outcome = await settleWithin(ping(), left);
  } catch (cause) {
    throw new IdgateError('SYSTEM_UNAVAILABLE', { detail: `${part} does not answer.`, cause });
  }
  if (outcome.timedOut) {
    throw new IdgateError('SYSTEM_UNAVAILABLE', {
      detail: `${part} does not answer.`,
      debug: { readyTimeoutMs: boundMs, reason: `no answer within ${boundMs} ms` },
    });
  }
}

/** What `/metrics` needs. */
export interface MetricsRouteContext {
  readonly config: Pick<Config, 'metricsToken'>;
  readonly metrics: Pick<Metrics, 'render' | 'contentType'>;
  readonly secrets: SecretBox;
}

const METRICS_TOKEN_TEXTS: BearerKeyTexts = {
  missing: '/metrics needs the metrics token as Authorization: Bearer <IDGATE_METRICS_TOKEN>.',
  malformed: '/metrics takes only Authorization: Bearer <IDGATE_METRICS_TOKEN>.',
  invalid: 'The metrics token is not valid.',
};

/** Registers `GET /metrics` on `app` (the main app, or the metrics listener's). */
export function registerMetricsRoute(app: FastifyInstance, context: MetricsRouteContext): void {
  const { metrics, secrets } = context;
  const token = context.config.metricsToken;
  const tokenHash = token === undefined ? undefined : secrets.hash(token);
  app.get(
    '/metrics',
    {
      config: {
        idgate: {
          surface: 'bearer',
          realm: 'idgate-metrics',
          produces: ['text/plain'],
          errors: tokenHash === undefined ? [] : ['AUTH_MISSING_CREDENTIALS', 'AUTH_INVALID_CREDENTIALS'],
        },
      },
    },
    async function exposeMetrics(request, reply) {
      if (tokenHash !== undefined) authenticateBearerKey(request, secrets, tokenHash, METRICS_TOKEN_TEXTS);
      const text = await metrics.render();
      reply.header('content-type', metrics.contentType).header('cache-control', 'no-store');
      return text;
    },
  );
}
