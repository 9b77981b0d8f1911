/**
 * An app's branding on its hosted pages: its name and logo in the header, its colours as
 * CSS custom properties. The colours come from a stylesheet idgate serves at a path that
 * spells them (`/assets/brand/<primary>-<accent>.css`): content-addressed like the other
 * assets (cached for a year, the same for every instance, no lookup), and allowed by
 * `style-src 'self'`, so the pages keep their CSP without inline style. The logo is loaded
 * by the browser from the app's own https origin, which the page's CSP names in `img-src`
 * (idgate fetches nothing).
 */
import { IdgateError } from '@idgate/errors';
import type { FastifyInstance } from 'fastify';
import type { AppBranding, AppRecord } from '../store/apps.repository.js';
import { ASSET_CACHE_CONTROL } from './assets.js';

/** idgate's own colours, used where an app sets only one of its two. */
export const DEFAULT_PRIMARY_COLOR = '#0b4fb3';
export const DEFAULT_ACCENT_COLOR = '#0b4fb3';

/** What a hosted page shows of its app's branding. */
export interface PageBranding {
  /** The name in the header (the branding's name, else the app's name). */
  readonly name: string;
  readonly logoUrl: string | undefined;
  /** The logo's origin, for the page's `img-src`. */
  readonly logoOrigin: string | undefined;
  /** The stylesheet with the app's colours, when it has any. */
  readonly stylesheetPath: string | undefined;
}

const BRAND_FILE = /^([0-9a-f]{6})-([0-9a-f]{6})\.css$/;

/** A CSP source expression of an origin (scheme, plain host, port), or `undefined` when it is none. */
function cspOrigin(url: string): string | undefined {
  const origin = new URL(url).origin;
  return /^https?:\/\/[a-z0-9.-]+(?::\d{1,5})?$/.test(origin) ? origin : undefined;
}

/** The stylesheet path of a pair of colours. */
export function brandStylesheetPath(branding: Pick<AppBranding, 'primaryColor' | 'accentColor'>): string {
  const primary = (branding.primaryColor ?? DEFAULT_PRIMARY_COLOR).slice(1);
  const accent = (branding.accentColor ?? DEFAULT_ACCENT_COLOR).slice(1);
  return `/assets/brand/${primary}-${accent}.css`;
}

/** The page branding of an app, or `undefined` for an app without branding. */
export function pageBrandingOf(app: Pick<AppRecord, 'name' | 'branding'>): PageBranding | undefined {
  const { branding } = app;
  if (branding === null) return undefined;
  const coloured = branding.primaryColor !== undefined || branding.accentColor !== undefined;
  return {
    name: branding.name ?? app.name,
    logoUrl: branding.logoUrl,
    logoOrigin: branding.logoUrl === undefined ? undefined : cspOrigin(branding.logoUrl),
    stylesheetPath: coloured ? brandStylesheetPath(branding) : undefined,
  };
}

/** The stylesheet of a pair of `#rrggbb` colours: the custom properties the hosted pages' styles read. */
export function brandStylesheet(primary: string, accent: string): string {
  return `:root{--idgate-primary:${primary};--idgate-accent:${accent}}\n`;
}

/** Registers `GET /assets/brand/<primary>-<accent>.css`. */
export function registerBrandStylesheets(app: FastifyInstance): void {
  app.get<{ Params: { file: string } }>(
    '/assets/brand/:file',
    { config: { idgate: { surface: 'page', errors: ['RESOURCE_NOT_FOUND'] } } },
    function brandStylesheetAsset(request, reply) {
      const match = BRAND_FILE.exec(request.params.file);
      if (match === null) {
        throw new IdgateError('RESOURCE_NOT_FOUND', {
          detail: 'There is no such brand stylesheet.',
          context: { file: request.params.file.slice(0, 64) },
        });
      }
      return reply
        .header('cache-control', ASSET_CACHE_CONTROL)
        .header('x-content-type-options', 'nosniff')
        .header('cross-origin-resource-policy', 'same-origin')
        .header('content-type', 'text/css; charset=utf-8')
        .send(brandStylesheet(`#${match[1]}`, `#${match[2]}`));
    },
  );
}
