/**
 * `WWW-Authenticate` challenges (RFC 9110 §11.6.1, RFC 6750 §3, RFC 6749 §5.2, and the
 * `DPoP` scheme of RFC 9449 §7.1).
 */
import { CATALOG } from '../catalog.js';
import type { IdgateError } from '../idgate-error.js';
import { quotedString, toOAuthDescription } from './text.js';

/** One challenge. Attributes are quoted and escaped when rendered. */
export interface Challenge {
  readonly scheme: 'Basic' | 'Bearer' | 'DPoP';
  readonly realm: string;
  readonly error?: string;
  /** Limited to RFC 6749's character set when rendered. */
  readonly errorDescription?: string;
  /** Space-separated scopes (RFC 6750 §3, `insufficient_scope`). */
  readonly scope?: string;
  /** Space-separated JWS algorithms a DPoP proof may use (RFC 9449 §7.1, `DPoP` scheme only). */
  readonly algs?: string;
}

/** Renders one challenge: `Scheme realm="…", error="…", …`. */
export function renderChallenge(challenge: Challenge): string {
  const params = [`realm=${quotedString(challenge.realm)}`];
  if (challenge.error !== undefined) params.push(`error=${quotedString(challenge.error)}`);
  if (challenge.errorDescription !== undefined) {
    params.push(`error_description=${quotedString(toOAuthDescription(challenge.errorDescription))}`);
  }
  if (challenge.scope !== undefined) params.push(`scope=${quotedString(challenge.scope)}`);
  if (challenge.algs !== undefined) params.push(`algs=${quotedString(challenge.algs)}`);
  return `${challenge.scheme} ${params.join(', ')}`;
}

/** Renders several challenges into one header value. */
export function renderChallenges(challenges: readonly Challenge[]): string {
  return challenges.map(renderChallenge).join(', ');
}

/** What the protected resource knows about the request. */
export interface BearerChallengeOptions {
  readonly realm: string;
  /** Whether the request carried any access token at all. */
  readonly tokenSent: boolean;
  /**
   * The scheme of the challenge: `DPoP` when the request used it or the token is
   * DPoP-bound (RFC 9449 §7.1); default `Bearer`. A DPoP error (`invalid_dpop_proof`,
   * `use_dpop_nonce`) always challenges with `DPoP`.
   */
  readonly scheme?: 'Bearer' | 'DPoP';
  /** The JWS algorithms a DPoP proof may use, announced in `DPoP` challenges (`algs`). */
  readonly dpopAlgs?: readonly string[];
}

/** The `error` values that only the `DPoP` scheme has (RFC 9449 §7.1, §9). */
const DPOP_ERRORS: ReadonlySet<string> = new Set(['invalid_dpop_proof', 'use_dpop_nonce']);

/**
 * Whether a code is about the caller's own credentials: the `AUTH_*` family of the
 * catalog. Another 401 — `PROVIDER_AUTHENTICATION_FAILED`, idgate's own credentials
 * rejected by an upstream provider — must not challenge the caller (RFC 7235 §3.1: the
 * challenge is for the credentials of the request).
 */
function isCallerAuthentication(error: IdgateError): boolean {
  return error.code.startsWith('AUTH_');
}

/**
 * The RFC 6750 Bearer challenge for an error on a protected resource, or `undefined`
 * when the error is not about the caller's credentials or token (then no challenge is
 * sent): a 401 challenges only for an `AUTH_*` code; otherwise only a code the catalog
 * maps to a Bearer `error` (with a token sent) or `insufficient_scope` challenges.
 *
 * RFC 6750 §3.1: when the request lacks any authentication information, the challenge
 * SHOULD NOT include an error code. `insufficient_scope` carries the needed `scope`
 * (read from `context.scope`). The scheme is `DPoP` (with `algs`) when the request used
 * it, when the token was DPoP-bound (`context.token_type` is `DPoP`) or for a DPoP error.
 */
export function bearerChallengeFor(error: IdgateError, options: BearerChallengeOptions): Challenge | undefined {
  const entry = CATALOG[error.code];
  const unauthenticated = entry.status === 401 && isCallerAuthentication(error);
  // RFC 9449 §7.1: DPoP when the request used it, the token is DPoP-bound (the throw site
  // says so in `context.token_type`), or the error is one only DPoP has.
  const dpop =
    options.scheme === 'DPoP' ||
    error.context?.token_type === 'DPoP' ||
    (entry.bearer !== undefined && DPOP_ERRORS.has(entry.bearer));
  const base: Challenge =
    dpop && options.dpopAlgs !== undefined && options.dpopAlgs.length > 0
      ? { scheme: 'DPoP', realm: options.realm, algs: options.dpopAlgs.join(' ') }
      : { scheme: dpop ? 'DPoP' : 'Bearer', realm: options.realm };
  if (!options.tokenSent) {
    // RFC 6750 §3.1: no error attribute when the request carried no token at all.
    const needsToken = unauthenticated || entry.bearer === 'insufficient_scope';
    return needsToken ? base : undefined;
  }
  if (entry.bearer === undefined) return unauthenticated ? base : undefined;
  const scope = entry.bearer === 'insufficient_scope' ? error.context?.scope : undefined;
  return {
    ...base,
    error: entry.bearer,
    errorDescription: error.publicDetail,
    ...(typeof scope === 'string' ? { scope } : {}),
  };
}
