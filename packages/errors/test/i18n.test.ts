/**
 * User-facing messages (SPEC 3.1: English plus at least one other language) and the
 * negotiation that picks one from `ui_locales` and `Accept-Language`.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LOCALE,
  ERROR_CODES,
  LOCALES,
  type Messages,
  messagesFor,
  negotiateLocale,
  type PageTexts,
  TX_STATUS_CODES,
} from '../src/index.js';

const PAGE_KEYS: readonly (keyof PageTexts)[] = [
  'errorTitle',
  'requestIdLabel',
  'errorCodeLabel',
  'supportHint',
  'docLinkText',
  'backToApp',
  'referenceTitle',
  'developerDetails',
  'timeLabel',
  'supportTitle',
  'supportQuoteHint',
  'supportUrlLabel',
  'supportEmailLabel',
];

const LANGUAGES: readonly (readonly [string, Messages])[] = Object.entries(LOCALES);

/** Every user-facing text of a language, labelled. */
function textsOf(messages: Messages): readonly (readonly [string, string | undefined])[] {
  return [
    ['languageName', messages.languageName],
    ...ERROR_CODES.map((code) => [`errors.${code}`, messages.errors[code]] as const),
    ...TX_STATUS_CODES.map((code) => [`txStatus.${code}`, messages.txStatus[code]] as const),
    ...PAGE_KEYS.map((key) => [`page.${key}`, messages.page[key]] as const),
  ];
}

describe('languages', () => {
  it('speaks English (the default) and German', () => {
    expect(Object.keys(LOCALES)).toEqual(['en', 'de']);
    expect(DEFAULT_LOCALE).toBe('en');
  });

  it.each(LANGUAGES)('%s: names itself by its key', (locale, messages) => {
    expect(messages.locale).toBe(locale);
    expect(messagesFor(locale)).toBe(messages);
  });

  it.each(LANGUAGES)(
    '%s: has a non-empty text for every code, transaction status and page text',
    (_locale, messages) => {
      for (const [label, text] of textsOf(messages)) {
        expect(typeof text, label).toBe('string');
        expect(text?.trim(), label).not.toBe('');
      }
    },
  );

  it.each(LANGUAGES)('%s: has no text for an unknown code', (_locale, messages) => {
    expect(Object.keys(messages.errors).sort()).toEqual([...ERROR_CODES].sort());
    expect(Object.keys(messages.txStatus).sort()).toEqual([...TX_STATUS_CODES].sort());
    expect(Object.keys(messages.page).sort()).toEqual([...PAGE_KEYS].sort());
  });

  it.each(LANGUAGES)('%s: user messages name no catalog code or status code (no jargon)', (_locale, messages) => {
    for (const [label, text] of textsOf(messages)) {
      expect(text, label).not.toMatch(/\b[A-Z]+_[A-Z_]+\b|\berr_[a-z_]+\b/);
    }
  });

  it.each(ERROR_CODES)('%s: the German message differs from the English one', (code) => {
    expect(messagesFor('de').errors[code]).not.toBe(messagesFor('en').errors[code]);
  });

  it.each(TX_STATUS_CODES)('%s: the German message differs from the English one', (code) => {
    expect(messagesFor('de').txStatus[code]).not.toBe(messagesFor('en').txStatus[code]);
  });

  it.each(PAGE_KEYS)('page.%s: the German text differs from the English one', (key) => {
    expect(messagesFor('de').page[key]).not.toBe(messagesFor('en').page[key]);
  });

  it.each(['fr', '', 'EN', 'de-CH', 'constructor', 'toString', '__proto__'])(
    'messagesFor(%j) falls back to English',
    (locale) => {
      expect(messagesFor(locale)).toBe(LOCALES['en']);
    },
  );
});

describe('negotiateLocale', () => {
  it.each([
    ['nothing given', undefined, undefined, 'en'],
    ['null values', null, null, 'en'],
    ['empty header', '', undefined, 'en'],
    ['German', 'de', undefined, 'de'],
    ['English', 'en', undefined, 'en'],
    ['region subtag', 'de-CH', undefined, 'de'],
    ['region subtag, any case', 'DE-at', undefined, 'de'],
    ['unknown language', 'fr', undefined, 'en'],
    ['unknown first, supported later', 'fr, de', undefined, 'de'],
    ['q-values pick the highest', 'en;q=0.5, de;q=0.9', undefined, 'de'],
    ['q-values beat order', 'de;q=0.1, fr;q=0.9, en;q=0.8', undefined, 'en'],
    ['implicit q=1 beats lower q', 'en;q=0.9, de', undefined, 'de'],
    ['equal q keeps header order', 'de;q=0.5, en;q=0.5', undefined, 'de'],
    ['whitespace around ranges', '  de-DE ; q=0.8 ,  en ; q=0.2 ', undefined, 'de'],
    ['browser header', 'de-CH,de;q=0.9,en-US;q=0.8,en;q=0.7', undefined, 'de'],
    ['q=0 excludes', 'de;q=0, en;q=0.1', undefined, 'en'],
    ['q=0 excludes even the only match', 'de;q=0', undefined, 'en'],
    ['q=0.000 excludes', 'fr, de;q=0.000', undefined, 'en'],
    ['invalid q excludes', 'de;q=abc', undefined, 'en'],
    ['Q is case-insensitive', 'de;Q=0, en;q=0.5', undefined, 'en'],
    ['wildcard alone', '*', undefined, 'en'],
    ['wildcard after unknown', 'fr, *;q=0.5', undefined, 'en'],
    ['wildcard excludes languages named with q=0', 'en;q=0, *', undefined, 'de'],
    ['wildcard matches only unnamed languages', 'fr, *;q=0.5, en;q=0.1', undefined, 'de'],
    ['explicit match beats a lower wildcard', 'fr, de;q=0.9, *;q=0.1', undefined, 'de'],
    ['ui_locales alone', undefined, 'de', 'de'],
    ['ui_locales wins over Accept-Language', 'en', 'de', 'de'],
    ['ui_locales in preference order', 'de', 'en de', 'en'],
    ['ui_locales skips unknown tags', 'en', 'fr de-AT', 'de'],
    ['ui_locales with extra spaces', undefined, '  fr   de  ', 'de'],
    ['no supported ui_locales falls back to Accept-Language', 'de', 'fr es', 'de'],
    ['no supported ui_locales and no header', undefined, 'fr', 'en'],
  ])('%s: Accept-Language %j, ui_locales %j → %s', (_label, acceptLanguage, uiLocales, expected) => {
    expect(negotiateLocale(acceptLanguage, uiLocales)).toBe(expected);
  });

  it.each(['', 'en', 'de', 'de-CH, fr;q=0.5', 'xx, *', 'garbage;;;,,='])(
    'always returns a supported locale for %j',
    (header) => {
      expect(Object.keys(LOCALES)).toContain(negotiateLocale(header));
    },
  );
});
