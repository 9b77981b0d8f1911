/**
 * The upstream adapter against a strict eID (SPEC 11), end to end over real HTTP: a real
 * OpenID Provider (`oidc-provider`) that requires pushed authorization requests and signed
 * request objects, authenticates idgate by `private_key_jwt` against its published
 * `/rp/jwks.json`, and encrypts ID tokens and userinfo to idgate's RP encryption key —
 * like the Finnish Trust Network. Whole sign-ins through `/authorize` (then `/token` and
 * `/userinfo` at idgate) and through REST, with JARM too; each failure of the profile
 * where the app sees it and in the log; idgate's RP keys published, signed and rotated.
 */
import { createHash, randomBytes } from 'node:crypto';
import { TX_STATUS_DEFINITIONS, type TxStatusCode } from '@idgate/errors';
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbackState, verificationIdOfState } from '../../../src/providers/oidc/oidc-upstream.provider.js';
import { RelyingPartyKeys } from '../../../src/tokens/relying-party-keys.js';
import { adminAuth } from '../../support/app.js';
import { expectProblem } from '../../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../../support/databases.js';
import { registerSecret } from '../../support/leaks.js';
import { type LiveTestApp, startLiveTestApp } from '../../support/live-server.js';
import { TestBrowser } from './browser.js';
import { foreignKey, type StrictUpstream, startStrictUpstream } from './strict-upstream.js';

const REDIRECT_URI = 'https://shop.example/cb';
const GRACE_SECONDS = 7 * 24 * 3600;
const ENCRYPTION = { enc: 'A256GCM' } as const;

function providersConfig(strictUrl: string, laxUrl: string) {
  const strict = {
    discoveryUrl: strictUrl,
    maxLoa: 4,
    defaultLoa: 2,
    claimMapping: { surname: 'family_name' },
    tokenEndpointAuthMethod: 'private_key_jwt',
    requestObject: 'signed',
  };
  return [
    {
      ...strict,
      id: 'strict',
      displayName: 'Strict eID',
      clientId: 'idgate-strict',
      pushedAuthorization: 'auto',
      requestObject: 'signed-encrypted',
      idTokenEncryption: ENCRYPTION,
      userinfoEncryption: ENCRYPTION,
    },
    {
      ...strict,
      id: 'strict-jarm',
      displayName: 'Strict eID (JARM)',
      clientId: 'idgate-strict-jarm',
      responseMode: 'jwt',
      idTokenEncryption: ENCRYPTION,
    },
    {
      ...strict,
      id: 'strict-plain',
      displayName: 'Plain',
      clientId: 'idgate-strict-plain',
      idTokenEncryption: ENCRYPTION,
    },
    {
      ...strict,
      id: 'strict-foreign',
      displayName: 'Foreign key',
      clientId: 'idgate-strict-foreign',
      idTokenEncryption: { alg: 'ECDH-ES', enc: 'A256GCM' },
    },
    { ...strict, id: 'strict-wrongkey', displayName: 'Wrong key (PAR)', clientId: 'idgate-strict-wrongkey' },
    { ...strict, id: 'strict-badpar', displayName: 'PAR refused', clientId: 'idgate-strict-badpar' },
    {
      ...strict,
      id: 'strict-rot',
      displayName: 'Rotation',
      clientId: 'idgate-strict-rot',
      idTokenEncryption: ENCRYPTION,
    },
    {
      id: 'lax-jar',
      displayName: 'Request object by value',
      discoveryUrl: laxUrl,
      maxLoa: 4,
      clientId: 'idgate-lax-jar',
      claimMapping: { surname: 'family_name' },
      tokenEndpointAuthMethod: 'private_key_jwt',
      requestObject: 'signed',
    },
    {
      id: 'lax-unlisted',
      displayName: 'Unlisted enc',
      discoveryUrl: laxUrl,
      maxLoa: 4,
      clientId: 'idgate-lax-unlisted',
      tokenEndpointAuthMethod: 'private_key_jwt',
      idTokenEncryption: { enc: 'A192GCM' },
    },
    {
      id: 'lax-wrongkey',
      displayName: 'Wrong key (token)',
      discoveryUrl: laxUrl,
      maxLoa: 4,
      clientId: 'idgate-lax-wrongkey',
      tokenEndpointAuthMethod: 'private_key_jwt',
    },
  ];
}

const PROVIDER_IDS = providersConfig('http://unused', 'http://unused').map((provider) => provider.id);

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The client metadata of a strict client (oidc-provider), its redirect URI idgate's callback. */
function strictClient(baseUrl: string, providerId: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    client_id: `idgate-${providerId}`,
    redirect_uris: [`${baseUrl}/callback/${providerId}`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'ES256',
    request_object_signing_alg: 'ES256',
    ...extra,
  };
}

describe.each(TEST_DATABASE_KINDS)('upstream OIDC against a strict eID (%s)', (kind) => {
  let strict: StrictUpstream;
  let lax: StrictUpstream;
  let live: LiveTestApp;
  let clientId: string;
  let basic: string;
  let offsetMs = 0;
  let initialJwks: JSONWebKeySet;

  beforeAll(async () => {
    strict = await startStrictUpstream({ requirePushedAuthorization: true, requireSignedRequestObject: true });
    lax = await startStrictUpstream({ requirePushedAuthorization: false, requireSignedRequestObject: false });
    live = await startLiveTestApp(kind, {
      env: {
        IDGATE_OIDC_PROVIDERS: JSON.stringify(providersConfig(strict.url, lax.url)),
        IDGATE_RP_KEY_GRACE: String(GRACE_SECONDS),
      },
      clock: () => new Date(Date.now() + offsetMs),
    });
    const jwksUri = `${live.baseUrl}/rp/jwks.json`;
    initialJwks = (await (await fetch(jwksUri)).json()) as JSONWebKeySet;
    const idgateSigning = initialJwks.keys.find((key) => key.use === 'sig');
    const foreignSigning = (await foreignKey('ES256', 'foreign-sig')).publicJwk;
    const foreignEncryption = (await foreignKey('ECDH-ES', 'foreign-enc')).publicJwk;
    const encrypted = {
      id_token_encrypted_response_alg: 'ECDH-ES',
      id_token_encrypted_response_enc: 'A256GCM',
    };
    const base = live.baseUrl;
    await strict.mount([
      strictClient(base, 'strict', {
        jwks_uri: jwksUri,
        request_object_encryption_alg: 'ECDH-ES',
        request_object_encryption_enc: 'A256GCM',
        ...encrypted,
        userinfo_signed_response_alg: 'RS256',
        userinfo_encrypted_response_alg: 'ECDH-ES',
        userinfo_encrypted_response_enc: 'A256GCM',
      }),
      // An app's own client at the strict eID, for the same callback: it authenticates with idgate's RP keys too.
      strictClient(base, 'strict', {
        client_id: 'app-own-strict',
        jwks_uri: jwksUri,
        request_object_encryption_alg: 'ECDH-ES',
        request_object_encryption_enc: 'A256GCM',
        ...encrypted,
        userinfo_signed_response_alg: 'RS256',
        userinfo_encrypted_response_alg: 'ECDH-ES',
        userinfo_encrypted_response_enc: 'A256GCM',
      }),
      strictClient(base, 'strict-jarm', {
        jwks_uri: jwksUri,
        authorization_signed_response_alg: 'RS256',
        ...encrypted,
      }),
      strictClient(base, 'strict-plain', { jwks_uri: jwksUri }),
      strictClient(base, 'strict-foreign', { jwks: { keys: [idgateSigning, foreignEncryption] }, ...encrypted }),
      strictClient(base, 'strict-wrongkey', { jwks: { keys: [foreignSigning] } }),
      strictClient(base, 'strict-badpar', { jwks_uri: jwksUri, redirect_uris: ['https://elsewhere.example/cb'] }),
      // The keys as idgate published them before the rotation below (the upstream keeps them).
      strictClient(base, 'strict-rot', { jwks: initialJwks, ...encrypted }),
    ]);
    await lax.mount([
      strictClient(base, 'lax-wrongkey', { jwks: { keys: [foreignSigning] } }),
      strictClient(base, 'lax-jar', { jwks_uri: jwksUri, require_signed_request_object: true }),
      strictClient(base, 'lax-unlisted', { jwks_uri: jwksUri }),
    ]);
    const created = await live.app.idgate.apps.create({
      name: 'Shop',
      type: 'confidential',
      redirectUris: [REDIRECT_URI],
      providers: PROVIDER_IDS,
    } as Parameters<typeof live.app.idgate.apps.create>[0]);
    clientId = created.app.clientId;
    registerSecret(created.clientSecret);
    basic = `Basic ${Buffer.from(`${clientId}:${created.clientSecret ?? ''}`).toString('base64')}`;
  });

  afterAll(async () => {
    await live?.close();
    await strict?.close();
    await lax?.close();
  });

  function browser(): TestBrowser {
    return new TestBrowser([live.baseUrl, strict.url, lax.url]);
  }

  /** `/authorize` with `provider_hint`, through the upstream, back to the app. */
  async function authorizeFlow(providerId: string, rewrite: (url: URL) => URL = (url) => url) {
    const { verifier, challenge } = pkce();
    const query = new URLSearchParams({
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid profile email',
      state: 'app-state-1',
      nonce: 'app-nonce-1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      provider_hint: providerId,
    });
    const callbacks: URL[] = [];
    const { final, hops } = await browser().walk(`${live.baseUrl}/authorize?${query}`, (url) => {
      if (url.pathname === `/callback/${providerId}`) callbacks.push(new URL(url));
      return rewrite(url);
    });
    const state = callbacks[0] === undefined ? undefined : callbackState(Object.fromEntries(callbacks[0].searchParams));
    const verificationId = verificationIdOfState(state ?? '') ?? '';
    expect(final.origin + final.pathname, hops.map((hop) => `${hop.status} ${hop.url}`).join('\n')).toBe(REDIRECT_URI);
    return { final, verifier, callbacks, verificationId };
  }

  function expectAppError(final: URL, txStatus: TxStatusCode): void {
    expect(final.searchParams.get('error_description')).toBe(txStatus);
    expect(final.searchParams.get('error')).toBe(TX_STATUS_DEFINITIONS[txStatus].oauth);
    expect(final.searchParams.get('tx_state')).toBe('failed');
    expect(final.searchParams.get('state')).toBe('app-state-1');
    expect(final.searchParams.get('code')).toBeNull();
  }

  /** The callback failure idgate logged for a session (the catalog code, and the reason under `debug`). */
  function loggedFailure(verificationId: string): { code: unknown; reason: unknown } | undefined {
    const entry = live.logs.find(
      (each) => each.msg === 'upstream provider callback failed' && each.verification_id === verificationId,
    );
    return entry === undefined
      ? undefined
      : { code: entry.code, reason: (entry.debug as { reason?: unknown } | undefined)?.reason };
  }

  async function restStart(providerId: string) {
    return live.app.inject({
      method: 'POST',
      url: '/v1/verifications',
      headers: { authorization: basic },
      payload: { providerId, redirectUri: REDIRECT_URI },
    });
  }

  async function exchange(code: string, verifier: string) {
    const token = await fetch(`${live.baseUrl}/token`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
      }),
    });
    expect(token.status).toBe(200);
    const tokens = (await token.json()) as { access_token: string };
    registerSecret(tokens.access_token);
    const userinfo = await fetch(`${live.baseUrl}/userinfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(userinfo.status).toBe(200);
    return (await userinfo.json()) as Record<string, unknown>;
  }

  it('publishes the RP keys at /rp/jwks.json: one signing (ES256) and one encryption (ECDH-ES) key, public members only', async () => {
    const res = await fetch(`${live.baseUrl}/rp/jwks.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const { keys } = (await res.json()) as JSONWebKeySet;
    expect(keys.map((key) => [key.use, key.alg, key.kty, key.crv])).toEqual([
      ['sig', 'ES256', 'EC', 'P-256'],
      ['enc', 'ECDH-ES', 'EC', 'P-256'],
    ]);
    for (const key of keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
      expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
    // Separate from the OP's token signing keys.
    const opKeys = (await (await fetch(`${live.baseUrl}/jwks`)).json()) as JSONWebKeySet;
    expect(opKeys.keys.map((key) => key.kid)).not.toContain(keys[0]?.kid);
  });

  it('publishes them as a JWT signed by the RP signing key at /rp/signed-jwks (typ jwk-set+jwt)', async () => {
    const res = await fetch(`${live.baseUrl}/rp/signed-jwks`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/jwk-set+jwt');
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    const jwt = await res.text();
    const jwks = (await (await fetch(`${live.baseUrl}/rp/jwks.json`)).json()) as JSONWebKeySet;
    const signingKid = jwks.keys.find((key) => key.use === 'sig')?.kid;
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'ES256', kid: signingKid, typ: 'jwk-set+jwt' });
    const { payload } = await jwtVerify(jwt, createLocalJWKSet(jwks), {
      issuer: live.baseUrl,
      subject: live.baseUrl,
      typ: 'jwk-set+jwt',
      currentDate: new Date(Date.now() + offsetMs),
    });
    expect(payload.keys).toEqual(jwks.keys);
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
    expect(Object.keys(payload).sort()).toEqual(['exp', 'iat', 'iss', 'keys', 'sub']);
  });

  it('signs in through /authorize: PAR, private_key_jwt, a signed and encrypted request object, encrypted ID token and userinfo', async () => {
    const parBefore = strict.hits.get('/request') ?? 0;
    const { final, verifier, callbacks } = await authorizeFlow('strict');
    expect(
      [...final.searchParams.keys()],
      JSON.stringify(loggedFailure(verificationIdOfState(final.searchParams.get('state') ?? '') ?? '')),
    ).toEqual(['code', 'state', 'iss']);
    expect(strict.hits.get('/request') ?? 0).toBe(parBefore + 1);
    expect(callbacks).toHaveLength(1);
    const code = final.searchParams.get('code') ?? '';
    registerSecret(code);
    const claims = await exchange(code, verifier);
    expect(claims).toMatchObject({
      given_name: 'Anna',
      family_name: 'Andersson',
      birthdate: '1985-04-12',
      email: 'Anna.Andersson@example.com',
    });
  });

  it('signs in through REST: flowDetails.url carries only client_id and the pushed request_uri', async () => {
    const created = await restStart('strict');
    expect(created.statusCode, created.body).toBe(201);
    const body = JSON.parse(created.body) as { verificationId: string; flowDetails: { url: string } };
    const url = new URL(body.flowDetails.url);
    expect(url.origin).toBe(strict.url);
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    const { final } = await browser().walk(body.flowDetails.url);
    expect(final.toString()).toBe(`${REDIRECT_URI}?verificationId=${body.verificationId}`);
    const read = await live.app.inject({
      method: 'GET',
      url: `/v1/verifications/${body.verificationId}`,
      headers: { authorization: basic },
    });
    const verification = JSON.parse(read.body) as Record<string, unknown>;
    expect(verification.status).toBe('completed');
    expect(verification.loa).toBe(3);
    expect(verification.claims).toMatchObject({ given_name: 'Anna', family_name: 'Andersson' });
    expect((verification.provenance as { issuer: string }).issuer).toBe(strict.url);
  });

  it('signs in with a JWT-secured authorization response (JARM): the callback carries only response', async () => {
    const { final, verifier, callbacks } = await authorizeFlow('strict-jarm');
    expect(callbacks.map((callback) => [...callback.searchParams.keys()])).toEqual([['response']]);
    const code = final.searchParams.get('code') ?? '';
    registerSecret(code);
    expect((await exchange(code, verifier)).given_name).toBe('Anna');
  });

  it('sends a signed request object by value when the upstream does not ask for PAR (with response_type and scope beside it)', async () => {
    const created = await restStart('lax-jar');
    expect(created.statusCode, created.body).toBe(201);
    const body = JSON.parse(created.body) as { verificationId: string; flowDetails: { url: string } };
    const url = new URL(body.flowDetails.url);
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request', 'response_type', 'scope']);
    const request = url.searchParams.get('request') ?? '';
    expect(decodeProtectedHeader(request)).toMatchObject({ alg: 'ES256', typ: 'oauth-authz-req+jwt' });
    const jwks = (await (await fetch(`${live.baseUrl}/rp/jwks.json`)).json()) as JSONWebKeySet;
    const { payload } = await jwtVerify(request, createLocalJWKSet(jwks), {
      issuer: 'idgate-lax-jar',
      audience: lax.url,
      typ: 'oauth-authz-req+jwt',
    });
    expect(payload).toMatchObject({
      client_id: 'idgate-lax-jar',
      response_type: 'code',
      code_challenge_method: 'S256',
    });
    expect(String(payload.state).startsWith(`${body.verificationId}.`)).toBe(true);
    const { final } = await browser().walk(body.flowDetails.url);
    expect(final.toString()).toBe(`${REDIRECT_URI}?verificationId=${body.verificationId}`);
    const read = await live.app.inject({
      method: 'GET',
      url: `/v1/verifications/${body.verificationId}`,
      headers: { authorization: basic },
    });
    expect(JSON.parse(read.body)).toMatchObject({ status: 'completed', claims: { family_name: 'Andersson' } });
  });

  it("an app's own clientId at a private_key_jwt upstream uses the instance's RP keys (a secret there is refused)", async () => {
    const url = `/admin/v1/apps/${clientId}/providers/strict`;
    const refused = await live.app.inject({
      method: 'PUT',
      url,
      headers: adminAuth(),
      payload: { enabled: true, settings: { clientId: 'app-own-strict', clientSecret: 'an-unused-secret-0123456789' } },
    });
    const problem = expectProblem(refused, 'PROVIDER_CONFIGURATION_ERROR', { issuer: live.baseUrl });
    expect((problem.context as { fields: { name: string; reason: string }[] }).fields).toEqual([
      {
        name: 'settings.clientSecret',
        pointer: '/settings/clientSecret',
        reason: "is not used: the provider authenticates with private_key_jwt (idgate's RP keys)",
      },
    ]);
    const put = await live.app.inject({
      method: 'PUT',
      url,
      headers: adminAuth(),
      payload: { enabled: true, settings: { clientId: 'app-own-strict' } },
    });
    expect(put.statusCode, put.body).toBeLessThan(300);
    try {
      const created = await restStart('strict');
      expect(created.statusCode, created.body).toBe(201);
      const body = JSON.parse(created.body) as { verificationId: string; flowDetails: { url: string } };
      expect(new URL(body.flowDetails.url).searchParams.get('client_id')).toBe('app-own-strict');
      const { final } = await browser().walk(body.flowDetails.url);
      expect(final.toString()).toBe(`${REDIRECT_URI}?verificationId=${body.verificationId}`);
      const read = await live.app.inject({
        method: 'GET',
        url: `/v1/verifications/${body.verificationId}`,
        headers: { authorization: basic },
      });
      expect(JSON.parse(read.body)).toMatchObject({ status: 'completed', claims: { given_name: 'Anna' } });
    } finally {
      await live.app.inject({ method: 'PUT', url, headers: adminAuth(), payload: { enabled: true, settings: {} } });
    }
  });

  describe('failures of the profile', () => {
    it('an encryption the upstream does not list → PROVIDER_INITIALIZATION_FAILED at the start, before the user is sent anywhere', async () => {
      const res = await restStart('lax-unlisted');
      const problem = expectProblem(res, 'PROVIDER_INITIALIZATION_FAILED', {
        issuer: live.baseUrl,
        instance: '/v1/verifications',
      });
      expect(problem.context).toMatchObject({ providerId: 'lax-unlisted', step: 'discovery' });
      expect(res.body).not.toContain(lax.url);
    });

    it('a key the upstream does not know, at PAR → PROVIDER_AUTHENTICATION_FAILED (401), nothing of the upstream in the answer', async () => {
      const res = await restStart('strict-wrongkey');
      const problem = expectProblem(res, 'PROVIDER_AUTHENTICATION_FAILED', {
        issuer: live.baseUrl,
        instance: '/v1/verifications',
      });
      expect(problem.status).toBe(401);
      expect(problem.context).toMatchObject({ providerId: 'strict-wrongkey', step: 'par' });
      expect(res.body).not.toContain(strict.url);
      expect(res.body).not.toContain('foreign-sig');
      const verificationId = (problem.context as { verificationId: string }).verificationId;
      const read = await live.app.inject({
        method: 'GET',
        url: `/v1/verifications/${verificationId}`,
        headers: { authorization: basic },
      });
      expect(JSON.parse(read.body)).toMatchObject({ status: 'failed', error: { code: 'err_provider_error' } });
      const { final } = await authorizeFlow('strict-wrongkey');
      expectAppError(final, 'err_provider_error');
    });

    it('a key the upstream does not know, at the token endpoint → PROVIDER_AUTHENTICATION_FAILED (no PAR: not required)', async () => {
      const { final, verificationId } = await authorizeFlow('lax-wrongkey');
      expectAppError(final, 'err_provider_error');
      expect(loggedFailure(verificationId)).toEqual({
        code: 'PROVIDER_AUTHENTICATION_FAILED',
        reason: 'client authentication refused',
      });
      expect(lax.hits.get('/request') ?? 0).toBe(0);
    });

    it('a plain ID token where encryption is configured → PROVIDER_UNEXPECTED_RESPONSE', async () => {
      const { final, verificationId } = await authorizeFlow('strict-plain');
      expectAppError(final, 'err_provider_error');
      expect(loggedFailure(verificationId)).toEqual({
        code: 'PROVIDER_UNEXPECTED_RESPONSE',
        reason: 'id_token is not encrypted',
      });
    });

    it('an ID token encrypted to a key idgate does not have → PROVIDER_UNEXPECTED_RESPONSE', async () => {
      const { final, verificationId } = await authorizeFlow('strict-foreign');
      expectAppError(final, 'err_provider_error');
      expect(loggedFailure(verificationId)).toEqual({
        code: 'PROVIDER_UNEXPECTED_RESPONSE',
        reason: 'token answer refused: OAUTH_DECRYPTION_FAILED',
      });
    });

    it('a JARM response whose signature does not verify → PROVIDER_UNEXPECTED_RESPONSE', async () => {
      const { final, verificationId } = await authorizeFlow('strict-jarm', (url) => {
        const response = url.pathname === '/callback/strict-jarm' ? url.searchParams.get('response') : null;
        if (response !== null) {
          const [header, payload, signature] = response.split('.') as [string, string, string];
          const bytes = Buffer.from(signature, 'base64url');
          bytes[0] = (bytes[0] ?? 0) ^ 0xff;
          url.searchParams.set('response', `${header}.${payload}.${bytes.toString('base64url')}`);
        }
        return url;
      });
      expectAppError(final, 'err_provider_error');
      expect(loggedFailure(verificationId)).toEqual({
        code: 'PROVIDER_UNEXPECTED_RESPONSE',
        reason: 'authorization answer refused: OAUTH_INVALID_RESPONSE',
      });
    });

    it('PAR refused for another reason (an unregistered redirect URI) → PROVIDER_INITIALIZATION_FAILED (502)', async () => {
      const res = await restStart('strict-badpar');
      const problem = expectProblem(res, 'PROVIDER_INITIALIZATION_FAILED', {
        issuer: live.baseUrl,
        instance: '/v1/verifications',
      });
      expect(problem.context).toMatchObject({ providerId: 'strict-badpar', step: 'par' });
      expect(res.body).not.toContain(strict.url);
      const { final } = await authorizeFlow('strict-badpar');
      expectAppError(final, 'err_provider_error');
    });
  });

  it('rotates the RP keys: both published, the old encryption key still decrypts, then it goes after the grace', async () => {
    // Another instance (or `idgate keys rotate --rp`) rotates, on the same database.
    const other = new RelyingPartyKeys({
      database: live.app.idgate.database,
      secrets: live.app.idgate.secrets,
      clock: () => new Date(Date.now() + offsetMs),
      config: { ...live.app.idgate.config, rpKeyGraceSeconds: GRACE_SECONDS },
    });
    const rotated = await other.rotate('ECDH-ES');
    const oldEncryption = initialJwks.keys.find((key) => key.use === 'enc');
    expect(rotated).toMatchObject([{ use: 'enc', alg: 'ECDH-ES', previousKid: oldEncryption?.kid }]);
    // Every instance sees it once its key cache expires.
    offsetMs += 61_000;
    const both = (await (await fetch(`${live.baseUrl}/rp/jwks.json`)).json()) as JSONWebKeySet;
    expect(both.keys.map((key) => [key.use, key.kid])).toEqual([
      ['sig', initialJwks.keys[0]?.kid],
      ['enc', rotated[0]?.kid],
      ['enc', oldEncryption?.kid],
    ]);
    // The upstream still encrypts to the key it registered: idgate decrypts with the previous key.
    const { final, verifier, verificationId } = await authorizeFlow('strict-rot');
    const code = final.searchParams.get('code') ?? '';
    expect(code, JSON.stringify(loggedFailure(verificationId))).toMatch(/^[A-Za-z0-9_-]{43}$/);
    registerSecret(code);
    expect((await exchange(code, verifier)).family_name).toBe('Andersson');
    // After the grace, the old key is retired: no longer published.
    offsetMs += GRACE_SECONDS * 1000;
    const after = (await (await fetch(`${live.baseUrl}/rp/jwks.json`)).json()) as JSONWebKeySet;
    expect(after.keys.map((key) => key.kid)).toEqual([initialJwks.keys[0]?.kid, rotated[0]?.kid]);
    const listed = await other.list();
    expect(listed.find((key) => key.kid === oldEncryption?.kid)).toMatchObject({ status: 'retired', published: false });
  });
});
