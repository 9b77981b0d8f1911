/**
 * Regression: a 404 or 405 to a request without a body closed its keep-alive connection
 * (`Connection: close`, then a lingering close). Routing answers those synchronously,
 * while Node's parser has not yet marked the request `complete`, and the error handler
 * took "not complete" for "a body is still arriving". A client then paid a new TCP
 * connection for every such answer (the error-path benchmark showed 404 at a twentieth of
 * a bare route, p50 over 500 ms). A request that announces a body still closes lingering
 * (large-body-gets-epipe-instead-of-413.test.ts).
 */
import { Agent, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, type ResponseLike } from '../support/assertions.js';
import { type LiveTestApp, startLiveTestApp } from '../support/live-server.js';

interface KeptAliveResponse extends ResponseLike {
  /** Whether the request went out on a connection an earlier request had used. */
  readonly reusedSocket: boolean;
}

function send(agent: Agent, baseUrl: string, method: string, path: string): Promise<KeptAliveResponse> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${baseUrl}${path}`, { method, agent }, function onResponse(response) {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          statusCode: response.statusCode ?? 0,
          headers: response.headers as Record<string, string>,
          body: Buffer.concat(chunks).toString('utf8'),
          reusedSocket: request.reusedSocket,
        }),
      );
    });
    request.on('error', reject);
    request.end();
  });
}

describe('error answers to requests without a body keep the connection alive', () => {
  let t: LiveTestApp;
  let agent: Agent;

  beforeAll(async () => {
    t = await startLiveTestApp('sqlite');
  });
  afterAll(async () => {
    agent?.destroy();
    await t?.close();
  });

  it.each([
    ['GET', '/does-not-exist', 'RESOURCE_NOT_FOUND'],
    ['DELETE', '/errors', 'VALIDATION_METHOD_NOT_ALLOWED'],
  ] as const)(
    '%s %s: the problem, no Connection: close, and the next request on the same connection',
    async (method, path, code) => {
      agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const first = await send(agent, t.baseUrl, method, path);
      expectProblem(first, code, { instance: path, issuer: t.baseUrl });
      expect(first.headers.connection).not.toBe('close');
      const second = await send(agent, t.baseUrl, method, path);
      expectProblem(second, code, { instance: path, issuer: t.baseUrl });
      expect(second.reusedSocket).toBe(true);
      agent.destroy();
    },
  );
});
