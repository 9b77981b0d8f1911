/**
 * The identifier entry page (`GET /authorize/{txId}/identify/{providerId}`): the
 * `userData` fields a provider needs before it can start (a push provider's personal
 * number), as a labelled form. After a refused submit it shows each field's error next
 * to the field (`aria-invalid`, `aria-describedby`), an error summary that takes the
 * focus and links to the fields, and the values the person typed.
 */
import type { PageBranding } from './branding.js';
import { html, renderPage, type SafeHtml } from './layout.js';
import { cancelForm, type TransactionForms } from './provider-choice.page.js';
import { type PageStrings, userDataLabel } from './texts.js';

/** The form field name of a `userData` field (the service names its problems the same way). */
export function userDataFieldName(field: string): string {
  return `userData.${field}`;
}

/** The kind of problem a field has. */
export type FieldErrorKind = 'required' | 'invalid';

/** What the identifier entry page shows. */
export interface IdentifyView extends TransactionForms {
  readonly strings: PageStrings;
  readonly sandbox: boolean;
  readonly providerId: string;
  readonly providerName: string;
  /** Where the form is posted. */
  readonly action: string;
  /** The provider choice. */
  readonly choiceUrl: string;
  /** The `userData` fields, in the provider's order. */
  readonly fields: readonly string[];
  /** Values to show, by field. */
  readonly values: Readonly<Record<string, string>>;
  /** Problems, by field. */
  readonly errors: Readonly<Record<string, FieldErrorKind>>;
  readonly branding?: PageBranding | undefined;
}

function inputId(index: number): string {
  return `field-${index}`;
}

function errorText(strings: PageStrings, field: string, kind: FieldErrorKind): string {
  const label = userDataLabel(strings, field);
  return kind === 'required' ? strings.fieldRequired(label) : strings.fieldInvalid(label);
}

function fieldBlock(view: IdentifyView, field: string, index: number): SafeHtml {
  const { strings } = view;
  const id = inputId(index);
  const error = Object.hasOwn(view.errors, field) ? view.errors[field] : undefined;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [view.sandbox ? hintId : '', error === undefined ? '' : errorId].filter(Boolean).join(' ');
  const value = Object.hasOwn(view.values, field) ? (view.values[field] ?? '') : '';
  return html`<div class="field">
<label for="${id}">${userDataLabel(strings, field)}</label>
${view.sandbox ? html`<p class="hint" id="${hintId}">${strings.sandboxIdentityHelp}</p>\n` : ''}${
  error === undefined ? '' : html`<p class="field-error" id="${errorId}">${errorText(strings, field, error)}</p>\n`
}<input id="${id}" name="${userDataFieldName(field)}" type="text" autocomplete="off" spellcheck="false" required value="${value}"${
    describedBy === '' ? '' : html` aria-describedby="${describedBy}"`
  }${error === undefined ? '' : html` aria-invalid="true"`}>
</div>
`;
}

function errorSummary(view: IdentifyView): SafeHtml {
  const { strings } = view;
  const items = view.fields.flatMap(function summaryItem(field, index) {
    const error = Object.hasOwn(view.errors, field) ? view.errors[field] : undefined;
    return error === undefined
      ? []
      : [html`<li><a href="#${inputId(index)}">${errorText(strings, field, error)}</a></li>\n`];
  });
  // GOV.UK design system pattern: the summary takes the focus, its links lead to the fields.
  return html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus>
<h2 id="error-summary-title">${strings.errorSummaryTitle}</h2>
<ul>
${items}</ul>
</div>
`;
}

/** The identifier entry page. */
export function renderIdentifyPage(view: IdentifyView): string {
  const { strings } = view;
  const title = strings.identifyTitle(view.providerName);
  const hasErrors = Object.keys(view.errors).length > 0;
  return renderPage(
    {
      strings,
      title: hasErrors ? strings.errorTitlePrefix + title : title,
      sandbox: view.sandbox,
      branding: view.branding,
    },
    html`${hasErrors ? errorSummary(view) : ''}<h1>${title}</h1>
<p>${strings.identifyIntro(view.providerName)}</p>
<form method="post" action="${view.action}" novalidate>
<input type="hidden" name="${view.csrfField}" value="${view.csrfToken}">
<input type="hidden" name="provider" value="${view.providerId}">
${view.fields.map((field, index) => fieldBlock(view, field, index))}<button type="submit">${strings.continueButton}</button>
</form>
<div class="actions">
<a class="button secondary" href="${view.choiceUrl}">${strings.chooseAnother}</a>
${cancelForm(strings, view)}
</div>`,
  );
}
