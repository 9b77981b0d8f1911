/**
 * The whole OpenID Connect flow driven by a real relying-party library, `openid-client`,
 * over real HTTP: discovery, authorization code + PKCE + state + nonce through the
 * headless sandbox path, its strict callback validation (`iss`, ID token), userinfo,
 * refresh, client credentials, introspection, revocation — and the library surfacing
 * idgate's error redirects and token errors with the right `error`.
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSecret } from '../support/leaks.js';
import { type LiveTestApp, startLiveTestApp } from '../support/live-server.js';

const REDIRECT_URI = 'https://rp.example/callback';

describe('openid-client against idgate', () => {
  let live: LiveTestApp;
  let config: client.Configuration;
  let clientId: string;
  let clientSecret: string;

  beforeAll(async () => {
    live = await startLiveTestApp('sqlite');
    const created = await live.app.idgate.apps.create({
      name: 'openid-client RP',
      type: 'confidential',
      redirectUris: [REDIRECT_URI],
    });
    clientId = created.app.clientId;
    clientSecret = created.clientSecret ?? '';
    registerSecret(clientSecret);
    config = await client.discovery(
      new URL(live.baseUrl),
      clientId,
      clientSecret,
      client.ClientSecretBasic(clientSecret),
      {
        execute: [client.allowInsecureRequests],
      },
    );
  });

  afterAll(async () => {
    await live?.close();
  });

  /** Runs /authorize and returns the redirect the browser would follow. */
  async function authorize(parameters: Record<string, string>): Promise<URL> {
    const url = client.buildAuthorizationUrl(config, parameters);
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const location = response.headers.get('location');
    expect(location).toBeTruthy();
    return new URL(location ?? '');
  }

  async function headlessFlow(scope: string, loginHint = 'success') {
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const callback = await authorize({
      redirect_uri: REDIRECT_URI,
      scope,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      provider_hint: 'mock-redirect',
      login_hint: loginHint,
    });
    return { callback, codeVerifier, state, nonce };
  }

  it('discovers idgate', () => {
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(live.baseUrl);
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
  });

  it('runs the code flow with PKCE, state and nonce, then userinfo, refresh and revocation', async () => {
    const { callback, codeVerifier, state, nonce } = await headlessFlow('openid profile email offline_access');
    expect(callback.searchParams.get('iss')).toBe(live.baseUrl);
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: codeVerifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    registerSecret(tokens.access_token);
    registerSecret(tokens.refresh_token);
    const claims = tokens.claims();
    expect(claims?.aud).toBe(clientId);
    expect(claims?.nonce).toBe(nonce);
    expect(claims?.acr).toMatch(/^urn:idgate:loa:[1-5]$/);

    const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims?.sub ?? '');
    expect(userinfo.sub).toBe(claims?.sub);
    expect(typeof userinfo.given_name).toBe('string');
    expect(typeof userinfo.email).toBe('string');

    const introspected = await client.tokenIntrospection(config, tokens.access_token);
    expect(introspected.active).toBe(true);
    expect(introspected.client_id).toBe(clientId);

    expect(tokens.refresh_token).toBeTruthy();
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token ?? '');
    registerSecret(refreshed.access_token);
    registerSecret(refreshed.refresh_token);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);

    await client.tokenRevocation(config, refreshed.access_token);
    const afterRevocation = await client.tokenIntrospection(config, refreshed.access_token);
    expect(afterRevocation.active).toBe(false);
  });

  it('issues client_credentials tokens with the REST scopes', async () => {
    const tokens = await client.clientCredentialsGrant(config, { scope: 'verifications' });
    registerSecret(tokens.access_token);
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.scope).toBe('verifications');
    const response = await fetch(`${live.baseUrl}/v1/providers`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
  });

  it('surfaces an error redirect with its error and status code', async () => {
    const { callback, codeVerifier, state } = await headlessFlow('openid', 'deny');
    expect(callback.searchParams.get('tx_state')).toBe('failed');
    const failure = await client
      .authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(client.AuthorizationResponseError);
    const error = failure as client.AuthorizationResponseError;
    expect(error.error).toBe('access_denied');
    expect(error.error_description).toBe('err_not_authenticated');
  });

  it('surfaces a replayed code as invalid_grant', async () => {
    const { callback, codeVerifier, state, nonce } = await headlessFlow('openid');
    const first = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: codeVerifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    registerSecret(first.access_token);
    const replay = await client
      .authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: codeVerifier,
        expectedState: state,
        expectedNonce: nonce,
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(replay).toBeInstanceOf(client.ResponseBodyError);
    const error = replay as client.ResponseBodyError;
    expect(error.error).toBe('invalid_grant');
    expect(error.status).toBe(400);
    expect(error.cause.error_uri).toBe(`${live.baseUrl}/errors/AUTH_INVALID_GRANT`);
    // The replay revoked what the first exchange issued.
    expect((await client.tokenIntrospection(config, first.access_token)).active).toBe(false);
  });

  it('surfaces a wrong client secret as invalid_client with the Basic challenge', async () => {
    const wrong = await client.discovery(
      new URL(live.baseUrl),
      clientId,
      'test_wrong',
      client.ClientSecretBasic('test_wrong'),
      {
        execute: [client.allowInsecureRequests],
      },
    );
    const failure = await client.clientCredentialsGrant(wrong, { scope: 'verifications' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    // A 401 with a challenge: openid-client surfaces the WWW-Authenticate challenge itself.
    expect(failure).toBeInstanceOf(client.WWWAuthenticateChallengeError);
    const error = failure as client.WWWAuthenticateChallengeError;
    expect(error.status).toBe(401);
    expect(error.cause[0]?.scheme).toBe('basic');
    expect(error.cause[0]?.parameters.error).toBe('invalid_client');
    expect(error.response.headers.get('www-authenticate')).toMatch(/^Basic realm="idgate", error="invalid_client"/);
    const body = (await error.response.json()) as Record<string, unknown>;
    expect(body.error).toBe('invalid_client');
    expect(body.error_uri).toBe(`${live.baseUrl}/errors/AUTH_INVALID_CREDENTIALS`);
  });
});
