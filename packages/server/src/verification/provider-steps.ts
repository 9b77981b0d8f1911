/**
 * A session's calls to its provider's adapter and what each means for the session: the
 * checks before a provider is started (enabled for the app, flow type, level of
 * assurance, `userData`), the context an adapter gets, and the transition a provider step
 * (or a provider failure) leads to. A provider result completes a session only when its
 * claims normalize, carry the identity's required claims and reach the requested level.
 */
import { type ErrorCode, IdgateError, isIdgateError, TX_STATUS_DEFINITIONS } from '@idgate/errors';
import type { FlowType } from '../domain/verification.js';
import {
  isInputOnlyRefusal,
  type ProviderAdapter,
  type ProviderContext,
  type ProviderHealth,
  type ProviderStep,
} from '../providers/adapter.js';
import type { AppProviderRecord, AppRecord } from '../store/apps.repository.js';
import type {
  ProviderMaintenanceRecord,
  ProviderMaintenanceRepository,
} from '../store/provider-maintenance.repository.js';
import type { StoredVerification, VerificationChanges } from '../store/verifications.repository.js';
import { missingClaimsOf, normalizeClaims, REQUIRED_IDENTITY_CLAIMS } from './claims.js';
import type { Plan } from './session-loop.js';
import { type StoredResult, withVerificationId } from './session-records.js';
import type { SignInHookStep } from './sign-in-hook-step.js';
import type { Transition } from './state-machine.js';
import type { VerificationContext } from './verification-context.js';
import type { VerificationViews } from './verification-views.js';

/** What starting or advancing a provider needs. */
export interface Prepared {
  readonly adapter: ProviderAdapter;
  readonly flowType: FlowType;
  readonly userData: Readonly<Record<string, unknown>>;
  readonly loginHint: string | undefined;
  readonly settings: Readonly<Record<string, unknown>>;
  /**
   * Where a DC API request may be answered from (SPEC 10, `expected_origins`): idgate's
   * hosted pages for `/authorize`, the app's registered origins for REST. Known at start.
   */
  readonly allowedOrigins?: readonly string[];
}

/** What a start asks for, before the checks. */
export interface StartRequest {
  readonly flowType: FlowType | undefined;
  readonly requestedLoa: number | null;
  readonly userData: Readonly<Record<string, unknown>>;
  readonly loginHint: string | undefined;
  readonly origin: 'authorize' | 'rest';
}

/** What a provider failure does to the call that met it: thrown again, or only recorded (a REST poll). */
export type OnProviderFailure = 'throw' | 'record';

/** What the provider steps work with. */
export interface ProviderStepsContext {
  readonly context: Pick<VerificationContext, 'apps' | 'clock' | 'config' | 'log' | 'providers' | 'secrets'>;
  readonly views: VerificationViews;
  readonly signInHook: SignInHookStep;
  /** The providers an operator switched to maintenance (shared by every instance). */
  readonly maintenance: ProviderMaintenanceRepository;
}

/** What `GET /v1/providers` shows as a provider's `status`: its health, or `maintenance`. */
export type ProviderStatus = ProviderHealth | 'maintenance';

/** A provider as an app may use it: the adapter, the app's settings and flow types, its status now. */
export interface ProviderOffer {
  readonly adapter: ProviderAdapter;
  readonly settings: Readonly<Record<string, unknown>>;
  /** The provider's flow types the app may use, in the provider's order (its first is the default). */
  readonly flowTypes: readonly FlowType[];
  readonly status: ProviderStatus;
  /** The maintenance the provider is in, if it is. */
  readonly maintenance: ProviderMaintenanceRecord | undefined;
}

/** Runs a session's provider and decides what each of its steps means. */
export class ProviderSteps {
  readonly #context: ProviderStepsContext['context'];
  readonly #views: VerificationViews;
  readonly #signInHook: SignInHookStep;
  readonly #maintenance: ProviderMaintenanceRepository;

  constructor({ context, views, signInHook, maintenance }: ProviderStepsContext) {
    this.#context = context;
    this.#views = views;
    this.#signInHook = signInHook;
    this.#maintenance = maintenance;
  }

  /** An offer of a provider to an app, given the app's setting and the maintenances now. */
  #offer(
    adapter: ProviderAdapter,
    record: AppProviderRecord,
    maintenances: ReadonlyMap<string, ProviderMaintenanceRecord>,
  ): ProviderOffer {
    const maintenance = maintenances.get(adapter.descriptor.id);
    const allowed = record.flowTypes;
    return {
      adapter,
      settings: record.settings,
      flowTypes:
        allowed === null
          ? adapter.descriptor.flowTypes
          : adapter.descriptor.flowTypes.filter((flow) => allowed.includes(flow)),
      status: maintenance === undefined ? adapter.health() : 'maintenance',
      maintenance,
    };
  }

  /** The providers offered here that are enabled for the app, with their flow types and status. */
  async offersFor(app: AppRecord): Promise<readonly ProviderOffer[]> {
    const [records, maintenances] = await Promise.all([
      this.#context.apps.providerRecordsOf(app),
      this.#maintenance.active(this.#context.clock()),
    ]);
    const enabled = new Map(records.filter((record) => record.enabled).map((record) => [record.providerId, record]));
    return this.#context.providers.all().flatMap((adapter) => {
      const record = enabled.get(adapter.descriptor.id);
      return record === undefined ? [] : [this.#offer(adapter, record, maintenances)];
    });
  }

  /**
   * A provider offered here and enabled for the app, with the app's settings for it.
   * @throws IdgateError `PROVIDER_NOT_FOUND`, `PROVIDER_NOT_ENABLED`
   */
  async providerFor(app: AppRecord, providerId: string): Promise<ProviderOffer> {
    const adapter = this.#context.providers.get(providerId);
    if (adapter === undefined) {
      const shown = providerId.slice(0, 64);
      throw new IdgateError('PROVIDER_NOT_FOUND', {
        detail: `There is no provider '${shown}' in ${this.#context.config.environment}; GET /v1/providers lists the app's providers.`,
        context: { providerId: shown },
      });
    }
    const [record, maintenances] = await Promise.all([
      this.#context.apps.providerRecordOf(app, providerId),
      this.#maintenance.active(this.#context.clock()),
    ]);
    if (!record?.enabled) {
      throw new IdgateError('PROVIDER_NOT_ENABLED', {
        detail: `Provider ${providerId} is not enabled for this app; enable it with PUT /admin/v1/apps/{clientId}/providers/${providerId}.`,
        context: { providerId },
      });
    }
    return this.#offer(adapter, record, maintenances);
  }

  /** The providers offered here that are enabled for the app, in registry order. */
  async providersFor(app: AppRecord): Promise<readonly ProviderAdapter[]> {
    const records = await this.#context.apps.providerRecordsOf(app);
    const enabled = new Set(records.filter((record) => record.enabled).map((record) => record.providerId));
    return this.#context.providers.all().filter((adapter) => enabled.has(adapter.descriptor.id));
  }

  /**
   * The checks before a provider is started, and what starting it needs.
   * @throws IdgateError `PROVIDER_NOT_FOUND`, `PROVIDER_NOT_ENABLED`, `SESSION_INVALID_FLOW`,
   *   `VALIDATION_UNPROCESSABLE` (LoA, `txStatus` `err_loa_not_met`),
   *   `VALIDATION_MISSING_USER_DATA`, `VALIDATION_INVALID_USER_DATA`
   */
  async prepare(app: AppRecord, providerId: string, request: StartRequest): Promise<Prepared> {
    const offer = await this.providerFor(app, providerId);
    const { adapter, settings } = offer;
    const descriptor = adapter.descriptor;
    if (request.flowType !== undefined && !descriptor.flowTypes.includes(request.flowType)) {
      throw new IdgateError('SESSION_INVALID_FLOW', {
        detail: `Provider ${providerId} supports the flow types ${descriptor.flowTypes.join(', ')}, not ${String(request.flowType)}.`,
        context: { providerId, flowType: String(request.flowType), supported: descriptor.flowTypes },
      });
    }
    const flowType = request.flowType ?? offer.flowTypes[0];
    if (flowType === undefined || !offer.flowTypes.includes(flowType)) {
      const shown = flowType ?? descriptor.flowTypes[0] ?? 'any';
      throw new IdgateError('SESSION_INVALID_FLOW', {
        detail:
          offer.flowTypes.length === 0
            ? `No flow type of provider ${providerId} is enabled for this app; enable one with PUT /admin/v1/apps/{clientId}/providers/${providerId}.`
            : `The flow type ${shown} of provider ${providerId} is not enabled for this app (enabled: ${offer.flowTypes.join(', ')}).`,
        context: { providerId, flowType: shown, enabled: offer.flowTypes, reason: 'not_enabled_for_app' },
      });
    }
    const maintenance = offer.maintenance;
    if (maintenance !== undefined) {
      // Maintenance is temporary: a retryable 503 with Retry-After, not a 403 an app would give up on.
      const now = this.#context.clock().getTime();
      const seconds =
        maintenance.until === null ? undefined : Math.max(1, Math.ceil((maintenance.until.getTime() - now) / 1000));
      throw new IdgateError('PROVIDER_UNAVAILABLE', {
        detail:
          maintenance.until === null
            ? `Provider ${providerId} is in maintenance; try again later or offer another provider.`
            : `Provider ${providerId} is in maintenance until ${maintenance.until.toISOString()}; try again then or offer another provider.`,
        context: {
          providerId,
          reason: 'maintenance',
          ...(maintenance.until === null ? {} : { maintenanceUntil: maintenance.until.toISOString() }),
        },
        ...(seconds === undefined ? {} : { headers: { 'retry-after': String(seconds) } }),
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
    const hostedOrigin = new URL(this.#context.config.issuer).origin;
    const allowedOrigins =
      request.origin === 'rest' && app.allowedOrigins.length > 0 ? app.allowedOrigins : [hostedOrigin];
    return { adapter, flowType, userData, loginHint: request.loginHint, settings, allowedOrigins };
  }

  /** What a session starting at its prepared provider changes besides its state. */
  startChanges(prepared: Prepared): VerificationChanges {
    return {
      providerId: prepared.adapter.descriptor.id,
      flowType: prepared.flowType,
      userDataCiphertext: this.#views.sealOrNull(prepared.userData),
    };
  }

  /** Starts the prepared provider for a session and decides what its first step means. */
  start(current: StoredVerification, prepared: Prepared, onProviderFailure: OnProviderFailure): Promise<Plan> {
    const context = this.#providerContext(current, prepared, current.status as ProviderContext['status'], {});
    return this.#run(current, this.startChanges(prepared), () => prepared.adapter.start(context), onProviderFailure);
  }

  /** Advances a session at its provider (`input` empty: a poll) and decides what the step means. */
  async advance(
    current: StoredVerification,
    input: Readonly<Record<string, string>>,
    onProviderFailure: OnProviderFailure,
  ): Promise<Plan> {
    const call = await this.#callOf(current);
    if (call === undefined) {
      // The provider is no longer offered here: the session cannot go on.
      return { write: { to: 'failed', statusCode: 'err_provider_unavailable', actor: 'system' } };
    }
    const { adapter, context } = call;
    return this.#run(current, {}, () => adapter.advance(context, input), onProviderFailure);
  }

  /**
   * The signed request object of a session waiting for a wallet (SPEC 10), or undefined
   * when its provider is no wallet provider offered here.
   * @throws IdgateError `PROVIDER_*`
   */
  async requestObject(current: StoredVerification, walletNonce: string | undefined): Promise<string | undefined> {
    const call = await this.#callOf(current);
    if (call?.adapter.requestObject === undefined) return undefined;
    return call.adapter.requestObject(call.context, walletNonce === undefined ? {} : { walletNonce });
  }

  /** The adapter of a started session and the context of a call to it (undefined: no longer offered). */
  async #callOf(
    current: StoredVerification,
  ): Promise<{ readonly adapter: ProviderAdapter; readonly context: ProviderContext } | undefined> {
    const adapter = current.providerId === null ? undefined : this.#context.providers.get(current.providerId);
    if (adapter === undefined || current.flowType === null) return undefined;
    const { record } = await this.#context.apps.getProvider(current.clientId, adapter.descriptor.id);
    const prepared: Prepared = {
      adapter,
      flowType: current.flowType,
      userData: this.#views.openJson(current.userDataCiphertext),
      loginHint: current.authorizationRequest?.loginHint,
      settings: record?.settings ?? {},
    };
    const context = this.#providerContext(
      current,
      prepared,
      current.status as ProviderContext['status'],
      this.#views.openJson(current.providerStateCiphertext),
    );
    return { adapter, context };
  }

  /** Runs one provider call and decides what it means for the session. */
  async #run(
    current: StoredVerification,
    base: VerificationChanges,
    call: () => Promise<ProviderStep>,
    onProviderFailure: OnProviderFailure,
  ): Promise<Plan> {
    let step: ProviderStep;
    try {
      step = await call();
    } catch (thrown) {
      // Input the provider refuses without ending the session (not this session's answer).
      if (isIdgateError(thrown) && (!thrown.code.startsWith('PROVIDER_') || isInputOnlyRefusal(thrown))) throw thrown;
      const error = isIdgateError(thrown)
        ? withVerificationId(thrown, current.id)
        : new IdgateError('SYSTEM_INTERNAL_ERROR', { cause: thrown, context: { verificationId: current.id } });
      const statusCode = isIdgateError(thrown) ? thrown.txStatus : 'err_internal';
      const write: Transition = {
        to: TX_STATUS_DEFINITIONS[statusCode].state,
        statusCode,
        errorCode: error.code,
        actor: isIdgateError(thrown) ? 'provider' : 'system',
        changes: base,
      };
      return onProviderFailure === 'throw' ? { write, thenThrow: error } : { write };
    }
    const write = this.#stepTransition(current, base, step);
    // Nothing new (a poll while the user is still busy): nothing to write.
    if (write.to === current.status && Object.keys(write.changes ?? {}).length === 0) return {};
    if (write.to === 'completed' && (await this.#signInHook.applies(current))) {
      // SPEC 6: the hook decides before the code is issued. Store the result first; the
      // request whose write wins calls the hook (see SignInHookStep.run).
      return {
        write: { to: 'authenticating', actor: write.actor, changes: { ...write.changes, signInHookState: 'pending' } },
        thenSignInHook: true,
      };
    }
    return { write };
  }

  /**
   * What a provider step means for the session. A step that ends the provider's part
   * (completed, failed, cancelled) drops the provider's state: the provider is never called
   * for that session again (see verification-advance.ts), so it is not kept, nor sealed.
   */
  #stepTransition(current: StoredVerification, base: VerificationChanges, step: ProviderStep): Transition {
    const ended = step.status === 'completed' || step.status === 'failed' || step.status === 'cancelled';
    const changes: VerificationChanges = {
      ...base,
      ...(step.flowDetails === undefined ? {} : { flowDetails: step.flowDetails }),
      ...(ended
        ? current.providerStateCiphertext === null
          ? {}
          : { providerStateCiphertext: null }
        : step.providerState === undefined
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
    if (result === undefined) {
      this.#logRefusedData(current, 'PROVIDER_UNEXPECTED_RESPONSE', []);
      return {
        to: 'failed',
        statusCode: 'err_provider_error',
        errorCode: 'PROVIDER_UNEXPECTED_RESPONSE',
        actor: 'system',
        changes,
      };
    }
    const now = this.#context.clock();
    const { claims, problems } = normalizeClaims(result.claims, now);
    if (problems.length > 0) {
      // The provider's data fails validation.
      this.#logRefusedData(
        current,
        'VALIDATION_INVALID_USER_DATA',
        problems.map((problem) => problem.name),
      );
      return {
        to: 'failed',
        statusCode: 'err_provider_error',
        errorCode: 'VALIDATION_INVALID_USER_DATA',
        actor: 'system',
        changes,
      };
    }
    const missingRequired = missingClaimsOf(REQUIRED_IDENTITY_CLAIMS, claims);
    if (missingRequired.length > 0) {
      // The provider did not return the claims every identity needs.
      this.#logRefusedData(current, 'VALIDATION_MISSING_USER_DATA', missingRequired);
      return {
        to: 'failed',
        statusCode: 'err_missing_user_data',
        errorCode: 'VALIDATION_MISSING_USER_DATA',
        actor: 'system',
        changes,
      };
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
        resultCiphertext: this.#views.sealResult(stored),
      },
    };
  }

  /** One log line for provider data that ended a session: the code and the claims' names, never their values. */
  #logRefusedData(current: StoredVerification, code: ErrorCode, claims: readonly string[]): void {
    this.#context.log?.info(
      {
        code,
        verification_id: current.id,
        client_id: current.clientId,
        provider_id: current.providerId,
        claims,
      },
      'provider data refused',
    );
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
      expiresAt: current.expiresAt,
      ...(prepared.allowedOrigins === undefined ? {} : { allowedOrigins: prepared.allowedOrigins }),
    };
  }
}
