/**
 * Starting sessions: a REST verification is created and started at its provider at once;
 * an `/authorize` transaction is created `initiated` (drafted, then stored) and started
 * when the person chose a provider, or created already started when the request names the
 * provider and the person. A started session is stored in one database transaction with
 * its first events, so it is never seen half-started.
 */
import { IdgateError } from '@idgate/errors';
import type { Transaction } from 'kysely';
import type { AuthorizationRequestRecord, Verification } from '../domain/verification.js';
import type { AppRecord } from '../store/apps.repository.js';
import type { DatabaseSchema } from '../store/schema.js';
import type {
  NewVerificationEvent,
  StoredVerification,
  VerificationsRepository,
} from '../store/verifications.repository.js';
import { claimsForScopes } from './claims.js';
import type { ProviderSteps } from './provider-steps.js';
import type { Plan, SessionLoop } from './session-loop.js';
import {
  AUTHORIZATION_TTL_SECONDS,
  type AuthorizationDraft,
  CREATED_EVENT,
  newVerificationId,
  toPublic,
  VERIFICATION_TTL_SECONDS,
  type VerificationResult,
} from './session-records.js';
import { isSignInHookPending, type SignInHookStep } from './sign-in-hook-step.js';
import { checkTransition, isTerminal, type Transition } from './state-machine.js';
import type { CreateVerificationBody, StartProviderInput } from './verification.types.js';
import type { VerificationContext } from './verification-context.js';

/** What the start of a session works with. */
export interface VerificationStartContext {
  readonly context: Pick<VerificationContext, 'apps' | 'clock' | 'config'>;
  readonly repository: VerificationsRepository;
  readonly loop: SessionLoop;
  readonly steps: ProviderSteps;
  readonly signInHook: SignInHookStep;
}

/** Writes that must commit with a completed `/authorize` transaction (its authorization code). */
export type WhenCompleted = (trx: Transaction<DatabaseSchema>, transaction: Verification) => Promise<void>;

/** Creates and starts sessions. */
export class VerificationStart {
  readonly #context: VerificationStartContext['context'];
  readonly #repository: VerificationsRepository;
  readonly #loop: SessionLoop;
  readonly #steps: ProviderSteps;
  readonly #signInHook: SignInHookStep;

  constructor({ context, repository, loop, steps, signInHook }: VerificationStartContext) {
    this.#context = context;
    this.#repository = repository;
    this.#loop = loop;
    this.#steps = steps;
    this.#signInHook = signInHook;
  }

  /**
   * A new `/authorize` transaction (`initiated`, {@link AUTHORIZATION_TTL_SECONDS}), not
   * stored yet: {@link createAuthorization} stores it as it is, {@link startAuthorization}
   * stores it started.
   */
  draftAuthorization(app: AppRecord, request: AuthorizationRequestRecord): AuthorizationDraft {
    return this.#draft(app, {
      origin: 'authorize',
      requestedLoa: request.requestedLoa ?? null,
      requestedClaims: claimsForScopes(request.scope),
      redirectUri: request.redirectUri,
      authorizationRequest: request,
      ttlSeconds: AUTHORIZATION_TTL_SECONDS,
    });
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
    whenCompleted?: WhenCompleted,
  ): Promise<VerificationResult> {
    const webhooks = app.webhookUrl !== null;
    let plan: Plan;
    try {
      const prepared = await this.#steps.prepare(app, providerId, {
        flowType: undefined,
        requestedLoa: draft.requestedLoa,
        userData: {},
        loginHint: draft.authorizationRequest?.loginHint,
        origin: 'authorize',
      });
      plan = await this.#steps.start(draft, prepared, 'throw');
    } catch (refused) {
      // As startProvider: the checks leave the transaction initiated.
      await this.#repository.insert(draft, [CREATED_EVENT], this.#context.clock(), { webhooks });
      throw refused;
    }
    const created = await this.#insertStarted(draft, plan, this.#context.clock(), {
      // The webhook event of the creation names no provider yet, as when it is stored alone.
      createdEvent: { ...CREATED_EVENT, webhookSubject: { providerId: null, flowType: null } },
      webhooks,
      whenCompleted,
    });
    if (plan.thenThrow) throw plan.thenThrow;
    if (plan.thenSignInHook) return toPublic(await this.#signInHook.run(created));
    return toPublic(created);
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
    const stored = await this.#loop.mutate(id, 'SESSION_NOT_FOUND', async (current) => {
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
      const prepared = await this.#steps.prepare(app, providerId, {
        flowType: input.flowType,
        requestedLoa: current.requestedLoa,
        userData: input.userData ?? {},
        loginHint: input.loginHint ?? current.authorizationRequest?.loginHint,
        origin: current.origin,
      });
      const plan = await this.#steps.start(current, prepared, 'throw');
      return { ...plan, webhooks: app.webhookUrl !== null };
    });
    return toPublic(stored);
  }

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
    const prepared = await this.#steps.prepare(app, input.providerId, {
      flowType: input.flowType,
      requestedLoa: input.requestedLoa ?? null,
      userData: input.userData ?? {},
      loginHint: undefined,
      origin: 'rest',
    });
    const draft = this.#draft(app, {
      origin: 'rest',
      requestedLoa: input.requestedLoa ?? null,
      requestedClaims: input.requestedClaims ?? [...prepared.adapter.descriptor.claims],
      redirectUri: input.redirectUri ?? null,
      authorizationRequest: null,
      ttlSeconds: VERIFICATION_TTL_SECONDS,
    });
    const plan = await this.#steps.start(draft, prepared, 'throw');
    // Created and started in one transaction: the session is never seen half-started.
    const created = await this.#insertStarted(draft, plan, draft.createdAt, { createdEvent: CREATED_EVENT });
    if (plan.thenThrow) throw plan.thenThrow;
    return toPublic(created);
  }

  /** A new session of the app, `initiated`, not stored yet. */
  #draft(
    app: AppRecord,
    session: Pick<StoredVerification, 'origin' | 'requestedLoa' | 'requestedClaims' | 'redirectUri'> & {
      readonly authorizationRequest: AuthorizationRequestRecord | null;
      readonly ttlSeconds: number;
    },
  ): StoredVerification {
    const now = this.#context.clock();
    const environment = this.#context.config.environment;
    return {
      id: newVerificationId(environment),
      clientId: app.clientId,
      environment,
      origin: session.origin,
      status: 'initiated',
      statusCode: null,
      errorCode: null,
      providerId: null,
      flowType: null,
      requestedLoa: session.requestedLoa,
      achievedLoa: null,
      requestedClaims: session.requestedClaims,
      flowDetails: {},
      redirectUri: session.redirectUri,
      authorizationRequest: session.authorizationRequest,
      expiresAt: new Date(now.getTime() + session.ttlSeconds * 1000),
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
   * Stores a drafted session as its provider's first step left it: the creation event,
   * then (unless it stayed `initiated`) the step's transition, in one database transaction.
   */
  async #insertStarted(
    draft: StoredVerification,
    plan: Plan,
    now: Date,
    options: {
      readonly createdEvent: NewVerificationEvent;
      readonly webhooks?: boolean;
      readonly whenCompleted?: WhenCompleted | undefined;
    },
  ): Promise<StoredVerification> {
    const transition: Transition = plan.write ?? { to: 'initiated', actor: 'app' };
    checkTransition(draft, transition.to);
    const statusCode = transition.statusCode ?? null;
    const events: NewVerificationEvent[] = [options.createdEvent];
    if (transition.to !== 'initiated') {
      events.push({ from: 'initiated', to: transition.to, statusCode, actor: transition.actor });
    }
    const whenCompleted = options.whenCompleted;
    return this.#repository.insert(
      { ...draft, ...transition.changes, status: transition.to, statusCode, errorCode: transition.errorCode ?? null },
      events,
      now,
      {
        ...(options.webhooks === undefined ? {} : { webhooks: options.webhooks }),
        ...(transition.to === 'completed' && whenCompleted !== undefined
          ? { also: (trx, written) => whenCompleted(trx, toPublic(written)) }
          : {}),
      },
    );
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
