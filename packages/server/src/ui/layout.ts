/**
 * The frame of every hosted page: a complete HTML document with the language set, the
 * hosted pages' stylesheet, and no inline script or style (the waiting pages load one
 * static script). Every value a template interpolates goes through
 * {@link html}'s escaping; the security headers come from `pageSecurityHeaders()`.
 */
import { escapeHtml } from '@idgate/errors';
import { POLL_SCRIPT_ASSET, STYLESHEET_ASSET } from './assets.js';
import type { PageBranding } from './branding.js';
import type { PageStrings } from './texts.js';

/** HTML that is already safe (built by {@link html}); anything else is escaped. */
export class SafeHtml {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  toString(): string {
    return this.text;
  }
}

type Interpolated = SafeHtml | string | number | readonly SafeHtml[] | undefined | null | false;

function render(value: Interpolated): string {
  if (value === undefined || value === null || value === false) return '';
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map((item: SafeHtml) => item.text).join('');
  return escapeHtml(String(value));
}

/** A template tag that escapes every interpolated value except {@link SafeHtml}. */
export function html(strings: TemplateStringsArray, ...values: readonly Interpolated[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach(function append(value, index) {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** What a page declares about itself. */
export interface PageFrame {
  readonly strings: PageStrings;
  readonly title: string;
  /** Shows the sandbox badge in the header. */
  readonly sandbox: boolean;
  /** Loads the polling script (waiting pages). */
  readonly poll?: boolean;
  /** Without script, the browser loads the page again after this many seconds. */
  readonly noscriptRefreshSeconds?: number;
  /** The app's name, logo and colours, on the pages of an app that has branding. */
  readonly branding?: PageBranding | undefined;
}

/**
 * The header's brand: the app's logo and name on a branded page, else the product name.
 * Names are proper names (`translate="no"`); a logo beside the name is decorative.
 */
function brandBlock(frame: PageFrame): SafeHtml {
  const { branding } = frame;
  if (branding === undefined) return html`<p class="brand" translate="no">${frame.strings.brand}</p>`;
  const logo =
    branding.logoUrl === undefined ? '' : html`<img class="brand-logo" src="${branding.logoUrl}" alt="" height="40">`;
  return html`<p class="brand" translate="no">${logo}<span>${branding.name}</span></p>`;
}

/**
 * A complete page: `<html lang>`, the fingerprinted stylesheet, a banner landmark with
 * the product name (and the sandbox badge), and the content in `<main>`.
 */
export function renderPage(frame: PageFrame, content: SafeHtml): string {
  const { strings } = frame;
  const refresh =
    frame.noscriptRefreshSeconds === undefined
      ? ''
      : html`<noscript><meta http-equiv="refresh" content="${frame.noscriptRefreshSeconds}"></noscript>
`;
  const script = frame.poll
    ? html`<script src="${POLL_SCRIPT_ASSET.path}" defer></script>
`
    : '';
  return html`<!doctype html>
<html lang="${strings.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
${refresh}<title>${frame.title}</title>
<link rel="stylesheet" href="${STYLESHEET_ASSET.path}">
${
  frame.branding?.stylesheetPath === undefined
    ? ''
    : html`<link rel="stylesheet" href="${frame.branding.stylesheetPath}">
`
}${script}</head>
<body>
<header class="site-header">
${brandBlock(frame)}
${
  frame.sandbox
    ? html`<p class="badge" translate="no">${strings.sandbox}</p>
`
    : ''
}</header>
<main>
${content}
</main>
</body>
</html>
`.text;
}
