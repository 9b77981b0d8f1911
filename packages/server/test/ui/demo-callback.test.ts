/**
 * The sandbox demo app ends its browser flows on idgate's own demo callback page
 * (`/demo/callback`): a newcomer who opens the printed `/authorize` link, picks a
 * provider and answers on the mock screen lands on a page showing the code and the exact
 * token exchange (which works), or the error with links to its reference pages. The demo
 * app keeps `http://127.0.0.1:8765/callback` registered, gains the callback of a new
 * issuer on a later start, and production has no demo callback.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_CODE_VERIFIER,
  DEMO_REDIRECT_URI,
  type DemoApp,
  demoAuthorizeUrl,
  ensureDemoApp,
} from '../../src/demo.js';
import { adminAuth, createTestApp, TEST_SECRET_KEY } from '../support/app.js';
import { expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { registerSecret } from '../support/leaks.js';
import { type LiveTestApp, startLiveTestApp } from '../support/live-server.js';
import { type CspWatch, expectAccessible, launchChromium, watchCsp } from './browser-support.js';

/** Browser flows run on the first configured database; the inject tests below cover every one. */
const KIND = TEST_DATABASE_KINDS[0] ?? 'sqlite';

describe(`the demo app's browser flow ends on the demo callback page, in Chromium (${KIND})`, () => {
  let browser: Browser;
  let live: LiveTestApp;
  let dataDir: string;
  let demo: DemoApp;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'idgate-demo-'));
    [browser, live] = await Promise.all([
      launchChromium(),
      startLiveTestApp(KIND, { env: { IDGATE_DATA_DIR: dataDir } }),
    ]);
    const created = await ensureDemoApp(live.config, live.database.database, TEST_SECRET_KEY);
    if (created === undefined) throw new Error('no demo app was created');
    demo = created;
    registerSecret(demo.clientSecret);
  });
  afterAll(async () => {
    await browser?.close();
    await live?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function newPage(): Promise<{ page: import('playwright-core').Page; csp: CspWatch }> {
    const context = await browser.newContext({ locale: 'en-US' });
    return { page: await context.newPage(), csp: await watchCsp(context) };
  }

  it('the demo app redirects to idgate’s demo callback, and keeps the 8765 one registered', async () => {
    expect(demo.redirectUri).toBe(`${live.baseUrl}/demo/callback`);
    const res = await live.app.inject({ method: 'GET', url: `/admin/v1/apps/${demo.clientId}`, headers: adminAuth() });
    expect((res.json() as { redirectUris: string[] }).redirectUris).toEqual([demo.redirectUri, DEMO_REDIRECT_URI]);
  });

  it('success: the page shows the code and the exact token exchange, which works', async () => {
    const { page, csp } = await newPage();
    await page.goto(demoAuthorizeUrl(live.baseUrl, demo, false));
    await page.getByRole('button', { name: 'Continue with Mock redirect provider' }).click();
    await page.waitForURL(/\/flow\//);
    await page.getByRole('button', { name: 'success', exact: true }).click();
    await page.waitForURL((url) => url.href.startsWith(`${live.baseUrl}/demo/callback?`));

    const query = new URL(page.url()).searchParams;
    expect([...query.keys()]).toEqual(['code', 'state', 'iss']);
    const code = query.get('code') ?? '';
    expect(await page.locator('h1').textContent()).toBe('Demo app: signed in');
    const terms = await page.locator('.demo-result dt').allTextContents();
    const values = await page.locator('.demo-result dd').allTextContents();
    expect(Object.fromEntries(terms.map((term, index) => [term, values[index]]))).toEqual({
      code,
      state: 'xyz',
      iss: live.baseUrl,
    });
    const command = (await page.locator('pre code').textContent()) ?? '';
    expect(command).toBe(
      [
        `curl -s -u "${demo.clientId}:$CLIENT_SECRET" \\`,
        '  -d grant_type=authorization_code \\',
        `  -d code=${code} \\`,
        `  --data-urlencode redirect_uri=${live.baseUrl}/demo/callback \\`,
        `  -d code_verifier=${DEMO_CODE_VERIFIER} \\`,
        `  ${live.baseUrl}/token`,
      ].join('\n'),
    );
    expect(command).not.toContain(demo.clientSecret);
    await expectAccessible(page);
    await csp.expectNone();

    // What the command sends, with the demo app's secret: the code works.
    const token = await fetch(`${live.baseUrl}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${demo.clientId}:${demo.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: `${live.baseUrl}/demo/callback`,
        code_verifier: DEMO_CODE_VERIFIER,
      }),
    });
    expect(token.status).toBe(200);
    expect(((await token.json()) as { token_type: string }).token_type).toBe('Bearer');
    await page.context().close();
  });

  it('deny: the page shows the error, its transaction status code and links to their reference pages', async () => {
    const { page, csp } = await newPage();
    await page.goto(demoAuthorizeUrl(live.baseUrl, demo, false));
    await page.getByRole('button', { name: 'Continue with Mock redirect provider' }).click();
    await page.waitForURL(/\/flow\//);
    await page.getByRole('button', { name: 'deny', exact: true }).click();
    await page.waitForURL((url) => url.href.startsWith(`${live.baseUrl}/demo/callback?`));
    expect(await page.locator('h1').textContent()).toBe('Demo app: sign-in failed');
    const terms = await page.locator('.demo-result dt').allTextContents();
    expect(terms).toEqual(['error', 'error_description', 'tx_state', 'state', 'iss']);
    expect(await page.locator('main').textContent()).toContain(
      'The user did not complete authentication at the identity provider.',
    );
    expect(await page.locator(`a[href="${live.baseUrl}/errors/access_denied"]`).count()).toBe(1);
    await expectAccessible(page);
    await page.locator(`a[href="${live.baseUrl}/errors/err_not_authenticated"]`).click();
    await page.waitForURL(`${live.baseUrl}/errors/err_not_authenticated`);
    expect(await page.locator('h1').textContent()).toBe('err_not_authenticated');
    await csp.expectNone();
    await page.context().close();
  });
});

describe.each(TEST_DATABASE_KINDS)('the demo app and its callback (%s)', (kind) => {
  it('a later start under another issuer registers that issuer’s callback too', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'idgate-demo-'));
    const first = await createTestApp(kind, {
      env: { IDGATE_DATA_DIR: dataDir, IDGATE_ISSUER: 'http://127.0.0.1:3000' },
    });
    try {
      const demo = await ensureDemoApp(first.config, first.database.database, TEST_SECRET_KEY);
      registerSecret(demo?.clientSecret);
      expect(demo?.redirectUri).toBe('http://127.0.0.1:3000/demo/callback');
      const moved = { ...first.config, issuer: 'http://127.0.0.1:8080' };
      const again = await ensureDemoApp(moved, first.database.database, TEST_SECRET_KEY);
      expect(again).toEqual({ ...demo, redirectUri: 'http://127.0.0.1:8080/demo/callback' });
      const app = await first.app.idgate.apps.get(demo?.clientId ?? '');
      expect(app.redirectUris).toEqual([
        'http://127.0.0.1:8080/demo/callback',
        'http://127.0.0.1:3000/demo/callback',
        DEMO_REDIRECT_URI,
      ]);
    } finally {
      await first.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('GET /demo/callback without a response says what the page is for; a repeated parameter is refused', async () => {
    const t = await createTestApp(kind);
    try {
      const res = await t.app.inject({ method: 'GET', url: '/demo/callback' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.body).toContain('<h1>Demo app callback</h1>');
      const repeated = await t.app.inject({ method: 'GET', url: '/demo/callback?code=a&code=b' });
      expect(repeated.statusCode).toBe(400);
      expect(repeated.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(repeated.body).toContain('VALIDATION_INVALID_PARAMETER');
      const escaped = await t.app.inject({ method: 'GET', url: '/demo/callback?error=%3Cscript%3E&errMsg=%22x%22' });
      expect(escaped.body).toContain('<code>&lt;script&gt;</code>');
      expect(escaped.body).not.toContain('<script>');
    } finally {
      await t.close();
    }
  });

  it('production has no demo callback', async () => {
    const t = await createTestApp(kind, { env: { IDGATE_ENV: 'production', IDGATE_ALLOW_SQLITE: '1' } });
    try {
      const res = await t.app.inject({
        method: 'GET',
        url: '/demo/callback?code=x',
        headers: { accept: 'application/json' },
      });
      expectProblem(res, 'RESOURCE_NOT_FOUND');
    } finally {
      await t.close();
    }
  });
});
