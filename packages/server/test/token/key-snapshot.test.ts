import { describe, expect, it } from 'vitest';
import { FAILED_REFRESH_RETRY_SECONDS, KeySnapshot } from '../../src/tokens/key-snapshot.js';

interface Keys {
  readonly refreshAt: number;
  readonly read: number;
}

/** A key set whose reads are counted and can be made to fail or wait. */
function keySet(start = 1_000_000) {
  let now = start;
  let reads = 0;
  let failing = false;
  let gate: Promise<void> | undefined;
  const snapshot = new KeySnapshot<Keys>(
    async () => {
      reads += 1;
      const read = reads;
      if (gate) await gate;
      if (failing) throw new Error('database unreachable');
      return { refreshAt: now + 60_000, read };
    },
    () => new Date(now),
  );
  return {
    snapshot,
    reads: () => reads,
    advance(ms: number) {
      now += ms;
    },
    now: () => now,
    fail(value: boolean) {
      failing = value;
    },
    hold() {
      let release = () => {};
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

describe('KeySnapshot (the keys in memory of a key set)', () => {
  it('answers from memory, synchronously, until the snapshot is due, then reads again', async () => {
    const keys = keySet();
    expect(keys.snapshot.held).toBeUndefined();
    const first = await keys.snapshot.current();
    expect(first.read).toBe(1);
    const again = keys.snapshot.current();
    expect(again).toBe(first); // not a promise: no read
    expect(keys.reads()).toBe(1);
    keys.advance(60_000);
    const reread = await keys.snapshot.current();
    expect(reread.read).toBe(2);
    expect(keys.snapshot.held).toBe(reread);
  });

  it('reads once for concurrent callers', async () => {
    const keys = keySet();
    const release = keys.hold();
    const a = keys.snapshot.current();
    const b = keys.snapshot.current();
    const c = keys.snapshot.reload();
    release();
    const [x, y, z] = await Promise.all([a, b, c]);
    expect(keys.reads()).toBe(1);
    expect(x).toBe(y);
    expect(y).toBe(z);
  });

  it('keeps the keys it holds when a re-read fails, and tries again soon', async () => {
    const keys = keySet();
    const held = await keys.snapshot.current();
    keys.advance(60_000);
    keys.fail(true);
    const kept = await keys.snapshot.current();
    expect(kept.read).toBe(held.read);
    expect(kept.refreshAt).toBe(keys.now() + FAILED_REFRESH_RETRY_SECONDS * 1000);
    expect(keys.snapshot.current()).toBe(kept); // no read before the retry time
    keys.advance(FAILED_REFRESH_RETRY_SECONDS * 1000);
    keys.fail(false);
    expect((await keys.snapshot.current()).read).toBe(3);
  });

  it('fails a first read that fails: there are no keys to keep', async () => {
    const keys = keySet();
    keys.fail(true);
    await expect(keys.snapshot.current()).rejects.toThrow('database unreachable');
    expect(keys.snapshot.held).toBeUndefined();
  });

  it('never installs a read that started before an invalidation (a rotation)', async () => {
    const keys = keySet();
    const release = keys.hold();
    const before = keys.snapshot.current();
    keys.snapshot.invalidate();
    release();
    await before;
    expect(keys.snapshot.held).toBeUndefined();
    const after = await keys.snapshot.current();
    expect(after.read).toBe(2);
    expect(keys.snapshot.held).toBe(after);
  });
});
