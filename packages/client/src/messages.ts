/**
 * The user-facing message of every catalog code and transaction status code (SPEC 9),
 * in the best of idgate's languages for an `Accept-Language` value or a locale — the
 * same texts idgate puts in `user_message` and on its hosted pages (@idgate/errors).
 */
import { type ErrorCode, isErrorCode, messagesFor, negotiateLocale, type TxStatusCode } from '@idgate/errors';

/**
 * The message to show an end user for `code` (`AUTH_INVALID_CREDENTIALS`, or a
 * transaction status code such as `err_user_cancelled`). `acceptLanguage` is a locale
 * (`de`) or a whole `Accept-Language` value (`de-CH, en;q=0.5`); English when idgate
 * speaks none of them.
 */
export function userMessage(code: ErrorCode | TxStatusCode, acceptLanguage = 'en'): string {
  const messages = messagesFor(negotiateLocale(acceptLanguage));
  return isErrorCode(code) ? messages.errors[code] : messages.txStatus[code];
}
