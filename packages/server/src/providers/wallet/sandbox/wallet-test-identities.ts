/**
 * The test identities of the sandbox `mock-wallet` (SPEC 10, Sandbox): each one makes the
 * built-in test wallet answer a request in one documented way, through the same verifier a
 * real wallet's answer goes through. `docs/sandbox.md` and `docs/wallets.md` list them; a
 * test keeps them identical.
 */
import type { TestIdentity } from '../../adapter.js';
import type { SandboxPid } from './sandbox-issuer.js';

/** How the test wallet answers for an identity. */
export type WalletBehaviour =
  | 'success'
  | 'no-address'
  | 'expired'
  | 'revoked'
  | 'untrusted'
  | 'tampered'
  | 'wrong-nonce'
  | 'declined'
  | 'no-answer';

/** A test identity of `mock-wallet`. */
export interface WalletTestIdentity extends TestIdentity {
  readonly identity: WalletBehaviour;
}

/** Every `mock-wallet` test identity, in documentation order. */
export const WALLET_TEST_IDENTITIES: readonly WalletTestIdentity[] = Object.freeze([
  {
    identity: 'success',
    outcome: 'completed',
    description: 'The wallet presents a full EU PID (SD-JWT VC) with every requested claim.',
  },
  {
    identity: 'no-address',
    outcome: 'completed, with missingClaims',
    description: 'The wallet presents a PID without an address: a requested address is listed in missingClaims.',
  },
  {
    identity: 'expired',
    outcome: 'failed: err_credential_expired',
    description: 'The PID is expired (PROVIDER_CREDENTIAL_EXPIRED).',
  },
  {
    identity: 'revoked',
    outcome: 'failed: err_credential_revoked',
    description: "The issuer's status list marks the PID revoked (PROVIDER_CREDENTIAL_REVOKED).",
  },
  {
    identity: 'untrusted',
    outcome: 'failed: err_credential_untrusted',
    description: 'The PID is issued under a CA the provider does not trust (PROVIDER_CREDENTIAL_UNTRUSTED).',
  },
  {
    identity: 'tampered',
    outcome: 'failed: err_presentation_invalid',
    description: "The PID's issuer signature is broken (PROVIDER_PRESENTATION_INVALID).",
  },
  {
    identity: 'wrong-nonce',
    outcome: 'failed: err_presentation_invalid',
    description: 'The key binding answers another request: its nonce is wrong (PROVIDER_PRESENTATION_INVALID).',
  },
  {
    identity: 'declined',
    outcome: 'cancelled: err_user_cancelled',
    description: 'The user declines to share: the wallet answers error=access_denied.',
  },
  {
    identity: 'no-answer',
    outcome: 'expired: err_session_expired',
    description: 'The wallet never answers; the session expires.',
  },
]);

/** The test identity named `identity`, if any. */
export function findWalletIdentity(identity: string): WalletTestIdentity | undefined {
  return WALLET_TEST_IDENTITIES.find((entry) => entry.identity === identity);
}

/** The sandbox person's PID (ARF PID Rulebook §4 claim names). */
export const SANDBOX_PID: SandboxPid = Object.freeze({
  given_name: 'Erika',
  family_name: 'Mustermann',
  birthdate: '1964-08-12',
  nationalities: ['DE'],
  address: {
    street_address: 'Heidestraße',
    house_number: '17',
    postal_code: '51147',
    locality: 'Köln',
    country: 'DE',
  },
  age_equal_or_over: { '18': true },
  email: 'erika.mustermann@example.com',
  phone_number: '+49 170 1234567',
  issuing_authority: 'DE',
  issuing_country: 'DE',
});

/** The `no-address` identity's PID. */
export const SANDBOX_PID_WITHOUT_ADDRESS: SandboxPid = Object.freeze(
  Object.fromEntries(Object.entries(SANDBOX_PID).filter(([name]) => name !== 'address')),
);
