/**
 * How to meet every catalog code on purpose in the sandbox (issue 4 item 6, SPEC 3.1 and
 * 5): one or more triggers per code, each a condition an integrator can cause — a wrong
 * secret, an unknown route, a test identity, a reused `Idempotency-Key`, a stale
 * `If-Match` … — run against a real idgate and asserted on the surface where integrators
 * meet it. `docs/sandbox.md` ("Every error on purpose") documents the same table.
 *
 * Codes an integrator cannot meet on purpose are listed in {@link NOT_ON_PURPOSE} with the
 * reason; the walk checks that the two lists cover the catalog exactly.
 */
import { createHash, randomUUID } from 'node:crypto';
import { CATALOG, type ErrorCode } from '@idgate/errors';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { expect } from 'vitest';
import { adminAuth, TEST_ISSUER } from '../support/app.js';
import {
  expectAuthorizeRedirectError,
  expectBearerChallenge,
  expectOAuthError,
  expectProblem,
} from '../support/assertions.js';
import { registerSecret } from '../support/leaks.js';
import {
  expectAuthorizeJson,
  expectErrorPage,
  pkcePair,
  REDIRECT_URI,
  type Sandbox,
  STATE,
  sendRaw,
} from './sandbox.js';

/** Where an integrator meets an error. */
export type Surface =
  /** problem+json on the REST and admin APIs (and every route outside the OAuth ones) */
  | 'problem'
  /** problem+json with a `WWW-Authenticate: Bearer` challenge */
  | 'bearer'
  /** RFC 6749 §5.2 JSON at `/token`, `/introspect`, `/revoke` */
  | 'oauth'
  /** a `302` from `/authorize` back to the app */
  | 'authorize-redirect'
  /** `/authorize` refusing without a redirect (no valid client or `redirect_uri`) */
  | 'authorize-json'
  /** a hosted HTML page */
  | 'page';

/** One way to meet a code. */
export interface Trigger {
  readonly surface: Surface;
  /** The condition, in a few words. */
  readonly how: string;
  /** Causes it against the sandbox and asserts the answer. */
  run(sandbox: Sandbox): Promise<void>;
}

/** Requests per minute of one app on `/v1` in the walk's sandbox (`IDGATE_RATE_LIMIT_REST`). */
export const WALK_REST_LIMIT = 20;

/** Requests per minute of one client at `/token` in the walk's sandbox (`IDGATE_RATE_LIMIT_TOKEN_CLIENT`). */
export const WALK_TOKEN_CLIENT_LIMIT = 5;

/** A client's DPoP key pair (ES256), making proofs (RFC 9449 §4.2). */
async function dpopKey() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  return {
    async proof(htm: string, htu: string, options: { accessToken?: string; nonce?: string } = {}) {
      const ath =
        options.accessToken === undefined
          ? {}
          : { ath: createHash('sha256').update(options.accessToken).digest('base64url') };
      return new SignJWT({
        htm,
        htu,
        jti: randomUUID(),
        iat: Math.floor(Date.now() / 1000),
        ...ath,
        ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
      })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
        .sign(privateKey);
    },
  };
}

/**
 * A DPoP-bound `client_credentials` token of a new app, as a DPoP client gets one from
 * the walk's sandbox (nonces on): a proof, the `use_dpop_nonce` answer, a proof with it.
 */
async function dpopBoundToken(s: Sandbox) {
  const app = await s.newApp();
  const key = await dpopKey();
  const url = `${TEST_ISSUER}/token`;
  const form = { grant_type: 'client_credentials', scope: 'providers' };
  const first = await s.token(form, { authorization: app.basic }, { dpop: await key.proof('POST', url) });
  const nonce = String(first.headers['dpop-nonce']);
  const res = await s.token(form, { authorization: app.basic }, { dpop: await key.proof('POST', url, { nonce }) });
  expect(res.statusCode, res.body).toBe(200);
  const token = (JSON.parse(res.body) as { access_token: string }).access_token;
  registerSecret(token);
  return { token, key, nonce };
}

/** The `PROVIDER_*` codes and the test identity that produces each. */
const PROVIDER_IDENTITIES = {
  PROVIDER_INITIALIZATION_FAILED: 'provider-init-failed',
  PROVIDER_ERROR: 'provider-error',
  PROVIDER_UNAVAILABLE: 'provider-unavailable',
  PROVIDER_CONFIGURATION_ERROR: 'provider-misconfigured',
  PROVIDER_AUTHENTICATION_FAILED: 'provider-auth-failed',
  PROVIDER_UNEXPECTED_RESPONSE: 'provider-bad-response',
} as const satisfies Partial<Record<ErrorCode, string>>;

/** The wallet codes of SPEC 10 and the `mock-wallet` test identity that produces each. */
const WALLET_IDENTITIES = {
  PROVIDER_PRESENTATION_INVALID: 'tampered',
  PROVIDER_CREDENTIAL_UNTRUSTED: 'untrusted',
  PROVIDER_CREDENTIAL_EXPIRED: 'expired',
  PROVIDER_CREDENTIAL_REVOKED: 'revoked',
} as const satisfies Partial<Record<ErrorCode, string>>;

/**
 * A `mock-wallet` test identity whose presentation fails a check of the verifier: the REST
 * problem (the session failed) and the `/authorize` redirect of the headless path.
 */
function walletIdentityTriggers(code: ErrorCode, identity: string): readonly Trigger[] {
  return [
    {
      surface: 'problem',
      how: `POST /v1/verifications on mock-wallet with userData.testIdentity=${identity}`,
      async run(s) {
        const app = await s.newApp();
        await s.enableProvider(app, 'mock-wallet');
        const res = await s.createVerification(app, {
          providerId: 'mock-wallet',
          userData: { testIdentity: identity },
        });
        const body = expectProblem(res, code, { instance: '/v1/verifications' });
        s.expectLogged(res, code);
        const id = String((body.context as Record<string, unknown>).verificationId);
        const read = await s.request({ url: `/v1/verifications/${id}`, headers: { authorization: app.basic } });
        expect(JSON.parse(read.body)).toMatchObject({ status: 'failed', error: { code: CATALOG[code].txStatus } });
      },
    },
    {
      surface: 'authorize-redirect',
      how: `/authorize with provider_hint=mock-wallet and login_hint=${identity}`,
      async run(s) {
        const app = await s.newApp();
        await s.enableProvider(app, 'mock-wallet');
        s.expectRedirected(await s.authorize(app, { provider_hint: 'mock-wallet', login_hint: identity }), code);
      },
    },
  ];
}

/**
 * A test identity that fails when the provider is contacted: the REST problem (the
 * session exists and failed, unless nothing could be stored), and the `/authorize`
 * redirect of the headless path.
 */
function testIdentityTriggers(code: ErrorCode, identity: string): readonly Trigger[] {
  return [
    {
      surface: 'problem',
      how: `POST /v1/verifications with userData.testIdentity=${identity}`,
      async run(s) {
        const app = await s.newApp();
        const res = await s.createVerification(app, {
          providerId: 'mock-redirect',
          userData: { testIdentity: identity },
        });
        const body = expectProblem(res, code, { instance: '/v1/verifications' });
        // A provider's failure is not the app's credentials: no challenge, even on a 401.
        expect(res.headers['www-authenticate']).toBeUndefined();
        const retryAfter = CATALOG[code].retryAfter;
        expect(res.headers['retry-after']).toBe(retryAfter === undefined ? undefined : String(retryAfter));
        s.expectLogged(res, code);
        const context = body.context as Record<string, unknown>;
        if (code === 'SYSTEM_UNAVAILABLE') {
          // Nothing was stored: there is no session to name.
          expect(context.verificationId).toBeUndefined();
          return;
        }
        expect(context.verificationId).toMatch(/^vrf_test_[A-Za-z0-9]{24}$/);
        const read = await s.request({
          url: `/v1/verifications/${String(context.verificationId)}`,
          headers: { authorization: app.basic },
        });
        expect(read.statusCode, read.body).toBe(200);
        expect(JSON.parse(read.body)).toMatchObject({ status: 'failed', error: { code: CATALOG[code].txStatus } });
      },
    },
    {
      surface: 'authorize-redirect',
      how: `/authorize with provider_hint=mock-redirect and login_hint=${identity}`,
      async run(s) {
        const app = await s.newApp();
        const res = await s.authorize(app, { provider_hint: 'mock-redirect', login_hint: identity });
        s.expectRedirected(res, code);
      },
    },
  ];
}

/** Every catalog code an integrator can meet on purpose, and how. */
export const TRIGGERS: { readonly [Code in ErrorCode]?: readonly Trigger[] } = {
  AUTH_INVALID_CREDENTIALS: [
    {
      surface: 'problem',
      how: 'GET /v1/providers with Basic credentials and a wrong secret',
      async run(s) {
        const app = await s.newApp();
        const wrong = `Basic ${Buffer.from(`${app.clientId}:not-the-secret`).toString('base64')}`;
        const res = await s.request({ url: '/v1/providers', headers: { authorization: wrong } });
        const body = expectProblem(res, 'AUTH_INVALID_CREDENTIALS', { instance: '/v1/providers' });
        expect(body.context).toEqual({ client_id: app.clientId });
        expect(res.headers['www-authenticate']).toBe('Bearer realm="idgate"');
      },
    },
    {
      surface: 'oauth',
      how: 'POST /token with Basic credentials and a wrong secret',
      async run(s) {
        const app = await s.newApp();
        const wrong = `Basic ${Buffer.from(`${app.clientId}:not-the-secret`).toString('base64')}`;
        const res = await s.token({ grant_type: 'client_credentials' }, { authorization: wrong });
        expectOAuthError(res, 'AUTH_INVALID_CREDENTIALS', { basicChallenge: true });
      },
    },
  ],
  AUTH_INVALID_GRANT: [
    {
      surface: 'oauth',
      how: 'POST /token redeeming the same authorization code twice',
      async run(s) {
        const app = await s.newApp();
        const code = await s.headlessCode(app);
        const redeem = () =>
          s.token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }, { authorization: app.basic });
        expect((await redeem()).statusCode).toBe(200);
        const body = expectOAuthError(await redeem(), 'AUTH_INVALID_GRANT');
        expect(body.error).toBe('invalid_grant');
      },
    },
  ],
  AUTH_INVALID_CLIENT: [
    {
      surface: 'oauth',
      how: 'POST /token with Basic credentials of a client id that does not exist',
      async run(s) {
        const unknown = `Basic ${Buffer.from('test_000000000000000000000000:some-secret').toString('base64')}`;
        const res = await s.token({ grant_type: 'client_credentials' }, { authorization: unknown });
        expectOAuthError(res, 'AUTH_INVALID_CLIENT', { basicChallenge: true });
      },
    },
    {
      surface: 'authorize-json',
      how: '/authorize with a client_id that does not exist (not redirected)',
      async run(s) {
        const app = await s.newApp();
        const res = await s.authorize(
          { ...app, clientId: 'test_000000000000000000000000' },
          {},
          { accept: 'application/json' },
        );
        expectAuthorizeJson(res, 'AUTH_INVALID_CLIENT');
      },
    },
  ],
  AUTH_FORBIDDEN: [
    {
      surface: 'problem',
      how: 'GET /v1/providers from a browser Origin the app has not registered',
      async run(s) {
        const app = await s.newApp();
        const res = await s.request({
          url: '/v1/providers',
          headers: { authorization: app.basic, origin: 'https://not-registered.example' },
        });
        expectProblem(res, 'AUTH_FORBIDDEN', { instance: '/v1/providers' });
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
      },
    },
    {
      surface: 'authorize-redirect',
      how: '/authorize for an app without the authorization_code grant',
      async run(s) {
        const app = await s.newApp({ grantTypes: ['client_credentials'] });
        s.expectRedirected(await s.authorize(app), 'AUTH_FORBIDDEN');
      },
    },
  ],
  AUTH_MISSING_CREDENTIALS: [
    {
      surface: 'bearer',
      how: 'GET /v1/providers without any credentials',
      async run(s) {
        const res = await s.request({ url: '/v1/providers' });
        expectBearerChallenge(res, 'AUTH_MISSING_CREDENTIALS', { error: null });
      },
    },
    {
      surface: 'oauth',
      how: 'POST /token without any client credentials',
      async run(s) {
        const res = await s.token({ grant_type: 'client_credentials' });
        expectOAuthError(res, 'AUTH_MISSING_CREDENTIALS');
      },
    },
  ],
  AUTH_INVALID_TOKEN: [
    {
      surface: 'bearer',
      how: 'GET /userinfo with a bearer token idgate never issued',
      async run(s) {
        const res = await s.request({ url: '/userinfo', headers: { authorization: 'Bearer not-a-real-token' } });
        expectBearerChallenge(res, 'AUTH_INVALID_TOKEN');
      },
    },
  ],
  AUTH_INVALID_DPOP_PROOF: [
    {
      surface: 'oauth',
      how: 'POST /token with a DPoP header that is no DPoP proof',
      async run(s) {
        const app = await s.newApp();
        const res = await s.token({ grant_type: 'client_credentials' }, { authorization: app.basic }, { dpop: 'nope' });
        expectOAuthError(res, 'AUTH_INVALID_DPOP_PROOF');
      },
    },
    {
      surface: 'bearer',
      how: 'GET /v1/providers with a DPoP-bound token under Authorization: DPoP, without a DPoP proof',
      async run(s) {
        const { token } = await dpopBoundToken(s);
        const res = await s.request({ url: '/v1/providers', headers: { authorization: `DPoP ${token}` } });
        expectProblem(res, 'AUTH_INVALID_DPOP_PROOF');
        expect(res.headers['www-authenticate']).toMatch(/^DPoP realm="idgate", error="invalid_dpop_proof", /);
      },
    },
  ],
  AUTH_USE_DPOP_NONCE: [
    {
      surface: 'oauth',
      how: 'POST /token with a DPoP proof without the nonce (the walk runs with IDGATE_DPOP_NONCE=true)',
      async run(s) {
        const app = await s.newApp();
        const key = await dpopKey();
        const res = await s.token(
          { grant_type: 'client_credentials' },
          { authorization: app.basic },
          { dpop: await key.proof('POST', `${TEST_ISSUER}/token`) },
        );
        expectOAuthError(res, 'AUTH_USE_DPOP_NONCE');
        expect(res.headers['dpop-nonce']).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      },
    },
    {
      surface: 'bearer',
      how: 'GET /v1/providers with a DPoP-bound token and a proof without the nonce',
      async run(s) {
        const { token, key } = await dpopBoundToken(s);
        const proof = await key.proof('GET', `${TEST_ISSUER}/v1/providers`, { accessToken: token });
        const res = await s.request({ url: '/v1/providers', headers: { authorization: `DPoP ${token}`, dpop: proof } });
        expectProblem(res, 'AUTH_USE_DPOP_NONCE');
        expect(res.headers['www-authenticate']).toMatch(/^DPoP realm="idgate", error="use_dpop_nonce", /);
        expect(res.headers['dpop-nonce']).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      },
    },
  ],
  AUTH_INSUFFICIENT_SCOPE: [
    {
      surface: 'bearer',
      how: 'POST /v1/verifications with a client_credentials token of scope providers only',
      async run(s) {
        const app = await s.newApp();
        const token = await s.accessToken(app, 'providers');
        const res = await s.request({
          method: 'POST',
          url: '/v1/verifications',
          headers: { authorization: `Bearer ${token}` },
          payload: { providerId: 'mock-redirect' },
        });
        expectBearerChallenge(res, 'AUTH_INSUFFICIENT_SCOPE', { scope: 'verifications' });
        expect(res.statusCode).toBe(403);
      },
    },
  ],
  VALIDATION_MISSING_PARAMETER: [
    {
      surface: 'problem',
      how: 'POST /v1/verifications with an empty JSON object',
      async run(s) {
        const app = await s.newApp();
        const body = expectProblem(await s.createVerification(app, {}), 'VALIDATION_MISSING_PARAMETER');
        expect(JSON.stringify(body.context)).toContain('providerId');
      },
    },
    {
      surface: 'oauth',
      how: 'POST /token without grant_type',
      async run(s) {
        const app = await s.newApp();
        const res = await s.token({ scope: 'providers' }, { authorization: app.basic });
        expect(expectOAuthError(res, 'VALIDATION_MISSING_PARAMETER').error_description).toContain('grant_type');
      },
    },
    {
      surface: 'authorize-json',
      how: '/authorize without client_id (not redirected)',
      async run(s) {
        const app = await s.newApp();
        const res = await s.authorize(app, { client_id: undefined }, { accept: 'application/json' });
        expect(expectAuthorizeJson(res, 'VALIDATION_MISSING_PARAMETER').error_description).toContain('client_id');
      },
    },
  ],
  VALIDATION_INVALID_PARAMETER: [
    {
      surface: 'problem',
      how: 'POST /v1/verifications with requestedLoa 9',
      async run(s) {
        const app = await s.newApp();
        const res = await s.createVerification(app, { providerId: 'mock-redirect', requestedLoa: 9 });
        const body = expectProblem(res, 'VALIDATION_INVALID_PARAMETER', { instance: '/v1/verifications' });
        expect(JSON.stringify(body.context)).toContain('requestedLoa');
      },
    },
    {
      surface: 'authorize-redirect',
      how: '/authorize with response_mode=form_post',
      async run(s) {
        const app = await s.newApp();
        s.expectRedirected(await s.authorize(app, { response_mode: 'form_post' }), 'VALIDATION_INVALID_PARAMETER');
      },
    },
  ],
  VALIDATION_INVALID_SCOPE: [
    {
      surface: 'oauth',
      how: 'POST /token client_credentials with scope=superpowers',
      async run(s) {
        const app = await s.newApp();
        const res = await s.token(
          { grant_type: 'client_credentials', scope: 'superpowers' },
          { authorization: app.basic },
        );
        expectOAuthError(res, 'VALIDATION_INVALID_SCOPE');
      },
    },
    {
      surface: 'authorize-redirect',
      how: '/authorize with scope="openid superpowers"',
      async run(s) {
        const app = await s.newApp();
        s.expectRedirected(await s.authorize(app, { scope: 'openid superpowers' }), 'VALIDATION_INVALID_SCOPE');
      },
    },
  ],
  VALIDATION_UNSUPPORTED_RESPONSE_TYPE: [
    {
      surface: 'authorize-redirect',
      how: '/authorize with response_type=token',
      async run(s) {
        const app = await s.newApp();
        s.expectRedirected(await s.authorize(app, { response_type: 'token' }), 'VALIDATION_UNSUPPORTED_RESPONSE_TYPE');
      },
    },
  ],
  VALIDATION_UNSUPPORTED_GRANT_TYPE: [
    {
      surface: 'oauth',
      how: 'POST /token with grant_type=password',
      async run(s) {
        const app = await s.newApp();
        const res = await s.token(
          { grant_type: 'password', username: 'u', password: 'p' },
          { authorization: app.basic },
        );
        expectOAuthError(res, 'VALIDATION_UNSUPPORTED_GRANT_TYPE');
      },
    },
  ],
  VALIDATION_MISSING_USER_DATA: [
    {
      surface: 'problem',
      how: 'POST /v1/verifications on mock-push without userData.personalNumber',
      async run(s) {
        const app = await s.newApp();
        const res = await s.createVerification(app, { providerId: 'mock-push' });
        const body = expectProblem(res, 'VALIDATION_MISSING_USER_DATA', { instance: '/v1/verifications' });
        expect(JSON.stringify(body.context)).toContain('personalNumber');
      },
    },
    {
      surface: 'authorize-redirect',
      how: '/authorize with provider_hint=mock-redirect and login_hint=missing-claims (the provider returns no name)',
      async run(s) {
        const app = await s.newApp();
        const res = await s.authorize(app, { provider_hint: 'mock-redirect', login_hint: 'missing-claims' });
        // The session fails on the provider's data, not on a thrown error: no code in the log line.
        expectAuthorizeRedirectError(res, CATALOG.VALIDATION_MISSING_USER_DATA.txStatus, {
          redirectUri: REDIRECT_URI,
          state: STATE,
        });
      },
    },
  ],
  VALIDATION_INVALID_USER_DATA: [
    {
      surface: 'problem',
      how: 'POST /v1/verifications with userData.testIdentity=nobody (no test identity)',
      async run(s) {
        const app = await s.newApp();
        const res = await s.createVerification(app, { providerId: 'mock-qr', userData: { testIdentity: 'nobody' } });
        const body = expectProblem(res, 'VALIDATION_INVALID_USER_DATA', { instance: '/v1/verifications' });
        expect(JSON.stringify(body.context)).toContain('userData.testIdentity');
      },
    },
  ],
  VALIDATION_INVALID_PKCE: [
    {
      surface: 'authorize-redirect',
      how: '/authorize of a public app without code_challenge',
      async run(s) {
        const app = await s.newApp({ type: 'public' });
        s.expectRedirected(await s.authorize(app), 'VALIDATION_INVALID_PKCE');
      },
    },
    {
      surface: 'oauth',
      how: 'POST /token redeeming a code issued with code_challenge, without code_verifier',
      async run(s) {
        const app = await s.newApp();
        const pkce = pkcePair();
        const code = await s.headlessCode(app, { code_challenge: pkce.challenge, code_challenge_method: 'S256' });
        const res = await s.token(
          { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI },
          { authorization: app.basic },
        );
        expectOAuthError(res, 'VALIDATION_INVALID_PKCE');
      },
    },
  ],
  VALIDATION_REDIRECT_URI_REQUIRED: [
    {
      surface: 'authorize-json',
      how: '/authorize with scope openid and no redirect_uri (not redirected)',
      async run(s) {
        const app = await s.newApp();
        const res = await s.authorize(app, { redirect_uri: undefined }, { accept: 'application/json' });
        expectAuthorizeJson(res, 'VALIDATION_REDIRECT_URI_REQUIRED');
      },
    },
  ],
  VALIDATION_MISSING_CLIENT_SECRET: [
    {
      surface: 'oauth',
      how: 'POST /token with client_id of a confidential app in the body and no secret',
      async run(s) {
        const app = await s.newApp();
        const res = await s.token({ grant_type: 'client_credentials', client_id: app.clientId });
        expectOAuthError(res, 'VALIDATION_MISSING_CLIENT_SECRET');
        expect(res.statusCode).toBe(401);
      },
    },
  ],
  VALIDATION_UNPROCESSABLE: [
    {
      surface: 'problem',
      how: 'POST /v1/verifications on mock-qr (highest LoA 3) with requestedLoa 4',
      async run(s) {
        const app = await s.newApp();
        const res = await s.createVerification(app, { providerId: 'mock-qr', requestedLoa: 4 });
        expectProblem(res, 'VALIDATION_UNPROCESSABLE', { instance: '/v1/verifications' });
      },
    },
    {
      surface: 'authorize-redirect',
      how: '/authorize with acr_values=urn:idgate:loa:5',
      async run(s) {
        const app = await s.newApp();
        s.expectRedirected(await s.authorize(app, { acr_values: 'urn:idgate:loa:5' }), 'VALIDATION_UNPROCESSABLE');
      },
    },
  ],
  VALIDATION_METHOD_NOT_ALLOWED: [
    {
      surface: 'problem',
      how: 'DELETE /v1/verifications',
      async run(s) {
        const app = await s.newApp();
        const res = await s.request({
          method: 'DELETE',
          url: '/v1/verifications',
          headers: { authorization: app.basic },
        });
        expectProblem(res, 'VALIDATION_METHOD_NOT_ALLOWED', { instance: '/v1/verifications' });
        expect(String(res.headers.allow)).toContain('POST');
      },
    },
  ],
  VALIDATION_NOT_ACCEPTABLE: [
    {
      surface: 'problem',
      how: 'GET /v1/providers with Accept: text/csv',
      async run(s) {
        const app = await s.newApp();
        const res = await s.request({
          url: '/v1/providers',
          headers: { authorization: app.basic, accept: 'text/csv' },
        });
        expectProblem(res, 'VALIDATION_NOT_ACCEPTABLE', { instance: '/v1/providers' });
      },
    },
  ],
  VALIDATION_UNSUPPORTED_MEDIA_TYPE: [
    {
      surface: 'problem',
      how: 'POST /v1/verifications with Content-Type: text/plain',
      async run(s) {
        const app = await s.newApp();
        const res = await s.request({
          method: 'POST',
          url: '/v1/verifications',
          headers: { authorization: app.basic, 'content-type': 'text/plain' },
          payload: 'providerId=mock-qr',
        });
        expectProblem(res, 'VALIDATION_UNSUPPORTED_MEDIA_TYPE', { instance: '/v1/verifications' });
      },
    },
    {
      surface: 'oauth',
      how: 'POST /token with a JSON body',
      async run(s) {
        const app = await s.newApp();
        const res = await s.request({
          method: 'POST',
          url: '/token',
          headers: { authorization: app.basic, 'content-type': 'application/json' },
          payload: JSON.stringify({ grant_type: 'client_credentials' }),
        });
        expectOAuthError(res, 'VALIDATION_UNSUPPORTED_MEDIA_TYPE');
      },
    },
  ],
  VALIDATION_PAYLOAD_TOO_LARGE: [
    {
      surface: 'problem',
      how: 'POST /v1/verifications with a 2 MiB JSON body',
      async run(s) {
        const app = await s.newApp();
        const payload = JSON.stringify({
          providerId: 'mock-qr',
          userData: { testIdentity: 'x'.repeat(2 * 1024 * 1024) },
        });
        const res = await s.request({
          method: 'POST',
          url: '/v1/verifications',
          headers: { authorization: app.basic, 'content-type': 'application/json' },
          payload,
        });
        expectProblem(res, 'VALIDATION_PAYLOAD_TOO_LARGE', { instance: '/v1/verifications' });
      },
    },
  ],
  VALIDATION_URI_TOO_LONG: [
    {
      surface: 'problem',
      how: 'GET /v1/providers with a 100 KiB query, over a real socket',
      async run(s) {
        const port = Number(new URL(s.live.baseUrl).port);
        const request = Buffer.from(
          `GET /v1/providers?pad=${'a'.repeat(100 * 1024)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
        );
        const res = await sendRaw(port, request, 'walk: 414');
        expectProblem(res, 'VALIDATION_URI_TOO_LONG', { issuer: s.live.baseUrl, instance: '/v1/providers' });
      },
    },
  ],
  VALIDATION_HEADERS_TOO_LARGE: [
    {
      surface: 'problem',
      how: 'GET /v1/providers with a 100 KiB header field, over a real socket',
      async run(s) {
        const port = Number(new URL(s.live.baseUrl).port);
        const request = Buffer.from(
          `GET /v1/providers HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ${'b'.repeat(100 * 1024)}\r\nConnection: close\r\n\r\n`,
        );
        const res = await sendRaw(port, request, 'walk: 431');
        expectProblem(res, 'VALIDATION_HEADERS_TOO_LARGE', { issuer: s.live.baseUrl });
      },
    },
  ],
  SESSION_NOT_FOUND: [
    {
      surface: 'page',
      how: 'GET /authorize/vrf_test_000000000000000000000000 (a transaction that does not exist)',
      async run(s) {
        const res = await s.request({
          url: '/authorize/vrf_test_000000000000000000000000',
          headers: { accept: 'text/html' },
        });
        expectErrorPage(res, 'SESSION_NOT_FOUND');
      },
    },
  ],
  SESSION_VERIFICATION_NOT_FOUND: [
    {
      surface: 'problem',
      how: 'GET /v1/verifications/vrf_live_000000000000000000000000 (a production id in the sandbox)',
      async run(s) {
        const app = await s.newApp();
        const id = 'vrf_live_000000000000000000000000';
        const res = await s.request({ url: `/v1/verifications/${id}`, headers: { authorization: app.basic } });
        const body = expectProblem(res, 'SESSION_VERIFICATION_NOT_FOUND', { instance: `/v1/verifications/${id}` });
        expect(body.context).toEqual({ verificationId: id });
        expect(body.detail).toContain('production');
      },
    },
  ],
  SESSION_INVALID_STATUS_TRANSITION: [
    {
      surface: 'problem',
      how: 'POST /v1/verifications/{id}/cancel twice',
      async run(s) {
        const app = await s.newApp();
        const created = await s.createVerification(app, { providerId: 'mock-qr' });
        expect(created.statusCode, created.body).toBe(201);
        const id = (JSON.parse(created.body) as { verificationId: string }).verificationId;
        const cancel = () =>
          s.request({ method: 'POST', url: `/v1/verifications/${id}/cancel`, headers: { authorization: app.basic } });
        expect((await cancel()).statusCode).toBe(200);
        const res = await cancel();
        expectProblem(res, 'SESSION_INVALID_STATUS_TRANSITION', { instance: `/v1/verifications/${id}/cancel` });
      },
    },
  ],
  SESSION_INVALID_FLOW: [
    {
      surface: 'problem',
      how: 'POST /v1/verifications on mock-qr with flowType push',
      async run(s) {
        const app = await s.newApp();
        const res = await s.createVerification(app, { providerId: 'mock-qr', flowType: 'push' });
        expectProblem(res, 'SESSION_INVALID_FLOW', { instance: '/v1/verifications' });
      },
    },
  ],
  PROVIDER_NOT_FOUND: [
    {
      surface: 'problem',
      how: 'GET /v1/providers/no-such-provider',
      async run(s) {
        const app = await s.newApp();
        const res = await s.request({ url: '/v1/providers/no-such-provider', headers: { authorization: app.basic } });
        expectProblem(res, 'PROVIDER_NOT_FOUND', { instance: '/v1/providers/no-such-provider' });
      },
    },
    {
      surface: 'authorize-redirect',
      how: '/authorize with provider_hint=no-such-provider',
      async run(s) {
        const app = await s.newApp();
        s.expectRedirected(await s.authorize(app, { provider_hint: 'no-such-provider' }), 'PROVIDER_NOT_FOUND');
      },
    },
  ],
  PROVIDER_NOT_ENABLED: [
    {
      surface: 'problem',
      how: 'GET /v1/providers/mock-qr for an app that disabled mock-qr',
      async run(s) {
        const app = await s.newApp();
        await s.disableProvider(app, 'mock-qr');
        const res = await s.request({ url: '/v1/providers/mock-qr', headers: { authorization: app.basic } });
        expectProblem(res, 'PROVIDER_NOT_ENABLED', { instance: '/v1/providers/mock-qr' });
      },
    },
    {
      surface: 'authorize-redirect',
      how: '/authorize with provider_hint=mock-qr for an app that disabled mock-qr',
      async run(s) {
        const app = await s.newApp();
        await s.disableProvider(app, 'mock-qr');
        s.expectRedirected(await s.authorize(app, { provider_hint: 'mock-qr' }), 'PROVIDER_NOT_ENABLED');
      },
    },
  ],
  ...Object.fromEntries(
    Object.entries(PROVIDER_IDENTITIES).map(([code, identity]) => [
      code,
      testIdentityTriggers(code as ErrorCode, identity),
    ]),
  ),
  ...Object.fromEntries(
    Object.entries(WALLET_IDENTITIES).map(([code, identity]) => [
      code,
      walletIdentityTriggers(code as ErrorCode, identity),
    ]),
  ),
  SYSTEM_INTERNAL_ERROR: testIdentityTriggers('SYSTEM_INTERNAL_ERROR', 'idgate-internal-error'),
  SYSTEM_UNSUPPORTED_MODE: [
    {
      surface: 'problem',
      how: 'PROPFIND /v1/providers (a method idgate implements on no route)',
      async run(s) {
        const app = await s.newApp();
        const res = await s.request({
          method: 'PROPFIND' as 'GET',
          url: '/v1/providers',
          headers: { authorization: app.basic },
        });
        const body = expectProblem(res, 'SYSTEM_UNSUPPORTED_MODE', { instance: '/v1/providers' });
        expect(body.retryable).toBe(false);
        expect(res.headers.allow).toBeUndefined();
      },
    },
  ],
  SYSTEM_UNAVAILABLE: testIdentityTriggers('SYSTEM_UNAVAILABLE', 'idgate-unavailable'),
  SYSTEM_RATE_LIMITED: [
    {
      surface: 'problem',
      how: `GET /v1/providers ${WALK_REST_LIMIT + 1} times within a minute (limit ${WALK_REST_LIMIT})`,
      async run(s) {
        const app = await s.newApp();
        const get = () => s.request({ url: '/v1/providers', headers: { authorization: app.basic } });
        for (let i = 0; i < WALK_REST_LIMIT; i++) expect((await get()).statusCode).toBe(200);
        const res = await get();
        expectProblem(res, 'SYSTEM_RATE_LIMITED', { instance: '/v1/providers' });
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(res.headers.ratelimit).toMatch(/"rest-app";r=0;t=\d+/);
        expect(res.headers['ratelimit-policy']).toBe(`"rest-app";q=${WALK_REST_LIMIT};w=60`);
      },
    },
    {
      surface: 'oauth',
      how: `POST /token ${WALK_TOKEN_CLIENT_LIMIT + 1} times within a minute (limit ${WALK_TOKEN_CLIENT_LIMIT})`,
      async run(s) {
        const app = await s.newApp();
        const token = () => s.token({ grant_type: 'client_credentials' }, { authorization: app.basic });
        for (let i = 0; i < WALK_TOKEN_CLIENT_LIMIT; i++) expect((await token()).statusCode).toBe(200);
        const res = await token();
        expectOAuthError(res, 'SYSTEM_RATE_LIMITED');
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      },
    },
  ],
  RESOURCE_NOT_FOUND: [
    {
      surface: 'problem',
      how: 'GET /v1/no-such-route',
      async run(s) {
        const res = await s.request({ url: '/v1/no-such-route' });
        expectProblem(res, 'RESOURCE_NOT_FOUND', { instance: '/v1/no-such-route' });
      },
    },
  ],
  RESOURCE_CONFLICT: [
    {
      surface: 'problem',
      how: 'POST /v1/verifications twice with the same Idempotency-Key and different bodies',
      async run(s) {
        const app = await s.newApp();
        const key = { 'idempotency-key': 'walk-key-1' };
        const first = await s.createVerification(app, { providerId: 'mock-qr' }, key);
        expect(first.statusCode, first.body).toBe(201);
        const res = await s.createVerification(app, { providerId: 'mock-redirect' }, key);
        expectProblem(res, 'RESOURCE_CONFLICT', { instance: '/v1/verifications' });
      },
    },
  ],
  RESOURCE_PRECONDITION_FAILED: [
    {
      surface: 'problem',
      how: 'PATCH /admin/v1/apps/{clientId} with a stale If-Match',
      async run(s) {
        const app = await s.newApp();
        const url = `/admin/v1/apps/${app.clientId}`;
        const read = await s.request({ url, headers: adminAuth() });
        const etag = String(read.headers.etag);
        const patch = (name: string) =>
          s.request({ method: 'PATCH', url, headers: { ...adminAuth(), 'if-match': etag }, payload: { name } });
        expect((await patch('First')).statusCode).toBe(200);
        expectProblem(await patch('Lost update'), 'RESOURCE_PRECONDITION_FAILED', { instance: url });
      },
    },
  ],
};

/** Catalog codes an integrator cannot meet on purpose, each with the reason (none today). */
export const NOT_ON_PURPOSE: { readonly [Code in ErrorCode]?: string } = {};
