/**
 * PKCE (RFC 7636) at the token endpoint: the verifier's syntax, the S256 transform, and
 * the comparison with the challenge the authorization request carried.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** RFC 7636 §4.1: code_verifier = 43*128unreserved, unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~". */
const VERIFIER_SYNTAX = /^[A-Za-z0-9\-._~]{43,128}$/;

/** Whether `verifier` has the syntax RFC 7636 §4.1 requires. */
export function isValidCodeVerifier(verifier: string): boolean {
  return VERIFIER_SYNTAX.test(verifier);
}

/** RFC 7636 §4.2: `BASE64URL(SHA256(ASCII(code_verifier)))`. */
export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** RFC 7636 §4.6: whether the verifier transforms to the challenge (constant-time comparison). */
export function verifierMatchesChallenge(verifier: string, challenge: string): boolean {
  const actual = Buffer.from(s256Challenge(verifier), 'utf8');
  const expected = Buffer.from(challenge, 'utf8');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
