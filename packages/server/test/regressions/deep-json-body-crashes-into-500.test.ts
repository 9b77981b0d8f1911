/**
 * Issue 14: `userData` nested ~4,000 levels deep (an 8 KB body) crashed into a 500
 * `SYSTEM_INTERNAL_ERROR` marked `retryable: true`. Now every JSON body is bounded right
 * after parsing — depth 32, strings 64 Ki characters, arrays 1,000 items, objects 1,000
 * members with names of at most 256 characters — and `userData` tighter in its schema
 * (4 levels, 2,048-character strings, 50 items or members): 400
 * `VALIDATION_INVALID_PARAMETER` with the pointer of each offending place, never a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, createTestApp, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { createRestApp, type RestApp } from '../verification/helpers.js';

interface Field {
  readonly name: string;
  readonly pointer: string;
  readonly reason: string;
}

function fieldsOf(body: Record<string, unknown>): Field[] {
  return (body.context as { fields: Field[] }).fields;
}

/** `{"a":{"a":…}}` `depth` levels deep around `leaf`. */
function nested(depth: number, leaf: unknown = 'x'): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe.each(TEST_DATABASE_KINDS)('JSON bodies are bounded (%s)', (kind) => {
  let t: TestApp;
  let rest: RestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
    rest = await createRestApp(t);
  });
  afterAll(async () => {
    await t.close();
  });

  function createVerification(payload: string) {
    return t.app.inject({
      method: 'POST',
      url: '/v1/verifications',
      headers: { authorization: rest.basic, 'content-type': 'application/json' },
      payload,
    });
  }

  it('userData nested 4,000 levels (8 KB) is 400 with the pointer where depth 32 is passed, not a 500', async () => {
    const payload = `{"providerId":"mock-redirect","userData":${'{"a":'.repeat(4000)}1${'}'.repeat(4000)}}`;
    expect(payload.length).toBeLessThan(30_000);
    const res = await createVerification(payload);
    const body = expectProblem(res, 'VALIDATION_INVALID_PARAMETER', { instance: '/v1/verifications' });
    expect(body.retryable).toBe(false);
    const [field, ...others] = fieldsOf(body);
    expect(others).toEqual([]);
    expect(field?.pointer).toBe(`/userData${'/a'.repeat(31)}`);
    expect(field?.name).toBe(`userData${'.a'.repeat(31)}`);
    expect(field?.reason).toBe('is nested deeper than 32 levels');
    expect(t.logs.some((line) => line.code === 'SYSTEM_INTERNAL_ERROR')).toBe(false);
  });

  it('arrays nested 100,000 deep (within the 1 MiB body limit) are refused the same way', async () => {
    const res = await createVerification(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    const [field] = fieldsOf(expectProblem(res, 'VALIDATION_INVALID_PARAMETER'));
    expect(field?.pointer).toBe('/0'.repeat(32));
    expect(field?.reason).toBe('is nested deeper than 32 levels');
  });

  it('userData deeper than its own 4 levels (but within 32) is a schema error at its pointer', async () => {
    const res = await createVerification(JSON.stringify({ providerId: 'mock-redirect', userData: { x: nested(4) } }));
    const fields = fieldsOf(expectProblem(res, 'VALIDATION_INVALID_PARAMETER'));
    expect(fields.map((field) => field.pointer)).toContain('/userData/x/a/a/a');
  });

  it('every place past a bound is listed: a long string, a long array, a wide object, a long member name', async () => {
    const payload = JSON.stringify({
      providerId: 'mock-redirect',
      userData: {
        note: 'n'.repeat(3000),
        list: Array.from({ length: 60 }, () => 1),
        wide: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, i])),
        [`k${'e'.repeat(80)}`]: 1,
      },
    });
    const fields = fieldsOf(expectProblem(await createVerification(payload), 'VALIDATION_INVALID_PARAMETER'));
    const byPointer = new Map(fields.map((field) => [field.pointer, field.reason]));
    expect(byPointer.get('/userData/note')).toBe('must NOT have more than 2048 characters');
    expect(byPointer.get('/userData/list')).toBe('must NOT have more than 50 items');
    expect(byPointer.get('/userData/wide')).toBe('must NOT have more than 50 properties');
    expect(
      fields.some((field) => field.pointer.startsWith('/userData') && field.reason.includes('property name')),
    ).toBe(true);
  });

  it('bounds every JSON body, whatever its schema: an admin body with a 70,000-character string or 2,000 items', async () => {
    const long = await t.app.inject({
      method: 'PUT',
      url: `/admin/v1/apps/${rest.clientId}/providers/mock-redirect`,
      headers: { ...adminAuth(), 'content-type': 'application/json' },
      payload: JSON.stringify({ enabled: true, settings: { pem: 'p'.repeat(70_000) } }),
    });
    const [field] = fieldsOf(expectProblem(long, 'VALIDATION_INVALID_PARAMETER'));
    expect(field).toEqual({
      name: 'settings.pem',
      pointer: '/settings/pem',
      reason: 'must NOT have more than 65536 characters',
    });
    const many = await t.app.inject({
      method: 'PATCH',
      url: `/admin/v1/apps/${rest.clientId}`,
      headers: { ...adminAuth(), 'content-type': 'application/merge-patch+json' },
      payload: JSON.stringify({ redirectUris: Array.from({ length: 2000 }, (_, i) => `https://a.example/${i}`) }),
    });
    const [items] = fieldsOf(expectProblem(many, 'VALIDATION_INVALID_PARAMETER'));
    expect(items).toEqual({
      name: 'redirectUris',
      pointer: '/redirectUris',
      reason: 'must NOT have more than 1000 items',
    });
  });

  it('userData within the bounds still works (an identifier and a small address object)', async () => {
    const res = await createVerification(
      JSON.stringify({
        providerId: 'mock-redirect',
        userData: { testIdentity: 'success', address: { street: 'Hauptstrasse 1', lines: ['a', 'b'] } },
      }),
    );
    expect(res.statusCode, res.body).toBe(201);
  });
});
