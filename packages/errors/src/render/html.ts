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
  type CodeSummary,
  errorReference,
  oauthErrorReference,
  oauthErrorReferenceIndex,
  retryText,
  statusReference,
  statusReferenceIndex,
  type TxStatusSummary,
  txStateReferenceIndex,
  txStatusReference,
  txStatusReferenceIndex,
} from '../reference.js';
import type { CatalogStatus, OAuthReferenceValue } from '../reference-texts.js';
import type { TxStatusCode } from '../transactions.js';
import { inlineMarkdownToHtml } from './inline-markdown.js';
import type { RenderedResponse } from './problem.js';
import { escapeHtml } from './text.js';

/** Where pages expect the stylesheet. */
export const STYLESHEET_PATH = '/assets/idgate.css';

/**
 * The stylesheet of idgate's own pages (high contrast, readable sizes, visible focus).
 * Every page fits a 390 px wide screen without horizontal scrolling: long codes and ids
 * wrap anywhere, tables and definition lists shrink or stack, examples wrap.
 */
export const PAGE_STYLESHEET = `:root{color-scheme:light;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;line-height:1.5;color:#1a1a1a;background:#f6f7f9}
body{margin:0;padding:2rem 1rem}
main{max-width:42rem;margin:0 auto;background:#fff;border:1px solid #d0d4da;border-radius:8px;padding:2rem;overflow-wrap:anywhere}
h1{font-size:1.5rem;margin-top:0}
h2{font-size:1.15rem;margin-top:2rem}
h3{font-size:1rem;margin-bottom:.25rem}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
code{overflow-wrap:anywhere}
pre{background:#f0f2f5;padding:1rem;border-radius:4px;white-space:pre-wrap;overflow-wrap:anywhere}
dl{display:grid;grid-template-columns:minmax(0,max-content) minmax(0,1fr);gap:.25rem 1rem}
dt{font-weight:600}
dd{margin:0;min-width:0}
a{color:#0b4fb3}
a:focus,button:focus,input:focus,select:focus,summary:focus{outline:3px solid #0b4fb3;outline-offset:2px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;border-bottom:1px solid #d0d4da;padding:.4rem .5rem;vertical-align:top;overflow-wrap:anywhere}
.muted{color:#4a5260}
@media (max-width:36rem){body{padding:1rem .5rem}main{padding:1.25rem 1rem}dl{display:block}dd{margin:0 0 .5rem}th,td{padding:.3rem .25rem}}
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
  const detail = inlineMarkdownToHtml(error.publicDetail);
  // The detail is developer text, always English: on pages in another language it waits,
  // folded and marked `lang="en"` (WCAG 3.1.2), behind a summary in the page's language.
  const detailBlock =
    messages.locale === 'en'
      ? `<p class="muted">${detail}</p>`
      : `<details>
<summary>${escapeHtml(messages.page.developerDetails)}</summary>
<p class="muted" lang="en">${detail}</p>
</details>`;
  const quote: SupportQuote = { requestId: request.requestId, at: request.at ?? new Date() };
  const content = `<h1>${escapeHtml(messages.page.errorTitle)}</h1>
<p role="alert">${escapeHtml(messages.errors[error.code])}</p>
<dl>
<dt>${escapeHtml(messages.page.errorCodeLabel)}</dt><dd><code>${escapeHtml(error.code)}</code></dd>
${quoteItems(messages, quote)}
</dl>
<p class="muted">${escapeHtml(messages.page.supportHint)}</p>
${supportBlock(messages, request.support)}
${detailBlock}
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

/** A link to a reference page, its text in `<code>`. */
function codeLink(href: string, text: string): string {
  return `<a href="${escapeHtml(href)}"><code>${escapeHtml(text)}</code></a>`;
}

/** A list of catalog texts (Markdown backticks as `<code>`). */
function textList(items: readonly string[]): string {
  return `<ul>${items.map((item) => `<li>${inlineMarkdownToHtml(item)}</li>`).join('')}</ul>`;
}

/** The back link of every reference page. */
function backToIndex(issuer: string, fragment = ''): string {
  return `<p><a href="${escapeHtml(`${issuer}/errors${fragment}`)}">${escapeHtml(messagesFor('en').page.referenceTitle)}</a></p>`;
}

/** The user messages of a code, one per language. */
function userMessages(userMessage: Readonly<Record<string, string>>): string {
  return Object.entries(userMessage)
    .map(
      ([locale, message]) =>
        `<dt lang="${escapeHtml(locale)}">${escapeHtml(locale)}</dt><dd lang="${escapeHtml(locale)}">${escapeHtml(message)}</dd>`,
    )
    .join('\n');
}

/** The HTML index of the error reference. */
export function renderErrorReferenceIndexHtml(issuer: string): string {
  const rows = ERROR_CODES.map((code) => {
    const entry = CATALOG[code];
    return `<tr><td>${codeLink(`${issuer}/errors/${code}`, code)}</td><td><a href="${escapeHtml(`${issuer}/errors/${entry.status}`)}">${entry.status}</a></td><td>${entry.category}</td><td>${inlineMarkdownToHtml(entry.description)}</td></tr>`;
  }).join('\n');
  const statusRows = statusReferenceIndex(issuer)
    .map(
      (reference) =>
        `<tr><td><a href="${escapeHtml(reference.docUrl)}">${reference.status} ${escapeHtml(reference.reason)}</a></td><td>${reference.category}</td><td>${reference.codes.map((code) => `<code>${code.code}</code>`).join(', ')}</td></tr>`,
    )
    .join('\n');
  const oauthRows = oauthErrorReferenceIndex(issuer)
    .map(
      (reference) =>
        `<tr><td>${codeLink(reference.docUrl, reference.error)}</td><td>${inlineMarkdownToHtml(reference.meaning)}</td></tr>`,
    )
    .join('\n');
  const txRows = txStatusReferenceIndex(issuer)
    .map(
      (reference) =>
        `<tr><td>${codeLink(reference.docUrl, reference.code)}</td><td><code>${reference.oauthError}</code></td><td><code>${reference.txState}</code></td><td>${inlineMarkdownToHtml(reference.description)}</td></tr>`,
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
<h2 id="by-status">By HTTP status</h2>
<p>Every code of a status, with its causes and fixes.</p>
<table>
<thead><tr><th scope="col">Status</th><th scope="col">Category</th><th scope="col">Codes</th></tr></thead>
<tbody>
${statusRows}
</tbody>
</table>
<h2 id="by-oauth-error">By OAuth <code>error</code></h2>
<p>The codes behind an <code>error</code> value at <code>/token</code>, in Bearer challenges and in authorization redirects.</p>
<table>
<thead><tr><th scope="col"><code>error</code></th><th scope="col">Meaning</th></tr></thead>
<tbody>
${oauthRows}
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
  const content = `${backToIndex(issuer)}
<h1><code>${code}</code></h1>
<p>${inlineMarkdownToHtml(reference.description)}</p>
<dl>
<dt>Status</dt><dd><a href="${escapeHtml(`${issuer}/errors/${reference.status}`)}">${reference.status}</a></dd>
<dt>Category</dt><dd>${reference.category}</dd>
<dt>Retry</dt><dd>${inlineMarkdownToHtml(retryText(reference.retry))}</dd>
<dt>OAuth <code>error</code></dt><dd>${codeLink(`${issuer}/errors/${reference.oauth.error}`, reference.oauth.error)} (HTTP ${reference.oauth.status})</dd>
<dt>Bearer <code>error</code></dt><dd>${reference.oauth.bearerError ? codeLink(`${issuer}/errors/${reference.oauth.bearerError}`, reference.oauth.bearerError) : '—'}</dd>
<dt>Redirect <code>error_description</code></dt><dd>${codeLink(`${issuer}/errors/${reference.oauth.txStatus}`, reference.oauth.txStatus)}</dd>
</dl>
<h2>Common causes</h2>
${textList(reference.causes)}
<h2>How to fix</h2>
${textList(reference.fixes)}
<h2>User-facing message</h2>
<dl>
${userMessages(reference.userMessage)}
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
  const catalogCodes =
    reference.catalogCodes.length === 0
      ? '<p>No catalog code ends a transaction with this status by default; idgate sets it where the cause is known (see the description).</p>'
      : `<ul>${reference.catalogCodes.map((errorCode) => `<li>${codeLink(`${issuer}/errors/${errorCode}`, errorCode)}</li>`).join('')}</ul>`;
  const content = `${backToIndex(issuer, '#transaction-status-codes')}
<h1><code>${code}</code></h1>
<p>${inlineMarkdownToHtml(reference.description)}</p>
<dl>
<dt>Kind</dt><dd>Transaction status code: <code>error_description</code> in authorization redirects, <code>error.code</code> in REST</dd>
<dt>OAuth <code>error</code></dt><dd>${codeLink(`${issuer}/errors/${reference.oauthError}`, reference.oauthError)}</dd>
<dt>Transaction state</dt><dd><code>${reference.txState}</code> (<code>tx_state</code> in the redirect, <code>status</code> in REST)</dd>
</dl>
<h2>Common causes</h2>
${textList(reference.causes)}
<h2>How to fix</h2>
${textList(reference.fixes)}
<h2>Catalog codes that end a transaction with it</h2>
${catalogCodes}
<h2>User-facing message</h2>
<dl>
${userMessages(reference.userMessage)}
</dl>
<h2>Example redirect</h2>
<pre tabindex="0" aria-label="Example redirect"><code>${escapeHtml(reference.exampleRedirect)}</code></pre>`;
  return document('en', `${code} — idgate error reference`, content);
}

/** One code of a status or `error` page: its heading, meaning, causes and fixes. */
function summarySection(
  summary: CodeSummary | TxStatusSummary,
  issuer: string,
  idPrefix: string,
  extra: string,
): string {
  const id = `${idPrefix}-${summary.code}`;
  return `<section aria-labelledby="${id}">
<h3 id="${id}">${codeLink(`${issuer}/errors/${summary.code}`, summary.code)}</h3>
<p>${inlineMarkdownToHtml(summary.description)}${extra}</p>
<p><strong>Common causes</strong></p>
${textList(summary.causes)}
<p><strong>How to fix</strong></p>
${textList(summary.fixes)}
</section>`;
}

/** The HTML page of one HTTP status (`/errors/429`): every code of that status, with causes and fixes. */
export function renderStatusReferenceHtml(status: CatalogStatus, issuer: string): string {
  const reference = statusReference(status, issuer);
  const content = `${backToIndex(issuer, '#by-status')}
<h1>HTTP ${reference.status} ${escapeHtml(reference.reason)}</h1>
<p>${inlineMarkdownToHtml(reference.meaning)}</p>
<dl>
<dt>Category</dt><dd>${reference.category}</dd>
<dt>Retry</dt><dd>${inlineMarkdownToHtml(retryText(reference.retry))}</dd>
<dt>Codes</dt><dd>${reference.codes.length}</dd>
</dl>
<h2>Codes with this status</h2>
${reference.codes.map((summary) => summarySection(summary, issuer, 'status', '')).join('\n')}`;
  return document('en', `HTTP ${reference.status} — idgate error reference`, content);
}

/** The HTML page of one OAuth `error` value (`/errors/invalid_request`): the codes behind it on each surface. */
export function renderOAuthErrorReferenceHtml(error: OAuthReferenceValue, issuer: string): string {
  const reference = oauthErrorReference(error, issuer);
  const part = (id: string, title: string, intro: string, sections: readonly string[]) =>
    sections.length === 0 ? '' : `\n<h2 id="${id}">${title}</h2>\n<p>${intro}</p>\n${sections.join('\n')}`;
  const token = reference.tokenEndpoint.map((summary) =>
    summarySection(summary, issuer, 'token', ` HTTP ${summary.oauthStatus} at the token endpoint.`),
  );
  const bearer = reference.bearerChallenge.map((summary) =>
    summarySection(summary, issuer, 'bearer', ` HTTP ${summary.status}.`),
  );
  const redirect = reference.authorizationRedirect.map((summary) =>
    summarySection(summary, issuer, 'redirect', ` <code>tx_state=${summary.txState}</code>.`),
  );
  const content = `${backToIndex(issuer, '#by-oauth-error')}
<h1><code>${reference.error}</code></h1>
<p>${inlineMarkdownToHtml(reference.meaning)}</p>
<dl>
<dt>Defined in</dt><dd>${escapeHtml(reference.definedIn)}</dd>
</dl>${part(
    'token-endpoint',
    'At <code>/token</code>, <code>/introspect</code> and <code>/revoke</code>',
    'RFC 6749 JSON; the catalog code is the last segment of <code>error_uri</code>.',
    token,
  )}${part(
    'bearer-challenge',
    'In Bearer challenges',
    '<code>WWW-Authenticate: Bearer error=…</code> (RFC 6750) on <code>/userinfo</code> and the REST API.',
    bearer,
  )}${part(
    'authorization-redirect',
    'In authorization redirects',
    '<code>error_description</code> carries the transaction status code.',
    redirect,
  )}`;
  return document('en', `${reference.error} — idgate error reference`, content);
}
