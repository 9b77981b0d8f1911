/**
 * The one session state machine (SPEC 4.1) behind `/authorize` transactions and REST
 * verifications: `initiated` → `pending` → `authenticating` → `completed`, and from any
 * non-terminal state to `failed`, `cancelled` or `expired`. The allowed transitions are
 * data (`TX_TRANSITIONS` in `@idgate/errors`); every write goes through `apply`, which
 * validates the transition, writes it with an optimistic version check and records it
 * with its actor and time, in one database transaction. Terminal states never change.
 */
import {
  type ErrorCode,
  IdgateError,
  isAllowedTxTransition,
  TERMINAL_TX_STATES,
  TX_STATUS_DEFINITIONS,
  type TxState,
  type TxStatusCode,
} from '@idgate/errors';
import type { VerificationActor } from '../domain/verification.js';
import type {
  StoredVerification,
  VerificationChanges,
  VerificationsRepository,
} from '../store/verifications.repository.js';

/** A change of a session: its next state (possibly the same), why, who, and what else changes. */
export interface Transition {
  readonly to: TxState;
  /** Required for `failed`, `cancelled` (except app cancellations) and `expired`. */
  readonly statusCode?: TxStatusCode | null;
  /** The catalog code of the error behind a `failed` (or `cancelled`) transition, when one caused it. */
  readonly errorCode?: ErrorCode;
  readonly actor: VerificationActor;
  readonly changes?: VerificationChanges;
}

/** Whether a state is terminal. */
export function isTerminal(state: TxState): boolean {
  return TERMINAL_TX_STATES.has(state);
}

/**
 * SPEC 4.1: only the transitions of the table are allowed; terminal states never change.
 * @throws IdgateError `SESSION_INVALID_STATUS_TRANSITION`
 */
export function checkTransition(verification: { readonly id: string; readonly status: TxState }, to: TxState): void {
  if (verification.status === to && !isTerminal(to)) return;
  if (isAllowedTxTransition(verification.status, to)) return;
  throw new IdgateError('SESSION_INVALID_STATUS_TRANSITION', {
    detail: isTerminal(verification.status)
      ? `The verification is already ${verification.status}; a ${verification.status} verification never changes.`
      : `A verification cannot go from ${verification.status} to ${to}.`,
    context: { verificationId: verification.id, status: verification.status, requestedStatus: to },
  });
}

/** SPEC 4.2: a session that ends other than completed says why, and the code's state is the one it ends in. */
function checkStatusCode(transition: Transition): void {
  const code = transition.statusCode ?? null;
  if (transition.to === 'failed' || transition.to === 'expired') {
    if (code === null) throw new TypeError(`a transition to ${transition.to} needs a status code`);
  }
  if (code !== null && TX_STATUS_DEFINITIONS[code].state !== transition.to) {
    throw new TypeError(
      `status code ${code} ends a session as ${TX_STATUS_DEFINITIONS[code].state}, not ${transition.to}`,
    );
  }
}

/** Validates, writes and records transitions. */
export class VerificationStateMachine {
  readonly #repository: VerificationsRepository;
  readonly #clock: () => Date;

  constructor(repository: VerificationsRepository, clock: () => Date) {
    this.#repository = repository;
    this.#clock = clock;
  }

  /**
   * Applies a transition to the session as it was read. Returns the session as written,
   * or `undefined` when another request changed it since it was read (read it again and
   * decide anew). A transition to the same, non-terminal state writes its changes without
   * recording an event. `webhooks`: whether the app has a webhook URL, when the caller
   * knows (else the write reads the app).
   *
   * @throws IdgateError `SESSION_INVALID_STATUS_TRANSITION` for a refused transition
   * @throws TypeError for a status code that does not fit the state (a programming error)
   */
  async apply(
    current: StoredVerification,
    transition: Transition,
    webhooks?: boolean,
  ): Promise<StoredVerification | undefined> {
    checkTransition(current, transition.to);
    checkStatusCode(transition);
    const statusChanges = transition.to !== current.status;
    const statusCode = transition.statusCode ?? null;
    const changes: VerificationChanges = statusChanges
      ? { ...transition.changes, status: transition.to, statusCode, errorCode: transition.errorCode ?? null }
      : { ...transition.changes };
    const event = statusChanges
      ? { from: current.status, to: transition.to, statusCode, actor: transition.actor }
      : undefined;
    return this.#repository.update(
      current.id,
      current.version,
      changes,
      event,
      this.#clock(),
      webhooks === undefined ? {} : { webhooks },
    );
  }
}
