/**
 * docs/sandbox.md documents every test identity exactly as the mock providers define it
 * (and lists nothing else), so the two can't drift.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MOCK_IDENTITIES } from '../../src/providers/mock/test-identities.js';

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
});
