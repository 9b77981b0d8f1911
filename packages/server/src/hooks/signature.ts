/**
 * `Idgate-Signature` (SPEC 6): `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`,
 * keyed with the app's hook secret. The same for sign-in hook calls and webhooks.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header's name. */
export const SIGNATURE_HEADER = 'Idgate-Signature';

/** The `v1` signature of a body at a time (unix seconds). */
export function signatureOf(secret: string, timestamp: number, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${rawBody}`, 'utf8').digest('hex');
}

/** The `Idgate-Signature` value of a body sent now. */
export function signatureHeaderValue(secret: string, rawBody: string, now: Date): string {
  const timestamp = Math.floor(now.getTime() / 1000);
  return `t=${timestamp},v1=${signatureOf(secret, timestamp, rawBody)}`;
}

/** Why a signature was refused. */
export type SignatureProblem = 'malformed' | 'stale' | 'mismatch';

/**
 * Checks an `Idgate-Signature` value the way a receiver should: well-formed, `t` within
 * `toleranceSeconds` of `now`, and one `v1` equal (constant time) to the HMAC of
 * `"<t>.<raw body>"`. Returns `undefined` when it holds.
 */
export function signatureProblem(
  header: string | undefined,
  rawBody: string,
  secret: string,
  options: { readonly now: Date; readonly toleranceSeconds: number },
): SignatureProblem | undefined {
  if (header === undefined) return 'malformed';
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value !== undefined && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    if (key === 'v1' && value !== undefined && /^[0-9a-f]{64}$/.test(value)) candidates.push(value);
  }
  if (timestamp === undefined || candidates.length === 0) return 'malformed';
  if (Math.abs(options.now.getTime() / 1000 - timestamp) > options.toleranceSeconds) return 'stale';
  const expected = Buffer.from(signatureOf(secret, timestamp, rawBody), 'hex');
  const matches = candidates.some((candidate) => timingSafeEqual(Buffer.from(candidate, 'hex'), expected));
  return matches ? undefined : 'mismatch';
}
