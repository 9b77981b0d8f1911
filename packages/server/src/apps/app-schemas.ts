/**
 * Request schemas of the admin API's app routes (validated at the edge; the handler then
 * trusts the types).
 */
import { FormatRegistry, type Static, Type } from '@sinclair/typebox';
import { FLOW_TYPES } from '../domain/verification.js';
import { Nullable, StringEnum } from '../http/schema-helpers.js';
import { BrandingBody } from './app-branding.js';
import { APP_PROFILES, APP_SIGNING_ALGS, ID_TOKEN_ALGS, KNOWN_AUTH_METHODS, KNOWN_GRANT_TYPES } from './app-policy.js';
import { isAbsoluteUri } from './uri-rules.js';

// The same `uri` format for TypeBox's own checks (the CLI) as for Fastify's Ajv (`addUriFormat`).
if (!FormatRegistry.Has('uri')) FormatRegistry.Set('uri', isAbsoluteUri);

/** An absolute URI (the `uri` format is `isAbsoluteUri`, see `uri-rules.ts`); the service checks what each field allows. */
const Url = Type.String({ minLength: 1, maxLength: 2000, format: 'uri' });
const UrlList = Type.Array(Url, { maxItems: 20, uniqueItems: true });
const ScopeList = Type.Array(
  Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$' }),
  {
    maxItems: 20,
    uniqueItems: true,
  },
);
const GrantTypes = Type.Array(StringEnum(KNOWN_GRANT_TYPES), { minItems: 1, uniqueItems: true });
const AuthMethods = Type.Array(StringEnum(KNOWN_AUTH_METHODS), { minItems: 1, uniqueItems: true });
const IdTokenAlg = StringEnum(ID_TOKEN_ALGS);
const AuthMethod = StringEnum(KNOWN_AUTH_METHODS);
/** RFC 7517 §5: a JWK Set of the app's public keys (each key is checked by the apps service). */
const Jwks = Type.Object(
  {
    keys: Type.Array(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown()), { minItems: 1, maxItems: 10 }),
  },
  { additionalProperties: false },
);
const SigningAlg = StringEnum(APP_SIGNING_ALGS);
const Profile = StringEnum(APP_PROFILES);
const ProviderIds = Type.Array(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]*$' }), {
  maxItems: 50,
  uniqueItems: true,
});

/** `POST /admin/v1/apps`. */
export const CreateAppBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    type: StringEnum(['confidential', 'public'] as const),
    redirectUris: UrlList,
    allowedOrigins: Type.Optional(UrlList),
    grantTypes: Type.Optional(GrantTypes),
    scopes: Type.Optional(ScopeList),
    tokenEndpointAuthMethods: Type.Optional(AuthMethods),
    providers: Type.Optional(ProviderIds),
    signInHookUrl: Type.Optional(Url),
    webhookUrl: Type.Optional(Url),
    idTokenSignedResponseAlg: Type.Optional(IdTokenAlg),
    tokenEndpointAuthMethod: Type.Optional(AuthMethod),
    jwks: Type.Optional(Jwks),
    jwksUri: Type.Optional(Url),
    requirePushedAuthorizationRequests: Type.Optional(Type.Boolean()),
    dpopBoundAccessTokens: Type.Optional(Type.Boolean()),
    requestObjectSigningAlg: Type.Optional(SigningAlg),
    profile: Type.Optional(Profile),
    branding: Type.Optional(BrandingBody),
  },
  { additionalProperties: false },
);
export type CreateAppBody = Static<typeof CreateAppBody>;

/** `PATCH /admin/v1/apps/{clientId}` (JSON merge patch: `null` resets to the default or clears). */
export const UpdateAppBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    redirectUris: Type.Optional(UrlList),
    allowedOrigins: Type.Optional(Nullable(UrlList)),
    grantTypes: Type.Optional(Nullable(GrantTypes)),
    scopes: Type.Optional(Nullable(ScopeList)),
    tokenEndpointAuthMethods: Type.Optional(Nullable(AuthMethods)),
    signInHookUrl: Type.Optional(Nullable(Url)),
    webhookUrl: Type.Optional(Nullable(Url)),
    idTokenSignedResponseAlg: Type.Optional(Nullable(IdTokenAlg)),
    tokenEndpointAuthMethod: Type.Optional(AuthMethod),
    jwks: Type.Optional(Nullable(Jwks)),
    jwksUri: Type.Optional(Nullable(Url)),
    requirePushedAuthorizationRequests: Type.Optional(Type.Boolean()),
    dpopBoundAccessTokens: Type.Optional(Type.Boolean()),
    requestObjectSigningAlg: Type.Optional(Nullable(SigningAlg)),
    profile: Type.Optional(Nullable(Profile)),
    branding: Type.Optional(Nullable(BrandingBody)),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type UpdateAppBody = Static<typeof UpdateAppBody>;

/** `POST /admin/v1/apps/{clientId}/secret`. */
export const RotateSecretBody = Type.Object(
  { gracePeriodSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 90 * 24 * 3600 })) },
  { additionalProperties: false },
);
export type RotateSecretBody = Static<typeof RotateSecretBody>;

/** `PUT /admin/v1/apps/{clientId}/providers/{providerId}`. */
export const PutProviderBody = Type.Object(
  {
    enabled: Type.Boolean(),
    settings: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown())),
    flowTypes: Type.Optional(
      Nullable(
        Type.Array(StringEnum(FLOW_TYPES as readonly ['redirect', 'qr', 'push']), {
          uniqueItems: true,
          maxItems: 8,
          description:
            'The flow types the app may use with this provider, each one the provider supports; null or left out: every one (an empty list lets no flow start).',
        }),
      ),
    ),
  },
  { additionalProperties: false },
);
export type PutProviderBody = Static<typeof PutProviderBody>;

/** Path parameters. */
export const ClientIdParams = Type.Object({ clientId: Type.String({ minLength: 1, maxLength: 128 }) });
export type ClientIdParams = Static<typeof ClientIdParams>;
export const ProviderParams = Type.Object({
  clientId: Type.String({ minLength: 1, maxLength: 128 }),
  providerId: Type.String({ minLength: 1, maxLength: 64 }),
});
export type ProviderParams = Static<typeof ProviderParams>;

/** `GET /admin/v1/apps` query. */
export const ListAppsQuery = Type.Object({
  limit: Type.Optional(Type.String({ pattern: '^(?:[1-9]\\d?|100)$', description: '1-100, default 50' })),
  after: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
});
export type ListAppsQuery = Static<typeof ListAppsQuery>;
