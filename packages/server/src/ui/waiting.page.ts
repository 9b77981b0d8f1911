/**
 * The waiting page of a QR or push transaction (`GET /authorize/{txId}` while the user
 * answers on another device). It polls without script: `<meta http-equiv="refresh">`
 * loads it again, and every load polls the provider.
 */
import type { FlowType } from '../providers/descriptors.js';
import { html, renderPage } from './layout.js';
import { cancelForm } from './provider-choice.page.js';
import type { PageStrings } from './texts.js';

/** Seconds between two polls of the waiting page. */
export const WAITING_REFRESH_SECONDS = 2;

/** What the waiting page shows. */
export interface WaitingView {
  readonly strings: PageStrings;
  readonly flowType: FlowType;
  /** The page itself (the "check now" link). */
  readonly selfUrl: string;
  /** `flowDetails.qrData`, for QR flows. */
  readonly qrData: string | undefined;
  /** `flowDetails.message`, for push flows. */
  readonly message: string | undefined;
  /** The mock provider's screen, in the sandbox. */
  readonly mockScreenUrl: string | undefined;
  readonly cancelAction: string;
  readonly csrfField: string;
  readonly csrfToken: string;
}

/** The waiting page. */
export function renderWaitingPage(view: WaitingView): string {
  const { strings } = view;
  const title = strings.waitTitles[view.flowType];
  return renderPage(
    { locale: strings.locale, title, refreshSeconds: WAITING_REFRESH_SECONDS },
    html`<h1>${title}</h1>
${view.message === undefined ? '' : html`<p>${view.message}</p>\n`}${
  view.qrData === undefined
    ? ''
    : html`<figure>
<figcaption>${strings.qrDataLabel}</figcaption>
<pre><code>${view.qrData}</code></pre>
</figure>
`
}<p role="status" aria-live="polite">${strings.waiting}</p>
<p><a href="${view.selfUrl}">${strings.checkNow}</a></p>
${view.mockScreenUrl === undefined ? '' : html`<p><a href="${view.mockScreenUrl}" target="_blank" rel="noopener noreferrer">${strings.openMockScreen}</a></p>\n`}${cancelForm(strings, view.cancelAction, view.csrfField, view.csrfToken)}`,
  );
}
