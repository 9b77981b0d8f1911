/**
 * The wallet verifier against an independent holder (`holder.ts`: `@sd-jwt/core`, `jose`,
 * `@peculiar/x509`, none of idgate's sandbox code): a wallet provider session is started,
 * its request object fetched and read like a wallet would, and the holder's SD-JWT VC
 * presentation posted back (`direct_post.jwt` unless said otherwise). Every refusal of
 * SPEC 10 is asserted by its catalog code and the `debug.check` the log line names.
 */
import { isIdgateError } from '@idgate/errors';
import { importJWK, type JWK, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WalletProviderConfig } from '../../../src/config/wallet-providers.js';
import type { ProviderContext, ProviderStep } from '../../../src/providers/adapter.js';
import { type StatusListFetcher, StatusListUnreachable } from '../../../src/providers/wallet/status-list.js';
import { ephemeralVerifierIdentity, type VerifierIdentity } from '../../../src/providers/wallet/verifier-identity.js';
import { WalletProvider } from '../../../src/providers/wallet/wallet.provider.js';
import {
  encryptedResponse,
  issueSdJwtVc,
  readRequestObject,
  requestKey,
  selectDisclosures,
  statusListToken,
  type TestCertificate,
  type TestHolder,
  testCertificate,
  testHolder,
  withKeyBinding,
} from './holder.js';

const NOW = new Date(Date.UTC(2026, 11, 1, 10, 0, 0));
const NOW_S = Math.floor(NOW.getTime() / 1000);
const ISSUER_URL = 'https://idgate.example';
const STATUS_URI = 'https://issuer.test/status/1';
const DOWN_URI = 'https://issuer.test/status/down';
const JWKS_ISS = 'https://issuer.example';
const REQUESTED = ['given_name', 'family_name', 'birthdate', 'nationality', 'address', 'age_over_18', 'email'];

let ca: TestCertificate;
let issuerCert: TestCertificate;
let otherIssuer: TestCertificate;
let expiredIssuer: TestCertificate;
let jwksKey: { privateJwk: JWK; publicJwk: JWK };
let identity: VerifierIdentity;
let provider: WalletProvider;
let holder: TestHolder;

function config(overrides: Partial<WalletProviderConfig> = {}): WalletProviderConfig {
  return {
    id: 'eudi-wallet',
    displayName: 'EU Digital Identity Wallet',
    credentials: [{ format: 'dc+sd-jwt', vct: ['urn:eudi:pid:1'] }],
    trustAnchors: [ca.pem],
    trustedIssuers: [{ iss: JWKS_ISS, jwks: { keys: [jwksKey.publicJwk as Record<string, unknown>] } }],
    ...overrides,
  };
}

beforeAll(async () => {
  const now = NOW;
  ca = await testCertificate({
    name: 'C=NL, O=Test, CN=Test PID CA',
    ca: true,
    notBefore: new Date(now.getTime() - 864e5),
  });
  issuerCert = await testCertificate({
    name: 'C=NL, O=Test, CN=Test PID Issuer',
    issuer: ca,
    ca: false,
    notBefore: new Date(now.getTime() - 864e5),
  });
  expiredIssuer = await testCertificate({
    name: 'C=NL, O=Test, CN=Old PID Issuer',
    issuer: ca,
    ca: false,
    notBefore: new Date(now.getTime() - 10 * 864e5),
    notAfter: new Date(now.getTime() - 864e5),
  });
  const otherCa = await testCertificate({
    name: 'C=XX, CN=Other CA',
    ca: true,
    notBefore: new Date(now.getTime() - 864e5),
  });
  otherIssuer = await testCertificate({
    name: 'C=XX, CN=Other Issuer',
    issuer: otherCa,
    ca: false,
    notBefore: new Date(now.getTime() - 864e5),
  });
  const { privateJwk, publicJwk } = await testHolder();
  jwksKey = { privateJwk: { ...privateJwk, kid: 'k1' }, publicJwk: { ...publicJwk, kid: 'k1' } };
  identity = await ephemeralVerifierIdentity('idgate.example', now);
  const token = await statusListToken({
    uri: STATUS_URI,
    statuses: { 3: 1, 4: 2 },
    signer: { privateJwk: issuerCert.privateJwk, x5c: [issuerCert.der] },
    now,
  });
  const fetcher: StatusListFetcher = {
    async fetchStatusList(uri) {
      if (uri === STATUS_URI) return token;
      throw new StatusListUnreachable('connection refused');
    },
  };
  provider = new WalletProvider(config(), { identity: async () => identity, statusListFetcher: fetcher });
  holder = await testHolder();
});

function baseContext(overrides: Partial<ProviderContext> = {}): ProviderContext {
  return {
    verificationId: 'vrf_test_wallet1',
    clientId: 'test_app',
    environment: 'sandbox',
    issuer: ISSUER_URL,
    origin: 'rest',
    flowType: 'qr',
    redirectUri: null,
    requestedLoa: null,
    requestedClaims: REQUESTED,
    userData: {},
    loginHint: undefined,
    settings: {},
    status: 'initiated',
    providerState: {},
    now: NOW,
    ...overrides,
  };
}

/** A started session: the context the next step gets, and the request object as a wallet reads it. */
async function startSession(overrides: Partial<ProviderContext> = {}, adapter = provider) {
  const context = baseContext(overrides);
  const step = await adapter.start(context);
  const next: ProviderContext = { ...context, status: 'pending', providerState: step.providerState ?? {} };
  const request = await readRequestObject(await adapter.requestObject(next), NOW);
  return { step, context: next, request };
}

interface PresentOptions {
  readonly claims?: Record<string, unknown>;
  readonly payload?: Record<string, unknown>;
  readonly signer?: { privateJwk: JWK; x5c?: readonly string[]; kid?: string };
  readonly disclose?: (decoded: unknown[]) => boolean;
  readonly mutate?: (sdJwt: string) => string;
  readonly kb?: Partial<{ aud: string; nonce: string; iat: number; sdHash: string; typ: string }> | null;
  readonly queryId?: string;
  readonly now?: Date;
  readonly typ?: string;
  /** Signs the key binding JWT with another key than the credential's cnf. */
  readonly kbHolder?: TestHolder;
}

/** The holder's presentation for a request. */
async function presentation(request: Record<string, unknown>, options: PresentOptions = {}): Promise<string> {
  const issued = await issueSdJwtVc({
    signer: options.signer ?? { privateJwk: issuerCert.privateJwk, x5c: [issuerCert.der] },
    holder,
    ...(options.claims ? { claims: options.claims } : {}),
    payload: { status: { status_list: { idx: 1, uri: STATUS_URI } }, ...options.payload },
    now: options.now ?? NOW,
    ...(options.typ ? { typ: options.typ } : {}),
  });
  let sdJwt = options.disclose ? selectDisclosures(issued, options.disclose) : issued;
  if (options.mutate) sdJwt = options.mutate(sdJwt);
  if (options.kb === null) return sdJwt;
  return withKeyBinding(sdJwt, options.kbHolder ?? holder, {
    aud: String(request.client_id),
    nonce: String(request.nonce),
    iat: NOW_S,
    ...options.kb,
  });
}

/** Posts the holder's answer as `direct_post.jwt`. */
async function answer(
  session: Awaited<ReturnType<typeof startSession>>,
  options: PresentOptions & { readonly state?: string; readonly key?: JWK } = {},
): Promise<ProviderStep> {
  const vpToken = { [options.queryId ?? 'pid_sd_jwt']: [await presentation(session.request, options)] };
  const fields = await encryptedResponse(
    { vp_token: vpToken, state: options.state ?? session.request.state },
    options.key ?? requestKey(session.request),
  );
  return provider.advance(session.context, fields);
}

async function expectRefusal(promise: Promise<unknown>, code: string, check: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(isIdgateError(error), `expected ${code} (${check}), got ${String(error)}`).toBe(true);
  if (!isIdgateError(error)) return;
  expect(error.code).toBe(code);
  expect((error.debug as { check?: string }).check).toBe(check);
  expect(error.detail?.length).toBeGreaterThan(0);
}

describe('an SD-JWT VC PID presented by an independent holder', () => {
  it('completes with the requested claims, the issuer, the PID level and a stable subject', async () => {
    const session = await startSession();
    const step = await answer(session);
    expect(step.status).toBe('completed');
    expect(step.actor).toBe('user');
    const result = step.result;
    expect(result?.issuer).toBe('CN=Test PID Issuer, O=Test, C=NL');
    expect(result?.loa).toBe(4);
    expect(result?.claims).toEqual({
      given_name: 'Jan',
      family_name: 'Jansen',
      birthdate: '1990-04-01',
      nationality: 'NL',
      email: 'jan@example.nl',
      address: { street_address: 'Kerkstraat 5', locality: 'Amsterdam', postal_code: '1011 AB', country: 'NL' },
      age_over_18: true,
    });
    expect(result?.rawClaims).toMatchObject({
      credential: {
        format: 'dc+sd-jwt',
        type: 'urn:eudi:pid:1',
        issuer: 'CN=Test PID Issuer, O=Test, C=NL',
        issuingCountry: 'NL',
        credentialQueryId: 'pid_sd_jwt',
      },
    });
    expect(Object.keys((result?.rawClaims as { claims: object } | undefined)?.claims ?? {})).toContain('given_name');
    expect(Object.keys((result?.rawClaims as { claims: object } | undefined)?.claims ?? {})).not.toContain('cnf');
    const again = await answer(await startSession());
    expect(again.result?.subject).toBe(result?.subject);
    expect(result?.subject).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('asks for the requested claims only, with the identity claims and issuing country', async () => {
    const { request } = await startSession({ requestedClaims: ['email'] });
    const query = request.dcql_query as { credentials: { claims: { id: string }[] }[] };
    expect(query.credentials[0]?.claims.map((claim) => claim.id)).toEqual([
      'given_name',
      'family_name',
      'birthdate',
      'issuing_country',
      'email',
    ]);
  });

  it('verifies a credential of a configured issuer JWKS (iss, kid)', async () => {
    const session = await startSession();
    const step = await answer(session, {
      signer: { privateJwk: jwksKey.privateJwk, kid: 'k1' },
      payload: { iss: JWKS_ISS },
    });
    expect(step.status).toBe('completed');
    expect(step.result?.issuer).toBe(JWKS_ISS);
  });

  it('takes a plain direct_post response when configured', async () => {
    const plain = new WalletProvider(config({ id: 'plain-wallet', responseMode: 'direct_post' }), {
      identity: async () => identity,
      statusListFetcher: {
        async fetchStatusList() {
          throw new StatusListUnreachable('no status list here');
        },
      },
    });
    const session = await startSession({}, plain);
    expect(session.request.response_mode).toBe('direct_post');
    expect(session.request.client_metadata).not.toHaveProperty('jwks');
    const token = await presentation(session.request, { payload: { status: undefined } });
    const step = await plain.advance(session.context, {
      vp_token: JSON.stringify({ pid_sd_jwt: [token] }),
      state: String(session.request.state),
    });
    expect(step.status).toBe('completed');
  });

  const refusals: readonly [string, () => PresentOptions, string, string][] = [
    [
      'a chain that ends at no trust anchor',
      () => ({ signer: { privateJwk: otherIssuer.privateJwk, x5c: [otherIssuer.der] } }),
      'PROVIDER_CREDENTIAL_UNTRUSTED',
      'issuer-chain',
    ],
    [
      'an expired issuer certificate',
      () => ({ signer: { privateJwk: expiredIssuer.privateJwk, x5c: [expiredIssuer.der] } }),
      'PROVIDER_CREDENTIAL_UNTRUSTED',
      'issuer-chain',
    ],
    [
      'an issuer that is not configured',
      () => ({ signer: { privateJwk: otherIssuer.privateJwk, kid: 'k9' }, payload: { iss: 'https://nobody.example' } }),
      'PROVIDER_CREDENTIAL_UNTRUSTED',
      'unknown-issuer',
    ],
    ['a vct that is not allowed', () => ({ payload: { vct: 'urn:other:1' } }), 'PROVIDER_CREDENTIAL_UNTRUSTED', 'vct'],
    ['an expired credential', () => ({ payload: { exp: NOW_S - 3600 } }), 'PROVIDER_CREDENTIAL_EXPIRED', 'expired'],
    [
      'a credential not valid yet',
      () => ({ payload: { nbf: NOW_S + 3600 } }),
      'PROVIDER_CREDENTIAL_EXPIRED',
      'not-yet-valid',
    ],
    [
      'a revoked credential',
      () => ({ payload: { status: { status_list: { idx: 3, uri: STATUS_URI } } } }),
      'PROVIDER_CREDENTIAL_REVOKED',
      'status',
    ],
    [
      'a suspended credential',
      () => ({ payload: { status: { status_list: { idx: 4, uri: STATUS_URI } } } }),
      'PROVIDER_CREDENTIAL_REVOKED',
      'status',
    ],
    [
      'an unreachable status list',
      () => ({ payload: { status: { status_list: { idx: 1, uri: DOWN_URI } } } }),
      'PROVIDER_UNAVAILABLE',
      'status-list',
    ],
    ['another typ', () => ({ typ: 'vc+sd-jwt' }), 'PROVIDER_PRESENTATION_INVALID', 'typ'],
  ];

  it.each(refusals)('refuses %s', async (_name, options, code, check) => {
    const session = await startSession();
    await expectRefusal(answer(session, options()), code, check);
  });

  it('refuses a tampered issuer signature', async () => {
    const session = await startSession();
    const tamper = (sdJwt: string) => {
      const [jwt = '', ...rest] = sdJwt.split('~');
      const [header, payload] = jwt.split('.');
      const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
      claims.vct = 'urn:eudi:pid:1';
      claims.exp += 1;
      const forged = Buffer.from(JSON.stringify(claims)).toString('base64url');
      return [`${header}.${forged}.${jwt.split('.')[2]}`, ...rest].join('~');
    };
    await expectRefusal(answer(session, { mutate: tamper }), 'PROVIDER_PRESENTATION_INVALID', 'issuer-signature');
  });

  it('refuses a disclosure whose digest is not in the credential', async () => {
    const session = await startSession();
    const foreign = Buffer.from(JSON.stringify(['c2FsdHNhbHQ', 'given_name', 'Mallory'])).toString('base64url');
    const addForeign = (sdJwt: string) => `${sdJwt}${foreign}~`;
    await expectRefusal(
      answer(session, { mutate: addForeign }),
      'PROVIDER_PRESENTATION_INVALID',
      'disclosure-digest-missing',
    );
  });

  /** Re-signs the issuer JWT of `<jwt>~…` after changing its payload (a malformed but validly signed credential). */
  function resigned(change: (payload: Record<string, unknown>) => void) {
    return async (sdJwt: string) => {
      const [jwt = '', ...rest] = sdJwt.split('~');
      const [header = '', payload = ''] = jwt.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
      change(claims);
      const signed = await new SignJWT(claims)
        .setProtectedHeader(JSON.parse(Buffer.from(header, 'base64url').toString('utf8')))
        .sign(await importJWK(issuerCert.privateJwk, 'ES256'));
      return [signed, ...rest].join('~');
    };
  }

  it('refuses a digest that appears twice in the credential', async () => {
    const session = await startSession();
    const issued = await issueSdJwtVc({
      signer: { privateJwk: issuerCert.privateJwk, x5c: [issuerCert.der] },
      holder,
      now: NOW,
    });
    const sdJwt = await resigned((claims) => {
      const digests = claims._sd as string[];
      claims._sd = [...digests, digests[0]];
    })(issued);
    const token = await withKeyBinding(sdJwt, holder, {
      aud: String(session.request.client_id),
      nonce: String(session.request.nonce),
      iat: NOW_S,
    });
    const fields = await encryptedResponse(
      { vp_token: { pid_sd_jwt: [token] }, state: session.request.state },
      requestKey(session.request),
    );
    await expectRefusal(provider.advance(session.context, fields), 'PROVIDER_PRESENTATION_INVALID', 'duplicate-digest');
  });

  it('refuses a disclosure that overwrites a claim the credential has in the clear', async () => {
    const session = await startSession();
    const issued = await issueSdJwtVc({
      signer: { privateJwk: issuerCert.privateJwk, x5c: [issuerCert.der] },
      holder,
      now: NOW,
    });
    const sdJwt = await resigned((claims) => {
      claims.given_name = 'Mallory';
    })(issued);
    const token = await withKeyBinding(sdJwt, holder, {
      aud: String(session.request.client_id),
      nonce: String(session.request.nonce),
      iat: NOW_S,
    });
    const fields = await encryptedResponse(
      { vp_token: { pid_sd_jwt: [token] }, state: session.request.state },
      requestKey(session.request),
    );
    await expectRefusal(
      provider.advance(session.context, fields),
      'PROVIDER_PRESENTATION_INVALID',
      'disclosure-claim-conflict',
    );
  });

  it('refuses a disclosure sent twice', async () => {
    const session = await startSession();
    const duplicate = (sdJwt: string) => {
      const parts = sdJwt.split('~');
      return `${sdJwt}${parts[1]}~`;
    };
    await expectRefusal(
      answer(session, { mutate: duplicate }),
      'PROVIDER_PRESENTATION_INVALID',
      'duplicate-disclosure',
    );
  });

  it.each([
    ['no key binding JWT', { kb: null }, 'key-binding-missing'],
    ['a key binding for another verifier (aud)', { kb: { aud: 'x509_san_dns:evil.example' } }, 'kb-aud'],
    ['a key binding for another request (nonce)', { kb: { nonce: 'another-nonce' } }, 'kb-nonce'],
    ['a key binding over another presentation (sd_hash)', { kb: { sdHash: 'x'.repeat(43) } }, 'kb-sd-hash'],
    ['a stale key binding (iat 6 minutes ago)', { kb: { iat: NOW_S - 360 } }, 'kb-iat'],
    ['a key binding from the future', { kb: { iat: NOW_S + 600 } }, 'kb-iat'],
    ['a key binding of another typ', { kb: { typ: 'JWT' } }, 'kb-typ'],
  ] as const)('refuses %s', async (_name, options, check) => {
    const session = await startSession();
    await expectRefusal(answer(session, options as PresentOptions), 'PROVIDER_PRESENTATION_INVALID', check);
  });

  it('refuses a key binding JWT signed by another key than cnf.jwk', async () => {
    const session = await startSession();
    await expectRefusal(
      answer(session, { kbHolder: await testHolder() }),
      'PROVIDER_PRESENTATION_INVALID',
      'kb-signature',
    );
  });

  it('refuses a presentation that leaves out a required claim (the credential query is not answered)', async () => {
    const session = await startSession();
    const withoutBirthdate = (decoded: unknown[]) => decoded[1] !== 'birthdate';
    await expectRefusal(
      answer(session, { disclose: withoutBirthdate }),
      'PROVIDER_PRESENTATION_INVALID',
      'credential-query-not-answered',
    );
  });

  it('refuses an answer to a credential query the request did not make', async () => {
    const session = await startSession();
    await expectRefusal(
      answer(session, { queryId: 'another_query' }),
      'PROVIDER_PRESENTATION_INVALID',
      'credential-query-unknown',
    );
  });

  it('completes without the optional address (the claim set without it)', async () => {
    const session = await startSession();
    const withoutAddress = (decoded: unknown[]) =>
      decoded[1] !== 'address' &&
      !['street_address', 'house_number', 'postal_code', 'locality', 'country'].includes(String(decoded[1]));
    const step = await answer(session, { disclose: withoutAddress });
    expect(step.status).toBe('completed');
    expect(step.result?.claims).not.toHaveProperty('address');
  });

  it('refuses a response encrypted to another key', async () => {
    const session = await startSession();
    const other = await startSession({ verificationId: 'vrf_test_wallet2' });
    await expectRefusal(
      answer(session, { key: requestKey(other.request) }),
      'PROVIDER_PRESENTATION_INVALID',
      'response-kid',
    );
    const { kid: _kid, ...withoutKid } = requestKey(other.request);
    await expectRefusal(
      answer(session, { key: withoutKid as JWK }),
      'PROVIDER_PRESENTATION_INVALID',
      'response-decrypt',
    );
  });

  it('refuses the state of another session', async () => {
    const session = await startSession();
    const other = await startSession({ verificationId: 'vrf_test_wallet3' });
    await expectRefusal(
      answer(session, { state: String(other.request.state) }),
      'PROVIDER_PRESENTATION_INVALID',
      'state',
    );
  });

  it('refuses an unencrypted vp_token when the session asked for direct_post.jwt', async () => {
    const session = await startSession();
    const token = await presentation(session.request);
    await expectRefusal(
      provider.advance(session.context, {
        vp_token: JSON.stringify({ pid_sd_jwt: [token] }),
        state: String(session.request.state),
      }),
      'PROVIDER_PRESENTATION_INVALID',
      'response-mode',
    );
  });

  it('ends cancelled (err_user_cancelled) for error=access_denied, failed for other wallet errors', async () => {
    const session = await startSession();
    const state = String(session.request.state);
    expect(await provider.advance(session.context, { error: 'access_denied', state })).toEqual({
      status: 'cancelled',
      statusCode: 'err_user_cancelled',
      actor: 'user',
    });
    expect(await provider.advance(session.context, { error: 'wallet_unavailable', state })).toMatchObject({
      status: 'failed',
      statusCode: 'err_not_authenticated',
    });
    await expectRefusal(
      provider.advance(session.context, { error: 'access_denied', state: 'another-state' }),
      'PROVIDER_PRESENTATION_INVALID',
      'state',
    );
  });

  it('verifies a DC API response (dc_api.jwt) with the origin as the key binding audience', async () => {
    const context = baseContext({ flowType: 'dc_api', allowedOrigins: ['https://shop.example'] });
    const step = await provider.start(context);
    const dcRequest = step.flowDetails?.dcRequest as {
      digital: { requests: { protocol: string; data: { request: string } }[] };
    };
    expect(dcRequest.digital.requests[0]?.protocol).toBe('openid4vp-v1-signed');
    const request = await readRequestObject(dcRequest.digital.requests[0]?.data.request ?? '', NOW);
    expect(request.response_mode).toBe('dc_api.jwt');
    expect(request.expected_origins).toEqual(['https://shop.example']);
    expect(request).not.toHaveProperty('state');
    expect(request).not.toHaveProperty('response_uri');
    const next = { ...context, status: 'pending' as const, providerState: step.providerState ?? {} };
    const audienceOk = await presentation(request, { kb: { aud: 'origin:https://shop.example' } });
    const { response } = await encryptedResponse({ vp_token: { pid_sd_jwt: [audienceOk] } }, requestKey(request));
    const done = await provider.advance(next, { protocol: 'openid4vp-v1-signed', data: JSON.stringify({ response }) });
    expect(done.status).toBe('completed');
    const clientIdAudience = await presentation(request);
    const second = await encryptedResponse({ vp_token: { pid_sd_jwt: [clientIdAudience] } }, requestKey(request));
    await expectRefusal(
      provider.advance(next, { protocol: 'openid4vp-v1-signed', data: JSON.stringify(second) }),
      'PROVIDER_PRESENTATION_INVALID',
      'kb-aud',
    );
  });
});
