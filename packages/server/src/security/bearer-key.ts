/**
 * A static bearer key an operator configured (the admin key, the metrics token):
 * `Authorization: Bearer <key>`, compared as keyed hashes in constant time
 * ({@link SecretBox.verify}).
 */
import { IdgateError } from '@idgate/errors';
import type { FastifyRequest } from 'fastify';
import type { SecretBox } from './secrets.js';

/** The `detail` of each refusal, naming what the key opens. */
export interface BearerKeyTexts {
  /** Nothing sent. */
  readonly missing: string;
  /** Another scheme, or a malformed header. */
  readonly malformed: string;
  /** The wrong key. */
  readonly invalid: string;
}

/**
 * Checks the bearer key of a request against the keyed hash of the configured one.
 * @throws IdgateError `AUTH_MISSING_CREDENTIALS` (nothing sent), `AUTH_INVALID_CREDENTIALS` (wrong key or scheme)
 */
export function authenticateBearerKey(
  request: FastifyRequest,
  secrets: SecretBox,
  keyHash: string,
  texts: BearerKeyTexts,
): void {
  const header = request.headers.authorization;
  if (header === undefined || header.trim() === '') {
    throw new IdgateError('AUTH_MISSING_CREDENTIALS', { detail: texts.missing });
  }
  const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(header);
  if (!match?.[1]) throw new IdgateError('AUTH_INVALID_CREDENTIALS', { detail: texts.malformed });
  if (!secrets.verify(match[1], keyHash)) throw new IdgateError('AUTH_INVALID_CREDENTIALS', { detail: texts.invalid });
}
