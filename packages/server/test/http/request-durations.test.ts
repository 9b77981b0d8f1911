/**
 * The lean request histogram (http/request-durations.ts) writes exactly what prom-client's
 * own Histogram writes for the same observations: same samples, labels, order and values.
 */
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RequestDurations } from '../../src/http/request-durations.js';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const NAME = 'idgate_http_request_duration_seconds';
const HELP = 'Time to answer HTTP requests, by method, route pattern and status.';

const OBSERVATIONS: [string, string, number, number][] = [
  ['GET', '/jwks', 200, 0.0004],
  ['GET', '/jwks', 200, 0.001],
  ['GET', '/jwks', 200, 0.0011],
  ['POST', '/token', 200, 0.003],
  ['POST', '/token', 401, 0.02],
  ['GET', '(unmatched)', 404, 12],
  ['GET', '/jwks', 200, 10],
  ['POST', '/token', 200, 0.25],
];

describe('the request-duration histogram', () => {
  it('writes the exposition prom-client’s Histogram writes', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const lean = new RequestDurations({ name: NAME, help: HELP, buckets: BUCKETS, registers: [ours] });
    const reference = new Histogram({
      name: NAME,
      help: HELP,
      labelNames: ['method', 'route', 'status'],
      buckets: BUCKETS,
      registers: [theirs],
    });
    for (const [method, route, status, seconds] of OBSERVATIONS) {
      lean.observe(`${method} ${status} ${route}`, method, route, String(status), seconds);
      reference.observe({ method, route, status: String(status) }, seconds);
    }
    const text = await ours.metrics();
    expect(text).toBe(await theirs.metrics());
    expect(text).toContain(`${NAME}_bucket{le="0.001",method="GET",route="/jwks",status="200"} 2`);
    expect(text).toContain(`${NAME}_count{method="POST",route="/token",status="200"} 2`);
  });

  it('is empty after a reset, and counts again', async () => {
    const registry = new Registry();
    const lean = new RequestDurations({ name: NAME, help: HELP, buckets: BUCKETS, registers: [registry] });
    lean.observe('GET 200 /jwks', 'GET', '/jwks', '200', 0.002);
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain(`${NAME}_count`);
    lean.observe('GET 200 /jwks', 'GET', '/jwks', '200', 0.002);
    expect(await registry.metrics()).toContain(`${NAME}_count{method="GET",route="/jwks",status="200"} 1`);
  });
});
