/**
 * The fields of an app as create and update leave them, and every rule across them: URIs
 * and origins for the environment, grants and scopes for the app type, authentication
 * methods, the FAPI 2.0 profile (SPEC 12) and branding. Each problem is one field of
 * `VALIDATION_INVALID_PARAMETER`, all of them at once.
 */
import { type FieldProblem, IdgateError } from '@idgate/errors';
import type { Config } from '../config/config.js';
import type { AppBranding, AppProfile, AppType, JsonWebKeySet } from '../store/apps.repository.js';
import { brandingProblems } from './app-branding.js';
import { allowedAuthMethods, KNOWN_SCOPES, REST_SCOPES } from './app-policy.js';
import { jwksProblems } from './jwks-rules.js';
import { callbackUrlProblem, originProblem, redirectUriProblem } from './uri-rules.js';

/** The settings of fields an app sends on create or update, after schema validation. */
export interface AppShape {
  readonly type: AppType;
  readonly redirectUris: readonly string[];
  readonly allowedOrigins: readonly string[];
  readonly grantTypes: readonly string[];
  readonly scopes: readonly string[] | null;
  readonly tokenEndpointAuthMethods: readonly string[] | null;
  readonly signInHookUrl: string | null;
  readonly webhookUrl: string | null;
  readonly idTokenSignedResponseAlg: string | null;
  readonly jwks: JsonWebKeySet | null;
  readonly jwksUri: string | null;
  readonly requirePushedAuthorizationRequests: boolean;
  readonly dpopBoundAccessTokens: boolean;
  readonly requestObjectSigningAlg: string | null;
  readonly profile: AppProfile | null;
  readonly branding: AppBranding | null;
}

/** The fields a profile sets when the request leaves them out (SPEC 12). */
const PROFILE_SETTINGS = {
  'fapi2-security': {
    tokenEndpointAuthMethods: ['private_key_jwt'],
    requirePushedAuthorizationRequests: true,
    dpopBoundAccessTokens: true,
  },
} as const satisfies Record<AppProfile, Partial<AppShape>>;

/** Every problem with the fields of an app, each one field of `VALIDATION_INVALID_PARAMETER`. */
export function appShapeProblems(
  shape: AppShape,
  config: Pick<Config, 'environment' | 'outboundPrivateNetworks'>,
): FieldProblem[] {
  const environment = config.environment;
  const problems: FieldProblem[] = [];
  shape.redirectUris.forEach((uri, index) => {
    const reason = redirectUriProblem(uri, environment);
    if (reason) problems.push({ name: `redirectUris[${index}]`, pointer: `/redirectUris/${index}`, reason });
  });
  shape.allowedOrigins.forEach((origin, index) => {
    const reason = originProblem(origin);
    if (reason) problems.push({ name: `allowedOrigins[${index}]`, pointer: `/allowedOrigins/${index}`, reason });
  });
  if (shape.grantTypes.includes('authorization_code') && shape.redirectUris.length === 0) {
    problems.push({
      name: 'redirectUris',
      pointer: '/redirectUris',
      reason: 'needs at least one URI for the authorization_code grant',
    });
  }
  if (shape.type === 'public' && shape.grantTypes.includes('client_credentials')) {
    const index = shape.grantTypes.indexOf('client_credentials');
    problems.push({
      name: `grantTypes[${index}]`,
      pointer: `/grantTypes/${index}`,
      reason: 'client_credentials needs a confidential app',
    });
  }
  if (shape.grantTypes.includes('refresh_token') && !shape.grantTypes.includes('authorization_code')) {
    problems.push({ name: 'grantTypes', pointer: '/grantTypes', reason: 'refresh_token needs authorization_code' });
  }
  (shape.scopes ?? []).forEach((scope, index) => {
    if (!KNOWN_SCOPES.includes(scope)) {
      problems.push({
        name: `scopes[${index}]`,
        pointer: `/scopes/${index}`,
        reason: `is not a known scope (${KNOWN_SCOPES.join(', ')})`,
      });
    } else if (shape.type === 'public' && (REST_SCOPES as readonly string[]).includes(scope)) {
      problems.push({
        name: `scopes[${index}]`,
        pointer: `/scopes/${index}`,
        reason: 'REST API scopes need a confidential app',
      });
    }
  });
  const allowedMethods = allowedAuthMethods(shape.type);
  (shape.tokenEndpointAuthMethods ?? []).forEach((method, index) => {
    if (!allowedMethods.includes(method)) {
      problems.push({
        name: `tokenEndpointAuthMethods[${index}]`,
        pointer: `/tokenEndpointAuthMethods/${index}`,
        reason: `${shape.type} apps may use only ${allowedMethods.join(', ')}`,
      });
    }
  });
  for (const field of ['signInHookUrl', 'webhookUrl', 'jwksUri'] as const) {
    const value = shape[field];
    const reason = value === null ? undefined : callbackUrlProblem(value, environment, config.outboundPrivateNetworks);
    if (reason) problems.push({ name: field, pointer: `/${field}`, reason });
  }
  problems.push(...fapiProblems(shape));
  problems.push(...brandingProblems(shape.branding, environment));
  return problems;
}

/** `tokenEndpointAuthMethod` (one method, RFC 7591's singular) as the list it stands for. */
export function authMethodsOf(body: {
  readonly tokenEndpointAuthMethod?: string | undefined;
  readonly tokenEndpointAuthMethods?: readonly string[] | null | undefined;
}): readonly string[] | undefined {
  return body.tokenEndpointAuthMethod === undefined ? undefined : [body.tokenEndpointAuthMethod];
}

/** Sending both spellings of the methods is ambiguous. */
export function authMethodFieldProblems(body: {
  readonly tokenEndpointAuthMethod?: string | undefined;
  readonly tokenEndpointAuthMethods?: readonly string[] | null | undefined;
}): FieldProblem[] {
  if (body.tokenEndpointAuthMethod === undefined || body.tokenEndpointAuthMethods === undefined) return [];
  return [
    {
      name: 'tokenEndpointAuthMethod',
      pointer: '/tokenEndpointAuthMethod',
      reason: 'must not be sent together with tokenEndpointAuthMethods',
    },
  ];
}

/** What a profile sets for `field`, when the request names the profile. */
export function profileDefault<const Field extends keyof (typeof PROFILE_SETTINGS)['fapi2-security']>(
  profile: AppProfile | null | undefined,
  field: Field,
): (typeof PROFILE_SETTINGS)['fapi2-security'][Field] | undefined {
  return profile === undefined || profile === null ? undefined : PROFILE_SETTINGS[profile][field];
}

/**
 * The FAPI fields' own rules (SPEC 12): keys for `private_key_jwt` and request objects,
 * `jwks` or `jwksUri` but not both, and a profile's settings kept as it set them.
 */
function fapiProblems(shape: AppShape): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const methods = shape.tokenEndpointAuthMethods ?? [];
  if (shape.jwks !== null && shape.jwksUri !== null) {
    problems.push({ name: 'jwksUri', pointer: '/jwksUri', reason: 'must not be sent together with jwks' });
  }
  if (shape.jwks !== null) problems.push(...jwksProblems(shape.jwks.keys));
  const needsKeys = methods.includes('private_key_jwt')
    ? 'private_key_jwt'
    : shape.requestObjectSigningAlg !== null
      ? 'requestObjectSigningAlg'
      : undefined;
  if (needsKeys !== undefined && shape.jwks === null && shape.jwksUri === null) {
    problems.push({ name: 'jwks', pointer: '/jwks', reason: `is required (or jwksUri) for ${needsKeys}` });
  }
  if (shape.profile === 'fapi2-security') {
    const settings = PROFILE_SETTINGS[shape.profile];
    if (shape.type !== 'confidential') {
      problems.push({ name: 'profile', pointer: '/profile', reason: 'fapi2-security needs a confidential app' });
    }
    if (methods.length !== 1 || methods[0] !== 'private_key_jwt') {
      problems.push({
        name: 'tokenEndpointAuthMethods',
        pointer: '/tokenEndpointAuthMethods',
        reason: 'must be private_key_jwt alone under the fapi2-security profile',
      });
    }
    for (const field of ['requirePushedAuthorizationRequests', 'dpopBoundAccessTokens'] as const) {
      if (shape[field] !== settings[field]) {
        problems.push({ name: field, pointer: `/${field}`, reason: 'must be true under the fapi2-security profile' });
      }
    }
  }
  return problems;
}

/** `VALIDATION_INVALID_PARAMETER` listing every problem, when there is one. */
export function throwIfProblems(problems: readonly FieldProblem[]): void {
  if (problems.length === 0) return;
  throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
    detail: `Invalid ${problems.length === 1 ? 'field' : 'fields'}: ${problems.map((problem) => problem.name).join(', ')}.`,
    context: { fields: problems },
  });
}
