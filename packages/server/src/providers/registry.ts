/**
 * The provider adapters an instance offers, by provider id: the mock providers (and
 * `mock-wallet`) in sandbox only (SPEC 1, 5, 10), then the upstream OpenID Connect
 * providers (`IDGATE_OIDC_PROVIDERS`) and the wallet providers (`IDGATE_WALLETS`) of the
 * configuration in both environments.
 */
import type { Environment } from '../config/config.js';
import type { ProviderAdapter } from './adapter.js';
import type { ProviderScope } from './descriptors.js';
import { createMockProviders } from './mock/mock-providers.js';
import { OidcUpstreamProvider } from './oidc/oidc-upstream.provider.js';
import type { MdocVerifier } from './wallet/presentation.js';
import { type MockWalletOptions, MockWalletProvider } from './wallet/sandbox/mock-wallet.provider.js';
import type { StatusListFetcher } from './wallet/status-list.js';
import type { VerifierIdentity } from './wallet/verifier-identity.js';
import { WalletProvider } from './wallet/wallet.provider.js';

/** Adapters by provider id, for one environment. */
export class ProviderRegistry {
  readonly #adapters: ReadonlyMap<string, ProviderAdapter>;

  constructor(adapters: readonly ProviderAdapter[]) {
    const byId = new Map<string, ProviderAdapter>();
    for (const adapter of adapters) {
      if (byId.has(adapter.descriptor.id)) throw new RangeError(`provider id ${adapter.descriptor.id} is used twice`);
      byId.set(adapter.descriptor.id, adapter);
    }
    this.#adapters = byId;
  }

  /** The adapter of a provider offered here, if any. */
  get(providerId: string): ProviderAdapter | undefined {
    return this.#adapters.get(providerId);
  }

  /** Every adapter offered here, in registration order. */
  all(): readonly ProviderAdapter[] {
    return [...this.#adapters.values()];
  }
}

/** What building the registry needs besides the scope. */
export interface ProviderRegistryOptions {
  /** The current time (circuit breakers, caches); default the system clock. */
  readonly clock?: () => Date;
  /** What the configured wallet providers use (required when `IDGATE_WALLETS` lists any). */
  readonly wallets?: {
    readonly identity: () => Promise<VerifierIdentity>;
    readonly statusListFetcher: StatusListFetcher;
    readonly mdocVerifier?: MdocVerifier;
  };
  /** What the sandbox `mock-wallet` uses (default: in-memory issuer and verifier identity). */
  readonly mockWallet?: MockWalletOptions;
}

/**
 * The registry of an instance: the mocks in sandbox, then the configured upstream
 * providers (an environment alone: the mocks only).
 */
export function createProviderRegistry(scope: ProviderScope, options: ProviderRegistryOptions = {}): ProviderRegistry {
  const environment: Environment = typeof scope === 'string' ? scope : scope.environment;
  const clock = options.clock ?? (() => new Date());
  const mocks = [...createMockProviders(), new MockWalletProvider({ clock, ...options.mockWallet })].filter(
    (adapter) => !adapter.descriptor.sandboxOnly || environment === 'sandbox',
  );
  const upstream =
    typeof scope === 'string'
      ? []
      : (scope.oidcProviders ?? []).map((provider) => new OidcUpstreamProvider(provider, { clock }));
  const configuredWallets = typeof scope === 'string' ? [] : (scope.wallets ?? []);
  const walletDeps = options.wallets;
  if (configuredWallets.length > 0 && walletDeps === undefined) {
    throw new TypeError('IDGATE_WALLETS lists wallet providers: the registry needs their verifier identity');
  }
  const wallets = configuredWallets.map(
    (wallet) => new WalletProvider(wallet, walletDeps as NonNullable<typeof walletDeps>),
  );
  return new ProviderRegistry([...mocks, ...upstream, ...wallets]);
}
