/**
 * Character-level helpers shared by the renderers.
 */

/**
 * Limits a text to RFC 6749's `error_description` character set
 * (%x20-21 / %x23-5B / %x5D-7E): tab, CR and LF become a space, every other character
 * outside the set (other controls, DEL, non-ASCII) becomes `?`, `"` becomes `'`, `\`
 * becomes `/`, runs of spaces collapse and the result is trimmed.
 */
export function toOAuthDescription(text: string): string {
  let out = '';
  for (const char of text) {
    const cp = char.codePointAt(0) ?? 0;
    if (char === '"') out += "'";
    else if (char === '\\') out += '/';
    else if (cp >= 0x20 && cp <= 0x7e) out += char;
    else if (cp === 0x09 || cp === 0x0a || cp === 0x0d) out += ' ';
    else out += '?';
  }
  return out.replace(/ {2,}/g, ' ').trim();
}

/** Quotes a value as an RFC 9110 §5.6.4 quoted-string. */
export function quotedString(value: string): string {
  return `"${value.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and double- or single-quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}
