/**
 * Request body parsers. JSON (also `application/merge-patch+json`) through Fastify's
 * own safe parser; `application/x-www-form-urlencoded` for the OAuth endpoints, where a
 * repeated parameter becomes an array so the route can refuse it (RFC 6749 §3.1:
 * parameters MUST NOT be included more than once). Any other type is 415.
 */
import type { FastifyInstance } from 'fastify';

/** A parsed form body: a value, or the values of a repeated parameter. */
export type FormBody = Record<string, string | string[]>;

/** Parses `application/x-www-form-urlencoded` text. */
export function parseForm(text: string): FormBody {
  const body: FormBody = Object.create(null) as FormBody;
  for (const [name, value] of new URLSearchParams(text)) {
    const existing = body[name];
    if (existing === undefined) body[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else body[name] = [existing, value];
  }
  return body;
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
