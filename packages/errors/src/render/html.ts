/**
 * HTML renderings: the localized error page shown to people, and the error reference
 * pages served at `/errors` and `/errors/{CODE}`. Every interpolated value is escaped.
 * The pages carry no script and no inline style: they link `/assets/idgate.css`
 * ({@link PAGE_STYLESHEET}), so a strict CSP applies.
 */
import { CATALOG, ERROR_CODES, type ErrorCode } from '../catalog.js';
import { messagesFor } from '../i18n/index.js';
import type { IdgateError } from '../idgate-error.js';
import {
  errorReference,
  retryText,
  txStateReferenceIndex,
  txStatusReference,
  txStatusReferenceIndex,
} from '../reference.js';
import type { TxStatusCode } from '../transactions.js';
import type { RenderedResponse } from './problem.js';
import { escapeHtml } from './text.js';

/** Where pages expect the stylesheet. */
export const STYLESHEET_PATH = '/assets/idgate.css';

/** The stylesheet of idgate's own pages (high contrast, readable sizes, visible focus). */
export const PAGE_STYLESHEET = `:root{color-scheme:light;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;line-height:1.5;color:#1a1a1a;background:#f6f7f9}
body{margin:0;padding:2rem 1rem}
main{max-width:42rem;margin:0 auto;background:#fff;border:1px solid #d0d4da;border-radius:8px;padding:2rem}
h1{font-size:1.5rem;margin-top:0}
h2{font-size:1.15rem;margin-top:2rem}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
pre{background:#f0f2f5;padding:1rem;overflow:auto;border-radius:4px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dt{font-weight:600}
a{color:#0b4fb3}
a:focus,button:focus,input:focus,select:focus{outline:3px solid #0b4fb3;outline-offset:2px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;border-bottom:1px solid #d0d4da;padding:.4rem .5rem;vertical-align:top}
.muted{color:#4a5260}
`;

function document(lang: string, title: string, content: string): string {
  return `<!doctype html>
<html lang="${escapeHtml(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<main>
${content}
</main>
</body>
</html>
`;
}

/** Where people get help, as the operator configured it (`IDGATE_SUPPORT_URL`, `IDGATE_SUPPORT_EMAIL`). */
export interface SupportContact {
  /** An https URL of the operator's support page. */
  readonly url?: string | undefined;
  /** An email address of the operator's support. */
  readonly email?: string | undefined;
}

/** What a person quotes to support: the request's id and when it happened. */
export interface SupportQuote {
  readonly requestId: string;
  readonly at: Date;
}

/** What the error page shows besides the error. */
export interface ErrorPageContext {
  readonly issuer: string;
  readonly requestId: string;
  readonly locale: string;
  /** Status to send instead of the catalog's (the authorization endpoint sends 400 for client errors). */
  readonly status?: number;
  /** When the request was answered (shown to quote to support; default now). */
  readonly at?: Date;
  /** The operator's support contact, shown when configured. */
  readonly support?: SupportContact | undefined;
}

/** The support contact block of a page (nothing when none is configured). */
function supportBlock(messages: ReturnType<typeof messagesFor>, support: SupportContact | undefined): string {
  if (support === undefined || (support.url === undefined && support.email === undefined)) return '';
  const items = [
    support.url === undefined
      ? ''
      : `<dt>${escapeHtml(messages.page.supportUrlLabel)}</dt><dd><a href="${escapeHtml(support.url)}">${escapeHtml(support.url)}</a></dd>`,
    support.email === undefined
      ? ''
      : `<dt>${escapeHtml(messages.page.supportEmailLabel)}</dt><dd><a href="${escapeHtml(`mailto:${support.email}`)}">${escapeHtml(support.email)}</a></dd>`,
  ].join('\n');
  return `<section aria-labelledby="support-title">
<h2 id="support-title">${escapeHtml(messages.page.supportTitle)}</h2>
<p>${escapeHtml(messages.page.supportQuoteHint)}</p>
<dl class="support">
${items}
</dl>
</section>`;
}

/** The request id and time to quote, as a definition list's items. */
function quoteItems(messages: ReturnType<typeof messagesFor>, quote: SupportQuote): string {
  return `<dt>${escapeHtml(messages.page.requestIdLabel)}</dt><dd><code>${escapeHtml(quote.requestId)}</code></dd>
<dt>${escapeHtml(messages.page.timeLabel)}</dt><dd><time datetime="${escapeHtml(quote.at.toISOString())}">${escapeHtml(quote.at.toISOString())}</time></dd>`;
}

/** The doc page of a code, carrying what to quote (so the page can repeat it). */
function docUrlWithQuote(issuer: string, code: ErrorCode, quote: SupportQuote): string {
  const query = new URLSearchParams({ request_id: quote.requestId, at: quote.at.toISOString() });
  return `${issuer}/errors/${code}?${query.toString()}`;
}

/** The localized error page for a person (non-redirectable authorization errors, hosted pages). */
export function renderErrorPage(error: IdgateError, request: ErrorPageContext): RenderedResponse<string> {
  const messages = messagesFor(request.locale);
  const entry = CATALOG[error.code];
  // The detail is developer text, always English: say so on pages in other languages (WCAG 3.1.2).
  const detailLang = messages.locale === 'en' ? '' : ' lang="en"';
  const quote: SupportQuote = { requestId: request.requestId, at: request.at ?? new Date() };
  const content = `<h1>${escapeHtml(messages.page.errorTitle)}</h1>
<p role="alert">${escapeHtml(messages.errors[error.code])}</p>
<dl>
<dt>${escapeHtml(messages.page.errorCodeLabel)}</dt><dd><code>${escapeHtml(error.code)}</code></dd>
${quoteItems(messages, quote)}
</dl>
<p class="muted">${escapeHtml(messages.page.supportHint)}</p>
${supportBlock(messages, request.support)}
<p class="muted"${detailLang}>${escapeHtml(error.publicDetail)}</p>
<p><a href="${escapeHtml(docUrlWithQuote(request.issuer, error.code, quote))}">${escapeHtml(messages.page.docLinkText)}</a></p>`;
  return {
    status: request.status ?? entry.status,
    headers: {
      ...error.responseHeaders,
      'content-type': 'text/html; charset=utf-8',
      'content-language': messages.locale,
    },
    body: document(messages.locale, messages.page.errorTitle, content),
  };
}

/** The HTML index of the error reference. */
export function renderErrorReferenceIndexHtml(issuer: string): string {
  const rows = ERROR_CODES.map((code) => {
    const entry = CATALOG[code];
    return `<tr><td><a href="${escapeHtml(`${issuer}/errors/${code}`)}"><code>${code}</code></a></td><td>${entry.status}</td><td>${entry.category}</td><td>${escapeHtml(entry.description)}</td></tr>`;
  }).join('\n');
  const txRows = txStatusReferenceIndex(issuer)
    .map(
      (reference) =>
        `<tr><td><a href="${escapeHtml(reference.docUrl)}"><code>${reference.code}</code></a></td><td><code>${reference.oauthError}</code></td><td><code>${reference.txState}</code></td><td>${escapeHtml(reference.description)}</td></tr>`,
    )
    .join('\n');
  const stateRows = txStateReferenceIndex()
    .map(
      ({ state, next }) =>
        `<tr><td><code>${state}</code></td><td>${next.length === 0 ? 'nothing (terminal)' : next.map((to) => `<code>${to}</code>`).join(', ')}</td></tr>`,
    )
    .join('\n');
  const content = `<h1>${escapeHtml(messagesFor('en').page.referenceTitle)}</h1>
<p>Every error idgate returns comes from this catalog. Ask for <code>application/json</code> to get it as data.</p>
<table>
<thead><tr><th scope="col">Code</th><th scope="col">Status</th><th scope="col">Category</th><th scope="col">Meaning</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<h2 id="transaction-status-codes">Transaction status codes</h2>
<p>Sent as <code>error_description</code> in authorization redirects and as <code>error.code</code> in REST.</p>
<table>
<thead><tr><th scope="col">Status code</th><th scope="col">OAuth <code>error</code></th><th scope="col">Ends in</th><th scope="col">Meaning</th></tr></thead>
<tbody>
${txRows}
</tbody>
</table>
<h2 id="transaction-states">Transaction states</h2>
<p><code>status</code> in REST, <code>tx_state</code> in authorization redirects. Terminal states never change.</p>
<table>
<thead><tr><th scope="col">State</th><th scope="col">May change to</th></tr></thead>
<tbody>
${stateRows}
</tbody>
</table>`;
  return document('en', 'idgate error reference', content);
}

/** What a reference page of one code shows besides the code: the support contact, and what to quote. */
export interface ReferencePageOptions {
  readonly support?: SupportContact | undefined;
  /** The request id and time the person came with (the error page's link carries them). */
  readonly quote?: SupportQuote | undefined;
}

/** The HTML page of one code. */
export function renderErrorReferenceHtml(code: ErrorCode, issuer: string, options: ReferencePageOptions = {}): string {
  const reference = errorReference(code, issuer);
  const list = (items: readonly string[]) => `<ul>${items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`;
  const messages = Object.entries(reference.userMessage)
    .map(
      ([locale, message]) =>
        `<dt lang="${escapeHtml(locale)}">${escapeHtml(locale)}</dt><dd lang="${escapeHtml(locale)}">${escapeHtml(message)}</dd>`,
    )
    .join('\n');
  const content = `<p><a href="${escapeHtml(`${issuer}/errors`)}">${escapeHtml(messagesFor('en').page.referenceTitle)}</a></p>
<h1><code>${code}</code></h1>
<p>${escapeHtml(reference.description)}</p>
<dl>
<dt>Status</dt><dd>${reference.status}</dd>
<dt>Category</dt><dd>${reference.category}</dd>
<dt>Retry</dt><dd>${escapeHtml(retryText(reference.retry))}</dd>
<dt>OAuth <code>error</code></dt><dd><code>${reference.oauth.error}</code> (HTTP ${reference.oauth.status})</dd>
<dt>Bearer <code>error</code></dt><dd>${reference.oauth.bearerError ? `<code>${reference.oauth.bearerError}</code>` : '—'}</dd>
<dt>Redirect <code>error_description</code></dt><dd><code>${reference.oauth.txStatus}</code></dd>
</dl>
<h2>Common causes</h2>
${list(reference.causes)}
<h2>How to fix</h2>
${list(reference.fixes)}
<h2>User-facing message</h2>
<dl>
${messages}
</dl>
<h2>Example</h2>
<pre tabindex="0" aria-label="Example body"><code>${escapeHtml(JSON.stringify(reference.example, null, 2))}</code></pre>
${referenceSupport(options)}`;
  return document('en', `${code} — idgate error reference`, content);
}

/** The support section of a reference page: what to quote (when known) and the contact (when configured). */
function referenceSupport(options: ReferencePageOptions): string {
  const messages = messagesFor('en');
  const quote =
    options.quote === undefined ? '' : `<h2>Your request</h2>\n<dl>\n${quoteItems(messages, options.quote)}\n</dl>`;
  return [quote, supportBlock(messages, options.support)].filter((part) => part !== '').join('\n');
}

/** The HTML page of one transaction status code (`err_…`). */
export function renderTxStatusReferenceHtml(code: TxStatusCode, issuer: string): string {
  const reference = txStatusReference(code, issuer);
  const messages = Object.entries(reference.userMessage)
    .map(
      ([locale, message]) =>
        `<dt lang="${escapeHtml(locale)}">${escapeHtml(locale)}</dt><dd lang="${escapeHtml(locale)}">${escapeHtml(message)}</dd>`,
    )
    .join('\n');
  const catalogCodes =
    reference.catalogCodes.length === 0
      ? '<p>No catalog code ends a transaction with this status by default; idgate sets it where the cause is known (see the description).</p>'
      : `<ul>${reference.catalogCodes
          .map(
            (errorCode) =>
              `<li><a href="${escapeHtml(`${issuer}/errors/${errorCode}`)}"><code>${errorCode}</code></a></li>`,
          )
          .join('')}</ul>`;
  const content = `<p><a href="${escapeHtml(`${issuer}/errors#transaction-status-codes`)}">${escapeHtml(messagesFor('en').page.referenceTitle)}</a></p>
<h1><code>${code}</code></h1>
<p>${escapeHtml(reference.description)}</p>
<dl>
<dt>Kind</dt><dd>Transaction status code: <code>error_description</code> in authorization redirects, <code>error.code</code> in REST</dd>
<dt>OAuth <code>error</code></dt><dd><code>${reference.oauthError}</code></dd>
<dt>Transaction state</dt><dd><code>${reference.txState}</code> (<code>tx_state</code> in the redirect, <code>status</code> in REST)</dd>
</dl>
<h2>Catalog codes that end a transaction with it</h2>
${catalogCodes}
<h2>User-facing message</h2>
<dl>
${messages}
</dl>
<h2>Example redirect</h2>
<pre tabindex="0" aria-label="Example redirect"><code>${escapeHtml(reference.exampleRedirect)}</code></pre>`;
  return document('en', `${code} — idgate error reference`, content);
}
