/**
 * Binds an `/authorize` transaction to the browser that started it. When the request
 * needs the hosted pages, idgate sets a cookie scoped to that transaction's pages
 * (`Path=/authorize/<txId>`, `HttpOnly`, `SameSite=Lax`); the pages that can hand out
 * the authorization response refuse a browser without it. Whoever learns a
 * transaction's URL (history, logs, a shoulder) cannot collect its code (RFC 9700 §4.5:
 * authorization code injection; OAuth 2.0 Security BCP on session fixation). The
 * cookie's value is an HMAC of the transaction id under the instance secret, so nothing
 * is stored. The mock provider's screen (`/flow/<txId>`) is the provider's side and may
 * be on another device (a phone scanning a QR code): it does not need the cookie.
 */
import { timingSafeEqual } from 'node:crypto';
import { IdgateError } from '@idgate/errors';
import type { SecretBox } from '../security/secrets.js';

/** The cookie's name. */
export const BINDING_COOKIE = 'idgate_tx';

/** Separates this use of the keyed hash from every other. */
const PURPOSE = 'idgate-browser-binding-v1:';

/** The cookie value of a transaction. */
function bindingValue(secrets: SecretBox, transactionId: string): string {
  return Buffer.from(secrets.hash(PURPOSE + transactionId), 'hex').toString('base64url');
}

/** The path of a transaction's hosted pages under the issuer. */
export function transactionPagePath(issuer: string, transactionId: string): string {
  const base = new URL(issuer).pathname.replace(/\/+$/, '');
  return `${base}/authorize/${encodeURIComponent(transactionId)}`;
}

/**
 * How long the binding outlives its transaction. When the user comes back to an expired
 * transaction's page, idgate must still recognize the browser to send it back to the app
 * with `tx_state=expired` (without the cookie the page can only say "started in another
 * browser"). A day covers a tab left open overnight; past that a stale tab is unlikely to
 * be used, and the bound keeps the per-transaction cookies (one per `Path`) from piling up.
 */
export const BINDING_OUTLIVES_TRANSACTION_SECONDS = 24 * 3600;

/**
 * The `Set-Cookie` value that binds a transaction to this browser: for the
 * `transactionSecondsLeft` of the transaction plus {@link BINDING_OUTLIVES_TRANSACTION_SECONDS}.
 */
export function bindingCookie(
  secrets: SecretBox,
  issuer: string,
  transactionId: string,
  transactionSecondsLeft: number,
): string {
  const secure = new URL(issuer).protocol === 'https:' ? '; Secure' : '';
  const maxAge = Math.max(1, Math.ceil(transactionSecondsLeft)) + BINDING_OUTLIVES_TRANSACTION_SECONDS;
  return `${BINDING_COOKIE}=${bindingValue(secrets, transactionId)}; Path=${transactionPagePath(issuer, transactionId)}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
}

/** Every value of the binding cookie in a `Cookie` header. */
function presentedValues(cookieHeader: string | undefined): string[] {
  if (cookieHeader === undefined) return [];
  return cookieHeader
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair.startsWith(`${BINDING_COOKIE}=`))
    .map((pair) => pair.slice(BINDING_COOKIE.length + 1));
}

/**
 * Refuses a browser that did not start the transaction.
 * @throws IdgateError `AUTH_FORBIDDEN`
 */
export function checkBrowserBinding(secrets: SecretBox, transactionId: string, cookieHeader: string | undefined): void {
  // RFC 9700 §4.5: the authorization response goes only to the user agent that made the request.
  const expected = Buffer.from(bindingValue(secrets, transactionId), 'utf8');
  const bound = presentedValues(cookieHeader).some(function matches(value) {
    const actual = Buffer.from(value, 'utf8');
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  });
  if (!bound) {
    throw new IdgateError('AUTH_FORBIDDEN', {
      detail:
        'This sign-in was started in another browser, or this browser does not keep cookies: start it again from the app in this browser.',
      context: { reason: 'browser_not_bound' },
    });
  }
}
