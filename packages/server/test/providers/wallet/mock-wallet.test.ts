/**
 * The sandbox `mock-wallet`: for every test identity the built-in test wallet answers the
 * session's real request object, and its answer goes through the same verifier a real
 * wallet's does — on each flow (`qr`, `redirect` with `direct_post.jwt`, `dc_api` with
 * `dc_api.jwt`), at start (the headless path) and through `advance({ identity })`.
 */
import { isIdgateError } from '@idgate/errors';
import { describe, expect, it } from 'vitest';
import type { ProviderContext } from '../../../src/providers/adapter.js';
import { mapCredential } from '../../../src/providers/wallet/claim-map.js';
import { MockWalletProvider } from '../../../src/providers/wallet/sandbox/mock-wallet.provider.js';
import { SandboxIssuer } from '../../../src/providers/wallet/sandbox/sandbox-issuer.js';
import { WALLET_TEST_IDENTITIES } from '../../../src/providers/wallet/sandbox/wallet-test-identities.js';
import { TrustAnchors } from '../../../src/providers/wallet/trust/x509-chain.js';

const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const ISSUER = 'https://sandbox.idgate.example';

function context(overrides: Partial<ProviderContext> = {}): ProviderContext {
  return {
    verificationId: 'vrf_test_mockwallet',
    clientId: 'test_app',
    environment: 'sandbox',
    issuer: ISSUER,
    origin: 'rest',
    flowType: 'qr',
    redirectUri: null,
    requestedLoa: null,
    requestedClaims: ['given_name', 'family_name', 'birthdate', 'nationality', 'address', 'age_over_18'],
    userData: {},
    loginHint: undefined,
    settings: {},
    status: 'initiated',
    providerState: {},
    now: NOW,
    ...overrides,
  };
}

/** The outcome of a step, or the code and check of its error. */
async function outcome(run: () => Promise<{ status: string; statusCode?: string; result?: unknown }>) {
  try {
    const step = await run();
    return { status: step.status, statusCode: step.statusCode };
  } catch (error) {
    if (!isIdgateError(error)) throw error;
    return {
      code: error.code,
      txStatus: error.txStatus,
      check: (error.debug as { check?: string } | undefined)?.check,
    };
  }
}

const EXPECTED: Readonly<Record<string, object>> = {
  success: { status: 'completed' },
  'no-address': { status: 'completed' },
  expired: { code: 'PROVIDER_CREDENTIAL_EXPIRED', txStatus: 'err_credential_expired', check: 'expired' },
  revoked: { code: 'PROVIDER_CREDENTIAL_REVOKED', txStatus: 'err_credential_revoked', check: 'status' },
  untrusted: { code: 'PROVIDER_CREDENTIAL_UNTRUSTED', txStatus: 'err_credential_untrusted', check: 'issuer-chain' },
  tampered: { code: 'PROVIDER_PRESENTATION_INVALID', txStatus: 'err_presentation_invalid', check: 'issuer-signature' },
  'wrong-nonce': { code: 'PROVIDER_PRESENTATION_INVALID', txStatus: 'err_presentation_invalid', check: 'kb-nonce' },
  declined: { status: 'cancelled', statusCode: 'err_user_cancelled' },
  'no-answer': { status: 'pending' },
};

describe('mock-wallet', () => {
  const mock = new MockWalletProvider();

  it('lists every test identity, and only those the expectations cover', () => {
    expect(mock.testIdentities.map((entry) => entry.identity)).toEqual(Object.keys(EXPECTED));
    expect(mock.descriptor).toMatchObject({
      id: 'mock-wallet',
      flowTypes: ['qr', 'redirect', 'dc_api'],
      maxLoa: 4,
      sandboxOnly: true,
    });
  });

  describe.each(['qr', 'redirect', 'dc_api'] as const)('on the %s flow', (flowType) => {
    it.each(WALLET_TEST_IDENTITIES.map((entry) => entry.identity))(
      'answers as %s at start (headless)',
      async (identity) => {
        const result = await outcome(() => mock.start(context({ flowType, loginHint: identity, origin: 'authorize' })));
        expect(result).toEqual(Object.fromEntries(Object.entries(EXPECTED[identity] ?? {})));
      },
    );
  });

  it('answers through advance({ identity }) once the session waits, and maps the claims', async () => {
    const start = context({ userData: {} });
    const waiting = await mock.start(start);
    expect(waiting.status).toBe('pending');
    expect(String(waiting.flowDetails?.qrData)).toMatch(
      /^openid4vp:\/\/\?client_id=x509_san_dns%3Asandbox\.idgate\.example&request_uri=/,
    );
    const next = { ...start, status: 'pending' as const, providerState: waiting.providerState ?? {} };
    const done = await mock.advance(next, { identity: 'success' });
    expect(done.status).toBe('completed');
    expect(done.result?.claims).toEqual({
      given_name: 'Erika',
      family_name: 'Mustermann',
      birthdate: '1964-08-12',
      nationality: 'DE',
      address: { street_address: 'Heidestraße 17', locality: 'Köln', postal_code: '51147', country: 'DE' },
      age_over_18: true,
    });
    expect(done.result?.issuer).toBe('CN=idgate sandbox PID issuer, O=idgate sandbox, C=DE');
    const partial = await mock.advance(next, { identity: 'no-address' });
    expect(partial.result?.claims).not.toHaveProperty('address');
    expect(partial.result?.subject).toBe(done.result?.subject);
  });

  it('reports the address of a PID without one as missing', async () => {
    const start = context();
    const waiting = await mock.start(start);
    const next = { ...start, status: 'pending' as const, providerState: waiting.providerState ?? {} };
    const partial = await mock.advance(next, { identity: 'no-address' });
    const claims = (partial.result?.rawClaims as { claims: Record<string, unknown> } | undefined)?.claims ?? {};
    const mapped = mapCredential(
      {
        format: 'dc+sd-jwt',
        credentialType: 'urn:eudi:pid:1',
        issuer: 'x',
        issuingCountry: 'DE',
        claims,
        validUntil: undefined,
      },
      start.requestedClaims,
    );
    expect(mapped.missingClaims).toEqual(['address']);
    expect(mapped.provenance).toEqual({
      credentialType: 'urn:eudi:pid:1',
      format: 'dc+sd-jwt',
      issuer: 'x',
      issuingCountry: 'DE',
    });
  });

  it('refuses an unknown identity on the mock screen, and in userData', async () => {
    const start = context();
    const waiting = await mock.start(start);
    const next = { ...start, status: 'pending' as const, providerState: waiting.providerState ?? {} };
    expect(await outcome(() => mock.advance(next, { identity: 'nobody' }))).toMatchObject({
      code: 'VALIDATION_INVALID_PARAMETER',
    });
    expect(mock.userDataProblems({ testIdentity: 'nobody' })).toEqual([
      expect.objectContaining({ name: 'userData.testIdentity', pointer: '/userData/testIdentity' }),
    ]);
    expect(mock.userDataProblems({ testIdentity: 'success' })).toEqual([]);
  });

  it('publishes a CA that anchors the sandbox issuer, kept in the data directory across restarts', async () => {
    const { mkdtemp, rm, stat } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const directory = await mkdtemp(join(tmpdir(), 'idgate-wallet-issuer-'));
    try {
      const first = await SandboxIssuer.create({ baseUrl: ISSUER, dataDir: directory });
      const second = await SandboxIssuer.create({ baseUrl: ISSUER, dataDir: directory });
      expect(second.ca).toBe(first.ca);
      expect(first.ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
      expect((await stat(join(directory, 'wallet-sandbox-ca-key.pem'))).mode & 0o777).toBe(0o600);
      const anchors = new TrustAnchors([first.ca]);
      const issuerDer = Buffer.from(
        first.issuerCertificate.certificatePem.replace(/-----[A-Z ]+-----|\s/g, ''),
        'base64',
      ).toString('base64');
      expect(anchors.verify([issuerDer], NOW).subject).toBe('CN=idgate sandbox PID issuer, O=idgate sandbox, C=DE');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
