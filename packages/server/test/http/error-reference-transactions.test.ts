/**
 * SPEC 3.2 with 4.1 / 4.2: the served error reference holds what docs/errors.md holds, the
 * transaction status codes (`err_…`) and states included. An `err_…` an app receives in
 * an authorization redirect (`error_description`) or a REST read (`error.code`) has its own
 * page on idgate, HTML or JSON by `Accept`, like a catalog code; an unknown one is a 404
 * problem.
 */
import {
  CATALOG,
  ERROR_CODES,
  escapeHtml,
  inlineMarkdownToHtml,
  messagesFor,
  TX_STATES,
  TX_STATUS_CODES,
  TX_STATUS_DEFINITIONS,
  TX_STATUS_TEXTS,
  TX_TRANSITIONS,
  type TxStatusReference,
} from '@idgate/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_ISSUER, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';

describe.each(TEST_DATABASE_KINDS)('error reference: transaction status codes and states (%s)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  it('GET /errors (JSON) lists every transaction status code and every state, besides the catalog', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/errors', headers: { accept: 'application/json' } });
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(res.body) as {
      errors: { code: string }[];
      transactionStatusCodes: TxStatusReference[];
      states: { state: string; terminal: boolean; next: string[] }[];
    };
    expect(body.errors.map((entry) => entry.code)).toEqual([...ERROR_CODES]);
    expect(body.transactionStatusCodes.map((entry) => entry.code)).toEqual([...TX_STATUS_CODES]);
    for (const entry of body.transactionStatusCodes) {
      const definition = TX_STATUS_DEFINITIONS[entry.code];
      expect(entry).toMatchObject({
        oauthError: definition.oauth,
        txState: definition.state,
        description: definition.description,
        docUrl: `${TEST_ISSUER}/errors/${entry.code}`,
      });
    }
    expect(body.states).toEqual(
      TX_STATES.map((state) => ({ state, terminal: TX_TRANSITIONS[state].length === 0, next: TX_TRANSITIONS[state] })),
    );
  });

  it('GET /errors (HTML) links every transaction status code and lists every state', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/errors', headers: { accept: 'text/html' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    for (const code of TX_STATUS_CODES) {
      expect(res.body).toContain(`<a href="${TEST_ISSUER}/errors/${code}"><code>${code}</code></a>`);
      expect(res.body).toContain(inlineMarkdownToHtml(TX_STATUS_DEFINITIONS[code].description));
    }
    for (const state of TX_STATES) expect(res.body).toContain(`<tr><td><code>${state}</code></td>`);
    for (const code of ERROR_CODES) expect(res.body).toContain(`href="${TEST_ISSUER}/errors/${code}"`);
  });

  it('every transaction status code has a 200 page, JSON and HTML', async () => {
    for (const code of TX_STATUS_CODES) {
      const json = await t.app.inject({
        method: 'GET',
        url: `/errors/${code}`,
        headers: { accept: 'application/json' },
      });
      expect(json.statusCode, code).toBe(200);
      expect((JSON.parse(json.body) as { code: string }).code).toBe(code);
      const html = await t.app.inject({ method: 'GET', url: `/errors/${code}`, headers: { accept: 'text/html' } });
      expect(html.statusCode, code).toBe(200);
      expect(html.body).toContain(`<h1><code>${code}</code></h1>`);
    }
  });

  it('GET /errors/err_user_cancelled as JSON: OAuth error, end state, messages, catalog codes, example redirect', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/errors/err_user_cancelled',
      headers: { accept: 'application/json' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers.vary).toContain('Accept');
    const body = JSON.parse(res.body) as TxStatusReference;
    expect(body).toEqual({
      code: 'err_user_cancelled',
      oauthError: 'access_denied',
      txState: 'cancelled',
      description: TX_STATUS_DEFINITIONS.err_user_cancelled.description,
      causes: TX_STATUS_TEXTS.err_user_cancelled.causes,
      fixes: TX_STATUS_TEXTS.err_user_cancelled.fixes,
      userMessage: {
        en: messagesFor('en').txStatus.err_user_cancelled,
        de: messagesFor('de').txStatus.err_user_cancelled,
      },
      catalogCodes: ERROR_CODES.filter((code) => CATALOG[code].txStatus === 'err_user_cancelled'),
      docUrl: `${TEST_ISSUER}/errors/err_user_cancelled`,
      exampleRedirect: `https://app.example/callback?error=access_denied&error_description=err_user_cancelled&tx_state=cancelled&state=xyz&iss=${encodeURIComponent(TEST_ISSUER)}`,
    });
    expect(body.userMessage.de).not.toBe(body.userMessage.en);
  });

  it('GET /errors/err_provider_unavailable as JSON names the catalog codes that end a transaction with it', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/errors/err_provider_unavailable',
      headers: { accept: 'application/json' },
    });
    const body = JSON.parse(res.body) as TxStatusReference;
    expect(body.oauthError).toBe('temporarily_unavailable');
    expect(body.catalogCodes).toEqual(['PROVIDER_UNAVAILABLE']);
  });

  it('GET /errors/err_user_cancelled as HTML: the code, its description, OAuth error, state, messages, example', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/errors/err_user_cancelled',
      headers: { accept: 'text/html' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.body).toContain('<h1><code>err_user_cancelled</code></h1>');
    expect(res.body).toContain(escapeHtml(TX_STATUS_DEFINITIONS.err_user_cancelled.description));
    expect(res.body).toContain(`<dd><a href="${TEST_ISSUER}/errors/access_denied"><code>access_denied</code></a></dd>`);
    for (const text of [...TX_STATUS_TEXTS.err_user_cancelled.causes, ...TX_STATUS_TEXTS.err_user_cancelled.fixes]) {
      expect(res.body).toContain(`<li>${inlineMarkdownToHtml(text)}</li>`);
    }
    expect(res.body).toContain('<dd><code>cancelled</code>');
    expect(res.body).toContain(escapeHtml(messagesFor('en').txStatus.err_user_cancelled));
    expect(res.body).toContain(escapeHtml(messagesFor('de').txStatus.err_user_cancelled));
    expect(res.body).toContain(escapeHtml('error_description=err_user_cancelled&tx_state=cancelled'));
    expect(res.body).toContain(`href="${TEST_ISSUER}/errors#transaction-status-codes"`);
  });

  it('an error redirect’s error_description resolves to its page', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/errors/err_provider_error',
      headers: { accept: 'text/html' },
    });
    expect(res.statusCode).toBe(200);
    for (const code of ERROR_CODES.filter((errorCode) => CATALOG[errorCode].txStatus === 'err_provider_error')) {
      expect(res.body).toContain(`href="${TEST_ISSUER}/errors/${code}"`);
    }
  });

  it.each(['err_nope', 'ERR_USER_CANCELLED', 'err_', 'hasOwnProperty'])(
    'GET /errors/%s is 404 RESOURCE_NOT_FOUND (JSON and HTML clients alike get a problem or page)',
    async (code) => {
      const res = await t.app.inject({
        method: 'GET',
        url: `/errors/${code}`,
        headers: { accept: 'application/json' },
      });
      const problem = expectProblem(res, 'RESOURCE_NOT_FOUND', { instance: `/errors/${code}` });
      expect(problem.context).toEqual({ code });
    },
  );
});
