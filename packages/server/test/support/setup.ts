/**
 * Runs in every test file: after the file's tests, scan every error body it produced
 * for leaks (stack frames, paths, SQL, secrets). A leak fails the file.
 */
import { afterAll, expect } from 'vitest';
import { leaksInRecordedBodies } from './leaks.js';

afterAll(function scanErrorBodiesForLeaks() {
  expect(leaksInRecordedBodies(), 'error bodies must not leak internals or secrets').toEqual([]);
});
