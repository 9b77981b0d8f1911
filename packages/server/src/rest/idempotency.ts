/**
 * `Idempotency-Key` for `POST /v1/verifications` (SPEC 4; the IETF httpapi draft
 * "The Idempotency-Key HTTP Header Field"):
 *
 * - A key is 1–255 visible ASCII characters, scoped to the app, kept 24 hours.
 * - The first request with a key claims it. When it succeeds (2xx), its status, body and
 *   `Location` are stored; the same key with the same request answers that stored
 *   response again, with `Idempotent-Replayed: true`.
 * - When it fails, the key is given free again: an error is not replayed, so a retry of
 *   a retryable failure (429, 5xx) with the same key really retries. Giving it free never
 *   fails the answer: when the database cannot be reached then, the error is answered as
 *   it is (through the error handler) and the release is tried again before this instance
 *   next claims a key.
 * - A running key is held on a lease of {@link IDEMPOTENCY_LEASE_SECONDS}: when its holder
 *   died (`kill -9`) or could not give it free, the same request takes it over once the
 *   lease ran out, on any instance.
 * - The same key with a different request is `RESOURCE_CONFLICT` (409); so is the same
 *   request while the first one still runs, with `Retry-After` up to the end of its lease.
 */
import { createHash, randomBytes } from 'node:crypto';
import { IdgateError } from '@idgate/errors';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IdempotencyRepository } from '../store/idempotency.repository.js';

/** How long a key is remembered. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

/**
 * How long a running key is held for its request. Longer than any request to
 * `POST /v1/verifications` runs (provider calls time out within 30 s); after it, a key
 * whose holder never finished can be taken over.
 */
export const IDEMPOTENCY_LEASE_SECONDS = 60;

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
  /** The request's random token, which the record names while it runs. */
  readonly holder: string;
  /** When the lease ends (a release that failed is not tried after that). */
  readonly leaseExpiresAt: Date;
}

/** Where a failed release is reported. */
interface Log {
  warn(object: Record<string, unknown>, message: string): void;
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
  /** Keys whose release failed (the database was away), tried again before the next claim. */
  readonly #unreleased = new Map<string, Claim>();

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
    await this.#retryReleases(request.log);
    const now = this.#clock();
    const hash = requestHashOf(request.method, path, request.body);
    const claim: Claim = {
      clientId,
      key,
      holder: randomBytes(16).toString('base64url'),
      leaseExpiresAt: new Date(now.getTime() + IDEMPOTENCY_LEASE_SECONDS * 1000),
    };
    const claimed = await this.#repository.claim({
      clientId,
      key,
      requestHash: hash,
      holder: claim.holder,
      now,
      expiresAt: new Date(now.getTime() + IDEMPOTENCY_TTL_SECONDS * 1000),
      leaseExpiresAt: claim.leaseExpiresAt,
    });
    if (claimed.status === 'claimed') {
      this.#claims.set(request, claim);
      if (claimed.takenOver) request.log.info({ idempotency_key: key }, 'Idempotency-Key taken over after its lease');
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
      const leaseEnd = record.leaseExpiresAt ?? now;
      const seconds = Math.max(1, Math.ceil((leaseEnd.getTime() - now.getTime()) / 1000));
      throw new IdgateError('RESOURCE_CONFLICT', {
        detail:
          `A request with this Idempotency-Key is in flight (started ${record.createdAt.toISOString()}); ` +
          `retry after it finished. If it never finishes, the key is free again from ${leaseEnd.toISOString()}.`,
        context: { idempotencyKey: key, inFlightUntil: leaseEnd.toISOString() },
        headers: { 'retry-after': String(seconds) },
      });
    }
    const stored = JSON.parse(record.responseBody) as StoredResponse;
    reply.code(record.responseStatus).header('idempotent-replayed', 'true');
    if (stored.contentType !== undefined) reply.header('content-type', stored.contentType);
    if (stored.location !== undefined) reply.header('location', stored.location);
    reply.send(stored.body);
    return false;
  }

  /**
   * Stores a 2xx response of a request that holds a key, or gives the key free (`onSend`).
   * Only storing may fail the answer (its error is answered by the error handler, and the
   * key is given free); giving the key free never throws, since the answer may already be
   * that of an error.
   */
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
      try {
        await this.#repository.complete(claim.clientId, claim.key, claim.holder, status, JSON.stringify(stored));
      } catch (error) {
        await this.#release(claim, request.log);
        throw error;
      }
    } else {
      await this.#release(claim, request.log);
    }
  }

  /** Gives the key free if the request ended without a response being sent (`onResponse`). */
  async abandon(request: FastifyRequest): Promise<void> {
    const claim = this.#claims.get(request);
    if (claim === undefined) return;
    this.#claims.delete(request);
    await this.#release(claim, request.log);
  }

  /** Gives a key free; when that fails, remembers it for {@link #retryReleases} (never throws). */
  async #release(claim: Claim, log: Log): Promise<void> {
    try {
      await this.#repository.release(claim.clientId, claim.key, claim.holder);
      this.#unreleased.delete(`${claim.clientId} ${claim.key}`);
    } catch (error) {
      this.#unreleased.set(`${claim.clientId} ${claim.key}`, claim);
      log.warn(
        {
          code: 'SYSTEM_UNAVAILABLE',
          idempotency_key: claim.key,
          lease_expires_at: claim.leaseExpiresAt.toISOString(),
          err: error,
        },
        'Idempotency-Key could not be given free; retried before the next claim, free at the end of its lease anyway',
      );
    }
  }

  /** Tries again the releases that failed, while their leases last. */
  async #retryReleases(log: Log): Promise<void> {
    const now = this.#clock().getTime();
    for (const [id, claim] of [...this.#unreleased]) {
      this.#unreleased.delete(id);
      if (claim.leaseExpiresAt.getTime() > now) await this.#release(claim, log);
    }
  }
}
