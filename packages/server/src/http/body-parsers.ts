/**
 * Request body parsers. JSON (also `application/merge-patch+json`) through Fastify's
 * own safe parser; `application/x-www-form-urlencoded` for the OAuth endpoints, where a
 * repeated parameter becomes an array so the route can refuse it (RFC 6749 §3.1:
 * parameters MUST NOT be included more than once). Any other type is 415.
 */
import type { FastifyInstance } from 'fastify';

/** A parsed form body: a value, or the values of a repeated parameter. */
export type FormBody = Record<string, string | string[]>;

/**
 * Parses `application/x-www-form-urlencoded` text exactly as the WHATWG URL Standard's
 * parser (`URLSearchParams`) does. Most OAuth bodies are plain ASCII with a few `+` and
 * valid escapes, which are split and decoded here directly (several times faster than
 * `URLSearchParams` on a `/token` body); an escape `decodeURIComponent` refuses (not
 * UTF-8, a bare `%`) sends the whole text to `URLSearchParams`, which keeps such bytes
 * as the standard says.
 */
export function parseForm(text: string): FormBody {
  const body: FormBody = Object.create(null) as FormBody;
  try {
    let start = 0;
    while (start <= text.length) {
      let end = text.indexOf('&', start);
      if (end === -1) end = text.length;
      if (end > start) {
        const equals = text.indexOf('=', start);
        const nameEnd = equals === -1 || equals > end ? end : equals;
        const name = decodeFormComponent(text.slice(start, nameEnd));
        const value = nameEnd === end ? '' : decodeFormComponent(text.slice(nameEnd + 1, end));
        add(body, name, value);
      }
      start = end + 1;
    }
    return body;
  } catch {
    return parseFormStrictly(text);
  }
}

/** `+` is a space, then percent-decoding as UTF-8; throws URIError on an escape it cannot decode. */
function decodeFormComponent(component: string): string {
  const spaced = component.includes('+') ? component.replaceAll('+', ' ') : component;
  return spaced.includes('%') ? decodeURIComponent(spaced) : spaced;
}

/** The WHATWG parser itself, for text with escapes that are not valid UTF-8. */
function parseFormStrictly(text: string): FormBody {
  const body: FormBody = Object.create(null) as FormBody;
  // The constructor drops one leading `?` (for query strings); the form parser does not.
  for (const [name, value] of new URLSearchParams(`?${text}`)) add(body, name, value);
  return body;
}

/** Adds a parameter; a repeated one becomes an array of its values, in order. */
function add(body: FormBody, name: string, value: string): void {
  const existing = body[name];
  if (existing === undefined) body[name] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else body[name] = [existing, value];
}

/** Replaces Fastify's default parsers with idgate's set. */
export function installBodyParsers(app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(
    'application/merge-patch+json',
    { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'),
  );
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    function parseFormBody(_request, text, done) {
      done(null, parseForm(text as string));
    },
  );
}
