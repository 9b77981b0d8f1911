/**
 * Moving started sessions on: a provider callback, an answer on a provider's screen or a
 * wallet's response (`advance`), a REST read that polls the provider (`get`), the user's
 * or the app's cancellation, and ending a session with a status code (`fail`).
 */
import { type ErrorCode, IdgateError, TX_STATUS_DEFINITIONS, type TxStatusCode } from '@idgate/errors';
import type { FlowType, VerificationActor } from '../domain/verification.js';
import type { AppRecord } from '../store/apps.repository.js';
import type { StoredVerification } from '../store/verifications.repository.js';
import type { ProviderSteps } from './provider-steps.js';
import type { Plan, SessionLoop } from './session-loop.js';
import { toPublic, type VerificationResult } from './session-records.js';
import { isSignInHookPending } from './sign-in-hook-step.js';
import { isTerminal } from './state-machine.js';

/** What the DC API gave the app's page (`navigator.credentials.get`), relayed as is (SPEC 10). */
export interface DcCredential {
  readonly protocol: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** The origin the page ran on, when the app registered several. */
  readonly origin?: string | undefined;
}

/** What advancing sessions works with. */
export interface VerificationAdvanceContext {
  readonly loop: SessionLoop;
  readonly steps: ProviderSteps;
}

/** Advances, polls, cancels and ends sessions. */
export class VerificationAdvance {
  readonly #loop: SessionLoop;
  readonly #steps: ProviderSteps;

  constructor({ loop, steps }: VerificationAdvanceContext) {
    this.#loop = loop;
    this.#steps = steps;
  }

  /**
   * Advances a session: a provider callback, an answer on the (mock) provider's screen, or
   * a poll (empty input). A poll of a terminal session returns it; any other input for a
   * terminal session is refused.
   * @throws IdgateError `SESSION_NOT_FOUND`, `SESSION_INVALID_STATUS_TRANSITION`, `VALIDATION_INVALID_PARAMETER`, `PROVIDER_*`
   */
  async advance(id: string, input: Readonly<Record<string, string>>): Promise<VerificationResult> {
    return this.#advanceWith(id, input);
  }

  /**
   * Advances a session with the one answer it takes (a wallet's response, SPEC 10): like
   * {@link advance}, but a session that already has its answer — over, or waiting for the
   * app's sign-in hook — refuses another, so of two answers exactly one is written.
   * @throws IdgateError `SESSION_NOT_FOUND`, `SESSION_INVALID_STATUS_TRANSITION`, `PROVIDER_*`
   */
  answer(id: string, input: Readonly<Record<string, string>>): Promise<VerificationResult> {
    return this.#advanceWith(id, input, { once: true });
  }

  /**
   * The DC API answer relayed for a `dc_api` session (SPEC 10): its one answer, like
   * {@link answer}. With `app` (the REST relay) for a session of this app only; without
   * (the hosted page, which checked the browser) for any.
   * @throws IdgateError `SESSION_VERIFICATION_NOT_FOUND` (with `app`; else `SESSION_NOT_FOUND`),
   *   `SESSION_INVALID_FLOW` (not a `dc_api` session), `SESSION_INVALID_STATUS_TRANSITION`, `PROVIDER_*`
   */
  dcResponse(id: string, credential: DcCredential, app?: AppRecord): Promise<VerificationResult> {
    const input: Record<string, string> = {
      protocol: credential.protocol,
      data: JSON.stringify(credential.data),
      ...(credential.origin === undefined ? {} : { origin: credential.origin }),
    };
    return this.#advanceWith(id, input, { once: true, flowType: 'dc_api', ...(app === undefined ? {} : { app }) });
  }

  async #advanceWith(
    id: string,
    input: Readonly<Record<string, string>>,
    options: { readonly once?: boolean; readonly app?: AppRecord; readonly flowType?: FlowType } = {},
  ): Promise<VerificationResult> {
    const { once = false, app, flowType } = options;
    const poll = Object.keys(input).length === 0;
    const notFound = app === undefined ? 'SESSION_NOT_FOUND' : 'SESSION_VERIFICATION_NOT_FOUND';
    const decide = async (current: StoredVerification): Promise<Plan> => {
      if (flowType !== undefined && current.flowType !== flowType) {
        throw new IdgateError('SESSION_INVALID_FLOW', {
          detail: `This verification uses the ${current.flowType ?? 'no'} flow; only a ${flowType} verification takes this answer.`,
          context: { verificationId: current.id, flowType: String(current.flowType) },
        });
      }
      const answered = isSignInHookPending(current);
      if (answered && !once) return {};
      if (answered || isTerminal(current.status) || current.providerId === null) {
        if (poll) return {};
        throw new IdgateError('SESSION_INVALID_STATUS_TRANSITION', {
          detail:
            current.providerId === null
              ? 'No provider was started for this transaction yet.'
              : answered
                ? 'The transaction already has its answer; it takes one.'
                : `The transaction is already ${current.status}; a ${current.status} transaction never changes.`,
          context: { verificationId: current.id, status: current.status },
        });
      }
      return this.#steps.advance(current, input, 'throw');
    };
    return toPublic(await this.#loop.mutate(id, notFound, decide, app?.clientId));
  }

  /**
   * The signed request object of a session waiting for a wallet (SPEC 10, `request_uri`),
   * after recording a due expiry; nothing is written.
   * @throws IdgateError `SESSION_NOT_FOUND` (unknown, over, or not a wallet session), `PROVIDER_*`
   */
  async requestObject(id: string, walletNonce: string | undefined): Promise<string> {
    let signed: string | undefined;
    await this.#loop.mutate(id, 'SESSION_NOT_FOUND', async (current) => {
      signed = isTerminal(current.status) ? undefined : await this.#steps.requestObject(current, walletNonce);
      if (signed === undefined) {
        throw new IdgateError('SESSION_NOT_FOUND', {
          detail: 'This presentation request is unknown or over: start the sign-in again.',
          context: { verificationId: current.id },
        });
      }
      return {};
    });
    return signed as string;
  }

  /**
   * A REST verification of this app, brought up to date: expiry, then a poll of the
   * provider (a provider failure fails the session and is answered as its status).
   * @throws IdgateError `SESSION_VERIFICATION_NOT_FOUND` (unknown, another app's, another environment's)
   */
  async get(app: AppRecord, id: string): Promise<VerificationResult> {
    const stored = await this.#loop.mutate(
      id,
      'SESSION_VERIFICATION_NOT_FOUND',
      async (current) => {
        if (isTerminal(current.status) || current.providerId === null || isSignInHookPending(current)) return {};
        return this.#steps.advance(current, {}, 'record');
      },
      app.clientId,
    );
    return toPublic(stored);
  }

  /**
   * Cancels a session (`cancelled`; `err_user_cancelled` when the user cancels, no status
   * code when the app does).
   * @throws IdgateError `SESSION_NOT_FOUND`, `SESSION_INVALID_STATUS_TRANSITION` (terminal)
   */
  async cancel(id: string, actor: 'app' | 'user'): Promise<VerificationResult> {
    return toPublic(await this.#loop.mutate(id, 'SESSION_NOT_FOUND', async (current) => cancelPlan(current, actor)));
  }

  /**
   * Cancels a verification of this app on the app's behalf. The provider is asked first,
   * so a session the user already completed is not cancelled behind their back.
   * @throws IdgateError `SESSION_VERIFICATION_NOT_FOUND`, `SESSION_INVALID_STATUS_TRANSITION`
   */
  async cancelForApp(app: AppRecord, id: string): Promise<VerificationResult> {
    await this.get(app, id);
    const stored = await this.#loop.mutate(
      id,
      'SESSION_VERIFICATION_NOT_FOUND',
      async (current) => cancelPlan(current, 'app'),
      app.clientId,
    );
    return toPublic(stored);
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
    errorCode?: ErrorCode,
  ): Promise<VerificationResult> {
    const stored = await this.#loop.mutate(id, 'SESSION_NOT_FOUND', async (current) => {
      if (isTerminal(current.status)) return {};
      return {
        write: {
          to: TX_STATUS_DEFINITIONS[statusCode].state,
          statusCode,
          actor,
          ...(errorCode === undefined ? {} : { errorCode }),
        },
      };
    });
    return toPublic(stored);
  }
}

/** SPEC 4.1: only a session in progress can be cancelled. */
function cancelPlan(current: StoredVerification, actor: 'app' | 'user'): Plan {
  if (isTerminal(current.status)) {
    throw new IdgateError('SESSION_INVALID_STATUS_TRANSITION', {
      detail: `The verification is already ${current.status}; only a verification in progress can be cancelled.`,
      context: { verificationId: current.id, status: current.status },
    });
  }
  return { write: { to: 'cancelled', statusCode: actor === 'user' ? 'err_user_cancelled' : null, actor } };
}
