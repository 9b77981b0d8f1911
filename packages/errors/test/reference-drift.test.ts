/**
 * Docs drift: the committed `docs/errors.md` is the catalog rendered by `npm run docs`,
 * byte for byte, and the reference served at `/errors/{CODE}` agrees with the catalog.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CATALOG,
  ERROR_CODES,
  errorReference,
  errorReferenceIndex,
  LOCALES,
  oauthStatusFor,
  renderErrorReferenceMarkdown,
  TX_STATES,
  TX_STATUS_CODES,
  TX_STATUS_DEFINITIONS,
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

  it('has no heading for a code outside the catalog', () => {
    const headings = MARKDOWN.split('\n')
      .filter((line) => line.startsWith('### '))
      .map((line) => line.slice(4));
    expect(headings).toEqual([...ERROR_CODES]);
  });

  it.each(TX_STATUS_CODES)('documents transaction status %s with its OAuth error and end state', (code) => {
    const definition = TX_STATUS_DEFINITIONS[code];
    expect(MARKDOWN).toContain(`| \`${code}\` | \`${definition.oauth}\` | \`${definition.state}\` |`);
  });

  it.each(TX_STATES)('documents the transitions of state %s as TX_TRANSITIONS has them', (state) => {
    const next = TX_TRANSITIONS[state].map((to) => `\`${to}\``).join(', ') || 'nothing (terminal)';
    expect(MARKDOWN.split('\n')).toContain(`| \`${state}\` | ${next} |`);
  });

  it('never documents a terminal state as changing', () => {
    expect(MARKDOWN).not.toMatch(/`(completed|failed|cancelled|expired)` →/);
  });

  it('ends with exactly one newline', () => {
    expect(MARKDOWN.endsWith('|\n')).toBe(true);
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
