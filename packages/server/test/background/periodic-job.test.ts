/**
 * PeriodicJob: background runs on an interval, one at a time; failures go to onError;
 * stop() ends the timer and waits for every run under way, including runs started by hand.
 */
import { describe, expect, it } from 'vitest';
import { PeriodicJob } from '../../src/background/periodic-job.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('PeriodicJob', () => {
  it('runs in the background with results to onResult, never two background runs at once', async () => {
    const gate = deferred();
    let started = 0;
    const results: number[] = [];
    const job = new PeriodicJob({
      intervalMs: 5,
      work: async () => {
        started++;
        await gate.promise;
        return started;
      },
      onResult: (result) => results.push(result),
      onError: () => {},
    });
    job.start();
    expect(job.started).toBe(true);
    await until(() => started === 1);
    // Several intervals pass while the first run is blocked: no second background run starts.
    await new Promise((r) => setTimeout(r, 40));
    expect(started).toBe(1);
    gate.resolve();
    await until(() => results.length >= 2);
    await job.stop();
    expect(job.started).toBe(false);
    const after = started;
    await new Promise((r) => setTimeout(r, 30));
    expect(started).toBe(after);
  });

  it('sends a failing background run to onError and tries again on the next tick', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const job = new PeriodicJob({
      intervalMs: 5,
      work: async () => {
        calls++;
        throw new Error(`run ${calls} failed`);
      },
      onError: (error) => errors.push(error),
    });
    job.start();
    await until(() => errors.length >= 2);
    await job.stop();
    expect((errors[0] as Error).message).toBe('run 1 failed');
    expect((errors[1] as Error).message).toBe('run 2 failed');
  });

  it('does not start with an interval of 0, and run() still works on demand', async () => {
    const job = new PeriodicJob({ intervalMs: 0, work: async () => 42, onError: () => {} });
    job.start();
    expect(job.started).toBe(false);
    expect(await job.run()).toBe(42);
  });

  it('stop() waits for a run started by hand', async () => {
    const gate = deferred();
    let finished = false;
    const job = new PeriodicJob({
      intervalMs: 0,
      work: async () => {
        await gate.promise;
        finished = true;
      },
      onError: () => {},
    });
    const run = job.run();
    let stopped = false;
    const stopping = job.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(finished).toBe(true);
    await run;
  });
});
