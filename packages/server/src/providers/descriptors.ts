/**
 * What idgate knows about each identity provider it can offer: id, flow types, the
 * levels of assurance it can reach, the user data it needs, and the settings an app
 * may give it. Adapters (which talk to the providers) build on these descriptors.
 */
import type { Environment } from '../config/config.js';

/** How the user meets the provider (SPEC 4). */
export type FlowType = 'redirect' | 'qr' | 'push';

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
}

/** The claims idgate normalizes across providers (SPEC 4), in documentation order. */
export const STANDARD_CLAIMS = [
  'given_name',
  'family_name',
  'birthdate',
  'nationality',
  'email',
  'phone_number',
  'address',
] as const;

/** A claim idgate normalizes. */
export type StandardClaim = (typeof STANDARD_CLAIMS)[number];

/** Every flow type, in documentation order. */
export const FLOW_TYPES: readonly FlowType[] = ['redirect', 'qr', 'push'];

/** The sandbox mock providers, one per flow type. */
export const MOCK_PROVIDERS: readonly ProviderDescriptor[] = [
  {
    id: 'mock-redirect',
    name: 'Mock redirect provider',
    flowTypes: ['redirect'],
    maxLoa: 4,
    requiredUserData: [],
    claims: STANDARD_CLAIMS,
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
    claims: STANDARD_CLAIMS,
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
    claims: STANDARD_CLAIMS,
    countries: [],
    sandboxOnly: true,
    settings: [],
    loginHintField: 'personalNumber',
  },
];

/** Providers offered in an environment. */
export function providersFor(environment: Environment): readonly ProviderDescriptor[] {
  return MOCK_PROVIDERS.filter((provider) => !provider.sandboxOnly || environment === 'sandbox');
}

/** A provider offered in an environment, by id. */
export function findProvider(environment: Environment, id: string): ProviderDescriptor | undefined {
  return providersFor(environment).find((provider) => provider.id === id);
}

/** Providers every new app gets enabled (SPEC 5: the three mocks in sandbox). */
export function defaultProviderIds(environment: Environment): readonly string[] {
  return environment === 'sandbox' ? MOCK_PROVIDERS.map((provider) => provider.id) : [];
}
