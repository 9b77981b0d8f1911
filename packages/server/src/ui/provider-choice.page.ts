/**
 * The provider choice (`GET /authorize/{txId}`): the app's providers that can reach the
 * requested level of assurance, each with its name, flow type and countries. A provider
 * that starts at once is a button of a form that posts the choice with the
 * transaction's CSRF token; one that needs `userData` first (a push provider's personal
 * number) is a link to the identifier entry page.
 */

import type { FlowType } from '../domain/verification.js';
import type { PageBranding } from './branding.js';
import { html, renderPage, type SafeHtml } from './layout.js';
import type { PageStrings } from './texts.js';

/** A provider as the choice page offers it. */
export interface OfferedProvider {
  readonly id: string;
  readonly name: string;
  readonly flowType: FlowType;
  /** ISO 3166-1 alpha-2 codes; empty: any country. */
  readonly countries: readonly string[];
  /** The identifier entry page, when the provider needs `userData` before it starts. */
  readonly identifyUrl: string | undefined;
  /** The provider is down: listed, but not offered. */
  readonly unavailable: boolean;
}

/** The actions every form of a transaction's pages needs. */
export interface TransactionForms {
  /** Where cancel is posted. */
  readonly cancelAction: string;
  readonly csrfField: string;
  readonly csrfToken: string;
}

/** What the provider choice shows. */
export interface ProviderChoiceView extends TransactionForms {
  readonly strings: PageStrings;
  readonly appName: string;
  readonly sandbox: boolean;
  /** Where a choice is posted. */
  readonly action: string;
  readonly providers: readonly OfferedProvider[];
  readonly branding?: PageBranding | undefined;
}

/** Country names in the page's language (`SE` → "Sweden" / "Schweden"). */
function countryNames(strings: PageStrings, countries: readonly string[]): string {
  if (countries.length === 0) return strings.allCountries;
  const names = new Intl.DisplayNames([strings.locale], { type: 'region', fallback: 'code' });
  return countries.map((country) => names.of(country) ?? country).join(', ');
}

function providerItem(view: ProviderChoiceView, provider: OfferedProvider, index: number): SafeHtml {
  const { strings } = view;
  const headingId = `provider-${index}-name`;
  let action: SafeHtml;
  if (provider.unavailable) {
    action = html`<p class="hint">${strings.providerUnavailable}</p>`;
  } else if (provider.identifyUrl !== undefined) {
    action = html`<p><a class="button" href="${provider.identifyUrl}">${strings.continueWith(provider.name)}</a></p>`;
  } else {
    action = html`<form method="post" action="${view.action}">
<input type="hidden" name="${view.csrfField}" value="${view.csrfToken}">
<input type="hidden" name="provider" value="${provider.id}">
<button type="submit">${strings.continueWith(provider.name)}</button>
</form>`;
  }
  return html`<li class="provider">
<h3 id="${headingId}" translate="no">${provider.name}</h3>
<dl>
<dt>${strings.flowTypeLabel}</dt><dd>${strings.flowTypeNames[provider.flowType]}: ${strings.flowDescriptions[provider.flowType]}</dd>
<dt>${strings.countriesLabel}</dt><dd>${countryNames(strings, provider.countries)}</dd>
</dl>
${action}
</li>
`;
}

/** The cancel form of a transaction's pages. */
export function cancelForm(strings: PageStrings, forms: TransactionForms): SafeHtml {
  return html`<form method="post" action="${forms.cancelAction}">
<input type="hidden" name="${forms.csrfField}" value="${forms.csrfToken}">
<button type="submit" class="secondary">${strings.cancel}</button>
</form>`;
}

/** The provider choice page. */
export function renderProviderChoicePage(view: ProviderChoiceView): string {
  const { strings } = view;
  const list =
    view.providers.length === 0
      ? html`<p role="alert">${strings.noProviders}</p>\n`
      : html`<section aria-labelledby="providers-heading">
<h2 id="providers-heading">${strings.chooseLegend}</h2>
<ul class="providers">
${view.providers.map((provider, index) => providerItem(view, provider, index))}</ul>
</section>
`;
  return renderPage(
    { strings, title: strings.chooseTitle, sandbox: view.sandbox, branding: view.branding },
    html`<h1>${strings.chooseTitle}</h1>
<p>${strings.chooseIntro(view.appName)}</p>
${list}<div class="actions">
${cancelForm(strings, view)}
</div>`,
  );
}
