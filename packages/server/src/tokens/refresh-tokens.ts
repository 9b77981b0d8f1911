/**
 * Refresh tokens: opaque random strings (`rt_` + 256 bits, base64url) stored only as a
 * keyed hash. Each use rotates the token (RFC 9700 §4.14.2): the presented one is marked
 * used and a successor with a fresh lifetime joins the same family (grant). Presenting a
 * used token again is reuse: the whole family is revoked, and so is every access token of
 * the grant (`grant:<id>` in the revocations).
 */
import type { SecretBox } from '../security/secrets.js';
import { pooledRandomBytes } from '../security/secrets.js';
import type { Database } from '../store/database.js';
import { type RefreshTokenRecord, RefreshTokensRepository } from '../store/refresh-tokens.repository.js';
import { grantRevocationId, RevocationsRepository } from '../store/revocations.repository.js';
import { ACCESS_TOKEN_TTL_SECONDS, REFRESH_TOKEN_TTL_SECONDS } from './token-lifetimes.js';

const PREFIX = 'rt_';

/** What a new refresh token is bound to. */
export interface RefreshTokenGrant {
  readonly grantId: string;
  readonly clientId: string;
  readonly verificationId: string | null;
  /** Space-separated scopes of the grant (a successor keeps them: RFC 6749 §6). */
  readonly scope: string;
  /** The DPoP key the token is bound to (a public client's, RFC 9449 §5), or `null`. */
  readonly dpopJkt: string | null;
}

/** Why a stored refresh token cannot be used, or `undefined` when it can. */
export type RefreshTokenProblem = 'revoked' | 'used' | 'expired';

/** Whether `token` has the shape of an idgate refresh token (not whether it is valid). */
export function looksLikeRefreshToken(token: string): boolean {
  return token.startsWith(PREFIX) && token.length <= 256;
}

/** What refresh tokens are kept with: the database, and the instance's keyed hash. */
export interface RefreshTokensContext {
  readonly database: Database;
  readonly secrets: SecretBox;
}

/** Issues, finds, rotates and revokes refresh tokens. */
export class RefreshTokens {
  readonly #repository: RefreshTokensRepository;
  readonly #revocations: RevocationsRepository;
  readonly #secrets: SecretBox;

  constructor(context: RefreshTokensContext) {
    this.#repository = new RefreshTokensRepository(context.database);
    this.#revocations = new RevocationsRepository(context.database);
    this.#secrets = context.secrets;
  }

  /** Issues the first token of a family; returns the token to hand to the client. */
  async issue(grant: RefreshTokenGrant, now: Date): Promise<string> {
    const token = newRefreshToken();
    await this.#repository.insert({ ...grant, tokenHash: this.#secrets.hash(token), expiresAt: expiry(now) }, now);
    return token;
  }

  /** The stored token, when `token` is one of ours. */
  async find(token: string): Promise<RefreshTokenRecord | undefined> {
    if (!looksLikeRefreshToken(token)) return undefined;
    return this.#repository.find(this.#secrets.hash(token));
  }

  /** Why the token cannot be used now (`undefined`: it can), its grant's revocation included. */
  async problemOf(record: RefreshTokenRecord, now: Date): Promise<RefreshTokenProblem | undefined> {
    if (record.revokedAt !== null) return 'revoked';
    if (record.usedAt !== null) return 'used';
    if (record.expiresAt.getTime() <= now.getTime()) return 'expired';
    // The grant may have been revoked while a concurrent request was still issuing this token.
    if (await this.#revocations.anyRevoked([grantRevocationId(record.grantId)])) return 'revoked';
    return undefined;
  }

  /**
   * Rotates a token: marks it used and issues its successor in the same family.
   * Returns `undefined` when another request rotated (or revoked) it first.
   */
  async rotate(record: RefreshTokenRecord, now: Date): Promise<string | undefined> {
    const token = newRefreshToken();
    const rotated = await this.#repository.rotate(
      record.tokenHash,
      {
        tokenHash: this.#secrets.hash(token),
        grantId: record.grantId,
        clientId: record.clientId,
        verificationId: record.verificationId,
        scope: record.scope,
        // RFC 9449 §5: the successor stays bound to the same key.
        dpopJkt: record.dpopJkt,
        expiresAt: expiry(now),
      },
      now,
    );
    return rotated ? token : undefined;
  }

  /**
   * Revokes a grant: every refresh token of the family, and (through `grant:<id>`) every
   * access token issued from it. Idempotent.
   */
  async revokeGrant(grantId: string, now: Date): Promise<void> {
    // Record the grant revocation first: from then on no token of the grant is accepted,
    // even one a concurrent request is still writing.
    const keepUntil = new Date(now.getTime() + (REFRESH_TOKEN_TTL_SECONDS + ACCESS_TOKEN_TTL_SECONDS) * 1000);
    await this.#revocations.revoke([grantRevocationId(grantId)], keepUntil, now);
    await this.#repository.revokeGrant(grantId, now);
  }
}

function newRefreshToken(): string {
  return PREFIX + pooledRandomBytes(32).toString('base64url');
}

function expiry(now: Date): Date {
  return new Date(now.getTime() + REFRESH_TOKEN_TTL_SECONDS * 1000);
}
