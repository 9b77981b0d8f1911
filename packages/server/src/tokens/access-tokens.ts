/**
 * Access tokens: opaque to clients, sealed for idgate. The token carries its own
 * claims, encrypted and authenticated with AES-256-GCM under a key derived from the
 * instance secret, so issuing one writes nothing and checking one needs no look-up but
 * the revocation check. Format: `at_<base64url(iv ‖ ciphertext ‖ tag)>`.
 */
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { IdgateError } from '@idgate/errors';
import type { Environment } from '../config/config.js';
import { pooledRandomBytes } from '../security/secrets.js';
import { grantRevocationId, type RevocationsRepository, tokenRevocationId } from '../store/revocations.repository.js';

/** What an access token says. */
export interface AccessTokenClaims {
  /** Token id (revocation of this token). */
  readonly jti: string;
  /** Grant id (revocation of everything issued from one code or refresh family). */
  readonly gid: string;
  /** Client id. */
  readonly cid: string;
  /** Environment it was issued in. */
  readonly env: Environment;
  /** Space-separated scopes. */
  readonly scope: string;
  /** Subject for user tokens (absent for client credentials). */
  readonly sub?: string;
  /** Verification whose identity the token gives access to (code flow). */
  readonly vid?: string;
  /** Issued at / expires at, seconds since the epoch. */
  readonly iat: number;
  readonly exp: number;
  /** RFC 9449 §6: the DPoP key (JWK SHA-256 thumbprint) the token is bound to. */
  readonly cnf?: { readonly jkt: string };
}

const PREFIX = 'at_';

/** Issues and checks sealed access tokens. */
export class AccessTokens {
  readonly #key: Buffer;
  readonly #environment: Environment;
  readonly #revocations: RevocationsRepository;

  constructor(instanceSecret: string, environment: Environment, revocations: RevocationsRepository) {
    this.#key = Buffer.from(hkdfSync('sha256', Buffer.from(instanceSecret, 'utf8'), 'idgate', 'access-token-v1', 32));
    this.#environment = environment;
    this.#revocations = revocations;
  }

  /** Seals claims into a token. */
  seal(claims: AccessTokenClaims): string {
    const iv = pooledRandomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(claims), 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64url');
  }

  /** Opens a token without checking expiry or revocation; undefined when it is not one of ours. */
  open(token: string): AccessTokenClaims | undefined {
    if (!token.startsWith(PREFIX) || token.length > 4096) return undefined;
    const raw = Buffer.from(token.slice(PREFIX.length), 'base64url');
    if (raw.length < 12 + 16 + 2) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      const plaintext = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
      return JSON.parse(plaintext.toString('utf8')) as AccessTokenClaims;
    } catch {
      return undefined;
    }
  }

  /**
   * The claims of an active token: ours, this environment's, not expired, not revoked.
   * @throws IdgateError `AUTH_INVALID_TOKEN` saying which of these failed
   */
  async verify(token: string, now: Date): Promise<AccessTokenClaims> {
    const claims = this.open(token);
    if (!claims) throw invalidToken('The access token is malformed or was not issued by this idgate.');
    return this.verifyOpened(claims, now);
  }

  /**
   * {@link verify} for claims already {@link open}ed (a token is decrypted once per request).
   * @throws IdgateError `AUTH_INVALID_TOKEN` saying which check failed
   */
  async verifyOpened(claims: AccessTokenClaims, now: Date): Promise<AccessTokenClaims> {
    if (claims.env !== this.#environment) {
      throw invalidToken(`The access token was issued in ${claims.env}; this is ${this.#environment}.`);
    }
    if (claims.exp * 1000 <= now.getTime()) throw invalidToken('The access token has expired.');
    if (await this.#revocations.anyRevoked([tokenRevocationId(claims.jti), grantRevocationId(claims.gid)])) {
      throw invalidToken('The access token has been revoked.');
    }
    return claims;
  }
}

function invalidToken(detail: string): IdgateError {
  return new IdgateError('AUTH_INVALID_TOKEN', { detail });
}
