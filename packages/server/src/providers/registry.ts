/**
 * The provider adapters an instance offers, by provider id: the mock providers in
 * sandbox only (SPEC 1, 5). Upstream OpenID Connect adapters join here later.
 */
import type { Environment } from '../config/config.js';
import type { ProviderAdapter } from './adapter.js';
import { createMockProviders } from './mock/mock-providers.js';

/** Adapters by provider id, for one environment. */
export class ProviderRegistry {
  readonly #adapters: ReadonlyMap<string, ProviderAdapter>;

  constructor(adapters: readonly ProviderAdapter[]) {
    this.#adapters = new Map(adapters.map((adapter) => [adapter.descriptor.id, adapter]));
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

/** The registry of an environment: the mocks in sandbox, nothing else yet. */
export function createProviderRegistry(environment: Environment): ProviderRegistry {
  const adapters = createMockProviders().filter(
    (adapter) => !adapter.descriptor.sandboxOnly || environment === 'sandbox',
  );
  return new ProviderRegistry(adapters);
}
