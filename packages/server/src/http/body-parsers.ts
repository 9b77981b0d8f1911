/**
 * Request body and query parsers. JSON (also `application/merge-patch+json`) through
 * Fastify's own safe parser, then checked against idgate's JSON bounds (`json-bounds.ts`);
 * `application/x-www-form-urlencoded` for the OAuth endpoints and hosted forms, and the
 * same parser for every query string, where a repeated parameter becomes an array so the
 * route can refuse it (RFC 6749 §3.1: parameters MUST NOT be included more than once).
 * Malformed percent-encoding is noted (`parameter-encoding.ts`) and refused. Any other
 * body type is 415.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { jsonBoundProblems, jsonBoundsError } from './json-bounds.js';
import { malformedEncodingError, malformedParametersOf, markMalformed } from './parameter-encoding.js';
import { routeOf } from './route-contract.js';

/** A parsed form body: a value, or the values of a repeated parameter. */
export type FormBody = Record<string, string | string[]>;

/**
 * Parses `application/x-www-form-urlencoded` text exactly as the WHATWG URL Standard's
 * parser (`URLSearchParams`) does. Most OAuth bodies are plain ASCII with a few `+` and
 * valid escapes, which are split and decoded here directly (several times faster than
 * `URLSearchParams` on a `/token` body); an escape `decodeURIComponent` refuses (not
 * UTF-8, a bare `%`) sends the whole text to the slow path, which keeps such bytes as the
 * standard says and notes the parameters they were in (see {@link malformedParametersOf}).
 */
export function parseForm(text: string): FormBody {
  const body: FormBody = Object.create(null) as FormBody;
  if (text === '') return body;
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

/** Whether a name or value decodes as UTF-8 (its escapes are all well-formed). */
function isWellEncoded(component: string): boolean {
  if (!component.includes('%')) return true;
  try {
    decodeURIComponent(component);
    return true;
  } catch {
    return false;
  }
}

/**
 * The WHATWG parser itself, for text with escapes that are not valid UTF-8: every pair is
 * decoded as the standard says, and the parameters whose name or value was malformed
 * are noted.
 */
function parseFormStrictly(text: string): FormBody {
  const body: FormBody = Object.create(null) as FormBody;
  const malformed: string[] = [];
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const rawName = equals === -1 ? pair : pair.slice(0, equals);
    const rawValue = equals === -1 ? '' : pair.slice(equals + 1);
    // The constructor drops one leading `?` (for query strings); the form parser does not.
    for (const [name, value] of new URLSearchParams(`?${pair}`)) {
      add(body, name, value);
      if (!isWellEncoded(rawName) || !isWellEncoded(rawValue)) malformed.push(name);
    }
  }
  markMalformed(body, malformed);
  return body;
}

/** Adds a parameter; a repeated one becomes an array of its values, in order. */
function add(body: FormBody, name: string, value: string): void {
  const existing = body[name];
  if (existing === undefined) body[name] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else body[name] = [existing, value];
}

/**
 * Fastify's `querystringParser`: the form parser (a query is form-urlencoded text).
 * Never throws (it runs inside the router); malformed parameters are noted, and the
 * `onRequest` check refuses them (on `/authorize`, the authorization request checks).
 */
export function parseQueryString(query: string): FormBody {
  return parseForm(query);
}

/**
 * Whether the route refuses malformed form parameters itself: `/authorize` decides
 * whether the refusal may be redirected (SPEC 2.1), so its parser only notes them.
 */
function checksEncodingItself(request: FastifyRequest): boolean {
  return routeOf(request).contract.surface === 'authorize';
}

/** Replaces Fastify's default parsers with idgate's set. */
export function installBodyParsers(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  function parseBoundedJson(
    request: FastifyRequest,
    text: string,
    done: (error: Error | null, body?: unknown) => void,
  ): void {
    parseJson(request, text, function checkJsonBounds(error: Error | null, body?: unknown) {
      if (error !== null) {
        done(error);
        return;
      }
      const problems = jsonBoundProblems(body);
      if (problems.length > 0) done(jsonBoundsError(problems));
      else done(null, body);
    });
  }
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseBoundedJson);
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, parseBoundedJson);
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    function parseFormBody(request, text, done) {
      const body = parseForm(text as string);
      const malformed = malformedParametersOf(body);
      if (malformed.length > 0 && !checksEncodingItself(request)) done(malformedEncodingError(malformed, 'body'));
      else done(null, body);
    },
  );
}
