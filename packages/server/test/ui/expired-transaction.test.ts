/**
 * An expired `/authorize` transaction in a real browser (issue 14): the user comes back to
 * the hosted page after the transaction expired, and Chromium still holds the binding
 * cookie, so the page sends it back to the app with `error=access_denied`,
 * `err_session_expired` and `tx_state=expired` (not "started in another browser").
 *
 * idgate's clock is injected and moved by the test; the browser's cookie jar runs on the
 * real clock, so the test ages the browser's cookies by the same amount (each cookie is
 * written back with its expiry moved earlier; one that would have expired is dropped, as
 * Chromium would).
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTHORIZATION_TTL_SECONDS } from '../../src/verification/session-records.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import {
  authorizeUrl,
  type BrowserTestEnvironment,
  backAtApp,
  expectErrorQuery,
  launchChromium,
  startBrowserTestEnvironment,
} from './browser-support.js';

const KIND = TEST_DATABASE_KINDS[0] ?? 'sqlite';

/** Moves the browser's cookie jar `ms` into the future, as idgate's clock was moved. */
async function ageCookies(context: BrowserContext, ms: number): Promise<void> {
  const cookies = await context.cookies();
  await context.clearCookies();
  const nowSeconds = Date.now() / 1000;
  const kept = cookies
    .filter((cookie) => cookie.expires === -1 || cookie.expires - ms / 1000 > nowSeconds)
    .map((cookie) => (cookie.expires === -1 ? cookie : { ...cookie, expires: cookie.expires - ms / 1000 }));
  if (kept.length > 0) await context.addCookies(kept);
}

describe(`an expired transaction in Chromium (${KIND})`, () => {
  let browser: Browser;
  let env: BrowserTestEnvironment;

  beforeAll(async () => {
    [browser, env] = await Promise.all([launchChromium(), startBrowserTestEnvironment(KIND)]);
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('redirects to the app with tx_state=expired when the user returns after the expiry', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    try {
      const page = await context.newPage();
      expect((await page.goto(authorizeUrl(env)))?.status()).toBe(200);
      await expect.poll(() => page.title()).toBe('Verify your identity');
      const pageUrl = page.url();

      // The user leaves the tab; the transaction expires (and a minute more passes).
      const away = (AUTHORIZATION_TTL_SECONDS + 60) * 1000;
      env.advance(away);
      await ageCookies(context, away);
      expect((await context.cookies()).map((cookie) => cookie.name)).toContain('idgate_tx');

      await page.goto(pageUrl);
      const query = await backAtApp(page, env);
      expectErrorQuery(query, env, { error: 'access_denied', description: 'err_session_expired', txState: 'expired' });
    } finally {
      await context.close();
    }
  });
});
