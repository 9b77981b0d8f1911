/**
 * `IDGATE_WALLETS` and the verifier key/certificate at boot (an invalid entry stops the start
 * naming the variable, the index and the field), the verifier identity (configured, or
 * generated in sandbox into the data directory and reused), and the client identifiers.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/config.js';
import { findProvider, providersFor } from '../../../src/providers/registry.js';
import {
  certificateNamesHost,
  clientIdOf,
  ephemeralVerifierIdentity,
  loadVerifierIdentity,
} from '../../../src/providers/wallet/verifier-identity.js';
import { testCertificate } from './holder.js';

let anchorPem: string;
let leafPem: string;
let verifier: { keyPem: string; certPem: string };
let directory: string;

const ENTRY = () => ({
  id: 'eudi-wallet',
  displayName: 'EU Digital Identity Wallet',
  credentials: [
    { format: 'dc+sd-jwt', vct: ['urn:eudi:pid:1'] },
    { format: 'mso_mdoc', doctype: 'eu.europa.ec.eudi.pid.1' },
  ],
  trustAnchors: [anchorPem],
  trustedIssuers: [{ iss: 'https://issuer.example', jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: X, y: Y }] } }],
  maxLoa: 4,
  countries: ['DE', 'SE'],
});

// A P-256 public key (RFC 7515 A.3).
const X = 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU';
const Y = 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  return expect.fail('loadConfig accepted the configuration');
}

beforeAll(async () => {
  const ca = await testCertificate({ name: 'C=DE, CN=Test IACA', ca: true });
  anchorPem = ca.pem;
  leafPem = (await testCertificate({ name: 'C=DE, CN=Issuer', issuer: ca, ca: false })).pem;
  const identity = await ephemeralVerifierIdentity('idgate.example');
  verifier = {
    keyPem: identity.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    certPem: identity.leaf.toString(),
  };
  directory = await mkdtemp(join(tmpdir(), 'idgate-wallet-config-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('IDGATE_WALLETS', () => {
  it('defaults to none and reads a valid list, offered in both environments with its descriptor', () => {
    expect(loadConfig({}).wallets).toEqual([]);
    const config = loadConfig({ IDGATE_WALLETS: JSON.stringify([ENTRY()]) });
    expect(config.wallets).toEqual([ENTRY()]);
    expect(findProvider(config, 'eudi-wallet')).toEqual({
      id: 'eudi-wallet',
      name: 'EU Digital Identity Wallet',
      flowTypes: ['qr', 'redirect', 'dc_api'],
      maxLoa: 4,
      requiredUserData: [],
      claims: [
        'given_name',
        'family_name',
        'birthdate',
        'nationality',
        'email',
        'phone_number',
        'address',
        'age_over_18',
      ],
      countries: ['DE', 'SE'],
      sandboxOnly: false,
      settings: [],
    });
    expect(providersFor({ environment: 'production', wallets: config.wallets }).map((p) => p.id)).toEqual([
      'eudi-wallet',
    ]);
  });

  it.each([
    ['not JSON', () => '[{', /must be a JSON array/],
    ['not an array', () => '{}', /must be a JSON array/],
    ['a missing field', () => JSON.stringify([{ ...ENTRY(), credentials: undefined }]), /\[0\]\.credentials /],
    ['an unknown field', () => JSON.stringify([{ ...ENTRY(), issuer: 'x' }]), /\[0\]\.issuer unexpected property/],
    [
      'an unknown credential format',
      () => JSON.stringify([{ ...ENTRY(), credentials: [{ format: 'jwt_vc_json' }] }]),
      /\[0\]\.credentials\[0\] /,
    ],
    [
      'an empty vct list',
      () => JSON.stringify([{ ...ENTRY(), credentials: [{ format: 'dc+sd-jwt', vct: [] }] }]),
      /\[0\]\.credentials\[0\]/,
    ],
    ['a bad response mode', () => JSON.stringify([{ ...ENTRY(), responseMode: 'fragment' }]), /\[0\]\.responseMode /],
    [
      'a bad client id scheme',
      () => JSON.stringify([{ ...ENTRY(), clientIdScheme: 'redirect_uri' }]),
      /\[0\]\.clientIdScheme /,
    ],
    ['a bad flow type', () => JSON.stringify([{ ...ENTRY(), flowTypes: ['push'] }]), /\[0\]\.flowTypes\[0\] /],
    ['a mock id', () => JSON.stringify([{ ...ENTRY(), id: 'mock-eudi' }]), /\[0\]\.id must not start with mock-/],
    ['a duplicate id', () => JSON.stringify([ENTRY(), ENTRY()]), /\[1\]\.id eudi-wallet is used twice/],
    [
      'nothing trusted',
      () => JSON.stringify([{ ...ENTRY(), trustAnchors: [], trustedIssuers: [] }]),
      /\[0\]\.trustAnchors must list/,
    ],
    [
      'a trust anchor that is no certificate',
      () => JSON.stringify([{ ...ENTRY(), trustAnchors: ['nope'] }]),
      /\[0\]\.trustAnchors\[0\] must be a PEM certificate/,
    ],
    [
      'a trust anchor that is no CA',
      () => JSON.stringify([{ ...ENTRY(), trustAnchors: [leafPem] }]),
      /\[0\]\.trustAnchors\[0\] must be a CA certificate/,
    ],
    [
      'a private key among the issuer keys',
      () =>
        JSON.stringify([
          {
            ...ENTRY(),
            trustedIssuers: [
              { iss: 'https://i.example', jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: X, y: Y, d: X }] } },
            ],
          },
        ]),
      /\[0\]\.trustedIssuers\[0\]\.jwks\.keys\[0\] must be a public key/,
    ],
    [
      'a doctype idgate cannot map',
      () => JSON.stringify([{ ...ENTRY(), credentials: [{ format: 'mso_mdoc', doctype: 'org.example.card' }] }]),
      /\[0\]\.credentials\[0\]\.doctype must be one of eu\.europa\.ec\.eudi\.pid\.1, org\.iso\.18013\.5\.1\.mDL/,
    ],
    [
      'an mdoc without trust anchors',
      () => JSON.stringify([{ ...ENTRY(), trustAnchors: [] }]),
      /\[0\]\.credentials\[1\] \(mso_mdoc\) needs trustAnchors/,
    ],
  ])('refuses %s, naming the variable, the index and the field', (_name, raw, message) => {
    const error = configError({ IDGATE_WALLETS: raw() });
    expect(error.variable).toBe('IDGATE_WALLETS');
    expect(error.message).toMatch(/^Invalid configuration: IDGATE_WALLETS /);
    expect(error.message).toMatch(message);
  });

  it('reads the list from the config file as a JSON array', async () => {
    const file = join(directory, 'config.json');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, JSON.stringify({ IDGATE_WALLETS: [ENTRY()] }));
    expect(loadConfig({ IDGATE_CONFIG_FILE: file }).wallets).toEqual([ENTRY()]);
  });
});

describe('the verifier key and certificate', () => {
  it('production refuses a wallet provider without them, naming the variables', () => {
    const error = configError({ IDGATE_ENV: 'production', IDGATE_WALLETS: JSON.stringify([ENTRY()]) });
    expect(error.variable).toBe('IDGATE_WALLET_VERIFIER_KEY');
    expect(error.message).toMatch(/IDGATE_WALLET_VERIFIER_CERT must both be set in production/);
  });

  it('refuses one without the other, a key that is not P-256, and a certificate that is none', () => {
    expect(configError({ IDGATE_WALLET_VERIFIER_KEY: verifier.keyPem }).variable).toBe('IDGATE_WALLET_VERIFIER_CERT');
    expect(configError({ IDGATE_WALLET_VERIFIER_KEY: 'nope' }).message).toMatch(
      /^Invalid configuration: IDGATE_WALLET_VERIFIER_KEY must be a PEM private key/,
    );
    expect(configError({ IDGATE_WALLET_VERIFIER_CERT: 'nope' }).message).toMatch(
      /^Invalid configuration: IDGATE_WALLET_VERIFIER_CERT must be one or more PEM certificates/,
    );
  });

  it('refuses at boot a certificate that does not name the issuer host, or is not the key', async () => {
    const env = {
      IDGATE_ENV: 'production',
      IDGATE_WALLETS: JSON.stringify([ENTRY()]),
      IDGATE_WALLET_VERIFIER_KEY: verifier.keyPem,
      IDGATE_WALLET_VERIFIER_CERT: verifier.certPem,
    };
    const elsewhere = configError({ ...env, IDGATE_ISSUER: 'https://other.example' });
    expect(elsewhere.variable).toBe('IDGATE_WALLET_VERIFIER_CERT');
    expect(elsewhere.message).toMatch(/must name the issuer's host other\.example as a DNS subject alternative name/);
    const hashed = JSON.stringify([{ ...ENTRY(), clientIdScheme: 'x509_hash' }]);
    expect(loadConfig({ ...env, IDGATE_ISSUER: 'https://other.example', IDGATE_WALLETS: hashed }).wallets).toHaveLength(
      1,
    );
    const otherKey = (await ephemeralVerifierIdentity('idgate.example')).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    });
    const mismatch = configError({
      ...env,
      IDGATE_ISSUER: 'https://idgate.example',
      IDGATE_WALLET_VERIFIER_KEY: otherKey.toString(),
    });
    expect(mismatch.message).toMatch(
      /IDGATE_WALLET_VERIFIER_CERT is not the certificate of IDGATE_WALLET_VERIFIER_KEY/,
    );
  });

  it('uses the configured ones, and checks that the certificate names the host and holds the key', async () => {
    const config = loadConfig({
      IDGATE_ENV: 'production',
      IDGATE_ISSUER: 'https://idgate.example',
      IDGATE_WALLETS: JSON.stringify([ENTRY()]),
      IDGATE_WALLET_VERIFIER_KEY: verifier.keyPem,
      IDGATE_WALLET_VERIFIER_CERT: verifier.certPem,
    });
    const identity = await loadVerifierIdentity(config, { requireSan: true });
    expect(identity.generated).toBe(false);
    expect(clientIdOf(identity, 'x509_san_dns')).toBe('x509_san_dns:idgate.example');
    expect(clientIdOf(identity, 'x509_hash')).toBe(
      `x509_hash:${createHash('sha256').update(new X509Certificate(verifier.certPem).raw).digest('base64url')}`,
    );
    const elsewhere = { ...config, issuer: 'https://other.example' };
    await expect(loadVerifierIdentity(elsewhere, { requireSan: true })).rejects.toThrow(
      /IDGATE_WALLET_VERIFIER_CERT must name the issuer's host other\.example as a DNS subject alternative name/,
    );
    expect((await loadVerifierIdentity(elsewhere, { requireSan: false })).host).toBe('other.example');
    const otherKey = (await ephemeralVerifierIdentity('idgate.example')).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    });
    await expect(
      loadVerifierIdentity({ ...config, walletVerifierKey: otherKey.toString() }, { requireSan: true }),
    ).rejects.toThrow(/IDGATE_WALLET_VERIFIER_CERT is not the certificate of IDGATE_WALLET_VERIFIER_KEY/);
  });

  it('in sandbox, generates a key and self-signed certificate for the host into the data directory (0600) and reuses them', async () => {
    const config = loadConfig({ IDGATE_ISSUER: 'http://localhost:3000', IDGATE_DATA_DIR: directory });
    const first = await loadVerifierIdentity(config, { requireSan: true });
    expect(first.generated).toBe(true);
    expect(certificateNamesHost(first.leaf, 'localhost')).toBe(true);
    expect((await stat(join(directory, 'wallet-verifier-key.pem'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(directory, 'wallet-verifier-cert.pem'))).mode & 0o777).toBe(0o600);
    const again = await loadVerifierIdentity(config, { requireSan: true });
    expect(again.leaf.fingerprint256).toBe(first.leaf.fingerprint256);
    const moved = await loadVerifierIdentity({ ...config, issuer: 'https://sandbox.example' }, { requireSan: true });
    expect(certificateNamesHost(moved.leaf, 'sandbox.example')).toBe(true);
    expect(
      new X509Certificate(await readFile(join(directory, 'wallet-verifier-cert.pem'), 'utf8')).fingerprint256,
    ).toBe(moved.leaf.fingerprint256);
  });
});
