/**
 * Outbound calls to URLs an app registered: one signed JSON POST (sign-in hook, webhook),
 * or one GET (the app's `jwksUri`, {@link getOutbound}). Either way the whole
 * exchange bounded by `timeoutMs` (the socket is destroyed when it runs out), no
 * redirects followed (a 3xx is just an answer), at most {@link MAX_RESPONSE_BYTES} of the
 * answer read. Every failure is classified, never thrown.
 *
 * When private networks are refused (`IDGATE_OUTBOUND_PRIVATE_NETWORKS=deny`), the
 * connection goes only to an address that passed `isPublicAddress`: an IP literal is
 * checked before connecting; a name is resolved by {@link checkedLookup}, which refuses
 * it if any of its addresses is not public and hands the checked addresses to the socket,
 * so the connect uses exactly what was checked (a DNS answer that changes between the
 * check and the connect, DNS rebinding, cannot slip in). TLS still verifies the
 * certificate against the URL's host name. Each call opens its own connection (no
 * pooling), so a connection opened under one policy is never reused under another.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { type ClientRequest, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Config } from '../config/config.js';
import { isPublicAddress } from '../security/outbound-address-policy.js';
import { SIGNATURE_HEADER, signatureHeaderValue } from './signature.js';

/** How much of an answer is read; the rest is ignored. */
export const MAX_RESPONSE_BYTES = 64 * 1024;

/** What came back. */
export type PostResult =
  | {
      readonly kind: 'answered';
      readonly status: number;
      readonly contentType: string | undefined;
      /** The answer's text, cut at {@link MAX_RESPONSE_BYTES}. */
      readonly body: string;
      readonly durationMs: number;
    }
  | { readonly kind: 'timeout'; readonly durationMs: number }
  | { readonly kind: 'network'; readonly message: string; readonly durationMs: number }
  /** Not sent: the host is, or resolves to, an address that is not public (policy `deny`). */
  | { readonly kind: 'refused'; readonly message: string; readonly durationMs: number };

/** One POST. */
export interface SignedPost {
  readonly url: string;
  readonly body: string;
  readonly secret: string;
  readonly timeoutMs: number;
  /** Signs with this time (the injected clock). */
  readonly now: Date;
  /** `deny`: connect only to public addresses (`IDGATE_OUTBOUND_PRIVATE_NETWORKS`). */
  readonly privateNetworks: Config['outboundPrivateNetworks'];
  readonly headers?: Readonly<Record<string, string>>;
}

/** The error {@link checkedLookup} fails a connection with. */
export class RefusedAddressError extends Error {
  readonly code = 'IDGATE_ADDRESS_REFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'RefusedAddressError';
  }
}

/**
 * A `lookup` for `net.connect` that resolves every address of the name and fails with
 * {@link RefusedAddressError} if any of them is not public; otherwise it answers with
 * those same addresses (all of them, or the first, as the socket asked).
 */
export const checkedLookup: LookupFunction = function checkedLookup(hostname, options, callback) {
  const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family ?? 0);
  const query = { all: true as const, family, ...(options.hints === undefined ? {} : { hints: options.hints }) };
  dnsLookup(hostname, query, function checkAddresses(error, addresses: LookupAddress[]) {
    if (error) {
      callback(error, '', 0);
      return;
    }
    const refused = addresses.find((entry) => !isPublicAddress(entry.address));
    const first = addresses[0];
    if (refused !== undefined || first === undefined) {
      const why = refused === undefined ? 'no address' : `${refused.address}, which is not a public address`;
      callback(new RefusedAddressError(`${hostname} resolves to ${why}`), '', 0);
      return;
    }
    if (options.all) (callback as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
    else callback(null, first.address, first.family);
  });
};

/** Sends a signed JSON POST and classifies the outcome. */
export function postSigned(post: SignedPost): Promise<PostResult> {
  return sendOutbound({
    method: 'POST',
    url: post.url,
    timeoutMs: post.timeoutMs,
    privateNetworks: post.privateNetworks,
    body: post.body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'idgate-hooks/1',
      ...post.headers,
      [SIGNATURE_HEADER]: signatureHeaderValue(post.secret, post.body, post.now),
      'content-length': String(Buffer.byteLength(post.body)),
    },
  });
}

/** One GET of a URL an app registered (its `jwksUri`). */
export interface OutboundGet {
  readonly url: string;
  readonly timeoutMs: number;
  /** `deny`: connect only to public addresses (`IDGATE_OUTBOUND_PRIVATE_NETWORKS`). */
  readonly privateNetworks: Config['outboundPrivateNetworks'];
  readonly headers?: Readonly<Record<string, string>>;
}

/** Sends a GET under the same rules as {@link postSigned} and classifies the outcome. */
export function getOutbound(get: OutboundGet): Promise<PostResult> {
  return sendOutbound({
    method: 'GET',
    url: get.url,
    timeoutMs: get.timeoutMs,
    privateNetworks: get.privateNetworks,
    body: undefined,
    headers: { 'user-agent': 'idgate/1', ...get.headers },
  });
}

/** One outbound request, before the rules are applied. */
interface OutboundRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly timeoutMs: number;
  readonly privateNetworks: Config['outboundPrivateNetworks'];
  readonly body: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
}

/** The address policy, then the exchange within the time limit. */
async function sendOutbound(outbound: OutboundRequest): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let url: URL;
  try {
    url = new URL(outbound.url);
  } catch {
    return { kind: 'network', message: 'invalid URL', durationMs: elapsed() };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { kind: 'network', message: `unsupported protocol ${url.protocol}`, durationMs: elapsed() };
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const deny = outbound.privateNetworks === 'deny';
  if (deny && isIP(host) !== 0 && !isPublicAddress(host)) {
    return { kind: 'refused', message: `${host} is not a public address`, durationMs: elapsed() };
  }
  const options: RequestOptions = {
    method: outbound.method,
    hostname: host,
    port: url.port === '' ? undefined : Number(url.port),
    path: `${url.pathname}${url.search}`,
    agent: false,
    headers: outbound.headers,
    ...(deny ? { lookup: checkedLookup } : {}),
  };
  const outcome = await exchange(url.protocol === 'https:' ? httpsRequest : httpRequest, options, outbound);
  return { ...outcome, durationMs: elapsed() } as PostResult;
}

type Outcome =
  | { kind: 'answered'; status: number; contentType: string | undefined; body: string }
  | { kind: 'timeout' }
  | { kind: 'network'; message: string }
  | { kind: 'refused'; message: string };

/** The request and its answer, within `timeoutMs`. */
function exchange(
  send: (options: RequestOptions) => ClientRequest,
  options: RequestOptions,
  outbound: OutboundRequest,
): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    let request: ClientRequest;
    try {
      request = send(options);
    } catch (error) {
      // An invalid header value is refused before anything is sent.
      resolve(failure(error));
      return;
    }
    let settled = false;
    let response: IncomingMessage | undefined;
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
      // Nothing more is read or sent; the connection is not reused.
      response?.destroy();
      request.destroy();
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), outbound.timeoutMs);
    request.on('error', (error) => finish(failure(error)));
    request.on('response', (answer) => {
      response = answer;
      const chunks: Buffer[] = [];
      let size = 0;
      const answered = () =>
        finish({
          kind: 'answered',
          status: answer.statusCode ?? 0,
          contentType: answer.headers['content-type'],
          body: Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8'),
        });
      answer.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.byteLength;
        if (size >= MAX_RESPONSE_BYTES) answered();
      });
      answer.on('end', answered);
      answer.on('error', (error) => finish(failure(error)));
      answer.on('close', () => {
        if (!answer.complete) finish({ kind: 'network', message: 'the connection closed during the answer' });
      });
    });
    request.end(outbound.body);
  });
}

/** A request error, classified (no URL, no secret in the message). */
function failure(error: unknown): Outcome {
  if (error instanceof RefusedAddressError) return { kind: 'refused', message: error.message };
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return { kind: 'network', message: code };
  return { kind: 'network', message: error instanceof Error ? error.message.slice(0, 200) : 'request failed' };
}
