/**
 * An app's `jwksUri` is fetched with the outbound rules of hooks (SPEC 12, docs/fapi.md):
 * with `IDGATE_OUTBOUND_PRIVATE_NETWORKS=deny`, a `jwksUri` that passed registration but
 * names a host resolving to loopback (set in the database directly, as DNS could change
 * under a registered name) is never fetched, and the assertion is refused as
 * `invalid_client`; with `allow` the same key set is fetched and the assertion accepted.
 * An unreadable key set (not 200, not JSON) is refused the same way.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectOAuthError } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { registerSecret } from '../support/leaks.js';
import {
  assertionForm,
  type ClientKey,
  clientAssertion,
  createFapiApp,
  newClientKey,
  postForm,
} from './fapi-support.js';

const UNREADABLE =
  "The client's jwks_uri could not be read (unreachable, refused, too slow or too large), so the assertion cannot be checked.";

describe.each(TEST_DATABASE_KINDS)('jwksUri fetching on %s', (kind) => {
  let deny: TestApp;
  let allow: TestApp;
  let server: Server;
  let key: ClientKey;
  let fetches = 0;
  let answer: { status: number; body: string } = { status: 200, body: '' };
  let base: string;

  beforeAll(async () => {
    key = await newClientKey('ES256');
    answer = { status: 200, body: JSON.stringify({ keys: [key.publicJwk] }) };
    server = createServer(function serveJwks(_request, response) {
      fetches += 1;
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    base = `http://localhost:${typeof address === 'object' && address ? address.port : 0}`;
    [deny, allow] = await Promise.all([
      createTestApp(kind, { env: { IDGATE_OUTBOUND_PRIVATE_NETWORKS: 'deny' } }),
      createTestApp(kind, { env: { IDGATE_OUTBOUND_PRIVATE_NETWORKS: 'allow' } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([deny?.close(), allow?.close()]);
    await new Promise((resolve) => server?.close(resolve));
  });

  /** A private_key_jwt app whose jwks_uri is set in the database, past the registration check. */
  async function appWithJwksUri(t: TestApp, path: string): Promise<string> {
    const created = await createFapiApp(t, {
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwks: { keys: [key.publicJwk] },
      grantTypes: ['client_credentials'],
    });
    await t.database.database.db
      .updateTable('apps')
      .set({ jwks: null, jwks_uri: `${base}${path}` })
      .where('client_id', '=', created.clientId)
      .execute();
    return created.clientId;
  }

  async function token(t: TestApp, clientId: string) {
    const form = {
      grant_type: 'client_credentials',
      scope: 'providers',
      ...assertionForm(await clientAssertion(clientId, key, new Date())),
    };
    return postForm(t, '/token', form);
  }

  it('deny: a jwksUri resolving to loopback is never fetched; the assertion is invalid_client', async () => {
    const clientId = await appWithJwksUri(deny, '/deny');
    const before = fetches;
    const body = expectOAuthError(await token(deny, clientId), 'AUTH_INVALID_CLIENT');
    expect(body.error_description).toBe(UNREADABLE);
    expect(fetches).toBe(before);
  });

  it('allow: the same key set is fetched and the assertion accepted', async () => {
    const clientId = await appWithJwksUri(allow, '/allow');
    const before = fetches;
    const res = await token(allow, clientId);
    expect(res.statusCode, res.body).toBe(200);
    registerSecret(JSON.parse(res.body).access_token);
    expect(fetches).toBe(before + 1);
  });

  it.each([
    ['answers 404', { status: 404, body: '{}' }],
    ['answers no JSON', { status: 200, body: '<html>' }],
  ])('a jwksUri that %s is refused as invalid_client', async (_case, broken) => {
    answer = broken;
    try {
      const clientId = await appWithJwksUri(allow, `/broken-${broken.status}`);
      const body = expectOAuthError(await token(allow, clientId), 'AUTH_INVALID_CLIENT');
      expect(body.error_description).toBe(UNREADABLE);
    } finally {
      answer = { status: 200, body: JSON.stringify({ keys: [key.publicJwk] }) };
    }
  });
});
