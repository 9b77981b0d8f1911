/**
 * The page of a finished transaction that has nowhere to send the user: a REST
 * verification without a `redirectUri`, or the device that answered a QR or push
 * request while the user continues on another one.
 */
import type { TxState } from '@idgate/errors';
import { html, renderPage } from './layout.js';
import type { PageStrings } from './texts.js';

/** What the finished page shows. */
export interface FinishedView {
  readonly strings: PageStrings;
  readonly sandbox: boolean;
  readonly status: TxState;
  /** Whether the user continues on another device. */
  readonly otherDevice: boolean;
}

/** The finished page. */
export function renderFinishedPage(view: FinishedView): string {
  const { strings } = view;
  return renderPage(
    { strings, title: strings.doneTitle, sandbox: view.sandbox },
    html`<h1>${strings.doneTitle}</h1>
<dl>
<dt>${strings.statusLabel}</dt><dd><code>${view.status}</code></dd>
</dl>
<p>${view.otherDevice ? strings.doneOtherDevice : strings.doneReturn}</p>
`,
  );
}
