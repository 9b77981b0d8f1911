/**
 * `buildApp(config, deps)`: assembles idgate's Fastify application from its parts. No
 * globals: the database, clock and keys come in as dependencies, so tests inject them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { SupportContact } from '@idgate/errors';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyHttpOptions,
  type FastifyInstance,
  type FastifyLoggerOptions,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import { registerAdminRoutes } from './admin/admin.routes.js';
import { registerProviderMaintenanceRoutes } from './admin/provider-maintenance.routes.js';
import { registerVerificationEventsRoutes } from './admin/verification-events.routes.js';
import { AppsService } from './apps/apps.service.js';
import { PurgeJob } from './background/purge-job.js';
import { registerOidcCallbackRoutes } from './callbacks/oidc-callback.routes.js';
import type { Config } from './config/config.js';
import { registerErrorReferenceRoutes } from './docs/errors.routes.js';
import { installBodyParsers } from './http/body-parsers.js';
import { installCors } from './http/cors.js';
import { installErrorHandlers, sendError } from './http/error-handler.js';
import { registerHealthRoutes } from './http/health.routes.js';
import { handleClientError, nodeMaxHeaderSize } from './http/limits.js';
import { indexRouteMethods } from './http/method-index.js';
import { Metrics } from './http/metrics.js';
import type { RateLimitStore } from './http/rate-limit/rate-limit-store.js';
import { RateLimiter } from './http/rate-limit/rate-limiter.js';
import { drainingError, preRouteErrorFor } from './http/request-checks.js';
import { requestIdFor } from './http/request-id.js';
import { enforceRouteContracts } from './http/route-contract.js';
import { registerAuthorizeRoutes } from './oauth/authorize.routes.js';
import { registerDiscoveryRoutes } from './oauth/discovery.routes.js';
import { registerResourceRoutes } from './oauth/resource.routes.js';
import { registerTokenRoutes } from './oauth/token.routes.js';
import { createProviderRegistry, type ProviderRegistry } from './providers/registry.js';
import { registerVerificationRoutes } from './rest/verification.routes.js';
import { AppsRepository } from './store/apps.repository.js';
import { RevocationsRepository } from './store/revocations.repository.js';
import { AccessTokens } from './tokens/access-tokens.js';
import { AuthorizationCodes } from './tokens/authorization-codes.js';
import { RefreshTokens } from './tokens/refresh-tokens.js';
import { SigningKeys } from './tokens/signing-keys.js';
import { registerHostedPages } from './ui/hosted-pages.routes.js';
import { VerificationService } from './verification/verification.service.js';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher.js';
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

/**
 * The services the composition root builds, exposed on the instance (`app.idgate`) for
 * the CLI, the runtime and tests. Modules never read it: each route module and service
 * receives the few collaborators it uses, as a small interface declared beside it.
 */
export interface AppServices {
  readonly config: Config;
  readonly database: Database;
  readonly secrets: SecretBox;
  readonly adminKeyHash: string;
  readonly clock: () => Date;
  readonly metrics: Metrics;
  readonly apps: AppsService;
  readonly revocations: RevocationsRepository;
  readonly accessTokens: AccessTokens;
  readonly refreshTokens: RefreshTokens;
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
    /** The instance's services, for the CLI, the runtime and tests (modules receive theirs explicitly). */
    idgate: AppServices;
    /** Starts answering new requests with 503 while in-flight ones finish. */
    startDraining(): void;
  }
}

/** Builds the application (not yet listening; call `ready()` or `listen()`). */
export function buildApp(config: Config, deps: AppDependencies): FastifyInstance {
  const limits = { uriLimit: config.uriLimit, headersLimit: config.headersLimit };
  const metrics = new Metrics();
  const onError = metrics.countError.bind(metrics);

  const serverFactory: FastifyServerOptions['serverFactory'] = function createIdgateServer(handler) {
    const server: Server = createServer(
      { maxHeaderSize: nodeMaxHeaderSize(limits), requireHostHeader: false },
      handler as (request: IncomingMessage, response: ServerResponse) => void,
    );
    server.on('clientError', function answerClientError(error, socket) {
      // Raised only once the server listens, so `app` (built below) exists by then.
      handleClientError(error, socket as import('node:net').Socket, {
        issuer: config.issuer,
        limits,
        onError,
        log: app.log,
      });
    });
    return server;
  };

  const logger: FastifyLoggerOptions & Record<string, unknown> = {
    level: config.logLevel,
    base: { service: 'idgate', environment: config.environment },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label: string) => ({ level: label }) },
    ...(deps.logStream ? { stream: deps.logStream } : {}),
  };
  const options: FastifyHttpOptions<Server> = {
    serverFactory,
    genReqId: requestIdFor,
    logController: new LogController({ requestIdLogLabel: 'request_id', disableRequestLogging: true }),
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    exposeHeadRoutes: true,
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 256 },
    ajv: { customOptions: { allErrors: true, coerceTypes: false, removeAdditional: false, useDefaults: true } },
    logger,
  };
  const app: FastifyInstance = Fastify(options);

  const services = composeServices(config, deps, app.log, metrics);
  const { webhooks, purge } = services;
  // Webhooks go out and purges run while the server listens (not for an app only injected
  // into), and stop with it.
  app.addHook('onListen', function startBackgroundJobs(done) {
    webhooks.start();
    purge.start();
    done();
  });
  app.addHook('onClose', async function stopBackgroundJobs() {
    await webhooks.stop();
    await purge.stop();
  });
  app.decorate('idgate', services);

  let draining = false;
  app.decorate('startDraining', function startDraining() {
    draining = true;
  });
  app.decorateRequest('logContext', null as never);
  app.decorateRequest('authorizationRedirect', null);

  const methods = indexRouteMethods(app);
  enforceRouteContracts(app);
  installBodyParsers(app);
  const support = supportContactOf(config);
  const handling = { issuer: config.issuer, onError, support, clock: deps.clock };
  installErrorHandlers(app, methods, handling);

  app.addHook('onRequest', function checkRequest(request, reply, done) {
    request.logContext = {};
    reply.header('x-request-id', request.id);
    const error = draining ? drainingError() : preRouteErrorFor(request, limits);
    if (error) {
      sendError(request, reply, error, handling);
      return;
    }
    done();
  });
  app.addHook('onResponse', function logResponse(request, reply, done) {
    metrics.countRequest(request.method, reply.statusCode);
    done();
  });

  registerRoutes(app, services);
  return app;
}

/** The operator's support contact (`IDGATE_SUPPORT_URL`, `IDGATE_SUPPORT_EMAIL`), when configured. */
function supportContactOf(config: Config): SupportContact | undefined {
  if (config.supportUrl === undefined && config.supportEmail === undefined) return undefined;
  return { url: config.supportUrl, email: config.supportEmail };
}

/** Builds the instance's services from the configuration and the dependencies. */
function composeServices(config: Config, deps: AppDependencies, log: FastifyBaseLogger, metrics: Metrics): AppServices {
  const { database } = deps;
  const secrets = new SecretBox(deps.secretKey);
  const clock = deps.clock ?? (() => new Date());
  const revocations = new RevocationsRepository(database);
  const apps = new AppsService(new AppsRepository(database), secrets, config, clock);
  const providers = deps.providers ?? createProviderRegistry(config, { clock });
  const verifications = new VerificationService({ config, database, secrets, clock, apps, providers, log });
  return {
    config,
    database,
    secrets,
    adminKeyHash: secrets.hash(deps.adminKey),
    clock,
    metrics,
    apps,
    revocations,
    accessTokens: new AccessTokens(deps.secretKey, config.environment, revocations),
    refreshTokens: new RefreshTokens({ database, secrets }),
    keys: new SigningKeys({ database, secrets, clock }),
    verifications,

    codes: new AuthorizationCodes({ database, secrets, clock }),
    rateLimits: new RateLimiter(config, clock, deps.rateLimitStore),
    webhooks: new WebhookDispatcher({ database, apps, config, clock, log }),
    purge: new PurgeJob({ database, config, clock, log, metrics, sessions: verifications }),
  };
}

/** Registers every route, each module with the collaborators it uses. */
function registerRoutes(app: FastifyInstance, services: AppServices): void {
  const { config, clock, secrets, apps, verifications, codes, keys, accessTokens, refreshTokens, rateLimits } =
    services;
  const { issuer, environment } = config;
  registerHealthRoutes(app, {
    database: services.database,
    rateLimitStore: rateLimits.store,
    metrics: services.metrics,
  });
  registerErrorReferenceRoutes(app, issuer, supportContactOf(config));
  // Documents the REST and admin API, registered after it.
  registerOpenApiRoutes(app, issuer);
  registerAdminRoutes(app, {
    apps,
    secrets,
    adminKeyHash: services.adminKeyHash,
    webhookEvents: services.webhooks.events,
    clock,
  });
  registerVerificationEventsRoutes(app, { verifications, secrets, adminKeyHash: services.adminKeyHash });
  registerProviderMaintenanceRoutes(app, { verifications, secrets, adminKeyHash: services.adminKeyHash });
  installCors(app, { issuer, apps });
  registerDiscoveryRoutes(app, { issuer, keys });
  registerAuthorizeRoutes(app, { config, clock, secrets, apps, codes, verifications });
  registerHostedPages(app, { config, secrets, apps, codes, verifications });
  const grants = { issuer, environment, accessTokens, keys, codes, refreshTokens, identities: verifications };
  registerTokenRoutes(app, { ...grants, apps, rateLimits, clock });
  registerResourceRoutes(app, {
    issuer,
    environment,
    clock,
    apps,
    accessTokens,
    refreshTokens,
    revocations: services.revocations,
    identities: verifications,
  });
  registerVerificationRoutes(app, {
    issuer,
    environment,
    clock,
    apps,
    accessTokens,
    rateLimits,
    verifications,
    database: services.database,
  });
  registerOidcCallbackRoutes(app, { config, verifications });
}
