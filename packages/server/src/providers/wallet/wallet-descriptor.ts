/**
 * What `GET /v1/providers` says about a configured wallet provider (SPEC 10): its flows
 * (`qr`, `redirect`, `dc_api` by default), its level of assurance (4 for a PID unless
 * configured), the claims its accepted credentials can give, and its countries.
 */

import {
  type EffectiveWalletConfig,
  effectiveWalletConfig,
  type WalletProviderConfig,
} from '../../config/wallet-providers.js';
import { STANDARD_CLAIMS } from '../../domain/claims.js';
import type { ProviderDescriptor } from '../descriptors.js';
import { claimsOf } from './claim-map.js';

/** The descriptor of a configured wallet provider (offered in both environments). */
export function walletDescriptor(config: EffectiveWalletConfig): ProviderDescriptor {
  return {
    id: config.id,
    name: config.displayName,
    flowTypes: config.flowTypes,
    maxLoa: config.maxLoa,
    requiredUserData: [],
    claims: claimsOf(config.credentials),
    countries: config.countries,
    sandboxOnly: false,
    settings: [],
  };
}

/** The descriptor of an `IDGATE_WALLETS` entry. */
export function walletDescriptorOf(entry: WalletProviderConfig): ProviderDescriptor {
  return walletDescriptor(effectiveWalletConfig(entry));
}

/** The sandbox wallet provider (SPEC 10): offered in sandbox, enabled for every new sandbox app. */
export const MOCK_WALLET: ProviderDescriptor = {
  id: 'mock-wallet',
  name: 'Mock wallet (EU PID)',
  flowTypes: ['qr', 'redirect', 'dc_api'],
  maxLoa: 4,
  requiredUserData: [],
  claims: STANDARD_CLAIMS,
  countries: [],
  sandboxOnly: true,
  settings: [],
};
