/** HTTP helpers of the bench: credentials, forms, and a small client for the checks and the flow loop. */
import http from 'node:http';

export const FORM = 'application/x-www-form-urlencoded';

export function basic(clientId, clientSecret) {
  // RFC 6749 §2.3.1: id and secret are form-urlencoded before base64.
  const encode = (value) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

export function form(fields) {
  return new URLSearchParams(fields).toString();
}

export function base64url(bytes) {
  return Buffer.from(bytes).toString('base64url');
}

/** A small HTTP client over a keep-alive agent (`http`) or the global `fetch`. */
export function httpClient(kind, maxSockets) {
  if (kind === 'fetch') {
    return {
      async request(method, url, headers = {}, body = undefined) {
        const response = await fetch(url, { method, headers, body, redirect: 'manual' });
        return { status: response.status, headers: response.headers, body: await response.text() };
      },
      close() {},
    };
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  return {
    request(method, url, headers = {}, body = undefined) {
      return new Promise((resolve, reject) => {
        const outgoing = body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) };
        const request = http.request(url, { method, headers: outgoing, agent }, (response) => {
          const chunks = [];
          response.setEncoding('utf8');
          response.on('data', (chunk) => chunks.push(chunk));
          response.on('end', () => {
            const raw = response.headers;
            resolve({
              status: response.statusCode,
              headers: { get: (name) => (Array.isArray(raw[name]) ? raw[name].join(', ') : (raw[name] ?? null)) },
              body: chunks.join(''),
            });
          });
          response.on('error', reject);
        });
        request.on('error', reject);
        request.end(body);
      });
    },
    close() {
      agent.destroy();
    },
  };
}

/** For the checks: a plain client. */
export const checker = httpClient('fetch', 4);

export function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function snippet(text) {
  return String(text).replace(/\s+/g, ' ').slice(0, 300);
}
