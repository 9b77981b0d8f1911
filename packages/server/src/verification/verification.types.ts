/**
 * What the verification service takes and gives beyond the session records of
 * `domain/verification.ts`: the verified identity of a completed session, and the inputs
 * of starting one (REST and the hosted pages).
 */
import type { NormalizedClaims } from '../domain/claims.js';
import type { FlowType } from '../domain/verification.js';

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
