/**
 * What the verification service is built from: the few collaborators its parts use,
 * declared here so that the composition root passes exactly these and nothing else.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { AppsService } from '../apps/apps.service.js';
import type { Config } from '../config/config.js';
import type { VerificationOutcomeObserver } from '../domain/observers.js';
import type { ProviderAdapter } from '../providers/adapter.js';
import type { SecretBox } from '../security/secrets.js';
import type { Database } from '../store/database.js';

/** The provider adapters an instance offers, by id (`providers/registry.ts` builds them). */
export interface ProviderDirectory {
  /** The adapter of a provider offered here, if any. */
  get(providerId: string): ProviderAdapter | undefined;
  /** Every adapter offered here, in registration order. */
  all(): readonly ProviderAdapter[];
}

/** What the service reads of the apps: the app itself, its hook secret and its provider settings. */
export type VerificationApps = Pick<
  AppsService,
  'get' | 'getCached' | 'hookSecretOf' | 'providerRecordOf' | 'providerRecordsOf' | 'getProvider'
>;

/** The collaborators of the verification service. */
export interface VerificationContext {
  readonly config: Pick<Config, 'environment' | 'issuer' | 'signInHookTimeoutMs' | 'outboundPrivateNetworks'>;
  readonly database: Database;
  /** Seals `userData`, the provider's state and the result; hashes pairwise subjects. */
  readonly secrets: SecretBox;
  readonly clock: () => Date;
  readonly apps: VerificationApps;
  readonly providers: ProviderDirectory;
  /** Where sign-in hook outcomes and refused provider data are logged (default: nowhere). */
  readonly log?: FastifyBaseLogger;
  /** Told of every session that ends (the metrics; default: nobody). */
  readonly outcomes?: VerificationOutcomeObserver;
}
