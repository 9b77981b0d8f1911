/**
 * What idgate knows about each identity provider it can offer: id, flow types, the
 * levels of assurance it can reach, the user data it needs, and the settings an app
 * may give it. Adapters (which talk to the providers) build on these descriptors.
 */
import type { FieldProblem } from '@idgate/errors';
import type { Environment } from '../config/config.js';
import {
  OIDC_APP_SETTING_NAMES,
  OIDC_SECRET_SETTING_NAMES,
  type OidcProviderConfig,
  oidcSettingsProblems,
} from './oidc/oidc-config.js';
import type { WalletProviderConfig } from './wallet/wallet-config.js';
import { walletDescriptorOf } from './wallet/wallet-descriptor.js';

/** How the user meets the provider (SPEC 4; `dc_api`: the W3C Digital Credentials API, SPEC 10). */
export type FlowType = 'redirect' | 'qr' | 'push' | 'dc_api';

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

/** The claims idgate normalizes across providers (SPEC 4), in documentation order. */
export const STANDARD_CLAIMS = [
  'given_name',
  'family_name',
  'birthdate',
  'nationality',
  'email',
  'phone_number',
  'address',
  'age_over_18',
] as const;

/** A claim idgate normalizes. */
export type StandardClaim = (typeof STANDARD_CLAIMS)[number];

/** The claims an upstream login (mock or OpenID Connect) can give: the standard claims but `age_over_18`. */
const PERSON_CLAIMS: readonly StandardClaim[] = STANDARD_CLAIMS.filter((claim) => claim !== 'age_over_18');

/** Every flow type, in documentation order. */
export const FLOW_TYPES: readonly FlowType[] = ['redirect', 'qr', 'push', 'dc_api'];

/** The sandbox mock providers, one per flow type. */
export const MOCK_PROVIDERS: readonly ProviderDescriptor[] = [
  {
    id: 'mock-redirect',
    name: 'Mock redirect provider',
    flowTypes: ['redirect'],
    maxLoa: 4,
    requiredUserData: [],
    claims: PERSON_CLAIMS,
    countries: [],
    sandboxOnly: true,
    settings: [],
  },
  {
    id: 'mock-qr',
    name: 'Mock QR provider',
    flowTypes: ['qr'],
    maxLoa: 3,
    requiredUserData: [],
    claims: PERSON_CLAIMS,
    countries: [],
    sandboxOnly: true,
    settings: [],
  },
  {
    id: 'mock-push',
    name: 'Mock push provider',
    flowTypes: ['push'],
    maxLoa: 3,
    requiredUserData: ['personalNumber'],
    claims: PERSON_CLAIMS,
    countries: [],
    sandboxOnly: true,
    settings: [],
    loginHintField: 'personalNumber',
  },
];

/**
 * The sandbox wallet provider (SPEC 10). Offered in sandbox, but not yet enabled for new
 * apps: it joins {@link defaultProviderIds} once the wallet transport (request_uri, the
 * response endpoint, the hosted wallet page) is mounted, since until then a real wallet
 * could not reach a session started on it.
 */
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

/** The claims each scope can bring from an upstream OpenID Provider. */
const UPSTREAM_SCOPE_CLAIMS: Readonly<Record<string, readonly StandardClaim[]>> = {
  profile: ['given_name', 'family_name', 'birthdate', 'nationality'],
  email: ['email'],
  phone: ['phone_number'],
  address: ['address'],
};

/** The descriptor of a configured upstream OpenID Connect provider (offered in both environments). */
export function oidcDescriptor(provider: OidcProviderConfig): ProviderDescriptor {
  const scopes = new Set(provider.scopes ?? ['openid', 'profile', 'email']);
  const mapped = new Set(Object.values(provider.claimMapping ?? {}));
  const claims = PERSON_CLAIMS.filter(
    (claim) => mapped.has(claim) || [...scopes].some((scope) => UPSTREAM_SCOPE_CLAIMS[scope]?.includes(claim)),
  );
  return {
    id: provider.id,
    name: provider.displayName,
    flowTypes: ['redirect'],
    maxLoa: provider.maxLoa,
    requiredUserData: [],
    claims,
    countries: provider.countries ?? [],
    sandboxOnly: false,
    settings: OIDC_APP_SETTING_NAMES,
    secretSettings: OIDC_SECRET_SETTING_NAMES,
    settingsProblems: (settings) => oidcSettingsProblems(settings, provider),
  };
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

/** Providers every new app gets enabled (SPEC 5: the three mocks in sandbox; see {@link MOCK_WALLET}). */
export function defaultProviderIds(environment: Environment): readonly string[] {
  return environment === 'sandbox' ? MOCK_PROVIDERS.map((provider) => provider.id) : [];
}
