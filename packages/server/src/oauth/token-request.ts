/**
 * Reading the form parameters of the token, introspection, revocation and userinfo
 * endpoints (RFC 6749 §3.1, §3.2, §3.3): repeated parameters refused, empty ones treated
 * as absent, unknown ones ignored, scopes parsed and checked against what idgate knows.
 */
import { type FieldProblem, IdgateError } from '@idgate/errors';
import { KNOWN_SCOPES } from '../apps/app-policy.js';

/** The parameters an endpoint reads, each present once or absent. */
export type FormParams<Name extends string> = { readonly [K in Name]: string | undefined };

/**
 * Reads the named parameters of a parsed form body (`undefined` when no body was sent).
 *
 * @throws IdgateError `VALIDATION_INVALID_PARAMETER` listing every repeated parameter
 */
export function readForm<const Name extends string>(body: unknown, names: readonly Name[]): FormParams<Name> {
  const source = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const params: Partial<Record<Name, string>> = {};
  const repeated: FieldProblem[] = [];
  for (const name of names) {
    if (!Object.hasOwn(source, name)) continue;
    const value = source[name];
    // RFC 6749 §3.1: request parameters MUST NOT be included more than once.
    if (Array.isArray(value)) {
      repeated.push({ name, reason: 'must not be repeated (RFC 6749 §3.1)' });
      continue;
    }
    // RFC 6749 §3.1: parameters sent without a value MUST be treated as if they were omitted.
    if (typeof value === 'string' && value !== '') params[name] = value;
  }
  if (repeated.length > 0) {
    throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
      detail: `Repeated ${repeated.length === 1 ? 'parameter' : 'parameters'}: ${repeated.map((field) => field.name).join(', ')}; send each once.`,
      context: { fields: repeated },
    });
  }
  return params as FormParams<Name>;
}

/**
 * The value of a required parameter.
 * @throws IdgateError `VALIDATION_MISSING_PARAMETER`
 */
export function requiredParam(value: string | undefined, name: string, why = ''): string {
  if (value === undefined) {
    throw new IdgateError('VALIDATION_MISSING_PARAMETER', {
      detail: `The ${name} parameter is required${why}.`,
      context: { fields: [{ name, reason: 'is required' }] },
    });
  }
  return value;
}

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * The scopes of a `scope` parameter, each once, in the order sent.
 *
 * @throws IdgateError `VALIDATION_INVALID_SCOPE` when a scope is malformed or unknown
 *   (SPEC 2.2: unknown scopes are refused, never silently dropped)
 */
export function parseScope(text: string): string[] {
  const scopes = [...new Set(text.split(' ').filter((token) => token !== ''))];
  const malformed = scopes.filter((scope) => !SCOPE_TOKEN.test(scope));
  if (malformed.length > 0 || scopes.length === 0) {
    throw new IdgateError('VALIDATION_INVALID_SCOPE', {
      detail: 'The scope parameter must be a space-separated list of scope names (RFC 6749 section 3.3).',
      context: { fields: [{ name: 'scope', reason: 'is not a space-separated list of scope tokens' }] },
    });
  }
  const unknown = scopes.filter((scope) => !KNOWN_SCOPES.includes(scope));
  if (unknown.length > 0) {
    throw new IdgateError('VALIDATION_INVALID_SCOPE', {
      detail: `Unknown ${unknown.length === 1 ? 'scope' : 'scopes'}: ${shown(unknown).join(', ')}. idgate knows ${KNOWN_SCOPES.join(', ')}.`,
      context: { scopes: shown(unknown) },
    });
  }
  return scopes;
}

/** At most five scope names of at most 64 characters each, for messages. */
function shown(scopes: readonly string[]): string[] {
  return scopes.slice(0, 5).map((scope) => scope.slice(0, 64));
}
