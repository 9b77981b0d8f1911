/**
 * What idgate's configuration is: the validated `Config`, the environments, the
 * relying-party key algorithms, and the error an invalid value stops the start with.
 * `settings.ts` reads every value; `config.ts` loads them.
 */
import type { OidcProviderConfig } from './oidc-providers.js';
import type { WalletProviderConfig } from './wallet-providers.js';

/** The environment an instance serves. */
export type Environment = 'sandbox' | 'production';

/** The algorithms of idgate's relying-party signing key (`IDGATE_RP_SIGNING_ALG`). */
export const RP_SIGNING_ALGORITHMS = ['ES256', 'PS256'] as const;
/** An algorithm of idgate's relying-party signing key. */
export type RpSigningAlgorithm = (typeof RP_SIGNING_ALGORITHMS)[number];
/** The algorithms of idgate's relying-party encryption key (`IDGATE_RP_ENCRYPTION_ALG`). */
export const RP_ENCRYPTION_ALGORITHMS = ['ECDH-ES', 'RSA-OAEP-256'] as const;
/** An algorithm of idgate's relying-party encryption key. */
export type RpEncryptionAlgorithm = (typeof RP_ENCRYPTION_ALGORITHMS)[number];

/** The validated configuration. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly issuer: string;
  /** `IDGATE_ALLOW_INSECURE_ISSUER`: production may start on an `http` issuer that is not loopback. */
  readonly allowInsecureIssuer: boolean;
  readonly environment: Environment;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  /** `IDGATE_ALLOW_SQLITE`: production may start without `DATABASE_URL`, on the embedded SQLite database. */
  readonly allowSqlite: boolean;
  /** `IDGATE_DB_STATEMENT_TIMEOUT`: how long one database statement may take (ms). */
  readonly dbStatementTimeoutMs: number;
  /** `IDGATE_DB_ACQUIRE_TIMEOUT`: how long a request waits for a PostgreSQL connection (ms). */
  readonly dbAcquireTimeoutMs: number;
  readonly redisUrl: string | undefined;
  readonly adminKey: string | undefined;
  readonly secretKey: string | undefined;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly bodyLimit: number;
  readonly uriLimit: number;
  readonly headersLimit: number;
  readonly secretGracePeriodSeconds: number;
  readonly shutdownTimeoutMs: number;
  /** `IDGATE_READY_TIMEOUT`: the bound of one `/readyz` check (ms). */
  readonly readyTimeoutMs: number;
  /** `IDGATE_METRICS_TOKEN`: the bearer token `/metrics` requires (unset: none). */
  readonly metricsToken: string | undefined;
  /** `IDGATE_METRICS_PORT`: `/metrics` is served on this port only (unset: on the main port). */
  readonly metricsPort: number | undefined;
  /** `IDGATE_ACCESS_LOG`: one `info` line per request (error answers are logged either way). */
  readonly accessLog: boolean;
  readonly trustProxy: boolean;
  readonly rateLimitTokenClient: number;
  readonly rateLimitTokenIp: number;
  readonly rateLimitRest: number;
  readonly rateLimitAuthFailuresIp: number;
  readonly rateLimitAuthFailuresClient: number;
  readonly signInHookTimeoutMs: number;
  /** `IDGATE_OUTBOUND_PRIVATE_NETWORKS`: whether hook and webhook calls may reach non-public addresses. */
  readonly outboundPrivateNetworks: 'allow' | 'deny';
  readonly webhookTimeoutMs: number;
  readonly webhookMaxAttempts: number;
  readonly webhookRetryBaseMs: number;
  readonly webhookPollIntervalMs: number;
  readonly purgeIntervalMs: number;
  readonly purgeGraceMs: number;
  readonly webhookRetentionMs: number;
  /** The algorithm of the relying-party signing key idgate creates (`IDGATE_RP_SIGNING_ALG`). */
  readonly rpSigningAlg: RpSigningAlgorithm;
  /** The algorithm of the relying-party encryption key idgate creates (`IDGATE_RP_ENCRYPTION_ALG`). */
  readonly rpEncryptionAlg: RpEncryptionAlgorithm;
  /** Seconds a rotated-away relying-party key stays published and decrypts (`IDGATE_RP_KEY_GRACE`). */
  readonly rpKeyGraceSeconds: number;
  /** `IDGATE_DPOP_NONCE`: whether DPoP proofs must carry a server nonce (RFC 9449 §8, §9). */
  readonly dpopNonces: boolean;
  /** `IDGATE_VERIFICATION_RETENTION`: how long an ended session (the audit trail) is kept; 0 keeps it forever. */
  readonly verificationRetentionMs: number;
  /** `IDGATE_SUPPORT_URL`: the operator's support page, shown on error and doc pages. */
  readonly supportUrl: string | undefined;
  /** `IDGATE_SUPPORT_EMAIL`: the operator's support address, shown on error and doc pages. */
  readonly supportEmail: string | undefined;
  /** Upstream OpenID Connect providers (`IDGATE_OIDC_PROVIDERS`), offered in both environments. */
  readonly oidcProviders: readonly OidcProviderConfig[];
  /** Wallet providers (`IDGATE_WALLETS`, SPEC 10), offered in both environments. */
  readonly wallets: readonly WalletProviderConfig[];
  /** `IDGATE_WALLET_VERIFIER_KEY`: the PEM key wallet requests are signed with. */
  readonly walletVerifierKey: string | undefined;
  /** `IDGATE_WALLET_VERIFIER_CERT`: its PEM certificate chain, leaf first. */
  readonly walletVerifierCert: string | undefined;
}

/** A configuration value that failed validation. */
export class ConfigError extends RangeError {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`Invalid configuration: ${variable} ${message}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}
