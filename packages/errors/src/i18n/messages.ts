/**
 * The shape of one language's user-facing texts. Every language provides every key, so
 * a missing translation is a type error, not a blank on a page.
 */
import type { ErrorCode } from '../catalog-decisions.js';
import type { TxStatusCode } from '../transactions.js';

/** Texts shown around an error on idgate's own HTML pages. */
export interface PageTexts {
  /** Page title of the error page, e.g. "Something went wrong". */
  readonly errorTitle: string;
  /** Label before the request id, e.g. "Request ID". */
  readonly requestIdLabel: string;
  /** Label before the error code, e.g. "Error code". */
  readonly errorCodeLabel: string;
  /** Sentence asking the person to quote the request id to support. */
  readonly supportHint: string;
  /** Link text to the developer documentation of the code. */
  readonly docLinkText: string;
  /** Link text back to the app, when one is known. */
  readonly backToApp: string;
  /** Heading of the error reference index page. */
  readonly referenceTitle: string;
  /** Summary of the folded developer detail on error pages in a language other than English. */
  readonly developerDetails: string;
  /** Label before the time of the request (UTC), to quote to support. */
  readonly timeLabel: string;
  /** Heading of the support contact, e.g. "Contact support". */
  readonly supportTitle: string;
  /** Sentence asking the person to quote the request id and time when contacting support. */
  readonly supportQuoteHint: string;
  /** Label before the support page link. */
  readonly supportUrlLabel: string;
  /** Label before the support email address. */
  readonly supportEmailLabel: string;
}

/** One language's user-facing messages. */
export interface Messages {
  /** BCP 47 language tag, e.g. `en`, `de`. */
  readonly locale: string;
  /** Name of the language in itself, e.g. "Deutsch". */
  readonly languageName: string;
  /** A message an end user can read for each catalog code: no jargon, no blame, says what to do. */
  readonly errors: Readonly<Record<ErrorCode, string>>;
  /** A message an end user can read for each transaction status code. */
  readonly txStatus: Readonly<Record<TxStatusCode, string>>;
  readonly page: PageTexts;
}
