/**
 * The providers an `/authorize` transaction can use: the app's enabled providers offered
 * here (the sandbox mocks, the configured upstream providers) that reach the requested level of assurance (SPEC 4, 5).
 */
import { IdgateError } from '@idgate/errors';
import type { AppsService } from '../apps/apps.service.js';
import type { Config } from '../config/config.js';
import type { ProviderDescriptor } from '../providers/descriptors.js';
import { providersFor } from '../providers/registry.js';

/** The app's providers for one request. */
export interface OfferedProviders {
  /** Enabled for the app and offered here. */
  readonly enabled: readonly ProviderDescriptor[];
  /** Those of them that reach the requested level of assurance. */
  readonly reachable: readonly ProviderDescriptor[];
}

/** The app's providers, and those that reach `requestedLoa`. */
export async function offeredProviders(
  apps: AppsService,
  config: Config,
  clientId: string,
  requestedLoa: number | null,
): Promise<OfferedProviders> {
  const records = await apps.listProviders(clientId);
  const enabledIds = new Set(records.filter((record) => record.enabled).map((record) => record.providerId));
  // In idgate's documented order (the descriptors'), not the storage's.
  const enabled = providersFor(config).filter((descriptor) => enabledIds.has(descriptor.id));
  const reachable = enabled.filter((descriptor) => descriptor.maxLoa >= (requestedLoa ?? 0));
  return { enabled, reachable };
}

/**
 * Refuses a request no provider of the app can serve.
 * @throws IdgateError `PROVIDER_NOT_ENABLED` (no provider at all), `VALIDATION_UNPROCESSABLE`
 *   (none reaches the requested level: `err_loa_not_met`)
 */
export function checkProvidersCanServe(offered: OfferedProviders, requestedLoa: number | null): void {
  // SPEC 2.1 / 4.2: the app may not use any provider → err_unauthorized_client.
  if (offered.enabled.length === 0) {
    throw new IdgateError('PROVIDER_NOT_ENABLED', {
      detail:
        'No identity provider is enabled for this app; enable one with PUT /admin/v1/apps/{clientId}/providers/{providerId}.',
    });
  }
  // SPEC 4: a request above every provider's levels is err_loa_not_met.
  if (offered.reachable.length === 0) {
    const highest = Math.max(...offered.enabled.map((descriptor) => descriptor.maxLoa));
    throw new IdgateError('VALIDATION_UNPROCESSABLE', {
      detail: `No identity provider of this app reaches level of assurance ${requestedLoa}; the highest is ${highest}.`,
      context: { requestedLoa, maxLoa: highest },
      txStatus: 'err_loa_not_met',
    });
  }
}
