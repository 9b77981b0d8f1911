/**
 * The one funnel: whatever was thrown becomes an `IdgateError` (fosite's
 * ErrorToRFC6749Error). Our own errors pass through; Fastify's body-parser, content-type
 * and schema-validation errors map to their catalog codes; anything else becomes
 * `SYSTEM_INTERNAL_ERROR`, with the original kept as `cause` for the log.
 */
import { type FieldProblem, IdgateError, isIdgateError } from '@idgate/errors';

interface AjvIssue {
  readonly keyword: string;
  readonly instancePath: string;
  readonly message?: string;
  readonly params: Record<string, unknown>;
}

interface FastifyLikeError extends Error {
  readonly code?: string;
  readonly statusCode?: number;
  readonly validation?: readonly AjvIssue[];
  readonly validationContext?: string;
}

/** Turns anything thrown into an `IdgateError`. */
export function toIdgateError(thrown: unknown): IdgateError {
  if (isIdgateError(thrown)) return thrown;
  if (!(thrown instanceof Error)) return new IdgateError('SYSTEM_INTERNAL_ERROR', { cause: thrown });
  const error = thrown as FastifyLikeError;
  if (Array.isArray(error.validation))
    return fromValidation(error.validation, error.validationContext ?? 'body', error);
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new IdgateError('VALIDATION_PAYLOAD_TOO_LARGE', {
        cause: error,
        detail: 'The request body is larger than this endpoint accepts.',
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new IdgateError('VALIDATION_UNSUPPORTED_MEDIA_TYPE', {
        cause: error,
        detail: 'The request body has a content type this endpoint does not accept.',
      });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new IdgateError('VALIDATION_MISSING_PARAMETER', {
        cause: error,
        detail: 'The request body is empty.',
        context: { fields: [{ name: 'body', pointer: '', reason: 'is empty' }] },
      });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return invalidJson(error);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new IdgateError('VALIDATION_INVALID_PARAMETER', {
        cause: error,
        detail: 'The Content-Length header does not match the body.',
        context: { fields: [{ name: 'Content-Length', reason: 'does not match the body length' }] },
      });
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_INVALID_URL':
      return new IdgateError('VALIDATION_INVALID_PARAMETER', {
        cause: error,
        detail: 'The request path is malformed: its percent-encoding is not valid UTF-8 (RFC 3986 section 2.1).',
        context: { fields: [{ name: 'path', reason: 'is not valid percent-encoded UTF-8' }] },
      });
    case 'FST_ERR_MAX_PARAM_LENGTH':
      // A path parameter longer than any id idgate issues names nothing that exists.
      return new IdgateError('RESOURCE_NOT_FOUND', {
        cause: error,
        detail: 'No resource has an id this long.',
      });
    default:
      break;
  }
  // secure-json-parse and JSON.parse raise SyntaxError with a 400 status from Fastify's parser.
  if (error instanceof SyntaxError && error.statusCode === 400) return invalidJson(error);
  return new IdgateError('SYSTEM_INTERNAL_ERROR', { cause: error });
}

function invalidJson(error: Error): IdgateError {
  return new IdgateError('VALIDATION_INVALID_PARAMETER', {
    cause: error,
    detail: 'The request body is not valid JSON.',
    context: { fields: [{ name: 'body', pointer: '', reason: 'is not valid JSON' }] },
  });
}

const CONTEXT_PREFIX: Readonly<Record<string, string>> = {
  body: '',
  querystring: 'query',
  params: 'path',
  headers: 'header',
};

function fromValidation(issues: readonly AjvIssue[], where: string, cause: Error): IdgateError {
  const fields: FieldProblem[] = [];
  const seen = new Set<string>();
  let onlyMissing = true;
  for (const issue of issues) {
    const missing = issue.keyword === 'required' ? String(issue.params.missingProperty ?? '') : undefined;
    if (missing === undefined) onlyMissing = false;
    // `anyOf`/`oneOf` wrappers repeat what their branches already said.
    if (issue.keyword === 'anyOf' || issue.keyword === 'oneOf' || issue.keyword === 'if') continue;
    const member =
      missing ?? (issue.keyword === 'additionalProperties' ? String(issue.params.additionalProperty ?? '') : undefined);
    const pointer = member !== undefined ? `${issue.instancePath}/${escapePointer(member)}` : issue.instancePath;
    const reason = describeIssue(issue);
    const key = `${pointer}\u0000${reason}`;
    if (seen.has(key)) continue;
    seen.add(key);
    fields.push({ name: fieldNameFor(where, pointer), pointer, reason });
  }
  const wholeBodyMissing =
    where === 'body' && issues.some((issue) => issue.instancePath === '' && issue.keyword === 'type');
  const code = onlyMissing || wholeBodyMissing ? 'VALIDATION_MISSING_PARAMETER' : 'VALIDATION_INVALID_PARAMETER';
  const names = fields.map((field) => field.name).join(', ');
  const detail =
    code === 'VALIDATION_MISSING_PARAMETER'
      ? wholeBodyMissing
        ? 'The request body is missing or is not a JSON object.'
        : `Required ${fields.length === 1 ? 'field is' : 'fields are'} missing: ${names}.`
      : `Invalid ${fields.length === 1 ? 'field' : 'fields'}: ${names}.`;
  return new IdgateError(code, { cause, detail, context: { fields } });
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * The name of a field from its JSON pointer and where it is (`body`, `querystring`,
 * `params`, `headers`): `/redirectUris/0` → `redirectUris[0]`; query and path names get
 * their location as prefix (`query.limit`).
 */
export function fieldNameFor(where: string, pointer: string): string {
  const segments = pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  let name = '';
  for (const segment of segments) name += /^\d+$/.test(segment) ? `[${segment}]` : name ? `.${segment}` : segment;
  const prefix = CONTEXT_PREFIX[where] ?? where;
  if (!name) return where === 'body' ? 'body' : prefix;
  return prefix ? `${prefix}.${name}` : name;
}

/** What a value of each format must be, in the words of the field lists. */
const FORMAT_REASONS: Readonly<Record<string, string>> = {
  uri: 'must be an absolute URI',
};

function describeIssue(issue: AjvIssue): string {
  switch (issue.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a known member';
    case 'format':
      return FORMAT_REASONS[String(issue.params.format)] ?? issue.message ?? 'has the wrong format';
    case 'enum':
      return `must be one of ${(issue.params.allowedValues as unknown[] | undefined)?.map(String).join(', ') ?? 'the allowed values'}`;
    default:
      return issue.message ?? `fails ${issue.keyword}`;
  }
}
