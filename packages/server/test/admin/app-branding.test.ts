/**
 * Per-app branding of the hosted pages, through the admin API: created, read, replaced and
 * cleared, every offending field listed at once (shape, https logo on a plain host,
 * colours that keep 4.5:1 contrast with white); and on the pages: the name, the logo with
 * its origin (and only it) added to that page's `img-src`, the colours from the
 * content-addressed brand stylesheet, no inline style.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contrastWithWhite } from '../../src/apps/app-branding.js';
import { brandStylesheetPath } from '../../src/ui/branding.js';
import { authorizeUrl as authorizePath, REDIRECT_URI, validParams } from '../authorize/helpers.js';
import { adminAuth, createTestApp, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';

const BASE_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'";

const BRANDING = {
  name: 'Acme Bank',
  logoUrl: 'https://cdn.acme.example/logo.svg',
  primaryColor: '#7A1F5C',
  accentColor: '#00607a',
} as const;

describe.each(TEST_DATABASE_KINDS)('app branding (%s)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  async function createApp(body: Record<string, unknown>) {
    return t.app.inject({
      method: 'POST',
      url: '/admin/v1/apps',
      headers: { ...adminAuth(), 'content-type': 'application/json' },
      payload: { name: 'Shop', type: 'confidential', redirectUris: [REDIRECT_URI], ...body },
    });
  }

  it('POST with branding: the view carries it, colours in lower case; GET shows the same', async () => {
    const res = await createApp({ branding: BRANDING });
    expect(res.statusCode).toBe(201);
    const created = res.json() as { clientId: string; branding: unknown };
    expect(created.branding).toEqual({ ...BRANDING, primaryColor: '#7a1f5c' });
    const read = await t.app.inject({ method: 'GET', url: `/admin/v1/apps/${created.clientId}`, headers: adminAuth() });
    expect((read.json() as { branding: unknown }).branding).toEqual({ ...BRANDING, primaryColor: '#7a1f5c' });
  });

  it('an app without branding reads branding: null', async () => {
    const res = await createApp({});
    expect((res.json() as { branding: unknown }).branding).toBeNull();
  });

  it('PATCH replaces the branding whole; null clears it', async () => {
    const created = (await createApp({ branding: BRANDING })).json() as { clientId: string };
    const url = `/admin/v1/apps/${created.clientId}`;
    const headers = { ...adminAuth(), 'content-type': 'application/json' };
    const replaced = await t.app.inject({ method: 'PATCH', url, headers, payload: { branding: { name: 'Acme' } } });
    expect(replaced.statusCode).toBe(200);
    expect((replaced.json() as { branding: unknown }).branding).toEqual({ name: 'Acme' });
    const cleared = await t.app.inject({ method: 'PATCH', url, headers, payload: { branding: null } });
    expect((cleared.json() as { branding: unknown }).branding).toBeNull();
  });

  it('the schema refuses every malformed field at once', async () => {
    const res = await createApp({
      branding: { name: '', logoUrl: 'x'.repeat(2001), primaryColor: 'red', accentColor: '#12345', extra: 1 },
    });
    const problem = expectProblem(res, 'VALIDATION_INVALID_PARAMETER');
    const names = (problem.context as { fields: { name: string }[] }).fields.map((field) => field.name).sort();
    expect(names).toEqual(
      ['branding.accentColor', 'branding.extra', 'branding.logoUrl', 'branding.name', 'branding.primaryColor'].sort(),
    );
  });

  it('every rule beyond the shape is checked, and every offending field listed with its reason', async () => {
    const res = await createApp({
      branding: {
        name: '   ',
        logoUrl: 'http://cdn.acme.example/logo.png',
        primaryColor: '#ffcc00',
        accentColor: '#7fb3ff',
      },
    });
    const problem = expectProblem(res, 'VALIDATION_INVALID_PARAMETER');
    expect((problem.context as { fields: unknown }).fields).toEqual([
      { name: 'branding.name', pointer: '/branding/name', reason: 'must not be blank' },
      {
        name: 'branding.logoUrl',
        pointer: '/branding/logoUrl',
        reason: 'must use https (http only on a loopback host in sandbox)',
      },
      {
        name: 'branding.primaryColor',
        pointer: '/branding/primaryColor',
        reason: `must contrast at least 4.5:1 with white (white button text on it); #ffcc00 has ${contrastWithWhite('#ffcc00').toFixed(2)}:1`,
      },
      {
        name: 'branding.accentColor',
        pointer: '/branding/accentColor',
        reason: `must contrast at least 4.5:1 with white (links in it on white); #7fb3ff has ${contrastWithWhite('#7fb3ff').toFixed(2)}:1`,
      },
    ]);
  });

  it.each([
    ['https://user:pw@cdn.example/logo.png', 'must not contain user information'],
    ['https://cdn.example/logo.png#x', 'must not contain a fragment'],
    ['https://xn--bcher-kva.example;script/logo.png', 'must name its host with letters, digits, dots and hyphens only'],
    ['javascript:alert(1)', 'must name its host with letters, digits, dots and hyphens only'],
    ['logo.png', 'must be an absolute https URL'],
  ])('a logo URL %s is refused: %s', async (logoUrl, reason) => {
    const res = await createApp({ branding: { logoUrl } });
    const problem = expectProblem(res, 'VALIDATION_INVALID_PARAMETER');
    expect((problem.context as { fields: unknown }).fields).toEqual([
      { name: 'branding.logoUrl', pointer: '/branding/logoUrl', reason },
    ]);
  });

  it('contrast is computed as WCAG 2.1 defines it', () => {
    expect(contrastWithWhite('#000000')).toBeCloseTo(21, 5);
    expect(contrastWithWhite('#ffffff')).toBeCloseTo(1, 5);
    expect(contrastWithWhite('#767676')).toBeCloseTo(4.54, 2);
  });

  async function providerChoice(clientId: string) {
    const start = await t.app.inject({ method: 'GET', url: authorizePath(validParams(clientId)) });
    expect(start.statusCode).toBe(303);
    const location = String(start.headers.location);
    const cookie = String(start.headers['set-cookie']).split(';')[0] ?? '';
    return t.app.inject({ method: 'GET', url: new URL(location).pathname, headers: { cookie } });
  }

  it('the provider choice of a branded app: its name and logo, its stylesheet, its logo origin in img-src', async () => {
    const created = (await createApp({ branding: BRANDING })).json() as { clientId: string };
    const page = await providerChoice(created.clientId);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toBe(
      BASE_CSP.replace("img-src 'self' data:", "img-src 'self' data: https://cdn.acme.example"),
    );
    expect(page.body).toContain(
      '<p class="brand" translate="no"><img class="brand-logo" src="https://cdn.acme.example/logo.svg" alt="" height="40"><span>Acme Bank</span></p>',
    );
    expect(page.body).toContain('<p>Acme Bank asks you to verify your identity. Choose how:</p>');
    const stylesheet = brandStylesheetPath({ primaryColor: '#7a1f5c', accentColor: '#00607a' });
    expect(stylesheet).toBe('/assets/brand/7a1f5c-00607a.css');
    expect(page.body).toContain(`<link rel="stylesheet" href="${stylesheet}">`);
    expect(page.body).not.toMatch(/style=|<style/i);

    const css = await t.app.inject({ method: 'GET', url: stylesheet });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(css.headers['x-content-type-options']).toBe('nosniff');
    expect(css.body).toBe(':root{--idgate-primary:#7a1f5c;--idgate-accent:#00607a}\n');
  });

  it('an app without branding keeps the base CSP and the product name', async () => {
    const created = (await createApp({})).json() as { clientId: string };
    const page = await providerChoice(created.clientId);
    expect(page.headers['content-security-policy']).toBe(BASE_CSP);
    expect(page.body).toContain('<p class="brand" translate="no">idgate</p>');
    expect(page.body).not.toContain('/assets/brand/');
  });

  it('a name only: no logo, no stylesheet, the base CSP', async () => {
    const created = (await createApp({ branding: { name: 'Only Name' } })).json() as { clientId: string };
    const page = await providerChoice(created.clientId);
    expect(page.headers['content-security-policy']).toBe(BASE_CSP);
    expect(page.body).toContain('<p class="brand" translate="no"><span>Only Name</span></p>');
    expect(page.body).not.toContain('/assets/brand/');
  });

  it.each(['7a1f5c.css', '7A1F5C-00607A.css', '7a1f5c-00607a.js', '..%2F7a1f5c-00607a.css'])(
    'GET /assets/brand/%s is 404',
    async (file) => {
      const res = await t.app.inject({ method: 'GET', url: `/assets/brand/${file}` });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    },
  );
});
