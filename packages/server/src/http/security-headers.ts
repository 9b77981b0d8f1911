/**
 * Security headers of idgate's HTML pages: no inline script or style — scripts (the
 * hosted pages' static poll script), the requests they make and styles come from our own
 * origin only — never framed, no referrer (pages may carry codes or transaction ids in
 * their URL).
 */

const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy':
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
});

/** A CSP source expression of an origin: scheme, a plain host name or IPv4 address, and a port. */
const ORIGIN_SOURCE = /^https?:\/\/[a-z0-9.-]+(?::\d{1,5})?$/;

/**
 * Headers every HTML page carries. `imageOrigin` (a branded page's logo) is added to
 * `img-src` for that page only.
 * @throws RangeError when `imageOrigin` is not a plain origin (a programmer error: the
 *   apps service validates logo URLs)
 */
export function pageSecurityHeaders(imageOrigin?: string): Readonly<Record<string, string>> {
  if (imageOrigin === undefined) return PAGE_HEADERS;
  if (!ORIGIN_SOURCE.test(imageOrigin)) throw new RangeError(`not a plain origin for img-src: ${imageOrigin}`);
  return {
    ...PAGE_HEADERS,
    'content-security-policy': (PAGE_HEADERS['content-security-policy'] ?? '').replace(
      "img-src 'self' data:",
      `img-src 'self' data: ${imageOrigin}`,
    ),
  };
}
