/**
 * Malformed percent-encoding in query strings and form bodies (RFC 3986 §2.1: a `%` is
 * followed by two hexadecimal digits; RFC 6749 Appendix B and the WHATWG urlencoded
 * parser: the bytes decode as UTF-8). The WHATWG parser keeps such text literally
 * (`%ZZ` stays `%ZZ`, `%FF` becomes U+FFFD), so `state=%ZZ` would be taken as the text
 * `%ZZ`. idgate refuses it instead: the parsers note which parameters were malformed,
 * and the request is refused as `VALIDATION_INVALID_PARAMETER` (`invalid_request` on the
 * OAuth surfaces) naming them — by the parser itself, by the `onRequest` check (queries),
 * or, on `/authorize`, by the authorization request checks, which know whether the error
 * may be redirected (SPEC 2.1).
 */
import { type FieldProblem, IdgateError } from '@idgate/errors';

/** Parsed parameters → the names of those whose name or value was malformed. */
const malformedByParameters = new WeakMap<object, readonly string[]>();

/** A parameter name as it may appear in an answer (bounded). */
function shownName(name: string): string {
  return name.length > 64 ? `${name.slice(0, 64)}…` : name;
}

/** Records that `names` of `parameters` were malformed (each once, in order). */
export function markMalformed(parameters: object, names: readonly string[]): void {
  if (names.length > 0) malformedByParameters.set(parameters, [...new Set(names)]);
}

/** The names of the malformed parameters of a parsed query or form (empty when none). */
export function malformedParametersOf(parameters: unknown): readonly string[] {
  if (typeof parameters !== 'object' || parameters === null) return [];
  return malformedByParameters.get(parameters) ?? [];
}

/** Where parameters came from: the query, a form body, or either (`/authorize`). */
export type ParameterSource = 'query' | 'body' | 'request';

const SOURCE_TEXT: Readonly<Record<ParameterSource, string>> = {
  query: 'the query string',
  body: 'the form body',
  request: 'the request parameters',
};

/** The refusal of malformed parameters (`VALIDATION_INVALID_PARAMETER`, each one named). */
export function malformedEncodingError(names: readonly string[], where: ParameterSource): IdgateError {
  const shown = names.slice(0, 20).map(shownName);
  const fields: FieldProblem[] = shown.map((name) => ({
    name,
    reason: 'is not valid percent-encoded UTF-8 (RFC 3986 section 2.1)',
  }));
  return new IdgateError('VALIDATION_INVALID_PARAMETER', {
    detail: `Malformed percent-encoding in ${SOURCE_TEXT[where]}: ${shown.join(', ')}. Encode % as %25 and send UTF-8.`,
    context: { fields },
  });
}

/**
 * Refuses the request when a parameter was malformed; with `only`, when one of those was.
 * @throws IdgateError `VALIDATION_INVALID_PARAMETER`
 */
export function checkWellEncoded(parameters: unknown, where: ParameterSource, only?: (name: string) => boolean): void {
  const malformed = malformedParametersOf(parameters);
  if (malformed.length === 0) return;
  const refused = only === undefined ? malformed : malformed.filter(only);
  if (refused.length > 0) throw malformedEncodingError(refused, where);
}
