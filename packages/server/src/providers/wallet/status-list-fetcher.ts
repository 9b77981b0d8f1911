/**
 * The production {@link StatusListFetcher}: one `GET` per list, under the same outbound
 * rules as the app's hooks (`hooks/outbound-post.ts`): the whole exchange bounded by a
 * timeout, no redirects followed, at most {@link MAX_STATUS_LIST_BYTES} read, and — when
 * private networks are refused (`IDGATE_OUTBOUND_PRIVATE_NETWORKS=deny`) — connections only
 * to public addresses checked when the name is resolved. In production the URI must be
 * `https`.
 */
import { type ClientRequest, request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { checkedLookup } from '../../hooks/outbound-post.js';
import { isPublicAddress } from '../../security/outbound-address-policy.js';
import { type StatusListFetcher, StatusListUnreachable } from './status-list.js';

/** The largest Status List Token read. */
export const MAX_STATUS_LIST_BYTES = 2 * 1024 * 1024;

/** How the production fetcher behaves. */
export interface HttpStatusListFetcherOptions {
  readonly timeoutMs: number;
  /** `deny`: connect only to public addresses. */
  readonly privateNetworks: 'allow' | 'deny';
  /** Production: `https` only. */
  readonly httpsOnly: boolean;
}

/** Fetches Status List Tokens over HTTP(S). */
export class HttpStatusListFetcher implements StatusListFetcher {
  readonly #options: HttpStatusListFetcherOptions;

  constructor(options: HttpStatusListFetcherOptions) {
    this.#options = options;
  }

  async fetchStatusList(uri: string): Promise<string> {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new StatusListUnreachable('the status list URI is not a URL');
    }
    const allowed = this.#options.httpsOnly ? ['https:'] : ['https:', 'http:'];
    if (!allowed.includes(url.protocol)) throw new StatusListUnreachable(`unsupported protocol ${url.protocol}`);
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const deny = this.#options.privateNetworks === 'deny';
    if (deny && isIP(host) !== 0 && !isPublicAddress(host)) {
      throw new StatusListUnreachable(`${host} is not a public address`);
    }
    const options: RequestOptions = {
      method: 'GET',
      hostname: host,
      port: url.port === '' ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      agent: false,
      headers: { accept: 'application/statuslist+jwt', 'user-agent': 'idgate-wallet/1' },
      ...(deny ? { lookup: checkedLookup } : {}),
    };
    const body = await getBody(
      url.protocol === 'https:' ? httpsRequest : httpRequest,
      options,
      this.#options.timeoutMs,
    );
    return body;
  }
}

/** The body of a 200 answer within the time and size limits. */
function getBody(
  send: (options: RequestOptions) => ClientRequest,
  options: RequestOptions,
  timeoutMs: number,
): Promise<string> {
  return new Promise<string>(function exchange(resolve, reject) {
    const request = send(options);
    let settled = false;
    const finish = (error: Error | undefined, body?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      if (error) reject(error);
      else resolve(body as string);
    };
    const timer = setTimeout(() => finish(new StatusListUnreachable('timeout')), timeoutMs);
    request.on('error', (error) =>
      finish(new StatusListUnreachable((error as { code?: string }).code ?? error.message.slice(0, 200))),
    );
    request.on('response', function readAnswer(answer) {
      if (answer.statusCode !== 200) {
        finish(new StatusListUnreachable(`answered ${answer.statusCode ?? 0}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      answer.on('data', (chunk: Buffer) => {
        size += chunk.byteLength;
        if (size > MAX_STATUS_LIST_BYTES) {
          finish(new StatusListUnreachable('the status list is too large'));
          return;
        }
        chunks.push(chunk);
      });
      answer.on('end', () => finish(undefined, Buffer.concat(chunks).toString('utf8').trim()));
      answer.on('error', (error) => finish(new StatusListUnreachable(error.message.slice(0, 200))));
    });
    request.end();
  });
}
