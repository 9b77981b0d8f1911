/**
 * The provider choice (`GET /authorize/{txId}`): the app's providers that can reach the
 * requested level of assurance, each a button of one form that posts the choice with the
 * transaction's CSRF token. A provider that takes the login hint (a push provider's
 * personal number) gets a labelled field for it.
 */
import type { FlowType } from '../providers/descriptors.js';
import { html, renderPage, type SafeHtml } from './layout.js';
import type { PageStrings } from './texts.js';

/** A provider as the choice page offers it. */
export interface OfferedProvider {
  readonly id: string;
  readonly name: string;
  readonly flowType: FlowType;
  /** The `userData` field the login hint fills, when the provider needs one. */
  readonly loginHintField: string | undefined;
}

/** What the provider choice shows. */
export interface ProviderChoiceView {
  readonly strings: PageStrings;
  readonly appName: string;
  readonly sandbox: boolean;
  /** Where the choice is posted. */
  readonly action: string;
  /** Where "cancel" is posted. */
  readonly cancelAction: string;
  readonly csrfField: string;
  readonly csrfToken: string;
  readonly providers: readonly OfferedProvider[];
  /** The request's `login_hint`, to prefill. */
  readonly loginHint: string | undefined;
}

function providerForm(view: ProviderChoiceView, provider: OfferedProvider, index: number): SafeHtml {
  const descriptionId = `provider-${index}-description`;
  const hintId = `provider-${index}-hint`;
  const hintHelpId = `provider-${index}-hint-help`;
  const hintField =
    provider.loginHintField === undefined
      ? ''
      : html`<p><label for="${hintId}">${view.strings.loginHintLabel}</label>
<input id="${hintId}" name="login_hint" type="text" autocomplete="off" value="${view.loginHint ?? ''}" aria-describedby="${hintHelpId}">
<span id="${hintHelpId}" class="muted">${view.sandbox ? view.strings.loginHintHelp : ''}</span></p>
`;
  return html`<li>
<form method="post" action="${view.action}">
<input type="hidden" name="${view.csrfField}" value="${view.csrfToken}">
<input type="hidden" name="provider" value="${provider.id}">
${hintField}<button type="submit" aria-describedby="${descriptionId}">${view.strings.continueWith(provider.name)}</button>
<span id="${descriptionId}" class="muted">${view.strings.flowDescriptions[provider.flowType]}</span>
</form>
</li>
`;
}

/** The cancel form of a transaction's pages. */
export function cancelForm(strings: PageStrings, action: string, csrfField: string, csrfToken: string): SafeHtml {
  return html`<form method="post" action="${action}">
<input type="hidden" name="${csrfField}" value="${csrfToken}">
<button type="submit">${strings.cancel}</button>
</form>
`;
}

/** The provider choice page. */
export function renderProviderChoicePage(view: ProviderChoiceView): string {
  const { strings } = view;
  const list =
    view.providers.length === 0
      ? html`<p role="alert">${strings.noProviders}</p>\n`
      : html`<section aria-labelledby="providers-heading">
<h2 id="providers-heading">${strings.chooseLegend}</h2>
<ul>
${view.providers.map((provider, index) => providerForm(view, provider, index))}</ul>
</section>
`;
  return renderPage(
    { locale: strings.locale, title: strings.chooseTitle },
    html`<h1>${strings.chooseTitle}</h1>
${view.sandbox ? html`<p class="muted">${strings.sandbox}</p>\n` : ''}<p>${strings.chooseIntro(view.appName)}</p>
${list}${cancelForm(strings, view.cancelAction, view.csrfField, view.csrfToken)}`,
  );
}
