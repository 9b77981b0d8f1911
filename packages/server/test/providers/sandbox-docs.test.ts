/**
 * docs/sandbox.md documents every test identity exactly as the mock providers define it
 * (and lists nothing else), and its "Every error on purpose" table has one row per
 * catalog code, on the surfaces the catalog walk triggers it on, so they can't drift.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CATALOG, ERROR_CODES } from '@idgate/errors';
import { describe, expect, it } from 'vitest';
import { MOCK_IDENTITIES } from '../../src/providers/mock/test-identities.js';
import { NOT_ON_PURPOSE, type Surface, TRIGGERS } from '../sandbox/catalog-triggers.js';

const DOC = readFileSync(fileURLToPath(new URL('../../../../docs/sandbox.md', import.meta.url)), 'utf8');

describe('docs/sandbox.md', () => {
  it('has one row per test identity, with its outcome and description, in order', () => {
    const table = DOC.slice(DOC.indexOf('| identity | outcome | description |'));
    const rows = table
      .split('\n')
      .slice(2)
      .filter(
        (line, index, lines) => line.startsWith('|') && lines.slice(0, index).every((before) => before.startsWith('|')),
      );
    expect(rows).toEqual(
      MOCK_IDENTITIES.map(({ identity, outcome, description }) => `| \`${identity}\` | ${outcome} | ${description} |`),
    );
  });

  describe('Every error on purpose', () => {
    const section = DOC.slice(DOC.indexOf('## Every error on purpose'));
    const header = '| code | how to trigger it in the sandbox | what you get |';
    const lines = section.slice(section.indexOf(header)).split('\n').slice(2);
    const rows = lines.slice(
      0,
      lines.findIndex((line) => !line.startsWith('|')),
    );
    const cells = rows.map((row) => row.split(' | ').map((cell) => cell.replace(/^\| |\s?\|$/g, '')));

    /** How the "what you get" column names each surface. */
    const SURFACE_TEXT: Readonly<Record<Surface, RegExp>> = {
      problem: /\bproblem \d{3}/,
      bearer: /\bbearer \d{3}/,
      oauth: /\bOAuth \d{3}/,
      'authorize-redirect': /\bredirect `/,
      'authorize-json': /\bnot redirected, 400/,
      page: /\bpage \d{3}/,
    };

    it('has one row per catalog code, in catalog order', () => {
      expect(cells.map((row) => row[0])).toEqual(ERROR_CODES.map((code) => `\`${code}\``));
    });

    it.each(ERROR_CODES.map((code, index) => [code, index] as const))(
      '%s: the status, and exactly the surfaces the walk triggers',
      (code, index) => {
        const [, how = '', what = ''] = cells[index] ?? [];
        const status = CATALOG[code].status;
        if (NOT_ON_PURPOSE[code] !== undefined) {
          expect(how).toMatch(/^— not on purpose/);
          expect(what).toContain(String(status));
          expect(section).toContain(`\`${code}\` (${status}) is in the catalog`);
          return;
        }
        const walked = new Set((TRIGGERS[code] ?? []).map((trigger) => trigger.surface));
        for (const [surface, pattern] of Object.entries(SURFACE_TEXT) as [Surface, RegExp][]) {
          expect(pattern.test(what), `${code}: ${surface} in "${what}"`).toBe(walked.has(surface));
        }
        // REST-like surfaces show the catalog status itself.
        if (walked.has('problem') || walked.has('bearer')) expect(what).toContain(`${status}`);
      },
    );
  });
});
