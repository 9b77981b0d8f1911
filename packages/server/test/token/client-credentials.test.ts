/**
 * The client_credentials grant (RFC 6749 §4.4): REST scopes only, all of the app's by
 * default, narrowed on request; both confidential authentication methods; no refresh
 * token and no ID token; a token of the environment and client it was issued for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import {
  type ConfidentialClient,
  clientCredentialsToken,
  createConfidentialClient,
  expectTokenResponse,
  introspect,
  postForm,
} from './support.js';

const T0 = Date.parse('2026-11-22T10:30:00.000Z');

describe.each(TEST_DATABASE_KINDS)('client_credentials on %s', (kind) => {
  let t: TestApp;
  let client: ConfidentialClient;
  const now = T0;

  beforeAll(async () => {
    t = await createTestApp(kind, { clock: () => new Date(now) });
    client = await createConfidentialClient(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('grants every REST scope of the app when no scope is asked for, without refresh or ID token', async () => {
    const tokens = await clientCredentialsToken(t, client);
    expect(tokens.scope).toBe('verifications providers');
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.id_token).toBeUndefined();
    expect(Object.keys(tokens).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
  });

  it('narrows to the requested scopes, in any order, each once', async () => {
    expect((await clientCredentialsToken(t, client, 'providers')).scope).toBe('providers');
    expect((await clientCredentialsToken(t, client, 'providers verifications providers')).scope).toBe(
      'providers verifications',
    );
  });

  it('accepts client_secret_post as well as client_secret_basic', async () => {
    const res = await postForm(t, '/token', { grant_type: 'client_credentials' }, { method: 'post', client });
    expect(expectTokenResponse(res).scope).toBe('verifications providers');
  });

  it('issues an access token introspection describes: no sub, its client, iat and exp from the clock', async () => {
    const tokens = await clientCredentialsToken(t, client, 'verifications');
    const answer = await introspect(t, client, tokens.access_token);
    expect(answer).toMatchObject({
      active: true,
      scope: 'verifications',
      client_id: client.clientId,
      token_type: 'Bearer',
      iat: T0 / 1000,
      exp: T0 / 1000 + 600,
      iss: 'https://idgate.test',
      aud: 'https://idgate.test',
    });
    expect(answer.sub).toBeUndefined();
    expect(typeof answer.jti).toBe('string');
  });

  it('issues a different token each time', async () => {
    const a = await clientCredentialsToken(t, client);
    const b = await clientCredentialsToken(t, client);
    expect(a.access_token).not.toBe(b.access_token);
  });
});
