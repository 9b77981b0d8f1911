/**
 * The DCQL query built for each claim set (only the asked claims, plus the identity
 * claims and the issuing country; one credential query per format as alternatives), the
 * request object (ES256, typ, x5c, every claim of OpenID4VP 1.0 §5 and HAIP), the wallet
 * link, `wallet_nonce`, and the per-session encryption key.
 */
import { X509Certificate } from 'node:crypto';
import { DcqlQuery } from 'dcql';
import { decodeProtectedHeader } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WalletCredentialConfig } from '../../../src/config/wallet-providers.js';
import type { ProviderContext } from '../../../src/providers/adapter.js';
import { buildDcqlQuery } from '../../../src/providers/wallet/dcql.js';
import { ephemeralVerifierIdentity, type VerifierIdentity } from '../../../src/providers/wallet/verifier-identity.js';
import { WalletProvider } from '../../../src/providers/wallet/wallet.provider.js';
import { readRequestObject, testCertificate } from './holder.js';

const SD_JWT: WalletCredentialConfig = { format: 'dc+sd-jwt', vct: ['urn:eudi:pid:1', 'urn:eudi:pid:de:1'] };
const PID_MDOC: WalletCredentialConfig = { format: 'mso_mdoc', doctype: 'eu.europa.ec.eudi.pid.1' };
const MDL: WalletCredentialConfig = { format: 'mso_mdoc', doctype: 'org.iso.18013.5.1.mDL' };
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);

function idsAndPaths(query: ReturnType<typeof buildDcqlQuery>, index = 0) {
  return query.credentials[index]?.claims.map((claim) => [claim.id, claim.path]);
}

describe('the DCQL query', () => {
  it('asks an SD-JWT PID for the identity claims and issuing country only, when nothing else was asked', () => {
    const query = buildDcqlQuery([SD_JWT], []);
    expect(query).toEqual({
      credentials: [
        {
          id: 'pid_sd_jwt',
          format: 'dc+sd-jwt',
          meta: { vct_values: ['urn:eudi:pid:1', 'urn:eudi:pid:de:1'] },
          claims: [
            { id: 'given_name', path: ['given_name'] },
            { id: 'family_name', path: ['family_name'] },
            { id: 'birthdate', path: ['birthdate'] },
            { id: 'issuing_country', path: ['issuing_country'] },
          ],
          require_cryptographic_holder_binding: true,
        },
      ],
    });
    expect(() => DcqlQuery.validate(DcqlQuery.parse(query as never))).not.toThrow();
  });

  it.each([
    [['email'], [['email', ['email']]]],
    [['address'], [['address', ['address']]]],
    [
      ['nationality', 'age_over_18'],
      [
        ['nationality', ['nationalities']],
        ['age_over_18', ['age_equal_or_over', '18']],
      ],
    ],
    [['phone_number'], [['phone_number', ['phone_number']]]],
  ] as const)('adds exactly the asked %j, optional through claim_sets', (requested, added) => {
    const query = buildDcqlQuery([SD_JWT], requested);
    const base = [
      ['given_name', ['given_name']],
      ['family_name', ['family_name']],
      ['birthdate', ['birthdate']],
      ['issuing_country', ['issuing_country']],
    ];
    expect(idsAndPaths(query)).toEqual([...base, ...added]);
    const required = base.map(([id]) => id);
    const all = [...required, ...added.map(([id]) => id)];
    const sets = query.credentials[0]?.claim_sets;
    expect(sets?.[0]).toEqual(all);
    expect(sets?.at(-1)).toEqual(required);
    if (added.length > 1) {
      expect(sets).toEqual([all, ...added.map(([id]) => all.filter((claim) => claim !== id)), required]);
    } else {
      expect(sets).toHaveLength(2);
    }
    expect(() => DcqlQuery.validate(DcqlQuery.parse(query as never))).not.toThrow();
  });

  it('ignores claims no credential holds, and names the mdoc elements', () => {
    const query = buildDcqlQuery([MDL], ['email', 'address']);
    expect(idsAndPaths(query)).toEqual([
      ['given_name', ['org.iso.18013.5.1', 'given_name']],
      ['family_name', ['org.iso.18013.5.1', 'family_name']],
      ['birthdate', ['org.iso.18013.5.1', 'birth_date']],
      ['issuing_country', ['org.iso.18013.5.1', 'issuing_country']],
      ['address_1', ['org.iso.18013.5.1', 'resident_address']],
      ['address_2', ['org.iso.18013.5.1', 'resident_postal_code']],
      ['address_3', ['org.iso.18013.5.1', 'resident_city']],
      ['address_4', ['org.iso.18013.5.1', 'resident_country']],
    ]);
    expect(query.credentials[0]?.meta).toEqual({ doctype_value: 'org.iso.18013.5.1.mDL' });
  });

  it('offers one credential query per format as alternatives (credential_sets)', () => {
    const query = buildDcqlQuery([SD_JWT, PID_MDOC], ['email']);
    expect(query.credentials.map((credential) => credential.id)).toEqual(['pid_sd_jwt', 'pid_mdoc']);
    expect(query.credential_sets).toEqual([{ options: [['pid_sd_jwt'], ['pid_mdoc']], required: true }]);
    expect(idsAndPaths(query, 1)).toEqual([
      ['given_name', ['eu.europa.ec.eudi.pid.1', 'given_name']],
      ['family_name', ['eu.europa.ec.eudi.pid.1', 'family_name']],
      ['birthdate', ['eu.europa.ec.eudi.pid.1', 'birth_date']],
      ['issuing_country', ['eu.europa.ec.eudi.pid.1', 'issuing_country']],
      ['email', ['eu.europa.ec.eudi.pid.1', 'email_address']],
    ]);
    expect(() => DcqlQuery.validate(DcqlQuery.parse(query as never))).not.toThrow();
  });
});

describe('the request object', () => {
  let identity: VerifierIdentity;
  let anchor: string;

  beforeAll(async () => {
    identity = await ephemeralVerifierIdentity('idgate.example', NOW);
    anchor = (await testCertificate({ name: 'C=DE, CN=CA', ca: true })).pem;
  });

  function provider(extra: Record<string, unknown> = {}) {
    return new WalletProvider(
      { id: 'eudi-wallet', displayName: 'EUDI', credentials: [SD_JWT], trustAnchors: [anchor], ...extra },
      {
        identity: async () => identity,
        statusListFetcher: {
          async fetchStatusList() {
            throw new Error('unused');
          },
        },
      },
    );
  }

  function context(overrides: Partial<ProviderContext> = {}): ProviderContext {
    return {
      verificationId: 'vrf_test_req1',
      clientId: 'test_app',
      environment: 'sandbox',
      issuer: 'https://idgate.example',
      origin: 'rest',
      flowType: 'qr',
      redirectUri: null,
      requestedLoa: null,
      requestedClaims: ['email'],
      userData: {},
      loginHint: undefined,
      settings: {},
      status: 'initiated',
      providerState: {},
      now: NOW,
      expiresAt: new Date(NOW.getTime() + 600_000),
      ...overrides,
    };
  }

  it('is signed ES256 with the verifier chain and holds every parameter of an encrypted request', async () => {
    const wallet = provider();
    const start = context();
    const step = await wallet.start(start);
    expect(step.status).toBe('pending');
    const link = new URL(String(step.flowDetails?.qrData));
    expect(link.protocol).toBe('openid4vp:');
    expect(Object.fromEntries(link.searchParams)).toEqual({
      client_id: 'x509_san_dns:idgate.example',
      request_uri: 'https://idgate.example/wallet/vrf_test_req1/request',
      request_uri_method: 'post',
    });
    const next = { ...start, status: 'pending' as const, providerState: step.providerState ?? {} };
    const jwt = await wallet.requestObject(next, { walletNonce: 'wallet-nonce-1' });
    const header = decodeProtectedHeader(jwt);
    expect(header).toEqual({ alg: 'ES256', typ: 'oauth-authz-req+jwt', x5c: [identity.leaf.raw.toString('base64')] });
    expect(new X509Certificate(Buffer.from(header.x5c?.[0] ?? '', 'base64')).checkHost('idgate.example')).toBe(
      'idgate.example',
    );
    const claims = await readRequestObject(jwt, NOW);
    const nowS = Math.floor(NOW.getTime() / 1000);
    expect(claims).toEqual({
      aud: 'https://self-issued.me/v2',
      iat: nowS,
      exp: nowS + 600,
      response_type: 'vp_token',
      client_id: 'x509_san_dns:idgate.example',
      response_mode: 'direct_post.jwt',
      response_uri: 'https://idgate.example/wallet/vrf_test_req1/response',
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      state: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      dcql_query: buildDcqlQuery([SD_JWT], ['email']),
      wallet_nonce: 'wallet-nonce-1',
      client_metadata: {
        vp_formats_supported: { 'dc+sd-jwt': { 'sd-jwt_alg_values': ['ES256'], 'kb-jwt_alg_values': ['ES256'] } },
        jwks: {
          keys: [
            {
              kty: 'EC',
              crv: 'P-256',
              x: expect.any(String),
              y: expect.any(String),
              kid: expect.any(String),
              use: 'enc',
              alg: 'ECDH-ES',
            },
          ],
        },
        encrypted_response_enc_values_supported: ['A128GCM', 'A256GCM'],
      },
    });
    expect(JSON.stringify(claims)).not.toMatch(/"d":/);
  });

  it('is fresh per session: nonce, state and key differ', async () => {
    const wallet = provider();
    const first = await wallet.start(context());
    const second = await wallet.start(context({ verificationId: 'vrf_test_req2' }));
    for (const field of ['nonce', 'state']) {
      expect(first.providerState?.[field]).not.toBe(second.providerState?.[field]);
    }
    const key = (step: typeof first) => (step.providerState?.sessionKey as { kid: string } | undefined)?.kid;
    expect(key(first)).not.toBe(key(second));
  });

  it('names the verifier by certificate hash with x509_hash, and asks direct_post without a key when configured', async () => {
    const wallet = provider({ clientIdScheme: 'x509_hash', responseMode: 'direct_post' });
    const start = context({ flowType: 'redirect' });
    const step = await wallet.start(start);
    expect(String(step.flowDetails?.url)).toMatch(/^openid4vp:\/\/\?client_id=x509_hash%3A[A-Za-z0-9_-]{43}&/);
    const claims = await readRequestObject(
      await wallet.requestObject({ ...start, providerState: step.providerState ?? {} }),
      NOW,
    );
    expect(claims.client_id).toMatch(/^x509_hash:[A-Za-z0-9_-]{43}$/);
    expect(claims.response_mode).toBe('direct_post');
    expect(claims.client_metadata).toEqual({
      vp_formats_supported: { 'dc+sd-jwt': { 'sd-jwt_alg_values': ['ES256'], 'kb-jwt_alg_values': ['ES256'] } },
    });
    expect(step.providerState).not.toHaveProperty('sessionKey');
  });
});
