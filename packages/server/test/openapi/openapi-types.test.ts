/**
 * The SDK's wire types (`packages/client/src/generated/openapi.ts`) are generated from
 * the OpenAPI document, and checked in: rendered again here, in memory, from the
 * document the server builds now, they must equal the checked-in file — so a route or
 * schema change without `npm run openapi:types` fails, naming the command. The snapshot
 * is the document a running instance serves (apart from its issuer).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_TYPES_COMMAND, OPENAPI_TYPES_FILE, renderOpenApiTypes } from '../../src/openapi/openapi-types.js';
import { buildOpenApiSnapshot, SNAPSHOT_ISSUER } from '../../src/openapi-snapshot.js';
import { createTestApp, TEST_ISSUER, type TestApp } from '../support/app.js';

const ROOT = new URL('../../../../', import.meta.url);

describe('generated SDK wire types', () => {
  let t: TestApp;
  let snapshot: Awaited<ReturnType<typeof buildOpenApiSnapshot>>;

  beforeAll(async () => {
    snapshot = await buildOpenApiSnapshot();
    t = await createTestApp('sqlite');
  });
  afterAll(async () => {
    await t?.close();
  });

  it(`${OPENAPI_TYPES_FILE} is up to date (else run \`${OPENAPI_TYPES_COMMAND}\`)`, async () => {
    const checkedIn = readFileSync(new URL(OPENAPI_TYPES_FILE, ROOT), 'utf8');
    const fresh = await renderOpenApiTypes(snapshot);
    expect(fresh.length).toBeGreaterThan(10_000);
    expect(
      fresh === checkedIn,
      `${OPENAPI_TYPES_FILE} is stale: run \`${OPENAPI_TYPES_COMMAND}\` and commit the result`,
    ).toBe(true);
  });

  it('a change of the document changes the generated types (the comparison is not vacuous)', async () => {
    const changed = structuredClone(snapshot) as { components: { schemas: Record<string, { required: string[] }> } };
    changed.components.schemas.Provider?.required.pop();
    expect(await renderOpenApiTypes(changed)).not.toBe(await renderOpenApiTypes(snapshot));
  });

  it('the snapshot is the document a running instance serves, but for the issuer', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    expect(JSON.stringify(snapshot).replaceAll(SNAPSHOT_ISSUER, TEST_ISSUER)).toBe(res.body);
  });
});
