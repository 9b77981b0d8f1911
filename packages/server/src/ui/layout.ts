/**
 * The frame of every hosted page: a complete HTML document with the language set, the
 * shared stylesheet, and no script. Every value a template interpolates goes through
 * {@link html}'s escaping; the security headers come from `pageSecurityHeaders()`.
 */
import { escapeHtml, STYLESHEET_PATH } from '@idgate/errors';

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
  readonly locale: string;
  readonly title: string;
  /** Seconds after which the browser loads the page again (a poll without script). */
  readonly refreshSeconds?: number;
}

/** A complete page. */
export function renderPage(frame: PageFrame, content: SafeHtml): string {
  return html`<!doctype html>
<html lang="${frame.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
${frame.refreshSeconds === undefined ? '' : html`<meta http-equiv="refresh" content="${frame.refreshSeconds}">\n`}<title>${frame.title}</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<main>
${content}
</main>
</body>
</html>
`.text;
}
