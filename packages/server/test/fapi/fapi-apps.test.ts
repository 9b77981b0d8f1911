/**
 * The FAPI fields of apps in the admin API (SPEC 12), on both databases: what
 * `profile: "fapi2-security"` sets, how the app looks (`GET`, `ETag`), every offending
 * field listed at once, merge patches of the fields, and the rules for `jwks`/`jwksUri`.
 */
import type { FieldProblem } from '@idgate/errors';
import type { LightMyRequestResponse } from 'fastify';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, createTestApp, type TestApp } from '../support/app.js';
import { expectBearerChallenge, expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { type ClientKey, createFapiApp, FAPI_REDIRECT_URI, newClientKey } from './fapi-support.js';

function fieldsOf(res: LightMyRequestResponse, instance: string): FieldProblem[] {
  const body = expectProblem(res, 'VALIDATION_INVALID_PARAMETER', { instance });
  expectBearerChallenge(res, undefined, { realm: 'idgate-admin', error: 'invalid_request' });
  return (body.context as { fields: FieldProblem[] }).fields;
}

describe.each(TEST_DATABASE_KINDS)('FAPI fields of apps in the admin API on %s', (kind) => {
  let t: TestApp;
  let key: ClientKey;

  beforeAll(async () => {
    t = await createTestApp(kind, { env: { IDGATE_OUTBOUND_PRIVATE_NETWORKS: 'deny' } });
    key = await newClientKey('ES256');
  });
  afterAll(async () => {
    await t?.close();
  });

  function create(payload: Record<string, unknown>) {
    return t.app.inject({
      method: 'POST',
      url: '/admin/v1/apps',
      headers: adminAuth(),
      payload: { name: 'Bank', type: 'confidential', redirectUris: [FAPI_REDIRECT_URI], ...payload },
    });
  }

  function patch(clientId: string, body: Record<string, unknown>, ifMatch?: string) {
    return t.app.inject({
      method: 'PATCH',
      url: `/admin/v1/apps/${clientId}`,
      headers: {
        ...adminAuth(),
        'content-type': 'application/merge-patch+json',
        ...(ifMatch ? { 'if-match': ifMatch } : {}),
      },
      payload: JSON.stringify(body),
    });
  }

  it('profile fapi2-security sets private_key_jwt, PAR and DPoP, and the app reads back so', async () => {
    const created = await createFapiApp(t, { profile: 'fapi2-security', jwks: { keys: [key.publicJwk] } });
    expect(created.etag).toBe('"v1"');
    expect(created.view).toMatchObject({
      type: 'confidential',
      profile: 'fapi2-security',
      tokenEndpointAuthMethods: ['private_key_jwt'],
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwks: { keys: [key.publicJwk] },
      jwksUri: null,
      requirePushedAuthorizationRequests: true,
      dpopBoundAccessTokens: true,
      requestObjectSigningAlg: null,
      version: 1,
    });
    const read = await t.app.inject({ method: 'GET', url: `/admin/v1/apps/${created.clientId}`, headers: adminAuth() });
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('"v1"');
    const { clientSecret: _secret, ...view } = created.view;
    expect(JSON.parse(read.body)).toEqual(view);
  });

  it('a plain app reads with the FAPI fields off', async () => {
    const created = await createFapiApp(t, {});
    expect(created.view).toMatchObject({
      profile: null,
      tokenEndpointAuthMethods: ['client_secret_basic', 'client_secret_post'],
      tokenEndpointAuthMethod: null,
      jwks: null,
      jwksUri: null,
      requirePushedAuthorizationRequests: false,
      dpopBoundAccessTokens: false,
      requestObjectSigningAlg: null,
    });
  });

  it('lists every offending FAPI field at once', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const p384 = await exportJWK((await generateKeyPair('ES384')).publicKey);
    const res = await create({
      profile: 'fapi2-security',
      tokenEndpointAuthMethods: ['client_secret_basic'],
      dpopBoundAccessTokens: false,
      jwks: {
        keys: [await exportJWK(privateKey), p384, { kty: 'oct', k: 'c2VjcmV0' }, { ...key.publicJwk, alg: 'RS256' }],
      },
      jwksUri: 'https://bank.example/jwks.json',
    });
    const fields = fieldsOf(res, '/admin/v1/apps');
    expect(fields).toEqual([
      { name: 'jwksUri', pointer: '/jwksUri', reason: 'must not be sent together with jwks' },
      {
        name: 'jwks.keys[0]',
        pointer: '/jwks/keys/0',
        reason: 'must be a public key (no private or symmetric key members)',
      },
      { name: 'jwks.keys[1]', pointer: '/jwks/keys/1', reason: 'EC keys must use P-256 (ES256)' },
      {
        name: 'jwks.keys[2]',
        pointer: '/jwks/keys/2',
        reason: 'must be a public key (no private or symmetric key members)',
      },
      { name: 'jwks.keys[3]', pointer: '/jwks/keys/3', reason: 'alg must be one of ES256, PS256, EdDSA, Ed25519' },
      {
        name: 'tokenEndpointAuthMethods',
        pointer: '/tokenEndpointAuthMethods',
        reason: 'must be private_key_jwt alone under the fapi2-security profile',
      },
      {
        name: 'dpopBoundAccessTokens',
        pointer: '/dpopBoundAccessTokens',
        reason: 'must be true under the fapi2-security profile',
      },
    ]);
  });

  it('refuses the profile for a public app, private_key_jwt without keys, and both method fields', async () => {
    const publicProfile = fieldsOf(
      await create({ type: 'public', profile: 'fapi2-security', jwks: { keys: [key.publicJwk] } }),
      '/admin/v1/apps',
    );
    expect(publicProfile).toEqual([
      {
        name: 'tokenEndpointAuthMethods[0]',
        pointer: '/tokenEndpointAuthMethods/0',
        reason: 'public apps may use only none',
      },
      { name: 'profile', pointer: '/profile', reason: 'fapi2-security needs a confidential app' },
    ]);
    const noKeys = fieldsOf(await create({ tokenEndpointAuthMethod: 'private_key_jwt' }), '/admin/v1/apps');
    expect(noKeys).toEqual([
      { name: 'jwks', pointer: '/jwks', reason: 'is required (or jwksUri) for private_key_jwt' },
    ]);
    const both = fieldsOf(
      await create({
        tokenEndpointAuthMethod: 'private_key_jwt',
        tokenEndpointAuthMethods: ['private_key_jwt'],
        jwks: { keys: [key.publicJwk] },
      }),
      '/admin/v1/apps',
    );
    expect(both).toEqual([
      {
        name: 'tokenEndpointAuthMethod',
        pointer: '/tokenEndpointAuthMethod',
        reason: 'must not be sent together with tokenEndpointAuthMethods',
      },
    ]);
    const requestObjectWithoutKeys = fieldsOf(await create({ requestObjectSigningAlg: 'PS256' }), '/admin/v1/apps');
    expect(requestObjectWithoutKeys[0]?.reason).toBe('is required (or jwksUri) for requestObjectSigningAlg');
  });

  it('refuses a jwksUri inside when private networks are refused', async () => {
    const fields = fieldsOf(
      await create({ tokenEndpointAuthMethod: 'private_key_jwt', jwksUri: 'http://127.0.0.1:8080/jwks' }),
      '/admin/v1/apps',
    );
    expect(fields).toEqual([
      {
        name: 'jwksUri',
        pointer: '/jwksUri',
        reason: 'must not point to a loopback, private, link-local or other non-public address',
      },
    ]);
  });

  it('refuses an algorithm idgate does not accept from apps', async () => {
    const res = await create({ requestObjectSigningAlg: 'RS256', jwks: { keys: [key.publicJwk] } });
    const body = expectProblem(res, 'VALIDATION_INVALID_PARAMETER', { instance: '/admin/v1/apps' });
    const fields = (body.context as { fields: FieldProblem[] }).fields;
    expect(fields.map((field) => field.pointer)).toEqual(['/requestObjectSigningAlg']);
  });

  it('patches the FAPI fields with If-Match: the profile on, then off, the ETag moving each time', async () => {
    const created = await createFapiApp(t, { jwks: { keys: [key.publicJwk] } });
    const on = await patch(created.clientId, { profile: 'fapi2-security' }, created.etag);
    expect(on.statusCode, on.body).toBe(200);
    expect(on.headers.etag).toBe('"v2"');
    expect(JSON.parse(on.body)).toMatchObject({
      profile: 'fapi2-security',
      tokenEndpointAuthMethods: ['private_key_jwt'],
      requirePushedAuthorizationRequests: true,
      dpopBoundAccessTokens: true,
      version: 2,
    });
    const stale = await patch(created.clientId, { profile: null }, created.etag);
    expectProblem(stale, 'RESOURCE_PRECONDITION_FAILED');
    const weaken = await patch(created.clientId, { dpopBoundAccessTokens: false }, '"v2"');
    expect(fieldsOf(weaken, `/admin/v1/apps/${created.clientId}`)).toEqual([
      {
        name: 'dpopBoundAccessTokens',
        pointer: '/dpopBoundAccessTokens',
        reason: 'must be true under the fapi2-security profile',
      },
    ]);
    const off = await patch(
      created.clientId,
      { profile: null, dpopBoundAccessTokens: false, jwks: null, tokenEndpointAuthMethods: null },
      '"v2"',
    );
    expect(off.statusCode, off.body).toBe(200);
    expect(off.headers.etag).toBe('"v3"');
    expect(JSON.parse(off.body)).toMatchObject({
      profile: null,
      jwks: null,
      tokenEndpointAuthMethods: ['client_secret_basic', 'client_secret_post'],
      requirePushedAuthorizationRequests: true,
      dpopBoundAccessTokens: false,
    });
  });
});
