/**
 * `npm start` (SPEC 8): the built server on a fresh data directory with embedded SQLite
 * creates a sandbox demo app, prints the admin key and the demo credentials, serves the
 * admin API, keeps its state across restarts, and stops cleanly on SIGTERM.
 * Needs `npm run build` first.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitOf, killChildren, requireBuild, runServerToExit, startServer } from '../support/child-server.js';
import { registerSecret } from '../support/leaks.js';

async function listApps(address: string, adminKey: string): Promise<{ clientId: string; name: string }[]> {
  const res = await fetch(`${address}/admin/v1/apps?limit=100`, { headers: { authorization: `Bearer ${adminKey}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('x-request-id')).toEqual(expect.any(String));
  return ((await res.json()) as { data: { clientId: string; name: string }[] }).data;
}

function demoCredentials(banner: string): { clientId: string; clientSecret: string } {
  const clientId = /client_id (test_[0-9A-Za-z]{24})\b/.exec(banner)?.[1];
  const clientSecret = /client_secret (test_[0-9A-Za-z]{43})\b/.exec(banner)?.[1];
  expect(clientId, banner).toBeDefined();
  expect(clientSecret, banner).toBeDefined();
  return { clientId: clientId!, clientSecret: clientSecret! };
}

beforeAll(requireBuild);
afterAll(killChildren);

describe('npm start on a fresh data directory', () => {
  let dataDir: string;
  let first: { clientId: string; clientSecret: string };
  let adminKey: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'idgate-start-'));
  });
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('prints the admin key and the demo credentials; the admin API lists the demo app; SIGTERM exits 0', async () => {
    const server = await startServer({ IDGATE_DATA_DIR: dataDir, PORT: '0' });
    adminKey = (await readFile(join(dataDir, 'admin-key'), 'utf8')).trim();
    registerSecret(adminKey);
    expect(server.banner).toContain('(sandbox, sqlite)');
    expect(server.banner).toContain(`Admin key (generated now, stored in ${join(dataDir, 'admin-key')}): ${adminKey}`);
    expect(adminKey).toMatch(/^idgate_admin_[0-9A-Za-z]{43}$/);
    first = demoCredentials(server.banner);
    registerSecret(first.clientSecret);
    const issuer = /; issuer (\S+)/.exec(server.banner)?.[1] ?? '';
    expect(server.banner).toContain(`redirect_uri ${issuer}/demo/callback   (idgate's demo callback page;`);
    expect(server.banner).toContain('http://127.0.0.1:8765/callback is registered too)');
    // The browser flow: the printed /authorize link (no sandbox hints) ends on the demo callback page.
    expect(server.banner).toContain(
      `${issuer}/authorize?response_type=code&client_id=${first.clientId}&redirect_uri=${encodeURIComponent(`${issuer}/demo/callback`)}&`,
    );
    const callback = await fetch(`${server.address}/demo/callback?error=access_denied`);
    expect(callback.status).toBe(200);
    expect(await callback.text()).toContain('<h1>Demo app: sign-in failed</h1>');
    expect(existsSync(join(dataDir, 'idgate.sqlite'))).toBe(true);

    const apps = await listApps(server.address, adminKey);
    expect(apps).toHaveLength(1);
    expect(apps[0]).toMatchObject({ clientId: first.clientId, name: 'idgate demo app' });
    expect(JSON.stringify(apps)).not.toContain(first.clientSecret);

    const refused = await fetch(`${server.address}/admin/v1/apps`, { headers: { authorization: 'Bearer wrong' } });
    expect(refused.status).toBe(401);
    const refusedBody = await refused.text();
    expect(refusedBody).toContain('AUTH_INVALID_CREDENTIALS');
    expect(refusedBody).not.toContain(adminKey);

    expect(server.child.kill('SIGTERM')).toBe(true);
    expect(await exitOf(server.child)).toBe(0);
    await expect(
      fetch(`${server.address}/admin/v1/apps`, { headers: { authorization: `Bearer ${adminKey}` } }),
    ).rejects.toThrow();
  });

  it('a restart on the same directory creates no second demo app and prints the same credentials', async () => {
    expect(first).toBeDefined();
    const server = await startServer({ IDGATE_DATA_DIR: dataDir, PORT: '0' });
    expect(server.banner).toContain(`Admin key: in ${join(dataDir, 'admin-key')}`);
    expect(server.banner).not.toContain(adminKey);
    expect(demoCredentials(server.banner)).toEqual(first);
    const apps = await listApps(server.address, adminKey);
    expect(apps.map((app) => app.clientId)).toEqual([first.clientId]);

    server.child.kill('SIGTERM');
    expect(await exitOf(server.child)).toBe(0);
  });

  it('an invalid PORT stops the start with exit code 2 and a message naming PORT', async () => {
    const { code, stderr } = await runServerToExit({ IDGATE_DATA_DIR: dataDir, PORT: 'abc' });
    expect(code).toBe(2);
    expect(stderr).toContain('PORT');
    expect(stderr).not.toContain('listening on');
  });
});
