/**
 * The idgate error catalog: every error code the product can produce, as data.
 *
 * The catalog alone decides an error's HTTP status, category, retry strategy and the
 * values it maps to on the OAuth surfaces. Throw sites name a code; renderers read
 * the table built here. The package reads one way: the OAuth vocabulary
 * (`oauth-values.ts`), then transaction states and status codes (`transactions.ts`),
 * the decisions per code (`catalog-decisions.ts`), their texts (`catalog-texts.ts`),
 * and this file, which joins decisions and texts; user-facing messages live in `i18n/`.
 */
import {
  type CatalogDecisions,
  type CatalogTexts,
  DECISIONS,
  ERROR_CODES,
  type ErrorCode,
} from './catalog-decisions.js';
import { CATALOG_TEXTS } from './catalog-texts.js';

export type { CatalogDecisions, CatalogTexts, ErrorCode } from './catalog-decisions.js';
export { ERROR_CODES, isErrorCode } from './catalog-decisions.js';
export type { BearerErrorValue, OAuthErrorValue } from './oauth-values.js';

/** How an error's status classifies it (SPEC 3.1: the status decides the category). */
export type ErrorCategory = 'client' | 'failure' | 'error';

/**
 * What a client should do about an error:
 * - `never`: do not retry automatically; fix the request.
 * - `after_retry_after`: retry once the `Retry-After` delay has passed (429).
 * - `backoff`: retry with exponential backoff and jitter (502, 503).
 * - `once`: retry once after a delay (500).
 */
export type RetryStrategy = 'never' | 'after_retry_after' | 'backoff' | 'once';

/** One complete catalog entry. */
export interface CatalogEntry extends CatalogDecisions, CatalogTexts {
  readonly code: ErrorCode;
  readonly category: ErrorCategory;
  readonly retry: RetryStrategy;
  /** Whether a client may retry at all (true for 429, 500, 502, 503). */
  readonly retryable: boolean;
}

/** The category a status belongs to (SPEC 3.1). */
export function categoryForStatus(status: number): ErrorCategory {
  if (status >= 400 && status <= 499) return 'client';
  if (status === 502 || status === 503) return 'failure';
  if (status === 500 || status === 501) return 'error';
  throw new RangeError(`status ${status} has no error category`);
}

/** The retry strategy a status implies (SPEC 3.1). */
export function retryForStatus(status: number): RetryStrategy {
  if (status === 429) return 'after_retry_after';
  if (status === 502 || status === 503) return 'backoff';
  if (status === 500) return 'once';
  return 'never';
}

function buildCatalog(): Readonly<Record<ErrorCode, CatalogEntry>> {
  const entries = {} as Record<ErrorCode, CatalogEntry>;
  for (const code of ERROR_CODES) {
    const decisions: CatalogDecisions = DECISIONS[code];
    const retry = retryForStatus(decisions.status);
    entries[code] = Object.freeze({
      code,
      ...decisions,
      ...CATALOG_TEXTS[code],
      category: categoryForStatus(decisions.status),
      retry,
      retryable: retry !== 'never',
    });
  }
  return Object.freeze(entries);
}

/** The catalog: code → entry. The single source of truth for every renderer. */
export const CATALOG: Readonly<Record<ErrorCode, CatalogEntry>> = buildCatalog();

/**
 * The statuses an OAuth surface keeps: they are about the HTTP exchange, not the OAuth
 * request, which was never read (a method, `Accept` or message size the endpoint cannot
 * take) or is to be retried (429, 5xx).
 */
const HTTP_LEVEL_STATUSES: ReadonlySet<number> = new Set([405, 406, 413, 414, 429, 431]);

/**
 * The HTTP status of a code on the OAuth JSON surfaces (token, introspection, revocation).
 *
 * RFC 6749 §5.2 gives 400, or 401 for `invalid_client`. idgate keeps the catalog status
 * where the contract says so — 405 (with `Allow`), 429 (with `Retry-After`) and 5xx, so
 * that clients can still tell a retryable failure apart — and for the other refusals of
 * the HTTP exchange itself: 406 (`Accept`), 413 (body), 414 and 431 (request head).
 */
export function oauthStatusFor(code: ErrorCode): number {
  const entry = CATALOG[code];
  if (entry.oauth === 'invalid_client') return 401;
  if (HTTP_LEVEL_STATUSES.has(entry.status) || entry.status >= 500) return entry.status;
  return 400;
}

/**
 * The HTTP status of a code where the authorization endpoint cannot redirect (SPEC 2.1):
 * 400 for every client error, the catalog status for server-side failures.
 */
export function authorizationErrorStatusFor(code: ErrorCode): number {
  const status = CATALOG[code].status;
  return status >= 500 ? status : 400;
}
