/**
 * The words every layer shares about a verification session (SPEC 2, 4): how the user
 * meets the provider, where a session came from, who changed it, the session record and
 * its recorded transitions. A verification session and an authorization transaction are
 * the same thing. The services (`verification/`) give these records their behaviour; the
 * store keeps them.
 */
import type { ErrorCode, TxState, TxStatusCode } from '@idgate/errors';
import type { Environment } from '../config/config.js';

/** How the user meets the provider (SPEC 4; `dc_api`: the W3C Digital Credentials API, SPEC 10). */
export type FlowType = 'redirect' | 'qr' | 'push' | 'dc_api';

/** Every flow type, in documentation order. */
export const FLOW_TYPES: readonly FlowType[] = ['redirect', 'qr', 'push', 'dc_api'];

/** The authorization request an `/authorize` transaction was created from. */
export interface AuthorizationRequestRecord {
  readonly responseType: 'code';
  readonly redirectUri: string;
  readonly scope: readonly string[];
  readonly state?: string;
  readonly nonce?: string;
  readonly codeChallenge?: string;
  readonly codeChallengeMethod?: 'S256';
  readonly prompt?: string;
  readonly uiLocales?: string;
  readonly loginHint?: string;
  readonly providerHint?: string;
  /** From `acr_values` (1–5). */
  readonly requestedLoa?: number;
}

/** Where a session came from. */
export type VerificationOrigin = 'authorize' | 'rest';

/** Who caused a transition (audit trail). */
export type VerificationActor = 'app' | 'user' | 'provider' | 'system' | 'hook';

/** A verification session (without its encrypted parts). */
export interface Verification {
  /** `vrf_test_…` (sandbox) or `vrf_live_…` (production). */
  readonly id: string;
  readonly clientId: string;
  readonly environment: Environment;
  readonly origin: VerificationOrigin;
  readonly status: TxState;
  /** Why a session failed, was cancelled or expired (`null` otherwise, and for app cancellations). */
  readonly statusCode: TxStatusCode | null;
  /**
   * The catalog code of the error that ended the session, when one did (a `PROVIDER_*`
   * failure, provider data that is missing or invalid, an internal error); `null` when the
   * session ended without one (completed, the user denied or cancelled, it expired).
   */
  readonly errorCode: ErrorCode | null;
  readonly providerId: string | null;
  readonly flowType: FlowType | null;
  readonly requestedLoa: number | null;
  /** The LoA the provider reached (set when completed, and when a low LoA failed the session). */
  readonly achievedLoa: number | null;
  /** The claims the app asked for (see docs/sandbox.md, "Requested claims"). */
  readonly requestedClaims: readonly string[];
  /** What the user is shown: `url` (redirect), `qrData` (qr), `message` (push). */
  readonly flowDetails: Readonly<Record<string, unknown>>;
  readonly redirectUri: string | null;
  readonly authorizationRequest: AuthorizationRequestRecord | null;
  readonly expiresAt: Date;
  readonly verifiedAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Starts at 1, +1 on every change. */
  readonly version: number;
}

/** One recorded transition. */
export interface VerificationEvent {
  /** `null` for the creation of the session. */
  readonly from: TxState | null;
  readonly to: TxState;
  readonly statusCode: TxStatusCode | null;
  readonly actor: VerificationActor;
  readonly at: Date;
}
