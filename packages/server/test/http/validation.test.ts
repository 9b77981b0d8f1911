/**
 * SPEC 3: validation errors list every offending field in `context.fields` (name,
 * pointer, reason), not just the first. Exercised through `POST /admin/v1/apps`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, createTestApp, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/assertions.js';

interface Field {
  readonly name: string;
  readonly pointer?: string;
  readonly reason: string;
}

function fieldsOf(body: Record<string, unknown>): Field[] {
  const context = body.context as { fields?: Field[] };
  expect(Array.isArray(context.fields), JSON.stringify(body.context)).toBe(true);
  for (const field of context.fields ?? []) {
    expect(typeof field.name).toBe('string');
    expect(typeof field.reason).toBe('string');
    expect(field.reason.length).toBeGreaterThan(0);
  }
  return context.fields ?? [];
}

function fieldNamed(fields: readonly Field[], name: string): Field {
  const field = fields.find((candidate) => candidate.name === name);
  expect(field, `field ${name} in ${JSON.stringify(fields)}`).toBeDefined();
  return field as Field;
}

describe('validation errors', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(async () => {
    await t.close();
  });

  function createApp(payload: string | object, contentType = 'application/json') {
    return t.app.inject({
      method: 'POST',
      url: '/admin/v1/apps',
      headers: { ...adminAuth(), 'content-type': contentType },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
  }

  it('a body missing name and type: 400 VALIDATION_MISSING_PARAMETER listing both', async () => {
    const res = await createApp({ redirectUris: ['https://app.example/cb'] });
    const body = expectProblem(res, 'VALIDATION_MISSING_PARAMETER', { instance: '/admin/v1/apps' });
    const fields = fieldsOf(body);
    expect(fields).toHaveLength(2);
    expect(fieldNamed(fields, 'name')).toEqual({ name: 'name', pointer: '/name', reason: 'is required' });
    expect(fieldNamed(fields, 'type')).toEqual({ name: 'type', pointer: '/type', reason: 'is required' });
    expect(body.detail).toContain('name');
    expect(body.detail).toContain('type');
  });

  it('an empty object lists every required member', async () => {
    const res = await createApp({});
    const body = expectProblem(res, 'VALIDATION_MISSING_PARAMETER');
    const names = fieldsOf(body).map((field) => field.name);
    expect(names.sort()).toEqual(['name', 'redirectUris', 'type']);
  });

  it('several wrong fields: 400 VALIDATION_INVALID_PARAMETER listing each', async () => {
    const res = await createApp({
      name: 'Shop',
      type: 'sometimes',
      redirectUris: 'https://app.example/cb',
      colour: 'blue',
    });
    const body = expectProblem(res, 'VALIDATION_INVALID_PARAMETER', { instance: '/admin/v1/apps' });
    const fields = fieldsOf(body);
    const type = fieldNamed(fields, 'type');
    expect(type.pointer).toBe('/type');
    expect(type.reason).toContain('confidential');
    expect(type.reason).toContain('public');
    const redirectUris = fieldNamed(fields, 'redirectUris');
    expect(redirectUris.pointer).toBe('/redirectUris');
    expect(redirectUris.reason).toMatch(/array/);
    const unknown = fieldNamed(fields, 'colour');
    expect(unknown).toEqual({ name: 'colour', pointer: '/colour', reason: 'is not a known member' });
    expect(new Set(fields.map((field) => field.name)).size).toBe(fields.length);
    for (const name of ['type', 'redirectUris', 'colour']) expect(body.detail).toContain(name);
  });

  it('missing and wrong fields together are VALIDATION_INVALID_PARAMETER listing all of them', async () => {
    const res = await createApp({ type: 42, redirectUris: [] });
    const body = expectProblem(res, 'VALIDATION_INVALID_PARAMETER');
    const fields = fieldsOf(body);
    expect(fieldNamed(fields, 'name').reason).toBe('is required');
    expect(fieldNamed(fields, 'type').pointer).toBe('/type');
  });

  it('nested array items are named with their index', async () => {
    const res = await createApp({ name: 'Shop', type: 'public', redirectUris: ['https://a.example/cb', 7] });
    const body = expectProblem(res, 'VALIDATION_INVALID_PARAMETER');
    const field = fieldNamed(fieldsOf(body), 'redirectUris[1]');
    expect(field.pointer).toBe('/redirectUris/1');
  });

  it('malformed JSON: 400 VALIDATION_INVALID_PARAMETER without parser internals', async () => {
    const res = await createApp('{"name": "Shop", "type": ');
    const body = expectProblem(res, 'VALIDATION_INVALID_PARAMETER');
    expect(fieldsOf(body)).toEqual([{ name: 'body', pointer: '', reason: 'is not valid JSON' }]);
    expect(res.body).not.toMatch(/Unexpected|SyntaxError|position/);
  });

  it('a JSON body that is not an object: 400 VALIDATION_MISSING_PARAMETER', async () => {
    const res = await createApp('[1, 2]');
    const body = expectProblem(res, 'VALIDATION_MISSING_PARAMETER');
    expect(fieldsOf(body).length).toBeGreaterThan(0);
  });

  it('a __proto__ key is refused, not merged', async () => {
    const res = await createApp('{"name":"Shop","type":"public","redirectUris":[],"__proto__":{"admin":true}}');
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body).title).toMatch(/^VALIDATION_/);
  });

  it('an empty body with a JSON content type: 400 VALIDATION_MISSING_PARAMETER', async () => {
    const res = await createApp('');
    const body = expectProblem(res, 'VALIDATION_MISSING_PARAMETER', { instance: '/admin/v1/apps' });
    expect(fieldsOf(body)).toEqual([{ name: 'body', pointer: '', reason: 'is empty' }]);
  });

  it('query parameters are named with their location', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/admin/v1/apps?limit=abc&bogus=1', headers: adminAuth() });
    const body = expectProblem(res, 'VALIDATION_INVALID_PARAMETER');
    const fields = fieldsOf(body);
    expect(fields.some((field) => field.name.startsWith('query.limit'))).toBe(true);
  });
});
