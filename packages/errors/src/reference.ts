/**
 * The error reference, generated from the catalog and the transaction tables
 * (`transactions.ts`): the JSON served at `/errors`, `/errors/{CODE}` and
 * `/errors/{err_…}`, and the Markdown committed as `docs/errors.md` — one source, so the
 * served reference and the docs cannot drift (SPEC 3.2).
 */
import {
  CATALOG,
  type CatalogEntry,
  ERROR_CODES,
  type ErrorCode,
  type OAuthErrorValue,
  oauthStatusFor,
} from './catalog.js';
import { LOCALES } from './i18n/index.js';
import { IdgateError } from './idgate-error.js';
import { type CatalogStatus, OAUTH_ERROR_TEXTS, type OAuthReferenceValue, STATUS_TEXTS } from './reference-texts.js';
import { type ProblemDetails, renderProblem } from './render/problem.js';
import { renderAuthorizationErrorRedirect } from './render/redirect.js';
import { TX_STATUS_TEXTS } from './transaction-texts.js';
import {
  TERMINAL_TX_STATES,
  TX_STATES,
  TX_STATUS_CODES,
  TX_STATUS_DEFINITIONS,
  TX_TRANSITIONS,
  type TxState,
  type TxStatusCode,
  type TxStatusDefinition,
} from './transactions.js';

/** Example values used in generated examples, so generated docs are stable. */
const EXAMPLE = {
  requestId: '01JDEXAMPLE0REQUEST0ID0000',
  instance: '/v1/verifications',
  now: new Date('2026-01-01T00:00:00.000Z'),
} as const;

/** The reference entry of one code, as served in JSON. */
export interface ErrorReference {
  readonly code: ErrorCode;
  readonly status: number;
  readonly category: CatalogEntry['category'];
  readonly retry: CatalogEntry['retry'];
  readonly retryable: boolean;
  readonly description: string;
  readonly causes: readonly string[];
  readonly fixes: readonly string[];
  /** User-facing message per locale. */
  readonly userMessage: Readonly<Record<string, string>>;
  readonly oauth: {
    readonly error: CatalogEntry['oauth'];
    readonly status: number;
    readonly bearerError: string | null;
    readonly txStatus: CatalogEntry['txStatus'];
  };
  readonly docUrl: string;
  readonly example: ProblemDetails;
}

/** The reference entry of a code for an issuer. */
export function errorReference(code: ErrorCode, issuer: string): ErrorReference {
  const entry = CATALOG[code];
  const userMessage: Record<string, string> = {};
  for (const [locale, messages] of Object.entries(LOCALES)) userMessage[locale] = messages.errors[code];
  return {
    code,
    status: entry.status,
    category: entry.category,
    retry: entry.retry,
    retryable: entry.retryable,
    description: entry.description,
    causes: entry.causes,
    fixes: entry.fixes,
    userMessage,
    oauth: {
      error: entry.oauth,
      status: oauthStatusFor(code),
      bearerError: entry.bearer ?? null,
      txStatus: entry.txStatus,
    },
    docUrl: `${issuer}/errors/${code}`,
    example: renderProblem(new IdgateError(code), { issuer, ...EXAMPLE }).body,
  };
}

/** The whole reference for an issuer, in catalog order. */
export function errorReferenceIndex(issuer: string): readonly ErrorReference[] {
  return ERROR_CODES.map((code) => errorReference(code, issuer));
}

/** The reference entry of one transaction status code (`err_…`, SPEC 4.2), as served in JSON. */
export interface TxStatusReference {
  readonly code: TxStatusCode;
  /** The OAuth `error` of an authorization redirect carrying this code. */
  readonly oauthError: OAuthErrorValue;
  /** The state the transaction ends in (`tx_state` in the redirect, `status` in REST). */
  readonly txState: TxStatusDefinition['state'];
  readonly description: string;
  /** Common causes, most frequent first. */
  readonly causes: readonly string[];
  /** How to fix it, one step each. */
  readonly fixes: readonly string[];
  /** User-facing message per locale. */
  readonly userMessage: Readonly<Record<string, string>>;
  /**
   * The catalog codes whose default transaction status this is (a throw site may give
   * another code a more precise status, e.g. a hook's deny, so the list can be empty).
   */
  readonly catalogCodes: readonly ErrorCode[];
  readonly docUrl: string;
  /** An authorization error redirect carrying this code (`state=xyz`, an example redirect URI). */
  readonly exampleRedirect: string;
}

/** One transaction state (SPEC 4.1), as served in JSON. */
export interface TxStateReference {
  readonly state: TxState;
  readonly terminal: boolean;
  /** The states it may change to (none when terminal). */
  readonly next: readonly TxState[];
}

/** What `GET /errors` answers in JSON. */
export interface ErrorReferenceDocument {
  readonly errors: readonly ErrorReference[];
  readonly transactionStatusCodes: readonly TxStatusReference[];
  readonly states: readonly TxStateReference[];
  /** The catalog by HTTP status (`/errors/{status}`). */
  readonly statuses: readonly StatusReference[];
  /** The catalog and the transaction status codes by OAuth `error` value (`/errors/{error}`). */
  readonly oauthErrors: readonly OAuthErrorReference[];
}

/** A catalog code as the status and OAuth `error` views list it: what it means, why, how to fix. */
export interface CodeSummary {
  readonly code: ErrorCode;
  readonly status: number;
  /** The HTTP status on the OAuth JSON surfaces (`/token`, `/introspect`, `/revoke`). */
  readonly oauthStatus: number;
  readonly description: string;
  readonly causes: readonly string[];
  readonly fixes: readonly string[];
  readonly docUrl: string;
}

/** A transaction status code as the OAuth `error` view lists it. */
export interface TxStatusSummary {
  readonly code: TxStatusCode;
  readonly txState: TxStatusDefinition['state'];
  readonly description: string;
  readonly causes: readonly string[];
  readonly fixes: readonly string[];
  readonly docUrl: string;
}

/** One HTTP status (`/errors/429`): what it means at idgate, and every catalog code that has it. */
export interface StatusReference {
  readonly status: CatalogStatus;
  readonly reason: string;
  readonly meaning: string;
  readonly category: CatalogEntry['category'];
  readonly retry: CatalogEntry['retry'];
  readonly retryable: boolean;
  readonly codes: readonly CodeSummary[];
  readonly docUrl: string;
}

/**
 * One OAuth `error` value (`/errors/invalid_request`): where an app meets it and which
 * codes stand behind it on each surface.
 */
export interface OAuthErrorReference {
  readonly error: OAuthReferenceValue;
  readonly definedIn: string;
  readonly meaning: string;
  /** Catalog codes answered with this `error` at `/token`, `/introspect` and `/revoke` (RFC 6749 JSON). */
  readonly tokenEndpoint: readonly CodeSummary[];
  /** Catalog codes whose Bearer challenge carries this `error` (RFC 6750 `WWW-Authenticate`). */
  readonly bearerChallenge: readonly CodeSummary[];
  /** Transaction status codes sent with this `error` in authorization redirects (`error_description`). */
  readonly authorizationRedirect: readonly TxStatusSummary[];
  readonly docUrl: string;
}

function codeSummary(code: ErrorCode, issuer: string): CodeSummary {
  const entry = CATALOG[code];
  return {
    code,
    status: entry.status,
    oauthStatus: oauthStatusFor(code),
    description: entry.description,
    causes: entry.causes,
    fixes: entry.fixes,
    docUrl: `${issuer}/errors/${code}`,
  };
}

function txStatusSummary(code: TxStatusCode, issuer: string): TxStatusSummary {
  const definition = TX_STATUS_DEFINITIONS[code];
  return {
    code,
    txState: definition.state,
    description: definition.description,
    causes: TX_STATUS_TEXTS[code].causes,
    fixes: TX_STATUS_TEXTS[code].fixes,
    docUrl: `${issuer}/errors/${code}`,
  };
}

/** Every HTTP status some catalog code has, ascending. */
export const CATALOG_STATUSES: readonly CatalogStatus[] = Object.freeze(
  [...new Set(ERROR_CODES.map(catalogStatusOf))].sort((a, b) => a - b),
);

function catalogStatusOf(code: ErrorCode): CatalogStatus {
  return CATALOG[code].status as CatalogStatus;
}

/** Whether a string names a status of {@link CATALOG_STATUSES} (`'429'`). */
export function isCatalogStatus(value: string): boolean {
  return /^[1-5]\d\d$/.test(value) && (CATALOG_STATUSES as readonly number[]).includes(Number(value));
}

/** Every OAuth `error` value of the reference, in RFC order. */
export const OAUTH_REFERENCE_VALUES: readonly OAuthReferenceValue[] = Object.freeze(
  Object.keys(OAUTH_ERROR_TEXTS) as OAuthReferenceValue[],
);

/** Whether a string is an OAuth `error` value of the reference. */
export function isOAuthReferenceValue(value: string): value is OAuthReferenceValue {
  return Object.hasOwn(OAUTH_ERROR_TEXTS, value);
}

/** The reference of one HTTP status for an issuer. */
export function statusReference(status: CatalogStatus, issuer: string): StatusReference {
  const codes = ERROR_CODES.filter((code) => CATALOG[code].status === status);
  const first = codes[0];
  if (first === undefined) throw new RangeError(`no catalog code has status ${status}`);
  const entry = CATALOG[first];
  return {
    status,
    reason: STATUS_TEXTS[status].reason,
    meaning: STATUS_TEXTS[status].meaning,
    category: entry.category,
    retry: entry.retry,
    retryable: entry.retryable,
    codes: codes.map((code) => codeSummary(code, issuer)),
    docUrl: `${issuer}/errors/${status}`,
  };
}

/** The reference of one OAuth `error` value for an issuer. */
export function oauthErrorReference(error: OAuthReferenceValue, issuer: string): OAuthErrorReference {
  return {
    error,
    definedIn: OAUTH_ERROR_TEXTS[error].definedIn,
    meaning: OAUTH_ERROR_TEXTS[error].meaning,
    tokenEndpoint: ERROR_CODES.filter((code) => CATALOG[code].oauth === error).map((code) => codeSummary(code, issuer)),
    bearerChallenge: ERROR_CODES.filter((code) => CATALOG[code].bearer === error).map((code) =>
      codeSummary(code, issuer),
    ),
    authorizationRedirect: TX_STATUS_CODES.filter((code) => TX_STATUS_DEFINITIONS[code].oauth === error).map((code) =>
      txStatusSummary(code, issuer),
    ),
    docUrl: `${issuer}/errors/${error}`,
  };
}

/** Every status's reference, ascending. */
export function statusReferenceIndex(issuer: string): readonly StatusReference[] {
  return CATALOG_STATUSES.map((status) => statusReference(status, issuer));
}

/** Every OAuth `error` value's reference, in RFC order. */
export function oauthErrorReferenceIndex(issuer: string): readonly OAuthErrorReference[] {
  return OAUTH_REFERENCE_VALUES.map((error) => oauthErrorReference(error, issuer));
}

/** The redirect URI of generated redirect examples. */
const EXAMPLE_REDIRECT_URI = 'https://app.example/callback';

/** The reference entry of a transaction status code for an issuer. */
export function txStatusReference(code: TxStatusCode, issuer: string): TxStatusReference {
  const definition = TX_STATUS_DEFINITIONS[code];
  const userMessage: Record<string, string> = {};
  for (const [locale, messages] of Object.entries(LOCALES)) userMessage[locale] = messages.txStatus[code];
  return {
    code,
    oauthError: definition.oauth,
    txState: definition.state,
    description: definition.description,
    causes: TX_STATUS_TEXTS[code].causes,
    fixes: TX_STATUS_TEXTS[code].fixes,
    userMessage,
    catalogCodes: ERROR_CODES.filter((errorCode) => CATALOG[errorCode].txStatus === code),
    docUrl: `${issuer}/errors/${code}`,
    exampleRedirect: renderAuthorizationErrorRedirect({
      redirectUri: EXAMPLE_REDIRECT_URI,
      txStatus: code,
      txState: definition.state,
      issuer,
      state: 'xyz',
    }),
  };
}

/** Every transaction status code's reference, in documentation order. */
export function txStatusReferenceIndex(issuer: string): readonly TxStatusReference[] {
  return TX_STATUS_CODES.map((code) => txStatusReference(code, issuer));
}

/** Every transaction state, in lifecycle order. */
export function txStateReferenceIndex(): readonly TxStateReference[] {
  return TX_STATES.map((state) => ({
    state,
    terminal: TERMINAL_TX_STATES.has(state),
    next: TX_TRANSITIONS[state],
  }));
}

/** The whole served reference: catalog codes, transaction status codes, transaction states. */
export function errorReferenceDocument(issuer: string): ErrorReferenceDocument {
  return {
    errors: errorReferenceIndex(issuer),
    transactionStatusCodes: txStatusReferenceIndex(issuer),
    states: txStateReferenceIndex(),
    statuses: statusReferenceIndex(issuer),
    oauthErrors: oauthErrorReferenceIndex(issuer),
  };
}

const RETRY_TEXT: Readonly<Record<CatalogEntry['retry'], string>> = {
  never: 'do not retry automatically',
  after_retry_after: 'retry after `Retry-After`',
  backoff: 'retry with exponential backoff and jitter',
  once: 'retry once after a delay',
};

/** Describes a retry strategy in words. */
export function retryText(retry: CatalogEntry['retry']): string {
  return RETRY_TEXT[retry];
}

/**
 * The Markdown error reference (`docs/errors.md`). Generated: edit the catalog, then
 * run `npm run docs`; a test fails when the committed file drifts.
 */
export function renderErrorReferenceMarkdown(issuer = 'https://idgate.example'): string {
  const lines: string[] = [
    '# Error reference',
    '',
    '<!-- Generated from packages/errors/src/catalog.ts by `npm run docs`. Do not edit by hand. -->',
    '',
    'Every idgate error comes from this catalog. REST and admin routes answer',
    '`application/problem+json` (RFC 9457) whose `title` is the code; OAuth endpoints answer',
    'RFC 6749 JSON whose `error_uri` ends in the code; authorization redirects carry the',
    'transaction status code in `error_description`. Each running instance serves this',
    'reference, the transaction states and status codes included, at `/errors` (HTML, or JSON',
    'with `Accept: application/json`).',
    '',
    '## Categories and retries',
    '',
    '| category | statuses | strategy |',
    '|---|---|---|',
    '| `client` | 400-499 | do not retry automatically; 429 retries after `Retry-After` |',
    '| `failure` | 502-503 | retry with exponential backoff and jitter |',
    '| `error` | 500-501 | retry once after a delay (501 never) |',
    '',
    '## Codes',
    '',
    '| code | status | category | retry | OAuth `error` (status) | transaction status |',
    '|---|---|---|---|---|---|',
  ];
  for (const code of ERROR_CODES) {
    const entry = CATALOG[code];
    lines.push(
      `| [\`${code}\`](#${code.toLowerCase()}) | ${entry.status} | ${entry.category} | ${retryText(entry.retry)} | \`${entry.oauth}\` (${oauthStatusFor(code)}) | \`${entry.txStatus}\` |`,
    );
  }
  for (const code of ERROR_CODES) {
    const reference = errorReference(code, issuer);
    lines.push('', `### ${code}`, '', reference.description, '');
    lines.push(
      `- Status: ${reference.status} (${reference.category}); ${retryText(reference.retry)}.`,
      `- OAuth surfaces: \`error=${reference.oauth.error}\`, status ${reference.oauth.status}${reference.oauth.bearerError ? `; Bearer challenge \`error="${reference.oauth.bearerError}"\`` : ''}.`,
      `- Authorization redirect: \`error_description=${reference.oauth.txStatus}\`.`,
      '',
      'Common causes:',
      '',
      ...reference.causes.map((cause) => `- ${cause}`),
      '',
      'How to fix:',
      '',
      ...reference.fixes.map((fix) => `- ${fix}`),
      '',
      'User-facing message:',
      '',
      ...Object.entries(reference.userMessage).map(([locale, message]) => `- \`${locale}\`: ${message}`),
      '',
      'Example:',
      '',
      '```json',
      JSON.stringify(reference.example, null, 2),
      '```',
    );
  }
  lines.push('', '## Transaction states', '', '| state | may change to |', '|---|---|');
  for (const { state, next } of txStateReferenceIndex()) {
    lines.push(`| \`${state}\` | ${next.map((to) => `\`${to}\``).join(', ') || 'nothing (terminal)'} |`);
  }
  lines.push(
    '',
    'Terminal states (`completed`, `failed`, `cancelled`, `expired`) never change.',
    '',
    '## Transaction status codes',
    '',
    'Sent as `error_description` in authorization redirects and as `error.code` in REST.',
    'Each instance serves every code at `/errors/{status code}` (for example',
    '`/errors/err_user_cancelled`: HTML, or JSON with `Accept: application/json`), with its',
    'user-facing messages, the catalog codes that end a transaction with it, and an example redirect.',
    '',
    '| status code | OAuth `error` | ends in | meaning |',
    '|---|---|---|---|',
  );
  for (const reference of txStatusReferenceIndex(issuer)) {
    lines.push(
      `| [\`${reference.code}\`](#${reference.code}) | \`${reference.oauthError}\` | \`${reference.txState}\` | ${reference.description} |`,
    );
  }
  for (const reference of txStatusReferenceIndex(issuer)) {
    lines.push(
      '',
      `### ${reference.code}`,
      '',
      reference.description,
      '',
      `- Redirect: \`error=${reference.oauthError}&error_description=${reference.code}&tx_state=${reference.txState}\`.`,
      '',
      'Common causes:',
      '',
      ...reference.causes.map((cause) => `- ${cause}`),
      '',
      'How to fix:',
      '',
      ...reference.fixes.map((fix) => `- ${fix}`),
    );
  }
  lines.push(
    '',
    '## By HTTP status',
    '',
    'Each instance serves these at `/errors/{status}` (for example `/errors/429`): every code of that status,',
    'with its causes and fixes.',
  );
  for (const reference of statusReferenceIndex(issuer)) {
    lines.push(
      '',
      `### HTTP ${reference.status} ${reference.reason}`,
      '',
      `${reference.meaning} Category \`${reference.category}\`: ${retryText(reference.retry)}.`,
      '',
      ...summaryLines(reference.codes),
    );
  }
  lines.push(
    '',
    '## By OAuth `error`',
    '',
    'Each instance serves these at `/errors/{error}` (for example `/errors/invalid_request`): the codes behind',
    'an `error` value on each OAuth surface, with their causes and fixes.',
  );
  for (const reference of oauthErrorReferenceIndex(issuer)) {
    lines.push('', `### ${reference.error}`, '', `${reference.meaning} (${reference.definedIn}.)`);
    if (reference.tokenEndpoint.length > 0) {
      lines.push('', 'At `/token`, `/introspect` and `/revoke` (RFC 6749 JSON, code in `error_uri`):', '');
      lines.push(...summaryLines(reference.tokenEndpoint));
    }
    if (reference.bearerChallenge.length > 0) {
      lines.push('', 'In Bearer challenges (`WWW-Authenticate`, RFC 6750):', '');
      lines.push(...summaryLines(reference.bearerChallenge));
    }
    if (reference.authorizationRedirect.length > 0) {
      lines.push('', 'In authorization redirects (`error_description` is the transaction status code):', '');
      lines.push(...summaryLines(reference.authorizationRedirect));
    }
  }
  lines.push('');
  return lines.join('\n');
}

/** A code and its causes and fixes as a nested Markdown list. */
function summaryLines(summaries: readonly (CodeSummary | TxStatusSummary)[]): string[] {
  return summaries.flatMap((summary) => [
    `- [\`${summary.code}\`](#${summary.code.toLowerCase()}): ${summary.description}`,
    ...summary.causes.map((cause) => `  - Cause: ${cause}`),
    ...summary.fixes.map((fix) => `  - Fix: ${fix}`),
  ]);
}
