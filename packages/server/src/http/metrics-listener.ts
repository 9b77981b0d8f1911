/**
 * `IDGATE_METRICS_PORT`: `/metrics` on a listener of its own (on `HOST`), so the main
 * port can face the internet while the scraper reaches a port kept inside the cluster.
 * It answers only `GET /metrics` (with `IDGATE_METRICS_TOKEN` when set) and renders every
 * other answer through the same error handler as the main app (problem+json with a
 * request id, 404 / 405), logging each request like the main app does.
 */
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { installRequestObservation, requestObserver } from './access-log.js';
import { installErrorHandlers } from './error-handler.js';
import { registerMetricsRoute } from './health.routes.js';
import { indexRouteMethods } from './method-index.js';
import { requestIdFor } from './request-id.js';
import { enforceRouteContracts } from './route-contract.js';

/** The running metrics listener. */
export interface MetricsListener {
  /** `http://host:port` it listens on. */
  readonly address: string;
  /** Stops it (in-flight scrapes finish). */
  close(): Promise<void>;
}

/**
 * Builds the metrics app of `main` (its metrics, secrets and configuration) and listens on
 * `IDGATE_METRICS_PORT`.
 */
export async function listenMetrics(main: FastifyInstance): Promise<MetricsListener> {
  const { config, metrics } = main.idgate;
  if (config.metricsPort === undefined) throw new TypeError('IDGATE_METRICS_PORT is not set');
  const app = Fastify({
    loggerInstance: main.log.child({ listener: 'metrics' }),
    genReqId: requestIdFor,
    logController: new LogController({ requestIdLogLabel: 'request_id', disableRequestLogging: true }),
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: false },
  });
  app.decorateRequest('logContext', null as never);
  const methods = indexRouteMethods(app);
  enforceRouteContracts(app);
  const onError = metrics.countError.bind(metrics);
  installErrorHandlers(app, methods, { issuer: config.issuer, onError });
  installRequestObservation(app, requestObserver({ metrics, accessLog: config.accessLog }));
  app.addHook('onRequest', function identifyRequest(request, reply, done) {
    request.logContext = {};
    reply.header('x-request-id', request.id);
    done();
  });
  registerMetricsRoute(app, main.idgate);
  let address: string;
  try {
    address = await app.listen({ port: config.metricsPort, host: config.host });
  } catch (error) {
    await app.close();
    throw error;
  }
  return {
    address,
    async close() {
      await app.close();
    },
  };
}
