/**
 * The configuration of upstream OpenID Connect providers: the instance-wide list
 * (`IDGATE_OIDC_PROVIDERS`, a JSON array) and the per-app settings that may override
 * parts of it (`PUT /admin/v1/apps/{clientId}/providers/{providerId}` → `settings`).
 * Both are checked with a schema; the instance list at boot (a bad one stops the start),
 * the app settings when they are stored and again when a session starts.
 */
import type { FieldProblem } from '@idgate/errors';
import { type Static, type TUnsafe, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const Loa = Type.Integer({ minimum: 1, maximum: 5 });
const Scope = Type.String({ pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,128}$' });
const ClaimName = Type.String({ minLength: 1, maxLength: 128 });
const ClaimMapping = Type.Record(ClaimName, ClaimName, { maxProperties: 64 });
const AcrMapping = Type.Record(Type.String({ minLength: 1, maxLength: 256 }), Loa, { maxProperties: 64 });
const ClientId = Type.String({ minLength: 1, maxLength: 256 });
const ClientSecret = Type.String({ minLength: 1, maxLength: 1024 });

/** How idgate authenticates at the upstream's token (and PAR) endpoint (OpenID Connect Core §9). */
export const TOKEN_ENDPOINT_AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'none',
] as const;

/** The auth methods that send a client secret. */
const SECRET_AUTH_METHODS: ReadonlySet<string> = new Set(['client_secret_basic', 'client_secret_post']);

/** JWE key management algorithms idgate can decrypt with (its RP encryption key: ECDH-ES on P-256, or RSA-OAEP-256). */
export const RP_DECRYPTION_ALGORITHMS = [
  'ECDH-ES',
  'ECDH-ES+A128KW',
  'ECDH-ES+A192KW',
  'ECDH-ES+A256KW',
  'RSA-OAEP-256',
] as const;

/** JWE content encryption algorithms (RFC 7518 §5.1). */
export const CONTENT_ENCRYPTION_ALGORITHMS = [
  'A128GCM',
  'A192GCM',
  'A256GCM',
  'A128CBC-HS256',
  'A192CBC-HS384',
  'A256CBC-HS512',
] as const;

/** A string that must be one of `values` (a union of literals, typed as their union). */
function oneOf<const T extends readonly string[]>(values: T): TUnsafe<T[number]> {
  return Type.Union(values.map((value) => Type.Literal(value))) as unknown as TUnsafe<T[number]>;
}

/** What the upstream was told to encrypt with (its client registration: `*_encrypted_response_alg` / `_enc`). */
const ResponseEncryption = Type.Object(
  {
    /** The key management algorithm; default the one of idgate's RP encryption key. */
    alg: Type.Optional(oneOf(RP_DECRYPTION_ALGORITHMS)),
    enc: oneOf(CONTENT_ENCRYPTION_ALGORITHMS),
  },
  { additionalProperties: false },
);

/** What the upstream was told to encrypt with. */
export type ResponseEncryptionConfig = Static<typeof ResponseEncryption>;

/** One upstream provider in `IDGATE_OIDC_PROVIDERS`. */
export const OidcProviderConfigSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }),
    displayName: Type.String({ minLength: 1, maxLength: 100 }),
    discoveryUrl: Type.String({ minLength: 1, maxLength: 2048 }),
    clientId: Type.Optional(ClientId),
    clientSecret: Type.Optional(ClientSecret),
    scopes: Type.Optional(Type.Array(Scope, { maxItems: 32 })),
    claimMapping: Type.Optional(ClaimMapping),
    acrMapping: Type.Optional(AcrMapping),
    maxLoa: Loa,
    defaultLoa: Type.Optional(Loa),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 60_000 })),
    countries: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Z]{2}$' }), { maxItems: 250 })),
    circuitBreaker: Type.Optional(
      Type.Object(
        {
          failureThreshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          cooldownMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 3_600_000 })),
        },
        { additionalProperties: false },
      ),
    ),
    tokenEndpointAuthMethod: Type.Optional(oneOf(TOKEN_ENDPOINT_AUTH_METHODS)),
    pushedAuthorization: Type.Optional(oneOf(['auto', 'always', 'never'] as const)),
    requestObject: Type.Optional(oneOf(['none', 'signed', 'signed-encrypted'] as const)),
    responseMode: Type.Optional(oneOf(['query', 'jwt'] as const)),
    idTokenEncryption: Type.Optional(ResponseEncryption),
    userinfoEncryption: Type.Optional(ResponseEncryption),
  },
  { additionalProperties: false },
);

/** One upstream provider as configured. */
export type OidcProviderConfig = Static<typeof OidcProviderConfigSchema>;

/** The settings an app may give an upstream provider (each replaces the instance's value). */
export const OidcAppSettingsSchema = Type.Object(
  {
    clientId: Type.Optional(ClientId),
    clientSecret: Type.Optional(ClientSecret),
    scopes: Type.Optional(Type.Array(Scope, { maxItems: 32 })),
    claimMapping: Type.Optional(ClaimMapping),
    acrMapping: Type.Optional(AcrMapping),
  },
  { additionalProperties: false },
);

/** The settings an app may give an upstream provider. */
export type OidcAppSettings = Static<typeof OidcAppSettingsSchema>;

/** The names of {@link OidcAppSettings}, as the descriptor lists them. */
export const OIDC_APP_SETTING_NAMES: readonly string[] = Object.keys(OidcAppSettingsSchema.properties);

/** Settings that are secrets: never shown back by the admin API. */
export const OIDC_SECRET_SETTING_NAMES: readonly string[] = ['clientSecret'];

/** How the admin API shows a stored secret setting (see `admin/app-view.ts`). */
const MASKED_SECRET = '********';

/** The default scopes asked of an upstream provider. */
export const DEFAULT_OIDC_SCOPES: readonly string[] = ['openid', 'profile', 'email'];

/** The default time each upstream call may take. */
export const DEFAULT_OIDC_TIMEOUT_MS = 5_000;

/** The well-known path of an OpenID Provider's configuration (OpenID Connect Discovery §4). */
export const WELL_KNOWN_PATH = '/.well-known/openid-configuration';

/** Ids the mock providers use; an upstream provider cannot take them. */
const RESERVED_PREFIX = 'mock-';

/** A schema error's reason: the allowed values of a union of literals, else TypeBox's message. */
function reasonOf(schema: unknown, message: string): string {
  const variants = (schema as { anyOf?: readonly { const?: unknown }[] }).anyOf;
  if (
    Array.isArray(variants) &&
    variants.length > 0 &&
    variants.every((variant) => typeof variant.const === 'string')
  ) {
    return `must be one of ${variants.map((variant) => variant.const).join(', ')}`;
  }
  return message.toLowerCase();
}

function schemaProblems(schema: Parameters<typeof Value.Errors>[0], value: unknown, prefix: string): FieldProblem[] {
  const byPath = new Map<string, string>();
  for (const error of Value.Errors(schema, value)) {
    const path = error.path || '';
    if (!byPath.has(path)) byPath.set(path, reasonOf(error.schema, error.message));
  }
  return [...byPath].map(([path, reason]) => ({
    name: `${prefix}${path.replace(/^\//, '').replaceAll('/', '.')}`.replace(/\.$/, ''),
    pointer: path,
    reason,
  }));
}

/** The discovery document's URL for a configured `discoveryUrl` (an issuer URL gets the well-known path). */
export function discoveryDocumentUrl(discoveryUrl: string): string {
  return discoveryUrl.endsWith(WELL_KNOWN_PATH)
    ? discoveryUrl
    : `${discoveryUrl.replace(/\/+$/, '')}${WELL_KNOWN_PATH}`;
}

/** The issuer the discovery document must name (OpenID Connect Discovery §4.3). */
export function expectedIssuer(discoveryUrl: string): string {
  const documentUrl = discoveryDocumentUrl(discoveryUrl);
  return documentUrl.slice(0, -WELL_KNOWN_PATH.length);
}

/** Problems with the LoA settings of one provider. */
function loaProblems(entry: OidcProviderConfig, prefix: string): string[] {
  const problems: string[] = [];
  if (entry.defaultLoa !== undefined && entry.defaultLoa > entry.maxLoa) {
    problems.push(`${prefix}.defaultLoa must not be above maxLoa (${entry.maxLoa})`);
  }
  for (const [acr, loa] of Object.entries(entry.acrMapping ?? {})) {
    if (loa > entry.maxLoa) problems.push(`${prefix}.acrMapping["${acr}"] must not be above maxLoa (${entry.maxLoa})`);
  }
  return problems;
}

/** Problems across the security profile fields of one provider (docs/providers.md, profiles). */
function profileProblems(entry: OidcProviderConfig, prefix: string): string[] {
  const problems: string[] = [];
  const method = entry.tokenEndpointAuthMethod;
  if ((method === 'private_key_jwt' || method === 'none') && entry.clientSecret !== undefined) {
    problems.push(`${prefix}.clientSecret is not used with tokenEndpointAuthMethod ${method}: remove it`);
  }
  if (
    method !== undefined &&
    SECRET_AUTH_METHODS.has(method) &&
    entry.clientId !== undefined &&
    entry.clientSecret === undefined
  ) {
    problems.push(`${prefix}.clientSecret is required with tokenEndpointAuthMethod ${method}`);
  }
  return problems;
}

/**
 * Problems of the providers' `idTokenEncryption` / `userinfoEncryption` with idgate's RP
 * encryption key algorithm (`IDGATE_RP_ENCRYPTION_ALG`): an ECDH-ES key decrypts the
 * `ECDH-ES` family, an RSA key `RSA-OAEP-256` only.
 */
export function encryptionAlgorithmProblems(
  providers: readonly OidcProviderConfig[],
  rpEncryptionAlg: 'ECDH-ES' | 'RSA-OAEP-256',
): string[] {
  const problems: string[] = [];
  providers.forEach(function checkEncryption(provider, index) {
    for (const field of ['idTokenEncryption', 'userinfoEncryption'] as const) {
      const alg = provider[field]?.alg;
      if (alg === undefined) continue;
      const fits = rpEncryptionAlg === 'RSA-OAEP-256' ? alg === 'RSA-OAEP-256' : alg.startsWith('ECDH-ES');
      if (!fits) {
        problems.push(
          `[${index}].${field}.alg ${alg} does not fit idgate's RP encryption key (IDGATE_RP_ENCRYPTION_ALG is ${rpEncryptionAlg})`,
        );
      }
    }
  });
  return problems;
}

/** Problems with the discovery URL of one provider. */
function discoveryUrlProblem(raw: string, production: boolean): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'must use https (or http outside production)';
  if (production && parsed.protocol !== 'https:') return 'must use https in production';
  if (parsed.search || parsed.hash || parsed.username || parsed.password) {
    return 'must not have a query, fragment or user info';
  }
  return undefined;
}

/**
 * Parses and checks `IDGATE_OIDC_PROVIDERS`.
 * @throws RangeError with every problem, naming each provider's index and field
 */
export function parseOidcProviders(raw: string, production: boolean): readonly OidcProviderConfig[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new RangeError('must be a JSON array of provider objects');
  }
  if (!Array.isArray(parsed)) throw new RangeError('must be a JSON array of provider objects');
  const problems: string[] = [];
  const ids = new Set<string>();
  parsed.forEach(function checkEntry(entry: unknown, index) {
    const prefix = `[${index}]`;
    const shape = schemaProblems(OidcProviderConfigSchema, entry, `${prefix}.`);
    if (shape.length > 0) {
      problems.push(...shape.map((problem) => `${problem.name} ${problem.reason}`));
      return;
    }
    const provider = entry as OidcProviderConfig;
    if (provider.id.startsWith(RESERVED_PREFIX)) problems.push(`${prefix}.id must not start with ${RESERVED_PREFIX}`);
    if (ids.has(provider.id)) problems.push(`${prefix}.id ${provider.id} is used twice`);
    ids.add(provider.id);
    const urlProblem = discoveryUrlProblem(provider.discoveryUrl, production);
    if (urlProblem) problems.push(`${prefix}.discoveryUrl ${urlProblem}`);
    if (provider.clientSecret !== undefined && provider.clientId === undefined) {
      problems.push(`${prefix}.clientSecret needs clientId`);
    }
    problems.push(...loaProblems(provider, prefix));
    problems.push(...profileProblems(provider, prefix));
  });
  if (problems.length > 0) throw new RangeError(problems.join('; '));
  return Object.freeze(parsed.map((entry) => Object.freeze(entry as OidcProviderConfig)));
}

/** Problems with an app's settings for an upstream provider (each one field of the problem). */
export function oidcSettingsProblems(
  settings: Readonly<Record<string, unknown>>,
  provider: OidcProviderConfig,
): FieldProblem[] {
  const shape = schemaProblems(OidcAppSettingsSchema, settings, 'settings.').map((problem) => ({
    ...problem,
    pointer: `/settings${problem.pointer ?? ''}`,
  }));
  if (shape.length > 0) return shape;
  const app = settings as OidcAppSettings;
  const problems: FieldProblem[] = [];
  if (app.clientSecret !== undefined && app.clientId === undefined) {
    problems.push({
      name: 'settings.clientSecret',
      pointer: '/settings/clientSecret',
      reason: "needs settings.clientId (the instance's client id keeps the instance's secret)",
    });
  }
  const method = provider.tokenEndpointAuthMethod;
  if (app.clientSecret !== undefined && (method === 'private_key_jwt' || method === 'none')) {
    problems.push({
      name: 'settings.clientSecret',
      pointer: '/settings/clientSecret',
      reason: `is not used: the provider authenticates with ${method} (idgate's RP keys)`,
    });
  }
  if (app.clientSecret === MASKED_SECRET) {
    problems.push({
      name: 'settings.clientSecret',
      pointer: '/settings/clientSecret',
      reason: 'is the masked value the admin API shows: send the secret itself',
    });
  }
  for (const [acr, loa] of Object.entries(app.acrMapping ?? {})) {
    if (loa > provider.maxLoa) {
      problems.push({
        name: `settings.acrMapping.${acr}`,
        pointer: `/settings/acrMapping/${acr.replaceAll('~', '~0').replaceAll('/', '~1')}`,
        reason: `must not be above the provider's maximum level of assurance (${provider.maxLoa})`,
      });
    }
  }
  return problems;
}

/** What one session at an upstream provider uses: the instance's settings with the app's over them. */
export interface EffectiveOidcSettings {
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
  readonly scopes: readonly string[];
  readonly claimMapping: Readonly<Record<string, string>>;
  readonly acrMapping: Readonly<Record<string, number>>;
}

/** The instance's settings with the app's (already checked) over them. */
export function effectiveSettings(provider: OidcProviderConfig, app: OidcAppSettings): EffectiveOidcSettings {
  // An app with its own client id brings its own secret (or is a public client at the upstream).
  const ownClient = app.clientId !== undefined;
  const scopes = app.scopes ?? provider.scopes ?? DEFAULT_OIDC_SCOPES;
  return {
    clientId: ownClient ? app.clientId : provider.clientId,
    clientSecret: ownClient ? app.clientSecret : provider.clientSecret,
    scopes: scopes.includes('openid') ? scopes : ['openid', ...scopes],
    claimMapping: app.claimMapping ?? provider.claimMapping ?? {},
    acrMapping: app.acrMapping ?? provider.acrMapping ?? {},
  };
}
