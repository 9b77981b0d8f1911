/**
 * `pooledRandomBytes`: token ids, codes and IVs come from a pool read from the CSPRNG
 * 4 KiB at a time. No byte is handed out twice, a chunk never changes after it was
 * handed out (also across refills), and lengths are bounded.
 */
import { describe, expect, it } from 'vitest';
import { pooledRandomBytes } from '../../src/security/secrets.js';

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
