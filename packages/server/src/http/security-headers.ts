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

/** Headers every HTML page carries. */
export function pageSecurityHeaders(): Readonly<Record<string, string>> {
  return PAGE_HEADERS;
}
