/**
 * FAPI 2.0 for apps (SPEC 12) driven by a real relying-party library, openid-client 6,
 * over real HTTP on both databases, through the headless sandbox path
 * (`provider_hint=mock-redirect&login_hint=success`): a `fapi2-security` app with
 * `private_key_jwt` (`PrivateKeyJwt`), PAR (`buildAuthorizationUrlWithPAR`) and DPoP
 * (`getDPoPHandle`) for the whole flow — tokens, userinfo, introspection, refresh, client
 * credentials and a bearer REST route; a public client whose refresh token is bound to its
 * DPoP key; a signed request object (`buildAuthorizationUrlWithJAR`) pushed through PAR;
 * and keys published at a `jwksUri`, fetched again for a new `kid`.
 */
import { createServer, type Server } from 'node:http';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWKS_REFETCH_COOLDOWN_MS } from '../../src/apps/client-keys.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { registerSecret } from '../support/leaks.js';
import { type LiveTestApp, startLiveTestApp } from '../support/live-server.js';
import { type ClientKey, FAPI_REDIRECT_URI, newClientKey } from './fapi-support.js';

const GRANTS = ['authorization_code', 'refresh_token', 'client_credentials'];

describe.each(TEST_DATABASE_KINDS)('openid-client 6 as a FAPI 2.0 app on %s', (kind) => {
  let live: LiveTestApp;

  beforeAll(async () => {
    live = await startLiveTestApp(kind);
  });
  afterAll(async () => {
    await live?.close();
  });

  async function createApp(body: Record<string, unknown>): Promise<string> {
    const created = await live.app.idgate.apps.create({
      name: 'openid-client FAPI app',
      type: 'confidential',
      redirectUris: [FAPI_REDIRECT_URI],
      ...body,
    } as never);
    registerSecret(created.clientSecret);
    return created.app.clientId;
  }

  async function configFor(clientId: string, auth: client.ClientAuth): Promise<client.Configuration> {
    return client.discovery(new URL(live.baseUrl), clientId, undefined, auth, {
      execute: [client.allowInsecureRequests],
    });
  }

  function privateKeyJwt(key: ClientKey): client.ClientAuth {
    return client.PrivateKeyJwt({ key: key.privateKey, kid: String(key.publicJwk.kid) });
  }

  /** Runs the headless authorization through PAR and returns the callback URL and the checks. */
  async function authorizeWithPar(
    config: client.Configuration,
    DPoP: client.DPoPHandle,
    jarKey?: ClientKey,
  ): Promise<{ callback: URL; checks: client.AuthorizationCodeGrantChecks }> {
    const pkceCodeVerifier = client.randomPKCECodeVerifier();
    const expectedState = client.randomState();
    const expectedNonce = client.randomNonce();
    const parameters: Record<string, string> = {
      redirect_uri: FAPI_REDIRECT_URI,
      scope: 'openid profile offline_access',
      code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
      code_challenge_method: 'S256',
      state: expectedState,
      nonce: expectedNonce,
      provider_hint: 'mock-redirect',
      login_hint: 'success',
    };
    const pushed =
      jarKey === undefined
        ? parameters
        : (
            await client.buildAuthorizationUrlWithJAR(config, parameters, {
              key: jarKey.privateKey,
              kid: String(jarKey.publicJwk.kid),
            })
          ).searchParams;
    const url = await client.buildAuthorizationUrlWithPAR(config, pushed, { DPoP });
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const callback = new URL(response.headers.get('location') ?? '');
    expect(callback.searchParams.get('iss')).toBe(live.baseUrl);
    return { callback, checks: { pkceCodeVerifier, expectedState, expectedNonce, idTokenExpected: true } };
  }

  it('announces PAR, private_key_jwt, DPoP and request objects in discovery', async () => {
    const config = await configFor('test_discovery_only_000000000', client.None());
    const metadata = config.serverMetadata();
    expect(metadata.pushed_authorization_request_endpoint).toBe(`${live.baseUrl}/par`);
    expect(metadata.require_pushed_authorization_requests).toBe(false);
    expect(metadata.token_endpoint_auth_methods_supported).toContain('private_key_jwt');
    expect(metadata.dpop_signing_alg_values_supported).toEqual(['ES256', 'PS256', 'EdDSA', 'Ed25519']);
    expect(metadata.request_object_signing_alg_values_supported).toEqual(['ES256', 'PS256', 'EdDSA', 'Ed25519']);
  });

  it('runs the whole flow with private_key_jwt, PAR and DPoP (fapi2-security)', async () => {
    const key = await newClientKey('ES256');
    const clientId = await createApp({
      profile: 'fapi2-security',
      jwks: { keys: [key.publicJwk] },
      grantTypes: GRANTS,
    });
    const config = await configFor(clientId, privateKeyJwt(key));
    const dpopKeys = await client.randomDPoPKeyPair('ES256');
    const jkt = await calculateJwkThumbprint(await exportJWK(dpopKeys.publicKey), 'sha256');
    const DPoP = client.getDPoPHandle(config, dpopKeys);

    const { callback, checks } = await authorizeWithPar(config, DPoP);
    const tokens = await client.authorizationCodeGrant(config, callback, checks, undefined, { DPoP });
    registerSecret(tokens.access_token);
    registerSecret(tokens.refresh_token);
    expect(tokens.token_type).toBe('dpop');
    const claims = tokens.claims();
    expect(claims?.aud).toBe(clientId);
    expect(claims?.nonce).toBe(checks.expectedNonce);

    const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims?.sub ?? '', { DPoP });
    expect(userinfo.sub).toBe(claims?.sub);
    expect(typeof userinfo.given_name).toBe('string');

    const introspected = await client.tokenIntrospection(config, tokens.access_token);
    expect(introspected).toMatchObject({ active: true, client_id: clientId, token_type: 'DPoP', cnf: { jkt } });

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token ?? '', undefined, { DPoP });
    registerSecret(refreshed.access_token);
    registerSecret(refreshed.refresh_token);
    expect(refreshed.token_type).toBe('dpop');
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);

    const rest = await client.clientCredentialsGrant(config, { scope: 'providers' }, { DPoP });
    registerSecret(rest.access_token);
    expect(rest.token_type).toBe('dpop');
    const providers = await client.fetchProtectedResource(
      config,
      rest.access_token,
      new URL(`${live.baseUrl}/v1/providers`),
      'GET',
      undefined,
      undefined,
      { DPoP },
    );
    expect(providers.status).toBe(200);
    const bare = await fetch(`${live.baseUrl}/v1/providers`, {
      headers: { authorization: `Bearer ${rest.access_token}` },
    });
    expect(bare.status).toBe(401);
    expect(bare.headers.get('www-authenticate')).toMatch(/^DPoP realm="idgate", error="invalid_token", /);

    await client.tokenRevocation(config, refreshed.access_token);
    expect((await client.tokenIntrospection(config, refreshed.access_token)).active).toBe(false);
  });

  it('binds a public client refresh token to its DPoP key', async () => {
    const clientId = await createApp({ type: 'public', dpopBoundAccessTokens: true });
    const config = await configFor(clientId, client.None());
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('EdDSA'));
    const { callback, checks } = await authorizeWithPar(config, DPoP);
    const tokens = await client.authorizationCodeGrant(config, callback, checks, undefined, { DPoP });
    registerSecret(tokens.access_token);
    registerSecret(tokens.refresh_token);
    expect(tokens.token_type).toBe('dpop');

    const stolen = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
    const refused = await client
      .refreshTokenGrant(config, tokens.refresh_token ?? '', undefined, { DPoP: stolen })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(client.ResponseBodyError);
    expect((refused as client.ResponseBodyError).error).toBe('invalid_dpop_proof');
    expect((refused as client.ResponseBodyError).status).toBe(400);

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token ?? '', undefined, { DPoP });
    registerSecret(refreshed.access_token);
    registerSecret(refreshed.refresh_token);
    expect(refreshed.token_type).toBe('dpop');
  });

  it('pushes a signed request object (RFC 9101) through PAR', async () => {
    const key = await newClientKey('PS256');
    const clientId = await createApp({
      profile: 'fapi2-security',
      jwks: { keys: [key.publicJwk] },
      requestObjectSigningAlg: 'PS256',
    });
    const config = await configFor(clientId, privateKeyJwt(key));
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('PS256'));
    const { callback, checks } = await authorizeWithPar(config, DPoP, key);
    const tokens = await client.authorizationCodeGrant(config, callback, checks, undefined, { DPoP });
    registerSecret(tokens.access_token);
    registerSecret(tokens.refresh_token);
    expect(tokens.token_type).toBe('dpop');

    // Without the request object, the app's PAR is refused.
    const refused = await client
      .buildAuthorizationUrlWithPAR(config, { redirect_uri: FAPI_REDIRECT_URI, scope: 'openid' }, { DPoP })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect((refused as client.ResponseBodyError).error).toBe('invalid_request');
  });

  describe('keys at a jwksUri', () => {
    let jwksServer: Server;
    let published: ClientKey[] = [];
    let fetches = 0;

    beforeAll(async () => {
      jwksServer = createServer(function serveJwks(_request, response) {
        fetches += 1;
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ keys: published.map((key) => key.publicJwk) }));
      });
      await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      await new Promise((resolve) => jwksServer?.close(resolve));
    });

    it('fetches the key set, caches it, and fetches it again for a new kid after the cooldown', async () => {
      const first = await newClientKey('EdDSA');
      published = [first];
      const address = jwksServer.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const clientId = await createApp({
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwksUri: `http://127.0.0.1:${port}/jwks.json`,
        dpopBoundAccessTokens: true,
        grantTypes: ['client_credentials'],
      });
      const DPoPKeys = await client.randomDPoPKeyPair('ES256');
      const withFirst = await configFor(clientId, privateKeyJwt(first));
      for (let round = 0; round < 2; round++) {
        const tokens = await client.clientCredentialsGrant(
          withFirst,
          { scope: 'providers' },
          {
            DPoP: client.getDPoPHandle(withFirst, DPoPKeys),
          },
        );
        registerSecret(tokens.access_token);
      }
      expect(fetches).toBe(1);

      // The app rotates in a new key: an assertion with its kid refetches the set once the
      // cooldown since the last fetch has passed.
      const second = await newClientKey('EdDSA');
      published = [first, second];
      const withSecond = await configFor(clientId, privateKeyJwt(second));
      const early = await client
        .clientCredentialsGrant(
          withSecond,
          { scope: 'providers' },
          { DPoP: client.getDPoPHandle(withSecond, DPoPKeys) },
        )
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect((early as client.ResponseBodyError).error).toBe('invalid_client');
      await new Promise((resolve) => setTimeout(resolve, JWKS_REFETCH_COOLDOWN_MS + 100));
      const tokens = await client.clientCredentialsGrant(
        withSecond,
        { scope: 'providers' },
        {
          DPoP: client.getDPoPHandle(withSecond, DPoPKeys),
        },
      );
      registerSecret(tokens.access_token);
      expect(fetches).toBe(2);
    }, 20_000);
  });
});
