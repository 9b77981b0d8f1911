/**
 * Admin API authentication: `Authorization: Bearer <admin key>` (SPEC 4.3), compared
 * as keyed hashes in constant time.
 */
import type { FastifyRequest } from 'fastify';
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
