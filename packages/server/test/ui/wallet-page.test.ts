/**
 * The hosted wallet page in headless Chromium (SPEC 10, Flows): `mock-wallet` chosen on
 * the provider choice waits with a real QR code of the `openid4vp://` request and the
 * same-device link; where the browser has the Digital Credentials API the page offers it,
 * calls `navigator.credentials.get` with the session's `dcRequest` and relays the answer
 * to idgate, which verifies it and sends the browser back to the app. Without the API the
 * page shows the QR code and the link only.
 *
 * The DC API is stubbed in the page (headless Chromium has no wallet): the stub hands the
 * request to the sandbox test wallet (run in the test, holding the instance's sandbox
 * PIDs) and returns its answer as a `DigitalCredential` would.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxIssuer } from '../../src/providers/wallet/sandbox/sandbox-issuer.js';
import { SandboxWallet } from '../../src/providers/wallet/sandbox/sandbox-wallet.js';
import { qrModules } from '../../src/ui/qr-code.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import {
  authorizeUrl,
  type BrowserTestEnvironment,
  backAtApp,
  expectAccessible,
  launchChromium,
  startBrowserTestEnvironment,
  watchCsp,
} from './browser-support.js';

const KIND = TEST_DATABASE_KINDS[0] ?? 'sqlite';

describe(`hosted wallet page in Chromium (${KIND})`, () => {
  let browser: Browser;
  let env: BrowserTestEnvironment;
  let dataDir: string;
  let wallet: SandboxWallet;
  /** What the page passed to `navigator.credentials.get`. */
  const dcCalls: unknown[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'idgate-wallet-page-'));
    [browser, env] = await Promise.all([
      launchChromium(),
      startBrowserTestEnvironment(KIND, { IDGATE_DATA_DIR: dataDir }),
    ]);
    wallet = new SandboxWallet(await SandboxIssuer.create({ baseUrl: env.live.baseUrl, dataDir }));
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function newContext(dcApi: 'absent' | 'stubbed'): Promise<BrowserContext> {
    const context = await browser.newContext({ locale: 'en-US' });
    if (dcApi === 'absent') {
      await context.addInitScript('delete window.DigitalCredential;');
    } else {
      await context.exposeFunction('__walletAnswer', async (options: string) => {
        const parsed = JSON.parse(options) as { digital: { requests: { data: { request: string } }[] } };
        dcCalls.push(parsed);
        const request = parsed.digital.requests[0]?.data.request ?? '';
        const answer = await wallet.respond('success', request, { now: new Date() });
        const { protocol, data } = answer as { protocol: string; data: string };
        return { protocol, data: JSON.parse(data) as unknown };
      });
      await context.addInitScript(`
        window.DigitalCredential = function DigitalCredential() {};
        navigator.credentials.get = function get(options) {
          return window.__walletAnswer(JSON.stringify(options));
        };
      `);
    }
    return context;
  }

  async function openWalletPage(context: BrowserContext) {
    const page = await context.newPage();
    await page.goto(authorizeUrl(env));
    await page.getByRole('button', { name: 'Continue with Mock wallet (EU PID)' }).click();
    await page.waitForSelector('svg.qr');
    return page;
  }

  it('without the DC API: the QR code of the openid4vp request and the same-device link', async () => {
    const context = await newContext('absent');
    const csp = await watchCsp(context);
    const page = await openWalletPage(context);
    expect(await page.locator('h1').textContent()).toBe('Share from your wallet');
    const qrData = (await page.locator('details pre code').textContent()) ?? '';
    expect(qrData).toMatch(/^openid4vp:\/\/\?client_id=x509_san_dns%3A127\.0\.0\.1&request_uri=/);
    expect(await page.locator('svg.qr').getAttribute('data-modules')).toBe(String(qrModules(qrData).length));
    const link = page.getByRole('link', { name: 'Open on this device' });
    expect(await link.getAttribute('href')).toBe(qrData);
    // The DC API offer stays hidden.
    expect(await page.locator('[data-idgate-dc]').isHidden()).toBe(true);
    expect(await page.getByRole('button', { name: 'Share from a wallet on this device' }).count()).toBe(0);
    // The request behind the link is served to a wallet.
    const requestUri = new URL(qrData).searchParams.get('request_uri') ?? '';
    const res = await fetch(requestUri);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/oauth-authz-req\+jwt/);
    await expectAccessible(page);
    // The sandbox: a person picks a test identity on the sandbox phone, whose built-in
    // wallet answers the request; the waiting page moves on by itself.
    const [phone] = await Promise.all([
      context.waitForEvent('page'),
      page.getByRole('link', { name: /^Open the sandbox phone/ }).click(),
    ]);
    await phone.waitForLoadState('domcontentloaded');
    await phone.getByRole('button', { name: 'declined', exact: true }).click();
    await phone.waitForSelector('text=Verification finished');
    const query = await backAtApp(page, env);
    expect(query.get('error')).toBe('access_denied');
    expect(query.get('tx_state')).toBe('cancelled');
    await csp.expectNone();
    await context.close();
  });

  it('with the DC API: the page calls navigator.credentials.get and relays the answer; back at the app', async () => {
    const context = await newContext('stubbed');
    const csp = await watchCsp(context);
    const page = await openWalletPage(context);
    const share = page.getByRole('button', { name: 'Share from a wallet on this device' });
    await share.waitFor({ state: 'visible' });
    // The fallback is still there.
    expect(await page.getByRole('link', { name: 'Open on this device' }).count()).toBe(1);
    await expectAccessible(page);
    await share.click();
    const query = await backAtApp(page, env);
    expect(query.get('state')).toBe('st-browser');
    expect(query.get('code')).toBeTruthy();
    expect(dcCalls).toHaveLength(1);
    expect(dcCalls[0]).toMatchObject({
      mediation: 'required',
      digital: { requests: [{ protocol: 'openid4vp-v1-signed' }] },
    });
    await csp.expectNone();
    await context.close();
  });
});
