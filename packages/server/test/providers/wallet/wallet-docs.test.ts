/**
 * docs/wallets.md and docs/sandbox.md list the `mock-wallet` test identities exactly as the
 * provider defines them, in order, so they can't drift.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WALLET_TEST_IDENTITIES } from '../../../src/providers/wallet/sandbox/wallet-test-identities.js';

function doc(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../../../../../docs/${name}`, import.meta.url)), 'utf8');
}

/** The rows of the first identity table after `heading`. */
function identityRows(text: string, heading: string): string[] {
  const section = text.slice(text.indexOf(heading));
  const table = section.slice(section.indexOf('| identity | outcome | description |'));
  const lines = table.split('\n').slice(2);
  return lines.slice(
    0,
    lines.findIndex((line) => !line.startsWith('|')),
  );
}

describe('the mock-wallet test identities in the docs', () => {
  const expected = WALLET_TEST_IDENTITIES.map(
    ({ identity, outcome, description }) => `| \`${identity}\` | ${outcome} | ${description} |`,
  );

  it.each([
    ['wallets.md', '## 5. The sandbox'],
    ['sandbox.md', '## The mock wallet'],
  ])('%s lists every identity with its outcome and description, in order', (name, heading) => {
    expect(identityRows(doc(name), heading)).toEqual(expected);
  });
});
