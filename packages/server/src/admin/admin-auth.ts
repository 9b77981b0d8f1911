/**
 * Admin API authentication: `Authorization: Bearer <admin key>` (SPEC 4.3), compared
 * as keyed hashes in constant time; a wrong key is counted against the caller's IP
 * (`http/rate-limit/auth-failures.ts`).
 */
import { IdgateError } from '@idgate/errors';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SecretBox } from '../security/secrets.js';

/**
 * Checks the admin key of a request.
 * @throws IdgateError `AUTH_MISSING_CREDENTIALS` (nothing sent), `AUTH_INVALID_CREDENTIALS` (wrong key or scheme)
 */
export function authenticateAdmin(request: FastifyRequest, secrets: SecretBox, adminKeyHash: string): void {
  const header = request.headers.authorization;
  if (header === undefined || header.trim() === '') {
    throw new IdgateError('AUTH_MISSING_CREDENTIALS', {
      detail: 'The admin API needs the admin key as Authorization: Bearer <key>.',
    });
  }
  const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(header);
  if (!match?.[1]) {
    throw new IdgateError('AUTH_INVALID_CREDENTIALS', {
      detail: 'The admin API takes only Authorization: Bearer <admin key>.',
    });
  }
  if (!secrets.verify(match[1], adminKeyHash)) {
    throw new IdgateError('AUTH_INVALID_CREDENTIALS', { detail: 'The admin key is not valid.' });
  }
}

/**
 * An `onRequest` hook of every admin route: {@link authenticateAdmin}, its failures
 * counted per IP.
 * @throws IdgateError as {@link authenticateAdmin}, or `SYSTEM_RATE_LIMITED`
 */
export async function requireAdminKey(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const { secrets, adminKeyHash, rateLimits } = request.server.idgate;
  await rateLimits.authFailures.guard(request, reply, function checkAdminKey() {
    authenticateAdmin(request, secrets, adminKeyHash);
  });
}
