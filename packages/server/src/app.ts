/**
 * `buildApp(config, deps)`: assembles idgate's Fastify application from its parts. No
 * globals: the database, clock and keys come in as dependencies, so tests inject them.
 */
import type { Server } from 'node:http';
import Fastify, {
  type FastifyHttpOptions,
  type FastifyInstance,
  type FastifyLoggerOptions,
  LogController,
} from 'fastify';
import { registerAdminRoutes } from './admin/admin.routes.js';
import { AppsService } from './apps/apps.service.js';
import { addUriFormat } from './apps/uri-rules.js';
import type { Config } from './config/config.js';
import { registerErrorReferenceRoutes } from './docs/errors.routes.js';
import { installBodyParsers, parseQueryString } from './http/body-parsers.js';
import { installCors } from './http/cors.js';
import { installErrorHandlers, sendPreRouteError } from './http/error-handler.js';
import { frameworkErrorHandler } from './http/framework-errors.js';
import { registerHealthRoutes } from './http/health.routes.js';
import { clientErrorHandler } from './http/limits.js';
import { indexRouteMethods, type MethodIndex } from './http/method-index.js';
import { Metrics } from './http/metrics.js';
import type { RateLimitStore } from './http/rate-limit/rate-limit-store.js';
import { RateLimiter } from './http/rate-limit/rate-limiter.js';
import { drainingError, preRouteErrorFor } from './http/request-checks.js';
import { requestIdFor } from './http/request-id.js';
import { enforceRouteContracts } from './http/route-contract.js';
import { idgateServerFactory } from './http/server-factory.js';
import { AccessTokens } from './oauth/access-tokens.js';
import { AuthorizationCodes } from './oauth/authorization-codes.js';
import { registerAuthorizeRoutes } from './oauth/authorize.routes.js';
import { registerDiscoveryRoutes } from './oauth/discovery.routes.js';
import { SigningKeys } from './oauth/keys/signing-keys.js';
import { registerResourceRoutes } from './oauth/resource.routes.js';
import { registerTokenRoutes } from './oauth/token.routes.js';
import { registerOidcCallbackRoutes } from './providers/oidc/oidc-callback.routes.js';
import { createProviderRegistry, type ProviderRegistry } from './providers/registry.js';
import { AppsRepository } from './store/apps.repository.js';
import { PurgeJob } from './store/purge-job.js';
import { RevocationsRepository } from './store/revocations.repository.js';
import { registerVerificationRoutes } from './verification/verification.routes.js';
import { VerificationService } from './verification/verification.service.js';
import { WebhookDispatcher } from './verification/webhooks/webhook-dispatcher.js';
import './http/request-state.js';
import { registerOpenApiRoutes } from './openapi/openapi.routes.js';
import { SecretBox } from './security/secrets.js';
import type { Database } from './store/database.js';

/** What the application is built from. */
export interface AppDependencies {
  readonly database: Database;
  /** The admin API's bearer key. */
  readonly adminKey: string;
  /** The instance secret (keyed hashes, encryption). */
  readonly secretKey: string;
  /** The current time (tests inject a fixed or advancing clock). */
  readonly clock?: () => Date;
  /** Where logs go (default: standard output). */
  readonly logStream?: NodeJS.WritableStream;
  /** The provider adapters (default: the mocks in sandbox and the configured upstream providers). */
  readonly providers?: ProviderRegistry;
  /** Where rate limits are counted (default: in memory; `startInstance` passes the Redis store when `REDIS_URL` is set). */
  readonly rateLimitStore?: RateLimitStore;
}

/** Services every route module receives. */
export interface AppContext {
  readonly config: Config;
  readonly database: Database;
  readonly secrets: SecretBox;
  readonly adminKeyHash: string;
  readonly clock: () => Date;
  readonly metrics: Metrics;
  readonly apps: AppsService;
  readonly revocations: RevocationsRepository;
  readonly accessTokens: AccessTokens;
  readonly keys: SigningKeys;
  readonly verifications: VerificationService;
  readonly rateLimits: RateLimiter;
  readonly codes: AuthorizationCodes;
  /** The webhook outbox's dispatcher (runs in the background while the server listens). */
  readonly webhooks: WebhookDispatcher;
  /** Retention: purges expired OAuth records and old webhook events (in the background while the server listens). */
  readonly purge: PurgeJob;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The instance's services. */
    idgate: AppContext;
    /** Starts answering new requests with 503 while in-flight ones finish. */
    startDraining(): void;
  }
}

/** Builds the application (not yet listening; call `ready()` or `listen()`). */
export function buildApp(config: Config, deps: AppDependencies): FastifyInstance {
  const limits = { uriLimit: config.uriLimit, headersLimit: config.headersLimit };
  const metrics = new Metrics();
  const onError = metrics.countError.bind(metrics);
  const handling = { issuer: config.issuer, onError };
  const serverFactory = idgateServerFactory(limits);
  let methods: MethodIndex | undefined;

  const logger: FastifyLoggerOptions & Record<string, unknown> = {
    level: config.logLevel,
    base: { service: 'idgate', environment: config.environment },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label: string) => ({ level: label }) },
    ...(deps.logStream ? { stream: deps.logStream } : {}),
  };
  const options: FastifyHttpOptions<Server> = {
    serverFactory,
    // Client errors are raised only once the server listens, so `app` (built below) exists by then.
    clientErrorHandler: clientErrorHandler(() => ({ issuer: config.issuer, limits, onError, log: app.log })),
    frameworkErrors: frameworkErrorHandler({ handling, limits, methods: () => methods }),
    genReqId: requestIdFor,
    logController: new LogController({ requestIdLogLabel: 'request_id', disableRequestLogging: true }),
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    exposeHeadRoutes: true,
    // Parameters as long as the request target: the route's schema bounds each one.
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: config.uriLimit, querystringParser: parseQueryString },
    ajv: {
      customOptions: {
        allErrors: true,
        allowUnionTypes: true,
        coerceTypes: false,
        removeAdditional: false,
        useDefaults: true,
      },
      onCreate: addUriFormat,
    },
    logger,
  };
  const app: FastifyInstance = Fastify(options);

  const secrets = new SecretBox(deps.secretKey);
  const clock = deps.clock ?? (() => new Date());
  const revocations = new RevocationsRepository(deps.database);
  const base = {
    config,
    database: deps.database,
    secrets,
    adminKeyHash: secrets.hash(deps.adminKey),
    clock,
    metrics,
    apps: new AppsService(new AppsRepository(deps.database), secrets, config, clock),
    revocations,
    accessTokens: new AccessTokens(deps.secretKey, config.environment, revocations),
  };
  const keys = new SigningKeys(base);
  const providers = deps.providers ?? createProviderRegistry(config, { clock });
  const verifications = new VerificationService({ ...base, keys, log: app.log }, providers);
  const codes = new AuthorizationCodes(base);
  const rateLimits = new RateLimiter(config, clock, deps.rateLimitStore);
  const webhooks = new WebhookDispatcher({ ...base, log: app.log });
  // Webhooks go out while the server listens (not for an app only injected into), and stop with it.
  app.addHook('onListen', function startWebhooks(done) {
    webhooks.start();
    done();
  });
  app.addHook('onClose', async function stopWebhooks() {
    await webhooks.stop();
  });
  const purge = new PurgeJob({ ...base, log: app.log });
  // Purges run while the server listens, and stop with it.
  app.addHook('onListen', function startPurge(done) {
    purge.start();
    done();
  });
  app.addHook('onClose', async function stopPurge() {
    await purge.stop();
  });
  app.decorate('idgate', { ...base, keys, verifications, rateLimits, codes, webhooks, purge } satisfies AppContext);

  let draining = false;
  app.decorate('startDraining', function startDraining() {
    draining = true;
  });
  app.decorateRequest('logContext', null as never);
  app.decorateRequest('authorizationRedirect', null);

  methods = indexRouteMethods(app);
  enforceRouteContracts(app);
  installBodyParsers(app);
  installErrorHandlers(app, methods, handling);

  app.addHook('onRequest', function checkRequest(request, reply, done) {
    request.logContext = {};
    reply.header('x-request-id', request.id);
    const error = draining ? drainingError() : preRouteErrorFor(request, limits);
    if (error) {
      sendPreRouteError(request, reply, error, handling);
      return;
    }
    done();
  });
  app.addHook('onResponse', function logResponse(request, reply, done) {
    metrics.countRequest(request.method, reply.statusCode);
    done();
  });

  registerHealthRoutes(app);
  registerErrorReferenceRoutes(app);
  registerOpenApiRoutes(app);
  registerAdminRoutes(app);
  installCors(app);
  registerDiscoveryRoutes(app);
  registerAuthorizeRoutes(app);
  registerTokenRoutes(app);
  registerResourceRoutes(app);
  registerVerificationRoutes(app);
  registerOidcCallbackRoutes(app);
  return app;
}
