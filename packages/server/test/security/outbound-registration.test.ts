/**
 * `IDGATE_OUTBOUND_PRIVATE_NETWORKS` at registration: with `deny` (the production
 * default) a sign-in hook or webhook URL on `localhost` or on an IP literal that is not
 * public (also in the decimal, hex or octal IPv4 forms WHATWG URL parsing normalizes) is
 * refused on create and on update with the catalog validation error naming the field, and
 * production needs https without the loopback exception; with `allow` (the sandbox
 * default) nothing changes. Redirect URIs are not affected.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NON_PUBLIC_HOST_REASON } from '../../src/apps/uri-rules.js';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { adminAuth, createTestApp, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { registerSecret } from '../support/leaks.js';

const FIELDS = ['webhookUrl', 'signInHookUrl'] as const;

/** URLs that point inside, and the host WHATWG URL parsing makes of them. */
const INSIDE: readonly (readonly [string, string])[] = [
  ['http://127.0.0.1:8080/x', '127.0.0.1'],
  ['https://localhost/x', 'localhost'],
  ['https://169.254.169.254/latest', '169.254.169.254'],
  ['https://[::1]/x', '[::1]'],
  ['https://10.0.0.1/', '10.0.0.1'],
  ['http://2130706433/', '127.0.0.1'],
  ['https://0x7f.1/', '127.0.0.1'],
  ['https://0177.0.0.1/', '127.0.0.1'],
  ['https://0/', '0.0.0.0'],
  ['https://[::ffff:127.0.0.1]/', '[::ffff:7f00:1]'],
  ['https://[fd00::1]/hook', '[fd00::1]'],
  ['https://LOCALHOST./x', 'localhost.'],
  ['https://admin.localhost/x', 'admin.localhost'],
  ['https://192.168.1.20:8443/x', '192.168.1.20'],
];

interface FieldProblem {
  name: string;
  pointer: string;
  reason: string;
}

describe('IDGATE_OUTBOUND_PRIVATE_NETWORKS', () => {
  it('defaults to deny in production and to allow in sandbox', () => {
    expect(loadConfig({}).outboundPrivateNetworks).toBe('allow');
    expect(loadConfig({ IDGATE_ENV: 'sandbox' }).outboundPrivateNetworks).toBe('allow');
    expect(loadConfig({ IDGATE_ENV: 'production' }).outboundPrivateNetworks).toBe('deny');
  });

  it('can be set either way in either environment', () => {
    const set = (environment: string, value: string) =>
      loadConfig({ IDGATE_ENV: environment, IDGATE_OUTBOUND_PRIVATE_NETWORKS: value }).outboundPrivateNetworks;
    expect(set('production', 'allow')).toBe('allow');
    expect(set('sandbox', 'deny')).toBe('deny');
    expect(set('production', '')).toBe('deny');
  });

  it.each(['yes', 'DENY', 'block'])('refuses %s, naming the variable', (value) => {
    expect(() => loadConfig({ IDGATE_OUTBOUND_PRIVATE_NETWORKS: value })).toThrow(ConfigError);
    try {
      loadConfig({ IDGATE_OUTBOUND_PRIVATE_NETWORKS: value });
    } catch (error) {
      expect((error as ConfigError).variable).toBe('IDGATE_OUTBOUND_PRIVATE_NETWORKS');
      expect((error as Error).message).toContain('allow, deny');
    }
  });

  it('the URL parser turns numeric hosts into the dotted form the check sees', () => {
    for (const [url, host] of INSIDE) expect(new URL(url).hostname, url).toBe(host);
  });
});

describe.each(TEST_DATABASE_KINDS)('hook and webhook URLs at registration on %s', (kind) => {
  /** production (deny), sandbox (allow), sandbox with deny, production with allow */
  let production: TestApp;
  let sandbox: TestApp;
  let sandboxDeny: TestApp;
  let productionAllow: TestApp;

  beforeAll(async () => {
    [production, sandbox, sandboxDeny, productionAllow] = await Promise.all([
      createTestApp(kind, { env: { IDGATE_ENV: 'production' } }),
      createTestApp(kind, { env: { IDGATE_ENV: 'sandbox' } }),
      createTestApp(kind, { env: { IDGATE_ENV: 'sandbox', IDGATE_OUTBOUND_PRIVATE_NETWORKS: 'deny' } }),
      createTestApp(kind, { env: { IDGATE_ENV: 'production', IDGATE_OUTBOUND_PRIVATE_NETWORKS: 'allow' } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([production, sandbox, sandboxDeny, productionAllow].map((t) => t?.close()));
  });

  async function create(t: TestApp, extra: Record<string, unknown>): Promise<LightMyRequestResponse> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/apps',
      headers: adminAuth(),
      payload: { name: 'Hooked', type: 'confidential', redirectUris: ['https://shop.example/cb'], ...extra },
    });
    if (res.statusCode === 201) {
      const body = JSON.parse(res.body) as { clientSecret?: string; hookSecret?: string };
      registerSecret(body.clientSecret);
      registerSecret(body.hookSecret);
    }
    return res;
  }

  async function appCount(t: TestApp): Promise<number> {
    const rows = await t.database.database.db.selectFrom('apps').select('client_id').execute();
    return rows.length;
  }

  /** Asserts the catalog validation problem with exactly this field refused for this reason. */
  function expectRefusedField(res: LightMyRequestResponse, field: string, reason: string, instance: string): void {
    const body = expectProblem(res, 'VALIDATION_INVALID_PARAMETER', { instance });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(body.title).toBe('VALIDATION_INVALID_PARAMETER');
    expect((body.context as { fields: FieldProblem[] }).fields).toEqual([
      { name: field, pointer: `/${field}`, reason },
    ]);
  }

  describe.each(FIELDS)('%s', (field) => {
    it.each(INSIDE.map(([url]) => url))('deny (production): creating with %s is refused', async (url) => {
      const before = await appCount(production);
      const res = await create(production, { [field]: url });
      expectRefusedField(res, field, NON_PUBLIC_HOST_REASON, '/admin/v1/apps');
      expect(await appCount(production)).toBe(before);
    });

    it.each(INSIDE.map(([url]) => url))(
      'deny (production): updating to %s is refused, nothing changes',
      async (url) => {
        const created = await create(production, { [field]: 'https://hooks.example.com/x' });
        expect(created.statusCode, created.body).toBe(201);
        const { clientId } = JSON.parse(created.body) as { clientId: string };
        const path = `/admin/v1/apps/${clientId}`;
        const res = await production.app.inject({
          method: 'PATCH',
          url: path,
          headers: adminAuth(),
          payload: { [field]: url },
        });
        expectRefusedField(res, field, NON_PUBLIC_HOST_REASON, path);
        const read = await production.app.inject({ method: 'GET', url: path, headers: adminAuth() });
        expect(JSON.parse(read.body)).toMatchObject({ [field]: 'https://hooks.example.com/x', version: 1 });
      },
    );

    it('deny (production): public names and public IP literals over https are accepted', async () => {
      for (const url of ['https://hooks.example.com/x', 'https://8.8.8.8/hook', 'https://[2606:4700::1111]/hook']) {
        const res = await create(production, { [field]: url });
        expect(res.statusCode, `${url}: ${res.body}`).toBe(201);
        expect(JSON.parse(res.body)).toMatchObject({ [field]: url });
      }
    });

    it('deny (production): http is refused even for a public name', async () => {
      const res = await create(production, { [field]: 'http://hooks.example.com/x' });
      expectRefusedField(res, field, 'must use https', '/admin/v1/apps');
    });

    it('deny (sandbox): loopback is refused, http to a public name is still allowed', async () => {
      const refused = await create(sandboxDeny, { [field]: 'http://127.0.0.1:8080/x' });
      expectRefusedField(refused, field, NON_PUBLIC_HOST_REASON, '/admin/v1/apps');
      const accepted = await create(sandboxDeny, { [field]: 'http://hooks.example.com/x' });
      expect(accepted.statusCode, accepted.body).toBe(201);
    });

    it('allow (the sandbox default): loopback and private URLs are accepted', async () => {
      for (const url of ['http://127.0.0.1:8080/x', 'https://localhost/x', 'http://10.0.0.1/', 'http://2130706433/']) {
        const res = await create(sandbox, { [field]: url });
        expect(res.statusCode, `${url}: ${res.body}`).toBe(201);
      }
    });

    it('allow (production): today’s rule, https or http on a loopback host', async () => {
      const loopback = await create(productionAllow, { [field]: 'http://127.0.0.1:8080/x' });
      expect(loopback.statusCode, loopback.body).toBe(201);
      const inside = await create(productionAllow, { [field]: 'https://10.0.0.1/' });
      expect(inside.statusCode, inside.body).toBe(201);
      const plain = await create(productionAllow, { [field]: 'http://hooks.example.com/x' });
      expectRefusedField(plain, field, 'must use https', '/admin/v1/apps');
    });
  });

  it('deny: both fields are reported at once', async () => {
    const res = await create(production, {
      signInHookUrl: 'https://169.254.169.254/latest',
      webhookUrl: 'https://[::1]/x',
    });
    const body = expectProblem(res, 'VALIDATION_INVALID_PARAMETER', { instance: '/admin/v1/apps' });
    const fields = (body.context as { fields: FieldProblem[] }).fields;
    expect(fields.map((problem) => problem.pointer).sort()).toEqual(['/signInHookUrl', '/webhookUrl']);
  });

  it('deny does not touch redirect URIs: a loopback redirect URI is still accepted in production', async () => {
    const res = await create(production, { redirectUris: ['http://127.0.0.1:8080/cb', 'https://shop.example/cb'] });
    expect(res.statusCode, res.body).toBe(201);
  });
});
