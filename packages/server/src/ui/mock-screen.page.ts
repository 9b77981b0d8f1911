/**
 * The screen of a sandbox mock provider (`GET /flow/{txId}`): what the "provider" (or the
 * phone that scanned a QR code) would show the user, reduced to one choice — how it
 * answers. It is labelled as the sandbox everywhere (header badge, banner, title), so
 * nobody mistakes it for a real identity provider. Each test identity is a button of a
 * form that posts it with the transaction's CSRF token.
 */
import type { TestIdentity } from '../providers/adapter.js';
import { html, renderPage } from './layout.js';
import type { PageStrings } from './texts.js';

/** What the mock screen shows. */
export interface MockScreenView {
  readonly strings: PageStrings;
  readonly providerName: string;
  /** Where an answer is posted. */
  readonly action: string;
  readonly csrfField: string;
  readonly csrfToken: string;
  readonly identities: readonly TestIdentity[];
}

/** The mock provider screen. */
export function renderMockScreenPage(view: MockScreenView): string {
  const { strings } = view;
  const title = strings.mockTitle(view.providerName);
  const buttons = view.identities.map(function identityButton(identity, index) {
    const descriptionId = `identity-${index}-description`;
    // The identity and its outcome are API values (a login_hint, a state and status code): never translated.
    const translated = Object.hasOwn(strings.mockIdentityDescriptions, identity.identity)
      ? strings.mockIdentityDescriptions[identity.identity]
      : undefined;
    const description =
      translated !== undefined || strings.locale === 'en'
        ? html`${translated ?? identity.description}`
        : html`<span lang="en">${identity.description}</span>`;
    return html`<li><button type="submit" name="identity" value="${identity.identity}" aria-describedby="${descriptionId}" translate="no">${identity.identity}</button>
<span id="${descriptionId}">${description} <code>${identity.outcome}</code></span></li>
`;
  });
  return renderPage(
    { strings, title, sandbox: true },
    html`<h1>${title}</h1>
<p class="sandbox-banner">${strings.mockBanner}</p>
<p>${strings.mockIntro}</p>
<form method="post" action="${view.action}">
<input type="hidden" name="${view.csrfField}" value="${view.csrfToken}">
<fieldset>
<legend>${strings.mockLegend}</legend>
<ul class="identities">
${buttons}</ul>
</fieldset>
</form>
`,
  );
}
