/**
 * Every setting of idgate's configuration, in documentation order: its variable, how it
 * is read and checked, its default, and the doc text of `docs/configuration.md`.
 */
import path from 'node:path';
import { type Config, ConfigError, RP_ENCRYPTION_ALGORITHMS, RP_SIGNING_ALGORITHMS } from './config-model.js';
import { parseOidcProviders } from './oidc-providers.js';
import { parseVerifierCertificatePem, parseVerifierKeyPem, parseWalletProviders } from './wallet-providers.js';

/** Reads one raw value. */
export type Parse<T> = (raw: string, variable: string) => T;

/** One setting. */
export interface Setting<T> {
  readonly variable: string;
  readonly key: keyof Config;
  /** Shown in docs/configuration.md. */
  readonly doc: string;
  /** Shown as the default in docs (undefined = unset). */
  readonly defaultText: string;
  readonly parse: Parse<T>;
  readonly fallback: (partial: Partial<Record<keyof Config, unknown>>) => T;
}

function integer(min: number, max: number): Parse<number> {
  return function parseInteger(raw, variable) {
    if (!/^\d+$/.test(raw)) throw new ConfigError(variable, `must be an integer, got '${raw}'`);
    const value = Number(raw);
    if (value < min || value > max) throw new ConfigError(variable, `must be between ${min} and ${max}, got ${value}`);
    return value;
  };
}

function oneOf<T extends string>(values: readonly T[]): Parse<T> {
  return function parseOneOf(raw, variable) {
    if (!(values as readonly string[]).includes(raw)) {
      throw new ConfigError(variable, `must be one of ${values.join(', ')}, got '${raw}'`);
    }
    return raw as T;
  };
}

function url(protocols: readonly string[]): Parse<string> {
  return function parseUrl(raw, variable) {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ConfigError(variable, 'must be an absolute URL');
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new ConfigError(variable, `must use ${protocols.join(' or ')}, got '${parsed.protocol}'`);
    }
    return raw;
  };
}

function issuerUrl(raw: string, variable: string): string {
  url(['http:', 'https:'])(raw, variable);
  const parsed = new URL(raw);
  if (parsed.search || parsed.hash) throw new ConfigError(variable, 'must not have a query or fragment');
  return raw.replace(/\/+$/, '');
}

function secret(minLength: number): Parse<string> {
  return function parseSecret(raw, variable) {
    if (raw.length < minLength) throw new ConfigError(variable, `must be at least ${minLength} characters`);
    if (!/^[\x21-\x7e]+$/.test(raw)) throw new ConfigError(variable, 'must be printable ASCII without spaces');
    return raw;
  };
}

function text(raw: string, variable: string): string {
  if (raw.trim() === '') throw new ConfigError(variable, 'must not be empty');
  return raw;
}

function emailAddress(raw: string, variable: string): string {
  // A plain addr-spec: local part @ a domain with a dot; no spaces, quotes or angle brackets.
  if (raw.length > 254 || !/^[^\s@<>"(),;:]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(raw)) {
    throw new ConfigError(variable, `must be an email address like support@example.com, got '${raw.slice(0, 80)}'`);
  }
  return raw;
}

function boolean(raw: string, variable: string): boolean {
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(variable, `must be true or false, got '${raw}'`);
}

const unset = () => undefined;

/** Every setting, in documentation order. */
export const SETTINGS: readonly Setting<unknown>[] = [
  {
    variable: 'PORT',
    key: 'port',
    doc: 'TCP port to listen on.',
    defaultText: '3000',
    parse: integer(0, 65535),
    fallback: () => 3000,
  },
  {
    variable: 'HOST',
    key: 'host',
    doc: 'Address to listen on.',
    defaultText: '127.0.0.1',
    parse: text,
    fallback: () => '127.0.0.1',
  },
  {
    variable: 'IDGATE_ISSUER',
    key: 'issuer',
    doc: 'Public base URL of this instance: the OpenID issuer, and the base of every error `type` and `doc_url`.',
    defaultText: 'http://localhost:$PORT',
    parse: issuerUrl,
    fallback: (partial) => `http://localhost:${String(partial.port)}`,
  },
  {
    variable: 'IDGATE_ALLOW_INSECURE_ISSUER',
    key: 'allowInsecureIssuer',
    doc: 'In production, allow an `http` issuer that is not loopback (`localhost`, `127.0.0.0/8`, `::1`). Production refuses to start on one otherwise: tokens, codes and client secrets would cross the network in clear. Behind a proxy that terminates TLS the issuer is still the public `https` URL.',
    defaultText: 'false',
    parse: boolean,
    fallback: () => false,
  },
  {
    variable: 'IDGATE_ENV',
    key: 'environment',
    doc: 'The environment this instance serves: `sandbox` (credentials `test_…`, mock providers) or `production` (credentials `live_…`).',
    defaultText: 'sandbox',
    parse: oneOf(['sandbox', 'production'] as const),
    fallback: () => 'sandbox',
  },
  {
    variable: 'IDGATE_DATA_DIR',
    key: 'dataDir',
    doc: 'Directory of the SQLite database and generated keys.',
    defaultText: './data',
    parse: (raw, variable) => path.resolve(text(raw, variable)),
    fallback: () => path.resolve('data'),
  },
  {
    variable: 'DATABASE_URL',
    key: 'databaseUrl',
    doc: 'PostgreSQL URL (`postgres://…`). When set, PostgreSQL holds all durable state and SQLite is not used.',
    defaultText: 'unset (SQLite)',
    parse: url(['postgres:', 'postgresql:']),
    fallback: unset,
  },
  {
    variable: 'IDGATE_ALLOW_SQLITE',
    key: 'allowSqlite',
    doc: 'In production, allow running without `DATABASE_URL`, on the embedded SQLite database in `IDGATE_DATA_DIR` (one instance only). Production refuses to start (and the CLI to open a database) without `DATABASE_URL` otherwise.',
    defaultText: 'false',
    parse: boolean,
    fallback: () => false,
  },
  {
    variable: 'IDGATE_DB_STATEMENT_TIMEOUT',
    key: 'dbStatementTimeoutMs',
    doc: "Milliseconds one database statement may take. PostgreSQL: the server-side `statement_timeout` and `idle_in_transaction_session_timeout` of every connection, plus a client-side deadline 1 s later that also bounds a server that stopped answering (the connection is then dropped); SQLite: how long a write waits for another process's lock (`busy_timeout`). A statement past it fails as 503 `SYSTEM_UNAVAILABLE` with `Retry-After`.",
    defaultText: '5000',
    parse: integer(100, 10 * 60 * 1000),
    fallback: () => 5000,
  },
  {
    variable: 'IDGATE_DB_ACQUIRE_TIMEOUT',
    key: 'dbAcquireTimeoutMs',
    doc: 'Milliseconds a request waits for a PostgreSQL connection from the pool, connecting included; longer is 503 `SYSTEM_UNAVAILABLE` with `Retry-After`.',
    defaultText: '5000',
    parse: integer(100, 10 * 60 * 1000),
    fallback: () => 5000,
  },
  {
    variable: 'REDIS_URL',
    key: 'redisUrl',
    doc: 'Redis URL (`redis://…`, `rediss://…` for TLS). When set, rate limits are counted in Redis (keys `idgate:rl:…`) and shared by every instance using it, whose clocks must be synchronized (NTP); the start fails when it cannot be reached, and while it is unreachable rate-limited routes answer 503 and `/readyz` is not ready. Short-lived one-time artifacts (authorization codes) stay in the database for now.',
    defaultText: 'unset (rate limits in process)',
    parse: url(['redis:', 'rediss:']),
    fallback: unset,
  },
  {
    variable: 'IDGATE_ADMIN_KEY',
    key: 'adminKey',
    doc: 'Bearer key of the admin API (at least 32 characters). When unset, one is generated on first start, stored in `$IDGATE_DATA_DIR/admin-key` and printed once.',
    defaultText: 'generated',
    parse: secret(32),
    fallback: unset,
  },
  {
    variable: 'IDGATE_SECRET_KEY',
    key: 'secretKey',
    doc: 'Key (at least 32 characters) for the keyed hashes of client secrets and the encryption of hook secrets. Instances sharing a database must share it. When unset, one is generated in `$IDGATE_DATA_DIR/secret-key`; production with `DATABASE_URL` requires it.',
    defaultText: 'generated',
    parse: secret(32),
    fallback: unset,
  },
  {
    variable: 'IDGATE_LOG_LEVEL',
    key: 'logLevel',
    doc: 'Log level of the JSON logs on standard output.',
    defaultText: 'info',
    parse: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    fallback: () => 'info',
  },
  {
    variable: 'IDGATE_BODY_LIMIT',
    key: 'bodyLimit',
    doc: 'Largest request body in bytes; larger is 413 `VALIDATION_PAYLOAD_TOO_LARGE`.',
    defaultText: '1048576 (1 MiB)',
    parse: integer(1024, 64 * 1024 * 1024),
    fallback: () => 1024 * 1024,
  },
  {
    variable: 'IDGATE_URI_LIMIT',
    key: 'uriLimit',
    doc: 'Longest request target in bytes; longer is 414 `VALIDATION_URI_TOO_LONG`.',
    defaultText: '8192 (8 KiB)',
    parse: integer(256, 1024 * 1024),
    fallback: () => 8 * 1024,
  },
  {
    variable: 'IDGATE_HEADERS_LIMIT',
    key: 'headersLimit',
    doc: 'Largest size of all request header fields in bytes; larger is 431 `VALIDATION_HEADERS_TOO_LARGE`.',
    defaultText: '16384 (16 KiB)',
    parse: integer(1024, 1024 * 1024),
    fallback: () => 16 * 1024,
  },
  {
    variable: 'IDGATE_SECRET_GRACE_PERIOD',
    key: 'secretGracePeriodSeconds',
    doc: 'Seconds a rotated-away client secret stays valid.',
    defaultText: '86400 (24 h)',
    parse: integer(0, 90 * 24 * 3600),
    fallback: () => 24 * 3600,
  },
  {
    variable: 'IDGATE_SHUTDOWN_TIMEOUT',
    key: 'shutdownTimeoutMs',
    doc: 'Milliseconds a graceful shutdown (SIGTERM, SIGINT) may take. It stops accepting connections, answers every request already received (each with `Connection: close`), waits for webhook deliveries under way, then closes the database and Redis; connections still open at this bound are closed and the process exits.',
    defaultText: '10000',
    parse: integer(0, 10 * 60 * 1000),
    fallback: () => 10_000,
  },
  {
    variable: 'IDGATE_READY_TIMEOUT',
    key: 'readyTimeoutMs',
    doc: 'Milliseconds `/readyz` waits for the database (and Redis) to answer before it answers 503 `SYSTEM_UNAVAILABLE`. Keep it below the probe timeout of the balancer or orchestrator.',
    defaultText: '2000',
    parse: integer(100, 60_000),
    fallback: () => 2000,
  },
  {
    variable: 'IDGATE_METRICS_TOKEN',
    key: 'metricsToken',
    doc: 'Bearer token (at least 32 characters) `/metrics` requires (`Authorization: Bearer …`); a missing or wrong one is 401 `AUTH_MISSING_CREDENTIALS` / `AUTH_INVALID_CREDENTIALS`. Production refuses to start with `/metrics` on the main port and no token.',
    defaultText: 'unset (no token)',
    parse: secret(32),
    fallback: unset,
  },
  {
    variable: 'IDGATE_METRICS_PORT',
    key: 'metricsPort',
    doc: 'Serve `/metrics` on a separate listener on this port (on `HOST`), and not on the main port (keep that port inside the cluster).',
    defaultText: 'unset (/metrics on PORT)',
    parse: integer(0, 65535),
    fallback: unset,
  },
  {
    variable: 'IDGATE_ACCESS_LOG',
    key: 'accessLog',
    doc: 'One `info` log line per request (method, route, status, duration, request id, client, verification and provider ids). `false` logs only error answers, as one line each.',
    defaultText: 'true',
    parse: boolean,
    fallback: () => true,
  },
  {
    variable: 'IDGATE_TRUST_PROXY',
    key: 'trustProxy',
    doc: 'Trust `X-Forwarded-*` headers from a reverse proxy (client IP for rate limits).',
    defaultText: 'false',
    parse: boolean,
    fallback: () => false,
  },
  {
    variable: 'IDGATE_RATE_LIMIT_TOKEN_CLIENT',
    key: 'rateLimitTokenClient',
    doc: 'Requests per minute one client id may make to `/token` (policy `token-client`); more is 429 `SYSTEM_RATE_LIMITED`. `0` turns the limit off.',
    defaultText: '600',
    parse: integer(0, 1_000_000),
    fallback: () => 600,
  },
  {
    variable: 'IDGATE_RATE_LIMIT_TOKEN_IP',
    key: 'rateLimitTokenIp',
    doc: 'Requests per minute one client IP address may make to `/token` (policy `token-ip`; behind a proxy see `IDGATE_TRUST_PROXY`). `0` turns the limit off.',
    defaultText: '1200',
    parse: integer(0, 1_000_000),
    fallback: () => 1200,
  },
  {
    variable: 'IDGATE_RATE_LIMIT_REST',
    key: 'rateLimitRest',
    doc: 'Requests per minute one app may make to the REST API `/v1` (policy `rest-app`). `0` turns the limit off.',
    defaultText: '600',
    parse: integer(0, 1_000_000),
    fallback: () => 600,
  },
  {
    variable: 'IDGATE_RATE_LIMIT_AUTH_FAILURES_IP',
    key: 'rateLimitAuthFailuresIp',
    doc: 'Failed authentications per minute one client IP address may make on any authenticated surface (`/token`, `/introspect`, `/revoke`, `/userinfo`, the REST and admin APIs; policy `auth-failures-ip`): a wrong or unknown client id or secret, a wrong admin key, an invalid bearer token. Past it the failure is 429 `SYSTEM_RATE_LIMITED`, and every authentication from that address is refused until its next failure would be allowed. Counted in Redis when `REDIS_URL` is set. `0` turns the limit off.',
    defaultText: '300',
    parse: integer(0, 1_000_000),
    fallback: () => 300,
  },
  {
    variable: 'IDGATE_RATE_LIMIT_AUTH_FAILURES_CLIENT',
    key: 'rateLimitAuthFailuresClient',
    doc: "Failed authentications per minute for one presented client id, from any address (policy `auth-failures-client`). Past it the failures are 429 `SYSTEM_RATE_LIMITED`; the client's correct credentials keep working (a client id is public). Counted in Redis when `REDIS_URL` is set. `0` turns the limit off.",
    defaultText: '60',
    parse: integer(0, 1_000_000),
    fallback: () => 60,
  },
  {
    variable: 'IDGATE_SIGNIN_HOOK_TIMEOUT',
    key: 'signInHookTimeoutMs',
    doc: "Milliseconds idgate waits for an app's sign-in hook; longer is `err_signin_hook_unavailable` (see docs/hooks-and-webhooks.md).",
    defaultText: '3000',
    parse: integer(50, 30_000),
    fallback: () => 3000,
  },
  {
    variable: 'IDGATE_OUTBOUND_PRIVATE_NETWORKS',
    key: 'outboundPrivateNetworks',
    doc: "Whether sign-in hook and webhook calls may reach loopback, private, link-local and other non-public addresses. `deny`: such URLs are refused when an app is registered (`localhost`, IP literals that are not public; in production https without the loopback exception), and every call connects only to addresses checked when the name is resolved, so DNS cannot point it inside (see docs/hooks-and-webhooks.md, Private networks). `allow`: no check (for receivers on the developer's machine).",
    defaultText: '`deny` in production, `allow` in sandbox',
    parse: oneOf(['allow', 'deny'] as const),
    fallback: (partial) => (partial.environment === 'production' ? 'deny' : 'allow'),
  },
  {
    variable: 'IDGATE_WEBHOOK_TIMEOUT',
    key: 'webhookTimeoutMs',
    doc: 'Milliseconds one webhook delivery attempt may take; longer counts as a failed attempt.',
    defaultText: '10000',
    parse: integer(50, 60_000),
    fallback: () => 10_000,
  },
  {
    variable: 'IDGATE_WEBHOOK_MAX_ATTEMPTS',
    key: 'webhookMaxAttempts',
    doc: 'Delivery attempts of a webhook event before it is marked `failed`.',
    defaultText: '8',
    parse: integer(1, 50),
    fallback: () => 8,
  },
  {
    variable: 'IDGATE_WEBHOOK_RETRY_BASE',
    key: 'webhookRetryBaseMs',
    doc: 'Milliseconds before the first webhook retry; each further retry waits twice as long (±20 % jitter, at most 6 h).',
    defaultText: '60000',
    parse: integer(10, 6 * 3600 * 1000),
    fallback: () => 60_000,
  },
  {
    variable: 'IDGATE_WEBHOOK_POLL_INTERVAL',
    key: 'webhookPollIntervalMs',
    doc: 'Milliseconds between two looks for due webhook events while the server listens. `0` turns background delivery off.',
    defaultText: '1000',
    parse: integer(0, 10 * 60 * 1000),
    fallback: () => 1000,
  },
  {
    variable: 'IDGATE_PURGE_INTERVAL',
    key: 'purgeIntervalMs',
    doc: 'Milliseconds between two purges of expired OAuth records and old webhook events while the server listens (see docs/architecture.md, Retention). `0` turns background purging off; `idgate purge` runs one purge.',
    defaultText: '600000',
    parse: integer(0, 24 * 3600 * 1000),
    fallback: () => 600_000,
  },
  {
    variable: 'IDGATE_PURGE_GRACE',
    key: 'purgeGraceMs',
    doc: 'Milliseconds an authorization code or refresh token is kept past its expiry before it is purged, so that a replayed code or a reused rotated refresh token is still recognized and revokes its grant.',
    defaultText: '86400000',
    parse: integer(0, 30 * 24 * 3600 * 1000),
    fallback: () => 86_400_000,
  },
  {
    variable: 'IDGATE_WEBHOOK_RETENTION',
    key: 'webhookRetentionMs',
    doc: 'Milliseconds a delivered or failed webhook event (with its attempts: the delivery log) is kept after its last change before it is purged. Pending events are never purged.',
    defaultText: '2592000000',
    parse: integer(3600 * 1000, 400 * 24 * 3600 * 1000),
    fallback: () => 2_592_000_000,
  },
  {
    variable: 'IDGATE_RP_SIGNING_ALG',
    key: 'rpSigningAlg',
    doc: "The algorithm of idgate's relying-party signing key (`use: sig`, published at `/rp/jwks.json`), created on first start and by `idgate keys rotate --rp`: it signs `private_key_jwt` client assertions and request objects sent to upstream providers, and `/rp/signed-jwks`. Separate from the ID token signing keys. See docs/providers.md.",
    defaultText: 'ES256',
    parse: oneOf(RP_SIGNING_ALGORITHMS),
    fallback: () => 'ES256',
  },
  {
    variable: 'IDGATE_RP_ENCRYPTION_ALG',
    key: 'rpEncryptionAlg',
    doc: "The algorithm of idgate's relying-party encryption key (`use: enc`, published at `/rp/jwks.json`): `ECDH-ES` (P-256) or `RSA-OAEP-256` (RSA 2048). Upstream providers encrypt ID tokens and userinfo to it. Created on first start and by `idgate keys rotate --rp`.",
    defaultText: 'ECDH-ES',
    parse: oneOf(RP_ENCRYPTION_ALGORITHMS),
    fallback: () => 'ECDH-ES',
  },
  {
    variable: 'IDGATE_RP_KEY_GRACE',
    key: 'rpKeyGraceSeconds',
    doc: 'Seconds a relying-party key replaced by `idgate keys rotate --rp` stays published at `/rp/jwks.json` and still decrypts what upstreams encrypted to it (upstreams cache the JWKS). Then it is retired.',
    defaultText: '604800 (7 days)',
    parse: integer(0, 90 * 24 * 3600),
    fallback: () => 7 * 24 * 3600,
  },
  {
    variable: 'IDGATE_DPOP_NONCE',
    key: 'dpopNonces',
    doc: 'Whether DPoP proofs at `/token`, `/userinfo` and the REST API must carry a nonce idgate issued (RFC 9449 §8, §9): a proof without a current one is answered `use_dpop_nonce` with a `DPoP-Nonce` header, and every answer to a DPoP request carries the current nonce. Nonces need no storage: every instance with the same `IDGATE_SECRET_KEY` issues and accepts the same ones, each for 2 to 4 minutes (see docs/fapi.md).',
    defaultText: 'false',
    parse: boolean,
    fallback: () => false,
  },
  {
    variable: 'IDGATE_VERIFICATION_RETENTION',
    key: 'verificationRetentionMs',
    doc: 'Milliseconds a verification session is kept after it ended (completed, failed, cancelled or expired) before the purge job deletes it with its audit trail, its webhook events and its sealed data (user data, result, login hint); afterwards its id is `SESSION_VERIFICATION_NOT_FOUND`. A session whose refresh tokens are still live is kept until they expired. `0` keeps sessions forever.',
    defaultText: '7776000000 (90 days)',
    parse: integer(0, 3650 * 24 * 3600 * 1000),
    fallback: () => 7_776_000_000,
  },
  {
    variable: 'IDGATE_SUPPORT_URL',
    key: 'supportUrl',
    doc: "The operator's support page (an https URL), shown with `IDGATE_SUPPORT_EMAIL` on idgate's error pages and the `/errors/{CODE}` pages, next to the request id and time a person should quote.",
    defaultText: 'unset (no support page shown)',
    parse: url(['https:']),
    fallback: () => undefined,
  },
  {
    variable: 'IDGATE_SUPPORT_EMAIL',
    key: 'supportEmail',
    doc: "The operator's support email address, shown on idgate's error pages and the `/errors/{CODE}` pages (see `IDGATE_SUPPORT_URL`).",
    defaultText: 'unset (no address shown)',
    parse: emailAddress,
    fallback: () => undefined,
  },
  {
    variable: 'IDGATE_OIDC_PROVIDERS',
    key: 'oidcProviders',
    doc: 'Upstream OpenID Connect providers: a JSON array of `{ id, displayName, discoveryUrl, clientId?, clientSecret?, scopes?, claimMapping?, acrMapping?, maxLoa, defaultLoa?, timeoutMs?, countries?, circuitBreaker?, tokenEndpointAuthMethod?, pushedAuthorization?, requestObject?, responseMode?, idTokenEncryption?, userinfoEncryption? }` (in the config file also as a JSON array). Each entry is checked at boot; a message names the entry and the field. See docs/providers.md.',
    defaultText: '[] (none)',
    parse: function parseProviders(raw, variable) {
      try {
        return parseOidcProviders(raw, false);
      } catch (error) {
        throw new ConfigError(variable, (error as Error).message);
      }
    },
    fallback: () => Object.freeze([]),
  },
  {
    variable: 'IDGATE_WALLETS',
    key: 'wallets',
    doc: 'Wallet providers (OpenID4VP verifiers, SPEC 10): a JSON array of `{ id, displayName, credentials, trustAnchors?, trustedIssuers?, responseMode?, clientIdScheme?, maxLoa?, countries?, flowTypes?, responseEncryption?, statusListTimeoutMs? }` (in the config file also as a JSON array); `credentials` lists `{ format: "dc+sd-jwt", vct: [...] }` and `{ format: "mso_mdoc", doctype }`. See docs/wallets.md.',
    defaultText: '[] (none)',
    parse: function parseWallets(raw, variable) {
      try {
        return parseWalletProviders(raw);
      } catch (error) {
        throw new ConfigError(variable, (error as Error).message);
      }
    },
    fallback: () => Object.freeze([]),
  },
  {
    variable: 'IDGATE_WALLET_VERIFIER_KEY',
    key: 'walletVerifierKey',
    doc: "PEM private key (EC P-256) that signs the wallet request objects. Required in production when `IDGATE_WALLETS` is set; in sandbox, when unset, one is generated with a self-signed certificate for the issuer's host in `$IDGATE_DATA_DIR/wallet-verifier-key.pem`.",
    defaultText: 'generated in sandbox',
    parse: function parseVerifierKey(raw, variable) {
      try {
        return parseVerifierKeyPem(raw);
      } catch (error) {
        throw new ConfigError(variable, (error as Error).message);
      }
    },
    fallback: unset,
  },
  {
    variable: 'IDGATE_WALLET_VERIFIER_CERT',
    key: 'walletVerifierCert',
    doc: "PEM certificate chain of `IDGATE_WALLET_VERIFIER_KEY`, leaf first (the chain a registrar issued); the leaf names the issuer's host as a DNS subject alternative name (`client_id` `x509_san_dns:<host>`).",
    defaultText: 'generated in sandbox',
    parse: function parseVerifierCert(raw, variable) {
      try {
        return parseVerifierCertificatePem(raw);
      } catch (error) {
        throw new ConfigError(variable, (error as Error).message);
      }
    },
    fallback: unset,
  },
];
