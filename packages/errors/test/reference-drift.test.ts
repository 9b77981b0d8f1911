/**
 * Docs drift: the committed `docs/errors.md` is the catalog rendered by `npm run docs`,
 * byte for byte, and the reference served at `/errors/{CODE}` agrees with the catalog.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CATALOG,
  CATALOG_STATUSES,
  ERROR_CODES,
  errorReference,
  errorReferenceIndex,
  LOCALES,
  OAUTH_REFERENCE_VALUES,
  oauthStatusFor,
  renderErrorReferenceMarkdown,
  STATUS_TEXTS,
  TX_STATES,
  TX_STATUS_CODES,
  TX_STATUS_DEFINITIONS,
  TX_STATUS_TEXTS,
  TX_TRANSITIONS,
} from '../src/index.js';

const ISSUER = 'https://idgate.example';
const DOCS_URL = new URL('../../../docs/errors.md', import.meta.url);

/** The committed reference, or `undefined` when the file does not exist. */
function committedReference(): string | undefined {
  try {
    return readFileSync(DOCS_URL, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The first line where two texts differ, for a readable failure. */
function firstDifference(expected: string, actual: string): string {
  const expectedLines = expected.split('\n');
  const actualLines = actual.split('\n');
  const length = Math.max(expectedLines.length, actualLines.length);
  for (let index = 0; index < length; index += 1) {
    if (expectedLines[index] !== actualLines[index]) {
      return `line ${index + 1}: generated ${JSON.stringify(expectedLines[index])}, committed ${JSON.stringify(actualLines[index])}`;
    }
  }
  return 'no line differs (line endings or trailing bytes?)';
}

const MARKDOWN = renderErrorReferenceMarkdown();

describe('docs/errors.md', () => {
  it('equals the generated reference byte for byte', () => {
    const committed = committedReference();
    expect(committed, 'docs/errors.md is missing: run `npm run docs` and commit the result').toBeDefined();
    const upToDate = committed === MARKDOWN;
    const hint = upToDate ? '' : firstDifference(MARKDOWN, committed ?? '');
    expect(
      upToDate,
      `docs/errors.md drifted from the catalog: run \`npm run docs\` and commit the result (${hint})`,
    ).toBe(true);
  });

  it('is stable: rendering twice gives the same bytes', () => {
    expect(renderErrorReferenceMarkdown()).toBe(MARKDOWN);
  });

  it.each(ERROR_CODES)('%s has its own "### CODE" heading and a row in the code table', (code) => {
    const headings = MARKDOWN.split('\n').filter((line) => line === `### ${code}`);
    expect(headings).toHaveLength(1);
    expect(MARKDOWN).toContain(
      `| [\`${code}\`](#${code.toLowerCase()}) | ${CATALOG[code].status} | ${CATALOG[code].category} |`,
    );
  });

  /** The `### ` headings of one `## ` section. */
  function headingsOf(section: string): string[] {
    const lines = MARKDOWN.split('\n');
    const start = lines.indexOf(`## ${section}`);
    expect(start, `section ${section}`).toBeGreaterThan(-1);
    const end = lines.findIndex((line, index) => index > start && line.startsWith('## '));
    return lines
      .slice(start + 1, end === -1 ? undefined : end)
      .filter((line) => line.startsWith('### '))
      .map((line) => line.slice(4));
  }

  it('has a heading for every catalog code and none for a code outside it', () => {
    expect(headingsOf('Codes')).toEqual([...ERROR_CODES]);
  });

  it('has a heading with causes and fixes for every transaction status code', () => {
    expect(headingsOf('Transaction status codes')).toEqual([...TX_STATUS_CODES]);
    for (const code of TX_STATUS_CODES) {
      for (const text of [...TX_STATUS_TEXTS[code].causes, ...TX_STATUS_TEXTS[code].fixes]) {
        expect(MARKDOWN).toContain(`- ${text}`);
      }
    }
  });

  it('has a section per HTTP status of the catalog, listing exactly the codes of that status', () => {
    expect(headingsOf('By HTTP status')).toEqual(
      CATALOG_STATUSES.map((status) => `HTTP ${status} ${STATUS_TEXTS[status].reason}`),
    );
    for (const code of ERROR_CODES) {
      const status = CATALOG[code].status;
      const section = MARKDOWN.split(`### HTTP ${status} `)[1]?.split('\n### ')[0] ?? '';
      expect(section, code).toContain(`- [\`${code}\`](#${code.toLowerCase()}): `);
      for (const cause of CATALOG[code].causes) expect(section).toContain(`  - Cause: ${cause}`);
      for (const fix of CATALOG[code].fixes) expect(section).toContain(`  - Fix: ${fix}`);
    }
  });

  it('has a section per OAuth error value, naming every code mapped to it', () => {
    expect(headingsOf('By OAuth `error`')).toEqual([...OAUTH_REFERENCE_VALUES]);
    const lines = MARKDOWN.split('\n');
    const sectionOf = (value: string) => {
      const start = lines.indexOf(`### ${value}`);
      const end = lines.findIndex((line, index) => index > start && line.startsWith('### '));
      return lines.slice(start, end === -1 ? undefined : end).join('\n');
    };
    for (const code of ERROR_CODES) {
      expect(sectionOf(CATALOG[code].oauth), code).toContain(`- [\`${code}\`]`);
      const bearer = CATALOG[code].bearer;
      if (bearer !== undefined) expect(sectionOf(bearer), code).toContain(`- [\`${code}\`]`);
    }
    for (const code of TX_STATUS_CODES) {
      expect(sectionOf(TX_STATUS_DEFINITIONS[code].oauth), code).toContain(`- [\`${code}\`](#${code}): `);
    }
  });

  it.each(TX_STATUS_CODES)('documents transaction status %s with its OAuth error and end state', (code) => {
    const definition = TX_STATUS_DEFINITIONS[code];
    expect(MARKDOWN).toContain(`| [\`${code}\`](#${code}) | \`${definition.oauth}\` | \`${definition.state}\` |`);
  });

  it.each(TX_STATES)('documents the transitions of state %s as TX_TRANSITIONS has them', (state) => {
    const next = TX_TRANSITIONS[state].map((to) => `\`${to}\``).join(', ') || 'nothing (terminal)';
    expect(MARKDOWN.split('\n')).toContain(`| \`${state}\` | ${next} |`);
  });

  it('never documents a terminal state as changing', () => {
    expect(MARKDOWN).not.toMatch(/`(completed|failed|cancelled|expired)` →/);
  });

  it('ends with exactly one newline', () => {
    expect(MARKDOWN.endsWith('\n')).toBe(true);
    expect(MARKDOWN.endsWith('\n\n')).toBe(false);
  });
});

describe('errorReference', () => {
  it.each(ERROR_CODES)('%s: status, category, retry and OAuth mapping match the catalog', (code) => {
    const entry = CATALOG[code];
    const reference = errorReference(code, ISSUER);
    expect(reference).toMatchObject({
      code,
      status: entry.status,
      category: entry.category,
      retry: entry.retry,
      retryable: entry.retryable,
      description: entry.description,
      causes: entry.causes,
      fixes: entry.fixes,
      oauth: {
        error: entry.oauth,
        status: oauthStatusFor(code),
        bearerError: entry.bearer ?? null,
        txStatus: entry.txStatus,
      },
      docUrl: `https://idgate.example/errors/${code}`,
    });
  });

  it.each(ERROR_CODES)('%s: user messages in every language', (code) => {
    const expected = Object.fromEntries(
      Object.entries(LOCALES).map(([locale, messages]) => [locale, messages.errors[code]]),
    );
    expect(errorReference(code, ISSUER).userMessage).toStrictEqual(expected);
  });

  it.each(ERROR_CODES)('%s: the example is a problem body of that code with stable values', (code) => {
    const example = errorReference(code, ISSUER).example;
    expect(example).toMatchObject({
      type: `https://idgate.example/errors/${code}`,
      title: code,
      status: CATALOG[code].status,
      detail: CATALOG[code].description,
      timestamp: '2026-01-01T00:00:00.000Z',
      doc_url: `https://idgate.example/errors/${code}`,
    });
  });

  it('the index lists every code in catalog order', () => {
    expect(errorReferenceIndex(ISSUER).map((reference) => reference.code)).toEqual([...ERROR_CODES]);
  });

  it('doc URLs follow the issuer', () => {
    expect(errorReference('RESOURCE_NOT_FOUND', 'https://id.other.test').docUrl).toBe(
      'https://id.other.test/errors/RESOURCE_NOT_FOUND',
    );
  });
});
