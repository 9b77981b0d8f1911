/**
 * User-facing messages per language and the negotiation that picks one.
 */
import { DE } from './de.js';
import { EN } from './en.js';
import type { Messages } from './messages.js';

export type { Messages, PageTexts } from './messages.js';

/** Languages idgate speaks, default first. */
export const LOCALES: Readonly<Record<string, Messages>> = Object.freeze({ en: EN, de: DE });

/** The default language. */
export const DEFAULT_LOCALE = 'en';

/** The messages of a supported locale (falls back to English). */
export function messagesFor(locale: string): Messages {
  // Own keys only: `constructor` or `__proto__` must not resolve to Object.prototype members.
  return Object.hasOwn(LOCALES, locale) ? (LOCALES[locale] ?? EN) : EN;
}

/**
 * Picks the best supported locale.
 *
 * `uiLocales` is OIDC's space-separated `ui_locales` (preference order) and wins over
 * `acceptLanguage` (RFC 9110 §12.5.4, with q-values). Region subtags match their
 * language (`de-CH` → `de`). Returns `en` when nothing matches.
 */
export function negotiateLocale(acceptLanguage?: string | null, uiLocales?: string | null): string {
  if (uiLocales) {
    for (const tag of uiLocales.split(/\s+/)) {
      const hit = matchLocale(tag);
      if (hit) return hit;
    }
  }
  if (acceptLanguage) {
    const ranges = acceptLanguage
      .split(',')
      .map(function parseRange(part, index) {
        const [range = '', ...params] = part.trim().split(';');
        let q = 1;
        for (const param of params) {
          const [key, value] = param.trim().split('=');
          // RFC 9110 §12.4.2: the weight's parameter name is case-insensitive.
          if (key?.trim().toLowerCase() === 'q' && value !== undefined) q = Number.parseFloat(value);
        }
        return { range: range.trim(), q: Number.isFinite(q) ? q : 0, index };
      })
      .filter((entry) => entry.range.length > 0);
    // RFC 9110 §12.5.4: `*` matches every language not named by another range (`en;q=0, *` excludes `en`).
    const named = new Set(ranges.map((entry) => matchLocale(entry.range)).filter((hit) => hit !== undefined));
    const ranked = ranges.filter((entry) => entry.q > 0).sort((a, b) => b.q - a.q || a.index - b.index);
    for (const { range } of ranked) {
      const hit = range === '*' ? Object.keys(LOCALES).find((locale) => !named.has(locale)) : matchLocale(range);
      if (hit) return hit;
    }
  }
  return DEFAULT_LOCALE;
}

function matchLocale(tag: string): string | undefined {
  const language = tag.toLowerCase().split('-')[0] ?? '';
  return Object.hasOwn(LOCALES, language) ? language : undefined;
}
