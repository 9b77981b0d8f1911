/**
 * `buildApp(config, deps)`: assembles idgate's Fastify application from its parts. No
 * globals: the database, clock and keys come in as dependencies, so tests inject them.
 */
import type { Server } from 'node:http';
import type { SupportContact } from '@idgate/errors';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyHttpOptions,
  type FastifyInstance,
  type FastifyLoggerOptions,
  LogController,
} from 'fastify';
import { registerAdminRoutes } from './admin/admin.routes.js';
import { adminKeyGuard } from './admin/admin-auth.js';
import { registerProviderMaintenanceRoutes } from './admin/provider-maintenance.routes.js';
import { registerVerificationEventsRoutes } from './admin/verification-events.routes.js';
import { AppsService } from './apps/apps.service.js';
import { ClientAssertions } from './apps/client-assertions.js';
import { ClientKeys } from './apps/client-keys.js';
import { addUriFormat } from './apps/uri-rules.js';
import { PushedRequests } from './authorization/pushed-requests.js';
import { WalletResponseCodes } from './authorization/wallet-response-codes.js';
import { PurgeJob } from './background/purge-job.js';
import { registerOidcCallbackRoutes } from './callbacks/oidc-callback.routes.js';
import { registerRelyingPartyJwksRoutes } from './callbacks/relying-party-jwks.routes.js';
import { registerSandboxWalletRoutes } from './callbacks/sandbox-wallet.routes.js';
import { registerWalletRoutes } from './callbacks/wallet.routes.js';
import type { Config } from './config/config.js';
import { DEMO_CODE_VERIFIER, readDemoApp } from './demo.js';
import { registerErrorReferenceRoutes } from './docs/errors.routes.js';
import { installRequestObservation, requestObserver } from './http/access-log.js';
import { installBodyParsers, parseQueryString } from './http/body-parsers.js';
import { installCors } from './http/cors.js';
import { installDraining } from './http/draining.js';
import { installErrorHandlers, sendPreRouteError } from './http/error-handler.js';
import { frameworkErrorHandler } from './http/framework-errors.js';
import { registerHealthRoutes } from './http/health.routes.js';
import { clientErrorHandler } from './http/limits.js';
import { indexRouteMethods, type MethodIndex } from './http/method-index.js';
import { Metrics } from './http/metrics.js';
import { AuthFailures } from './http/rate-limit/auth-failures.js';
import type { RateLimitStore } from './http/rate-limit/rate-limit-store.js';
import { RateLimiter } from './http/rate-limit/rate-limiter.js';
import { preRouteErrorFor } from './http/request-checks.js';
import { requestIdFor } from './http/request-id.js';
import { lazyChildLoggerFactory } from './http/request-logger.js';
import { enforceRouteContracts } from './http/route-contract.js';
import { idgateServerFactory } from './http/server-factory.js';
import { registerAuthorizeRoutes } from './oauth/authorize.routes.js';
import { registerDiscoveryRoutes } from './oauth/discovery.routes.js';
import { registerParRoutes } from './oauth/par.routes.js';
import { registerResourceRoutes } from './oauth/resource.routes.js';
import { registerTokenRoutes } from './oauth/token.routes.js';
import { createProviderRegistry, type ProviderRegistry } from './providers/registry.js';
import { verifyMdocPresentation } from './providers/wallet/mdoc/verify-mdoc.js';
import { MOCK_WALLET_ID, MockWalletProvider } from './providers/wallet/sandbox/mock-wallet.provider.js';
import { walletRegistryOptions } from './providers/wallet/wallet-registry-options.js';
import { registerVerificationRoutes } from './rest/verification.routes.js';
import { DpopNonces } from './security/dpop-nonces.js';
import { AppsRepository } from './store/apps.repository.js';
import { RevocationsRepository } from './store/revocations.repository.js';
import { SeenJtisRepository } from './store/seen-jtis.repository.js';
import { AccessTokens } from './tokens/access-tokens.js';
import { AuthorizationCodes } from './tokens/authorization-codes.js';
import { DpopProofs } from './tokens/dpop-proofs.js';
import { RefreshTokens } from './tokens/refresh-tokens.js';
import { RelyingPartyKeys } from './tokens/relying-party-keys.js';
import { SigningKeys } from './tokens/signing-keys.js';
import { registerDemoCallback } from './ui/demo-callback.routes.js';
import { registerHostedPages } from './ui/hosted-pages.routes.js';
import { type ProviderDirectory, VerificationService } from './verification/verification.service.js';
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
  /** idgate's own keys as a relying party of upstream providers (SPEC 11). */
  readonly relyingPartyKeys: RelyingPartyKeys;
  readonly verifications: VerificationService;
  readonly rateLimits: RateLimiter;
  /** Failed authentications, counted per IP and client id on every authenticated surface. */
  readonly authFailures: AuthFailures;
  readonly codes: AuthorizationCodes;
  /** The webhook outbox's dispatcher (runs in the background while the server listens). */
  readonly webhooks: WebhookDispatcher;
  /** Retention: purges expired OAuth records and old webhook events (in the background while the server listens). */
  readonly purge: PurgeJob;
  /** The apps' registered public keys (`jwks`, `jwksUri`). */
  readonly clientKeys: ClientKeys;
  /** `private_key_jwt` assertions. */
  readonly clientAssertions: ClientAssertions;
  /** DPoP proofs (RFC 9449). */
  readonly dpop: DpopProofs;
  /** Requests pushed to `/par` (RFC 9126). */
  readonly pushedRequests: PushedRequests;
  readonly walletResponseCodes: WalletResponseCodes;
  /** The sandbox wallet test issuer's CA certificate (PEM), when this instance has `mock-wallet`. */
  readonly sandboxIssuerCa: (() => Promise<string>) | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The instance's services, for the CLI, the runtime and tests (modules receive theirs explicitly). */
    idgate: AppServices;
  }
}

/** Builds the application (not yet listening; call `ready()` or `listen()`). */
export function buildApp(config: Config, deps: AppDependencies): FastifyInstance {
  const limits = { uriLimit: config.uriLimit, headersLimit: config.headersLimit };
  const metrics = new Metrics();
  const onError = metrics.countError.bind(metrics);
  const support = supportContactOf(config);
  const handling = { issuer: config.issuer, onError, support, clock: deps.clock };
  const observe = requestObserver({ metrics, accessLog: config.accessLog });
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
    frameworkErrors: frameworkErrorHandler({ handling, limits, methods: () => methods, observe }),
    genReqId: requestIdFor,
    // `request.log` builds pino's child only when the request writes a line (http/request-logger.ts).
    childLoggerFactory: lazyChildLoggerFactory,
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

  installDraining(app);
  app.decorateRequest('logContext', null as never);
  app.decorateRequest('authorizationRedirect', null);

  methods = indexRouteMethods(app);
  enforceRouteContracts(app);
  installBodyParsers(app);
  installErrorHandlers(app, methods, handling);
  // First of the onRequest hooks: an answer sent by a later one is logged and measured too.
  installRequestObservation(app, observe);

  app.addHook('onRequest', function checkRequest(request, reply, done) {
    request.logContext = {};
    reply.header('x-request-id', request.id);
    const error = preRouteErrorFor(request, limits);
    if (error) {
      sendPreRouteError(request, reply, error, handling);
      return;
    }
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

/** The CA of the sandbox wallet test issuer of the instance's `mock-wallet`, if it has one. */
function sandboxIssuerCaOf(providers: ProviderDirectory, issuer: string): (() => Promise<string>) | undefined {
  const mock = providers.get(MOCK_WALLET_ID);
  if (!(mock instanceof MockWalletProvider)) return undefined;
  return async function issuerCa() {
    return (await mock.sandboxIssuer(issuer)).ca;
  };
}

/** Builds the instance's services from the configuration and the dependencies. */
function composeServices(config: Config, deps: AppDependencies, log: FastifyBaseLogger, metrics: Metrics): AppServices {
  const { database } = deps;
  const secrets = new SecretBox(deps.secretKey);
  const clock = deps.clock ?? (() => new Date());
  const revocations = new RevocationsRepository(database);
  const apps = new AppsService(new AppsRepository(database), secrets, config, clock);
  const rateLimits = new RateLimiter(config, clock, deps.rateLimitStore);
  const relyingPartyKeys = new RelyingPartyKeys({ database, secrets, clock, config });
  const providers =
    deps.providers ??
    createProviderRegistry(config, {
      clock,
      relyingPartyKeys,
      upstreamCalls: metrics,
      ...walletRegistryOptions(config, { clock, mdocVerifier: verifyMdocPresentation }),
    });
  const seenJtis = new SeenJtisRepository(database);
  const clientKeys = new ClientKeys({ privateNetworks: config.outboundPrivateNetworks });
  const verifications = new VerificationService({
    config,
    database,
    secrets,
    clock,
    apps,
    providers,
    log,
    outcomes: metrics,
  });
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
    relyingPartyKeys,
    verifications,
    codes: new AuthorizationCodes({ database, secrets, clock }),
    rateLimits,
    authFailures: new AuthFailures(rateLimits, clock),
    webhooks: new WebhookDispatcher({ database, apps, config, clock, log }),
    purge: new PurgeJob({ database, config, clock, log, metrics, sessions: verifications }),
    clientKeys,
    clientAssertions: new ClientAssertions({ issuer: config.issuer, keys: clientKeys, seenJtis, clock }),
    dpop: new DpopProofs({
      seenJtis,
      clock,
      nonces: config.dpopNonces ? new DpopNonces(deps.secretKey) : undefined,
    }),
    pushedRequests: new PushedRequests({ database, secrets, clock }),
    walletResponseCodes: new WalletResponseCodes({ secrets, seen: seenJtis, clock }),
    sandboxIssuerCa: sandboxIssuerCaOf(providers, config.issuer),
  };
}

/** Registers every route, each module with the collaborators it uses. */
function registerRoutes(app: FastifyInstance, services: AppServices): void {
  const { config, clock, secrets, apps, verifications, codes, keys, accessTokens, refreshTokens, rateLimits } =
    services;
  const { authFailures } = services;
  const { clientAssertions, clientKeys, dpop, pushedRequests } = services;
  const { issuer, environment } = config;
  registerHealthRoutes(app, {
    config,
    database: services.database,
    rateLimitStore: rateLimits.store,
    metrics: services.metrics,
    secrets,
  });
  registerErrorReferenceRoutes(app, issuer, supportContactOf(config));
  // Documents the REST and admin API, registered after it.
  registerOpenApiRoutes(app, issuer);
  const requireAdminKey = adminKeyGuard({ secrets, adminKeyHash: services.adminKeyHash, authFailures });
  registerAdminRoutes(app, { apps, requireAdminKey, webhookEvents: services.webhooks.events, clock });
  registerVerificationEventsRoutes(app, { verifications, requireAdminKey });
  registerProviderMaintenanceRoutes(app, { verifications, requireAdminKey });
  installCors(app, { issuer, apps });
  registerDiscoveryRoutes(app, { issuer, keys });
  registerAuthorizeRoutes(app, { config, clock, secrets, apps, codes, verifications, pushedRequests });
  registerParRoutes(app, { config, clock, apps, clientAssertions, clientKeys, pushedRequests });
  registerHostedPages(app, {
    config,
    clock,
    secrets,
    apps,
    codes,
    verifications,
    walletReturns: services.walletResponseCodes,
  });
  const grants = { issuer, environment, accessTokens, keys, codes, refreshTokens, identities: verifications };
  registerTokenRoutes(app, { ...grants, apps, rateLimits, authFailures, clock, clientAssertions, dpop });
  registerResourceRoutes(app, {
    issuer,
    environment,
    clock,
    apps,
    accessTokens,
    refreshTokens,
    revocations: services.revocations,
    identities: verifications,
    authFailures,
    clientAssertions,
    dpop,
  });
  registerVerificationRoutes(app, {
    issuer,
    environment,
    clock,
    apps,
    accessTokens,
    rateLimits,
    authFailures,
    dpop,
    verifications,
    database: services.database,
  });
  registerOidcCallbackRoutes(app, { config, verifications });
  registerWalletRoutes(app, { config, verifications, responseCodes: services.walletResponseCodes, secrets });
  registerSandboxWalletRoutes(app, { issuerCa: services.sandboxIssuerCa });
  registerRelyingPartyJwksRoutes(app, services.relyingPartyKeys);
  if (environment === 'sandbox') {
    registerDemoCallback(app, {
      issuer,
      demoClientId: () => readDemoApp(config.dataDir)?.clientId,
      codeVerifier: DEMO_CODE_VERIFIER,
    });
  }
}
