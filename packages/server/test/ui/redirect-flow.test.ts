/**
 * The hosted pages in headless Chromium, part 1: the provider choice and the redirect
 * flow through the sandbox mock screen (success, then the code works at /token; deny),
 * the languages (`ui_locales`, `Accept-Language`), and the error page of requests idgate
 * must not redirect. Every idgate page is checked with axe-core and must report no CSP
 * violation.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import {
  authorizeUrl,
  type BrowserTestEnvironment,
  backAtApp,
  type CspWatch,
  computedStyle,
  expectAccessible,
  expectErrorQuery,
  focusedElement,
  launchChromium,
  startBrowserTestEnvironment,
  watchCsp,
} from './browser-support.js';

/** Browser flows run on the first configured database; hosted-pages.test.ts covers every one. */
const KIND = TEST_DATABASE_KINDS[0] ?? 'sqlite';

describe(`hosted pages in Chromium: redirect flow and errors (${KIND})`, () => {
  let browser: Browser;
  let env: BrowserTestEnvironment;

  beforeAll(async () => {
    [browser, env] = await Promise.all([launchChromium(), startBrowserTestEnvironment(KIND)]);
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  async function newContext(locale = 'en-US'): Promise<{ context: BrowserContext; csp: CspWatch }> {
    const context = await browser.newContext({ locale });
    return { context, csp: await watchCsp(context) };
  }

  it('provider choice → mock screen → success: the app gets a code that works at /token', async () => {
    const { context, csp } = await newContext();
    const page = await context.newPage();
    const response = await page.goto(authorizeUrl(env));
    expect(response?.status()).toBe(200);
    const headers = response?.headers() ?? {};
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['cache-control']).toBe('no-store');

    await expect.poll(() => page.title()).toBe('Verify your identity');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.locator('h1').textContent()).toBe('Verify your identity');
    expect(await page.locator('main p').first().textContent()).toBe(
      'Demo Shop asks you to verify your identity. Choose how:',
    );
    expect(await page.locator('.provider h3').allTextContents()).toEqual([
      'Mock redirect provider',
      'Mock QR provider',
      'Mock push provider',
      'Mock wallet (EU PID)',
    ]);
    expect(await page.locator('.provider').nth(1).locator('dd').allTextContents()).toEqual([
      'QR code: Scan a QR code with your phone.',
      'All countries',
    ]);
    // The stylesheet applied (served by idgate, allowed by the CSP): the main box is white.
    expect(await computedStyle(page, 'main', 'background-color')).toBe('rgb(255, 255, 255)');
    await expectAccessible(page);

    // Keyboard: the first stop after the header is the first provider's button.
    await page.keyboard.press('Tab');
    expect((await focusedElement(page)).text).toBe('Continue with Mock redirect provider');
    // Focus is visible: the stylesheet draws an outline around the focused button.
    expect(await computedStyle(page, 'button:focus-visible', 'outline-style')).toBe('solid');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/flow\//);
    expect(await page.locator('h1').textContent()).toBe('Mock redirect provider (sandbox)');
    expect(await page.locator('.sandbox-banner').textContent()).toContain('simulated identity provider');
    expect(await page.locator('.badge').textContent()).toBe('Sandbox');
    await expectAccessible(page);

    await page.getByRole('button', { name: 'success', exact: true }).click();
    const query = await backAtApp(page, env);
    expect([...query.keys()]).toEqual(['code', 'state', 'iss']);
    expect(query.get('state')).toBe('st-browser');
    expect(query.get('iss')).toBe(env.live.baseUrl);
    await csp.expectNone();

    const token = await fetch(`${env.live.baseUrl}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${env.client.clientId}:${env.client.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: query.get('code') ?? '',
        redirect_uri: env.callback.redirectUri,
      }),
    });
    expect(token.status).toBe(200);
    const tokens = (await token.json()) as Record<string, unknown>;
    expect(tokens.token_type).toBe('Bearer');
    expect(typeof tokens.access_token).toBe('string');
    expect(typeof tokens.id_token).toBe('string');
    await context.close();
  });

  it('deny at the mock screen: back at the app with access_denied, err_not_authenticated', async () => {
    const { context, csp } = await newContext();
    const page = await context.newPage();
    await page.goto(authorizeUrl(env));
    await page.getByRole('button', { name: 'Continue with Mock redirect provider' }).click();
    await page.waitForURL(/\/flow\//);
    await page.getByRole('button', { name: 'deny', exact: true }).click();
    expectErrorQuery(await backAtApp(page, env), env, {
      error: 'access_denied',
      description: 'err_not_authenticated',
      txState: 'failed',
    });
    await csp.expectNone();
    await context.close();
  });

  it('ui_locales=de: the pages speak German, whatever the browser prefers', async () => {
    const { context, csp } = await newContext('en-US');
    const page = await context.newPage();
    await page.goto(authorizeUrl(env, { ui_locales: 'de' }));
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    expect(await page.title()).toBe('Identität bestätigen');
    expect(await page.locator('main p').first().textContent()).toBe(
      'Demo Shop bittet Sie, Ihre Identität zu bestätigen. Wählen Sie, wie:',
    );
    expect(await page.getByRole('button', { name: 'Weiter mit Mock QR provider' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Weiter mit Mock push provider' }).count()).toBe(1);
    expect(await page.locator('.provider').first().locator('dd').last().textContent()).toBe('Alle Länder');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Abbrechen' }).click();
    expectErrorQuery(await backAtApp(page, env), env, {
      error: 'access_denied',
      description: 'err_user_cancelled',
      txState: 'cancelled',
    });
    await csp.expectNone();
    await context.close();
  });

  const ERROR_PAGES = [
    {
      locale: 'en-US',
      lang: 'en',
      title: 'Something went wrong',
      codeLabel: 'Error code',
      requestIdLabel: 'Request ID',
    },
    {
      locale: 'de-DE',
      lang: 'de',
      title: 'Etwas ist schiefgelaufen',
      codeLabel: 'Fehlercode',
      requestIdLabel: 'Anfrage-ID',
    },
  ] as const;

  it.each(ERROR_PAGES)(
    'unknown client: the error page in $lang, with the request id, never a redirect',
    async (expected) => {
      const { context, csp } = await newContext(expected.locale);
      const page = await context.newPage();
      const response = await page.goto(
        `${env.live.baseUrl}/authorize?${new URLSearchParams({
          client_id: 'test_unknown_client',
          redirect_uri: env.callback.redirectUri,
          response_type: 'code',
          scope: 'openid',
          state: 'st-browser',
        }).toString()}`,
      );
      expect(response?.status()).toBe(400);
      expect(page.url().startsWith(env.live.baseUrl)).toBe(true);
      expect(env.callback.received.every((query) => query.get('client_id') === null)).toBe(true);
      const requestId = response?.headers()['x-request-id'] ?? '';
      expect(requestId).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
      expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");

      expect(await page.getAttribute('html', 'lang')).toBe(expected.lang);
      expect(await page.title()).toBe(expected.title);
      expect(await page.locator('h1').textContent()).toBe(expected.title);
      const terms = await page.locator('dt').allTextContents();
      const values = await page.locator('dd').allTextContents();
      const listed = Object.fromEntries(terms.map((term, index) => [term, values[index]]));
      expect(listed).toMatchObject({
        [expected.codeLabel]: 'AUTH_INVALID_CLIENT',
        [expected.requestIdLabel]: requestId,
      });
      // The time to quote with the request id (UTC).
      expect(Object.keys(listed)).toHaveLength(3);
      expect(Object.values(listed)[2]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      const alert = (await page.getByRole('alert').textContent()) ?? '';
      expect(alert.length).toBeGreaterThan(10);
      const docLink = page.locator(
        `a[href^="${env.live.baseUrl}/errors/AUTH_INVALID_CLIENT?request_id=${requestId}&at="]`,
      );
      expect(await docLink.count()).toBe(1);
      const text = (await page.locator('body').textContent()) ?? '';
      expect(text).not.toMatch(/\bat \w+ \(|node_modules|Error:|\.ts:\d+/);
      await expectAccessible(page);
      await csp.expectNone();

      await docLink.click();
      await page.waitForURL((url) => url.href.startsWith(`${env.live.baseUrl}/errors/AUTH_INVALID_CLIENT?`));
      expect(await page.locator('h1').textContent()).toBe('AUTH_INVALID_CLIENT');
      await context.close();
    },
  );

  it('an unknown transaction: SESSION_NOT_FOUND as a page, in the language of ui_locales', async () => {
    const { context, csp } = await newContext('en-US');
    const page = await context.newPage();
    const response = await page.goto(`${env.live.baseUrl}/authorize/vrf_test_000000000000000000000000?ui_locales=de`);
    expect(response?.status()).toBe(404);
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    expect(await page.locator('dd code').first().textContent()).toBe('SESSION_NOT_FOUND');
    await expectAccessible(page);
    await csp.expectNone();
    await context.close();
  });
});
