/**
 * SPEC 3.2 and 8: the served error reference (`/errors`, `/errors/{CODE}`, HTML and JSON,
 * generated from the catalog), `/healthz`, `/metrics`, and the OpenAPI 3.1 document with
 * every declared error response.
 */
import {
  CATALOG,
  ERROR_CODES,
  type ErrorCode,
  type ErrorReference,
  escapeHtml,
  inlineMarkdownToHtml,
  messagesFor,
  oauthStatusFor,
} from '@idgate/errors';
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteContract } from '../../src/http/route-contract.js';
import { createTestApp, TEST_ISSUER, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/assertions.js';

/** The parts of the OpenAPI document the tests read. */
interface OpenApiMedia {
  readonly schema: unknown;
  readonly examples: Record<string, { readonly value: Record<string, unknown> }>;
}
interface OpenApiOperation {
  readonly summary?: string;
  readonly security?: unknown;
  readonly responses: Record<string, { readonly content?: Record<string, OpenApiMedia> }>;
}
interface OpenApiDocument {
  readonly openapi: string;
  readonly info: { readonly title: string; readonly version: string };
  readonly servers: unknown;
  readonly paths: Record<string, Record<string, OpenApiOperation>>;
  readonly components: {
    readonly schemas: { readonly Problem: { readonly properties: { readonly title: { readonly enum: string[] } } } };
  };
}

interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
  readonly contract: RouteContract | undefined;
}

/** Asserts a value is there and narrows its type. */
function defined<T>(value: T | undefined, what: string): T {
  expect(value, `${what} is missing`).toBeDefined();
  return value as T;
}

describe('error reference, health, metrics, OpenAPI', () => {
  let t: TestApp;
  const registered: RegisteredRoute[] = [];
  beforeAll(async () => {
    t = await createTestApp('sqlite', {
      routes: function recordRoutes(app) {
        app.addHook('onRoute', function recordRoute(route: RouteOptions) {
          const methods = Array.isArray(route.method) ? route.method : [route.method];
          for (const method of methods) {
            registered.push({
              method,
              url: route.url,
              contract: (route.config as { idgate?: RouteContract } | undefined)?.idgate,
            });
          }
        });
      },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('GET /errors', () => {
    it('HTML (default) links to every code', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/errors' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers.vary).toContain('Accept');
      for (const code of ERROR_CODES) expect(res.body).toContain(`href="${TEST_ISSUER}/errors/${code}"`);
    });

    it('HTML for a browser Accept header', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: '/errors',
        headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
      });
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    });

    it('JSON for Accept: application/json, with every code in catalog order', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/errors', headers: { accept: 'application/json' } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = JSON.parse(res.body) as { errors: { code: string; status: number; docUrl: string }[] };
      expect(body.errors.map((entry) => entry.code)).toEqual([...ERROR_CODES]);
      for (const entry of body.errors) {
        expect(entry.status).toBe(CATALOG[entry.code as ErrorCode].status);
        expect(entry.docUrl).toBe(`${TEST_ISSUER}/errors/${entry.code}`);
      }
    });

    it('406 when neither HTML nor JSON is acceptable', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/errors', headers: { accept: 'text/csv' } });
      expectProblem(res, 'VALIDATION_NOT_ACCEPTABLE');
    });
  });

  describe.each(ERROR_CODES.map((code) => [code] as const))('GET /errors/%s', (code) => {
    const entry = CATALOG[code];

    it('JSON: status, category, retry, causes, fixes, user messages, OAuth mapping, example', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: `/errors/${code}`,
        headers: { accept: 'application/json' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = JSON.parse(res.body) as ErrorReference;
      expect(body.code).toBe(code);
      expect(body.status).toBe(entry.status);
      expect(body.category).toBe(entry.category);
      expect(body.retry).toBe(entry.retry);
      expect(body.retryable).toBe([429, 500, 502, 503].includes(entry.status));
      expect(body.description).toBe(entry.description);
      expect(body.causes).toEqual(entry.causes);
      expect(body.causes.length).toBeGreaterThan(0);
      expect(body.fixes).toEqual(entry.fixes);
      expect(body.fixes.length).toBeGreaterThan(0);
      expect(body.userMessage.en).toBe(messagesFor('en').errors[code]);
      expect(body.userMessage.de).toBe(messagesFor('de').errors[code]);
      expect(body.userMessage.de).not.toBe(body.userMessage.en);
      expect(body.oauth.error).toBe(entry.oauth);
      expect(body.oauth.status).toBe(oauthStatusFor(code));
      expect(body.oauth.txStatus).toBe(entry.txStatus);
      expect(body.docUrl).toBe(`${TEST_ISSUER}/errors/${code}`);
      expect(body.example.title).toBe(code);
      expect(body.example.status).toBe(entry.status);
      expect(body.example.type).toBe(`${TEST_ISSUER}/errors/${code}`);
      expect(body.example.doc_url).toBe(`${TEST_ISSUER}/errors/${code}`);
      expect(body.example.category).toBe(entry.category);
    });

    it('HTML: the code, its description, causes, fixes and user messages', async () => {
      const res = await t.app.inject({ method: 'GET', url: `/errors/${code}`, headers: { accept: 'text/html' } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toBeDefined();
      expect(res.body).toContain(`<code>${code}</code>`);
      expect(res.body).toContain(inlineMarkdownToHtml(entry.description));
      for (const text of [...entry.causes, ...entry.fixes]) expect(res.body).toContain(inlineMarkdownToHtml(text));
      expect(res.body).toContain(escapeHtml(messagesFor('de').errors[code]));
    });
  });

  describe('unknown codes and doc links', () => {
    it.each(['NOPE', 'auth_invalid_credentials', '__proto__', 'constructor', 'toString'])(
      'GET /errors/%s is 404 RESOURCE_NOT_FOUND',
      async (code) => {
        const res = await t.app.inject({
          method: 'GET',
          url: `/errors/${code}`,
          headers: { accept: 'application/json' },
        });
        expectProblem(res, 'RESOURCE_NOT_FOUND', { instance: `/errors/${code}` });
      },
    );

    it('the type and doc_url of problem bodies resolve to 200 pages', async () => {
      const problems = [
        await t.app.inject({ method: 'GET', url: '/nowhere' }),
        await t.app.inject({ method: 'DELETE', url: '/healthz' }),
        await t.app.inject({ method: 'GET', url: '/admin/v1/apps' }),
      ];
      for (const problem of problems) {
        const body = JSON.parse(problem.body) as { type: string; doc_url: string };
        for (const link of [body.type, body.doc_url]) {
          const url = new URL(link);
          expect(url.origin).toBe(TEST_ISSUER);
          const page = await t.app.inject({ method: 'GET', url: url.pathname });
          expect(page.statusCode, link).toBe(200);
          const json = await t.app.inject({
            method: 'GET',
            url: url.pathname,
            headers: { accept: 'application/json' },
          });
          expect(JSON.parse(json.body).code).toBe(url.pathname.split('/').pop());
        }
      }
    });

    it('the pages’ stylesheet is served', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/assets/idgate.css' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/css/);
    });
  });

  describe('health and metrics', () => {
    it('GET /healthz is 200', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/healthz' });
      expect(res.statusCode).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ status: 'ok' });
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('GET /metrics counts errors by code after a 404', async () => {
      await t.app.inject({ method: 'GET', url: '/v1/no-such-thing' });
      const res = await t.app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.body).toContain('# TYPE idgate_errors_total counter');
      const match = /^idgate_errors_total\{code="RESOURCE_NOT_FOUND"[^}]*\} (\d+)$/m.exec(res.body);
      expect(match, res.body).not.toBeNull();
      expect(Number(match?.[1])).toBeGreaterThanOrEqual(1);
      // Every request is timed by its route pattern; one that matched no route has one label value.
      expect(res.body).toMatch(
        /^idgate_http_request_duration_seconds_count\{method="GET",route="\(unmatched\)",status="404"\} [1-9]\d*$/m,
      );
      expect(res.body).not.toContain('no-such-thing');
    });

    it('the error counter grows with each error', async () => {
      const count = async () => {
        const res = await t.app.inject({ method: 'GET', url: '/metrics' });
        const match = /^idgate_errors_total\{code="VALIDATION_METHOD_NOT_ALLOWED",status="405"\} (\d+)$/m.exec(
          res.body,
        );
        return Number(match?.[1] ?? 0);
      };
      const before = await count();
      await t.app.inject({ method: 'DELETE', url: '/metrics' });
      await t.app.inject({ method: 'DELETE', url: '/metrics' });
      expect(await count()).toBe(before + 2);
    });
  });

  describe('GET /openapi.json', () => {
    let document: OpenApiDocument;
    beforeAll(async () => {
      const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      document = JSON.parse(res.body) as OpenApiDocument;
    });

    function openApiPath(url: string): string {
      return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    }

    function operationOf(route: RegisteredRoute): OpenApiOperation {
      return defined(
        document.paths[openApiPath(route.url)]?.[route.method.toLowerCase()],
        `${route.method} ${route.url}`,
      );
    }

    const adminRoutes = () =>
      registered.filter(
        (route) => route.url.startsWith('/admin/v1') && route.method !== 'HEAD' && route.contract?.summary,
      );

    it('is OpenAPI 3.1 with the issuer as server', () => {
      expect(document.openapi).toMatch(/^3\.1\./);
      expect(document.info.title).toBeTruthy();
      expect(document.info.version).toBeTruthy();
      expect(document.servers).toEqual([{ url: TEST_ISSUER }]);
      expect(document.components.schemas.Problem.properties.title.enum).toEqual(Object.keys(CATALOG));
    });

    it('has every /admin/v1 path and operation', () => {
      const routes = adminRoutes();
      expect(routes.length).toBeGreaterThanOrEqual(5);
      for (const path of ['/admin/v1/apps', '/admin/v1/apps/{clientId}', '/admin/v1/apps/{clientId}/secret']) {
        expect(document.paths[path], path).toBeDefined();
      }
      for (const route of routes) {
        const operation = operationOf(route);
        expect(operation.summary).toBe(route.contract?.summary);
        expect(operation.security).toEqual([{ adminKey: [] }]);
      }
    });

    it('every declared error code is an example under its catalog status, as problem+json', () => {
      const routes = registered.filter((route) => route.method !== 'HEAD' && route.contract?.summary);
      let checked = 0;
      for (const route of routes) {
        const operation = operationOf(route);
        for (const code of route.contract?.errors ?? []) {
          const status = String(CATALOG[code].status);
          const media = defined(
            operation.responses[status]?.content?.['application/problem+json'],
            `${route.method} ${route.url}: ${code} under ${status} as application/problem+json`,
          );
          expect(media.schema).toEqual({ $ref: '#/components/schemas/Problem' });
          const example = defined(media.examples[code], `${route.method} ${route.url}: example ${code}`);
          expect(example.value.title).toBe(code);
          expect(example.value.status).toBe(CATALOG[code].status);
          expect(example.value.type).toBe(`${TEST_ISSUER}/errors/${code}`);
          expect(example.value.category).toBe(CATALOG[code].category);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(10);
    });

    it('every error response lists only codes of its own status', () => {
      for (const [path, operations] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          for (const [status, response] of Object.entries(operation.responses)) {
            if (Number(status) < 400) continue;
            const examples = response.content?.['application/problem+json']?.examples ?? {};
            expect(Object.keys(examples).length, `${method} ${path} ${status}`).toBeGreaterThan(0);
            for (const code of Object.keys(examples)) {
              expect(CATALOG[code as ErrorCode].status, `${method} ${path} ${status} ${code}`).toBe(Number(status));
            }
          }
        }
      }
    });

    it('admin operations document their authentication errors', () => {
      const operation = defined(document.paths['/admin/v1/apps']?.post, 'POST /admin/v1/apps');
      const unauthorized = defined(operation.responses['401']?.content?.['application/problem+json'], '401');
      expect(Object.keys(unauthorized.examples).sort()).toEqual([
        'AUTH_INVALID_CREDENTIALS',
        'AUTH_MISSING_CREDENTIALS',
      ]);
      expect(operation.responses['415']).toBeDefined();
      expect(operation.responses['413']).toBeDefined();
    });
  });
});
