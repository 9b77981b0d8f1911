/**
 * Failed authentications, counted on every authenticated surface — `/token`,
 * `/introspect`, `/revoke`, `/userinfo`, the REST API (Basic and Bearer) and the admin
 * API — per client IP (`auth-failures-ip`) and per presented client id
 * (`auth-failures-client`), with the same GCRA store as every rate limit (in memory, or
 * in Redis shared by every instance). A failure past either quota is answered 429
 * `SYSTEM_RATE_LIMITED` (OAuth `temporarily_unavailable` on the OAuth endpoints) with
 * `Retry-After`, `RateLimit` and `RateLimit-Policy`, instead of the 401.
 *
 * - An IP past its quota is refused at once, before any credential is checked, until its
 *   next failure would be allowed: guessing from one address goes no faster than the
 *   quota. Each instance learns this from the first failure it counts past the quota (the
 *   count itself is shared through Redis).
 * - A client id past its quota gets 429 for its failures only: a client id is no secret,
 *   so refusing its correct credentials would let anyone lock an app out.
 * - What counts: credentials that are wrong — an unknown or refused client
 *   (`AUTH_INVALID_CLIENT`), a wrong secret or admin key (`AUTH_INVALID_CREDENTIALS`), a
 *   bearer token that is not valid (`AUTH_INVALID_TOKEN`). Sending none
 *   (`AUTH_MISSING_CREDENTIALS`, `VALIDATION_MISSING_CLIENT_SECRET`) does not.
 *
 * A successful authentication costs one lookup in an (almost always empty) map and
 * writes nothing.
 */
import { type ErrorCode, isIdgateError } from '@idgate/errors';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RateLimiter, RateLimitPolicyName } from './rate-limiter.js';

/** What the failures are counted with: the instance's rate limiter. */
export type FailureLimits = Pick<RateLimiter, 'quotaOf' | 'refusal' | 'describe' | 'count'>;

/** The refusals that are failed authentications (wrong credentials, not missing ones). */
const FAILED_AUTHENTICATION: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'AUTH_INVALID_CLIENT',
  'AUTH_INVALID_CREDENTIALS',
  'AUTH_INVALID_TOKEN',
]);

/** The most blocked IPs an instance remembers (the oldest is forgotten first). */
const MAX_BLOCKED = 10_000;

/** Whether `error` is a failed authentication that counts. */
export function isFailedAuthentication(error: unknown): boolean {
  return isIdgateError(error) && FAILED_AUTHENTICATION.has(error.code);
}

/** The client id a refusal names (the id that was presented), if any. */
function presentedClientId(error: unknown): string | undefined {
  if (!isIdgateError(error)) return undefined;
  const clientId = error.context?.client_id ?? error.context?.clientId;
  return typeof clientId === 'string' && clientId !== '' ? clientId : undefined;
}

/** Failed authentications per IP and per client id (see the module comment). */
export class AuthFailures {
  readonly #limits: FailureLimits;
  readonly #clock: () => Date;
  /** IP → until when (epoch ms) it is refused at once; in insertion order. */
  readonly #blocked = new Map<string, number>();

  constructor(limits: FailureLimits, clock: () => Date) {
    this.#limits = limits;
    this.#clock = clock;
  }

  /**
   * Runs `authenticate` for `request`, counting its failure; refuses at once an IP past
   * its quota of failures.
   * @throws IdgateError `SYSTEM_RATE_LIMITED`, or what `authenticate` throws
   */
  async guard<T>(request: FastifyRequest, reply: FastifyReply, authenticate: () => T | Promise<T>): Promise<T> {
    if (this.#blocked.size > 0) this.#refuseBlocked(reply, request.ip);
    try {
      return await authenticate();
    } catch (error) {
      if (isFailedAuthentication(error)) await this.#countFailure(reply, request.ip, presentedClientId(error));
      throw error;
    }
  }

  /** Refuses an IP that is blocked now; forgets it once its block is over. */
  #refuseBlocked(reply: FastifyReply, ip: string): void {
    const until = this.#blocked.get(ip);
    if (until === undefined) return;
    const now = this.#clock().getTime();
    if (until <= now) {
      this.#blocked.delete(ip);
      return;
    }
    const quota = this.#limits.quotaOf('auth-failures-ip');
    if (quota === undefined) return;
    const waitMs = until - now;
    const outcome = { allowed: false, remaining: 0, resetAfterMs: waitMs, retryAfterMs: waitMs };
    throw this.#limits.refusal(this.#limits.describe(reply, 'auth-failures-ip', quota, outcome), this.#tooMany('ip'));
  }

  /** Counts one failure for the IP and the client id; past either quota, the answer is 429. */
  async #countFailure(reply: FastifyReply, ip: string, clientId: string | undefined): Promise<void> {
    const byIp = await this.#limits.count(reply, 'auth-failures-ip', ip);
    if (byIp !== undefined && !byIp.outcome.allowed) {
      this.#block(ip, byIp.outcome.retryAfterMs);
      throw this.#limits.refusal(byIp, this.#tooMany('ip'));
    }
    if (clientId === undefined) return;
    const byClient = await this.#limits.count(reply, 'auth-failures-client', clientId);
    if (byClient !== undefined && !byClient.outcome.allowed)
      throw this.#limits.refusal(byClient, this.#tooMany('client'));
  }

  #block(ip: string, forMs: number): void {
    this.#blocked.delete(ip);
    if (this.#blocked.size >= MAX_BLOCKED) {
      const oldest = this.#blocked.keys().next();
      if (!oldest.done) this.#blocked.delete(oldest.value);
    }
    this.#blocked.set(ip, this.#clock().getTime() + forMs);
  }

  #tooMany(by: 'ip' | 'client'): string {
    const policy: RateLimitPolicyName = by === 'ip' ? 'auth-failures-ip' : 'auth-failures-client';
    const limit = this.#limits.quotaOf(policy)?.limit ?? 0;
    return by === 'ip'
      ? `Too many failed authentications from this address (at most ${limit} per minute, policy ${policy})`
      : `Too many failed authentications for this client id (at most ${limit} per minute, policy ${policy})`;
  }
}
