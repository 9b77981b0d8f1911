/**
 * The error reference served by idgate (SPEC 3.2): `GET /errors` and
 * `GET /errors/{CODE}`, HTML for browsers and JSON for `Accept: application/json`,
 * generated from the catalog and the transaction tables (and cached: neither changes at
 * run time). The index also lists the transaction status codes and states (SPEC 4.1,
 * 4.2), and each status code has its page (`/errors/err_user_cancelled`), so an `err_…`
 * an app receives in a redirect resolves on idgate like a catalog code does. The same
 * route serves the catalog by HTTP status (`/errors/429`) and by OAuth `error` value
 * (`/errors/invalid_request`): every code behind it, with its causes and fixes.
 */
import {
  CATALOG_STATUSES,
  ERROR_CODES,
  errorReference,
  errorReferenceDocument,
  IdgateError,
  OAUTH_REFERENCE_VALUES,
  oauthErrorReference,
  PAGE_STYLESHEET,
  renderErrorReferenceHtml,
  renderErrorReferenceIndexHtml,
  renderOAuthErrorReferenceHtml,
  renderStatusReferenceHtml,
  renderTxStatusReferenceHtml,
  statusReference,
  TX_STATUS_CODES,
  txStatusReference,
} from '@idgate/errors';
import type { FastifyInstance } from 'fastify';
import { negotiateMediaType } from '../http/media-types.js';
import { pageSecurityHeaders } from '../http/security-headers.js';

const OFFERED = ['text/html', 'application/json'] as const;
const CACHE = 'public, max-age=300';

/** Registers the error reference and the pages' stylesheet; `issuer` is idgate's public base URL. */
export function registerErrorReferenceRoutes(app: FastifyInstance, issuer: string): void {
  // Every page of the reference, by the last path segment: its JSON now, its HTML on first use.
  const pages = new Map<string, { readonly json: string; readonly html: () => string }>([
    ...ERROR_CODES.map(
      (code) =>
        [
          code,
          { json: JSON.stringify(errorReference(code, issuer)), html: () => renderErrorReferenceHtml(code, issuer) },
        ] as const,
    ),
    ...TX_STATUS_CODES.map(
      (code) =>
        [
          code,
          {
            json: JSON.stringify(txStatusReference(code, issuer)),
            html: () => renderTxStatusReferenceHtml(code, issuer),
          },
        ] as const,
    ),
    ...CATALOG_STATUSES.map(
      (status) =>
        [
          String(status),
          {
            json: JSON.stringify(statusReference(status, issuer)),
            html: () => renderStatusReferenceHtml(status, issuer),
          },
        ] as const,
    ),
    ...OAUTH_REFERENCE_VALUES.map(
      (error) =>
        [
          error,
          {
            json: JSON.stringify(oauthErrorReference(error, issuer)),
            html: () => renderOAuthErrorReferenceHtml(error, issuer),
          },
        ] as const,
    ),
  ]);
  const html = new Map<string, string>();
  const indexJson = JSON.stringify(errorReferenceDocument(issuer));
  let indexHtml: string | undefined;

  app.get(
    '/errors',
    { config: { idgate: { surface: 'problem', produces: OFFERED, summary: 'The error reference', tag: 'errors' } } },
    function errorIndex(request, reply) {
      reply.header('cache-control', CACHE).header('vary', 'Accept');
      if (negotiateMediaType(request.headers.accept, OFFERED) === 'application/json') {
        return reply.type('application/json; charset=utf-8').send(indexJson);
      }
      indexHtml ??= renderErrorReferenceIndexHtml(issuer);
      return reply
        .headers(pageSecurityHeaders())
        .header('cache-control', CACHE)
        .type('text/html; charset=utf-8')
        .send(indexHtml);
    },
  );

  app.get<{ Params: { code: string } }>(
    '/errors/:code',
    {
      config: {
        idgate: {
          surface: 'problem',
          produces: OFFERED,
          errors: ['RESOURCE_NOT_FOUND'],
          summary: 'One error code, transaction status code, HTTP status or OAuth error value',
          tag: 'errors',
        },
      },
    },
    function errorPage(request, reply) {
      const code = request.params.code;
      const reference = pages.get(code);
      if (reference === undefined) {
        throw new IdgateError('RESOURCE_NOT_FOUND', {
          detail: `There is no error code, transaction status code, HTTP status or OAuth error '${code.slice(0, 64)}' in the reference.`,
          context: { code: code.slice(0, 64) },
        });
      }
      reply.header('cache-control', CACHE).header('vary', 'Accept');
      if (negotiateMediaType(request.headers.accept, OFFERED) === 'application/json') {
        return reply.type('application/json; charset=utf-8').send(reference.json);
      }
      let page = html.get(code);
      if (page === undefined) {
        page = reference.html();
        html.set(code, page);
      }
      return reply
        .headers(pageSecurityHeaders())
        .header('cache-control', CACHE)
        .type('text/html; charset=utf-8')
        .send(page);
    },
  );

  app.get('/assets/idgate.css', { config: { idgate: { surface: 'problem' } } }, function stylesheet(_request, reply) {
    return reply.header('cache-control', 'public, max-age=3600').type('text/css; charset=utf-8').send(PAGE_STYLESHEET);
  });
}
