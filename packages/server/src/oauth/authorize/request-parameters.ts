/**
 * The parameters of an authorization request, from the query (`GET`) or the form body
 * (`POST`, OpenID Connect Core §3.1.2.1). Both parsers turn a repeated parameter into an
 * array, so the checks can refuse it (RFC 6749 §3.1). Parameters idgate does not read
 * are ignored, repeated or not (RFC 6749 §3.1: unknown parameters MUST be ignored).
 */
import { type FieldProblem, IdgateError } from '@idgate/errors';

/** A parsed query or form: a value, or the values of a repeated parameter. */
export type RawParameters = Readonly<Record<string, string | readonly string[] | undefined>>;

/** The parameters `/authorize` reads; every other one is ignored. */
export const AUTHORIZE_PARAMETERS = [
  'client_id',
  'redirect_uri',
  'response_type',
  'response_mode',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'acr_values',
  'prompt',
  'login_hint',
  'provider_hint',
  'ui_locales',
  'request',
  'request_uri',
] as const;

/** A parameter `/authorize` reads. */
export type AuthorizeParameterName = (typeof AUTHORIZE_PARAMETERS)[number];

/** The parameters that decide where errors may go: a repeat of one is never redirected. */
export const CLIENT_PARAMETERS: readonly AuthorizeParameterName[] = ['client_id', 'redirect_uri'];

/** The parameters of a request (an absent or non-object source reads as none). */
export function parametersOf(source: unknown): RawParameters {
  return typeof source === 'object' && source !== null ? (source as RawParameters) : {};
}

/**
 * The single value of a parameter, or `undefined` when it is absent, empty, or repeated
 * (repeats are refused by {@link checkNotRepeated}; this never guesses which value counts).
 */
export function single(params: RawParameters, name: AuthorizeParameterName): string | undefined {
  if (!Object.hasOwn(params, name)) return undefined;
  const value = params[name];
  // RFC 6749 §3.1: parameters sent without a value MUST be treated as if they were omitted.
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Whether a parameter was sent more than once. */
export function isRepeated(params: RawParameters, name: AuthorizeParameterName): boolean {
  return Object.hasOwn(params, name) && Array.isArray(params[name]);
}

/**
 * Refuses the request when one of `names` was sent more than once.
 * @throws IdgateError `VALIDATION_INVALID_PARAMETER` listing every repeated parameter
 */
export function checkNotRepeated(params: RawParameters, names: readonly AuthorizeParameterName[]): void {
  // RFC 6749 §3.1: request and response parameters MUST NOT be included more than once.
  const repeated: FieldProblem[] = names
    .filter((name) => isRepeated(params, name))
    .map((name) => ({ name, reason: 'must not be repeated (RFC 6749 section 3.1)' }));
  if (repeated.length === 0) return;
  throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
    detail: `Repeated ${repeated.length === 1 ? 'parameter' : 'parameters'}: ${repeated.map((field) => field.name).join(', ')}; send each once.`,
    context: { fields: repeated },
  });
}
