/**
 * The hosted pages, error pages and the error reference in headless Chromium on a phone
 * (390 × 844): every page fits without horizontal scrolling; in German
 * (`ui_locales=de`, `Accept-Language: de`) no page shows a string of its English twin;
 * the QR page offers the request on this device and counts down the time left; a
 * branded app's pages show its name, logo and colours within the CSP. Every page is
 * checked with axe-core and must report no CSP violation.
 */
import { createServer, type Server } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTimeLeft } from '../../src/ui/waiting.page.js';
import { createClient } from '../authorize/helpers.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import {
  authorizeUrl,
  type BrowserTestEnvironment,
  backAtApp,
  type CspWatch,
  computedStyle,
  expectAccessible,
  launchChromium,
  PHONE_VIEWPORT,
  scrollWidth,
  startBrowserTestEnvironment,
  visibleTexts,
  watchCsp,
} from './browser-support.js';

/** Browser flows run on the first configured database; the inject tests cover every one. */
const KIND = TEST_DATABASE_KINDS[0] ?? 'sqlite';

/** A walk over every page (two languages, axe on each) takes 11–14 s alone here, more beside other files. */
const WALK_TIMEOUT_MS = 60_000;

/** German words that are the same in English (a German page may show them). */
const SAME_IN_BOTH: ReadonlySet<string> = new Set(['Status']);

type Language = 'en' | 'de';

describe(`pages on a phone and in German, in Chromium (${KIND})`, () => {
  let browser: Browser;
  let env: BrowserTestEnvironment;

  beforeAll(async () => {
    [browser, env] = await Promise.all([launchChromium(), startBrowserTestEnvironment(KIND)]);
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  async function phoneContext(language: Language): Promise<{ context: BrowserContext; csp: CspWatch }> {
    const context = await browser.newContext({
      viewport: PHONE_VIEWPORT,
      locale: language === 'de' ? 'de-DE' : 'en-US',
      isMobile: true,
      hasTouch: true,
    });
    return { context, csp: await watchCsp(context) };
  }

  /** Asserts the page fits the phone and passes axe; returns what it says. */
  async function checkPage(page: Page, name: string): Promise<string[]> {
    expect(await scrollWidth(page), `${name} (${page.url()}) is wider than the phone`).toBeLessThanOrEqual(
      PHONE_VIEWPORT.width,
    );
    await expectAccessible(page);
    return visibleTexts(page);
  }

  /** Walks every hosted page and error page in one language; returns each page's texts. */
  async function walkHostedPages(language: Language): Promise<Record<string, string[]>> {
    const { context, csp } = await phoneContext(language);
    const texts: Record<string, string[]> = {};
    const page = await context.newPage();

    await page.goto(authorizeUrl(env, { ui_locales: language }));
    texts.choice = await checkPage(page, 'provider choice');

    await page.locator('a[href$="/identify/mock-push"]').click();
    await page.waitForURL(/\/identify\/mock-push$/);
    texts.identify = await checkPage(page, 'identifier entry');
    await page.locator('form:has(input[name^="userData"]) button[type=submit]').click();
    await page.waitForSelector('.error-summary');
    texts.identifyErrors = await checkPage(page, 'identifier entry with errors');
    await page.locator('input[name^="userData"]').fill('timeout');
    await page.locator('form:has(input[name^="userData"]) button[type=submit]').click();
    await page.waitForSelector('[data-idgate-poll][data-status="pending"]');
    texts.pushWaiting = await checkPage(page, 'push waiting');
    await page.locator('form[action$="/cancel"] button').click();
    await backAtApp(page, env);

    await page.goto(authorizeUrl(env, { ui_locales: language }));
    await page.locator('form:has(input[name=provider][value=mock-qr]) button').click();
    await page.waitForSelector('[data-idgate-poll][data-status="pending"]');
    texts.qrWaiting = await checkPage(page, 'QR waiting');

    const phoneUrl = (await page.locator('.sandbox-banner a').getAttribute('href')) ?? '';
    const phone = await context.newPage();
    await phone.goto(phoneUrl);
    texts.mockScreen = await checkPage(phone, 'mock screen');
    await phone.locator('button[value=deny]').click();
    await phone.waitForSelector('h1');
    texts.finished = await checkPage(phone, 'finished');
    await backAtApp(page, env);

    const unknownClient = new URLSearchParams({
      client_id: 'test_unknown_client',
      redirect_uri: env.callback.redirectUri,
      response_type: 'code',
      scope: 'openid',
      ui_locales: language,
    });
    await page.goto(`${env.live.baseUrl}/authorize?${unknownClient.toString()}`);
    texts.errorPage = await checkPage(page, 'error page (unknown client)');
    await page.goto(`${env.live.baseUrl}/authorize/vrf_test_000000000000000000000000?ui_locales=${language}`);
    texts.sessionNotFound = await checkPage(page, 'error page (unknown transaction)');

    await csp.expectNone();
    await context.close();
    return texts;
  }

  it(
    'every hosted page and error page fits 390 px, in English and in German, and German shows no English string',
    async () => {
      const english = await walkHostedPages('en');
      const german = await walkHostedPages('de');
      expect(Object.keys(german)).toEqual(Object.keys(english));
      for (const [name, germanTexts] of Object.entries(german)) {
        const englishTexts = new Set(english[name]);
        expect(germanTexts.length, name).toBeGreaterThan(2);
        const shared = germanTexts.filter((text) => englishTexts.has(text) && !SAME_IN_BOTH.has(text));
        expect(shared, `English on the German ${name} page`).toEqual([]);
      }
      // The English developer detail waits folded on German error pages, behind a German summary.
      expect(german.errorPage).toContain('Technische Angaben für Entwickler (auf Englisch)');
      expect(english.errorPage?.some((text) => text.includes('client_id'))).toBe(true);
    },
    WALK_TIMEOUT_MS,
  );

  it(
    'the error reference and the demo callback fit 390 px',
    async () => {
      const { context, csp } = await phoneContext('en');
      const page = await context.newPage();
      const paths = [
        '/errors',
        '/errors/VALIDATION_UNSUPPORTED_RESPONSE_TYPE',
        '/errors/PROVIDER_AUTHENTICATION_FAILED',
        '/errors/err_signin_hook_unavailable',
        '/errors/400',
        '/errors/503',
        '/errors/invalid_request',
        '/errors/access_denied',
        '/docs/api',
        `/demo/callback?code=${'c'.repeat(43)}&state=xyz&iss=${encodeURIComponent(env.live.baseUrl)}`,
        '/demo/callback?error=access_denied&error_description=err_user_account_blocked&tx_state=failed&state=xyz&errMsg=User%20has%20self-excluded&errCode=1001',
      ];
      for (const path of paths) {
        const response = await page.goto(`${env.live.baseUrl}${path}`);
        expect(response?.status(), path).toBe(200);
        await checkPage(page, path);
      }
      await csp.expectNone();
      await context.close();
    },
    WALK_TIMEOUT_MS,
  );

  it('a code page renders its Markdown: backticks are code, never shown raw', async () => {
    const { context } = await phoneContext('en');
    const page = await context.newPage();
    await page.goto(`${env.live.baseUrl}/errors/AUTH_INVALID_CREDENTIALS`);
    const causes = await page.locator('h2:text("Common causes") + ul').textContent();
    expect(causes).toContain('(test_ prefix)');
    expect(causes).not.toContain('`');
    expect(await page.locator('h2:text("Common causes") + ul code').first().textContent()).toBe('test_');
    await context.close();
  });

  it('the QR page on a phone: open on this device, and the time left counting down', async () => {
    const { context, csp } = await phoneContext('en');
    const page = await context.newPage();
    await page.goto(authorizeUrl(env));
    await page.getByRole('button', { name: 'Continue with Mock QR provider' }).click();
    await page.waitForSelector('[data-idgate-poll][data-status="pending"]');

    const qrData = (await page.locator('details pre code').textContent()) ?? '';
    expect(qrData).toMatch(new RegExp(`^${env.live.baseUrl}/flow/`));
    const link = page.getByRole('link', { name: 'Open on this device', exact: true });
    expect(await link.getAttribute('href')).toBe(qrData);
    const box = await link.boundingBox();
    expect(box).not.toBeNull();
    expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(PHONE_VIEWPORT.width);
    expect(box?.y ?? Number.POSITIVE_INFINITY).toBeLessThan(PHONE_VIEWPORT.height);

    const countdown = page.locator('[data-idgate-countdown]');
    const secondsLeft = Number(await countdown.getAttribute('data-seconds-left'));
    expect(secondsLeft).toBeGreaterThan(60);
    // The script may tick once between reading the attribute and the text (a slow machine).
    const shown = [formatTimeLeft(secondsLeft), formatTimeLeft(secondsLeft - 1)];
    expect(shown).toContain(await countdown.textContent());
    expect(shown.map((time) => `Time left: ${time}`)).toContain(
      await page.locator('p:has([data-idgate-countdown])').textContent(),
    );
    // The poll script counts down by itself (idgate's clock stands still meanwhile).
    await expect.poll(() => countdown.textContent(), { timeout: 5_000 }).toBe(formatTimeLeft(secondsLeft - 2));
    expect(await scrollWidth(page)).toBeLessThanOrEqual(PHONE_VIEWPORT.width);
    await expectAccessible(page);

    // On this device: the link opens the request here (the sandbox phone plays the app).
    await link.click();
    await page.waitForURL(/\/flow\//);
    await page.getByRole('button', { name: 'success', exact: true }).click();
    await page.waitForSelector('h1:text("Verification finished")');
    await csp.expectNone();
    await context.close();
  });

  describe('a branded app', () => {
    let logoServer: Server;
    let logoOrigin: string;
    const LOGO =
      '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40"><rect width="120" height="40" fill="#7a1f5c"/></svg>';

    beforeAll(async () => {
      logoServer = createServer(function serveLogo(request, response) {
        if (request.url !== '/logo.svg') {
          response.writeHead(404).end();
          return;
        }
        response.writeHead(200, { 'content-type': 'image/svg+xml' }).end(LOGO);
      });
      await new Promise<void>((resolve) => logoServer.listen(0, '127.0.0.1', resolve));
      const address = logoServer.address();
      logoOrigin = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    });
    afterAll(async () => {
      logoServer?.closeAllConnections();
      await new Promise<void>((resolve) => logoServer?.close(() => resolve()) ?? resolve());
    });

    it('shows its name and logo (loaded from its origin, allowed by that page’s CSP) and its colours', async () => {
      const branded = await createClient(env.live, {
        name: 'Acme internal name',
        redirectUris: [env.callback.redirectUri],
        branding: {
          name: 'Acme Bank',
          logoUrl: `${logoOrigin}/logo.svg`,
          primaryColor: '#7a1f5c',
          accentColor: '#00607a',
        },
      });
      const { context, csp } = await phoneContext('en');
      const page = await context.newPage();
      const response = await page.goto(authorizeUrl(env, { client_id: branded.clientId }));
      expect(response?.headers()['content-security-policy']).toContain(`img-src 'self' data: ${logoOrigin};`);
      expect(await page.locator('.brand').textContent()).toBe('Acme Bank');
      expect(await page.locator('main p').first().textContent()).toBe(
        'Acme Bank asks you to verify your identity. Choose how:',
      );
      await expect
        .poll(() =>
          page.locator('.brand-logo').evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth),
        )
        .toBe(120);
      expect(await computedStyle(page, 'button[type=submit]:not(.secondary)', 'background-color')).toBe(
        'rgb(122, 31, 92)',
      );
      expect(await computedStyle(page, '.site-header', 'border-bottom-color')).toBe('rgb(0, 96, 122)');
      expect(await page.locator('[style]').count()).toBe(0);
      expect(await page.locator('style').count()).toBe(0);
      expect(await scrollWidth(page)).toBeLessThanOrEqual(PHONE_VIEWPORT.width);
      await expectAccessible(page);
      await csp.expectNone();

      // Another app's pages keep idgate's own look.
      await page.goto(authorizeUrl(env));
      expect(await page.locator('.brand').textContent()).toBe('idgate');
      expect(await computedStyle(page, 'button[type=submit]:not(.secondary)', 'background-color')).toBe(
        'rgb(11, 79, 179)',
      );
      await context.close();
    });
  });
});
