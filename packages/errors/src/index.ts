/**
 * @idgate/errors — the idgate error catalog, the one error class, and pure renderers
 * for every surface: problem+json, OAuth JSON, authorization redirects,
 * `WWW-Authenticate` challenges and HTML pages.
 *
 * @packageDocumentation
 */
export * from './catalog.js';
export { DEFAULT_LOCALE, LOCALES, type Messages, messagesFor, negotiateLocale, type PageTexts } from './i18n/index.js';
export * from './idgate-error.js';
export * from './reference.js';
export * from './reference-texts.js';
export * from './render/html.js';
export { inlineMarkdownToHtml } from './render/inline-markdown.js';
export * from './render/oauth.js';
export * from './render/problem.js';
export * from './render/redirect.js';
export { escapeHtml, quotedString, toOAuthDescription } from './render/text.js';
export * from './render/www-authenticate.js';
export * from './transaction-texts.js';
export * from './transactions.js';
