/**
 * idgate's configuration: one typed schema read from environment variables (a JSON
 * config file named by `IDGATE_CONFIG_FILE` may add to them; the environment wins).
 * Every value is validated at boot; an invalid one stops the start with an error that
 * names the variable. Each setting's doc comment is the text of `docs/configuration.md`
 * (`settings.ts`); what a configuration is, `config-model.ts`.
 */
import { readFileSync } from 'node:fs';

import { type Config, ConfigError } from './config-model.js';
import { encryptionAlgorithmProblems, parseOidcProviders } from './oidc-providers.js';
import { SETTINGS } from './settings.js';
import { verifierCertificateProblem } from './wallet-providers.js';

export {
  type Config,
  ConfigError,
  type Environment,
  RP_ENCRYPTION_ALGORITHMS,
  RP_SIGNING_ALGORITHMS,
  type RpEncryptionAlgorithm,
  type RpSigningAlgorithm,
} from './config-model.js';
export { SETTINGS } from './settings.js';

/** Reads the optional JSON config file: an object of `VARIABLE: value` pairs. */
function readConfigFile(file: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError('IDGATE_CONFIG_FILE', `could not be read as JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('IDGATE_CONFIG_FILE', 'must contain a JSON object of VARIABLE: value pairs');
  }
  const known = new Set(SETTINGS.map((setting) => setting.variable));
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!known.has(key)) throw new ConfigError(key, 'is not a known setting (in IDGATE_CONFIG_FILE)');
    if ((key === 'IDGATE_OIDC_PROVIDERS' || key === 'IDGATE_WALLETS') && Array.isArray(value)) {
      values[key] = JSON.stringify(value);
      continue;
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new ConfigError(key, 'must be a string, number or boolean (in IDGATE_CONFIG_FILE)');
    }
    values[key] = String(value);
  }
  return values;
}

/**
 * Reads and validates the configuration.
 * @throws ConfigError naming the first invalid variable.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const fileValues = env.IDGATE_CONFIG_FILE ? readConfigFile(env.IDGATE_CONFIG_FILE) : {};
  const partial: Partial<Record<keyof Config, unknown>> = {};
  for (const setting of SETTINGS) {
    const raw = env[setting.variable] ?? fileValues[setting.variable];
    partial[setting.key] =
      raw === undefined || raw === '' ? setting.fallback(partial) : setting.parse(raw, setting.variable);
  }
  const config = partial as unknown as Config;
  if (config.metricsPort !== undefined && config.metricsPort !== 0 && config.metricsPort === config.port) {
    throw new ConfigError('IDGATE_METRICS_PORT', `must differ from PORT (both are ${config.port})`);
  }
  if (config.environment === 'production' && config.databaseUrl && !config.secretKey) {
    throw new ConfigError('IDGATE_SECRET_KEY', 'must be set in production with DATABASE_URL (instances must share it)');
  }
  const encryption = encryptionAlgorithmProblems(config.oidcProviders, config.rpEncryptionAlg);
  if (encryption.length > 0) throw new ConfigError('IDGATE_OIDC_PROVIDERS', encryption.join('; '));
  if (config.environment === 'production') {
    // Security settings never fall back silently: production talks to upstream providers over https only.
    try {
      parseOidcProviders(JSON.stringify(config.oidcProviders), true);
    } catch (error) {
      throw new ConfigError('IDGATE_OIDC_PROVIDERS', (error as Error).message);
    }
    // SPEC 10: production refuses to start a wallet provider without the registrar's key and certificate.
    if (config.wallets.length > 0 && (!config.walletVerifierKey || !config.walletVerifierCert)) {
      throw new ConfigError(
        config.walletVerifierKey ? 'IDGATE_WALLET_VERIFIER_CERT' : 'IDGATE_WALLET_VERIFIER_KEY',
        'and IDGATE_WALLET_VERIFIER_CERT must both be set in production when IDGATE_WALLETS is set',
      );
    }
  }
  if ((config.walletVerifierKey === undefined) !== (config.walletVerifierCert === undefined)) {
    throw new ConfigError(
      config.walletVerifierKey ? 'IDGATE_WALLET_VERIFIER_CERT' : 'IDGATE_WALLET_VERIFIER_KEY',
      'must be set together with the other of IDGATE_WALLET_VERIFIER_KEY and IDGATE_WALLET_VERIFIER_CERT',
    );
  }
  if (config.walletVerifierKey !== undefined && config.walletVerifierCert !== undefined) {
    const requireSan = config.wallets.some((wallet) => (wallet.clientIdScheme ?? 'x509_san_dns') === 'x509_san_dns');
    const host = new URL(config.issuer).hostname.replace(/^\[|\]$/g, '');
    const problem = verifierCertificateProblem(config.walletVerifierKey, config.walletVerifierCert, host, requireSan);
    if (problem !== undefined) throw new ConfigError('IDGATE_WALLET_VERIFIER_CERT', problem);
  }
  return Object.freeze(config);
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = {
  'postgres:': '5432',
  'postgresql:': '5432',
  'redis:': '6379',
  'rediss:': '6379',
};

/**
 * `host:port` of a service URL (`DATABASE_URL`, `REDIS_URL`), for messages: never the user,
 * the password or the rest of the URL.
 */
export function serviceAddressOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}:${parsed.port || DEFAULT_PORTS[parsed.protocol] || '?'}`;
  } catch {
    return '<unparseable URL>';
  }
}

/** Whether a URL's host is a loopback address: `localhost` (and `*.localhost`), `127.0.0.0/8`, `::1`. */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '[::1]') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Production is safe by default (SPEC 8): without `DATABASE_URL` it refuses to open a
 * database unless `IDGATE_ALLOW_SQLITE` says so. Every command that opens the database
 * checks this (through `databaseConfigFor`), so `idgate migrate` cannot prepare a local
 * SQLite file by mistake either.
 * @throws ConfigError naming `DATABASE_URL` and the variable that allows SQLite.
 */
export function checkProductionDatabase(config: Config): void {
  if (config.environment !== 'production' || config.databaseUrl !== undefined || config.allowSqlite) return;
  throw new ConfigError(
    'DATABASE_URL',
    'must be set in production (PostgreSQL, shared by every instance); set IDGATE_ALLOW_SQLITE=1 to run one instance on the embedded SQLite database in IDGATE_DATA_DIR anyway',
  );
}

/**
 * What production refuses to serve with (SPEC 8), checked before anything is opened: an
 * `http` issuer that is not loopback (unless `IDGATE_ALLOW_INSECURE_ISSUER`), no
 * `DATABASE_URL` (unless `IDGATE_ALLOW_SQLITE`), and `/metrics` on the main port without
 * `IDGATE_METRICS_TOKEN`. Each message says which variable to set.
 * @throws ConfigError naming the variable.
 */
export function checkProductionServe(config: Config): void {
  if (config.environment !== 'production') return;
  const issuer = new URL(config.issuer);
  if (issuer.protocol === 'http:' && !isLoopbackHost(issuer.hostname) && !config.allowInsecureIssuer) {
    throw new ConfigError(
      'IDGATE_ISSUER',
      `must be an https URL in production, got ${issuer.origin}; set IDGATE_ALLOW_INSECURE_ISSUER=1 to serve on http anyway`,
    );
  }
  checkProductionDatabase(config);
  if (config.metricsToken === undefined && config.metricsPort === undefined) {
    throw new ConfigError(
      'IDGATE_METRICS_TOKEN',
      'must be set in production, or IDGATE_METRICS_PORT: /metrics would be open to anyone on the main port',
    );
  }
}

/** The Markdown of docs/configuration.md, generated from {@link SETTINGS}. */
export function renderConfigurationMarkdown(): string {
  const lines = [
    '# Configuration',
    '',
    '<!-- Generated from packages/server/src/config/config.ts by `npm run docs`. Do not edit by hand. -->',
    '',
    'idgate reads its configuration from environment variables. `IDGATE_CONFIG_FILE` may name a',
    'JSON file of `VARIABLE: value` pairs that adds to them; the environment wins. An invalid',
    'value stops the start with a message naming the variable.',
    '',
    '| variable | default | meaning |',
    '|---|---|---|',
  ];
  for (const setting of SETTINGS) {
    lines.push(`| \`${setting.variable}\` | ${setting.defaultText} | ${setting.doc} |`);
  }
  lines.push('');
  return lines.join('\n');
}
