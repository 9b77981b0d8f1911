/**
 * JSON schemas of what the admin API's app routes answer with (the shapes `app-view.ts`
 * and `admin.routes.ts` build). Published as OpenAPI components; the OpenAPI test
 * validates real responses against them. Not attached to the routes (serialization
 * stays plain `JSON.stringify`).
 */
import { type TSchema, Type } from '@sinclair/typebox';
import {
  APP_PROFILES,
  APP_SIGNING_ALGS,
  ID_TOKEN_ALGS,
  KNOWN_AUTH_METHODS,
  KNOWN_GRANT_TYPES,
} from '../apps/app-policy.js';
import { FLOW_TYPES } from '../domain/verification.js';
import { Nullable, StringEnum } from '../http/schema-helpers.js';

const DateTime = Type.String({ format: 'date-time' });
const closed = { additionalProperties: false } as const;

function appProperties() {
  return {
    clientId: Type.String(),
    environment: StringEnum(['sandbox', 'production'] as const),
    name: Type.String(),
    type: StringEnum(['confidential', 'public'] as const),
    redirectUris: Type.Array(Type.String()),
    allowedOrigins: Type.Array(Type.String()),
    grantTypes: Type.Array(StringEnum(KNOWN_GRANT_TYPES)),
    scopes: Type.Array(Type.String(), { description: 'Effective scopes (the defaults when not restricted).' }),
    scopesRestricted: Type.Boolean(),
    tokenEndpointAuthMethods: Type.Array(StringEnum(KNOWN_AUTH_METHODS)),
    tokenEndpointAuthMethod: Nullable(
      StringEnum(KNOWN_AUTH_METHODS, { description: 'The one method the app uses, or null when it may use several.' }),
    ),
    signInHookUrl: Nullable(Type.String()),
    webhookUrl: Nullable(Type.String()),
    hasHookSecret: Type.Boolean(),
    idTokenSignedResponseAlg: StringEnum(ID_TOKEN_ALGS),
    jwks: Nullable(
      Type.Object(
        { keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) },
        {
          additionalProperties: false,
          description: "The app's public keys (private_key_jwt, signed request objects), when registered inline.",
        },
      ),
    ),
    jwksUri: Nullable(Type.String()),
    requirePushedAuthorizationRequests: Type.Boolean(),
    dpopBoundAccessTokens: Type.Boolean(),
    requestObjectSigningAlg: Nullable(StringEnum(APP_SIGNING_ALGS)),
    profile: Nullable(StringEnum(APP_PROFILES)),
    branding: Nullable(
      Type.Object(
        {
          name: Type.Optional(Type.String()),
          logoUrl: Type.Optional(Type.String()),
          primaryColor: Type.Optional(Type.String({ pattern: '^#[0-9a-f]{6}$' })),
          accentColor: Type.Optional(Type.String({ pattern: '^#[0-9a-f]{6}$' })),
        },
        { ...closed, description: "The hosted pages' look; null: idgate's own." },
      ),
    ),
    previousSecretExpiresAt: Nullable(DateTime),
    disabled: Type.Boolean(),
    version: Type.Integer({ minimum: 1 }),
    createdAt: DateTime,
    updatedAt: DateTime,
  };
}

const ClientSecret = Type.String({ description: 'Shown once, only in this response.' });
const HookSecret = Type.String({ description: 'Shown once, only in this response.' });

/** An app (secrets and hashes never appear). */
export const AppView = Type.Object(appProperties(), closed);

/** `POST /admin/v1/apps`: the app with its new secrets. */
export const CreatedAppView = Type.Object(
  {
    ...appProperties(),
    clientSecret: Type.Optional(ClientSecret),
    hookSecret: Type.Optional(HookSecret),
  },
  closed,
);

/** `PATCH /admin/v1/apps/{clientId}`: the app, with a new hook secret when one was made. */
export const UpdatedAppView = Type.Object({ ...appProperties(), hookSecret: Type.Optional(HookSecret) }, closed);

/** `GET /admin/v1/apps`. */
export const AppsPage = Type.Object(
  {
    data: Type.Array(AppView),
    nextCursor: Nullable(Type.String({ description: 'Pass as `after` for the next page.' })),
  },
  closed,
);

/** `POST /admin/v1/apps/{clientId}/secret`. */
export const RotatedSecretView = Type.Object(
  { clientId: Type.String(), clientSecret: ClientSecret, previousSecretExpiresAt: Nullable(DateTime) },
  closed,
);

/** `POST /admin/v1/apps/{clientId}/hook-secret`. */
export const RotatedHookSecretView = Type.Object({ clientId: Type.String(), hookSecret: HookSecret }, closed);

/** A provider's settings for an app (secret values masked). */
export const AppProviderView = Type.Object(
  {
    clientId: Type.String(),
    providerId: Type.String(),
    enabled: Type.Boolean(),
    settings: Type.Record(Type.String(), Type.Unknown(), { description: 'Secret values read `********`.' }),
    flowTypes: Nullable(
      Type.Array(StringEnum(FLOW_TYPES as readonly ['redirect', 'qr', 'push']), {
        description: 'The flow types the app may use with the provider; null: every one the provider supports.',
      }),
    ),
    configured: Type.Boolean(),
    version: Type.Integer({ minimum: 0 }),
    updatedAt: Nullable(DateTime),
  },
  closed,
);

/** `GET /admin/v1/apps/{clientId}/providers`. */
export const AppProviderList = Type.Object({ data: Type.Array(AppProviderView) }, closed);

/** The components this module contributes to the OpenAPI document, by name. */
export const APP_VIEW_SCHEMAS: Readonly<Record<string, TSchema>> = {
  App: AppView,
  CreatedApp: CreatedAppView,
  UpdatedApp: UpdatedAppView,
  AppsPage,
  RotatedSecret: RotatedSecretView,
  RotatedHookSecret: RotatedHookSecretView,
  AppProvider: AppProviderView,
  AppProviderList,
};
