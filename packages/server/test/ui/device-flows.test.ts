/**
 * The hosted pages in headless Chromium, part 2: flows where the person answers on
 * another device. The identifier entry (field errors, then a valid personal number), the
 * push waiting page, the QR page with a real QR code, the sandbox phone (the mock
 * provider's screen in a second tab) and the waiting page's poll script moving on by
 * itself, and cancelling a waiting page. idgate's clock stands still, so the mocks answer
 * only when the test (playing the phone) tells them to.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLL_SCRIPT_ASSET } from '../../src/ui/assets.js';
import { QR_QUIET_ZONE, qrModules } from '../../src/ui/qr-code.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import {
  authorizeUrl,
  type BrowserTestEnvironment,
  backAtApp,
  type CspWatch,
  expectAccessible,
  expectErrorQuery,
  focusedElement,
  launchChromium,
  startBrowserTestEnvironment,
  watchCsp,
} from './browser-support.js';

/** Browser flows run on the first configured database; hosted-pages.test.ts covers every one. */
const KIND = TEST_DATABASE_KINDS[0] ?? 'sqlite';

describe(`hosted pages in Chromium: QR and push (${KIND})`, () => {
  let browser: Browser;
  let env: BrowserTestEnvironment;

  beforeAll(async () => {
    [browser, env] = await Promise.all([launchChromium(), startBrowserTestEnvironment(KIND)]);
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  async function newContext(): Promise<{ context: BrowserContext; csp: CspWatch }> {
    const context = await browser.newContext({ locale: 'en-US' });
    return { context, csp: await watchCsp(context) };
  }

  /** Follows the sandbox phone link; returns the phone's tab. */
  async function openSandboxPhone(context: BrowserContext, page: Page): Promise<Page> {
    const [phone] = await Promise.all([
      context.waitForEvent('page'),
      page.getByRole('link', { name: /^Open the sandbox phone/ }).click(),
    ]);
    await phone.waitForLoadState('domcontentloaded');
    return phone;
  }

  it('identifier entry: a field error, then push waiting → approve on the phone → back at the app', async () => {
    const { context, csp } = await newContext();
    const page = await context.newPage();
    await page.goto(authorizeUrl(env));
    await page.getByRole('link', { name: 'Continue with Mock push provider' }).click();
    await page.waitForURL(/\/identify\/mock-push$/);
    expect(await page.locator('h1').textContent()).toBe('Sign in with Mock push provider');
    const field = page.getByLabel('Personal number');
    expect(await field.inputValue()).toBe('');
    await expectAccessible(page);

    // Nothing entered: the server refuses, the field says why, the summary has the focus.
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.waitForSelector('.error-summary');
    expect(await page.title()).toBe('Error: Sign in with Mock push provider');
    expect((await focusedElement(page)).className).toBe('error-summary');
    expect(await page.locator('.error-summary li').allTextContents()).toEqual(['Enter your personal number.']);
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#field-0-error').textContent()).toBe('Enter your personal number.');
    expect((await field.getAttribute('aria-describedby'))?.split(' ')).toContain('field-0-error');
    await expectAccessible(page);

    // A personal number that is no test identity: invalid, and the value is kept.
    await field.fill('not-a-person');
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.waitForSelector('#field-0-error');
    expect(await page.locator('#field-0-error').textContent()).toBe('Enter a valid personal number.');
    expect(await page.getByLabel('Personal number').inputValue()).toBe('not-a-person');
    // The summary's link leads to the field.
    await page.getByRole('link', { name: 'Enter a valid personal number.' }).click();
    expect((await focusedElement(page)).id).toBe('field-0');

    // `timeout` never answers by itself: the phone will.
    await page.getByLabel('Personal number').fill('timeout');
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.waitForSelector('[data-idgate-poll][data-status="pending"]');
    expect(await page.locator('h1').textContent()).toBe('Approve on your phone');
    expect(await page.locator('main').textContent()).toContain('Mock Push app');
    expect(await page.locator(`script[src="${POLL_SCRIPT_ASSET.path}"]`).count()).toBe(1);
    await expectAccessible(page);

    const phone = await openSandboxPhone(context, page);
    expect(await phone.locator('h1').textContent()).toBe('Mock push provider (sandbox)');
    // Opening the request on the phone: the waiting page notices and says so.
    await page.waitForSelector('[data-idgate-poll][data-status="authenticating"]');
    expect(await page.getByRole('status').textContent()).toBe(
      'The request was opened on your phone. Confirm it there.',
    );
    await phone.getByRole('button', { name: 'success', exact: true }).click();
    await phone.waitForSelector('text=Verification finished');
    expect(await phone.locator('main').textContent()).toContain('continue on your other device');
    await expectAccessible(phone);

    const query = await backAtApp(page, env);
    expect([...query.keys()]).toEqual(['code', 'state', 'iss']);
    await csp.expectNone();
    await context.close();
  });

  it('QR: a real QR code of the mock’s qrData; the phone scans and denies; the page moves on', async () => {
    const { context, csp } = await newContext();
    const page = await context.newPage();
    await page.goto(authorizeUrl(env));
    await page.getByRole('button', { name: 'Continue with Mock QR provider' }).click();
    await page.waitForSelector('svg.qr');
    expect(await page.locator('h1').textContent()).toBe('Scan the QR code');

    // The QR code encodes the mock screen's URL (what a phone scanning it would open).
    const txId = new URL(page.url()).pathname.split('/').at(-1) ?? '';
    const qrData = `${env.live.baseUrl}/flow/${txId}`;
    expect(await page.locator('details pre').textContent()).toBe(qrData);
    const modules = qrModules(qrData);
    const svg = page.locator('svg.qr');
    expect(await svg.getAttribute('data-modules')).toBe(String(modules.length));
    expect(await svg.getAttribute('viewBox')).toBe(
      `0 0 ${modules.length + 2 * QR_QUIET_ZONE} ${modules.length + 2 * QR_QUIET_ZONE}`,
    );
    const drawn = new Set(
      [...((await svg.locator('path').getAttribute('d')) ?? '').matchAll(/M(\d+) (\d+)h1v1h-1z/g)].map(
        (match) => `${Number(match[2]) - QR_QUIET_ZONE},${Number(match[1]) - QR_QUIET_ZONE}`,
      ),
    );
    const dark = modules.flatMap((row, y) => row.flatMap((isDark, x) => (isDark ? [`${y},${x}`] : [])));
    expect(drawn).toEqual(new Set(dark));
    // The 7×7 finder pattern in the top-left corner: a dark ring around a dark 3×3 core.
    expect(modules[0]?.slice(0, 7)).toEqual([true, true, true, true, true, true, true]);
    expect(modules[1]?.slice(0, 7)).toEqual([true, false, false, false, false, false, true]);
    expect(modules[3]?.slice(0, 7)).toEqual([true, false, true, true, true, false, true]);
    expect(await page.getByRole('img', { name: 'QR code to scan with your phone' }).count()).toBe(1);
    const box = await svg.boundingBox();
    expect(box?.width).toBeGreaterThan(150);
    await expectAccessible(page);

    const phone = await openSandboxPhone(context, page);
    expect(phone.url()).toBe(qrData);
    expect(await phone.locator('h1').textContent()).toBe('Mock QR provider (sandbox)');
    await page.waitForSelector('[data-idgate-poll][data-status="authenticating"]');
    expect(await page.getByRole('status').textContent()).toBe('The code was scanned. Confirm on your phone.');
    await phone.getByRole('button', { name: 'deny', exact: true }).click();
    await phone.waitForSelector('text=Verification finished');

    expectErrorQuery(await backAtApp(page, env), env, {
      error: 'access_denied',
      description: 'err_not_authenticated',
      txState: 'failed',
    });
    await csp.expectNone();
    await context.close();
  });

  it('cancel on a waiting page: back at the app with err_user_cancelled, tx_state=cancelled', async () => {
    const { context, csp } = await newContext();
    const page = await context.newPage();
    await page.goto(authorizeUrl(env, { provider_hint: 'mock-qr' }));
    await page.waitForSelector('svg.qr');
    await page.getByRole('button', { name: 'Cancel' }).click();
    expectErrorQuery(await backAtApp(page, env), env, {
      error: 'access_denied',
      description: 'err_user_cancelled',
      txState: 'cancelled',
    });
    await csp.expectNone();
    await context.close();
  });

  it('without script: a noscript refresh is in place, and "check again" moves on', async () => {
    const context = await browser.newContext({ locale: 'en-US', javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(authorizeUrl(env, { provider_hint: 'mock-push', login_hint: 'timeout' }));
    await page.waitForSelector('[data-idgate-poll]');
    expect(await page.locator('meta[http-equiv="refresh"][content="5"]').count()).toBe(1);
    const phone = await context.newPage();
    const flowUrl = `${env.live.baseUrl}/flow/${new URL(page.url()).pathname.split('/').at(-1)}`;
    await phone.goto(flowUrl);
    await phone.getByRole('button', { name: 'success', exact: true }).click();
    // "Check again" works without script too.
    await page.getByRole('link', { name: 'Check again' }).click();
    const query = await backAtApp(page, env);
    expect([...query.keys()]).toEqual(['code', 'state', 'iss']);
    await context.close();
  });
});
