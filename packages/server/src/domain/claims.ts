/**
 * The claims idgate hands to apps (SPEC 4): the OpenID standard claims it normalizes
 * across providers, and their normalized shape. Shared by every layer.
 */

/** The claims idgate normalizes across providers (SPEC 4), in documentation order. */
export const STANDARD_CLAIMS = [
  'given_name',
  'family_name',
  'birthdate',
  'nationality',
  'email',
  'phone_number',
  'address',
  'age_over_18',
] as const;

/** A claim idgate normalizes. */
export type StandardClaim = (typeof STANDARD_CLAIMS)[number];

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
