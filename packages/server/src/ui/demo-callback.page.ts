/**
 * The sandbox demo app's callback page (`GET /demo/callback`): where a browser flow of the
 * demo app ends, so a newcomer sees the result instead of a refused connection. It plays
 * the app's side: it shows what the authorization response carried (the code, or the
 * error with `error_description`, `tx_state`, `errMsg` and `errCode`), links each error
 * value to its reference page, and gives the exact `curl` of the token exchange a real
 * app makes on its server. Developer-facing, in English.
 */
import { isTxStatusCode, messagesFor, OAUTH_REFERENCE_VALUES, TX_STATUS_DEFINITIONS } from '@idgate/errors';
import { html, renderPage, type SafeHtml } from './layout.js';
import { pageStringsFor } from './texts.js';

/** The query parameters of an authorization response the page shows, in this order. */
export const DEMO_CALLBACK_PARAMETERS = [
  'code',
  'error',
  'error_description',
  'tx_state',
  'errMsg',
  'errCode',
  'state',
  'iss',
] as const;

/** An authorization response's query, as the page reads it. */
export type DemoCallbackQuery = Partial<Record<(typeof DEMO_CALLBACK_PARAMETERS)[number], string>>;

/** What the demo callback page shows. */
export interface DemoCallbackView {
  readonly issuer: string;
  readonly query: DemoCallbackQuery;
  /** This page's own URL: the `redirect_uri` of the token exchange. */
  readonly redirectUri: string;
  /** The demo app's client id, when the data directory has it. */
  readonly clientId: string | undefined;
  /** The PKCE verifier of the printed demo flow. */
  readonly codeVerifier: string;
}

/** The reference page of an error value, when the reference has one. */
function referenceLink(issuer: string, value: string): SafeHtml {
  const known = isTxStatusCode(value) || (OAUTH_REFERENCE_VALUES as readonly string[]).includes(value);
  return known ? html`<a href="${`${issuer}/errors/${value}`}"><code>${value}</code></a>` : html`<code>${value}</code>`;
}

function received(view: DemoCallbackView): SafeHtml {
  const rows = DEMO_CALLBACK_PARAMETERS.filter((name) => view.query[name] !== undefined).map(
    function parameterRow(name) {
      const value = view.query[name] ?? '';
      const shown =
        name === 'error' || name === 'error_description'
          ? referenceLink(view.issuer, value)
          : html`<code>${value}</code>`;
      return html`<dt><code>${name}</code></dt><dd>${shown}</dd>
`;
    },
  );
  return html`<h2>What the app received</h2>
<dl class="demo-result">
${rows}</dl>
`;
}

function tokenExchange(view: DemoCallbackView, code: string): SafeHtml {
  const client = view.clientId ?? '$CLIENT_ID';
  const command = [
    `curl -s -u "${client}:$CLIENT_SECRET" \\`,
    '  -d grant_type=authorization_code \\',
    `  -d code=${code} \\`,
    `  --data-urlencode redirect_uri=${view.redirectUri} \\`,
    `  -d code_verifier=${view.codeVerifier} \\`,
    `  ${view.issuer}/token`,
  ].join('\n');
  return html`<h2>Exchange the code</h2>
<p>A real app does this on its server, at once: the code is short-lived and works once. <code>$CLIENT_SECRET</code> is the demo app's <code>client_secret</code>, printed by <code>npm start</code> and kept in <code>demo-app.json</code> in the data directory. The <code>code_verifier</code> is the one of the demo flow that <code>npm start</code> prints; a flow you started with your own <code>code_challenge</code> needs its own verifier.</p>
<pre><code>${command}</code></pre>
`;
}

function failure(view: DemoCallbackView, error: string): SafeHtml {
  const description = view.query.error_description;
  const txStatus = description !== undefined && isTxStatusCode(description) ? description : undefined;
  const meaning = txStatus === undefined ? undefined : TX_STATUS_DEFINITIONS[txStatus].description;
  const userMessage = txStatus === undefined ? undefined : messagesFor('en').txStatus[txStatus];
  return html`<p>The sign-in ended with <code>error=${error}</code>${txStatus === undefined ? '' : html`, transaction status code <code>${txStatus}</code>`}.</p>
${meaning === undefined ? '' : html`<p>${meaning}</p>\n`}${
  userMessage === undefined
    ? ''
    : html`<p>What an app would tell the person: <q>${userMessage}</q></p>
`
}${view.query.errMsg === undefined && view.query.errCode === undefined ? '' : html`<p><code>errMsg</code> and <code>errCode</code> are what the app's sign-in hook answered when it denied the sign-in.</p>\n`}`;
}

/** The demo callback page. */
export function renderDemoCallbackPage(view: DemoCallbackView): string {
  const strings = pageStringsFor('en');
  const { code, error } = view.query;
  const title =
    code !== undefined ? 'Demo app: signed in' : error !== undefined ? 'Demo app: sign-in failed' : 'Demo app callback';
  const body =
    code !== undefined
      ? html`<p>idgate sent the browser back with an authorization code.</p>
${received(view)}${tokenExchange(view, code)}`
      : error !== undefined
        ? html`${failure(view, error)}${received(view)}`
        : html`<p>This is where the sandbox demo app's sign-ins end. Nothing was received: start a flow with the demo app's <code>/authorize</code> link that <code>npm start</code> prints.</p>
`;
  return renderPage(
    { strings, title, sandbox: true },
    html`<h1>${title}</h1>
<p class="sandbox-banner">Sandbox: this page plays the callback (<code>redirect_uri</code>) of the demo app. A real app serves its own.</p>
${body}<p><a href="${`${view.issuer}/errors`}">Error reference</a></p>`,
  );
}
