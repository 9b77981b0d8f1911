/** One autocannon load of a target for some seconds, on 127.0.0.1. */
import autocannon from 'autocannon';
import { FRESH_PER_SECOND, settings } from './options.mjs';

export async function load(target, duration) {
  const common = {
    url: target.request.url,
    connections: settings.connections,
    pipelining: settings.pipelining,
    duration,
    timeout: 10,
  };
  if (!target.fresh) {
    return autocannon({
      ...common,
      method: target.request.method,
      headers: target.request.headers,
      body: target.request.body,
    });
  }
  // One new assertion or proof per request (single-use jtis), signed before the load.
  const pool = await target.fresh(Math.ceil(FRESH_PER_SECOND * duration));
  let next = 0;
  return autocannon({
    ...common,
    method: 'POST',
    requests: [
      {
        method: 'POST',
        setupRequest: function freshRequest(request) {
          const prepared = pool[next++ % pool.length];
          return { ...request, headers: prepared.headers, body: prepared.body };
        },
      },
    ],
  });
}
