/**
 * The one inline Markdown form the catalog's texts use: backticks for code. Texts are
 * escaped first, then each `` `…` `` span becomes `<code>…</code>`; anything else stays
 * literal text (an unmatched backtick is shown as is).
 */
import { escapeHtml } from './text.js';

const CODE_SPAN = /`([^`]+)`/g;

/** HTML of a catalog text: escaped, with backtick spans as `<code>`. */
export function inlineMarkdownToHtml(text: string): string {
  return escapeHtml(text).replace(CODE_SPAN, '<code>$1</code>');
}
