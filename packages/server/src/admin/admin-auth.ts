/**
 * Admin API authentication: `Authorization: Bearer <admin key>` (SPEC 4.3), compared
 * as keyed hashes in constant time; a wrong key is counted against the caller's IP
 * (`http/rate-limit/auth-failures.ts`).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthFailures } from '../http/rate-limit/auth-failures.js';
import { authenticateBearerKey, type BearerKeyTexts } from '../security/bearer-key.js';
import type { SecretBox } from '../security/secrets.js';

const ADMIN_KEY_TEXTS: BearerKeyTexts = {
  missing: 'The admin API needs the admin key as Authorization: Bearer <key>.',
  malformed: 'The admin API takes only Authorization: Bearer <admin key>.',
  invalid: 'The admin key is not valid.',
};

/**
 * Checks the admin key of a request.
 * @throws IdgateError `AUTH_MISSING_CREDENTIALS` (nothing sent), `AUTH_INVALID_CREDENTIALS` (wrong key or scheme)
 */
export function authenticateAdmin(request: FastifyRequest, secrets: SecretBox, adminKeyHash: string): void {
  authenticateBearerKey(request, secrets, adminKeyHash, ADMIN_KEY_TEXTS);
}

/** What the admin key is checked with. */
export interface AdminKeyDeps {
  /** A keyed hash of the admin key is all the instance keeps. */
  readonly secrets: SecretBox;
  readonly adminKeyHash: string;
  /** Counts failed authentications (per IP). */
  readonly authFailures: Pick<AuthFailures, 'guard'>;
}

/** An `onRequest` hook of an admin route: the caller's admin key. */
export type RequireAdminKey = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/**
 * The `onRequest` hook of every admin route: {@link authenticateAdmin}, its failures
 * counted per IP.
 * @throws IdgateError as {@link authenticateAdmin}, or `SYSTEM_RATE_LIMITED`
 */
export function adminKeyGuard(deps: AdminKeyDeps): RequireAdminKey {
  return async function requireAdminKey(request, reply) {
    await deps.authFailures.guard(request, reply, function checkAdminKey() {
      authenticateAdmin(request, deps.secrets, deps.adminKeyHash);
    });
  };
}
