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
  type SupportContact,
  type SupportQuote,
  statusReference,
  TX_STATUS_CODES,
  txStatusReference,
} from '@idgate/errors';
import type { FastifyInstance } from 'fastify';
import { negotiateMediaType } from '../http/media-types.js';
import { pageSecurityHeaders } from '../http/security-headers.js';

const OFFERED = ['text/html', 'application/json'] as const;
const CACHE = 'public, max-age=300';

/** The request id an error page quotes: the `X-Request-Id` syntax (SPEC 3). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The time an error page quotes: ISO 8601 in UTC, as the page writes it. */
const QUOTED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/**
 * What an error page's link to its code carries (`?request_id=…&at=…`), when both are
 * well-formed: the code's page repeats them next to the support contact. Anything else is
 * ignored (the page is shown without them).
 */
function quoteOf(query: Record<string, unknown>): SupportQuote | undefined {
  const requestId = query.request_id;
  const at = query.at;
  if (typeof requestId !== 'string' || !REQUEST_ID.test(requestId) || typeof at !== 'string') return undefined;
  if (!QUOTED_TIME.test(at) || Number.isNaN(Date.parse(at))) return undefined;
  return { requestId, at: new Date(at) };
}

/** One page of the reference: its JSON, and its HTML (for a catalog code, with the quote of an error page's link). */
interface ReferencePage {
  readonly json: string;
  readonly html: (quote?: SupportQuote) => string;
  /** Whether the page repeats an error page's request id and time (catalog codes). */
  readonly quotes: boolean;
}

/**
 * Registers the error reference and the pages' stylesheet; `issuer` is idgate's public
 * base URL, `support` the operator's contact shown on each code's page.
 */
export function registerErrorReferenceRoutes(
  app: FastifyInstance,
  issuer: string,
  support?: SupportContact | undefined,
): void {
  // Every page of the reference, by the last path segment: its JSON now, its HTML on first use.
  const pages = new Map<string, ReferencePage>([
    ...ERROR_CODES.map(
      (code) =>
        [
          code,
          {
            json: JSON.stringify(errorReference(code, issuer)),
            html: (quote?: SupportQuote) => renderErrorReferenceHtml(code, issuer, { support, quote }),
            quotes: true,
          },
        ] as const,
    ),
    ...TX_STATUS_CODES.map(
      (code) =>
        [
          code,
          {
            json: JSON.stringify(txStatusReference(code, issuer)),
            html: () => renderTxStatusReferenceHtml(code, issuer),
            quotes: false,
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
            quotes: false,
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
            quotes: false,
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
      const quote = reference.quotes ? quoteOf(request.query as Record<string, unknown>) : undefined;
      let page = quote === undefined ? html.get(code) : undefined;
      if (page === undefined) {
        page = reference.html(quote);
        // Pages with a person's request id are rendered for them, not kept.
        if (quote === undefined) html.set(code, page);
      }
      return reply
        .headers(pageSecurityHeaders())
        .header('cache-control', quote === undefined ? CACHE : 'no-store')
        .type('text/html; charset=utf-8')
        .send(page);
    },
  );

  app.get('/assets/idgate.css', { config: { idgate: { surface: 'problem' } } }, function stylesheet(_request, reply) {
    return reply.header('cache-control', 'public, max-age=3600').type('text/css; charset=utf-8').send(PAGE_STYLESHEET);
  });
}
