/**
 * The waiting page of a QR or push transaction (`GET /authorize/{txId}` while the person
 * answers on another device). A QR flow shows a real QR code of `flowDetails.qrData`; a
 * push flow shows the provider's message. The page polls without inline script: the
 * static poll script asks `GET /authorize/{txId}/status` and loads the page again when
 * the status changes (the server then renders the new state or sends the browser back to
 * the app). Without script, `<noscript><meta http-equiv="refresh"></noscript>` and a
 * "check again" link do the same. In the sandbox a link opens the mock provider's screen,
 * which plays the phone. A person already on the phone that holds the provider's app
 * cannot scan its own screen: the page offers the same request as a link ("open on this
 * device") when the provider gives one, and shows the time left (rendered by the server,
 * counted down by the poll script, which loads the page again when it runs out). A
 * wallet's `dc_api` session also offers the Digital Credentials API where the browser has
 * it (the script calls `navigator.credentials.get` and relays the answer to idgate),
 * with the QR code and the `openid4vp://` link as the fallback.
 */
import type { TxState } from '@idgate/errors';
import type { FlowType } from '../domain/verification.js';
import type { PageBranding } from './branding.js';
import { html, renderPage, type SafeHtml } from './layout.js';
import { cancelForm, type TransactionForms } from './provider-choice.page.js';
import { renderQrSvg } from './qr-code.js';
import type { PageStrings } from './texts.js';

/** Milliseconds between two polls of the script. */
export const POLL_INTERVAL_MS = 2_000;

/** Seconds after which a browser without script loads the page again. */
export const NOSCRIPT_REFRESH_SECONDS = 5;

/** What the waiting page shows. */
export interface WaitingView extends TransactionForms {
  readonly strings: PageStrings;
  readonly sandbox: boolean;
  readonly flowType: Exclude<FlowType, 'redirect'>;
  /** The transaction's status the page was rendered with. */
  readonly status: TxState;
  /** The page itself (polling target and "check again"). */
  readonly selfUrl: string;
  /** The JSON status of the transaction. */
  readonly statusUrl: string;
  /** `flowDetails.qrData`, for QR flows. */
  readonly qrData: string | undefined;
  /** `flowDetails.message`, for push flows (shown on English pages; others show their own instructions). */
  readonly message: string | undefined;
  /** The mock provider's screen, in the sandbox. */
  readonly sandboxPhoneUrl: string | undefined;
  /** The request as a link for this device (`flowDetails.url`, or a QR code that is a link). */
  readonly sameDeviceUrl: string | undefined;
  /**
   * A wallet's `dc_api` session: the argument of `navigator.credentials.get` (JSON) and
   * where the page relays the answer. The script offers it where the browser has the
   * Digital Credentials API; the QR code and the same-device link stay as the fallback.
   */
  readonly digitalCredentials?: { readonly request: string; readonly relayUrl: string } | undefined;
  /** Whole seconds until the transaction expires (0 or more). */
  readonly secondsLeft: number;
  readonly branding?: PageBranding | undefined;
}

/** Schemes a link of a provider may never use on idgate's page. */
const UNSAFE_SCHEMES: ReadonlySet<string> = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:']);

/**
 * The same-device link of a flow: `flowDetails.url`, else `flowDetails.qrData` when it is
 * a link (an https URL or an app's deep link such as `bankid:///?autostarttoken=…`).
 */
export function sameDeviceLinkOf(flowDetails: Readonly<Record<string, unknown>>): string | undefined {
  for (const candidate of [flowDetails.url, flowDetails.qrData]) {
    if (typeof candidate !== 'string' || candidate.length > 2000) continue;
    let url: URL;
    try {
      url = new URL(candidate);
    } catch {
      continue;
    }
    if (!UNSAFE_SCHEMES.has(url.protocol)) return candidate;
  }
  return undefined;
}

/** `m:ss` (or `h:mm:ss`) of a number of seconds: digits only, the same in every language. */
export function formatTimeLeft(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = String(whole % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}

function timeLeft(view: WaitingView): SafeHtml {
  const { strings } = view;
  return html`<p>${strings.timeLeftLabel} <span class="time-left" data-idgate-countdown data-seconds-left="${view.secondsLeft}">${formatTimeLeft(view.secondsLeft)}</span></p>
`;
}

function sameDevice(view: WaitingView): SafeHtml | '' {
  if (view.sameDeviceUrl === undefined) return '';
  const { strings } = view;
  return html`<div class="same-device">
<p>${strings.sameDeviceHelp}</p>
<p><a class="button" href="${view.sameDeviceUrl}">${strings.openOnThisDevice}</a></p>
</div>
`;
}

/** Hidden until the script finds the Digital Credentials API (a browser without it shows the fallback only). */
function digitalCredentials(view: WaitingView): SafeHtml | '' {
  const dc = view.digitalCredentials;
  if (dc === undefined) return '';
  const { strings } = view;
  return html`<div class="same-device" data-idgate-dc data-dc-request="${dc.request}" data-dc-relay-url="${dc.relayUrl}" data-csrf="${view.csrfToken}" hidden>
<p>${strings.dcApiHelp}</p>
<p><button type="button">${strings.dcApiButton}</button></p>
</div>
`;
}

function sandboxPhone(view: WaitingView): SafeHtml | '' {
  if (view.sandboxPhoneUrl === undefined) return '';
  const { strings } = view;
  return html`<div class="sandbox-banner">
<p>${strings.sandboxPhoneHelp}</p>
<p><a href="${view.sandboxPhoneUrl}" target="_blank" rel="noopener noreferrer">${strings.openSandboxPhone} ${strings.opensInNewTab}</a></p>
</div>
`;
}

function qrBlock(view: WaitingView): SafeHtml | '' {
  const { strings } = view;
  if (view.qrData === undefined || view.status === 'authenticating') return '';
  return html`<div class="qr-layout">
${renderQrSvg(view.qrData, strings.qrImageLabel)}
<div>
<p>${strings.qrInstructions}</p>
${sandboxPhone(view)}</div>
</div>
<details>
<summary>${strings.qrDataLabel}</summary>
<pre><code>${view.qrData}</code></pre>
</details>
`;
}

/** The waiting page. */
export function renderWaitingPage(view: WaitingView): string {
  const { strings } = view;
  const title = strings.waitTitles[view.flowType];
  const atProvider = view.status === 'authenticating';
  const showQr = (view.flowType === 'qr' || view.flowType === 'dc_api') && view.qrData !== undefined && !atProvider;
  // The provider's own message is in the provider's language (English for the mocks):
  // pages in another language say it in theirs.
  const pushText = strings.locale === 'en' ? (view.message ?? strings.pushInstructions) : strings.pushInstructions;
  const instructions = view.flowType === 'push' ? html`<p>${pushText}</p>\n` : ('' as const);
  return renderPage(
    {
      strings,
      title,
      sandbox: view.sandbox,
      poll: true,
      noscriptRefreshSeconds: NOSCRIPT_REFRESH_SECONDS,
      branding: view.branding,
    },
    html`<h1>${title}</h1>
${instructions}${atProvider ? '' : digitalCredentials(view)}${atProvider ? '' : sameDevice(view)}${qrBlock(view)}${showQr ? '' : sandboxPhone(view)}${timeLeft(view)}<p role="status" data-idgate-poll data-status="${view.status}" data-status-url="${view.statusUrl}" data-page-url="${view.selfUrl}" data-interval-ms="${POLL_INTERVAL_MS}">${
      atProvider ? strings.waitingAtProvider[view.flowType] : strings.waiting
    }</p>
<div class="actions">
<a class="button secondary" href="${view.selfUrl}">${strings.checkNow}</a>
${cancelForm(strings, view)}
</div>`,
  );
}
