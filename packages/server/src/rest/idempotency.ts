/**
 * `Idempotency-Key` for `POST /v1/verifications` (SPEC 4; the IETF httpapi draft
 * "The Idempotency-Key HTTP Header Field"):
 *
 * - A key is 1–255 visible ASCII characters, scoped to the app, kept 24 hours.
 * - The first request with a key claims it. When it succeeds (2xx), its status, body and
 *   `Location` are stored; the same key with the same request answers that stored
 *   response again, with `Idempotent-Replayed: true`.
 * - When it fails, the key is given free again: an error is not replayed, so a retry of
 *   a retryable failure (429, 5xx) with the same key really retries.
 * - The same key with a different request, or while the first request is still running,
 *   is `RESOURCE_CONFLICT` (409).
 */
import { createHash } from 'node:crypto';
import { IdgateError } from '@idgate/errors';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IdempotencyRepository } from '../store/idempotency.repository.js';

/** How long a key is remembered. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

/** The header's syntax: 1–255 visible ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = '^[\\x21-\\x7E]{1,255}$';

/** A stored response. */
interface StoredResponse {
  readonly contentType: string | undefined;
  readonly location: string | undefined;
  readonly body: string;
}

/** A key this request holds until its response is known. */
interface Claim {
  readonly clientId: string;
  readonly key: string;
}

/** JSON with object members sorted, so that member order does not make two requests differ. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, member]) => `${JSON.stringify(name)}:${canonicalJson(member)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What identifies "the same request": method, path and body. */
export function requestHashOf(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path}\n${canonicalJson(body ?? null)}`)
    .digest('hex');
}

/** Claims, replays and settles idempotency keys. */
export class Idempotency {
  readonly #repository: IdempotencyRepository;
  readonly #clock: () => Date;
  readonly #claims = new WeakMap<FastifyRequest, Claim>();

  constructor(repository: IdempotencyRepository, clock: () => Date) {
    this.#repository = repository;
    this.#clock = clock;
  }

  /**
   * Claims the request's key. Returns `true` when the request should run (it holds the
   * key now), `false` when the stored response was sent.
   * @throws IdgateError `RESOURCE_CONFLICT` (another request, or still running)
   */
  async begin(
    request: FastifyRequest,
    reply: FastifyReply,
    clientId: string,
    key: string,
    path: string,
  ): Promise<boolean> {
    const now = this.#clock();
    const hash = requestHashOf(request.method, path, request.body);
    const claimed = await this.#repository.claim(
      clientId,
      key,
      hash,
      now,
      new Date(now.getTime() + IDEMPOTENCY_TTL_SECONDS * 1000),
    );
    if (claimed.status === 'claimed') {
      this.#claims.set(request, { clientId, key });
      return true;
    }
    const record = claimed.record;
    if (record.requestHash !== hash) {
      throw new IdgateError('RESOURCE_CONFLICT', {
        detail: 'This Idempotency-Key was used with a different request; use a new key for a new request.',
        context: { idempotencyKey: key },
      });
    }
    if (record.state === 'running' || record.responseStatus === null || record.responseBody === null) {
      throw new IdgateError('RESOURCE_CONFLICT', {
        detail: 'A request with this Idempotency-Key is still being processed; retry after it finished.',
        context: { idempotencyKey: key },
      });
    }
    const stored = JSON.parse(record.responseBody) as StoredResponse;
    reply.code(record.responseStatus).header('idempotent-replayed', 'true');
    if (stored.contentType !== undefined) reply.header('content-type', stored.contentType);
    if (stored.location !== undefined) reply.header('location', stored.location);
    reply.send(stored.body);
    return false;
  }

  /** Stores a 2xx response of a request that holds a key, or gives the key free (`onSend`). */
  async settle(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<void> {
    const claim = this.#claims.get(request);
    if (claim === undefined) return;
    this.#claims.delete(request);
    const status = reply.statusCode;
    if (status >= 200 && status < 300 && typeof payload === 'string') {
      const location = reply.getHeader('location');
      const contentType = reply.getHeader('content-type');
      const stored: StoredResponse = {
        contentType: typeof contentType === 'string' ? contentType : undefined,
        location: typeof location === 'string' ? location : undefined,
        body: payload,
      };
      await this.#repository.complete(claim.clientId, claim.key, status, JSON.stringify(stored));
    } else {
      await this.#repository.release(claim.clientId, claim.key);
    }
  }

  /** Gives the key free if the request ended without a response being sent (`onResponse`). */
  async abandon(request: FastifyRequest): Promise<void> {
    const claim = this.#claims.get(request);
    if (claim === undefined) return;
    this.#claims.delete(request);
    await this.#repository.release(claim.clientId, claim.key);
  }
}
