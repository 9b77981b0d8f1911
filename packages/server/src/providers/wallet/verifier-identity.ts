/**
 * idgate's identity as an OpenID4VP verifier (SPEC 10): the key that signs request objects
 * and its certificate chain (`x5c`), from `IDGATE_WALLET_VERIFIER_KEY` /
 * `IDGATE_WALLET_VERIFIER_CERT`; in sandbox, when both are unset, a P-256 key and a
 * self-signed certificate whose DNS name is the issuer's host, kept in the data directory
 * (mode 0600) and reused across restarts (generated anew when the host changed or the
 * certificate ran out). Production refuses to start a wallet provider without them.
 *
 * The `client_id` (OpenID4VP 1.0 §5.9.3): `x509_san_dns:<host>` (the leaf must name the host
 * as a DNS SAN) or `x509_hash:<base64url SHA-256 of the leaf DER>`.
 */
import { createHash, createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Config, ConfigError } from '../../config/config.js';
import { splitPemCertificates, verifierCertificateProblem } from '../../config/wallet-providers.js';
import { issueCertificate } from './trust/certificates.js';

/** The verifier's signing key and certificate chain. */
export interface VerifierIdentity {
  readonly privateKey: KeyObject;
  /** The chain as the `x5c` header carries it: base64 DER, leaf first. */
  readonly x5c: readonly string[];
  readonly leaf: X509Certificate;
  /** The issuer's host name (the `x509_san_dns` client identifier). */
  readonly host: string;
  /** Whether it was generated (sandbox) rather than configured. */
  readonly generated: boolean;
}

/** How idgate names itself to wallets. */
export type ClientIdScheme = 'x509_san_dns' | 'x509_hash';

/** The files of a generated sandbox identity. */
export const GENERATED_KEY_FILE = 'wallet-verifier-key.pem';
export const GENERATED_CERT_FILE = 'wallet-verifier-cert.pem';

/** How long a generated certificate is valid. */
const GENERATED_VALIDITY_MS = 365 * 24 * 3600 * 1000;

/** The `client_id` of the verifier under a scheme. */
export function clientIdOf(identity: Pick<VerifierIdentity, 'host' | 'leaf'>, scheme: ClientIdScheme): string {
  if (scheme === 'x509_san_dns') return `x509_san_dns:${identity.host}`;
  return `x509_hash:${createHash('sha256').update(identity.leaf.raw).digest('base64url')}`;
}

/** Whether a certificate names a host as a DNS subject alternative name (RFC 6125, no wildcards). */
export function certificateNamesHost(certificate: X509Certificate, host: string): boolean {
  return (certificate.subjectAltName ?? '').split(', ').includes(`DNS:${host.toLowerCase()}`);
}

/** What loading the identity needs from the configuration. */
export type VerifierIdentityConfig = Pick<
  Config,
  'environment' | 'dataDir' | 'issuer' | 'walletVerifierKey' | 'walletVerifierCert'
>;

/**
 * The verifier identity of an instance.
 * @param requireSan whether a provider uses `x509_san_dns` (the leaf must then name the host)
 * @throws ConfigError naming the variable when the key or certificate is missing (production), unusable or for another host
 */
export async function loadVerifierIdentity(
  config: VerifierIdentityConfig,
  options: { readonly requireSan: boolean; readonly now?: Date },
): Promise<VerifierIdentity> {
  const host = new URL(config.issuer).hostname.replace(/^\[|\]$/g, '');
  const now = options.now ?? new Date();
  if (config.walletVerifierKey !== undefined && config.walletVerifierCert !== undefined) {
    const problem = verifierCertificateProblem(
      config.walletVerifierKey,
      config.walletVerifierCert,
      host,
      options.requireSan,
    );
    if (problem !== undefined) throw new ConfigError('IDGATE_WALLET_VERIFIER_CERT', problem);
    return identityOf(config.walletVerifierKey, config.walletVerifierCert, host, false);
  }
  if (config.environment === 'production') {
    throw new ConfigError(
      'IDGATE_WALLET_VERIFIER_KEY',
      'and IDGATE_WALLET_VERIFIER_CERT must be set in production to offer a wallet provider',
    );
  }
  return generatedIdentity(config.dataDir, host, now);
}

/** A configured or stored key and chain. */
function identityOf(keyPem: string, certPem: string, host: string, generated: boolean): VerifierIdentity {
  const privateKey = createPrivateKey(keyPem);
  const blocks = splitPemCertificates(certPem);
  const chain = blocks.map((block) => new X509Certificate(block));
  const leaf = chain[0];
  if (leaf === undefined) throw new ConfigError('IDGATE_WALLET_VERIFIER_CERT', 'holds no certificate');
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new ConfigError('IDGATE_WALLET_VERIFIER_CERT', 'is not the certificate of IDGATE_WALLET_VERIFIER_KEY');
  }
  return { privateKey, x5c: chain.map((certificate) => certificate.raw.toString('base64')), leaf, host, generated };
}

/** Sandbox: the stored self-signed identity, or a new one when there is none usable for `host`. */
async function generatedIdentity(dataDir: string, host: string, now: Date): Promise<VerifierIdentity> {
  const keyFile = path.join(dataDir, GENERATED_KEY_FILE);
  const certFile = path.join(dataDir, GENERATED_CERT_FILE);
  if (existsSync(keyFile) && existsSync(certFile)) {
    try {
      const stored = identityOf(readFileSync(keyFile, 'utf8'), readFileSync(certFile, 'utf8'), host, true);
      const validTo = Date.parse(stored.leaf.validTo);
      if (certificateNamesHost(stored.leaf, host) && validTo - now.getTime() > 24 * 3600 * 1000) return stored;
    } catch {
      // Unreadable files are replaced below.
    }
  }
  const issued = await selfSignedVerifier(host, now);
  mkdirSync(dataDir, { recursive: true });
  for (const [file, content] of [
    [keyFile, issued.privateKeyPem],
    [certFile, issued.certificatePem],
  ] as const) {
    writeFileSync(file, content, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return identityOf(issued.privateKeyPem, issued.certificatePem, host, true);
}

function selfSignedVerifier(host: string, now: Date) {
  return issueCertificate({
    subject: `O=idgate sandbox verifier, CN=${host}`,
    ca: false,
    dnsNames: [host],
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + GENERATED_VALIDITY_MS),
  });
}

/** A sandbox verifier identity kept in memory only (tests, and `mock-wallet` without a data directory). */
export async function ephemeralVerifierIdentity(host: string, now: Date = new Date()): Promise<VerifierIdentity> {
  const issued = await selfSignedVerifier(host, now);
  return identityOf(issued.privateKeyPem, issued.certificatePem, host, true);
}
