/**
 * Issue 14: `POST /v1/verifications` did not flag `redirectUri: "not a uri"` among the
 * offending fields (SPEC 3: every offending field is listed). Every URI-valued field of
 * the REST and admin bodies now has the `uri` format in its schema — an absolute URI as
 * `apps/uri-rules.ts` parses it — so a malformed URI is listed with the other schema
 * errors; the rules of each field (registered redirect URI, https, origins, private
 * networks) still apply after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, createTestApp, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { createRestApp, REDIRECT_URI, type RestApp } from '../verification/helpers.js';

interface Field {
  readonly name: string;
  readonly pointer?: string;
  readonly reason: string;
}

function fieldsOf(body: Record<string, unknown>): Field[] {
  return (body.context as { fields: Field[] }).fields;
}

describe.each(TEST_DATABASE_KINDS)('URI fields are validated at the edge (%s)', (kind) => {
  let t: TestApp;
  let rest: RestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
    rest = await createRestApp(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('POST /v1/verifications: redirectUri "not a uri" is listed with every other offending field', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/verifications',
      headers: { authorization: rest.basic },
      payload: { providerId: 'mock-redirect', redirectUri: 'not a uri', requestedLoa: 9, flowType: 'fax' },
    });
    const body = expectProblem(res, 'VALIDATION_INVALID_PARAMETER', { instance: '/v1/verifications' });
    expect(fieldsOf(body)).toEqual(
      expect.arrayContaining([
        { name: 'redirectUri', pointer: '/redirectUri', reason: 'must be an absolute URI' },
        { name: 'requestedLoa', pointer: '/requestedLoa', reason: 'must be <= 5' },
        { name: 'flowType', pointer: '/flowType', reason: 'must be one of redirect, qr, push, dc_api' },
      ]),
    );
    expect(fieldsOf(body)).toHaveLength(3);
    expect(body.detail).toBe('Invalid fields: redirectUri, requestedLoa, flowType.');
  });

  it('POST /v1/verifications: an absolute URI that is not registered is still refused by the service', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/verifications',
      headers: { authorization: rest.basic },
      payload: { providerId: 'mock-redirect', redirectUri: 'https://elsewhere.example/cb' },
    });
    const body = expectProblem(res, 'VALIDATION_INVALID_PARAMETER');
    expect(fieldsOf(body)).toEqual([
      { name: 'redirectUri', pointer: '/redirectUri', reason: 'is not a registered redirect URI of the app' },
    ]);
    const ok = await t.app.inject({
      method: 'POST',
      url: '/v1/verifications',
      headers: { authorization: rest.basic },
      payload: { providerId: 'mock-redirect', redirectUri: REDIRECT_URI },
    });
    expect(ok.statusCode, ok.body).toBe(201);
  });

  it('POST /admin/v1/apps: every malformed URL is listed with the other schema errors', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/apps',
      headers: adminAuth(),
      payload: {
        name: '',
        type: 'confidential',
        redirectUris: ['https://ok.example/cb', 'not a uri'],
        allowedOrigins: ['::::'],
        signInHookUrl: 'hook',
        webhookUrl: 'http//missing-colon.example',
      },
    });
    const fields = fieldsOf(expectProblem(res, 'VALIDATION_INVALID_PARAMETER', { instance: '/admin/v1/apps' }));
    expect(fields).toEqual(
      expect.arrayContaining([
        { name: 'name', pointer: '/name', reason: 'must NOT have fewer than 1 characters' },
        { name: 'redirectUris[1]', pointer: '/redirectUris/1', reason: 'must be an absolute URI' },
        { name: 'allowedOrigins[0]', pointer: '/allowedOrigins/0', reason: 'must be an absolute URI' },
        { name: 'signInHookUrl', pointer: '/signInHookUrl', reason: 'must be an absolute URI' },
        { name: 'webhookUrl', pointer: '/webhookUrl', reason: 'must be an absolute URI' },
      ]),
    );
    expect(fields).toHaveLength(5);
  });

  it('PATCH /admin/v1/apps/{id}: the same for a merge patch', async () => {
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/admin/v1/apps/${rest.clientId}`,
      headers: { ...adminAuth(), 'content-type': 'application/merge-patch+json' },
      payload: JSON.stringify({ redirectUris: ['nope'], webhookUrl: 'also nope' }),
    });
    const fields = fieldsOf(expectProblem(res, 'VALIDATION_INVALID_PARAMETER'));
    expect(fields.map((field) => field.name)).toEqual(['redirectUris[0]', 'webhookUrl']);
  });

  it('the OpenAPI document says these fields are URIs', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.body).toContain('"format":"uri"');
  });
});
