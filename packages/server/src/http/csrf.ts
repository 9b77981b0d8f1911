/**
 * CSRF tokens of the hosted forms (SPEC 7). A token is bound to one transaction: it is
 * an HMAC of the transaction id under the instance's credential-hash key, so it can be
 * checked without storing anything, cannot be computed without the instance secret, and
 * is worthless for any other transaction.
 */
import { timingSafeEqual } from 'node:crypto';
import { IdgateError } from '@idgate/errors';
import type { SecretBox } from '../security/secrets.js';

/** The form field that carries the token. */
export const CSRF_FIELD = 'csrf_token';

/** Separates this use of the keyed hash from every other (client secrets, admin key). */
const PURPOSE = 'idgate-csrf-v1:';

/** The CSRF token of a transaction's hosted forms. */
export function csrfTokenFor(secrets: SecretBox, transactionId: string): string {
  return Buffer.from(secrets.hash(PURPOSE + transactionId), 'hex').toString('base64url');
}

/**
 * Refuses a form whose CSRF token is missing or is not the one of this transaction.
 * @throws IdgateError `AUTH_FORBIDDEN`
 */
export function checkCsrfToken(secrets: SecretBox, transactionId: string, presented: unknown): void {
  // OWASP CSRF cheat sheet: a state-changing form must carry a token the attacker cannot know.
  if (typeof presented !== 'string' || presented.length === 0) {
    throw new IdgateError('AUTH_FORBIDDEN', {
      detail: `The form came without its ${CSRF_FIELD}: reload the page and submit it again.`,
      context: { reason: 'csrf_token_missing' },
    });
  }
  const expected = Buffer.from(csrfTokenFor(secrets, transactionId), 'utf8');
  const actual = Buffer.from(presented, 'utf8');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new IdgateError('AUTH_FORBIDDEN', {
      detail: `The form's ${CSRF_FIELD} does not belong to this transaction: reload the page and submit it again.`,
      context: { reason: 'csrf_token_invalid' },
    });
  }
}
