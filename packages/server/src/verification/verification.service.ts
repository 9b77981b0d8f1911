/**
 * Verification sessions: the one state machine behind REST verifications and
 * `/authorize` transactions (SPEC 2, 4, 5), as one service made of parts:
 *
 * - `verification-start.ts`: creating and starting sessions (REST, `/authorize`, the
 *   headless sandbox path);
 * - `verification-advance.ts`: provider callbacks and answers, REST polls, cancellation,
 *   ending with a status code;
 * - `provider-steps.ts`: the checks before a provider starts, and what each provider step
 *   (or failure) means for the session, completion included;
 * - `sign-in-hook-step.ts`: the app's sign-in hook between the provider's result and the
 *   session's completion;
 * - `session-loop.ts`: the decide-and-write loop every change goes through (lazy expiry,
 *   optimistic version check, a lost race decided again on a fresh read);
 * - `verification-views.ts`: the verified identity and the sealed parts, read back.
 *
 * - Ids are bound to the environment: `vrf_test_…` in sandbox, `vrf_live_…` in production.
 * - Every change goes through the state machine (`state-machine.ts`): validated, written
 *   with an optimistic version check and recorded with actor and time. Each recorded
 *   transition writes its webhook outbox row in the same database transaction.
 * - Expiry is evaluated lazily: any read of a session past `expiresAt` records `expired`
 *   (`err_session_expired`) first. REST reads also poll the provider.
 * - `userData`, the provider's state and the result (claims, missing claims, provenance,
 *   the provider's subject) are stored encrypted.
 * - A provider failure (`PROVIDER_*`, thrown by its adapter) fails the session with the
 *   error's transaction status code. The call that started or advanced the provider
 *   throws it again with `context.verificationId`; a REST read that polled answers the
 *   failed session instead (see docs/sandbox.md, "Provider failures").
 */
import { type ErrorCode, IdgateError, type TxStatusCode } from '@idgate/errors';
import type {
  AuthorizationRequestRecord,
  Verification,
  VerificationActor,
  VerificationEvent,
} from '../domain/verification.js';
import type { ProviderAdapter } from '../providers/adapter.js';
import type { AppRecord } from '../store/apps.repository.js';
import {
  type ProviderMaintenanceRecord,
  ProviderMaintenanceRepository,
} from '../store/provider-maintenance.repository.js';
import { VerificationsRepository } from '../store/verifications.repository.js';
import { type ProviderOffer, ProviderSteps } from './provider-steps.js';
import { SessionLoop } from './session-loop.js';
import {
  type AuthorizationDraft,
  environmentOfVerificationId,
  toPublic,
  type VerificationResult,
} from './session-records.js';
import { SignInHookStep } from './sign-in-hook-step.js';
import { VerificationStateMachine } from './state-machine.js';
import type { CreateVerificationBody, StartProviderInput, VerifiedIdentity } from './verification.types.js';
import { type DcCredential, VerificationAdvance } from './verification-advance.js';
import type { ProviderDirectory, VerificationContext } from './verification-context.js';
import { VerificationStart, type WhenCompleted } from './verification-start.js';
import { VerificationViews } from './verification-views.js';

export {
  AUTHORIZATION_TTL_SECONDS,
  type AuthorizationDraft,
  environmentOfVerificationId,
  newVerificationId,
  type SignInHookDenial,
  VERIFICATION_TTL_SECONDS,
  type VerificationResult,
} from './session-records.js';
export { SIGN_IN_HOOK_ABANDONED_AFTER_MS } from './sign-in-hook-step.js';
export type { DcCredential } from './verification-advance.js';
export type { ProviderDirectory, VerificationContext } from './verification-context.js';

/** Verification sessions. */
export class VerificationService {
  readonly #context: VerificationContext;
  readonly #repository: VerificationsRepository;
  readonly #loop: SessionLoop;
  readonly #views: VerificationViews;
  readonly #steps: ProviderSteps;
  readonly #start: VerificationStart;
  readonly #advance: VerificationAdvance;
  readonly #maintenance: ProviderMaintenanceRepository;

  constructor(context: VerificationContext) {
    this.#context = context;
    const repository = new VerificationsRepository(context.database, context.secrets, context.outcomes);
    const machine = new VerificationStateMachine(repository, context.clock);
    const views = new VerificationViews(context.secrets);
    const signInHook = new SignInHookStep({ context, repository, machine, views });
    const loop = new SessionLoop({
      environment: context.config.environment,
      clock: context.clock,
      repository,
      machine,
      signInHook,
    });
    const maintenance = new ProviderMaintenanceRepository(context.database);
    const steps = new ProviderSteps({ context, views, signInHook, maintenance });
    this.#maintenance = maintenance;
    this.#repository = repository;
    this.#loop = loop;
    this.#views = views;
    this.#steps = steps;
    this.#start = new VerificationStart({ context, repository, loop, steps, signInHook });
    this.#advance = new VerificationAdvance({ loop, steps });
  }

  /** The provider adapters this instance offers. */
  get providers(): ProviderDirectory {
    return this.#context.providers;
  }

  /**
   * A provider offered here and enabled for the app, with the app's settings and flow types
   * for it and its status (health, or maintenance).
   * @throws IdgateError `PROVIDER_NOT_FOUND`, `PROVIDER_NOT_ENABLED`
   */
  providerFor(app: AppRecord, providerId: string): Promise<ProviderOffer> {
    return this.#steps.providerFor(app, providerId);
  }

  /** The providers offered here that are enabled for the app, with flow types and status, in registry order. */
  offersFor(app: AppRecord): Promise<readonly ProviderOffer[]> {
    return this.#steps.offersFor(app);
  }

  /**
   * Switches a provider to maintenance on every instance (they share the database):
   * starting a session there is `PROVIDER_UNAVAILABLE` with `Retry-After` until `until`
   * (or until {@link endMaintenance}), and `GET /v1/providers` shows `status: maintenance`.
   * @throws IdgateError `PROVIDER_NOT_FOUND`, `VALIDATION_INVALID_PARAMETER` (an `until` in the past)
   */
  async startMaintenance(
    providerId: string,
    until: Date | null,
    reason: string | null,
  ): Promise<ProviderMaintenanceRecord> {
    this.#knownProvider(providerId);
    const now = this.#context.clock();
    if (until !== null && until.getTime() <= now.getTime()) {
      throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
        detail: 'until must be in the future (leave it out for a maintenance without a known end).',
        context: { fields: [{ name: 'until', pointer: '/until', reason: 'must be in the future' }] },
      });
    }
    return this.#maintenance.put(providerId, until, reason, now);
  }

  /**
   * Ends a provider's maintenance on every instance.
   * @throws IdgateError `PROVIDER_NOT_FOUND`; `RESOURCE_NOT_FOUND` when it was not in maintenance
   */
  async endMaintenance(providerId: string): Promise<void> {
    this.#knownProvider(providerId);
    if (!(await this.#maintenance.remove(providerId))) {
      throw new IdgateError('RESOURCE_NOT_FOUND', {
        detail: `Provider ${providerId} is not in maintenance.`,
        context: { providerId },
      });
    }
  }

  /** The maintenance a provider is in now, if any. @throws IdgateError `PROVIDER_NOT_FOUND` */
  async maintenanceOf(providerId: string): Promise<ProviderMaintenanceRecord | undefined> {
    this.#knownProvider(providerId);
    return (await this.#maintenance.active(this.#context.clock())).get(providerId);
  }

  /** @throws IdgateError `PROVIDER_NOT_FOUND` for a provider this instance does not offer */
  #knownProvider(providerId: string): void {
    if (this.#context.providers.get(providerId) !== undefined) return;
    const shown = providerId.slice(0, 64);
    throw new IdgateError('PROVIDER_NOT_FOUND', {
      detail: `There is no provider '${shown}' in ${this.#context.config.environment}.`,
      context: { providerId: shown },
    });
  }

  /** The providers offered here that are enabled for the app, in registry order. */
  providersFor(app: AppRecord): Promise<readonly ProviderAdapter[]> {
    return this.#steps.providersFor(app);
  }

  // ---------------------------------------------------------------- /authorize

  /** A new `/authorize` transaction, not stored yet (see {@link VerificationStart.draftAuthorization}). */
  draftAuthorization(app: AppRecord, request: AuthorizationRequestRecord): AuthorizationDraft {
    return this.#start.draftAuthorization(app, request);
  }

  /** Stores an `/authorize` transaction as drafted (see {@link VerificationStart.createAuthorization}). */
  createAuthorization(
    app: AppRecord,
    request: AuthorizationRequestRecord,
    draft?: AuthorizationDraft,
  ): Promise<Verification> {
    return this.#start.createAuthorization(app, request, draft);
  }

  /** Stores a drafted `/authorize` transaction already started (see {@link VerificationStart.startAuthorization}). */
  startAuthorization(
    app: AppRecord,
    draft: AuthorizationDraft,
    providerId: string,
    whenCompleted?: WhenCompleted,
  ): Promise<VerificationResult> {
    return this.#start.startAuthorization(app, draft, providerId, whenCompleted);
  }

  /**
   * A transaction for `/authorize` and the hosted pages; an expired one reads (and is
   * recorded) as `expired`.
   * @throws IdgateError `SESSION_NOT_FOUND` (unknown, deleted, or another environment's)
   */
  async getTransaction(id: string): Promise<VerificationResult> {
    return toPublic(await this.#loop.mutate(id, 'SESSION_NOT_FOUND', async () => ({})));
  }

  /** Starts the session at a provider (see {@link VerificationStart.startProvider}). */
  startProvider(id: string, providerId: string, input: StartProviderInput): Promise<VerificationResult> {
    return this.#start.startProvider(id, providerId, input);
  }

  /** Advances a session: a callback, an answer, or a poll (see {@link VerificationAdvance.advance}). */
  advance(id: string, input: Readonly<Record<string, string>>): Promise<VerificationResult> {
    return this.#advance.advance(id, input);
  }

  /** Advances a session with its one answer (see {@link VerificationAdvance.answer}). */
  answer(id: string, input: Readonly<Record<string, string>>): Promise<VerificationResult> {
    return this.#advance.answer(id, input);
  }

  /** Relays an app's DC API answer (see {@link VerificationAdvance.dcResponse}). */
  dcResponse(id: string, credential: DcCredential, app?: AppRecord): Promise<VerificationResult> {
    return this.#advance.dcResponse(id, credential, app);
  }

  /** The request object of a wallet session (see {@link VerificationAdvance.requestObject}). */
  requestObject(id: string, walletNonce: string | undefined): Promise<string> {
    return this.#advance.requestObject(id, walletNonce);
  }

  /** Cancels a session (see {@link VerificationAdvance.cancel}). */
  cancel(id: string, actor: 'app' | 'user'): Promise<VerificationResult> {
    return this.#advance.cancel(id, actor);
  }

  /** Ends a session with a status code (see {@link VerificationAdvance.fail}). */
  fail(
    id: string,
    statusCode: TxStatusCode,
    actor: Extract<VerificationActor, 'system' | 'provider' | 'hook' | 'user'>,
    errorCode?: ErrorCode,
  ): Promise<VerificationResult> {
    return this.#advance.fail(id, statusCode, actor, errorCode);
  }

  /** The verified identity of a completed session of that app (for tokens and `/userinfo`). */
  async identityFor(verificationId: string, clientId: string): Promise<VerifiedIdentity | undefined> {
    if (environmentOfVerificationId(verificationId) !== this.#context.config.environment) return undefined;
    const stored = await this.#repository.findResult(verificationId);
    if (stored === undefined || stored.clientId !== clientId || stored.status !== 'completed') return undefined;
    return this.#views.identityOf(stored);
  }

  /**
   * The recorded transitions of a session, oldest first (after recording a due expiry).
   * @throws IdgateError `SESSION_VERIFICATION_NOT_FOUND`
   */
  async events(id: string): Promise<readonly VerificationEvent[]> {
    await this.#loop.mutate(id, 'SESSION_VERIFICATION_NOT_FOUND', async () => ({}));
    return this.#repository.events(id);
  }

  /**
   * Records `expired` (`err_session_expired`, actor `system`) for up to `limit` sessions
   * past their expiry that nobody read since (an abandoned `/authorize`, a REST session
   * never polled): through the same loop as every change, so the webhook event is written
   * in the transition's transaction, and a session another instance expires at the same
   * time is written once. Returns how many sessions the batch looked at (the background
   * job asks again while a batch comes back full).
   */
  async expireDue(limit: number): Promise<number> {
    const ids = await this.#repository.findExpiredIds(this.#context.config.environment, this.#context.clock(), limit);
    for (const id of ids) {
      await this.#loop.mutate(id, 'SESSION_NOT_FOUND', async () => ({}));
    }
    return ids.length;
  }

  /**
   * Deletes up to `limit` sessions that ended at or before `cutoff`, with their events and
   * sealed data (see `VerificationsRepository.purgeEnded`). Returns how many.
   */
  purgeEnded(cutoff: Date, limit: number): Promise<number> {
    return this.#repository.purgeEnded(cutoff, this.#context.clock(), limit);
  }

  // ---------------------------------------------------------------- REST

  /** Creates a REST verification and starts it (see {@link VerificationStart.create}). */
  create(app: AppRecord, input: CreateVerificationBody): Promise<Verification> {
    return this.#start.create(app, input);
  }

  /** A REST verification of this app, brought up to date (see {@link VerificationAdvance.get}). */
  get(app: AppRecord, id: string): Promise<VerificationResult> {
    return this.#advance.get(app, id);
  }

  /** Cancels a verification of this app on the app's behalf (see {@link VerificationAdvance.cancelForApp}). */
  cancelForApp(app: AppRecord, id: string): Promise<VerificationResult> {
    return this.#advance.cancelForApp(app, id);
  }
}
