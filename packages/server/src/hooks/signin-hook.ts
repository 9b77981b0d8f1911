/**
 * The app's sign-in hook (SPEC 6): after the provider verified the user and before idgate
 * issues the code, idgate asks the app whether this person may sign in.
 *
 * The request: a signed JSON POST (`signature.ts`) of `{ event: "signin", verificationId,
 * clientId, providerId, loa, claims, timestamp }`. The answer:
 * - `2xx {"allow": true}` → allow;
 * - `2xx {"allow": false, "errMsg"?, "errCode"?}` → deny; `errMsg`/`errCode` are passed to
 *   the app's redirect exactly as sent when they are strings of at most
 *   {@link MAX_HOOK_TEXT_LENGTH} characters (anything else is left out, with a warning);
 * - a timeout, a network failure, a non-2xx status (redirects are not followed), a body
 *   that is not JSON, or JSON without a boolean `allow` → unavailable; so is a hook whose
 *   host is or resolves to an address that is not public while private networks are
 *   refused (`IDGATE_OUTBOUND_PRIVATE_NETWORKS=deny`): it is never called.
 */
import type { Config } from '../config/config.js';
import type { NormalizedClaims } from '../domain/claims.js';
import { postSigned } from './outbound-post.js';

/** The longest `errMsg` / `errCode` passed through. */
export const MAX_HOOK_TEXT_LENGTH = 1024;

/** The body sent to the hook. */
export interface SignInHookRequest {
  readonly event: 'signin';
  readonly verificationId: string;
  readonly clientId: string;
  readonly providerId: string;
  readonly loa: number;
  readonly claims: NormalizedClaims;
  /** ISO 8601. */
  readonly timestamp: string;
}

/** What the hook decided. */
export type SignInHookOutcome =
  | { readonly kind: 'allow'; readonly durationMs: number }
  | {
      readonly kind: 'deny';
      readonly errMsg: string | undefined;
      readonly errCode: string | undefined;
      /** Fields of the answer that were left out, and why. */
      readonly ignored: readonly string[];
      readonly durationMs: number;
    }
  | {
      readonly kind: 'unavailable';
      /** Why, for the log (no secret, no body). */
      readonly reason: string;
      readonly httpStatus: number | undefined;
      readonly durationMs: number;
    };

/** One call of a hook. */
export interface SignInHookCall {
  readonly url: string;
  readonly secret: string;
  readonly timeoutMs: number;
  readonly now: Date;
  /** `deny`: call only public addresses (`IDGATE_OUTBOUND_PRIVATE_NETWORKS`). */
  readonly privateNetworks: Config['outboundPrivateNetworks'];
  readonly request: Omit<SignInHookRequest, 'event' | 'timestamp'>;
}

/** Calls the hook and interprets its answer; never throws. */
export async function callSignInHook(call: SignInHookCall): Promise<SignInHookOutcome> {
  const body: SignInHookRequest = { event: 'signin', ...call.request, timestamp: call.now.toISOString() };
  const result = await postSigned({
    url: call.url,
    body: JSON.stringify(body),
    secret: call.secret,
    timeoutMs: call.timeoutMs,
    now: call.now,
    privateNetworks: call.privateNetworks,
  });
  if (result.kind === 'timeout') {
    return {
      kind: 'unavailable',
      reason: `timed out after ${call.timeoutMs} ms`,
      httpStatus: undefined,
      ...timing(result),
    };
  }
  if (result.kind === 'refused') {
    return {
      kind: 'unavailable',
      reason: `address refused: ${result.message}`,
      httpStatus: undefined,
      ...timing(result),
    };
  }
  if (result.kind === 'network') {
    return {
      kind: 'unavailable',
      reason: `network error: ${result.message}`,
      httpStatus: undefined,
      ...timing(result),
    };
  }
  if (result.status < 200 || result.status > 299) {
    return {
      kind: 'unavailable',
      reason: `answered HTTP ${result.status}`,
      httpStatus: result.status,
      ...timing(result),
    };
  }
  return interpretAnswer(result.body, result.status, result.durationMs);
}

function timing(result: { readonly durationMs: number }): { durationMs: number } {
  return { durationMs: result.durationMs };
}

/** The decision in a 2xx answer. */
export function interpretAnswer(text: string, httpStatus: number, durationMs: number): SignInHookOutcome {
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    return { kind: 'unavailable', reason: 'answered something that is not JSON', httpStatus, durationMs };
  }
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
    return { kind: 'unavailable', reason: 'answered JSON that is not an object', httpStatus, durationMs };
  }
  const allow = (answer as Record<string, unknown>).allow;
  if (typeof allow !== 'boolean') {
    return { kind: 'unavailable', reason: 'answered without a boolean "allow"', httpStatus, durationMs };
  }
  if (allow) return { kind: 'allow', durationMs };
  const ignored: string[] = [];
  const errMsg = passThroughText(answer as Record<string, unknown>, 'errMsg', ignored);
  const errCode = passThroughText(answer as Record<string, unknown>, 'errCode', ignored);
  return { kind: 'deny', errMsg, errCode, ignored, durationMs };
}

/** A hook text that may be passed to the app's redirect, or `undefined` (noting why). */
function passThroughText(answer: Record<string, unknown>, field: 'errMsg' | 'errCode', ignored: string[]) {
  const value = answer[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    ignored.push(`${field} is not a string`);
    return undefined;
  }
  if (value.length > MAX_HOOK_TEXT_LENGTH) {
    ignored.push(`${field} is longer than ${MAX_HOOK_TEXT_LENGTH} characters`);
    return undefined;
  }
  return value;
}
