/**
 * The provider adapters an instance offers, by provider id: the mock providers in
 * sandbox only (SPEC 1, 5), then the upstream OpenID Connect providers of the
 * configuration (`IDGATE_OIDC_PROVIDERS`) in both environments.
 */
import type { Environment } from '../config/config.js';
import type { UpstreamCallObserver } from '../domain/observers.js';
import type { ProviderAdapter } from './adapter.js';
import type { ProviderScope } from './descriptors.js';
import { createMockProviders } from './mock/mock-providers.js';
import { OidcUpstreamProvider } from './oidc/oidc-upstream.provider.js';
import type { RelyingPartyKeySource } from './oidc/relying-party-key-source.js';

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
}

/**
 * The registry of an instance: the mocks in sandbox, then the configured upstream
 * providers (an environment alone: the mocks only).
 */
export function createProviderRegistry(scope: ProviderScope, options: ProviderRegistryOptions = {}): ProviderRegistry {
  const environment: Environment = typeof scope === 'string' ? scope : scope.environment;
  const clock = options.clock ?? (() => new Date());
  const mocks = createMockProviders().filter((adapter) => !adapter.descriptor.sandboxOnly || environment === 'sandbox');
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
  return new ProviderRegistry([...mocks, ...upstream]);
}
