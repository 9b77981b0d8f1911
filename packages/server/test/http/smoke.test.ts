import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/assertions.js';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(async () => {
    await t.close();
  });
  it('404', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/nope' });
    expectProblem(res, 'RESOURCE_NOT_FOUND', { instance: '/nope' });
    expect(t.logs.some((l) => l.code === 'RESOURCE_NOT_FOUND')).toBe(true);
  });
});
