/**
 * Verification sessions: the one state machine behind REST verifications and
 * `/authorize` transactions (SPEC 2, 4, 5).
 *
 * - Ids are bound to the environment: `vrf_test_…` in sandbox, `vrf_live_…` in production.
 * - Every change goes through the state machine (`state-machine.ts`): validated, written
 *   with an optimistic version check and recorded with actor and time. A write that lost a
 *   race is decided again on a fresh read.
 * - Expiry is evaluated lazily: any read of a session past `expiresAt` records `expired`
 *   (`err_session_expired`) first. REST reads also poll the provider.
 * - `userData`, the provider's state and the result (claims, missing claims, provenance,
 *   the provider's subject) are stored encrypted.
 * - A provider failure (`PROVIDER_*`, thrown by its adapter) fails the session with the
 *   error's transaction status code. The call that started or advanced the provider
 *   throws it again with `context.verificationId`; a REST read that polled answers the
 *   failed session instead (see docs/sandbox.md, "Provider failures").
 * - The app's sign-in hook (SPEC 6, `hooks/signin-hook.ts`), for `/authorize` transactions
 *   of an app with a `signInHookUrl`: a provider result that would complete the session is
 *   first written as `authenticating` with the result and `signInHookState = 'pending'`.
 *   Only the request whose write won (optimistic version check) calls the hook, once,
 *   outside the decide-and-write loop; then it writes `completed` or `failed` (actor
 *   `hook`). While the hook is pending nothing polls or restarts the provider.
 */
import { type ErrorCode, IdgateError, isIdgateError, TX_STATUS_DEFINITIONS, type TxStatusCode } from '@idgate/errors';
import type { FastifyBaseLogger } from 'fastify';
import type { Transaction } from 'kysely';
import type { AppContext } from '../app.js';
import type { Environment } from '../config/config.js';
import { callSignInHook, type SignInHookOutcome } from '../hooks/signin-hook.js';
import type { ProviderAdapter, ProviderContext, ProviderStep } from '../providers/adapter.js';
import type { FlowType } from '../providers/descriptors.js';
import { createProviderRegistry, type ProviderRegistry } from '../providers/registry.js';
import { randomBase62 } from '../security/secrets.js';
import type { AppRecord } from '../store/apps.repository.js';
import type { DatabaseSchema } from '../store/schema.js';
import {
  type NewVerificationEvent,
  type StoredVerification,
  type StoredVerificationResult,
  type VerificationChanges,
  VerificationsRepository,
} from '../store/verifications.repository.js';
import { claimsForScopes, missingClaimsOf, normalizeClaims, REQUIRED_IDENTITY_CLAIMS } from './claims.js';
import { checkTransition, isTerminal, type Transition, VerificationStateMachine } from './state-machine.js';
import type {
  AuthorizationRequestRecord,
  CreateVerificationBody,
  NormalizedClaims,
  StartProviderInput,
  Verification,
  VerificationActor,
  VerificationEvent,
  VerifiedIdentity,
} from './verification.types.js';

/** How long an `/authorize` transaction lives. */
export const AUTHORIZATION_TTL_SECONDS = 600;

/** How long a REST verification lives. */
export const VERIFICATION_TTL_SECONDS = 600;

/** How often a write that lost a race is decided again before `RESOURCE_CONFLICT`. */
const MAX_ATTEMPTS = 5;

/** The first event of every session. */
const CREATED_EVENT: NewVerificationEvent = { from: null, to: 'initiated', statusCode: null, actor: 'app' };

/** An `/authorize` transaction drafted in memory, before it is stored. */
export type AuthorizationDraft = StoredVerification;

/** The services the verification service uses (as `buildApp` passes them). */
export type VerificationContext = Omit<AppContext, 'verifications' | 'rateLimits' | 'codes' | 'webhooks' | 'purge'> & {
  /** Where sign-in hook outcomes are logged (default: nowhere). */
  readonly log?: FastifyBaseLogger;
};

/** What the app's sign-in hook sent with a denial, passed to the error redirect exactly (SPEC 2.1). */
export interface SignInHookDenial {
  readonly errMsg: string | undefined;
  readonly errCode: string | undefined;
}

/** A session as the service returns it: with the sign-in hook's denial when it denied. */
export type VerificationResult = Verification & { readonly signInHookDenial?: SignInHookDenial };

/** The environment a verification id names, if it is one. */
export function environmentOfVerificationId(id: string): Environment | undefined {
  if (id.startsWith('vrf_test_')) return 'sandbox';
  if (id.startsWith('vrf_live_')) return 'production';
  return undefined;
}

/** A new verification id for an environment. */
export function newVerificationId(environment: Environment): string {
  return `vrf_${environment === 'sandbox' ? 'test' : 'live'}_${randomBase62(24)}`;
}

/** The result stored (encrypted) with a completed session. */
interface StoredResult {
  readonly subject: string;
  readonly issuer: string;
  readonly claims: NormalizedClaims;
  readonly missingClaims: readonly string[];
  readonly rawClaims: Readonly<Record<string, unknown>>;
}

/** What an operation decided for the session it read. */
interface Plan {
  /** The transition to write, if any. */
  readonly write?: Transition;
  /** Thrown once the write (if any) succeeded. */
  readonly thenThrow?: IdgateError;
  /** Once the write succeeded, call the app's sign-in hook and write its outcome. */
  readonly thenSignInHook?: true;
  /** Whether the app has a webhook URL, when the operation read the app anyway (else the write reads it). */
  readonly webhooks?: boolean;
}

/** Which not-found error a look-up raises. */
type NotFoundCode = Extract<ErrorCode, 'SESSION_NOT_FOUND' | 'SESSION_VERIFICATION_NOT_FOUND'>;

/** Verification sessions. */
export class VerificationService {
  readonly #context: VerificationContext;
  readonly #repository: VerificationsRepository;
  readonly #machine: VerificationStateMachine;
  readonly #registry: ProviderRegistry;

  constructor(context: VerificationContext, registry?: ProviderRegistry) {
    this.#context = context;
    this.#repository = new VerificationsRepository(context.database, context.metrics);
    this.#machine = new VerificationStateMachine(this.#repository, context.clock);
    this.#registry = registry ?? createProviderRegistry(context.config.environment);
  }

  /** The provider adapters this instance offers. */
  get providers(): ProviderRegistry {
    return this.#registry;
  }

  /**
   * A provider offered here and enabled for the app, with the app's settings for it.
   * @throws IdgateError `PROVIDER_NOT_FOUND`, `PROVIDER_NOT_ENABLED`
   */
  async providerFor(
    app: AppRecord,
    providerId: string,
  ): Promise<{ readonly adapter: ProviderAdapter; readonly settings: Readonly<Record<string, unknown>> }> {
    const adapter = this.#registry.get(providerId);
    if (adapter === undefined) {
      const shown = providerId.slice(0, 64);
      throw new IdgateError('PROVIDER_NOT_FOUND', {
        detail: `There is no provider '${shown}' in ${this.#context.config.environment}; GET /v1/providers lists the app's providers.`,
        context: { providerId: shown },
      });
    }
    const record = await this.#context.apps.providerRecordOf(app, providerId);
    if (!record?.enabled) {
      throw new IdgateError('PROVIDER_NOT_ENABLED', {
        detail: `Provider ${providerId} is not enabled for this app; enable it with PUT /admin/v1/apps/{clientId}/providers/${providerId}.`,
        context: { providerId },
      });
    }
    return { adapter, settings: record.settings };
  }

  /** The providers offered here that are enabled for the app, in registry order. */
  async providersFor(app: AppRecord): Promise<readonly ProviderAdapter[]> {
    const records = await this.#context.apps.providerRecordsOf(app);
    const enabled = new Set(records.filter((record) => record.enabled).map((record) => record.providerId));
    return this.#registry.all().filter((adapter) => enabled.has(adapter.descriptor.id));
  }

  // ---------------------------------------------------------------- /authorize

  /**
   * A new `/authorize` transaction (`initiated`, {@link AUTHORIZATION_TTL_SECONDS}), not
   * stored yet: {@link createAuthorization} stores it as it is, {@link startAuthorization}
   * stores it started.
   */
  draftAuthorization(app: AppRecord, request: AuthorizationRequestRecord): AuthorizationDraft {
    const now = this.#context.clock();
    return {
      id: newVerificationId(this.#context.config.environment),
      clientId: app.clientId,
      environment: this.#context.config.environment,
      origin: 'authorize',
      status: 'initiated',
      statusCode: null,
      providerId: null,
      flowType: null,
      requestedLoa: request.requestedLoa ?? null,
      achievedLoa: null,
      requestedClaims: claimsForScopes(request.scope),
      flowDetails: {},
      redirectUri: request.redirectUri,
      authorizationRequest: request,
      expiresAt: new Date(now.getTime() + AUTHORIZATION_TTL_SECONDS * 1000),
      verifiedAt: null,
      createdAt: now,
      updatedAt: now,
      version: 0,
      userDataCiphertext: null,
      providerStateCiphertext: null,
      resultCiphertext: null,
      signInHookState: null,
      signInHookErrMsg: null,
      signInHookErrCode: null,
    };
  }

  /**
   * Stores an `/authorize` transaction as drafted (`initiated`, or a new draft of
   * `request`). `app` is the transaction's app as the caller read it (its webhook URL
   * decides the outbox rows).
   */
  async createAuthorization(
    app: AppRecord,
    request: AuthorizationRequestRecord,
    draft: AuthorizationDraft = this.draftAuthorization(app, request),
  ): Promise<Verification> {
    const stored = await this.#repository.insert(draft, [CREATED_EVENT], this.#context.clock(), {
      webhooks: app.webhookUrl !== null,
    });
    return toPublic(stored);
  }

  /**
   * Stores a drafted `/authorize` transaction already started at `providerId` (as
   * {@link startProvider} would start it), in one database transaction with its events,
   * their webhook outbox rows and, when the provider completed it at once (the headless
   * sandbox path), `whenCompleted`'s writes (the authorization code). The audit trail is
   * the one the separate steps record: `initiated` (app), then the provider's outcome.
   *
   * When the checks refuse, or the provider call throws anything but a provider failure,
   * the transaction is stored `initiated` and the error thrown (the caller ends it, as
   * after {@link startProvider}); a provider failure stores it failed, then throws. With
   * the app's sign-in hook, the result is stored `authenticating` and the hook is called
   * afterwards (`whenCompleted` is then not used: the caller issues the code itself).
   *
   * @throws IdgateError as {@link startProvider} (`PROVIDER_*` with `context.verificationId`)
   */
  async startAuthorization(
    app: AppRecord,
    draft: AuthorizationDraft,
    providerId: string,
    whenCompleted?: (trx: Transaction<DatabaseSchema>, transaction: Verification) => Promise<void>,
  ): Promise<VerificationResult> {
    const webhooks = app.webhookUrl !== null;
    let plan: Plan;
    try {
      const prepared = await this.#prepare(app, providerId, {
        flowType: undefined,
        requestedLoa: draft.requestedLoa,
        userData: {},
        loginHint: draft.authorizationRequest?.loginHint,
        origin: 'authorize',
      });
      const base: VerificationChanges = {
        providerId: prepared.adapter.descriptor.id,
        flowType: prepared.flowType,
        userDataCiphertext: this.#sealOrNull(prepared.userData),
      };
      const context = this.#providerContext(draft, prepared, 'initiated', {});
      plan = await this.#runProvider(draft, base, () => prepared.adapter.start(context), 'throw');
    } catch (refused) {
      // As startProvider: the checks leave the transaction initiated.
      await this.#repository.insert(draft, [CREATED_EVENT], this.#context.clock(), { webhooks });
      throw refused;
    }
    const transition: Transition = plan.write ?? { to: 'initiated', actor: 'app' };
    checkTransition(draft, transition.to);
    const statusCode = transition.statusCode ?? null;
    const events: NewVerificationEvent[] = [
      // The webhook event of the creation names no provider yet, as when it is stored alone.
      { ...CREATED_EVENT, webhookSubject: { providerId: null, flowType: null } },
    ];
    if (transition.to !== 'initiated') {
      events.push({ from: 'initiated', to: transition.to, statusCode, actor: transition.actor });
    }
    const created = await this.#repository.insert(
      { ...draft, ...transition.changes, status: transition.to, statusCode },
      events,
      this.#context.clock(),
      {
        webhooks,
        ...(transition.to === 'completed' && whenCompleted !== undefined
          ? { also: (trx, written) => whenCompleted(trx, toPublic(written)) }
          : {}),
      },
    );
    if (plan.thenThrow) throw plan.thenThrow;
    if (plan.thenSignInHook) return toPublic(await this.#runSignInHook(created));
    return toPublic(created);
  }

  /**
   * A transaction for `/authorize` and the hosted pages; an expired one reads (and is
   * recorded) as `expired`.
   * @throws IdgateError `SESSION_NOT_FOUND` (unknown, deleted, or another environment's)
   */
  async getTransaction(id: string): Promise<VerificationResult> {
    return toPublic(await this.#mutate(id, 'SESSION_NOT_FOUND', async () => ({})));
  }

  /**
   * Starts the session at a provider. The checks leave the session unchanged when they
   * refuse; a provider failure fails the session, then throws.
   *
   * The headless sandbox path: on `mock-redirect` with a test identity as `loginHint`,
   * an `/authorize` transaction reaches its outcome at once (completed, failed or cancelled).
   *
   * @throws IdgateError `SESSION_NOT_FOUND`, `SESSION_INVALID_STATUS_TRANSITION` (terminal),
   *   `PROVIDER_NOT_FOUND`, `PROVIDER_NOT_ENABLED`, `SESSION_INVALID_FLOW`,
   *   `VALIDATION_UNPROCESSABLE` (LoA, `txStatus` `err_loa_not_met`),
   *   `VALIDATION_MISSING_USER_DATA`, `VALIDATION_INVALID_USER_DATA`, `PROVIDER_*`
   */
  async startProvider(id: string, providerId: string, input: StartProviderInput): Promise<VerificationResult> {
    const stored = await this.#mutate(id, 'SESSION_NOT_FOUND', async (current) => {
      if (isTerminal(current.status)) {
        throw new IdgateError('SESSION_INVALID_STATUS_TRANSITION', {
          detail: `The transaction is already ${current.status}; start a new one.`,
          context: { verificationId: current.id, status: current.status },
        });
      }
      // The provider already verified the user; the sign-in hook decides now.
      if (isSignInHookPending(current)) return {};
      // From the app cache: only its client id is used to check the provider (read afresh),
      // and its webhook URL, as on every /authorize, for the outbox rows of this write.
      const app = await this.#context.apps.getCached(current.clientId);
      const loginHint = input.loginHint ?? current.authorizationRequest?.loginHint;
      const prepared = await this.#prepare(app, providerId, {
        flowType: input.flowType,
        requestedLoa: current.requestedLoa,
        userData: input.userData ?? {},
        loginHint,
        origin: current.origin,
      });
      const context = this.#providerContext(current, prepared, current.status as ProviderContext['status'], {});
      const base: VerificationChanges = {
        providerId: prepared.adapter.descriptor.id,
        flowType: prepared.flowType,
        userDataCiphertext: this.#sealOrNull(prepared.userData),
      };
      const plan = await this.#runProvider(current, base, () => prepared.adapter.start(context), 'throw');
      return { ...plan, webhooks: app.webhookUrl !== null };
    });
    return toPublic(stored);
  }

  /**
   * Advances a session: a provider callback, an answer on the (mock) provider's screen, or
   * a poll (empty input). A poll of a terminal session returns it; any other input for a
   * terminal session is refused.
   * @throws IdgateError `SESSION_NOT_FOUND`, `SESSION_INVALID_STATUS_TRANSITION`, `VALIDATION_INVALID_PARAMETER`, `PROVIDER_*`
   */
  async advance(id: string, input: Readonly<Record<string, string>>): Promise<VerificationResult> {
    const poll = Object.keys(input).length === 0;
    const stored = await this.#mutate(id, 'SESSION_NOT_FOUND', async (current) => {
      if (isSignInHookPending(current)) return {};
      if (isTerminal(current.status) || current.providerId === null) {
        if (poll) return {};
        throw new IdgateError('SESSION_INVALID_STATUS_TRANSITION', {
          detail:
            current.providerId === null
              ? 'No provider was started for this transaction yet.'
              : `The transaction is already ${current.status}; a ${current.status} transaction never changes.`,
          context: { verificationId: current.id, status: current.status },
        });
      }
      return this.#advancePlan(current, input, 'throw');
    });
    return toPublic(stored);
  }

  /**
   * Cancels a session (`cancelled`; `err_user_cancelled` when the user cancels, no status
   * code when the app does).
   * @throws IdgateError `SESSION_NOT_FOUND`, `SESSION_INVALID_STATUS_TRANSITION` (terminal)
   */
  async cancel(id: string, actor: 'app' | 'user'): Promise<VerificationResult> {
    return toPublic(await this.#mutate(id, 'SESSION_NOT_FOUND', async (current) => this.#cancelPlan(current, actor)));
  }

  /**
   * Ends a session with a status code, in the state the code belongs to
   * (`TX_STATUS_DEFINITIONS[code].state`); a terminal session is returned unchanged.
   * @throws IdgateError `SESSION_NOT_FOUND`
   */
  async fail(
    id: string,
    statusCode: TxStatusCode,
    actor: Extract<VerificationActor, 'system' | 'provider' | 'hook' | 'user'>,
  ): Promise<VerificationResult> {
    const stored = await this.#mutate(id, 'SESSION_NOT_FOUND', async (current) => {
      if (isTerminal(current.status)) return {};
      return { write: { to: TX_STATUS_DEFINITIONS[statusCode].state, statusCode, actor } };
    });
    return toPublic(stored);
  }

  /** The verified identity of a completed session of that app (for tokens and `/userinfo`). */
  async identityFor(verificationId: string, clientId: string): Promise<VerifiedIdentity | undefined> {
    if (environmentOfVerificationId(verificationId) !== this.#context.config.environment) return undefined;
    const stored = await this.#repository.findResult(verificationId);
    if (stored === undefined || stored.clientId !== clientId || stored.status !== 'completed') return undefined;
    return this.#identityOf(stored);
  }

  /**
   * The recorded transitions of a session, oldest first (after recording a due expiry).
   * @throws IdgateError `SESSION_VERIFICATION_NOT_FOUND`
   */
  async events(id: string): Promise<readonly VerificationEvent[]> {
    await this.#mutate(id, 'SESSION_VERIFICATION_NOT_FOUND', async () => ({}));
    return this.#repository.events(id);
  }

  // ---------------------------------------------------------------- REST

  /**
   * Creates a REST verification and starts it at the provider at once: `pending` (or
   * failed). The checks refuse before anything is stored.
   * @throws IdgateError `VALIDATION_INVALID_PARAMETER` (`redirectUri`), `PROVIDER_NOT_FOUND`,
   *   `PROVIDER_NOT_ENABLED`, `SESSION_INVALID_FLOW`, `VALIDATION_UNPROCESSABLE`,
   *   `VALIDATION_MISSING_USER_DATA`, `VALIDATION_INVALID_USER_DATA`, `PROVIDER_*` (the
   *   session exists and failed: `context.verificationId`)
   */
  async create(app: AppRecord, input: CreateVerificationBody): Promise<Verification> {
    checkRedirectUri(app, input.redirectUri);
    const prepared = await this.#prepare(app, input.providerId, {
      flowType: input.flowType,
      requestedLoa: input.requestedLoa ?? null,
      userData: input.userData ?? {},
      loginHint: undefined,
      origin: 'rest',
    });
    const now = this.#context.clock();
    const draft: StoredVerification = {
      id: newVerificationId(this.#context.config.environment),
      clientId: app.clientId,
      environment: this.#context.config.environment,
      origin: 'rest',
      status: 'initiated',
      statusCode: null,
      providerId: null,
      flowType: null,
      requestedLoa: input.requestedLoa ?? null,
      achievedLoa: null,
      requestedClaims: input.requestedClaims ?? [...prepared.adapter.descriptor.claims],
      flowDetails: {},
      redirectUri: input.redirectUri ?? null,
      authorizationRequest: null,
      expiresAt: new Date(now.getTime() + VERIFICATION_TTL_SECONDS * 1000),
      verifiedAt: null,
      createdAt: now,
      updatedAt: now,
      version: 0,
      userDataCiphertext: null,
      providerStateCiphertext: null,
      resultCiphertext: null,
      signInHookState: null,
      signInHookErrMsg: null,
      signInHookErrCode: null,
    };
    const base: VerificationChanges = {
      providerId: prepared.adapter.descriptor.id,
      flowType: prepared.flowType,
      userDataCiphertext: this.#sealOrNull(prepared.userData),
    };
    const plan = await this.#runProvider(
      draft,
      base,
      () => prepared.adapter.start(this.#providerContext(draft, prepared, 'initiated', {})),
      'throw',
    );
    // Created and started in one transaction: the session is never seen half-started.
    const transition: Transition = plan.write ?? { to: 'initiated', actor: 'app' };
    checkTransition(draft, transition.to);
    const created = await this.#repository.insert(
      {
        ...draft,
        ...transition.changes,
        status: transition.to,
        statusCode: transition.statusCode ?? null,
      } as StoredVerification,
      [
        { from: null, to: 'initiated', statusCode: null, actor: 'app' },
        ...(transition.to === 'initiated'
          ? []
          : [
              {
                from: 'initiated' as const,
                to: transition.to,
                statusCode: transition.statusCode ?? null,
                actor: transition.actor,
              },
            ]),
      ],
      now,
    );
    if (plan.thenThrow) throw plan.thenThrow;
    return toPublic(created);
  }

  /**
   * A REST verification of this app, brought up to date: expiry, then a poll of the
   * provider (a provider failure fails the session and is answered as its status).
   * @throws IdgateError `SESSION_VERIFICATION_NOT_FOUND` (unknown, another app's, another environment's)
   */
  async get(app: AppRecord, id: string): Promise<VerificationResult> {
    const stored = await this.#mutate(
      id,
      'SESSION_VERIFICATION_NOT_FOUND',
      async (current) => {
        if (isTerminal(current.status) || current.providerId === null || isSignInHookPending(current)) return {};
        return this.#advancePlan(current, {}, 'record');
      },
      app.clientId,
    );
    return toPublic(stored);
  }

  /**
   * Cancels a verification of this app on the app's behalf. The provider is asked first,
   * so a session the user already completed is not cancelled behind their back.
   * @throws IdgateError `SESSION_VERIFICATION_NOT_FOUND`, `SESSION_INVALID_STATUS_TRANSITION`
   */
  async cancelForApp(app: AppRecord, id: string): Promise<VerificationResult> {
    await this.get(app, id);
    const stored = await this.#mutate(
      id,
      'SESSION_VERIFICATION_NOT_FOUND',
      async (current) => this.#cancelPlan(current, 'app'),
      app.clientId,
    );
    return toPublic(stored);
  }

  // ---------------------------------------------------------------- internals

  /**
   * Reads a session and runs `decide` on it until its decision is written (or needs no
   * write). A session past its expiry is recorded as expired before anything else.
   */
  async #mutate(
    id: string,
    notFound: NotFoundCode,
    decide: (current: StoredVerification) => Promise<Plan>,
    clientId?: string,
  ): Promise<StoredVerification> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.#load(id, notFound, clientId);
      if (!isTerminal(current.status) && this.#context.clock().getTime() >= current.expiresAt.getTime()) {
        // Expiry is evaluated lazily: record it, then decide on the expired session.
        await this.#machine.apply(current, { to: 'expired', statusCode: 'err_session_expired', actor: 'system' });
        continue;
      }
      if (this.#isSignInHookAbandoned(current)) {
        // The request that won the hook call never wrote its outcome (its instance stopped
        // mid-call): once the call would have timed out, record what a timeout gives.
        await this.#machine.apply(current, ABANDONED_SIGN_IN_HOOK);
        continue;
      }
      const plan = await decide(current);
      if (plan.write === undefined) {
        if (plan.thenThrow) throw plan.thenThrow;
        return current;
      }
      const written = await this.#machine.apply(current, plan.write, plan.webhooks);
      if (written === undefined) continue;
      if (plan.thenThrow) throw plan.thenThrow;
      if (plan.thenSignInHook) return this.#runSignInHook(written);
      return written;
    }
    throw new IdgateError('RESOURCE_CONFLICT', {
      detail: 'The verification was changed by other requests at the same time; retry.',
      context: { verificationId: id },
    });
  }

  /**
   * Whether the session's sign-in hook call has been pending longer than the hook's
   * timeout plus {@link SIGN_IN_HOOK_ABANDONED_AFTER_MS}: the caller is gone.
   */
  #isSignInHookAbandoned(session: StoredVerification): boolean {
    if (!isSignInHookPending(session)) return false;
    const deadline =
      session.updatedAt.getTime() + this.#context.config.signInHookTimeoutMs + SIGN_IN_HOOK_ABANDONED_AFTER_MS;
    return this.#context.clock().getTime() > deadline;
  }

  /** A session of this environment (and of `clientId`, when given). */
  async #load(id: string, notFound: NotFoundCode, clientId: string | undefined): Promise<StoredVerification> {
    const environment = this.#context.config.environment;
    const idEnvironment = environmentOfVerificationId(id);
    if (idEnvironment !== undefined && idEnvironment !== environment) {
      throw notFoundError(notFound, id, `it is a ${idEnvironment} id and this is the ${environment} environment`);
    }
    const stored = idEnvironment === undefined ? undefined : await this.#repository.find(id);
    if (stored === undefined || stored.environment !== environment) throw notFoundError(notFound, id);
    // Another app's session reads exactly like an unknown one.
    if (clientId !== undefined && stored.clientId !== clientId) throw notFoundError(notFound, id);
    return stored;
  }

  #cancelPlan(current: StoredVerification, actor: 'app' | 'user'): Plan {
    if (isTerminal(current.status)) {
      throw new IdgateError('SESSION_INVALID_STATUS_TRANSITION', {
        detail: `The verification is already ${current.status}; only a verification in progress can be cancelled.`,
        context: { verificationId: current.id, status: current.status },
      });
    }
    return { write: { to: 'cancelled', statusCode: actor === 'user' ? 'err_user_cancelled' : null, actor } };
  }

  async #advancePlan(
    current: StoredVerification,
    input: Readonly<Record<string, string>>,
    onProviderFailure: 'throw' | 'record',
  ): Promise<Plan> {
    const adapter = current.providerId === null ? undefined : this.#registry.get(current.providerId);
    if (adapter === undefined || current.flowType === null) {
      // The provider is no longer offered here: the session cannot go on.
      return { write: { to: 'failed', statusCode: 'err_provider_unavailable', actor: 'system' } };
    }
    const prepared: Prepared = {
      adapter,
      flowType: current.flowType,
      userData: this.#openJson(current.userDataCiphertext),
      loginHint: current.authorizationRequest?.loginHint,
      settings: await this.#settingsFor(current.clientId, adapter.descriptor.id),
    };
    const context = this.#providerContext(
      current,
      prepared,
      current.status as ProviderContext['status'],
      this.#openJson(current.providerStateCiphertext),
    );
    return this.#runProvider(current, {}, () => adapter.advance(context, input), onProviderFailure);
  }

  /** Runs one provider call and decides what it means for the session. */
  async #runProvider(
    current: StoredVerification,
    base: VerificationChanges,
    call: () => Promise<ProviderStep>,
    onProviderFailure: 'throw' | 'record',
  ): Promise<Plan> {
    let step: ProviderStep;
    try {
      step = await call();
    } catch (thrown) {
      if (isIdgateError(thrown) && !thrown.code.startsWith('PROVIDER_')) throw thrown;
      const error = isIdgateError(thrown)
        ? withVerificationId(thrown, current.id)
        : new IdgateError('SYSTEM_INTERNAL_ERROR', { cause: thrown, context: { verificationId: current.id } });
      const statusCode = isIdgateError(thrown) ? thrown.txStatus : 'err_internal';
      const write: Transition = {
        to: TX_STATUS_DEFINITIONS[statusCode].state,
        statusCode,
        actor: isIdgateError(thrown) ? 'provider' : 'system',
        changes: base,
      };
      return onProviderFailure === 'throw' ? { write, thenThrow: error } : { write };
    }
    const write = this.#stepTransition(current, base, step);
    // Nothing new (a poll while the user is still busy): nothing to write.
    if (write.to === current.status && Object.keys(write.changes ?? {}).length === 0) return {};
    if (write.to === 'completed' && (await this.#hasSignInHook(current))) {
      // SPEC 6: the hook decides before the code is issued. Store the result first; the
      // request whose write wins calls the hook (see #runSignInHook).
      return {
        write: { to: 'authenticating', actor: write.actor, changes: { ...write.changes, signInHookState: 'pending' } },
        thenSignInHook: true,
      };
    }
    return { write };
  }

  /**
   * Whether the session is an `/authorize` transaction of an app with a sign-in hook (from
   * the per-instance app cache: a hook set on another instance applies within seconds; the
   * call itself reads the app afresh).
   */
  async #hasSignInHook(current: StoredVerification): Promise<boolean> {
    if (current.origin !== 'authorize') return false;
    const app = await this.#context.apps.getCached(current.clientId);
    return app.signInHookUrl !== null;
  }

  /**
   * Calls the app's sign-in hook for a session this request just moved to `pending` hook
   * state, then writes the outcome: `completed`, or `failed` with `err_user_account_blocked`
   * (denied) or `err_signin_hook_unavailable`, actor `hook`. The hook is called once: a
   * lost write race is retried on a fresh read without calling it again, and gives up when
   * another request ended the session meanwhile (cancelled, expired).
   */
  async #runSignInHook(session: StoredVerification): Promise<StoredVerification> {
    const outcome = await this.#askSignInHook(session);
    const transition = signInHookTransition(outcome);
    let current = session;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const written = await this.#machine.apply(current, transition);
      if (written !== undefined) return written;
      const fresh = await this.#repository.find(session.id);
      if (fresh === undefined || !isSignInHookPending(fresh)) return fresh ?? current;
      current = fresh;
    }
    throw new IdgateError('RESOURCE_CONFLICT', {
      detail: 'The verification was changed by other requests at the same time; retry.',
      context: { verificationId: session.id },
    });
  }

  /** One call of the session's app's hook, logged (outcome, duration; never the secret or the claims). */
  async #askSignInHook(session: StoredVerification): Promise<SignInHookOutcome> {
    const app = await this.#context.apps.get(session.clientId);
    const identity = this.#identityOf(session);
    const secret = this.#context.apps.hookSecretOf(app);
    const started = this.#context.clock();
    let outcome: SignInHookOutcome;
    if (app.signInHookUrl === null) {
      // The hook was removed since the provider step: nothing to ask.
      outcome = { kind: 'allow', durationMs: 0 };
    } else if (identity === undefined || secret === undefined || session.providerId === null) {
      outcome = { kind: 'unavailable', reason: 'no hook secret or no result', httpStatus: undefined, durationMs: 0 };
    } else {
      outcome = await callSignInHook({
        url: app.signInHookUrl,
        secret,
        timeoutMs: this.#context.config.signInHookTimeoutMs,
        now: started,
        privateNetworks: this.#context.config.outboundPrivateNetworks,
        request: {
          verificationId: session.id,
          clientId: session.clientId,
          providerId: session.providerId,
          loa: identity.loa,
          claims: identity.claims,
        },
      });
    }
    this.#logSignInHook(session, outcome);
    return outcome;
  }

  #logSignInHook(session: StoredVerification, outcome: SignInHookOutcome): void {
    const log = this.#context.log;
    if (log === undefined) return;
    const fields = {
      verification_id: session.id,
      client_id: session.clientId,
      hook_outcome: outcome.kind,
      duration_ms: outcome.durationMs,
      ...(outcome.kind === 'unavailable'
        ? {
            hook_reason: outcome.reason,
            ...(outcome.httpStatus === undefined ? {} : { http_status: outcome.httpStatus }),
          }
        : {}),
      ...(outcome.kind === 'deny' && outcome.ignored.length > 0 ? { hook_ignored: outcome.ignored } : {}),
    };
    if (outcome.kind === 'unavailable' || (outcome.kind === 'deny' && outcome.ignored.length > 0)) {
      log.warn(fields, 'sign-in hook');
    } else {
      log.info(fields, 'sign-in hook');
    }
  }

  /** What a provider step means for the session. */
  #stepTransition(current: StoredVerification, base: VerificationChanges, step: ProviderStep): Transition {
    const changes: VerificationChanges = {
      ...base,
      ...(step.flowDetails === undefined ? {} : { flowDetails: step.flowDetails }),
      ...(step.providerState === undefined
        ? {}
        : { providerStateCiphertext: this.#context.secrets.encrypt(JSON.stringify(step.providerState)) }),
    };
    const actor = step.actor ?? 'provider';
    switch (step.status) {
      case 'pending':
      case 'authenticating':
        return { to: step.status, actor, changes };
      case 'failed':
        return { to: 'failed', statusCode: step.statusCode ?? 'err_not_authenticated', actor, changes };
      case 'cancelled':
        return { to: 'cancelled', statusCode: step.statusCode ?? 'err_user_cancelled', actor, changes };
      case 'completed':
        return this.#completion(current, changes, step, actor);
    }
  }

  /**
   * A provider result becomes a completed session only when its claims normalize, carry
   * the identity's required claims, and its LoA reaches the requested one.
   */
  #completion(
    current: StoredVerification,
    changes: VerificationChanges,
    step: ProviderStep,
    actor: 'provider' | 'user',
  ): Transition {
    const result = step.result;
    if (result === undefined) return { to: 'failed', statusCode: 'err_provider_error', actor: 'system', changes };
    const now = this.#context.clock();
    const { claims, problems } = normalizeClaims(result.claims, now);
    if (problems.length > 0) {
      // VALIDATION_INVALID_USER_DATA: the provider's data fails validation.
      return { to: 'failed', statusCode: 'err_provider_error', actor: 'system', changes };
    }
    if (missingClaimsOf(REQUIRED_IDENTITY_CLAIMS, claims).length > 0) {
      // VALIDATION_MISSING_USER_DATA: the provider did not return the claims every identity needs.
      return { to: 'failed', statusCode: 'err_missing_user_data', actor: 'system', changes };
    }
    const requestedLoa = current.requestedLoa ?? 0;
    if (result.loa < requestedLoa) {
      // SPEC 4: a result below the requested level fails the session.
      return {
        to: 'failed',
        statusCode: 'err_loa_not_met',
        actor: 'system',
        changes: { ...changes, achievedLoa: result.loa },
      };
    }
    const stored: StoredResult = {
      subject: result.subject,
      issuer: result.issuer,
      claims,
      missingClaims: missingClaimsOf(current.requestedClaims, claims),
      rawClaims: result.rawClaims,
    };
    return {
      to: 'completed',
      actor,
      changes: {
        ...changes,
        achievedLoa: result.loa,
        verifiedAt: now,
        resultCiphertext: this.#context.secrets.encrypt(JSON.stringify(stored)),
      },
    };
  }

  /** The checks before a provider is started, and what starting it needs. */
  async #prepare(
    app: AppRecord,
    providerId: string,
    request: {
      readonly flowType: FlowType | undefined;
      readonly requestedLoa: number | null;
      readonly userData: Readonly<Record<string, unknown>>;
      readonly loginHint: string | undefined;
      readonly origin: 'authorize' | 'rest';
    },
  ): Promise<Prepared> {
    const { adapter, settings } = await this.providerFor(app, providerId);
    const descriptor = adapter.descriptor;
    const flowType = request.flowType ?? descriptor.flowTypes[0];
    if (flowType === undefined || !descriptor.flowTypes.includes(flowType)) {
      throw new IdgateError('SESSION_INVALID_FLOW', {
        detail: `Provider ${providerId} supports the flow types ${descriptor.flowTypes.join(', ')}, not ${String(flowType)}.`,
        context: { providerId, flowType: String(flowType), supported: descriptor.flowTypes },
      });
    }
    if (request.requestedLoa !== null && request.requestedLoa > descriptor.maxLoa) {
      // SPEC 4: a request above the provider's levels is 422 (REST) or err_loa_not_met (/authorize).
      throw new IdgateError('VALIDATION_UNPROCESSABLE', {
        detail: `Provider ${providerId} reaches at most level of assurance ${descriptor.maxLoa}; ${request.requestedLoa} was requested.`,
        context: { providerId, requestedLoa: request.requestedLoa, maxLoa: descriptor.maxLoa },
        txStatus: 'err_loa_not_met',
      });
    }
    const userData: Record<string, unknown> = { ...request.userData };
    const hintField = descriptor.loginHintField;
    if (hintField !== undefined && userData[hintField] === undefined && request.loginHint !== undefined) {
      userData[hintField] = request.loginHint;
    }
    const missing = descriptor.requiredUserData.filter(
      (field) => userData[field] === undefined || userData[field] === '',
    );
    if (missing.length > 0) {
      throw new IdgateError('VALIDATION_MISSING_USER_DATA', {
        detail: `Provider ${providerId} needs userData.${missing.join(', userData.')}.`,
        context: {
          providerId,
          missing,
          fields: missing.map((field) => ({
            name: `userData.${field}`,
            pointer: `/userData/${field}`,
            reason: 'is required by this provider',
          })),
        },
      });
    }
    const problems = adapter.userDataProblems(userData, request.origin);
    if (problems.length > 0) {
      throw new IdgateError('VALIDATION_INVALID_USER_DATA', {
        detail: `Invalid userData for provider ${providerId}: ${problems.map((problem) => problem.name).join(', ')}.`,
        context: { providerId, fields: problems },
      });
    }
    return { adapter, flowType, userData, loginHint: request.loginHint, settings };
  }

  #providerContext(
    current: StoredVerification,
    prepared: Prepared,
    status: ProviderContext['status'],
    providerState: Readonly<Record<string, unknown>>,
  ): ProviderContext {
    return {
      verificationId: current.id,
      clientId: current.clientId,
      environment: current.environment,
      issuer: this.#context.config.issuer,
      origin: current.origin,
      flowType: prepared.flowType,
      redirectUri: current.redirectUri,
      requestedLoa: current.requestedLoa,
      requestedClaims: current.requestedClaims,
      userData: prepared.userData,
      loginHint: prepared.loginHint,
      settings: prepared.settings,
      status,
      providerState,
      now: this.#context.clock(),
    };
  }

  async #settingsFor(clientId: string, providerId: string): Promise<Readonly<Record<string, unknown>>> {
    const { record } = await this.#context.apps.getProvider(clientId, providerId);
    return record?.settings ?? {};
  }

  #identityOf(stored: StoredVerificationResult): VerifiedIdentity | undefined {
    if (stored.resultCiphertext === null || stored.providerId === null || stored.achievedLoa === null) return undefined;
    const result = JSON.parse(this.#context.secrets.decrypt(stored.resultCiphertext)) as StoredResult;
    return {
      sub: this.#pairwiseSubject(stored.clientId, stored.providerId, result.subject),
      claims: result.claims,
      missingClaims: result.missingClaims,
      loa: stored.achievedLoa,
      verifiedAt: stored.verifiedAt ?? stored.updatedAt,
      providerId: stored.providerId,
      provenance: { providerId: stored.providerId, issuer: result.issuer, rawClaims: result.rawClaims },
    };
  }

  /** OpenID Connect Core §8.1: a pairwise subject, here per app and provider. */
  #pairwiseSubject(clientId: string, providerId: string, providerSubject: string): string {
    return this.#context.secrets.hash(
      `pairwise-subject-v1\u0000${clientId}\u0000${providerId}\u0000${providerSubject}`,
    );
  }

  #sealOrNull(value: Readonly<Record<string, unknown>>): string | null {
    return Object.keys(value).length === 0 ? null : this.#context.secrets.encrypt(JSON.stringify(value));
  }

  #openJson(ciphertext: string | null): Readonly<Record<string, unknown>> {
    return ciphertext === null
      ? {}
      : (JSON.parse(this.#context.secrets.decrypt(ciphertext)) as Record<string, unknown>);
  }
}

/** What starting or advancing a provider needs. */
interface Prepared {
  readonly adapter: ProviderAdapter;
  readonly flowType: FlowType;
  readonly userData: Readonly<Record<string, unknown>>;
  readonly loginHint: string | undefined;
  readonly settings: Readonly<Record<string, unknown>>;
}

/** The session without its encrypted parts and hook bookkeeping (with the hook's denial, if it denied). */
function toPublic(stored: StoredVerification): VerificationResult {
  const {
    userDataCiphertext: _u,
    providerStateCiphertext: _p,
    resultCiphertext: _r,
    signInHookState,
    signInHookErrMsg,
    signInHookErrCode,
    ...verification
  } = stored;
  if (signInHookState !== 'denied') return verification;
  return {
    ...verification,
    signInHookDenial: { errMsg: signInHookErrMsg ?? undefined, errCode: signInHookErrCode ?? undefined },
  };
}

/**
 * How long past the hook's own timeout a pending hook call counts as abandoned (an
 * instance that stopped mid-call never writes its outcome). Generous, so that a slow
 * database write of a live call is never overtaken.
 */
export const SIGN_IN_HOOK_ABANDONED_AFTER_MS = 10_000;

/** What an abandoned hook call becomes: the outcome of a hook that timed out, recorded by the system. */
const ABANDONED_SIGN_IN_HOOK: Transition = {
  to: 'failed',
  statusCode: 'err_signin_hook_unavailable',
  actor: 'system',
  changes: { signInHookState: 'unavailable', resultCiphertext: null, verifiedAt: null },
};

/** Whether the session's sign-in hook is being called (the provider step is over). */
function isSignInHookPending(session: StoredVerification): boolean {
  return session.signInHookState === 'pending' && !isTerminal(session.status);
}

/**
 * What the hook's outcome means for the session. A session the hook refused keeps no
 * verified result (claims) stored.
 */
function signInHookTransition(outcome: SignInHookOutcome): Transition {
  switch (outcome.kind) {
    case 'allow':
      return { to: 'completed', actor: 'hook', changes: { signInHookState: 'allowed' } };
    case 'deny':
      return {
        to: 'failed',
        statusCode: 'err_user_account_blocked',
        actor: 'hook',
        changes: {
          signInHookState: 'denied',
          signInHookErrMsg: outcome.errMsg ?? null,
          signInHookErrCode: outcome.errCode ?? null,
          resultCiphertext: null,
          verifiedAt: null,
        },
      };
    case 'unavailable':
      return {
        to: 'failed',
        statusCode: 'err_signin_hook_unavailable',
        actor: 'hook',
        changes: { signInHookState: 'unavailable', resultCiphertext: null, verifiedAt: null },
      };
  }
}

/** A REST `redirectUri` must be one of the app's registered redirect URIs (exact string match). */
function checkRedirectUri(app: AppRecord, redirectUri: string | undefined): void {
  if (redirectUri === undefined || app.redirectUris.includes(redirectUri)) return;
  throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
    detail: 'redirectUri must be one of the redirect URIs registered for the app (exact match).',
    context: {
      fields: [{ name: 'redirectUri', pointer: '/redirectUri', reason: 'is not a registered redirect URI of the app' }],
    },
  });
}

function notFoundError(code: NotFoundCode, id: string, wrongEnvironment?: string): IdgateError {
  const shown = id.slice(0, 128);
  const what = code === 'SESSION_NOT_FOUND' ? 'transaction' : 'verification';
  return new IdgateError(code, {
    detail:
      wrongEnvironment === undefined
        ? `There is no ${what} ${shown}.`
        : `There is no ${what} ${shown} here: ${wrongEnvironment}.`,
    context: { verificationId: shown },
  });
}

/** The same provider error, naming the session it failed. */
function withVerificationId(error: IdgateError, verificationId: string): IdgateError {
  return new IdgateError(error.code, {
    ...(error.detail === undefined ? {} : { detail: error.detail }),
    context: { ...error.context, verificationId },
    headers: error.headers,
    cause: error,
    ...(error.txStatusOverride === undefined ? {} : { txStatus: error.txStatusOverride }),
  });
}
