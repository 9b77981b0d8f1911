/**
 * The provider adapters an instance offers, by provider id: the mock providers (and
 * `mock-wallet`) in sandbox only (SPEC 1, 5, 10), then the upstream OpenID Connect
 * providers (`IDGATE_OIDC_PROVIDERS`) and the wallet providers (`IDGATE_WALLETS`) of the
 * configuration in both environments.
 */
import type { Environment } from '../config/config.js';
import type { OidcProviderConfig } from '../config/oidc-providers.js';
import type { WalletProviderConfig } from '../config/wallet-providers.js';
import type { UpstreamCallObserver } from '../domain/observers.js';
import type { ProviderAdapter } from './adapter.js';
import type { ProviderDescriptor, ProviderScope } from './descriptors.js';
import { MOCK_PROVIDERS } from './mock/mock-descriptors.js';
import { createMockProviders } from './mock/mock-providers.js';
import { oidcDescriptor } from './oidc/oidc-descriptor.js';
import { OidcUpstreamProvider } from './oidc/oidc-upstream.provider.js';
import type { RelyingPartyKeySource } from './oidc/relying-party-key-source.js';
import type { MdocVerifier } from './wallet/presentation.js';
import { type MockWalletOptions, MockWalletProvider } from './wallet/sandbox/mock-wallet.provider.js';
import type { StatusListFetcher } from './wallet/status-list.js';
import type { VerifierIdentity } from './wallet/verifier-identity.js';
import { WalletProvider } from './wallet/wallet.provider.js';
import { MOCK_WALLET, walletDescriptorOf } from './wallet/wallet-descriptor.js';

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
  /** idgate's relying-party keys, for upstream providers whose profile signs or decrypts. */
  readonly relyingPartyKeys?: RelyingPartyKeySource;
  /** Told about every call to an upstream provider (metrics); default: nobody. */
  readonly upstreamCalls?: UpstreamCallObserver;
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
      : (scope.oidcProviders ?? []).map(
          (provider) =>
            new OidcUpstreamProvider(provider, {
              clock,
              relyingPartyKeys: options.relyingPartyKeys,
              upstreamCalls: options.upstreamCalls,
            }),
        );
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

/** Per configuration list, its descriptors (built once). */
const upstreamDescriptors = new WeakMap<readonly OidcProviderConfig[], readonly ProviderDescriptor[]>();

function upstreamDescriptorsOf(providers: readonly OidcProviderConfig[] | undefined): readonly ProviderDescriptor[] {
  if (providers === undefined || providers.length === 0) return [];
  let descriptors = upstreamDescriptors.get(providers);
  if (descriptors === undefined) {
    descriptors = providers.map(oidcDescriptor);
    upstreamDescriptors.set(providers, descriptors);
  }
  return descriptors;
}

/** Per wallet configuration list, its descriptors (built once). */
const walletDescriptors = new WeakMap<readonly WalletProviderConfig[], readonly ProviderDescriptor[]>();

function walletDescriptorsOf(wallets: readonly WalletProviderConfig[] | undefined): readonly ProviderDescriptor[] {
  if (wallets === undefined || wallets.length === 0) return [];
  let descriptors = walletDescriptors.get(wallets);
  if (descriptors === undefined) {
    descriptors = wallets.map(walletDescriptorOf);
    walletDescriptors.set(wallets, descriptors);
  }
  return descriptors;
}

/** Providers offered in an environment: the mocks in sandbox, then the configured upstream and wallet providers. */
export function providersFor(scope: ProviderScope): readonly ProviderDescriptor[] {
  const environment = typeof scope === 'string' ? scope : scope.environment;
  const mocks = [...MOCK_PROVIDERS, MOCK_WALLET].filter(
    (provider) => !provider.sandboxOnly || environment === 'sandbox',
  );
  const upstream = typeof scope === 'string' ? [] : upstreamDescriptorsOf(scope.oidcProviders);
  const wallets = typeof scope === 'string' ? [] : walletDescriptorsOf(scope.wallets);
  return upstream.length === 0 && wallets.length === 0 ? mocks : [...mocks, ...upstream, ...wallets];
}

/** A provider offered in an environment, by id. */
export function findProvider(scope: ProviderScope, id: string): ProviderDescriptor | undefined {
  return providersFor(scope).find((provider) => provider.id === id);
}

/** Providers every new app gets enabled (SPEC 5, 10: the mocks and `mock-wallet` in sandbox). */
export function defaultProviderIds(environment: Environment): readonly string[] {
  return environment === 'sandbox' ? [...MOCK_PROVIDERS, MOCK_WALLET].map((provider) => provider.id) : [];
}
