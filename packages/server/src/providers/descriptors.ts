/**
 * What idgate knows about each identity provider it can offer: id, flow types, the
 * levels of assurance it can reach, the user data it needs, and the settings an app
 * may give it: the port every provider kind fills in (`mock/`, `oidc/`, `wallet/` each
 * build their own; `registry.ts` lists which an instance offers).
 */
import type { FieldProblem } from '@idgate/errors';
import type { Environment } from '../config/config.js';
import type { OidcProviderConfig } from '../config/oidc-providers.js';
import type { WalletProviderConfig } from '../config/wallet-providers.js';
import { STANDARD_CLAIMS, type StandardClaim } from '../domain/claims.js';
import type { FlowType } from '../domain/verification.js';

/** Static facts about one provider. */
export interface ProviderDescriptor {
  readonly id: string;
  readonly name: string;
  readonly flowTypes: readonly FlowType[];
  /** Highest level of assurance (1–5) the provider can give. */
  readonly maxLoa: number;
  /** `userData` fields the provider needs to start. */
  readonly requiredUserData: readonly string[];
  /** Claims it can return. */
  readonly claims: readonly string[];
  /** ISO 3166-1 alpha-2 countries it serves (empty = any). */
  readonly countries: readonly string[];
  /** Only offered in sandbox (SPEC 5: mock providers). */
  readonly sandboxOnly: boolean;
  /** Names of the settings an app may give it (`PUT /admin/v1/apps/{id}/providers/{providerId}`). */
  readonly settings: readonly string[];
  /**
   * The `userData` field an `/authorize` `login_hint` fills when the app sent none (a push
   * provider's personal number), if any.
   */
  readonly loginHintField?: string;
  /** Settings that are secrets: the admin API never shows their values. */
  readonly secretSettings?: readonly string[];
  /** Problems with an app's settings beyond unknown names (each becomes a field of `PROVIDER_CONFIGURATION_ERROR`). */
  readonly settingsProblems?: (settings: Readonly<Record<string, unknown>>) => FieldProblem[];
}

/**
 * What decides the providers an instance offers: its environment, and the upstream
 * OpenID Connect providers of its configuration (the `Config` itself fits). An
 * environment alone means the mock providers only.
 */
export type ProviderScope =
  | Environment
  | {
      readonly environment: Environment;
      readonly oidcProviders?: readonly OidcProviderConfig[];
      /** Wallet providers (`IDGATE_WALLETS`, SPEC 10). */
      readonly wallets?: readonly WalletProviderConfig[];
    };

/** The claims an upstream login (mock or OpenID Connect) can give: the standard claims but `age_over_18`. */
export const PERSON_CLAIMS: readonly StandardClaim[] = STANDARD_CLAIMS.filter((claim) => claim !== 'age_over_18');
