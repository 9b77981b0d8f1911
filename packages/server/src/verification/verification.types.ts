/**
 * The shapes of verification sessions, shared by the REST API, `/authorize` and its
 * hosted pages, and the token endpoint. A verification session and an authorization
 * transaction are the same thing (SPEC 2, 4).
 */
import type { TxState, TxStatusCode } from '@idgate/errors';
import type { Environment } from '../config/config.js';
import type { FlowType } from '../providers/descriptors.js';

export type { FlowType } from '../providers/descriptors.js';

/** A postal address (OpenID Connect Core §5.1.1), normalized. */
export interface NormalizedAddress {
  readonly formatted?: string;
  readonly street_address?: string;
  readonly locality?: string;
  readonly postal_code?: string;
  /** ISO 3166-1 alpha-2 (upper case) when the provider sent a two-letter code; else as sent. */
  readonly country?: string;
}

/** OpenID standard claims, normalized across providers (SPEC 4). */
export interface NormalizedClaims {
  readonly given_name?: string;
  readonly family_name?: string;
  /** `YYYY-MM-DD`. */
  readonly birthdate?: string;
  /** ISO 3166-1 alpha-2, upper case. */
  readonly nationality?: string;
  /** Domain lower-cased. */
  readonly email?: string;
  readonly email_verified?: boolean;
  /** E.164: `+` and digits. */
  readonly phone_number?: string;
  readonly phone_number_verified?: boolean;
  readonly address?: NormalizedAddress;
  /** Whether the person is 18 or older (wallet credentials: `age_equal_or_over.18`, `age_over_18`). */
  readonly age_over_18?: boolean;
}

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

/** The verified identity of a completed session, as one app may see it. */
export interface VerifiedIdentity {
  /** Pairwise per app: stable for the same person, provider and app; different for another app. */
  readonly sub: string;
  readonly claims: NormalizedClaims;
  /** Requested claims the provider did not give. */
  readonly missingClaims: readonly string[];
  readonly loa: number;
  readonly verifiedAt: Date;
  readonly providerId: string;
  readonly provenance: {
    readonly providerId: string;
    /** The issuing authority. */
    readonly issuer: string;
    /** The claims exactly as the provider sent them. */
    readonly rawClaims: Readonly<Record<string, unknown>>;
  };
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

/** `POST /v1/verifications` (after schema validation). */
export interface CreateVerificationBody {
  readonly providerId: string;
  readonly redirectUri?: string;
  readonly userData?: Readonly<Record<string, unknown>>;
  /** 1–5. */
  readonly requestedLoa?: number;
  readonly requestedClaims?: readonly string[];
  readonly flowType?: FlowType;
}

/** What `startProvider` takes besides the provider id. */
export interface StartProviderInput {
  readonly loginHint?: string;
  readonly userData?: Readonly<Record<string, unknown>>;
  readonly flowType?: FlowType;
}
