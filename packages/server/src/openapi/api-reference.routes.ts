/**
 * `GET /docs/api` (SPEC 8): the API reference page, rendered by idgate from its own
 * OpenAPI document (`api-reference.page.ts`) once, on first request, with its
 * stylesheet served by idgate under a fingerprinted path (no CDN, nothing inline: the
 * pages' CSP applies unchanged).
 */
import { STYLESHEET_PATH } from '@idgate/errors';
import type { FastifyInstance } from 'fastify';
import { pageSecurityHeaders } from '../http/security-headers.js';
import { asset, registerStaticAsset } from '../ui/assets.js';
import { type ReferenceDocument, renderApiReference } from './api-reference.page.js';
import { API_REFERENCE_PATH } from './openapi.js';

/** The reference's own styles, on top of the pages' stylesheet. */
const REFERENCE_STYLES = `body.api-reference{padding:1rem}
.api-reference main,.reference-header,.api-reference nav{max-width:72rem;margin:0 auto 1.5rem;background:#fff;border:1px solid #d0d4da;border-radius:8px;padding:1.5rem 2rem;box-sizing:border-box}
.api-reference h2{font-size:1.35rem;border-bottom:2px solid #d0d4da;padding-bottom:.25rem}
.api-reference h3{font-size:1.1rem;margin:2rem 0 .5rem;overflow-wrap:anywhere}
.api-reference h4{font-size:1rem;margin:1.25rem 0 .5rem}
.operation,.schema{border-top:1px solid #d0d4da;padding-top:.5rem}
.contents ul{list-style:none;padding-left:1rem;columns:2 24rem}
.contents li{margin:.15rem 0}
.method{display:inline-block;min-width:4.2rem;text-align:center;font:700 .8rem ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;padding:.1rem .35rem;border-radius:4px;border:2px solid currentColor;margin-right:.25rem}
.method-get{color:#0b5c2f}
.method-post{color:#0b4fb3}
.method-put,.method-patch{color:#7a4400}
.method-delete{color:#a3150d}
.operation-id,.rule{color:#4a5260}
.rule{font-size:.9em}
.api-reference table{margin:.5rem 0 1rem;font-size:.95rem}
.api-reference caption{text-align:left;font-weight:600;padding:.25rem 0}
.api-reference td,.api-reference th{overflow-wrap:break-word}
.api-reference thead th,.api-reference th.status{white-space:nowrap}
.api-reference details summary{cursor:pointer;color:#0b4fb3}
@media (max-width:36rem){body.api-reference{padding:.5rem}.api-reference main,.reference-header,.api-reference nav{padding:1rem .75rem}.contents ul{columns:1;padding-left:0}.contents li{overflow-wrap:anywhere}.api-reference td,.api-reference th{overflow-wrap:anywhere}.api-reference thead th,.api-reference th.status{white-space:normal}}
`;

/** The reference's stylesheet. */
export const API_REFERENCE_STYLESHEET = asset('api-reference', 'css', 'text/css; charset=utf-8', REFERENCE_STYLES);

/** Registers the page and its stylesheet; `documentOf` answers the document `/openapi.json` serves. */
export function registerApiReferenceRoutes(app: FastifyInstance, documentOf: () => unknown): void {
  let page: string | undefined;
  registerStaticAsset(app, API_REFERENCE_STYLESHEET);
  app.get(
    API_REFERENCE_PATH,
    { config: { idgate: { surface: 'page', produces: ['text/html'] } } },
    function apiReference(_request, reply) {
      page ??= renderApiReference(documentOf() as ReferenceDocument, {
        stylesheets: [STYLESHEET_PATH, API_REFERENCE_STYLESHEET.path],
        openApiPath: '/openapi.json',
        errorsPath: '/errors',
      });
      return reply
        .headers(pageSecurityHeaders())
        .header('cache-control', 'public, max-age=300')
        .type('text/html; charset=utf-8')
        .send(page);
    },
  );
}
