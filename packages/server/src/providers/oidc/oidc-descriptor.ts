/** The descriptor of a configured upstream OpenID Connect provider. */
import {
  OIDC_APP_SETTING_NAMES,
  OIDC_SECRET_SETTING_NAMES,
  type OidcProviderConfig,
  oidcSettingsProblems,
} from '../../config/oidc-providers.js';
import type { StandardClaim } from '../../domain/claims.js';
import { PERSON_CLAIMS, type ProviderDescriptor } from '../descriptors.js';

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
