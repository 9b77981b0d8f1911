/**
 * What the hosted-page browser tests share: headless Chromium (Debian's, driven by
 * playwright-core), a live idgate on a loopback port with a controllable clock, a tiny
 * "app" on another loopback port whose callback records the query it receives, a CSP
 * watch on every page, and an axe-core run that fails on serious or critical violations.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { createClient, type TestClient } from '../authorize/helpers.js';
import type { TestDatabaseKind } from '../support/databases.js';
import { type LiveTestApp, startLiveTestApp } from '../support/live-server.js';

/** Launches the headless Chromium of the tests (one per test file). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.IDGATE_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The relying party's side: a callback that records every query it receives. */
export interface AppCallback {
  readonly redirectUri: string;
  /** The query of each request to the callback, in order. */
  readonly received: URLSearchParams[];
  close(): Promise<void>;
}

/** Starts the app's callback on a free loopback port. */
export async function startAppCallback(): Promise<AppCallback> {
  const received: URLSearchParams[] = [];
  const server: Server = createServer(function callback(request, response) {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/cb') received.push(url.searchParams);
    response.writeHead(url.pathname === '/cb' ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><html lang="en"><title>App</title><main><h1>Back at the app</h1></main></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    redirectUri: `http://127.0.0.1:${port}/cb`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A live idgate with an app whose redirect URI is the callback. */
export interface BrowserTestEnvironment {
  readonly live: LiveTestApp;
  readonly callback: AppCallback;
  readonly client: TestClient;
  /** Moves idgate's clock (it stands still otherwise: the mocks answer only when told). */
  advance(ms: number): void;
  close(): Promise<void>;
}

/** Starts idgate (frozen clock; `env` adds configuration), the app's callback, and creates the app. */
export async function startBrowserTestEnvironment(
  kind: TestDatabaseKind,
  env: Record<string, string> = {},
): Promise<BrowserTestEnvironment> {
  let now = Date.now();
  const live = await startLiveTestApp(kind, { clock: () => new Date(now), env });
  const callback = await startAppCallback();
  const client = await createClient(live, { name: 'Demo Shop', redirectUris: [callback.redirectUri] });
  return {
    live,
    callback,
    client,
    advance(ms) {
      now += ms;
    },
    async close() {
      await callback.close();
      await live.close();
    },
  };
}

/** The `/authorize` URL of a request of the test app. */
export function authorizeUrl(env: BrowserTestEnvironment, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({
    client_id: env.client.clientId,
    redirect_uri: env.callback.redirectUri,
    response_type: 'code',
    scope: 'openid profile',
    state: 'st-browser',
    nonce: 'n-browser',
    ...extra,
  });
  return `${env.live.baseUrl}/authorize?${params.toString()}`;
}

/** The few browser globals the tests touch (the test build has no DOM types). */
interface BrowserGlobals {
  __cspViolations?: string[];
  readonly axe: { run(context: unknown, options: unknown): Promise<unknown> };
  readonly document: {
    addEventListener(
      type: 'securitypolicyviolation',
      listener: (event: { violatedDirective: string; blockedURI: string }) => void,
    ): void;
  };
}

/** Content Security Policy violations a page reported (console and `securitypolicyviolation`). */
export interface CspWatch {
  /** Asserts that no page of the context reported a violation so far. */
  expectNone(): Promise<void>;
}

/** Watches every page of a context for CSP violations. */
export async function watchCsp(context: BrowserContext): Promise<CspWatch> {
  const fromConsole: string[] = [];
  // Runs before any page script, outside the page's CSP (an init script of the browser).
  await context.addInitScript(function listenForViolations() {
    const store = globalThis as unknown as BrowserGlobals;
    const violations: string[] = [];
    store.__cspViolations = violations;
    store.document.addEventListener('securitypolicyviolation', function record(event) {
      violations.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  function watchPage(page: Page): void {
    page.on('console', function onConsole(message) {
      if (/Content[- ]Security[- ]Policy/i.test(message.text())) fromConsole.push(message.text());
    });
  }
  context.on('page', watchPage);
  for (const page of context.pages()) watchPage(page);
  return {
    async expectNone() {
      const reported: string[] = [];
      for (const page of context.pages()) {
        if (page.isClosed()) continue;
        const violations = await page
          .evaluate(() => (globalThis as unknown as BrowserGlobals).__cspViolations ?? [])
          .catch(() => [] as string[]);
        reported.push(...violations);
      }
      expect([...fromConsole, ...reported]).toEqual([]);
    },
  };
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** One axe-core violation, reduced to what a failure message needs. */
interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: readonly string[];
}

/**
 * Runs axe-core (WCAG 2.1 A/AA and best practices) on the page and fails on any serious
 * or critical violation. axe is evaluated through the DevTools protocol, which the
 * page's CSP does not govern, so the page keeps its real policy.
 */
export async function expectAccessible(page: Page): Promise<void> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async function runAxe(): Promise<AxeViolation[]> {
    const page = globalThis as unknown as BrowserGlobals;
    const result = (await page.axe.run(page.document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    })) as {
      violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
    };
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(' ')),
    }));
  });
  const severe = violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  expect(severe, `axe on ${page.url()}`).toEqual([]);
}

/** Waits until the browser is back at the app, and returns the callback's query. */
export async function backAtApp(page: Page, env: BrowserTestEnvironment): Promise<URLSearchParams> {
  await page.waitForURL((url) => url.href.startsWith(`${env.callback.redirectUri}?`), { timeout: 15_000 });
  await expect.poll(() => env.callback.received.length).toBeGreaterThan(0);
  const query = new URL(page.url()).searchParams;
  expect(env.callback.received.at(-1)?.toString()).toBe(query.toString());
  return query;
}

/** Asserts an error redirect's query (SPEC 2.1). */
export function expectErrorQuery(
  query: URLSearchParams,
  env: BrowserTestEnvironment,
  expected: { error: string; description: string; txState: string },
): void {
  expect(Object.fromEntries(query)).toEqual({
    error: expected.error,
    error_description: expected.description,
    tx_state: expected.txState,
    state: 'st-browser',
    iss: env.live.baseUrl,
  });
}

/** What the focused element of a page says (its text, or its class for a box without text). */
export function focusedElement(page: Page): Promise<{ text: string; className: string; id: string }> {
  return page.evaluate(function describeFocus() {
    const active = (
      globalThis as unknown as {
        document: { activeElement: { textContent: string | null; className: string; id: string } | null };
      }
    ).document.activeElement;
    return { text: active?.textContent?.trim() ?? '', className: active?.className ?? '', id: active?.id ?? '' };
  });
}

/** A computed style property of the first element a selector matches. */
export function computedStyle(page: Page, selector: string, property: string): Promise<string> {
  return page
    .locator(selector)
    .first()
    .evaluate(function readStyle(element, name) {
      const view = globalThis as unknown as {
        getComputedStyle(element: unknown): { getPropertyValue(name: string): string };
      };
      return view.getComputedStyle(element).getPropertyValue(name);
    }, property);
}

/** The phone viewport of the layout checks (an iPhone 12–15 in CSS pixels). */
export const PHONE_VIEWPORT = { width: 390, height: 844 } as const;

/** How wide the page's content is: more than the viewport means horizontal scrolling. */
export function scrollWidth(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement
        .scrollWidth,
  );
}

/**
 * The text a person meets on the page, as its pieces: every visible text node with a
 * letter in it, the title, and the accessible names given by attributes (`aria-label`,
 * `alt`, SVG `<title>`). Code (`code`, `pre`), machine-readable times (`time`) and names marked `translate="no"` (product,
 * app and provider names, test identities) are the same in every language and left out.
 */
export function visibleTexts(page: Page): Promise<string[]> {
  return page.evaluate(function collectTexts() {
    interface Node {
      readonly nodeType: number;
      readonly textContent: string | null;
      readonly parentElement: Element | null;
    }
    interface Element {
      closest(selector: string): Element | null;
      checkVisibility(): boolean;
      getAttribute(name: string): string | null;
      readonly textContent: string | null;
    }
    const doc = (
      globalThis as unknown as {
        document: {
          title: string;
          body: unknown;
          createTreeWalker(root: unknown, what: number): { nextNode(): Node | null };
          querySelectorAll(selector: string): Element[];
        };
      }
    ).document;
    const texts: string[] = [doc.title];
    const walker = doc.createTreeWalker(doc.body, 4);
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      const parent = node.parentElement;
      const text = (node.textContent ?? '').replace(/\s+/g, ' ').trim();
      if (parent === null || text === '' || !/\p{L}/u.test(text)) continue;
      if (parent.closest('code, pre, time, script, [translate="no"], svg') !== null) continue;
      if (!parent.checkVisibility()) continue;
      texts.push(text);
    }
    for (const element of doc.querySelectorAll('[aria-label], img[alt], svg title')) {
      if (element.closest('[translate="no"]') !== null) continue;
      const text = element.getAttribute('aria-label') ?? element.getAttribute('alt') ?? element.textContent ?? '';
      if (/\p{L}/u.test(text)) texts.push(text.trim());
    }
    return texts;
  });
}
