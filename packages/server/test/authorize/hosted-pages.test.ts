/**
 * The hosted pages, driven like a browser through `inject`: the provider choice, the
 * mock provider's screen, the waiting page of QR and push flows, cancellation, CSRF and
 * the transaction cookie, languages, escaping and security headers, and the way back to
 * the app (`303` with the code or the error, like the headless path).
 */
import type { TxStatusCode } from '@idgate/errors';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MOCK_ANSWER_MS, MOCK_USER_AT_PROVIDER_MS } from '../../src/providers/mock/mock-provider.js';
import { ASSET_CACHE_CONTROL, POLL_SCRIPT_ASSET, STYLESHEET_ASSET } from '../../src/ui/assets.js';
import { QR_QUIET_ZONE, qrModules } from '../../src/ui/qr-code.js';
import { AUTHORIZATION_TTL_SECONDS } from '../../src/verification/verification.service.js';
import { createTestApp, TEST_ISSUER, type TestApp } from '../support/app.js';
import { expectAuthorizeRedirectError } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import {
  authorizeUrl,
  bindingCookieOf,
  createClient,
  csrfTokenOf,
  expectCodeRedirect,
  form,
  issuerPath,
  locationOf,
  onlyTransaction,
  REDIRECT_URI,
  type TestClient,
  validParams,
} from './helpers.js';

/** A browser in the middle of a transaction. */
interface Browser {
  readonly txId: string;
  readonly cookie: string;
  readonly pagePath: string;
}

/** Asserts the headers of every hosted HTML page. */
function expectPageHeaders(res: LightMyRequestResponse, lang = 'en'): void {
  expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  const csp = String(res.headers['content-security-policy']);
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self';");
  expect(csp).toContain("style-src 'self';");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['content-language']).toBe(lang);
  expect(res.body).toMatch(new RegExp(`^<!doctype html>\\n<html lang="${lang}">`));
  // No inline script: at most the static poll script, by URL.
  for (const script of res.body.match(/<script[^>]*>[^<]*<\/script>/g) ?? []) {
    expect(script).toMatch(/^<script src="\/assets\/poll-[0-9a-f]{16}\.js" defer><\/script>$/);
  }
  expect(res.body.match(/<script/g)?.length ?? 0).toBe(res.body.match(/<script src=/g)?.length ?? 0);
  expect(res.body).not.toMatch(/\sstyle=|<style/);
  expect(res.body).toMatch(/<link rel="stylesheet" href="\/assets\/hosted-[0-9a-f]{16}\.css">/);
  expect(res.body).toContain('<main>');
}

/**
 * Asserts that the page draws a real QR code of `data`: the dark modules of the SVG path
 * are exactly those qrcode-generator computes for it.
 */
function expectQrCodeOf(body: string, data: string): void {
  const svg = /<svg class="qr"[^>]*data-modules="(\d+)"[^>]*>[\s\S]*?<path fill="#000000" d="([^"]*)"\/>\n<\/svg>/.exec(
    body,
  );
  expect(svg, 'an inline QR code SVG').not.toBeNull();
  const expected = qrModules(data);
  expect(Number(svg?.[1])).toBe(expected.length);
  const drawn = new Set(
    [...(svg?.[2] ?? '').matchAll(/M(\d+) (\d+)h1v1h-1z/g)].map(
      (match) => `${Number(match[2]) - QR_QUIET_ZONE},${Number(match[1]) - QR_QUIET_ZONE}`,
    ),
  );
  const dark = new Set(expected.flatMap((row, y) => row.flatMap((isDark, x) => (isDark ? [`${y},${x}`] : []))));
  expect(drawn.size).toBeGreaterThan(100);
  expect(drawn).toEqual(dark);
}

/** Asserts an HTML error page of the `page` surface. */
function expectErrorPage(res: LightMyRequestResponse, code: string, status: number): void {
  expect(res.body, res.body.slice(0, 300)).toContain(`<code>${code}</code>`);
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(res.headers.location).toBeUndefined();
}

/** Asserts a hosted page's `303` back to the app with an error. */
function expectHostedRedirectError(
  res: LightMyRequestResponse,
  txStatus: TxStatusCode,
  expected: { state?: string; txState?: string } = {},
): URLSearchParams {
  expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  return expectAuthorizeRedirectError({ ...res, statusCode: 302 }, txStatus, {
    redirectUri: REDIRECT_URI,
    state: expected.state ?? 'st-123',
    ...(expected.txState === undefined ? {} : { txState: expected.txState }),
  });
}

describe.each(TEST_DATABASE_KINDS)('hosted pages on %s', (kind) => {
  let t: TestApp;
  let client: TestClient;
  let now = Date.parse('2026-11-22T10:00:00.000Z');

  beforeAll(async () => {
    t = await createTestApp(kind, { clock: () => new Date(now) });
    client = await createClient(t, { name: 'Shop <b>"&\'</b>' });
  });
  beforeEach(() => {
    now += 3_600_000;
  });
  afterAll(async () => {
    await t?.close();
  });

  async function inject(
    method: 'GET' | 'POST',
    url: string,
    options: {
      cookie?: string;
      fields?: Record<string, string> | readonly (readonly [string, string])[];
      headers?: Record<string, string>;
    } = {},
  ): Promise<LightMyRequestResponse> {
    const body = options.fields === undefined ? undefined : form(options.fields);
    return t.app.inject({
      method,
      url,
      headers: {
        ...body?.headers,
        ...(options.cookie === undefined ? {} : { cookie: options.cookie }),
        ...options.headers,
      },
      ...(body === undefined ? {} : { payload: body.payload }),
    });
  }

  /** Starts a transaction without provider_hint; returns the browser at the provider choice. */
  async function start(overrides: Record<string, string | undefined> = {}, who = client): Promise<Browser> {
    const res = await inject('GET', authorizeUrl(validParams(who.clientId, overrides)));
    expect(res.statusCode, res.headers.location as string).toBe(303);
    const pagePath = issuerPath(locationOf(res));
    const txId = pagePath.replace('/authorize/', '');
    return { txId, cookie: bindingCookieOf(res), pagePath };
  }

  /** Opens the choice page and posts a provider; returns the answer. */
  async function choose(
    browser: Browser,
    provider: string,
    extra: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    const page = await inject('GET', browser.pagePath, { cookie: browser.cookie });
    expectPageHeaders(page);
    return inject('POST', browser.pagePath, {
      cookie: browser.cookie,
      fields: { csrf_token: csrfTokenOf(page.body), provider, ...extra },
    });
  }

  /** Answers on the mock provider's screen as `identity`; returns the answer. */
  async function answer(path: string, identity: string): Promise<LightMyRequestResponse> {
    const screen = await inject('GET', path);
    expectPageHeaders(screen);
    return inject('POST', path, { fields: { csrf_token: csrfTokenOf(screen.body), identity } });
  }

  describe('the provider choice', () => {
    it('lists the app’s providers, escapes the app name, and carries a CSRF token', async () => {
      const browser = await start();
      const page = await inject('GET', browser.pagePath, { cookie: browser.cookie });
      expectPageHeaders(page);
      expect(page.body).toContain('<title>Verify your identity</title>');
      expect(page.body).toContain('Shop &lt;b&gt;&quot;&amp;&#39;&lt;/b&gt; asks you to verify your identity.');
      expect(page.body).not.toContain('<b>"&\'</b>');
      for (const provider of ['mock-redirect', 'mock-qr']) {
        expect(page.body).toContain(`name="provider" value="${provider}"`);
      }
      // mock-push needs a personal number first: a link to the identifier entry.
      expect(page.body).not.toContain('name="provider" value="mock-push"');
      expect(page.body).toContain(
        `<a class="button" href="${TEST_ISSUER}/authorize/${browser.txId}/identify/mock-push">Continue with Mock push provider</a>`,
      );
      expect(page.body).toContain('<h3 id="provider-1-name" translate="no">Mock QR provider</h3>');
      expect(page.body).toContain('<dt>How</dt><dd>QR code: Scan a QR code with your phone.</dd>');
      expect(page.body).toContain('<dt>Countries</dt><dd>All countries</dd>');
      expect(page.body).toContain('<p class="badge" translate="no">Sandbox</p>');
      expect(page.body).toContain(`action="${TEST_ISSUER}/authorize/${browser.txId}"`);
      expect(page.body).toContain(`action="${TEST_ISSUER}/authorize/${browser.txId}/cancel"`);
      csrfTokenOf(page.body);
      // Reading the page changes nothing.
      expect((await t.app.idgate.verifications.getTransaction(browser.txId)).status).toBe('initiated');
    });

    it('speaks German for Accept-Language: de, and ui_locales wins over Accept-Language', async () => {
      const german = await start();
      const byHeader = await inject('GET', german.pagePath, {
        cookie: german.cookie,
        headers: { 'accept-language': 'de-DE,de;q=0.9' },
      });
      expectPageHeaders(byHeader, 'de');
      expect(byHeader.body).toContain('<title>Identität bestätigen</title>');
      const byRequest = await start({ ui_locales: 'de en' });
      const page = await inject('GET', byRequest.pagePath, {
        cookie: byRequest.cookie,
        headers: { 'accept-language': 'en' },
      });
      expectPageHeaders(page, 'de');
      expect(page.body).toContain('Weiter mit Mock redirect provider');
    });

    it('offers only the providers that reach the requested level of assurance', async () => {
      const browser = await start({ acr_values: 'urn:idgate:loa:4' });
      const page = await inject('GET', browser.pagePath, { cookie: browser.cookie });
      expectPageHeaders(page);
      expect(page.body).toContain('value="mock-redirect"');
      expect(page.body).not.toContain('value="mock-qr"');
      expect(page.body).not.toContain('value="mock-push"');
    });

    it('refuses a browser without the transaction cookie: AUTH_FORBIDDEN', async () => {
      const browser = await start();
      expectErrorPage(await inject('GET', browser.pagePath), 'AUTH_FORBIDDEN', 403);
      const other = await start();
      expectErrorPage(await inject('GET', browser.pagePath, { cookie: other.cookie }), 'AUTH_FORBIDDEN', 403);
      expectErrorPage(await inject('GET', browser.pagePath, { cookie: 'idgate_tx=forged' }), 'AUTH_FORBIDDEN', 403);
    });

    it('refuses a choice without CSRF token, with a wrong one, or another transaction’s: AUTH_FORBIDDEN', async () => {
      const browser = await start();
      const other = await start();
      const otherPage = await inject('GET', other.pagePath, { cookie: other.cookie });
      const cases: Record<string, string>[] = [
        { provider: 'mock-redirect' },
        { provider: 'mock-redirect', csrf_token: '' },
        { provider: 'mock-redirect', csrf_token: 'x'.repeat(43) },
        { provider: 'mock-redirect', csrf_token: csrfTokenOf(otherPage.body) },
      ];
      for (const fields of cases) {
        expectErrorPage(
          await inject('POST', browser.pagePath, { cookie: browser.cookie, fields }),
          'AUTH_FORBIDDEN',
          403,
        );
      }
      expect((await t.app.idgate.verifications.getTransaction(browser.txId)).status).toBe('initiated');
    });

    it('an unknown transaction: SESSION_NOT_FOUND as an HTML page', async () => {
      for (const path of [
        '/authorize/vrf_test_000000000000000000000000',
        '/authorize/nonsense',
        '/flow/vrf_test_000000000000000000000000',
        '/flow/vrf_live_000000000000000000000000',
      ]) {
        expectErrorPage(await inject('GET', path), 'SESSION_NOT_FOUND', 404);
      }
      expectErrorPage(
        await inject('POST', '/authorize/vrf_test_000000000000000000000000', { fields: { provider: 'mock-qr' } }),
        'SESSION_NOT_FOUND',
        404,
      );
    });

    it('a choice without provider: VALIDATION_MISSING_PARAMETER, the transaction stays open', async () => {
      const browser = await start();
      const page = await inject('GET', browser.pagePath, { cookie: browser.cookie });
      const res = await inject('POST', browser.pagePath, {
        cookie: browser.cookie,
        fields: { csrf_token: csrfTokenOf(page.body) },
      });
      expectErrorPage(res, 'VALIDATION_MISSING_PARAMETER', 400);
      expect((await t.app.idgate.verifications.getTransaction(browser.txId)).status).toBe('initiated');
    });

    it('the identifier entry: labelled field, prefilled from login_hint, English and German', async () => {
      const browser = await start({ login_hint: 'timeout', ui_locales: 'de' });
      const page = await inject('GET', `${browser.pagePath}/identify/mock-push`, { cookie: browser.cookie });
      expectPageHeaders(page, 'de');
      expect(page.body).toContain('<title>Anmelden mit Mock push provider</title>');
      expect(page.body).toContain('<label for="field-0">Personennummer</label>');
      expect(page.body).toContain(
        '<input id="field-0" name="userData.personalNumber" type="text" autocomplete="off" spellcheck="false" required value="timeout" aria-describedby="field-0-hint">',
      );
      expect(page.body).toContain('name="provider" value="mock-push"');
      expect(page.body).not.toContain('aria-invalid');
      expect(page.body).not.toContain('error-summary');
      csrfTokenOf(page.body);
      // Without the cookie: refused like every page of the transaction.
      expectErrorPage(await inject('GET', `${browser.pagePath}/identify/mock-push`), 'AUTH_FORBIDDEN', 403);
    });

    it('the identifier entry of a provider that needs nothing, or is not offered, sends the browser to the choice', async () => {
      const browser = await start({ acr_values: 'urn:idgate:loa:4' });
      for (const provider of ['mock-redirect', 'mock-push', 'nonsense']) {
        const res = await inject('GET', `${browser.pagePath}/identify/${provider}`, { cookie: browser.cookie });
        expect(res.statusCode).toBe(303);
        expect(locationOf(res)).toBe(`${TEST_ISSUER}${browser.pagePath}`);
      }
    });

    it('refused user data: the identifier entry again, with field errors and the values typed', async () => {
      const browser = await start({ login_hint: 'success' });
      // An emptied field is missing, even though the request had a login_hint.
      const missing = await choose(browser, 'mock-push', { 'userData.personalNumber': '  ' });
      expect(missing.statusCode, missing.body.slice(0, 300)).toBe(400);
      expect(missing.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(missing.headers['content-security-policy']).toContain("script-src 'self'");
      expect(missing.body).toContain('<title>Error: Sign in with Mock push provider</title>');
      expect(missing.body).toContain(
        '<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus>',
      );
      expect(missing.body).toContain('<li><a href="#field-0">Enter your personal number.</a></li>');
      expect(missing.body).toContain('<p class="field-error" id="field-0-error">Enter your personal number.</p>');
      expect(missing.body).toContain('aria-describedby="field-0-hint field-0-error" aria-invalid="true">');

      const invalid = await choose(browser, 'mock-push', { 'userData.personalNumber': 'nobody <b>' });
      expect(invalid.statusCode).toBe(400);
      expect(invalid.body).toContain('<li><a href="#field-0">Enter a valid personal number.</a></li>');
      expect(invalid.body).toContain('value="nobody &lt;b&gt;"');
      expect((await t.app.idgate.verifications.getTransaction(browser.txId)).status).toBe('initiated');

      const tooLong = await choose(browser, 'mock-push', { 'userData.personalNumber': 'x'.repeat(300) });
      expect(tooLong.statusCode).toBe(400);
      expect(tooLong.body).toContain('Enter a valid personal number.');

      const retried = await choose(browser, 'mock-push', { 'userData.personalNumber': 'deny' });
      expect(retried.statusCode).toBe(303);
      expect(locationOf(retried)).toBe(`${TEST_ISSUER}${browser.pagePath}`);
    });

    it('no offered provider reaches the requested level any more: 303 to the app with err_loa_not_met', async () => {
      const fresh = await createClient(t);
      const browser = await start({ acr_values: 'urn:idgate:loa:4' }, fresh);
      // The providers that reach level 4: mock-redirect and mock-wallet.
      for (const provider of ['mock-redirect', 'mock-wallet']) {
        await t.app.idgate.apps.putProvider(fresh.clientId, provider, { enabled: false }, undefined);
      }
      expectHostedRedirectError(await inject('GET', browser.pagePath, { cookie: browser.cookie }), 'err_loa_not_met');
      expect((await onlyTransaction(t, fresh.clientId)).status_code).toBe('err_loa_not_met');
    });

    it('no provider enabled any more: 303 to the app with err_unauthorized_client', async () => {
      const fresh = await createClient(t);
      const browser = await start({}, fresh);
      for (const provider of ['mock-redirect', 'mock-qr', 'mock-push', 'mock-wallet']) {
        await t.app.idgate.apps.putProvider(fresh.clientId, provider, { enabled: false }, undefined);
      }
      expectHostedRedirectError(
        await inject('GET', browser.pagePath, { cookie: browser.cookie }),
        'err_unauthorized_client',
      );
    });

    it('a provider the app has disabled ends the transaction: err_unauthorized_client', async () => {
      const fresh = await createClient(t);
      const browser = await start({}, fresh);
      await t.app.idgate.apps.putProvider(fresh.clientId, 'mock-qr', { enabled: false }, undefined);
      expectHostedRedirectError(await choose(browser, 'mock-qr'), 'err_unauthorized_client');
      expect((await onlyTransaction(t, fresh.clientId)).status_code).toBe('err_unauthorized_client');
    });

    it('cancel: 303 to the app with err_user_cancelled, tx_state=cancelled', async () => {
      const browser = await start();
      const page = await inject('GET', browser.pagePath, { cookie: browser.cookie });
      const res = await inject('POST', `${browser.pagePath}/cancel`, {
        cookie: browser.cookie,
        fields: { csrf_token: csrfTokenOf(page.body) },
      });
      const query = expectHostedRedirectError(res, 'err_user_cancelled', { txState: 'cancelled' });
      expect(query.get('error')).toBe('access_denied');
      // The transaction is over: the page sends the browser to the app again.
      expectHostedRedirectError(
        await inject('GET', browser.pagePath, { cookie: browser.cookie }),
        'err_user_cancelled',
        {
          txState: 'cancelled',
        },
      );
    });

    it('cancel needs the CSRF token and the cookie', async () => {
      const browser = await start();
      expectErrorPage(
        await inject('POST', `${browser.pagePath}/cancel`, { cookie: browser.cookie, fields: {} }),
        'AUTH_FORBIDDEN',
        403,
      );
      const page = await inject('GET', browser.pagePath, { cookie: browser.cookie });
      expectErrorPage(
        await inject('POST', `${browser.pagePath}/cancel`, { fields: { csrf_token: csrfTokenOf(page.body) } }),
        'AUTH_FORBIDDEN',
        403,
      );
      expect((await t.app.idgate.verifications.getTransaction(browser.txId)).status).toBe('initiated');
    });

    it('an expired transaction: 303 to the app with err_session_expired, tx_state=expired', async () => {
      const browser = await start();
      now += (AUTHORIZATION_TTL_SECONDS + 1) * 1000;
      expectHostedRedirectError(
        await inject('GET', browser.pagePath, { cookie: browser.cookie }),
        'err_session_expired',
        {
          txState: 'expired',
        },
      );
    });
  });

  describe('mock-redirect through the pages', () => {
    it('choice → provider screen → success → 303 to the app with the code', async () => {
      const browser = await start();
      const chosen = await choose(browser, 'mock-redirect');
      expect(chosen.statusCode).toBe(303);
      const flowPath = issuerPath(locationOf(chosen));
      expect(flowPath).toBe(`/flow/${browser.txId}`);

      const screen = await inject('GET', flowPath);
      expectPageHeaders(screen);
      expect(screen.body).toContain('<h1>Mock redirect provider (sandbox)</h1>');
      for (const identity of ['success', 'deny', 'cancel', 'timeout', 'provider-error']) {
        expect(screen.body).toContain(`name="identity" value="${identity}"`);
      }
      expect((await t.app.idgate.verifications.getTransaction(browser.txId)).status).toBe('authenticating');

      const answered = await inject('POST', flowPath, {
        fields: { csrf_token: csrfTokenOf(screen.body), identity: 'success' },
      });
      expect(answered.statusCode).toBe(303);
      expect(locationOf(answered)).toBe(`${TEST_ISSUER}/authorize/${browser.txId}`);

      // Only the browser that started the transaction collects the code.
      expectErrorPage(await inject('GET', browser.pagePath), 'AUTH_FORBIDDEN', 403);
      const back = await inject('GET', browser.pagePath, { cookie: browser.cookie });
      expectCodeRedirect(back, { state: 'st-123', status: 303 });
    });

    it('a second submit of the choice goes on with the provider already started', async () => {
      const browser = await start();
      const page = await inject('GET', browser.pagePath, { cookie: browser.cookie });
      const fields = { csrf_token: csrfTokenOf(page.body), provider: 'mock-redirect' };
      await inject('POST', browser.pagePath, { cookie: browser.cookie, fields });
      const again = await inject('POST', browser.pagePath, {
        cookie: browser.cookie,
        fields: { ...fields, provider: 'mock-qr' },
      });
      expect(again.statusCode).toBe(303);
      expect(locationOf(again)).toBe(`${TEST_ISSUER}/flow/${browser.txId}`);
      // The transaction page of a started redirect flow sends the browser to the provider.
      const page2 = await inject('GET', browser.pagePath, { cookie: browser.cookie });
      expect(locationOf(page2)).toBe(`${TEST_ISSUER}/flow/${browser.txId}`);
    });

    const failures: readonly (readonly [string, TxStatusCode, string])[] = [
      ['deny', 'err_not_authenticated', 'failed'],
      ['cancel', 'err_user_cancelled', 'cancelled'],
      ['provider-error', 'err_provider_error', 'failed'],
      ['provider-unavailable', 'err_provider_unavailable', 'failed'],
      ['missing-claims', 'err_missing_user_data', 'failed'],
    ];
    it.each(failures)('identity %s on the screen: 303 to the app with %s', async (identity, txStatus, txState) => {
      const browser = await start();
      const chosen = await choose(browser, 'mock-redirect');
      const answered = await answer(issuerPath(locationOf(chosen)), identity);
      expect(locationOf(answered)).toBe(`${TEST_ISSUER}/authorize/${browser.txId}`);
      const back = await inject('GET', browser.pagePath, { cookie: browser.cookie });
      expectHostedRedirectError(back, txStatus, { txState });
    });

    it('an identity that never answers shows the screen again', async () => {
      const browser = await start();
      const chosen = await choose(browser, 'mock-redirect');
      const flowPath = issuerPath(locationOf(chosen));
      const answered = await answer(flowPath, 'timeout');
      expect(answered.statusCode).toBe(303);
      expect(locationOf(answered)).toBe(`${TEST_ISSUER}${flowPath}`);
    });

    it('the screen refuses an unknown identity (page error, transaction open) and a missing CSRF token', async () => {
      const browser = await start();
      const flowPath = issuerPath(locationOf(await choose(browser, 'mock-redirect')));
      const screen = await inject('GET', flowPath);
      const token = csrfTokenOf(screen.body);
      expectErrorPage(
        await inject('POST', flowPath, { fields: { csrf_token: token, identity: 'nobody' } }),
        'VALIDATION_INVALID_PARAMETER',
        400,
      );
      expectErrorPage(
        await inject('POST', flowPath, { fields: { csrf_token: token } }),
        'VALIDATION_MISSING_PARAMETER',
        400,
      );
      expectErrorPage(
        await inject('POST', flowPath, {
          fields: [
            ['csrf_token', token],
            ['identity', 'success'],
            ['identity', 'deny'],
          ],
        }),
        'VALIDATION_INVALID_PARAMETER',
        400,
      );
      expectErrorPage(await inject('POST', flowPath, { fields: { identity: 'success' } }), 'AUTH_FORBIDDEN', 403);
      expect((await t.app.idgate.verifications.getTransaction(browser.txId)).status).toBe('authenticating');
    });

    it('the provider screen of a transaction without provider sends the browser to the choice', async () => {
      const browser = await start();
      const res = await inject('GET', `/flow/${browser.txId}`);
      expect(res.statusCode).toBe(303);
      expect(locationOf(res)).toBe(`${TEST_ISSUER}/authorize/${browser.txId}`);
    });
  });

  describe('QR and push: the waiting page', () => {
    it('mock-qr: the waiting page polls; the default scan completes; 303 with the code', async () => {
      const browser = await start({ provider_hint: 'mock-qr' });
      const waiting = await inject('GET', browser.pagePath, { cookie: browser.cookie });
      expectPageHeaders(waiting);
      expect(waiting.body).toContain('<noscript><meta http-equiv="refresh" content="5"></noscript>');
      expect(waiting.body).toContain('<h1>Scan the QR code</h1>');
      expectQrCodeOf(waiting.body, `${TEST_ISSUER}/flow/${browser.txId}`);
      expect(waiting.body).toContain(`<pre><code>${TEST_ISSUER}/flow/${browser.txId}</code></pre>`);
      expect(waiting.body).toContain(
        `<a href="${TEST_ISSUER}/flow/${browser.txId}" target="_blank" rel="noopener noreferrer">Open the sandbox phone (opens in a new tab)</a>`,
      );
      expect(waiting.body).toContain(
        `data-idgate-poll data-status="pending" data-status-url="${TEST_ISSUER}/authorize/${browser.txId}/status" data-page-url="${TEST_ISSUER}/authorize/${browser.txId}" data-interval-ms="2000"`,
      );
      expect(waiting.body).toContain(`action="${TEST_ISSUER}/authorize/${browser.txId}/cancel"`);
      now += MOCK_ANSWER_MS;
      expectCodeRedirect(await inject('GET', browser.pagePath, { cookie: browser.cookie }), {
        state: 'st-123',
        status: 303,
      });
    });

    it('mock-qr: the phone answers on the mock screen, the browser collects the outcome', async () => {
      const browser = await start();
      const chosen = await choose(browser, 'mock-qr');
      expect(locationOf(chosen)).toBe(`${TEST_ISSUER}/authorize/${browser.txId}`);
      const phone = await answer(`/flow/${browser.txId}`, 'deny');
      expectPageHeaders(phone);
      expect(phone.body).toContain('continue on your other device');
      expectHostedRedirectError(
        await inject('GET', browser.pagePath, { cookie: browser.cookie }),
        'err_not_authenticated',
      );
    });

    it('mock-push with the personal number from the form: waits, then completes by the clock', async () => {
      const browser = await start();
      const chosen = await choose(browser, 'mock-push', { 'userData.personalNumber': 'success' });
      expect(locationOf(chosen)).toBe(`${TEST_ISSUER}/authorize/${browser.txId}`);
      const waiting = await inject('GET', browser.pagePath, {
        cookie: browser.cookie,
        headers: { 'accept-language': 'de' },
      });
      expectPageHeaders(waiting, 'de');
      expect(waiting.body).toContain('<h1>Auf dem Telefon bestätigen</h1>');
      // The provider's message is English: the German page says it in German.
      expect(waiting.body).toContain(
        '<p>Wir haben eine Anfrage an Ihr Telefon gesendet. Öffnen Sie die App und bestätigen Sie sie.</p>',
      );
      expect(waiting.body).not.toContain('Mock Push app');
      const english = await inject('GET', browser.pagePath, { cookie: browser.cookie });
      expect(english.body).toContain('Mock Push app');
      now += MOCK_ANSWER_MS;
      expectCodeRedirect(await inject('GET', browser.pagePath, { cookie: browser.cookie }), {
        state: 'st-123',
        status: 303,
      });
    });

    it('mock-push: provider-error on the device fails the transaction: err_provider_error', async () => {
      const browser = await start({ provider_hint: 'mock-push', login_hint: 'timeout' });
      const phone = await answer(`/flow/${browser.txId}`, 'provider-error');
      expectPageHeaders(phone);
      expectHostedRedirectError(
        await inject('GET', browser.pagePath, { cookie: browser.cookie }),
        'err_provider_error',
      );
    });

    it('cancel from the waiting page', async () => {
      const browser = await start({ provider_hint: 'mock-qr' });
      const waiting = await inject('GET', browser.pagePath, { cookie: browser.cookie });
      const res = await inject('POST', `${browser.pagePath}/cancel`, {
        cookie: browser.cookie,
        fields: { csrf_token: csrfTokenOf(waiting.body) },
      });
      expectHostedRedirectError(res, 'err_user_cancelled', { txState: 'cancelled' });
    });
  });

  describe('the status endpoint and the static assets', () => {
    it('GET /authorize/{txId}/status: the status as JSON, polling the provider; needs the cookie', async () => {
      const browser = await start({ provider_hint: 'mock-qr' });
      const statusPath = `${browser.pagePath}/status`;
      const first = await inject('GET', statusPath, { cookie: browser.cookie });
      expect(first.statusCode).toBe(200);
      expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(first.headers['cache-control']).toBe('no-store');
      expect(first.headers['x-content-type-options']).toBe('nosniff');
      expect(first.json()).toEqual({ status: 'pending' });
      now += MOCK_USER_AT_PROVIDER_MS;
      expect((await inject('GET', statusPath, { cookie: browser.cookie })).json()).toEqual({
        status: 'authenticating',
      });
      // The waiting page of a scanned code says so and shows no QR code any more.
      const scanned = await inject('GET', browser.pagePath, { cookie: browser.cookie });
      expectPageHeaders(scanned);
      expect(scanned.body).toContain('data-status="authenticating"');
      expect(scanned.body).toContain('The code was scanned. Confirm on your phone.');
      expect(scanned.body).not.toContain('<svg');
      now += MOCK_ANSWER_MS;
      expect((await inject('GET', statusPath, { cookie: browser.cookie })).json()).toEqual({ status: 'completed' });
      // The status reveals nothing about the result: the page hands out the code.
      expectCodeRedirect(await inject('GET', browser.pagePath, { cookie: browser.cookie }), {
        state: 'st-123',
        status: 303,
      });

      const other = await start();
      const refused = await inject('GET', `${other.pagePath}/status`);
      expect(refused.statusCode).toBe(403);
      expect(refused.headers['content-type']).toBe('application/problem+json');
      expect(refused.json()).toMatchObject({ title: 'AUTH_FORBIDDEN', context: { reason: 'browser_not_bound' } });
      const unknown = await inject('GET', '/authorize/vrf_test_000000000000000000000000/status');
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json()).toMatchObject({ title: 'SESSION_NOT_FOUND' });
      expect((await inject('GET', `${other.pagePath}/status`, { cookie: other.cookie })).json()).toEqual({
        status: 'initiated',
      });
    });

    it('serves the stylesheet and the poll script under fingerprinted paths, cached for a year', async () => {
      const css = await inject('GET', STYLESHEET_ASSET.path);
      expect(css.statusCode).toBe(200);
      expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
      expect(css.headers['cache-control']).toBe(ASSET_CACHE_CONTROL);
      expect(css.headers['x-content-type-options']).toBe('nosniff');
      expect(css.body).toContain('.error-summary');
      expect(css.body).toContain(':focus');
      const script = await inject('GET', POLL_SCRIPT_ASSET.path);
      expect(script.statusCode).toBe(200);
      expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(script.body).toContain("document.querySelector('[data-idgate-poll]')");
      expect(POLL_SCRIPT_ASSET.path).toMatch(/^\/assets\/poll-[0-9a-f]{16}\.js$/);
      const missing = await inject('GET', '/assets/poll-0000000000000000.js');
      expect(missing.statusCode).toBe(404);
    });
  });

  describe('REST verifications on the mock screen', () => {
    async function restVerification(redirectUri: string | undefined) {
      const app = await t.app.idgate.apps.get(client.clientId);
      return t.app.idgate.verifications.create(app, {
        providerId: 'mock-redirect',
        ...(redirectUri === undefined ? {} : { redirectUri }),
      });
    }

    it('after the answer: 303 to the verification’s redirectUri with verificationId', async () => {
      const verification = await restVerification(REDIRECT_URI);
      const flowPath = issuerPath(String(verification.flowDetails.url));
      const res = await answer(flowPath, 'success');
      expect(res.statusCode).toBe(303);
      expect(locationOf(res)).toBe(`${REDIRECT_URI}?verificationId=${verification.id}`);
      expect((await t.app.idgate.verifications.getTransaction(verification.id)).status).toBe('completed');
      // A finished one sends the user there again.
      expect(locationOf(await inject('GET', flowPath))).toBe(`${REDIRECT_URI}?verificationId=${verification.id}`);
    });

    it('without redirectUri: a page that says it is finished', async () => {
      const verification = await restVerification(undefined);
      const res = await answer(issuerPath(String(verification.flowDetails.url)), 'deny');
      expectPageHeaders(res);
      expect(res.body).toContain('<code>failed</code>');
      expect(res.body).toContain('You can return to the app now.');
    });

    it('a REST verification has no /authorize pages: SESSION_NOT_FOUND', async () => {
      const verification = await restVerification(REDIRECT_URI);
      expectErrorPage(await inject('GET', `/authorize/${verification.id}`), 'SESSION_NOT_FOUND', 404);
    });
  });
});
