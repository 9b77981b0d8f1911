/**
 * The one provider adapter interface (SPEC 5): start a transaction at the provider,
 * advance it (a callback, an answer on a provider screen, or a poll), and hand back the
 * provider's claims and level of assurance. An adapter classifies every failure of its
 * provider into a `PROVIDER_*` `IdgateError` and throws it; the verification service
 * turns that into a failed session (the error's `txStatus`).
 *
 * Adapters are stateless: whatever they need to remember between calls goes into
 * `providerState`, which the service stores encrypted with the session.
 */
import type { FieldProblem, TxStatusCode } from '@idgate/errors';
import type { Environment } from '../config/config.js';
import type { FlowType } from '../domain/verification.js';
import type { ProviderDescriptor } from './descriptors.js';

/** What the provider said about the person once authentication finished. */
export interface ProviderResult {
  /** The provider's own, stable identifier of the person (never shown to apps as is). */
  readonly subject: string;
  /** The issuing authority (provenance). */
  readonly issuer: string;
  /** The level of assurance (1–5) the provider reached. */
  readonly loa: number;
  /**
   * The person's claims under the OpenID standard names (`given_name`, `birthdate`, …),
   * as the provider gave them: the service normalizes and validates them.
   */
  readonly claims: Readonly<Record<string, unknown>>;
  /** The claims exactly as the provider sent them (kept for audit). */
  readonly rawClaims: Readonly<Record<string, unknown>>;
}

/** The state a provider step leaves the session in. */
export type ProviderStepStatus = 'pending' | 'authenticating' | 'completed' | 'failed' | 'cancelled';

/** The outcome of `start` or `advance`. */
export interface ProviderStep {
  readonly status: ProviderStepStatus;
  /** What the app or the hosted page shows the user (`url`, `qrData`, `message`); omitted: unchanged. */
  readonly flowDetails?: Readonly<Record<string, unknown>>;
  /** The adapter's private state for the next call; omitted: unchanged. */
  readonly providerState?: Readonly<Record<string, unknown>>;
  /** With `completed`. */
  readonly result?: ProviderResult;
  /** With `failed` and `cancelled`: why. */
  readonly statusCode?: TxStatusCode;
  /** Who caused the change (audit trail); default `provider`. */
  readonly actor?: 'provider' | 'user';
}

/** What an adapter knows about the session it works on. */
export interface ProviderContext {
  readonly verificationId: string;
  readonly clientId: string;
  readonly environment: Environment;
  /** idgate's public base URL (hosted pages live under it). */
  readonly issuer: string;
  readonly origin: 'authorize' | 'rest';
  readonly flowType: FlowType;
  readonly redirectUri: string | null;
  readonly requestedLoa: number | null;
  readonly requestedClaims: readonly string[];
  /** The `userData` the app sent (already checked with `userDataProblems`). */
  readonly userData: Readonly<Record<string, unknown>>;
  /** The `/authorize` `login_hint`, if any. */
  readonly loginHint: string | undefined;
  /** The app's settings for this provider. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** The session's state before this step. */
  readonly status: 'initiated' | 'pending' | 'authenticating';
  /** The state the previous step left (empty at start). */
  readonly providerState: Readonly<Record<string, unknown>>;
  readonly now: Date;
  /** When the session expires, if the caller knows (a wallet request object expires with it). */
  readonly expiresAt?: Date;
  /** The app's registered origins (the DC API's `expected_origins`), if the caller knows them. */
  readonly allowedOrigins?: readonly string[];
}

/** A provider's health as `GET /v1/providers` shows it. */
export type ProviderHealth = 'operational' | 'degraded' | 'unavailable';

/** A sandbox test identity of a mock provider (SPEC 5). */
export interface TestIdentity {
  /** What to pass as `userData.testIdentity` (REST) or `login_hint` (`/authorize`). */
  readonly identity: string;
  /** The outcome, in a few words (`completed`, `failed: err_not_authenticated`, `PROVIDER_ERROR` …). */
  readonly outcome: string;
  readonly description: string;
}

/** One identity provider, as idgate talks to it. */
export interface ProviderAdapter {
  readonly descriptor: ProviderDescriptor;
  /** The sandbox test identities (mock providers only). */
  readonly testIdentities?: readonly TestIdentity[];
  /** The provider's current health. */
  health(): ProviderHealth;
  /**
   * Problems with the `userData` (and `login_hint`) the app sent, beyond the required
   * fields the service checks itself: each becomes a field of `VALIDATION_INVALID_USER_DATA`.
   */
  userDataProblems(userData: Readonly<Record<string, unknown>>, origin: 'authorize' | 'rest'): FieldProblem[];
  /**
   * Starts a transaction at the provider.
   * @throws IdgateError `PROVIDER_*`
   */
  start(context: ProviderContext): Promise<ProviderStep>;
  /**
   * Advances it: `input` is a provider callback's parameters, an answer on the provider's
   * screen, or empty for a poll.
   * @throws IdgateError `PROVIDER_*`, `VALIDATION_INVALID_PARAMETER` (input it can't use)
   */
  advance(context: ProviderContext, input: Readonly<Record<string, string>>): Promise<ProviderStep>;
  /**
   * Wallet providers only: the signed request object a wallet fetches from the session's
   * `request_uri` (`walletNonce`: the `wallet_nonce` of a POST).
   * @throws IdgateError `PROVIDER_*`
   */
  requestObject?(context: ProviderContext, options: { readonly walletNonce?: string }): Promise<string>;
}

/** Provider errors that refuse an input without ending the session. */
const REFUSED_INPUTS = new WeakSet<Error>();

/**
 * Marks a provider error as refusing only the input it met (an answer meant for another
 * session, or one that cannot be told to be this session's): the service answers the
 * error and leaves the session as it was, so nobody but the session's own wallet can
 * end it.
 */
export function refusesInputOnly<E extends Error>(error: E): E {
  REFUSED_INPUTS.add(error);
  return error;
}

/** Whether {@link refusesInputOnly} marked the error. */
export function isInputOnlyRefusal(error: unknown): boolean {
  return error instanceof Error && REFUSED_INPUTS.has(error);
}
