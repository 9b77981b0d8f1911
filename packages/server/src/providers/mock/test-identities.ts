/**
 * The sandbox test identities (SPEC 5): the same names on every mock provider. Each one
 * makes a verification end in one documented way, so an integrator can trigger every
 * outcome and every `PROVIDER_*` error on purpose — and, with the `idgate-*` identities,
 * the two failures of idgate itself an app must handle (a masked 500 and a 503 with
 * `Retry-After`). `docs/sandbox.md` lists them; a test keeps the two identical.
 */
import type { ErrorCode, TxStatusCode } from '@idgate/errors';
import type { TestIdentity } from '../adapter.js';
import {
  FULL_PERSON,
  INVALID_PERSON,
  LOW_LOA_PERSON,
  type MockPerson,
  NAME_ONLY_PERSON,
  NAMELESS_PERSON,
  NO_CONSENT_PERSON,
} from './mock-people.js';

/** How a mock provider behaves for an identity. */
export type MockBehaviour =
  /** Authentication succeeds with this person (at `loa`, default the provider's highest). */
  | { readonly kind: 'complete'; readonly person: MockPerson; readonly loa?: number }
  /** The user does not complete authentication. */
  | { readonly kind: 'fail'; readonly statusCode: TxStatusCode }
  /** The user cancels at the provider. */
  | { readonly kind: 'cancel' }
  /** The user never answers. */
  | { readonly kind: 'never' }
  /** The provider fails with this error as soon as it is contacted. */
  | { readonly kind: 'throw'; readonly code: ErrorCode; readonly detail: string }
  /**
   * The adapter fails with an unexpected exception (not an `IdgateError`) as soon as the
   * provider is contacted: idgate's own handling of a bug, masked as `SYSTEM_INTERNAL_ERROR`.
   */
  | { readonly kind: 'crash'; readonly message: string };

/** A test identity and its behaviour. */
export interface MockIdentity extends TestIdentity {
  readonly behaviour: MockBehaviour;
}

/** The low level of assurance of the `low-loa` identity. */
export const LOW_LOA = 2;

/** Every test identity, in documentation order. */
export const MOCK_IDENTITIES: readonly MockIdentity[] = Object.freeze([
  {
    identity: 'success',
    outcome: 'completed',
    description: "Authentication succeeds with every claim, at the provider's highest level of assurance.",
    behaviour: { kind: 'complete', person: FULL_PERSON },
  },
  {
    identity: 'deny',
    outcome: 'failed: err_not_authenticated',
    description: 'The user does not complete authentication at the provider.',
    behaviour: { kind: 'fail', statusCode: 'err_not_authenticated' },
  },
  {
    identity: 'cancel',
    outcome: 'cancelled: err_user_cancelled',
    description: 'The user cancels at the provider.',
    behaviour: { kind: 'cancel' },
  },
  {
    identity: 'timeout',
    outcome: 'expired: err_session_expired',
    description: 'The user never answers; the session expires.',
    behaviour: { kind: 'never' },
  },
  {
    identity: 'partial',
    outcome: 'completed, with missingClaims',
    description:
      'Authentication succeeds but the provider gives only given_name and family_name; every other requested claim is listed in missingClaims.',
    behaviour: { kind: 'complete', person: NAME_ONLY_PERSON },
  },
  {
    identity: 'low-loa',
    outcome: `completed at LoA ${LOW_LOA}, or failed: err_loa_not_met`,
    description: `Authentication succeeds at level of assurance ${LOW_LOA} only: the session completes when at most ${LOW_LOA} was requested and fails with err_loa_not_met otherwise.`,
    behaviour: { kind: 'complete', person: LOW_LOA_PERSON, loa: LOW_LOA },
  },
  {
    identity: 'missing-claims',
    outcome: 'failed: err_missing_user_data',
    description:
      'The provider returns no name (given_name, family_name), which every verified identity needs: VALIDATION_MISSING_USER_DATA.',
    behaviour: { kind: 'complete', person: NAMELESS_PERSON },
  },
  {
    identity: 'no-consent',
    outcome: 'failed: err_missing_user_data',
    description:
      'The user does not consent to share a claim every verified identity needs (the family name) at the provider: VALIDATION_MISSING_USER_DATA.',
    behaviour: { kind: 'complete', person: NO_CONSENT_PERSON },
  },
  {
    identity: 'invalid-data',
    outcome: 'failed: err_provider_error',
    description:
      'The provider returns data that fails validation (an impossible birthdate, a nationality that is no ISO 3166-1 code, a phone number that is no E.164 number): VALIDATION_INVALID_USER_DATA.',
    behaviour: { kind: 'complete', person: INVALID_PERSON },
  },
  {
    identity: 'provider-error',
    outcome: 'PROVIDER_ERROR; failed: err_provider_error',
    description: 'The provider answers with an error.',
    behaviour: {
      kind: 'throw',
      code: 'PROVIDER_ERROR',
      detail: 'The mock provider answered with an error (test identity provider-error).',
    },
  },
  {
    identity: 'provider-unavailable',
    outcome: 'PROVIDER_UNAVAILABLE; failed: err_provider_unavailable',
    description: 'The provider is down.',
    behaviour: {
      kind: 'throw',
      code: 'PROVIDER_UNAVAILABLE',
      detail: 'The mock provider is unavailable (test identity provider-unavailable).',
    },
  },
  {
    identity: 'provider-init-failed',
    outcome: 'PROVIDER_INITIALIZATION_FAILED; failed: err_provider_error',
    description: 'The provider refuses to start the transaction.',
    behaviour: {
      kind: 'throw',
      code: 'PROVIDER_INITIALIZATION_FAILED',
      detail: 'The mock provider refused to start the transaction (test identity provider-init-failed).',
    },
  },
  {
    identity: 'provider-auth-failed',
    outcome: 'PROVIDER_AUTHENTICATION_FAILED; failed: err_provider_error',
    description: "The provider rejects idgate's own credentials.",
    behaviour: {
      kind: 'throw',
      code: 'PROVIDER_AUTHENTICATION_FAILED',
      detail: "The mock provider rejected idgate's credentials (test identity provider-auth-failed).",
    },
  },
  {
    identity: 'provider-bad-response',
    outcome: 'PROVIDER_UNEXPECTED_RESPONSE; failed: err_provider_error',
    description: 'The provider answers something idgate cannot use.',
    behaviour: {
      kind: 'throw',
      code: 'PROVIDER_UNEXPECTED_RESPONSE',
      detail: 'The mock provider answered something idgate cannot use (test identity provider-bad-response).',
    },
  },
  {
    identity: 'provider-misconfigured',
    outcome: 'PROVIDER_CONFIGURATION_ERROR; failed: err_provider_error',
    description: "The provider's settings for the app are invalid.",
    behaviour: {
      kind: 'throw',
      code: 'PROVIDER_CONFIGURATION_ERROR',
      detail:
        "The mock provider's settings for this app are invalid (test identity provider-misconfigured): this is what a missing or wrong client id at a real provider looks like.",
    },
  },
  {
    identity: 'idgate-internal-error',
    outcome: 'SYSTEM_INTERNAL_ERROR; failed: err_internal',
    description:
      'idgate itself fails unexpectedly while starting the session: a masked 500 in REST (the session failed, its id in context.verificationId), server_error with err_internal in /authorize.',
    behaviour: {
      kind: 'crash',
      message: 'sandbox test identity idgate-internal-error: an unexpected exception inside idgate',
    },
  },
  {
    identity: 'idgate-unavailable',
    outcome: 'SYSTEM_UNAVAILABLE; nothing stored, or failed: err_temporarily_unavailable',
    description:
      'idgate cannot store the session, as when its database is down or it is shutting down: 503 with Retry-After in REST (nothing is created), temporarily_unavailable with err_temporarily_unavailable in /authorize.',
    behaviour: {
      kind: 'throw',
      code: 'SYSTEM_UNAVAILABLE',
      detail: 'idgate is unavailable (sandbox test identity idgate-unavailable).',
    },
  },
] satisfies readonly MockIdentity[]);

/** The identity with this name, if any. */
export function findMockIdentity(name: string): MockIdentity | undefined {
  return MOCK_IDENTITIES.find((candidate) => candidate.identity === name);
}

/** The identities as `GET /v1/providers/{id}` lists them. */
export const TEST_IDENTITIES: readonly TestIdentity[] = Object.freeze(
  MOCK_IDENTITIES.map(({ identity, outcome, description }) => Object.freeze({ identity, outcome, description })),
);
