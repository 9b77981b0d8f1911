/**
 * Issue 14: a client that disconnected mid-body was logged as a 500
 * `SYSTEM_INTERNAL_ERROR` and counted in the error metric — but nothing failed on
 * idgate's side, and nobody was left to answer. Now such a request gets one `info` line,
 * "request aborted by the client", with `aborted: true` (and no status: none was sent),
 * method, path and request id, and no error line or error count.
 */
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth } from '../support/app.js';
import { type LiveTestApp, startLiveTestApp } from '../support/live-server.js';

/** Sends a head announcing `announced` bytes, `sent` bytes of body, then drops the connection. */
async function abortMidBody(port: number, head: string, announced: number, sent: number): Promise<void> {
  const socket = connect({ port, host: '127.0.0.1' });
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write(`${head}Content-Length: ${announced}\r\n\r\n${'x'.repeat(sent)}`);
  await sleep(50);
  socket.destroy();
}

/** Waits until `check` holds (bounded), for what the server does after the client left. */
async function eventually(check: () => boolean): Promise<void> {
  for (let waited = 0; waited < 2000 && !check(); waited += 10) await sleep(10);
}

describe('a client that disconnects mid-body', () => {
  let t: LiveTestApp;
  let port: number;
  beforeAll(async () => {
    t = await startLiveTestApp('sqlite');
    port = Number(new URL(t.baseUrl).port);
  });
  afterAll(async () => {
    await t.close();
  });

  function abortLines(): Record<string, unknown>[] {
    return t.logs.filter((line) => line.msg === 'request aborted by the client');
  }

  it('admin API (JSON body): one info line naming the abort, no 500 line, no error count', async () => {
    const before = abortLines().length;
    await abortMidBody(
      port,
      `POST /admin/v1/apps HTTP/1.1\r\nHost: x\r\nAuthorization: ${adminAuth().authorization}\r\nContent-Type: application/json\r\nX-Request-Id: abort-json-1\r\n`,
      100_000,
      1000,
    );
    await eventually(() => abortLines().length > before);
    const lines = t.logs.filter((line) => line.request_id === 'abort-json-1');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      msg: 'request aborted by the client',
      aborted: true,
      method: 'POST',
      path: '/admin/v1/apps',
      environment: 'sandbox',
    });
    expect(lines[0]).not.toHaveProperty('code');
    expect(lines[0]).not.toHaveProperty('status');
  });

  it('/token (form body): the same', async () => {
    await abortMidBody(
      port,
      'POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nX-Request-Id: abort-form-1\r\n',
      50_000,
      100,
    );
    await eventually(() => t.logs.some((line) => line.request_id === 'abort-form-1'));
    const lines = t.logs.filter((line) => line.request_id === 'abort-form-1');
    expect(lines.map((line) => line.msg)).toEqual(['request aborted by the client']);
  });

  it('nothing was logged as an error, and the error metric counts no 500', async () => {
    expect(t.logs.filter((line) => line.level === 'error')).toEqual([]);
    expect(t.logs.some((line) => line.code === 'SYSTEM_INTERNAL_ERROR')).toBe(false);
    const metrics = await fetch(`${t.baseUrl}/metrics`).then((res) => res.text());
    expect(metrics).not.toContain('SYSTEM_INTERNAL_ERROR');
  });

  it('the server goes on answering', async () => {
    const res = await fetch(`${t.baseUrl}/healthz`);
    expect(res.status).toBe(200);
  });
});
