/**
 * `pooledRandomBytes`: token ids, codes and IVs come from a pool read from the CSPRNG
 * 4 KiB at a time. No byte is handed out twice, a chunk never changes after it was
 * handed out (also across refills), and lengths are bounded. `randomBase62` (session,
 * event and app ids, secrets) draws from it up to 128 characters.
 */
import { describe, expect, it } from 'vitest';
import { pooledRandomBytes, randomBase62 } from '../../src/security/secrets.js';

describe('pooledRandomBytes', () => {
  it('hands out distinct chunks of the requested length, across several refills', () => {
    const seen = new Set<string>();
    const kept: { chunk: Buffer; copy: string }[] = [];
    for (let i = 0; i < 2000; i++) {
      const length = [12, 16, 32, 255][i % 4] ?? 16;
      const chunk = pooledRandomBytes(length);
      expect(chunk.length).toBe(length);
      const hex = chunk.toString('hex');
      expect(seen.has(hex)).toBe(false);
      seen.add(hex);
      if (i % 97 === 0) kept.push({ chunk, copy: hex });
    }
    // ~150 KB drawn: dozens of refills, and the early chunks still hold their bytes.
    for (const { chunk, copy } of kept) expect(chunk.toString('hex')).toBe(copy);
  });

  it('looks random: every byte value shows up over 64 KiB', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 256; i++) for (const byte of pooledRandomBytes(256)) counts[byte] = (counts[byte] ?? 0) + 1;
    // Expected 256 each; a CSPRNG does not leave a value below 150 (p ≈ 1e-12 per value).
    expect(Math.min(...counts)).toBeGreaterThan(150);
  });

  it.each([0, -1, 1.5, 257, Number.NaN])('rejects a length of %s with a RangeError', (length) => {
    expect(() => pooledRandomBytes(length)).toThrow(RangeError);
  });
});

describe('randomBase62', () => {
  it.each([1, 24, 43, 64, 128, 129, 300])('gives %s characters of the base62 alphabet', (length) => {
    const value = randomBase62(length);
    expect(value).toHaveLength(length);
    expect(value).toMatch(/^[0-9A-Za-z]+$/);
  });

  it('never repeats an id, and uses every character about equally', () => {
    const ids = Array.from({ length: 5000 }, () => randomBase62(24));
    expect(new Set(ids).size).toBe(ids.length);
    const counts = new Map<string, number>();
    for (const id of ids) for (const char of id) counts.set(char, (counts.get(char) ?? 0) + 1);
    // 120,000 characters, expected ≈ 1,935 each; a biased mapping (modulo without
    // rejection) would give the first eight characters ≈ 2,340.
    expect(counts.size).toBe(62);
    expect(Math.min(...counts.values())).toBeGreaterThan(1700);
    expect(Math.max(...counts.values())).toBeLessThan(2150);
  });
});
