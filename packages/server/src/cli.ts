#!/usr/bin/env node
/**
 * The `idgate` command line: serve, migrate, manage apps and secrets, purge expired
 * records, generate docs.
 * Output of data commands is JSON on standard output; failures print the catalog code
 * and a message on standard error and exit non-zero.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isIdgateError, renderErrorReferenceMarkdown } from '@idgate/errors';
import { TypeRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { appView } from './admin/app-view.js';
import { buildApp } from './app.js';
import { CreateAppBody } from './apps/app-schemas.js';
import { AppsService } from './apps/apps.service.js';
import { type Config, ConfigError, loadConfig, renderConfigurationMarkdown } from './config/config.js';
import { DEMO_REDIRECT_URI, demoFlowCommands, ensureDemoApp } from './demo.js';
import { openMigratedDatabase, startInstance } from './runtime.js';
import { loadInstanceKeys } from './security/instance-keys.js';
import { SecretBox } from './security/secrets.js';
import { AppsRepository } from './store/apps.repository.js';
import { isRelyingPartyKeyAlgorithm, RelyingPartyKeys } from './tokens/relying-party-keys.js';
import { isSigningAlgorithm, SIGNING_ALGORITHMS, SigningKeys } from './tokens/signing-keys.js';

const USAGE = `Usage: idgate <command> [options]

Commands:
  serve                         migrate, then serve (creates a sandbox demo app on a fresh instance)
  migrate                       apply pending database migrations
  purge                         record expired sessions as expired, delete sessions ended longer
                                than IDGATE_VERIFICATION_RETENTION ago, expired codes, refresh
                                tokens, revocations, idempotency records, pushed authorization
                                requests, seen assertion and DPoP jtis and old finished webhook
                                events once (what a listening server does every
                                IDGATE_PURGE_INTERVAL); prints the counts
  apps create --name N --type confidential|public --redirect-uri U [--redirect-uri U …]
              [--scope S …] [--grant-type G …] [--provider P …]
              [--profile fapi2-security] [--token-endpoint-auth-method M]
              [--jwks-uri U | --jwks-file F] [--require-par] [--dpop]
              [--request-object-signing-alg ES256|PS256|EdDSA]
                                FAPI 2.0 apps: see docs/fapi.md
              [--brand-name N] [--brand-logo HTTPS_URL] [--brand-color #RRGGBB] [--brand-accent-color #RRGGBB]
                                the hosted pages' look (admin API: branding)
  apps list [--limit N] [--after CLIENT_ID]
  apps get CLIENT_ID            the app as GET /admin/v1/apps/{clientId} shows it (no secrets)
  apps disable CLIENT_ID        refuse the app's sign-ins and tokens (PATCH {"disabled": true})
  apps enable CLIENT_ID         let a disabled app in again
  apps delete CLIENT_ID         delete the app and its provider settings
  apps rotate-secret CLIENT_ID [--grace-period SECONDS]
  apps rotate-hook-secret CLIENT_ID
                                new hook/webhook signing secret (the old one stops working at once)
                                Running instances see app changes within 5 s (their app cache).
  keys list                     list the ID token signing keys and the relying-party keys (creates
                                the initial ones if there are none)
  keys rotate [--alg RS256|ES256|EdDSA]
                                new active key (every algorithm without --alg), published at once and
                                signing after 7 minutes (until then the old key signs); the old one
                                stays published until the tokens it signed have expired
  keys rotate --rp [--alg ES256|PS256|ECDH-ES|RSA-OAEP-256]
                                new relying-party keys (the keys idgate uses towards upstream
                                providers, /rp/jwks.json): the signing and the encryption key, or
                                only the one --alg is for; the old ones stay published and keep
                                decrypting for IDGATE_RP_KEY_GRACE
  docs [--out DIR]              write docs/errors.md and docs/configuration.md

Configuration comes from environment variables (see docs/configuration.md).`;

/**
 * TypeBox's `Value.Check` has no built-in check for `Type.Unsafe` schemas (the request
 * schemas' `StringEnum`/`Nullable`, written for Fastify's Ajv) and throws "Unknown type"
 * on them. Check the keywords those helpers emit (`type`, `enum`); refuse anything else.
 */
function checkUnsafeSchema(schema: { type?: unknown; enum?: unknown }, value: unknown): boolean {
  if (Array.isArray(schema.enum)) return schema.enum.includes(value);
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  return types.some((type) => (type === 'null' ? value === null : type === 'string' && typeof value === 'string'));
}
if (!TypeRegistry.Has('Unsafe')) TypeRegistry.Set('Unsafe', checkUnsafeSchema);

/** One CLI-readable line per invalid path (its first violation): path and reason. */
function describeSchemaErrors(schema: typeof CreateAppBody, value: unknown): string[] {
  const byPath = new Map<string, string>();
  for (const error of Value.Errors(schema, value)) {
    const path = error.path || '/';
    if (byPath.has(path)) continue;
    const allowed = (error.schema as { enum?: unknown }).enum;
    byPath.set(path, Array.isArray(allowed) ? `must be one of ${allowed.map(String).join(', ')}` : error.message);
  }
  return [...byPath].map(([path, reason]) => `${path} ${reason}`);
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

async function withApps<T>(config: Config, run: (apps: AppsService) => Promise<T>): Promise<T> {
  const keys = loadInstanceKeys(config);
  const { database } = await openMigratedDatabase(config);
  try {
    return await run(
      new AppsService(new AppsRepository(database), new SecretBox(keys.secretKey), config, () => new Date()),
    );
  } finally {
    await database.close();
  }
}

/**
 * Runs one purge against the configured database (migrated first, like every command):
 * the instance's own purge job, sessions included, of an app that never listens.
 */
async function purge(config: Config): Promise<void> {
  const keys = loadInstanceKeys(config);
  const { database } = await openMigratedDatabase(config);
  const app = buildApp(config, { database, adminKey: keys.adminKey, secretKey: keys.secretKey, logStream: nowhere() });
  try {
    await app.ready();
    print(await app.idgate.purge.purgeOnce());
  } finally {
    await app.close();
    await database.close();
  }
}

/** A log stream that drops everything (the CLI prints its own output). */
function nowhere(): Writable {
  return new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
}

async function serve(config: Config): Promise<void> {
  const instance = await startInstance(config);
  const demo = await ensureDemoApp(config, instance.database, instance.keys.secretKey);
  const base = config.issuer;
  const lines = [
    '',
    `idgate is listening on ${instance.address} (${config.environment}, ${instance.database.kind}); issuer ${base}`,
    instance.keys.adminKeyGenerated
      ? `Admin key (generated now, stored in ${instance.keys.adminKeyFile}): ${instance.keys.adminKey}`
      : `Admin key: ${instance.keys.adminKeyFile ? `in ${instance.keys.adminKeyFile}` : 'from IDGATE_ADMIN_KEY'}`,
  ];
  if (demo) {
    lines.push(
      `Demo app: client_id ${demo.clientId}`,
      `          client_secret ${demo.clientSecret}`,
      `          redirect_uri ${demo.redirectUri}   (idgate's demo callback page; ${DEMO_REDIRECT_URI} is registered too)`,
    );
  }
  lines.push(
    '',
    ...(demo ? ['A full sign-in flow with the demo app:', ...demoFlowCommands(base, demo), ''] : []),
    'Try it:',
    `  curl -s ${base}/admin/v1/apps -H "Authorization: Bearer ${instance.keys.adminKeyFile ? `$(cat ${instance.keys.adminKeyFile})` : '$IDGATE_ADMIN_KEY'}"`,
    `  curl -s ${base}/errors -H 'Accept: application/json'`,
    `  curl -si ${base}/admin/v1/apps -H 'Authorization: Bearer wrong'   # a catalog error`,
    '  README.md walks through a whole flow.',
    '',
  );
  process.stderr.write(`${lines.join('\n')}\n`);
  const stop = function stopOnSignal(signal: string) {
    instance.app.log.info({ signal }, 'shutting down');
    instance.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        instance.app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** The FAPI fields of `apps create` (SPEC 12, docs/fapi.md), from its options. */
function fapiOptionsOf(values: {
  readonly profile?: string | undefined;
  readonly 'token-endpoint-auth-method'?: string | undefined;
  readonly 'jwks-uri'?: string | undefined;
  readonly 'jwks-file'?: string | undefined;
  readonly 'require-par'?: boolean | undefined;
  readonly dpop?: boolean | undefined;
  readonly 'request-object-signing-alg'?: string | undefined;
}): Record<string, unknown> {
  let jwks: unknown;
  if (values['jwks-file'] !== undefined) {
    try {
      jwks = JSON.parse(readFileSync(values['jwks-file'], 'utf8'));
    } catch {
      throw new CliUsageError(`--jwks-file ${values['jwks-file']} is not a readable JSON Web Key Set`);
    }
  }
  return {
    ...(values.profile === undefined ? {} : { profile: values.profile }),
    ...(values['token-endpoint-auth-method'] === undefined
      ? {}
      : { tokenEndpointAuthMethod: values['token-endpoint-auth-method'] }),
    ...(values['jwks-uri'] === undefined ? {} : { jwksUri: values['jwks-uri'] }),
    ...(jwks === undefined ? {} : { jwks }),
    ...(values['require-par'] === undefined ? {} : { requirePushedAuthorizationRequests: values['require-par'] }),
    ...(values.dpop === undefined ? {} : { dpopBoundAccessTokens: values.dpop }),
    ...(values['request-object-signing-alg'] === undefined
      ? {}
      : { requestObjectSigningAlg: values['request-object-signing-alg'] }),
  };
}

async function appsCommand(config: Config, args: readonly string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === 'create') {
    const { values } = parseArgs({
      args: rest,
      options: {
        name: { type: 'string' },
        type: { type: 'string', default: 'confidential' },
        'redirect-uri': { type: 'string', multiple: true, default: [] },
        scope: { type: 'string', multiple: true },
        'grant-type': { type: 'string', multiple: true },
        provider: { type: 'string', multiple: true },
        profile: { type: 'string' },
        'token-endpoint-auth-method': { type: 'string' },
        'jwks-uri': { type: 'string' },
        'jwks-file': { type: 'string' },
        'require-par': { type: 'boolean' },
        dpop: { type: 'boolean' },
        'request-object-signing-alg': { type: 'string' },
        'brand-name': { type: 'string' },
        'brand-logo': { type: 'string' },
        'brand-color': { type: 'string' },
        'brand-accent-color': { type: 'string' },
      },
    });
    const branding = {
      ...(values['brand-name'] === undefined ? {} : { name: values['brand-name'] }),
      ...(values['brand-logo'] === undefined ? {} : { logoUrl: values['brand-logo'] }),
      ...(values['brand-color'] === undefined ? {} : { primaryColor: values['brand-color'] }),
      ...(values['brand-accent-color'] === undefined ? {} : { accentColor: values['brand-accent-color'] }),
    };
    const body = {
      ...(values.name === undefined ? {} : { name: values.name }),
      type: values.type,
      redirectUris: values['redirect-uri'],
      ...(values.scope ? { scopes: values.scope } : {}),
      ...(values['grant-type'] ? { grantTypes: values['grant-type'] } : {}),
      ...(values.provider ? { providers: values.provider } : {}),
      ...fapiOptionsOf(values),
      ...(Object.keys(branding).length > 0 ? { branding } : {}),
    };
    if (!Value.Check(CreateAppBody, body)) {
      const problems = describeSchemaErrors(CreateAppBody, body);
      throw new CliUsageError(`invalid app: ${problems.join('; ')}`);
    }
    const created = await withApps(config, (apps) => apps.create(body));
    print({
      clientId: created.app.clientId,
      clientSecret: created.clientSecret,
      hookSecret: created.hookSecret,
      type: created.app.type,
    });
    return;
  }
  if (sub === 'list') {
    const { values } = parseArgs({
      args: rest,
      options: { limit: { type: 'string', default: '100' }, after: { type: 'string' } },
    });
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new CliUsageError('--limit must be an integer from 1 to 1000');
    const page = await withApps(config, (apps) => apps.list(limit, values.after));
    print({
      data: page.apps.map((app) => ({
        clientId: app.clientId,
        name: app.name,
        type: app.type,
        disabled: app.disabled,
      })),
      nextCursor: page.nextCursor,
    });
    return;
  }
  if (sub === 'rotate-secret') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { 'grace-period': { type: 'string' } },
    });
    const clientId = positionals[0];
    if (!clientId) throw new CliUsageError('apps rotate-secret needs a CLIENT_ID');
    const grace = values['grace-period'] === undefined ? undefined : Number(values['grace-period']);
    if (grace !== undefined && (!Number.isInteger(grace) || grace < 0))
      throw new CliUsageError('--grace-period must be a whole number of seconds');
    const rotated = await withApps(config, (apps) => apps.rotateSecret(clientId, grace));
    print({
      clientId: rotated.app.clientId,
      clientSecret: rotated.clientSecret,
      previousSecretExpiresAt: rotated.app.previousSecretExpiresAt?.toISOString() ?? null,
    });
    return;
  }
  if (sub === 'get' || sub === 'disable' || sub === 'enable' || sub === 'delete' || sub === 'rotate-hook-secret') {
    const { positionals } = parseArgs({ args: rest, allowPositionals: true, options: {} });
    const clientId = positionals[0];
    if (!clientId || positionals.length > 1) throw new CliUsageError(`apps ${sub} needs exactly one CLIENT_ID`);
    print(await withApps(config, (apps) => appAction(apps, sub, clientId)));
    return;
  }
  throw new CliUsageError(`unknown apps command: ${sub ?? '(none)'}`);
}

/**
 * One single-app command, through the same `AppsService` calls as the admin API
 * (`GET`/`PATCH`/`DELETE /admin/v1/apps/{clientId}`, `POST …/hook-secret`), so the CLI
 * refuses what the API refuses, with the same catalog codes.
 * @throws IdgateError `RESOURCE_NOT_FOUND` (unknown client id, or another environment's)
 */
async function appAction(
  apps: AppsService,
  action: 'get' | 'disable' | 'enable' | 'delete' | 'rotate-hook-secret',
  clientId: string,
): Promise<unknown> {
  switch (action) {
    case 'get':
      return appView(await apps.get(clientId));
    case 'disable':
    case 'enable':
      return appView((await apps.update(clientId, { disabled: action === 'disable' }, undefined)).app);
    case 'delete':
      await apps.delete(clientId, undefined);
      return { clientId, deleted: true };
    case 'rotate-hook-secret': {
      const rotated = await apps.rotateHookSecret(clientId);
      return { clientId: rotated.app.clientId, hookSecret: rotated.hookSecret };
    }
  }
}

async function withKeys<T>(
  config: Config,
  run: (keys: SigningKeys, relyingPartyKeys: RelyingPartyKeys) => Promise<T>,
): Promise<T> {
  const instanceKeys = loadInstanceKeys(config);
  const { database } = await openMigratedDatabase(config);
  try {
    const context = { database, secrets: new SecretBox(instanceKeys.secretKey), clock: () => new Date(), config };
    return await run(new SigningKeys(context), new RelyingPartyKeys(context));
  } finally {
    await database.close();
  }
}

async function keysCommand(config: Config, args: readonly string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === 'list') {
    parseArgs({ args: rest, options: {} });
    print(
      await withKeys(config, async function listBoth(keys, relyingPartyKeys) {
        return { keys: await keys.list(), relyingPartyKeys: await relyingPartyKeys.list() };
      }),
    );
    return;
  }
  if (sub === 'rotate') {
    const { values } = parseArgs({ args: rest, options: { alg: { type: 'string' }, rp: { type: 'boolean' } } });
    const alg = values.alg;
    if (values.rp === true) {
      if (alg !== undefined && !isRelyingPartyKeyAlgorithm(alg))
        throw new CliUsageError('--alg with --rp must be one of ES256, PS256, ECDH-ES, RSA-OAEP-256');
      print({ rotated: await withKeys(config, (_keys, relyingPartyKeys) => relyingPartyKeys.rotate(alg)) });
      return;
    }
    if (alg !== undefined && !isSigningAlgorithm(alg))
      throw new CliUsageError(`--alg must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
    const algorithms = alg === undefined ? SIGNING_ALGORITHMS : [alg];
    const rotated = await withKeys(config, async function rotateEach(keys) {
      const results = [];
      for (const each of algorithms) results.push(await keys.rotate(each));
      return results;
    });
    print({ rotated });
    return;
  }
  throw new CliUsageError(`unknown keys command: ${sub ?? '(none)'}`);
}

/** Writes the generated docs (error reference, configuration). */
export function writeDocs(outDir: string): string[] {
  const files = [
    [path.join(outDir, 'errors.md'), renderErrorReferenceMarkdown()],
    [path.join(outDir, 'configuration.md'), renderConfigurationMarkdown()],
  ] as const;
  for (const [file, content] of files) writeFileSync(file, content);
  return files.map(([file]) => file);
}

class CliUsageError extends Error {}

/** Runs one CLI invocation. */
export async function runCli(argv: readonly string[], env = process.env): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 1 : 0;
    }
    if (command === 'docs') {
      const { values } = parseArgs({ args: rest, options: { out: { type: 'string', default: 'docs' } } });
      for (const file of writeDocs(path.resolve(values.out))) process.stderr.write(`wrote ${file}\n`);
      return 0;
    }
    const config = loadConfig(env);
    if (command === 'serve') {
      await serve(config);
      return 0;
    }
    if (command === 'migrate') {
      const { database, applied } = await openMigratedDatabase(config);
      await database.close();
      print({ applied });
      return 0;
    }
    if (command === 'purge') {
      parseArgs({ args: rest, options: {} });
      await purge(config);
      return 0;
    }
    if (command === 'apps') {
      await appsCommand(config, rest);
      return 0;
    }
    if (command === 'keys') {
      await keysCommand(config, rest);
      return 0;
    }
    throw new CliUsageError(`unknown command: ${command}`);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof CliUsageError) {
      process.stderr.write(`idgate: ${error.message}\n`);
      if (error instanceof CliUsageError) process.stderr.write(`\n${USAGE}\n`);
      return 2;
    }
    if (isIdgateError(error)) {
      process.stderr.write(`idgate: ${error.code}: ${error.publicDetail}\n`);
      return 1;
    }
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`idgate: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      if (code !== 0 || process.argv[2] !== 'serve') process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `idgate: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
