/**
 * SPEC 8: configuration from environment variables (a config file may add to them; the
 * environment wins), validated at boot; an invalid value fails naming the variable.
 * `docs/configuration.md` is generated from the schema and must not drift.
 */

import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  checkProductionDatabase,
  checkProductionServe,
  loadConfig,
  renderConfigurationMarkdown,
  SETTINGS,
  serviceAddressOf,
} from '../../src/config/config.js';

const SECRET_32 = 'k'.repeat(32);

/** Runs `loadConfig` and returns the ConfigError it throws. */
function configErrorFor(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('has documented defaults', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      port: 3000,
      host: '127.0.0.1',
      issuer: 'http://localhost:3000',
      allowInsecureIssuer: false,
      environment: 'sandbox',
      dataDir: path.resolve('data'),
      databaseUrl: undefined,
      allowSqlite: false,
      dbStatementTimeoutMs: 5000,
      dbAcquireTimeoutMs: 5000,
      redisUrl: undefined,
      adminKey: undefined,
      secretKey: undefined,
      logLevel: 'info',
      bodyLimit: 1024 * 1024,
      uriLimit: 8 * 1024,
      headersLimit: 16 * 1024,
      secretGracePeriodSeconds: 24 * 3600,
      shutdownTimeoutMs: 10_000,
      readyTimeoutMs: 2000,
      metricsToken: undefined,
      metricsPort: undefined,
      accessLog: true,
      trustProxy: false,
      rateLimitTokenClient: 600,
      rateLimitTokenIp: 1200,
      rateLimitRest: 600,
      rateLimitAuthFailuresIp: 300,
      rateLimitAuthFailuresClient: 60,
      signInHookTimeoutMs: 3000,
      outboundPrivateNetworks: 'allow',
      webhookTimeoutMs: 10_000,
      webhookMaxAttempts: 8,
      webhookRetryBaseMs: 60_000,
      webhookPollIntervalMs: 1000,
      purgeIntervalMs: 600_000,
      purgeGraceMs: 86_400_000,
      webhookRetentionMs: 2_592_000_000,
      rpSigningAlg: 'ES256',
      rpEncryptionAlg: 'ECDH-ES',
      rpKeyGraceSeconds: 604_800,
      dpopNonces: false,
      verificationRetentionMs: 7_776_000_000,
      oidcProviders: [],
      wallets: [],
      walletVerifierKey: undefined,
      walletVerifierCert: undefined,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('defaults the issuer to http://localhost:$PORT', () => {
    expect(loadConfig({ PORT: '4100' }).issuer).toBe('http://localhost:4100');
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      IDGATE_ISSUER: 'https://id.example.com/base',
      IDGATE_ENV: 'production',
      IDGATE_DATA_DIR: '/var/lib/idgate',
      DATABASE_URL: 'postgres://u@db.internal:5432/idgate',
      REDIS_URL: 'rediss://cache.internal:6380',
      IDGATE_ADMIN_KEY: 'a'.repeat(40),
      IDGATE_SECRET_KEY: SECRET_32,
      IDGATE_LOG_LEVEL: 'warn',
      IDGATE_BODY_LIMIT: '2048',
      IDGATE_URI_LIMIT: '1024',
      IDGATE_HEADERS_LIMIT: '4096',
      IDGATE_SECRET_GRACE_PERIOD: '60',
      IDGATE_SHUTDOWN_TIMEOUT: '500',
      IDGATE_TRUST_PROXY: 'true',
      IDGATE_ALLOW_INSECURE_ISSUER: '1',
      IDGATE_ALLOW_SQLITE: 'true',
      IDGATE_DB_STATEMENT_TIMEOUT: '1500',
      IDGATE_DB_ACQUIRE_TIMEOUT: '2500',
      IDGATE_READY_TIMEOUT: '750',
      IDGATE_METRICS_TOKEN: 'm'.repeat(32),
      IDGATE_METRICS_PORT: '9464',
      IDGATE_ACCESS_LOG: 'false',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      issuer: 'https://id.example.com/base',
      environment: 'production',
      dataDir: '/var/lib/idgate',
      databaseUrl: 'postgres://u@db.internal:5432/idgate',
      redisUrl: 'rediss://cache.internal:6380',
      logLevel: 'warn',
      bodyLimit: 2048,
      uriLimit: 1024,
      headersLimit: 4096,
      secretGracePeriodSeconds: 60,
      shutdownTimeoutMs: 500,
      trustProxy: true,
      allowInsecureIssuer: true,
      allowSqlite: true,
      dbStatementTimeoutMs: 1500,
      dbAcquireTimeoutMs: 2500,
      readyTimeoutMs: 750,
      metricsToken: 'm'.repeat(32),
      metricsPort: 9464,
      accessLog: false,
    });
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig({ PORT: '', IDGATE_ENV: '' })).toMatchObject({ port: 3000, environment: 'sandbox' });
  });

  it.each([
    ['https://id.example.com/', 'https://id.example.com'],
    ['https://id.example.com/base//', 'https://id.example.com/base'],
    ['http://localhost:3000', 'http://localhost:3000'],
  ])('strips the trailing slash of IDGATE_ISSUER %s', (raw, issuer) => {
    expect(loadConfig({ IDGATE_ISSUER: raw }).issuer).toBe(issuer);
  });

  describe('refuses an invalid value, naming the variable', () => {
    it.each([
      ['PORT', 'abc'],
      ['PORT', '70000'],
      ['PORT', '-1'],
      ['PORT', '80.5'],
      ['IDGATE_ENV', 'staging'],
      ['IDGATE_ENV', 'Production'],
      ['IDGATE_ISSUER', 'not-a-url'],
      ['IDGATE_ISSUER', 'https://x/?q'],
      ['IDGATE_ISSUER', 'https://x/#f'],
      ['IDGATE_ISSUER', 'ftp://x'],
      ['DATABASE_URL', 'mysql://x'],
      ['DATABASE_URL', 'not a url'],
      ['REDIS_URL', 'http://x'],
      ['IDGATE_ADMIN_KEY', 'short'],
      ['IDGATE_ADMIN_KEY', `${'a'.repeat(32)} with spaces`],
      ['IDGATE_SECRET_KEY', 'short'],
      ['IDGATE_LOG_LEVEL', 'verbose'],
      ['IDGATE_BODY_LIMIT', '-1'],
      ['IDGATE_BODY_LIMIT', '1mb'],
      ['IDGATE_URI_LIMIT', '10'],
      ['IDGATE_HEADERS_LIMIT', '99999999999'],
      ['IDGATE_SECRET_GRACE_PERIOD', 'forever'],
      ['IDGATE_SHUTDOWN_TIMEOUT', 'soon'],
      ['IDGATE_TRUST_PROXY', 'yes'],
      ['IDGATE_PURGE_INTERVAL', '86400001'],
      ['IDGATE_PURGE_GRACE', '-1'],
      ['IDGATE_WEBHOOK_RETENTION', '1000'],
      ['IDGATE_VERIFICATION_RETENTION', '-1'],
      ['IDGATE_SUPPORT_URL', 'http://help.example'],
      ['IDGATE_SUPPORT_URL', 'mailto:help@example.com'],
      ['IDGATE_SUPPORT_URL', 'help.example'],
      ['IDGATE_SUPPORT_EMAIL', 'not an address'],
      ['IDGATE_SUPPORT_EMAIL', 'help@localhost'],
      ['IDGATE_SUPPORT_EMAIL', '<help@example.com>'],
      ['HOST', '   '],
      ['IDGATE_ALLOW_INSECURE_ISSUER', 'yes'],
      ['IDGATE_ALLOW_SQLITE', '2'],
      ['IDGATE_DB_STATEMENT_TIMEOUT', '10'],
      ['IDGATE_DB_ACQUIRE_TIMEOUT', '5s'],
      ['IDGATE_READY_TIMEOUT', '0'],
      ['IDGATE_METRICS_TOKEN', 'short'],
      ['IDGATE_METRICS_PORT', '65536'],
      ['IDGATE_METRICS_PORT', '3000'],
      ['IDGATE_ACCESS_LOG', 'off'],
    ])('%s=%s', (variable, value) => {
      const error = configErrorFor({ [variable]: value });
      expect(error.variable).toBe(variable);
      expect(error.message).toContain(variable);
      expect(error.name).toBe('ConfigError');
      expect(error).toBeInstanceOf(RangeError);
    });

    it('takes a support contact: an https URL and an email address', () => {
      const config = loadConfig({
        IDGATE_SUPPORT_URL: 'https://help.example/idgate',
        IDGATE_SUPPORT_EMAIL: 'support@help.example',
      });
      expect(config.supportUrl).toBe('https://help.example/idgate');
      expect(config.supportEmail).toBe('support@help.example');
      expect(loadConfig({}).supportUrl).toBeUndefined();
    });

    it('does not echo a rejected secret', () => {
      const error = configErrorFor({ IDGATE_ADMIN_KEY: 'tooshort-secret' });
      expect(error.message).not.toContain('tooshort-secret');
    });
  });

  describe('production', () => {
    it('with DATABASE_URL but without IDGATE_SECRET_KEY fails naming IDGATE_SECRET_KEY', () => {
      const error = configErrorFor({ IDGATE_ENV: 'production', DATABASE_URL: 'postgres://db/idgate' });
      expect(error.variable).toBe('IDGATE_SECRET_KEY');
      expect(error.message).toContain('IDGATE_SECRET_KEY');
    });

    it('with DATABASE_URL and IDGATE_SECRET_KEY starts', () => {
      const config = loadConfig({
        IDGATE_ENV: 'production',
        DATABASE_URL: 'postgres://db/idgate',
        IDGATE_SECRET_KEY: SECRET_32,
      });
      expect(config.secretKey).toBe(SECRET_32);
    });

    it('without DATABASE_URL (SQLite) may generate the secret key', () => {
      expect(loadConfig({ IDGATE_ENV: 'production' }).environment).toBe('production');
    });
  });

  describe('IDGATE_CONFIG_FILE', () => {
    let directory: string;
    beforeAll(async () => {
      directory = await mkdtemp(path.join(tmpdir(), 'idgate-config-'));
    });
    afterAll(async () => {
      await rm(directory, { recursive: true, force: true });
    });

    async function configFile(name: string, content: string): Promise<string> {
      const file = path.join(directory, name);
      await writeFile(file, content);
      return file;
    }

    it('adds values; the environment wins', async () => {
      const file = await configFile(
        'idgate.json',
        JSON.stringify({ PORT: 4000, HOST: '0.0.0.0', IDGATE_ENV: 'production', IDGATE_TRUST_PROXY: true }),
      );
      const config = loadConfig({ IDGATE_CONFIG_FILE: file, PORT: '5000' });
      expect(config.port).toBe(5000);
      expect(config.host).toBe('0.0.0.0');
      expect(config.environment).toBe('production');
      expect(config.trustProxy).toBe(true);
      expect(config.issuer).toBe('http://localhost:5000');
    });

    it('validates its values like the environment’s', async () => {
      const file = await configFile('bad-value.json', JSON.stringify({ IDGATE_ENV: 'staging' }));
      expect(configErrorFor({ IDGATE_CONFIG_FILE: file }).variable).toBe('IDGATE_ENV');
    });

    it('refuses an unknown setting, naming it', async () => {
      const file = await configFile('unknown.json', JSON.stringify({ IDGATE_COLOUR: 'blue' }));
      const error = configErrorFor({ IDGATE_CONFIG_FILE: file });
      expect(error.variable).toBe('IDGATE_COLOUR');
      expect(error.message).toContain('IDGATE_CONFIG_FILE');
    });

    it.each([
      ['not JSON', '{ nope'],
      ['not an object', '[1, 2]'],
    ])('refuses a file that is %s', async (_label, content) => {
      const file = await configFile(`bad-${content.length}.json`, content);
      expect(configErrorFor({ IDGATE_CONFIG_FILE: file }).variable).toBe('IDGATE_CONFIG_FILE');
    });

    it('refuses a missing file', () => {
      const error = configErrorFor({ IDGATE_CONFIG_FILE: path.join(directory, 'missing.json') });
      expect(error.variable).toBe('IDGATE_CONFIG_FILE');
    });
  });
});

/** The ConfigError a check throws. */
function checkErrorFor(check: () => void): ConfigError {
  try {
    check();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('the check passed');
}

describe('production start checks (SPEC 8: safe by default, saying which variable to set)', () => {
  const SERVABLE = {
    IDGATE_ENV: 'production',
    IDGATE_ISSUER: 'https://id.example.com',
    DATABASE_URL: 'postgres://idgate@db.internal/idgate',
    IDGATE_SECRET_KEY: SECRET_32,
    IDGATE_METRICS_TOKEN: 'm'.repeat(32),
  };

  it('a production configuration with https, PostgreSQL and a metrics token passes', () => {
    expect(() => checkProductionServe(loadConfig(SERVABLE))).not.toThrow();
  });

  it.each(['http://id.example.com', 'http://10.0.0.5:3000', 'http://localhost.example.com'])(
    'refuses the http issuer %s, naming IDGATE_ISSUER and IDGATE_ALLOW_INSECURE_ISSUER',
    (issuer) => {
      const error = checkErrorFor(() => checkProductionServe(loadConfig({ ...SERVABLE, IDGATE_ISSUER: issuer })));
      expect(error.variable).toBe('IDGATE_ISSUER');
      expect(error.message).toBe(
        `Invalid configuration: IDGATE_ISSUER must be an https URL in production, got ${new URL(issuer).origin}; set IDGATE_ALLOW_INSECURE_ISSUER=1 to serve on http anyway`,
      );
    },
  );

  it.each([
    'http://localhost:3000',
    'http://127.0.0.1:3000',
    'http://127.1.2.3',
    'http://[::1]:8080',
    'http://idgate.localhost',
  ])('allows the loopback http issuer %s', (issuer) => {
    expect(() => checkProductionServe(loadConfig({ ...SERVABLE, IDGATE_ISSUER: issuer }))).not.toThrow();
  });

  it('allows a non-loopback http issuer with IDGATE_ALLOW_INSECURE_ISSUER=1', () => {
    const config = loadConfig({
      ...SERVABLE,
      IDGATE_ISSUER: 'http://id.example.com',
      IDGATE_ALLOW_INSECURE_ISSUER: '1',
    });
    expect(() => checkProductionServe(config)).not.toThrow();
  });

  it('refuses SQLite (no DATABASE_URL), naming DATABASE_URL and IDGATE_ALLOW_SQLITE, also for the CLI', () => {
    const { DATABASE_URL: _, ...withoutDatabase } = SERVABLE;
    const config = loadConfig(withoutDatabase);
    for (const check of [() => checkProductionServe(config), () => checkProductionDatabase(config)]) {
      const error = checkErrorFor(check);
      expect(error.variable).toBe('DATABASE_URL');
      expect(error.message).toBe(
        'Invalid configuration: DATABASE_URL must be set in production (PostgreSQL, shared by every instance); set IDGATE_ALLOW_SQLITE=1 to run one instance on the embedded SQLite database in IDGATE_DATA_DIR anyway',
      );
    }
    const allowed = loadConfig({ ...withoutDatabase, IDGATE_ALLOW_SQLITE: '1' });
    expect(() => checkProductionServe(allowed)).not.toThrow();
  });

  it('refuses /metrics on the main port without a token, naming IDGATE_METRICS_TOKEN and IDGATE_METRICS_PORT', () => {
    const { IDGATE_METRICS_TOKEN: _, ...withoutToken } = SERVABLE;
    const error = checkErrorFor(() => checkProductionServe(loadConfig(withoutToken)));
    expect(error.variable).toBe('IDGATE_METRICS_TOKEN');
    expect(error.message).toBe(
      'Invalid configuration: IDGATE_METRICS_TOKEN must be set in production, or IDGATE_METRICS_PORT: /metrics would be open to anyone on the main port',
    );
    expect(() => checkProductionServe(loadConfig({ ...withoutToken, IDGATE_METRICS_PORT: '9464' }))).not.toThrow();
  });

  it('checks nothing in sandbox', () => {
    const config = loadConfig({ IDGATE_ISSUER: 'http://id.example.com' });
    expect(() => checkProductionServe(config)).not.toThrow();
    expect(() => checkProductionDatabase(config)).not.toThrow();
  });

  it.each([
    ['postgres://idgate:s3cret@db.internal:6543/idgate', 'db.internal:6543'],
    ['postgresql://idgate:s3cret@db.internal/idgate', 'db.internal:5432'],
    ['redis://:s3cret@cache.internal', 'cache.internal:6379'],
    ['rediss://user:s3cret@[::1]:6380/0', '[::1]:6380'],
  ])('names %s by its host and port only (%s)', (url, address) => {
    expect(serviceAddressOf(url)).toBe(address);
  });
});

describe('docs/configuration.md', () => {
  const file = fileURLToPath(new URL('../../../../docs/configuration.md', import.meta.url));

  it('equals the generated reference (run `npm run docs` after changing config.ts)', () => {
    let committed: string;
    try {
      committed = readFileSync(file, 'utf8');
    } catch {
      throw new Error(`${file} is missing: run \`npm run docs\``);
    }
    expect(committed, 'docs/configuration.md is out of date: run `npm run docs`').toBe(renderConfigurationMarkdown());
  });

  it('documents every setting with a default', () => {
    const markdown = renderConfigurationMarkdown();
    for (const setting of SETTINGS) {
      expect(markdown).toContain(`| \`${setting.variable}\` | ${setting.defaultText} |`);
      expect(setting.doc.length).toBeGreaterThan(10);
    }
    expect(markdown).toContain('IDGATE_CONFIG_FILE');
  });
});
