/**
 * SPEC 3.2: the error reference by HTTP status (`/errors/429`) and by OAuth `error` value
 * (`/errors/invalid_request`), HTML and JSON by `Accept`, generated from the catalog: each
 * lists exactly the codes behind it, with their causes and fixes, so an integrator holding
 * only a status or an `error` value finds why and how to fix it. Catalog texts render
 * their backticks as `<code>`.
 */
import {
  CATALOG,
  CATALOG_STATUSES,
  ERROR_CODES,
  inlineMarkdownToHtml,
  OAUTH_ERROR_TEXTS,
  OAUTH_REFERENCE_VALUES,
  type OAuthErrorReference,
  oauthStatusFor,
  STATUS_TEXTS,
  type StatusReference,
  TX_STATUS_CODES,
  TX_STATUS_DEFINITIONS,
  TX_STATUS_TEXTS,
} from '@idgate/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_ISSUER, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';

const KIND = TEST_DATABASE_KINDS[0] ?? 'sqlite';

describe(`error reference by HTTP status and by OAuth error (${KIND})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(KIND);
  });
  afterAll(async () => {
    await t.close();
  });

  async function json<T>(path: string): Promise<T> {
    const res = await t.app.inject({ method: 'GET', url: path, headers: { accept: 'application/json' } });
    expect(res.statusCode, path).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers.vary).toContain('Accept');
    return JSON.parse(res.body) as T;
  }

  async function html(path: string): Promise<string> {
    const res = await t.app.inject({ method: 'GET', url: path, headers: { accept: 'text/html' } });
    expect(res.statusCode, path).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.body).not.toMatch(/<script|style=/i);
    return res.body;
  }

  it('the statuses are exactly those of the catalog', () => {
    expect(CATALOG_STATUSES).toEqual([...new Set(ERROR_CODES.map((code) => CATALOG[code].status))].sort());
  });

  it('GET /errors/429 as JSON: the status, its meaning and retry, and its one code with causes and fixes', async () => {
    const body = await json<StatusReference>('/errors/429');
    const entry = CATALOG.SYSTEM_RATE_LIMITED;
    expect(body).toEqual({
      status: 429,
      reason: 'Too Many Requests',
      meaning: STATUS_TEXTS[429].meaning,
      category: 'client',
      retry: 'after_retry_after',
      retryable: true,
      codes: [
        {
          code: 'SYSTEM_RATE_LIMITED',
          status: 429,
          oauthStatus: 429,
          description: entry.description,
          causes: entry.causes,
          fixes: entry.fixes,
          docUrl: `${TEST_ISSUER}/errors/SYSTEM_RATE_LIMITED`,
        },
      ],
      docUrl: `${TEST_ISSUER}/errors/429`,
    });
  });

  it.each(CATALOG_STATUSES.map((status) => [status] as const))(
    'GET /errors/%s lists exactly the codes of that status, in catalog order, HTML and JSON',
    async (status) => {
      const expected = ERROR_CODES.filter((code) => CATALOG[code].status === status);
      const body = await json<StatusReference>(`/errors/${status}`);
      expect(body.status).toBe(status);
      expect(body.reason).toBe(STATUS_TEXTS[status].reason);
      expect(body.codes.map((code) => code.code)).toEqual(expected);
      expect(body.category).toBe(CATALOG[expected[0] ?? 'SYSTEM_INTERNAL_ERROR'].category);
      const page = await html(`/errors/${status}`);
      expect(page).toContain(`<h1>HTTP ${status} ${STATUS_TEXTS[status].reason}</h1>`);
      for (const code of expected) {
        expect(page).toContain(`<a href="${TEST_ISSUER}/errors/${code}"><code>${code}</code></a>`);
        for (const text of [...CATALOG[code].causes, ...CATALOG[code].fixes]) {
          expect(page).toContain(`<li>${inlineMarkdownToHtml(text)}</li>`);
        }
      }
      // Codes of other statuses are not on the page.
      for (const code of ERROR_CODES.filter((other) => CATALOG[other].status !== status)) {
        expect(page).not.toContain(`<code>${code}</code></a></h3>`);
      }
    },
  );

  it('GET /errors/invalid_request as JSON: the codes at the token endpoint, in Bearer challenges and in redirects', async () => {
    const body = await json<OAuthErrorReference>('/errors/invalid_request');
    expect(body.error).toBe('invalid_request');
    expect(body.meaning).toBe(OAUTH_ERROR_TEXTS.invalid_request.meaning);
    expect(body.docUrl).toBe(`${TEST_ISSUER}/errors/invalid_request`);
    expect(body.tokenEndpoint.map((code) => code.code)).toEqual(
      ERROR_CODES.filter((code) => CATALOG[code].oauth === 'invalid_request'),
    );
    expect(body.bearerChallenge.map((code) => code.code)).toEqual([
      'VALIDATION_MISSING_PARAMETER',
      'VALIDATION_INVALID_PARAMETER',
    ]);
    expect(body.authorizationRedirect).toEqual([
      {
        code: 'err_invalid_request',
        txState: 'failed',
        description: TX_STATUS_DEFINITIONS.err_invalid_request.description,
        causes: TX_STATUS_TEXTS.err_invalid_request.causes,
        fixes: TX_STATUS_TEXTS.err_invalid_request.fixes,
        docUrl: `${TEST_ISSUER}/errors/err_invalid_request`,
      },
    ]);
    const first = body.tokenEndpoint[0];
    expect(first?.oauthStatus).toBe(oauthStatusFor('VALIDATION_MISSING_PARAMETER'));
  });

  it('GET /errors/access_denied: only redirects carry it, with every err_… code mapped to it', async () => {
    const body = await json<OAuthErrorReference>('/errors/access_denied');
    expect(body.tokenEndpoint).toEqual([]);
    expect(body.bearerChallenge).toEqual([]);
    expect(body.authorizationRedirect.map((code) => code.code)).toEqual(
      TX_STATUS_CODES.filter((code) => TX_STATUS_DEFINITIONS[code].oauth === 'access_denied'),
    );
    const page = await html('/errors/access_denied');
    expect(page).toContain('<h1><code>access_denied</code></h1>');
    expect(page).toContain('<h2 id="authorization-redirect">In authorization redirects</h2>');
    expect(page).not.toContain('id="token-endpoint"');
    expect(page).toContain(`<li>${inlineMarkdownToHtml(TX_STATUS_TEXTS.err_user_cancelled.causes[0] ?? '')}</li>`);
  });

  it('GET /errors/invalid_token: the Bearer challenge codes', async () => {
    const body = await json<OAuthErrorReference>('/errors/invalid_token');
    expect(body.bearerChallenge.map((code) => code.code)).toEqual(
      ERROR_CODES.filter((code) => CATALOG[code].bearer === 'invalid_token'),
    );
    expect(body.tokenEndpoint).toEqual([]);
  });

  it.each(OAUTH_REFERENCE_VALUES.map((value) => [value] as const))(
    'GET /errors/%s names every code mapped to it on every surface, HTML and JSON',
    async (value) => {
      const body = await json<OAuthErrorReference>(`/errors/${value}`);
      const codes = [...body.tokenEndpoint, ...body.bearerChallenge, ...body.authorizationRedirect];
      expect(codes.length, `${value} has codes`).toBeGreaterThan(0);
      const page = await html(`/errors/${value}`);
      for (const code of codes)
        expect(page).toContain(`<a href="${TEST_ISSUER}/errors/${code.code}"><code>${code.code}</code></a>`);
    },
  );

  it('every catalog OAuth error, Bearer error and transaction OAuth error has its page', () => {
    const values = new Set<string>(OAUTH_REFERENCE_VALUES);
    for (const code of ERROR_CODES) {
      expect(values.has(CATALOG[code].oauth), code).toBe(true);
      const bearer = CATALOG[code].bearer;
      if (bearer !== undefined) expect(values.has(bearer), code).toBe(true);
    }
    for (const code of TX_STATUS_CODES) expect(values.has(TX_STATUS_DEFINITIONS[code].oauth), code).toBe(true);
  });

  it('GET /errors (JSON) carries the status and OAuth views; the HTML index links each page', async () => {
    const body = await json<{ statuses: StatusReference[]; oauthErrors: OAuthErrorReference[] }>('/errors');
    expect(body.statuses.map((entry) => entry.status)).toEqual([...CATALOG_STATUSES]);
    expect(body.oauthErrors.map((entry) => entry.error)).toEqual([...OAUTH_REFERENCE_VALUES]);
    const page = await html('/errors');
    for (const status of CATALOG_STATUSES)
      expect(page).toContain(`<a href="${TEST_ISSUER}/errors/${status}">${status} `);
    for (const value of OAUTH_REFERENCE_VALUES) {
      expect(page).toContain(`<a href="${TEST_ISSUER}/errors/${value}"><code>${value}</code></a>`);
    }
  });

  it('a code page links its status and OAuth error pages, and shows backticks as code', async () => {
    const page = await html('/errors/AUTH_INVALID_CREDENTIALS');
    expect(page).toContain(`<dt>Status</dt><dd><a href="${TEST_ISSUER}/errors/401">401</a></dd>`);
    expect(page).toContain(`<a href="${TEST_ISSUER}/errors/invalid_client"><code>invalid_client</code></a>`);
    expect(page).toContain('(<code>test_</code> prefix)');
    expect(page.split('<h2>Example</h2>')[0]).not.toContain('`');
  });

  it.each(['299', '418', '4290', '42', 'Invalid_request', 'err_invalid', 'valueOf'])(
    'GET /errors/%s is 404 RESOURCE_NOT_FOUND',
    async (value) => {
      const res = await t.app.inject({
        method: 'GET',
        url: `/errors/${value}`,
        headers: { accept: 'application/json' },
      });
      const problem = expectProblem(res, 'RESOURCE_NOT_FOUND', { instance: `/errors/${value}` });
      expect(problem.context).toEqual({ code: value });
    },
  );
});
