/**
 * The app's sign-in hook as a step of a session (SPEC 6): for `/authorize` transactions of
 * an app with a `signInHookUrl`, a provider result that would complete the session is
 * first written as `authenticating` with the result and `signInHookState = 'pending'`.
 * Only the request whose write won (optimistic version check) calls the hook, once, then
 * writes `completed` or `failed` (actor `hook`). A call whose caller is gone (its
 * instance stopped mid-call) is recorded as a timed-out hook once it is overdue.
 */
import type { FastifyBaseLogger } from 'fastify';
import { callSignInHook, type SignInHookOutcome } from '../hooks/signin-hook.js';
import type { StoredVerification, VerificationsRepository } from '../store/verifications.repository.js';
import { concurrentChangeError, MAX_ATTEMPTS } from './session-records.js';
import { isTerminal, type Transition, type VerificationStateMachine } from './state-machine.js';
import type { VerificationContext } from './verification-context.js';
import type { VerificationViews } from './verification-views.js';

/**
 * How long past the hook's own timeout a pending hook call counts as abandoned (an
 * instance that stopped mid-call never writes its outcome). Generous, so that a slow
 * database write of a live call is never overtaken.
 */
export const SIGN_IN_HOOK_ABANDONED_AFTER_MS = 10_000;

/** What an abandoned hook call becomes: the outcome of a hook that timed out, recorded by the system. */
export const ABANDONED_SIGN_IN_HOOK: Transition = {
  to: 'failed',
  statusCode: 'err_signin_hook_unavailable',
  actor: 'system',
  changes: { signInHookState: 'unavailable', resultCiphertext: null, verifiedAt: null },
};

/** Whether the session's sign-in hook is being called (the provider step is over). */
export function isSignInHookPending(session: StoredVerification): boolean {
  return session.signInHookState === 'pending' && !isTerminal(session.status);
}

/** What the sign-in hook step works with. */
export interface SignInHookStepContext {
  readonly context: Pick<VerificationContext, 'apps' | 'clock' | 'config' | 'log'>;
  readonly repository: VerificationsRepository;
  readonly machine: VerificationStateMachine;
  readonly views: VerificationViews;
}

/** Calls the app's sign-in hook for a session and records its outcome. */
export class SignInHookStep {
  readonly #context: SignInHookStepContext['context'];
  readonly #repository: VerificationsRepository;
  readonly #machine: VerificationStateMachine;
  readonly #views: VerificationViews;

  constructor({ context, repository, machine, views }: SignInHookStepContext) {
    this.#context = context;
    this.#repository = repository;
    this.#machine = machine;
    this.#views = views;
  }

  /**
   * Whether the session is an `/authorize` transaction of an app with a sign-in hook (from
   * the per-instance app cache: a hook set on another instance applies within seconds; the
   * call itself reads the app afresh).
   */
  async applies(session: StoredVerification): Promise<boolean> {
    if (session.origin !== 'authorize') return false;
    const app = await this.#context.apps.getCached(session.clientId);
    return app.signInHookUrl !== null;
  }

  /**
   * Whether the session's sign-in hook call has been pending longer than the hook's
   * timeout plus {@link SIGN_IN_HOOK_ABANDONED_AFTER_MS}: the caller is gone.
   */
  isAbandoned(session: StoredVerification): boolean {
    if (!isSignInHookPending(session)) return false;
    const deadline =
      session.updatedAt.getTime() + this.#context.config.signInHookTimeoutMs + SIGN_IN_HOOK_ABANDONED_AFTER_MS;
    return this.#context.clock().getTime() > deadline;
  }

  /**
   * Calls the app's sign-in hook for a session this request just moved to `pending` hook
   * state, then writes the outcome: `completed`, or `failed` with `err_user_account_blocked`
   * (denied) or `err_signin_hook_unavailable`, actor `hook`. The hook is called once: a
   * lost write race is retried on a fresh read without calling it again, and gives up when
   * another request ended the session meanwhile (cancelled, expired).
   */
  async run(session: StoredVerification): Promise<StoredVerification> {
    const outcome = await this.#ask(session);
    const transition = signInHookTransition(outcome);
    let current = session;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const written = await this.#machine.apply(current, transition);
      if (written !== undefined) return written;
      const fresh = await this.#repository.find(session.id);
      if (fresh === undefined || !isSignInHookPending(fresh)) return fresh ?? current;
      current = fresh;
    }
    throw concurrentChangeError(session.id);
  }

  /** One call of the session's app's hook, logged (outcome, duration; never the secret or the claims). */
  async #ask(session: StoredVerification): Promise<SignInHookOutcome> {
    const app = await this.#context.apps.get(session.clientId);
    const identity = this.#views.identityOf(session);
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
    logSignInHook(this.#context.log, session, outcome);
    return outcome;
  }
}

function logSignInHook(
  log: FastifyBaseLogger | undefined,
  session: StoredVerification,
  outcome: SignInHookOutcome,
): void {
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
