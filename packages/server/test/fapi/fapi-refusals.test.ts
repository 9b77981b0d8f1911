/**
 * FAPI 2.0 for apps (SPEC 12), on both databases, through `app.inject` with an injected
 * clock: what an integrator meets when something is wrong — a plain `/authorize` for a
 * PAR-only app, a `request_uri` used twice, expired or of another client, every way a
 * `private_key_jwt` assertion can fail (replay on another instance included), every way
 * a DPoP proof can fail at the token endpoint and at the protected resources, the DPoP
 * nonce flow, and the DPoP binding of a public client's refresh token. Each answer is
 * asserted on status, headers and every body field, code first.
 */

import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createTestApp, TEST_ADMIN_KEY, TEST_ISSUER, TEST_SECRET_KEY, type TestApp } from '../support/app.js';
import { expectAuthorizeRedirectError, expectOAuthError, expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { registerSecret } from '../support/leaks.js';
import {
  assertionForm,
  authorizationParameters,
  authorizeWithRequestUri,
  type ClientKey,
  type CreatedFapiApp,
  clientAssertion,
  codeOf,
  createFapiApp,
  dpopChallenge,
  dpopProof,
  FAPI_REDIRECT_URI,
  newClientKey,
  pkce,
  postForm,
  pushRequest,
} from './fapi-support.js';

const TOKEN_URL = `${TEST_ISSUER}/token`;
const USERINFO_URL = `${TEST_ISSUER}/userinfo`;
const T0 = Date.parse('2026-11-22T10:00:00.000Z');

interface Tokens {
  readonly access_token: string;
  readonly token_type: string;
  readonly refresh_token?: string;
  readonly id_token?: string;
}

function tokensOf(res: LightMyRequestResponse): Tokens {
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['cache-control']).toBe('no-store');
  const body = JSON.parse(res.body) as Tokens;
  registerSecret(body.access_token);
  registerSecret(body.refresh_token);
  return body;
}

describe.each(TEST_DATABASE_KINDS)('FAPI 2.0 refusals on %s', (kind) => {
  let t: TestApp;
  let now = T0;
  const clock = () => new Date(now);
  let key: ClientKey;
  let dpopKey: ClientKey;
  let bank: CreatedFapiApp;

  beforeAll(async () => {
    t = await createTestApp(kind, { clock });
    [key, dpopKey] = await Promise.all([newClientKey('ES256'), newClientKey('ES256')]);
    bank = await createFapiApp(t, {
      profile: 'fapi2-security',
      jwks: { keys: [key.publicJwk] },
      grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function assertion(app: CreatedFapiApp = bank, options = {}, signer: ClientKey = key) {
    return assertionForm(await clientAssertion(app.clientId, signer, clock(), options));
  }

  async function proofFor(url = TOKEN_URL, method = 'POST', options = {}, signer: ClientKey = dpopKey) {
    return dpopProof(signer, method, url, clock(), options);
  }

  /** A client_credentials token request of the bank, with its assertion and a DPoP proof. */
  async function clientCredentials(options: { assertion?: Record<string, string>; dpop?: string | null } = {}) {
    const form = {
      grant_type: 'client_credentials',
      scope: 'providers',
      ...(options.assertion ?? (await assertion())),
    };
    const dpop = options.dpop === undefined ? await proofFor() : options.dpop;
    return postForm(t, '/token', form, dpop === null ? {} : { dpop });
  }

  /** The headless path through /par for `app`, then the code at /token with a DPoP proof. */
  async function userTokens(app: CreatedFapiApp, auth: Record<string, string>, signer: ClientKey = dpopKey) {
    const { verifier, challenge } = pkce();
    const requestUri = await pushRequest(t, { ...authorizationParameters(app.clientId, challenge), ...auth });
    const code = codeOf(await authorizeWithRequestUri(t, app.clientId, requestUri));
    const form = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: FAPI_REDIRECT_URI,
      code_verifier: verifier,
      ...(auth.client_assertion === undefined ? { client_id: app.clientId } : await assertion(app)),
    };
    return tokensOf(await postForm(t, '/token', form, { dpop: await proofFor(TOKEN_URL, 'POST', {}, signer) }));
  }

  describe('private_key_jwt', () => {
    it('authenticates with a fresh assertion and issues a DPoP token', async () => {
      const body = tokensOf(await clientCredentials());
      expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
      expect(body.token_type).toBe('DPoP');
    });

    it('accepts the token endpoint URL as aud', async () => {
      tokensOf(await clientCredentials({ assertion: await assertion(bank, { aud: TOKEN_URL }) }));
    });

    it('refuses a replayed assertion: invalid_client (AUTH_INVALID_CLIENT)', async () => {
      const once = await assertion();
      tokensOf(await clientCredentials({ assertion: once }));
      const res = await clientCredentials({ assertion: once });
      const body = expectOAuthError(res, 'AUTH_INVALID_CLIENT');
      expect(res.statusCode).toBe(401);
      expect(body.error_description).toBe(
        'The client assertion was already used (its jti was seen before): sign a new one.',
      );
    });

    it('refuses a replay on another instance sharing the database', async () => {
      const other: FastifyInstance = buildApp(t.config, {
        database: t.database.database,
        adminKey: TEST_ADMIN_KEY,
        secretKey: TEST_SECRET_KEY,
        clock,
      });
      await other.ready();
      try {
        const once = await assertion();
        const form = { grant_type: 'client_credentials', scope: 'providers', ...once };
        const first = await other.inject({
          method: 'POST',
          url: '/token',
          headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: await proofFor() },
          payload: new URLSearchParams(form).toString(),
        });
        tokensOf(first);
        const replay = await clientCredentials({ assertion: once });
        expect(expectOAuthError(replay, 'AUTH_INVALID_CLIENT').error_description).toContain('already used');
      } finally {
        await other.close();
      }
    });

    it.each([
      [
        'signed by a key the app did not register (unknown kid)',
        async () => assertion(bank, {}, await newClientKey('ES256')),
        "No key of the client's registered JWKS matches the assertion (kid and alg): sign with a registered key.",
      ],
      [
        'signed by another key under the registered kid',
        async () => assertion(bank, { kid: String(key.publicJwk.kid) }, await newClientKey('ES256')),
        "The client assertion's signature does not verify with the client's registered key.",
      ],
      [
        'expired',
        async () => assertion(bank, { iat: Math.floor(now / 1000) - 120, exp: Math.floor(now / 1000) - 60 }),
        'The client assertion has expired: sign a new one for every request.',
      ],
      [
        'for another audience',
        async () => assertion(bank, { aud: 'https://other-idp.example' }),
        "The client assertion's aud must be the issuer (or the URL of the endpoint it is sent to).",
      ],
      [
        'valid for more than 5 minutes',
        async () => assertion(bank, { exp: Math.floor(now / 1000) + 600 }),
        'The client assertion is valid for too long: exp must be at most 300 seconds ahead.',
      ],
      [
        'without exp',
        async () => assertion(bank, { exp: null }),
        'The client assertion has no exp claim; it is required.',
      ],
      [
        'with iss other than the client id',
        async () => assertion(bank, { iss: 'someone-else' }),
        "The client assertion's iss must be the client id.",
      ],
      [
        'signed with HS256',
        async () => {
          const jwt = await new SignJWT({ jti: 'hs', exp: Math.floor(now / 1000) + 60 })
            .setProtectedHeader({ alg: 'HS256' })
            .setIssuer(bank.clientId)
            .setSubject(bank.clientId)
            .setAudience(TEST_ISSUER)
            .sign(new TextEncoder().encode('a-shared-secret-of-32-bytes-long!!'));
          return assertionForm(jwt);
        },
        "The client assertion's alg is not accepted: sign it with ES256, PS256, EdDSA, Ed25519.",
      ],
    ])('refuses an assertion %s: invalid_client', async (_case, make, description) => {
      const res = await clientCredentials({ assertion: await make() });
      const body = expectOAuthError(res, 'AUTH_INVALID_CLIENT');
      expect(body.error_description).toBe(description);
    });

    it('refuses a client secret for an app that uses private_key_jwt only (Basic challenge)', async () => {
      const res = await postForm(
        t,
        '/token',
        { grant_type: 'client_credentials' },
        { authorization: `Basic ${Buffer.from(`${bank.clientId}:${bank.clientSecret}`).toString('base64')}` },
      );
      const body = expectOAuthError(res, 'AUTH_INVALID_CLIENT', { basicChallenge: true });
      expect(body.error_description).toBe(
        'This client may not authenticate with client_secret_basic; it uses private_key_jwt.',
      );
    });

    it('refuses a request without any client authentication for such an app', async () => {
      const res = await postForm(t, '/token', { grant_type: 'client_credentials', client_id: bank.clientId });
      const body = expectOAuthError(res, 'AUTH_INVALID_CLIENT');
      expect(body.error_description).toBe(
        'This client authenticates with private_key_jwt: send client_assertion and client_assertion_type.',
      );
    });
  });

  describe('DPoP at the token endpoint', () => {
    it('refuses a token request without a proof from an app that must use DPoP: invalid_dpop_proof', async () => {
      const res = await clientCredentials({ dpop: null });
      const body = expectOAuthError(res, 'AUTH_INVALID_DPOP_PROOF');
      expect(res.statusCode).toBe(400);
      expect(body.error).toBe('invalid_dpop_proof');
      expect(body.error_description).toBe(
        'This app must bind its access tokens with DPoP: send a DPoP proof with the token request.',
      );
    });

    it.each([
      ['for another method (htm)', { htm: 'GET' }, 'The DPoP proof is for GET, not for this POST request (htm).'],
      [
        'for another URL (htu)',
        { htu: `${TEST_ISSUER}/par` },
        `The DPoP proof is for another URL (htu must be ${TOKEN_URL}, without query and fragment).`,
      ],
      [
        'with a stale iat',
        { iat: Math.floor(T0 / 1000) - 3600 },
        "The DPoP proof's iat is more than 60 seconds from the server time: make a new proof for every request.",
      ],
      ['with another typ', { typ: 'JWT' }, "The DPoP proof's typ header must be dpop+jwt."],
    ])('refuses a proof %s', async (_case, options, description) => {
      const res = await clientCredentials({ dpop: await proofFor(TOKEN_URL, 'POST', options) });
      const body = expectOAuthError(res, 'AUTH_INVALID_DPOP_PROOF');
      expect(body.error_description).toBe(description);
    });

    it('refuses a replayed proof', async () => {
      const proof = await proofFor();
      tokensOf(await clientCredentials({ dpop: proof }));
      const body = expectOAuthError(await clientCredentials({ dpop: proof }), 'AUTH_INVALID_DPOP_PROOF');
      expect(body.error_description).toBe(
        'The DPoP proof was already used (its jti was seen before): make a new proof for every request.',
      );
    });
  });

  describe('DPoP at the protected resources', () => {
    let tokens: Tokens;
    beforeAll(async () => {
      tokens = await userTokens(bank, await assertion());
      expect(tokens.token_type).toBe('DPoP');
    });

    function userinfo(headers: Record<string, string>) {
      return t.app.inject({ method: 'GET', url: '/userinfo', headers });
    }

    it('answers userinfo for the token with a proof of its key', async () => {
      const res = await userinfo({
        authorization: `DPoP ${tokens.access_token}`,
        dpop: await proofFor(USERINFO_URL, 'GET', { accessToken: tokens.access_token }),
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['dpop-nonce']).toBeUndefined();
      expect(JSON.parse(res.body).sub).toMatch(/.+/);
    });

    it('refuses the DPoP-bound token as a bare Bearer token: invalid_token with a DPoP challenge', async () => {
      const res = await userinfo({ authorization: `Bearer ${tokens.access_token}` });
      const body = expectProblem(res, 'AUTH_INVALID_TOKEN');
      const detail = 'The access token is DPoP-bound: send it as Authorization: DPoP with a DPoP proof of its key.';
      expect(body.detail).toBe(detail);
      expect(body.context).toEqual({ token_type: 'DPoP' });
      expect(res.headers['www-authenticate']).toBe(dpopChallenge('invalid_token', detail));
    });

    it.each([
      ['no proof', async () => undefined, 'The request carries no DPoP proof (DPoP header).'],
      [
        'a proof for another URL',
        async () => proofFor(`${TEST_ISSUER}/v1/providers`, 'GET', { accessToken: tokens.access_token }),
        `The DPoP proof is for another URL (htu must be ${USERINFO_URL}, without query and fragment).`,
      ],
      [
        'a proof for another method',
        async () => proofFor(USERINFO_URL, 'POST', { accessToken: tokens.access_token }),
        'The DPoP proof is for POST, not for this GET request (htm).',
      ],
      [
        'a proof with the ath of another token',
        async () => proofFor(USERINFO_URL, 'GET', { accessToken: 'at_another' }),
        "The DPoP proof's ath is not the SHA-256 hash of the access token sent with it.",
      ],
      [
        'a proof without ath',
        async () => proofFor(USERINFO_URL, 'GET'),
        "The DPoP proof's ath is not the SHA-256 hash of the access token sent with it.",
      ],
      [
        'a proof of another key',
        async () => proofFor(USERINFO_URL, 'GET', { accessToken: tokens.access_token }, await newClientKey('EdDSA')),
        'The DPoP proof is signed by another key than the one the access token is bound to.',
      ],
    ])('refuses %s: invalid_dpop_proof with a DPoP challenge', async (_case, make, detail) => {
      const proof = await make();
      const res = await userinfo({ authorization: `DPoP ${tokens.access_token}`, ...(proof ? { dpop: proof } : {}) });
      const body = expectProblem(res, 'AUTH_INVALID_DPOP_PROOF');
      expect(res.statusCode).toBe(401);
      expect(body.detail).toBe(detail);
      expect(res.headers['www-authenticate']).toBe(dpopChallenge('invalid_dpop_proof', detail));
    });

    it('refuses a replayed proof at userinfo', async () => {
      const proof = await proofFor(USERINFO_URL, 'GET', { accessToken: tokens.access_token });
      const headers = { authorization: `DPoP ${tokens.access_token}`, dpop: proof };
      expect((await userinfo(headers)).statusCode).toBe(200);
      const res = await userinfo(headers);
      const detail = 'The DPoP proof was already used (its jti was seen before): make a new proof for every request.';
      expect(expectProblem(res, 'AUTH_INVALID_DPOP_PROOF').detail).toBe(detail);
      expect(res.headers['www-authenticate']).toBe(dpopChallenge('invalid_dpop_proof', detail));
    });

    it('refuses a token that is not DPoP-bound under the DPoP scheme', async () => {
      const plain = await createFapiApp(t, { grantTypes: ['client_credentials'] });
      const basic = `Basic ${Buffer.from(`${plain.clientId}:${plain.clientSecret}`).toString('base64')}`;
      const bearer = tokensOf(
        await postForm(t, '/token', { grant_type: 'client_credentials', scope: 'providers' }, { authorization: basic }),
      );
      expect(bearer.token_type).toBe('Bearer');
      const url = `${TEST_ISSUER}/v1/providers`;
      const res = await t.app.inject({
        method: 'GET',
        url: '/v1/providers',
        headers: {
          authorization: `DPoP ${bearer.access_token}`,
          dpop: await proofFor(url, 'GET', { accessToken: bearer.access_token }),
        },
      });
      const detail = 'The access token is not DPoP-bound: send it as Authorization: Bearer.';
      expect(expectProblem(res, 'AUTH_INVALID_TOKEN').detail).toBe(detail);
      expect(res.headers['www-authenticate']).toBe(dpopChallenge('invalid_token', detail));
    });

    it('guards the bearer REST routes the same way', async () => {
      const rest = tokensOf(await clientCredentials());
      const url = `${TEST_ISSUER}/v1/providers`;
      const ok = await t.app.inject({
        method: 'GET',
        url: '/v1/providers',
        headers: {
          authorization: `DPoP ${rest.access_token}`,
          dpop: await proofFor(url, 'GET', { accessToken: rest.access_token }),
        },
      });
      expect(ok.statusCode, ok.body).toBe(200);
      const bare = await t.app.inject({
        method: 'GET',
        url: '/v1/providers',
        headers: { authorization: `Bearer ${rest.access_token}` },
      });
      const detail = 'The access token is DPoP-bound: send it as Authorization: DPoP with a DPoP proof of its key.';
      expect(expectProblem(bare, 'AUTH_INVALID_TOKEN', { instance: '/v1/providers' }).detail).toBe(detail);
      expect(bare.headers['www-authenticate']).toBe(dpopChallenge('invalid_token', detail));
      const otherUrl = await t.app.inject({
        method: 'GET',
        url: '/v1/providers',
        headers: {
          authorization: `DPoP ${rest.access_token}`,
          dpop: await proofFor(USERINFO_URL, 'GET', { accessToken: rest.access_token }),
        },
      });
      expect(expectProblem(otherUrl, 'AUTH_INVALID_DPOP_PROOF').detail).toBe(
        `The DPoP proof is for another URL (htu must be ${url}, without query and fragment).`,
      );
    });

    it('introspection shows token_type DPoP and cnf.jkt', async () => {
      const res = await postForm(t, '/introspect', { token: tokens.access_token, ...(await assertion()) });
      expect(res.statusCode, res.body).toBe(200);
      const body = JSON.parse(res.body) as Record<string, unknown>;
      expect(body).toMatchObject({ active: true, client_id: bank.clientId, token_type: 'DPoP' });
      expect(body.cnf).toEqual({ jkt: dpopKey.jkt });
    });
  });

  describe('pushed authorization requests', () => {
    it('answers a plain /authorize of a PAR-only app with an error redirect: invalid_request', async () => {
      const { challenge } = pkce();
      const query = new URLSearchParams(authorizationParameters(bank.clientId, challenge));
      const res = await t.app.inject({ method: 'GET', url: `/authorize?${query}` });
      expectAuthorizeRedirectError(res, 'err_invalid_request', {
        redirectUri: FAPI_REDIRECT_URI,
        state: 'fapi-state',
        txState: 'failed',
      });
      expect(new URL(String(res.headers.location)).searchParams.get('error')).toBe('invalid_request');
    });

    async function pushed(app: CreatedFapiApp = bank): Promise<string> {
      const { challenge } = pkce();
      return pushRequest(t, { ...authorizationParameters(app.clientId, challenge), ...(await assertion(app)) });
    }

    function expectRequestUriRefused(res: LightMyRequestResponse, description: string) {
      expect(res.statusCode).toBe(400);
      expect(res.headers.location).toBeUndefined();
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = JSON.parse(res.body) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(['error', 'error_description', 'error_uri', 'request_id']);
      expect(body.error).toBe('invalid_request');
      expect(body.error_uri).toBe(`${TEST_ISSUER}/errors/VALIDATION_INVALID_PARAMETER`);
      expect(body.error_description).toBe(description);
      expect(body.request_id).toBe(res.headers['x-request-id']);
    }

    it('takes a request_uri once', async () => {
      const requestUri = await pushed();
      codeOf(await authorizeWithRequestUri(t, bank.clientId, requestUri, { accept: 'application/json' }));
      expectRequestUriRefused(
        await authorizeWithRequestUri(t, bank.clientId, requestUri, { accept: 'application/json' }),
        'The request_uri was already used: push a new authorization request for every redirect.',
      );
    });

    it('refuses an expired request_uri', async () => {
      const requestUri = await pushed();
      now += 61_000;
      expectRequestUriRefused(
        await authorizeWithRequestUri(t, bank.clientId, requestUri, { accept: 'application/json' }),
        'The request_uri has expired (it is valid for 60 seconds): push a new authorization request.',
      );
    });

    it("refuses another client's request_uri, which its own client can still use", async () => {
      const requestUri = await pushed();
      const other = await createFapiApp(t, { profile: 'fapi2-security', jwks: { keys: [key.publicJwk] } });
      expectRequestUriRefused(
        await authorizeWithRequestUri(t, other.clientId, requestUri, { accept: 'application/json' }),
        'The request_uri was pushed by another client.',
      );
      codeOf(await authorizeWithRequestUri(t, bank.clientId, requestUri));
    });

    it('runs the checks of /authorize at /par and answers them as OAuth JSON', async () => {
      const { challenge } = pkce();
      const badScope = await postForm(t, '/par', {
        ...authorizationParameters(bank.clientId, challenge, { scope: 'openid banking' }),
        ...(await assertion()),
      });
      expectOAuthError(badScope, 'VALIDATION_INVALID_SCOPE');
      const noPkce = { ...authorizationParameters(bank.clientId, challenge), ...(await assertion()) };
      delete (noPkce as Record<string, string | undefined>).code_challenge;
      delete (noPkce as Record<string, string | undefined>).code_challenge_method;
      const pkceBody = expectOAuthError(await postForm(t, '/par', noPkce), 'VALIDATION_INVALID_PKCE');
      expect(pkceBody.error_description).toBe(
        'Apps of the fapi2-security profile must send a PKCE code_challenge (S256).',
      );
      const withRequestUri = await postForm(t, '/par', {
        ...authorizationParameters(bank.clientId, challenge, { request_uri: 'urn:x' }),
        ...(await assertion()),
      });
      expectOAuthError(withRequestUri, 'VALIDATION_INVALID_PARAMETER');
      const unauthenticated = await postForm(t, '/par', authorizationParameters(bank.clientId, challenge));
      expectOAuthError(unauthenticated, 'AUTH_INVALID_CLIENT');
    });
  });

  describe('signed request objects through PAR', () => {
    let signed: CreatedFapiApp;
    beforeAll(async () => {
      signed = await createFapiApp(t, {
        profile: 'fapi2-security',
        jwks: { keys: [key.publicJwk] },
        requestObjectSigningAlg: 'ES256',
      });
    });

    async function requestObject(claims: Record<string, unknown>, signer: ClientKey = key, alg = signer.alg) {
      const seconds = Math.floor(now / 1000);
      return new SignJWT(claims)
        .setProtectedHeader({ alg, typ: 'oauth-authz-req+jwt', kid: String(signer.publicJwk.kid) })
        .setIssuedAt(seconds)
        .setNotBefore(seconds)
        .setExpirationTime(seconds + 300)
        .sign(signer.privateKey);
    }

    it('takes the parameters from the request object only', async () => {
      const { challenge } = pkce();
      const request = await requestObject({
        iss: signed.clientId,
        aud: TEST_ISSUER,
        ...authorizationParameters(signed.clientId, challenge),
      });
      const requestUri = await pushRequest(t, {
        client_id: signed.clientId,
        request,
        // RFC 9101 §6.3: ignored beside a request object.
        scope: 'openid banking',
        ...(await assertion(signed)),
      });
      const res = await authorizeWithRequestUri(t, signed.clientId, requestUri);
      codeOf(res);
      expect(new URL(String(res.headers.location)).searchParams.get('state')).toBe('fapi-state');
    });

    it.each([
      [
        'no request object',
        async () => undefined,
        'VALIDATION_MISSING_PARAMETER',
        'This app must push its authorization requests as request objects signed with ES256 (the request parameter, RFC 9101).',
      ],
      [
        'a request object for another audience',
        async (claims: Record<string, unknown>) => requestObject({ ...claims, aud: 'https://other.example' }),
        'VALIDATION_INVALID_PARAMETER',
        "The request object's aud must be the issuer.",
      ],
      [
        'a request object signed with another algorithm than the registered one',
        async (claims: Record<string, unknown>) => {
          const ps256 = await newClientKey('PS256', String(key.publicJwk.kid));
          return requestObject(claims, ps256);
        },
        'VALIDATION_INVALID_PARAMETER',
        'The request object must be signed with ES256.',
      ],
      [
        'an unsigned request object',
        async (claims: Record<string, unknown>) =>
          `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`,
        'VALIDATION_INVALID_PARAMETER',
        'The request object must be signed with ES256.',
      ],
    ] as const)('refuses %s at /par', async (_case, make, code, description) => {
      const { challenge } = pkce();
      const claims = { iss: signed.clientId, aud: TEST_ISSUER, ...authorizationParameters(signed.clientId, challenge) };
      const request = await make(claims);
      const form = {
        ...(request === undefined
          ? authorizationParameters(signed.clientId, challenge)
          : { client_id: signed.clientId, request }),
        ...(await assertion(signed)),
      };
      const body = expectOAuthError(await postForm(t, '/par', form), code);
      expect(body.error_description).toBe(description);
    });
  });

  describe('refresh tokens of a public client are bound to its DPoP key', () => {
    let publicApp: CreatedFapiApp;
    let tokens: Tokens;
    beforeAll(async () => {
      publicApp = await createFapiApp(t, {
        type: 'public',
        dpopBoundAccessTokens: true,
        allowedOrigins: ['https://spa.bank.example'],
      });
      tokens = await userTokens(publicApp, {});
      expect(tokens.token_type).toBe('DPoP');
      expect(tokens.refresh_token).toBeTruthy();
    });

    function refresh(refreshToken: string, dpop: string | undefined) {
      return postForm(
        t,
        '/token',
        { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: publicApp.clientId },
        dpop === undefined ? {} : { dpop },
      );
    }

    it('lets a browser app send DPoP and read DPoP-Nonce (CORS)', async () => {
      const preflight = await t.app.inject({
        method: 'OPTIONS',
        url: '/token',
        headers: {
          origin: 'https://spa.bank.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, dpop',
        },
      });
      expect(preflight.statusCode).toBe(204);
      expect(String(preflight.headers['access-control-allow-headers']).split(', ')).toContain('DPoP');
      const refreshed = await postForm(
        t,
        '/token',
        { grant_type: 'refresh_token', refresh_token: 'rt_unknown', client_id: publicApp.clientId },
        { origin: 'https://spa.bank.example', dpop: await proofFor() },
      );
      expectOAuthError(refreshed, 'AUTH_INVALID_GRANT');
      expect(String(refreshed.headers['access-control-expose-headers']).split(', ')).toContain('DPoP-Nonce');
    });

    it('refuses a refresh without a proof, or with a proof of another key', async () => {
      const none = await refresh(tokens.refresh_token ?? '', undefined);
      expect(expectOAuthError(none, 'AUTH_INVALID_DPOP_PROOF').error_description).toBe(
        'This app must bind its access tokens with DPoP: send a DPoP proof with the token request.',
      );
      const other = await refresh(
        tokens.refresh_token ?? '',
        await proofFor(TOKEN_URL, 'POST', {}, await newClientKey('ES256')),
      );
      expect(expectOAuthError(other, 'AUTH_INVALID_DPOP_PROOF').error_description).toBe(
        'The refresh token is bound to another DPoP key than the one that signed this proof.',
      );
    });

    it('refreshes with a proof of its key, and the successor stays bound', async () => {
      const next = tokensOf(await refresh(tokens.refresh_token ?? '', await proofFor()));
      expect(next.token_type).toBe('DPoP');
      const other = await refresh(
        next.refresh_token ?? '',
        await proofFor(TOKEN_URL, 'POST', {}, await newClientKey('ES256')),
      );
      expectOAuthError(other, 'AUTH_INVALID_DPOP_PROOF');
      tokensOf(await refresh(next.refresh_token ?? '', await proofFor()));
    });
  });
});

describe.each(TEST_DATABASE_KINDS)('DPoP nonces (IDGATE_DPOP_NONCE) on %s', (kind) => {
  let t: TestApp;
  let now = T0;
  const clock = () => new Date(now);
  let key: ClientKey;
  let dpopKey: ClientKey;
  let bank: CreatedFapiApp;

  beforeAll(async () => {
    t = await createTestApp(kind, { clock, env: { IDGATE_DPOP_NONCE: 'true' } });
    [key, dpopKey] = await Promise.all([newClientKey('EdDSA'), newClientKey('PS256')]);
    bank = await createFapiApp(t, {
      profile: 'fapi2-security',
      jwks: { keys: [key.publicJwk] },
      grantTypes: ['client_credentials'],
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function tokenRequest(nonce?: string) {
    const form = {
      grant_type: 'client_credentials',
      scope: 'providers',
      ...assertionForm(await clientAssertion(bank.clientId, key, clock())),
    };
    const proof = await dpopProof(dpopKey, 'POST', TOKEN_URL, clock(), nonce === undefined ? {} : { nonce });
    return postForm(t, '/token', form, { dpop: proof });
  }

  it('asks for a nonce at the token endpoint, then takes the proof that carries it', async () => {
    const first = await tokenRequest();
    const body = expectOAuthError(first, 'AUTH_USE_DPOP_NONCE');
    expect(first.statusCode).toBe(400);
    expect(body.error).toBe('use_dpop_nonce');
    expect(body.error_description).toBe(
      'This server requires a DPoP nonce: repeat the request with the nonce of the DPoP-Nonce header in a new proof.',
    );
    const nonce = String(first.headers['dpop-nonce']);
    expect(nonce).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const second = await tokenRequest(nonce);
    const tokens = tokensOf(second);
    expect(tokens.token_type).toBe('DPoP');
    expect(second.headers['dpop-nonce']).toBe(nonce);

    // At the resource: the same nonce works, a missing one is asked for with the DPoP challenge.
    const url = `${TEST_ISSUER}/v1/providers`;
    const withoutNonce = await t.app.inject({
      method: 'GET',
      url: '/v1/providers',
      headers: {
        authorization: `DPoP ${tokens.access_token}`,
        dpop: await dpopProof(dpopKey, 'GET', url, clock(), { accessToken: tokens.access_token }),
      },
    });
    const problem = expectProblem(withoutNonce, 'AUTH_USE_DPOP_NONCE');
    expect(withoutNonce.headers['dpop-nonce']).toBe(nonce);
    expect(withoutNonce.headers['www-authenticate']).toBe(dpopChallenge('use_dpop_nonce', String(problem.detail)));
    const withNonce = await t.app.inject({
      method: 'GET',
      url: '/v1/providers',
      headers: {
        authorization: `DPoP ${tokens.access_token}`,
        dpop: await dpopProof(dpopKey, 'GET', url, clock(), { accessToken: tokens.access_token, nonce }),
      },
    });
    expect(withNonce.statusCode, withNonce.body).toBe(200);
    expect(withNonce.headers['dpop-nonce']).toBe(nonce);
  });

  it('refuses a stale nonce with a fresh one', async () => {
    const nonce = String((await tokenRequest()).headers['dpop-nonce']);
    now += 5 * 60_000;
    const stale = await tokenRequest(nonce);
    const body = expectOAuthError(stale, 'AUTH_USE_DPOP_NONCE');
    expect(body.error_description).toBe(
      'The DPoP nonce is stale: repeat the request with the nonce of the DPoP-Nonce header in a new proof.',
    );
    const fresh = String(stale.headers['dpop-nonce']);
    expect(fresh).not.toBe(nonce);
    tokensOf(await tokenRequest(fresh));
  });
});
