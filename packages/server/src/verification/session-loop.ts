/**
 * The decide-and-write loop every change of a stored session goes through: read the
 * session (of this environment, and of the app when one is given), record a due expiry or
 * an abandoned sign-in hook call first, let the caller decide, write the decision with
 * the state machine's optimistic version check, and decide again on a fresh read when the
 * write lost a race.
 */
import type { IdgateError } from '@idgate/errors';
import type { Environment } from '../config/config.js';
import type { StoredVerification, VerificationsRepository } from '../store/verifications.repository.js';
import {
  concurrentChangeError,
  environmentOfVerificationId,
  MAX_ATTEMPTS,
  type NotFoundCode,
  notFoundError,
} from './session-records.js';
import { ABANDONED_SIGN_IN_HOOK, type SignInHookStep } from './sign-in-hook-step.js';
import { isTerminal, type Transition, type VerificationStateMachine } from './state-machine.js';

/** What an operation decided for the session it read. */
export interface Plan {
  /** The transition to write, if any. */
  readonly write?: Transition;
  /** Thrown once the write (if any) succeeded. */
  readonly thenThrow?: IdgateError;
  /** Once the write succeeded, call the app's sign-in hook and write its outcome. */
  readonly thenSignInHook?: true;
  /** Whether the app has a webhook URL, when the operation read the app anyway (else the write reads it). */
  readonly webhooks?: boolean;
}

/** What the loop works with. */
export interface SessionLoopContext {
  readonly environment: Environment;
  readonly clock: () => Date;
  readonly repository: VerificationsRepository;
  readonly machine: VerificationStateMachine;
  readonly signInHook: SignInHookStep;
}

/** Reads sessions and writes what callers decide for them. */
export class SessionLoop {
  readonly #context: SessionLoopContext;

  constructor(context: SessionLoopContext) {
    this.#context = context;
  }

  /**
   * Reads a session and runs `decide` on it until its decision is written (or needs no
   * write). A session past its expiry is recorded as expired before anything else.
   * @throws IdgateError `notFound` (unknown, another environment's, or — with `clientId` — another app's)
   */
  async mutate(
    id: string,
    notFound: NotFoundCode,
    decide: (current: StoredVerification) => Promise<Plan>,
    clientId?: string,
  ): Promise<StoredVerification> {
    const { clock, machine, signInHook } = this.#context;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.#load(id, notFound, clientId);
      if (!isTerminal(current.status) && clock().getTime() >= current.expiresAt.getTime()) {
        // Expiry is evaluated lazily: record it, then decide on the expired session.
        await machine.apply(current, { to: 'expired', statusCode: 'err_session_expired', actor: 'system' });
        continue;
      }
      if (signInHook.isAbandoned(current)) {
        // The request that won the hook call never wrote its outcome (its instance stopped
        // mid-call): once the call would have timed out, record what a timeout gives.
        await machine.apply(current, ABANDONED_SIGN_IN_HOOK);
        continue;
      }
      const plan = await decide(current);
      if (plan.write === undefined) {
        if (plan.thenThrow) throw plan.thenThrow;
        return current;
      }
      const written = await machine.apply(current, plan.write, plan.webhooks);
      if (written === undefined) continue;
      if (plan.thenThrow) throw plan.thenThrow;
      if (plan.thenSignInHook) return signInHook.run(written);
      return written;
    }
    throw concurrentChangeError(id);
  }

  /** A session of this environment (and of `clientId`, when given). */
  async #load(id: string, notFound: NotFoundCode, clientId: string | undefined): Promise<StoredVerification> {
    const environment = this.#context.environment;
    const idEnvironment = environmentOfVerificationId(id);
    if (idEnvironment !== undefined && idEnvironment !== environment) {
      throw notFoundError(notFound, id, `it is a ${idEnvironment} id and this is the ${environment} environment`);
    }
    const stored = idEnvironment === undefined ? undefined : await this.#context.repository.find(id);
    if (stored === undefined || stored.environment !== environment) throw notFoundError(notFound, id);
    // Another app's session reads exactly like an unknown one.
    if (clientId !== undefined && stored.clientId !== clientId) throw notFoundError(notFound, id);
    return stored;
  }
}
