/**
 * `GET /docs/api` (SPEC 8): the OpenAPI document rendered by idgate itself. In headless
 * Chromium the page loads with the pages' CSP, reports no CSP violation, passes axe-core,
 * makes no request that leaves 127.0.0.1, and lists every operation and webhook of
 * `/openapi.json` (by `operationId`, with method and path) and every schema; each error
 * code links to its page of the error reference. Over `inject`: the headers, and the
 * stylesheet it links is idgate's own, fingerprinted and cached.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageSecurityHeaders } from '../../src/http/security-headers.js';
import type { LiveTestApp } from '../support/live-server.js';
import { startLiveTestApp } from '../support/live-server.js';
import { expectAccessible, launchChromium, watchCsp } from '../ui/browser-support.js';

interface Document {
  readonly externalDocs: { readonly url: string };
  readonly paths: Record<string, Record<string, { operationId: string }>>;
  readonly webhooks: Record<string, Record<string, { operationId: string }>>;
  readonly components: { readonly schemas: Record<string, unknown> };
}

function operationsOf(section: Document['paths']): { method: string; path: string; operationId: string }[] {
  return Object.entries(section).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ method, path, operationId: operation.operationId })),
  );
}

describe('API reference page', () => {
  let browser: Browser;
  let live: LiveTestApp;
  let document: Document;

  beforeAll(async () => {
    [browser, live] = await Promise.all([launchChromium(), startLiveTestApp('sqlite')]);
    document = JSON.parse((await live.app.inject({ method: 'GET', url: '/openapi.json' })).body) as Document;
  });
  afterAll(async () => {
    await browser?.close();
    await live?.close();
  });

  it('is served by idgate as a page: HTML, the pages CSP, a fingerprinted stylesheet of its own', async () => {
    expect(document.externalDocs.url).toBe(`${live.baseUrl}/docs/api`);
    const res = await live.app.inject({ method: 'GET', url: '/docs/api' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const expected = pageSecurityHeaders();
    for (const name of ['content-security-policy', 'x-frame-options', 'referrer-policy', 'x-content-type-options']) {
      expect(res.headers[name], name).toBe(expected[name]);
    }
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.body).not.toMatch(/<script|style=|<style/i);
    const stylesheets = [...res.body.matchAll(/<link rel="stylesheet" href="([^"]+)">/g)].map((match) => match[1]);
    expect(stylesheets).toHaveLength(2);
    for (const href of stylesheets) {
      expect(href).toMatch(/^\/assets\//);
      const css = await live.app.inject({ method: 'GET', url: href as string });
      expect(css.statusCode, href).toBe(200);
      expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    }
    const own = stylesheets.find((href) => href?.startsWith('/assets/api-reference-')) ?? '';
    expect(own).toMatch(/^\/assets\/api-reference-[0-9a-f]{16}\.css$/);
    const css = await live.app.inject({ method: 'GET', url: own });
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    // Not in the document it renders (it is a page for people).
    expect(JSON.stringify(document.paths)).not.toContain('/docs/api');
  });

  it('loads in Chromium, lists every operation, webhook and schema, no CSP violation, nothing off 127.0.0.1', async () => {
    const context = await browser.newContext();
    const csp = await watchCsp(context);
    const requests: string[] = [];
    context.on('request', (request) => {
      requests.push(request.url());
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const response = await page.goto(`${live.baseUrl}/docs/api`);
    expect(response?.status()).toBe(200);
    expect(await page.title()).toBe('idgate API 0.1.0: reference');
    expect(await page.locator('h1').textContent()).toContain('idgate API');

    const operations = [...operationsOf(document.paths), ...operationsOf(document.webhooks)];
    expect(operations.length).toBeGreaterThanOrEqual(27);
    for (const { method, path, operationId } of operations) {
      const section = page.locator(`section.operation[id="${operationId}"]`);
      expect(await section.count(), operationId).toBe(1);
      const heading = (await section.locator('h3').textContent()) ?? '';
      expect(heading.replace(/\s+/g, ' ').trim(), operationId).toBe(`${method.toUpperCase()} ${path}`);
      expect(await section.locator('.operation-id code').textContent()).toBe(operationId);
      // The contents link to it.
      expect(await page.locator(`nav a[href="#${operationId}"]`).count(), operationId).toBe(1);
    }
    for (const name of Object.keys(document.components.schemas)) {
      expect(await page.locator(`section.schema[id="schema-${name}"] h3`).textContent(), name).toBe(name);
    }
    // Schemas named in operations link to their section, error codes to the error reference.
    const create = page.locator('section.operation[id="createVerification"]');
    expect(await create.locator('a[href="#schema-CreatedVerification"]').count()).toBe(1);
    expect(await create.locator('a[href="/errors/PROVIDER_NOT_FOUND"]').count()).toBe(1);
    expect(await create.locator('th', { hasText: 'Idempotency-Key' }).count()).toBe(1);
    const event = page.locator('section.schema[id="schema-WebhookEvent"]');
    expect(await event.locator('th code', { hasText: /^data\.statusCode$/ }).count()).toBe(1);
    // The error reference link works.
    await page.locator('header a[href="/errors"]').click();
    await page.waitForURL(`${live.baseUrl}/errors`);
    await page.goBack();

    await expectAccessible(page);
    await csp.expectNone();
    expect(errors).toEqual([]);
    expect(requests.length).toBeGreaterThan(0);
    for (const url of requests) expect(new URL(url).hostname, url).toBe('127.0.0.1');
    await context.close();
  });
});
