/**
 * The operator's support contact (issue 14) in Chromium: with `IDGATE_SUPPORT_URL` and
 * `IDGATE_SUPPORT_EMAIL` set, an error page shows them with the request id and the time a
 * person should quote (in English and German), and the page's link to the code's doc page
 * carries both, so `/errors/{CODE}` repeats them next to the same contact.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import {
  type BrowserTestEnvironment,
  expectAccessible,
  launchChromium,
  startBrowserTestEnvironment,
  watchCsp,
} from './browser-support.js';

const KIND = TEST_DATABASE_KINDS[0] ?? 'sqlite';
const SUPPORT_URL = 'https://help.shop.example/identity';
const SUPPORT_EMAIL = 'identity-support@shop.example';

describe(`the support contact in Chromium (${KIND})`, () => {
  let browser: Browser;
  let env: BrowserTestEnvironment;

  beforeAll(async () => {
    [browser, env] = await Promise.all([
      launchChromium(),
      startBrowserTestEnvironment(KIND, { IDGATE_SUPPORT_URL: SUPPORT_URL, IDGATE_SUPPORT_EMAIL: SUPPORT_EMAIL }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it.each([
    ['en-US', 'Contact support', 'Request ID', 'Time (UTC)', 'Support page', 'Email'],
    ['de-DE', 'Support kontaktieren', 'Anfrage-ID', 'Zeitpunkt (UTC)', 'Support-Seite', 'E-Mail'],
  ])(
    'an error page (%s) shows the contact, the request id and the time to quote',
    async (locale, title, idLabel, timeLabel, urlLabel, emailLabel) => {
      const context = await browser.newContext({ locale });
      const csp = await watchCsp(context);
      try {
        const page = await context.newPage();
        const response = await page.goto(`${env.live.baseUrl}/authorize/vrf_test_000000000000000000000000`);
        expect(response?.status()).toBe(404);
        const requestId = response?.headers()['x-request-id'] ?? '';
        expect(requestId).not.toBe('');

        const terms = await page.locator('main > dl dt').allTextContents();
        const values = await page.locator('main > dl dd').allTextContents();
        const listed = Object.fromEntries(terms.map((term, index) => [term, values[index]]));
        expect(listed[idLabel]).toBe(requestId);
        const at = listed[timeLabel] ?? '';
        expect(at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

        const support = page.getByRole('region', { name: title });
        expect(await support.getByRole('heading').textContent()).toBe(title);
        const supportTerms = await support.locator('dt').allTextContents();
        expect(supportTerms).toEqual([urlLabel, emailLabel]);
        expect(await support.getByRole('link', { name: SUPPORT_URL }).getAttribute('href')).toBe(SUPPORT_URL);
        expect(await support.getByRole('link', { name: SUPPORT_EMAIL }).getAttribute('href')).toBe(
          `mailto:${SUPPORT_EMAIL}`,
        );
        await expectAccessible(page);

        // The doc page of the code repeats what to quote, next to the same contact.
        await page.locator(`a[href^="${env.live.baseUrl}/errors/SESSION_NOT_FOUND?"]`).click();
        await page.waitForURL((url) => url.pathname === '/errors/SESSION_NOT_FOUND');
        expect(await page.locator('h1').textContent()).toBe('SESSION_NOT_FOUND');
        const docText = (await page.locator('main').textContent()) ?? '';
        expect(docText).toContain(requestId);
        expect(docText).toContain(at);
        expect(await page.getByRole('link', { name: SUPPORT_EMAIL }).getAttribute('href')).toBe(
          `mailto:${SUPPORT_EMAIL}`,
        );
        expect(await page.getByRole('link', { name: SUPPORT_URL }).count()).toBe(1);
        await expectAccessible(page);
        await csp.expectNone();
      } finally {
        await context.close();
      }
    },
  );

  it('a doc page reached directly shows the contact without a request; a forged quote is ignored', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    try {
      const page = await context.newPage();
      await page.goto(`${env.live.baseUrl}/errors/SESSION_NOT_FOUND?request_id=%3Cscript%3E&at=yesterday`);
      expect(await page.getByRole('heading', { name: 'Your request' }).count()).toBe(0);
      expect(await page.getByRole('link', { name: SUPPORT_EMAIL }).count()).toBe(1);
      expect(await page.content()).not.toContain('<script>');
    } finally {
      await context.close();
    }
  });
});
