/**
 * Content negotiation: `Accept` (RFC 9110 §12.5.1) against what a route produces, and a
 * request's `Content-Type` against what it consumes.
 */

interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [range = '', ...params] = part.split(';');
    const [type = '', subtype = ''] = range.trim().toLowerCase().split('/');
    if (!type || !subtype) continue;
    let q = 1;
    for (const param of params) {
      const [key = '', value = ''] = param.split('=');
      if (key.trim().toLowerCase() === 'q') q = Number.parseFloat(value.trim());
    }
    ranges.push({ type, subtype, q: Number.isFinite(q) ? q : 0 });
  }
  return ranges;
}

function specificity(range: MediaRange): number {
  return (range.type === '*' ? 0 : 2) + (range.subtype === '*' ? 0 : 1);
}

/** The quality an `Accept` header gives one media type (0 = not acceptable). */
function qualityOf(ranges: readonly MediaRange[], mediaType: string): number {
  const [type = '', subtype = ''] = mediaType.toLowerCase().split('/');
  let best: MediaRange | undefined;
  for (const range of ranges) {
    const matches = (range.type === '*' || range.type === type) && (range.subtype === '*' || range.subtype === subtype);
    if (matches && (best === undefined || specificity(range) > specificity(best))) best = range;
  }
  return best?.q ?? 0;
}

/**
 * The best of `offered` for an `Accept` header, or `undefined` when it excludes all.
 * A missing or empty header accepts anything (the first offer).
 */
export function negotiateMediaType(accept: string | undefined, offered: readonly string[]): string | undefined {
  if (accept === undefined || accept.trim() === '') return offered[0];
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return offered[0];
  let bestType: string | undefined;
  let bestQ = 0;
  for (const type of offered) {
    const q = qualityOf(ranges, type);
    if (q > bestQ) {
      bestQ = q;
      bestType = type;
    }
  }
  return bestType;
}

/** Whether the client prefers HTML (a browser) over JSON. */
export function prefersHtml(accept: string | undefined): boolean {
  return negotiateMediaType(accept, ['application/json', 'text/html']) === 'text/html';
}

/**
 * Whether the client prefers JSON over HTML (a hosted page's errors then answer as
 * problem+json): a missing `Accept`, or one that ranks HTML first or accepts neither,
 * gets the page.
 */
export function prefersJson(accept: string | undefined): boolean {
  const best = negotiateMediaType(accept, ['text/html', 'application/problem+json', 'application/json']);
  return best !== undefined && best !== 'text/html';
}

/** The bare media type of a `Content-Type` header (`application/json; charset=utf-8` → `application/json`). */
export function bareMediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const bare = contentType.split(';')[0]?.trim().toLowerCase();
  return bare ? bare : undefined;
}
