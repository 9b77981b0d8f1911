/**
 * Discovery (issue 3, item 2; SPEC 2): `/.well-known/openid-configuration` (OpenID
 * Connect Discovery 1.0) and `/.well-known/oauth-authorization-server` (RFC 8414) list
 * exactly what idgate implements, with the issuer from the configuration; `/jwks` is
 * where `jwks_uri` says; both are cacheable JSON with the usual error surface.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_ISSUER, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';

const ISSUER = 'https://login.example.com/idgate';
const DOCUMENTS = ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'] as const;

/** The whole document, written out: a change to what idgate announces must change this test. */
const EXPECTED = {
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/authorize`,
  token_endpoint: `${ISSUER}/token`,
  userinfo_endpoint: `${ISSUER}/userinfo`,
  jwks_uri: `${ISSUER}/jwks`,
  introspection_endpoint: `${ISSUER}/introspect`,
  revocation_endpoint: `${ISSUER}/revoke`,
  pushed_authorization_request_endpoint: `${ISSUER}/par`,
  require_pushed_authorization_requests: false,
  scopes_supported: ['openid', 'profile', 'email', 'phone', 'address', 'offline_access', 'verifications', 'providers'],
  response_types_supported: ['code'],
  response_modes_supported: ['query'],
  grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
  subject_types_supported: ['pairwise'],
  id_token_signing_alg_values_supported: ['RS256', 'ES256', 'EdDSA'],
  token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
  token_endpoint_auth_signing_alg_values_supported: ['ES256', 'PS256', 'EdDSA', 'Ed25519'],
  introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
  introspection_endpoint_auth_signing_alg_values_supported: ['ES256', 'PS256', 'EdDSA', 'Ed25519'],
  revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
  revocation_endpoint_auth_signing_alg_values_supported: ['ES256', 'PS256', 'EdDSA', 'Ed25519'],
  dpop_signing_alg_values_supported: ['ES256', 'PS256', 'EdDSA', 'Ed25519'],
  request_object_signing_alg_values_supported: ['ES256', 'PS256', 'EdDSA', 'Ed25519'],
  code_challenge_methods_supported: ['S256'],
  claims_supported: [
    'sub',
    'iss',
    'aud',
    'exp',
    'iat',
    'auth_time',
    'nonce',
    'acr',
    'at_hash',
    'given_name',
    'family_name',
    'birthdate',
    'nationality',
    'email',
    'email_verified',
    'phone_number',
    'phone_number_verified',
    'address',
  ],
  acr_values_supported: [
    'urn:idgate:loa:1',
    'urn:idgate:loa:2',
    'urn:idgate:loa:3',
    'urn:idgate:loa:4',
    'urn:idgate:loa:5',
  ],
  authorization_response_iss_parameter_supported: true,
  ui_locales_supported: ['en', 'de'],
  prompt_values_supported: ['none', 'login', 'consent', 'select_account'],
  claims_parameter_supported: false,
  request_parameter_supported: false,
  request_uri_parameter_supported: false,
  service_documentation: `${ISSUER}/errors`,
};

describe('discovery documents', () => {
  let t: TestApp;

  beforeAll(async () => {
    // A trailing slash in the configuration does not end up in any URL.
    t = await createTestApp('sqlite', { env: { IDGATE_ISSUER: `${ISSUER}/` } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each(DOCUMENTS)('%s lists exactly what idgate implements, with the configured issuer', async (url) => {
    const res = await t.app.inject({ method: 'GET', url });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
    expect(res.json()).toStrictEqual(EXPECTED);
  });

  it('serves the same document at both addresses', async () => {
    const [oidc, oauth] = await Promise.all(DOCUMENTS.map((url) => t.app.inject({ method: 'GET', url })));
    expect(oauth?.body).toBe(oidc?.body);
    // OpenID Connect Discovery 1.0 §3: RS256 is listed, and first (the default).
    expect(EXPECTED.id_token_signing_alg_values_supported[0]).toBe('RS256');
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await t.app.inject({ method: 'HEAD', url: DOCUMENTS[0] });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.body).toBe('');
  });

  it('has a route behind every endpoint it announces', () => {
    const announced: readonly [string, readonly string[]][] = [
      [EXPECTED.authorization_endpoint, ['GET', 'POST']],
      [EXPECTED.token_endpoint, ['POST']],
      [EXPECTED.userinfo_endpoint, ['GET', 'POST']],
      [EXPECTED.jwks_uri, ['GET']],
      [EXPECTED.introspection_endpoint, ['POST']],
      [EXPECTED.revocation_endpoint, ['POST']],
      [EXPECTED.service_documentation, ['GET']],
    ];
    const missing = announced.flatMap(([endpoint, methods]) =>
      methods
        .map((method) => ({ method, url: endpoint.slice(ISSUER.length) }))
        .filter((route) => !t.app.hasRoute({ method: route.method as 'GET' | 'POST', url: route.url }))
        .map((route) => `${route.method} ${route.url}`),
    );
    expect(missing).toEqual([]);
  });
});

describe('discovery and JWKS errors', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each([...DOCUMENTS, '/jwks'])('POST %s is 405 with Allow', async (url) => {
    const res = await t.app.inject({ method: 'POST', url, payload: {} });
    expectProblem(res, 'VALIDATION_METHOD_NOT_ALLOWED', { instance: url });
    expect(res.headers.allow).toBe('GET, HEAD');
  });

  it.each([...DOCUMENTS, '/jwks'])('GET %s with Accept: text/html only is 406', async (url) => {
    const res = await t.app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
    expectProblem(res, 'VALIDATION_NOT_ACCEPTABLE', { instance: url });
  });

  it('a trailing slash is another, unknown route', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/.well-known/openid-configuration/' });
    expectProblem(res, 'RESOURCE_NOT_FOUND');
  });
});

describe.each(TEST_DATABASE_KINDS)('JWKS at jwks_uri on %s', (kind) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('jwks_uri serves a public JWK set with one key per announced algorithm', async () => {
    const discovery = (await t.app.inject({ method: 'GET', url: DOCUMENTS[0] })).json() as typeof EXPECTED;
    expect(discovery.issuer).toBe(TEST_ISSUER);
    const path = discovery.jwks_uri.slice(TEST_ISSUER.length);
    expect(path).toBe('/jwks');
    const res = await t.app.inject({ method: 'GET', url: path, headers: { accept: 'application/json' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    const jwks = res.json() as { keys: { alg: string; kid: string; use: string }[] };
    expect(Object.keys(jwks)).toEqual(['keys']);
    expect(jwks.keys.map((key) => key.alg)).toEqual(discovery.id_token_signing_alg_values_supported);
    for (const key of jwks.keys) {
      expect(key.use).toBe('sig');
      expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
  });
});
