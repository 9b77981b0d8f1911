/**
 * Authorization codes (RFC 6749 §4.1.2, §4.1.3; RFC 9700 §2.1.1, §4.8): short-lived,
 * single-use, stored only as a keyed hash, and bound to the client, the redirect URI the
 * code was sent to, and the PKCE challenge of the authorization request. Redeeming a code
 * a second time is replay: everything issued from the code (its grant) is revoked.
 */

import { IdgateError } from '@idgate/errors';
import { scopeList } from '../domain/scope.js';
import type { SecretBox } from '../security/secrets.js';
import { pooledRandomBytes } from '../security/secrets.js';
import {
  type AuthorizationCodeRecord,
  AuthorizationCodesRepository,
  type CodeBinding,
  type Executor,
} from '../store/authorization-codes.repository.js';
import { isValidCodeVerifier, s256Challenge, verifierMatchesChallenge } from './pkce.js';
import { RefreshTokens, type RefreshTokensContext } from './refresh-tokens.js';
import { AUTHORIZATION_CODE_TTL_SECONDS } from './token-lifetimes.js';

/** What a code is bound to. */
export interface IssueCodeInput {
  readonly verificationId: string;
  readonly clientId: string;
  /** The redirect URI the code was sent to (RFC 6749 §4.1.3: the token request must repeat it). */
  readonly redirectUri: string;
  /** Space-separated granted scopes. */
  readonly scope: string;
  readonly nonce: string | undefined;
  /** PKCE S256 challenge, when the request carried one. */
  readonly codeChallenge: string | undefined;
}

/** What the token request presents with a code. */
export interface RedeemCodeInput {
  readonly code: string;
  /** The authenticated client. */
  readonly clientId: string;
  /** The client's registered redirect URIs (for a request that leaves `redirect_uri` out). */
  readonly registeredRedirectUris: readonly string[];
  readonly redirectUri: string | undefined;
  readonly codeVerifier: string | undefined;
  /** Whether the client is public (RFC 9700 §2.1.1: it must have used PKCE). */
  readonly publicClient: boolean;
}

/** What codes are kept with: the database, the instance's keyed hash, and the time. */
export interface AuthorizationCodesContext extends RefreshTokensContext {
  readonly clock: () => Date;
}

/** Short-lived, single-use authorization codes. */
export class AuthorizationCodes {
  readonly #repository: AuthorizationCodesRepository;
  readonly #refreshTokens: RefreshTokens;
  readonly #secrets: SecretBox;
  readonly #clock: () => Date;

  constructor(context: AuthorizationCodesContext) {
    this.#repository = new AuthorizationCodesRepository(context.database);
    this.#refreshTokens = new RefreshTokens(context);
    this.#secrets = context.secrets;
    this.#clock = context.clock;
  }

  /**
   * Issues a code bound to a completed verification; returns the code to send to the app.
   * With `executor`, the code is stored in that transaction (the one that completes the
   * verification on the headless path).
   */
  async issue(input: IssueCodeInput, executor?: Executor): Promise<string> {
    const now = this.#clock();
    const code = pooledRandomBytes(32).toString('base64url');
    await this.#repository.insert(
      {
        codeHash: this.#secrets.hash(code),
        verificationId: input.verificationId,
        clientId: input.clientId,
        grantId: pooledRandomBytes(16).toString('base64url'),
        redirectUri: input.redirectUri,
        scope: input.scope,
        nonce: input.nonce ?? null,
        codeChallenge: input.codeChallenge ?? null,
        expiresAt: new Date(now.getTime() + AUTHORIZATION_CODE_TTL_SECONDS * 1000),
      },
      now,
      executor,
    );
    return code;
  }

  /**
   * Redeems a code: checks every binding, then consumes it. A code that was already
   * redeemed revokes its grant before it is refused.
   *
   * @throws IdgateError `AUTH_INVALID_GRANT` (unknown, other client's, used, expired,
   *   redirect URI or PKCE mismatch, PKCE downgrade), `VALIDATION_MISSING_PARAMETER`
   *   (`redirect_uri`), `VALIDATION_INVALID_PKCE` (verifier missing or malformed)
   */
  async redeem(input: RedeemCodeInput, now: Date): Promise<AuthorizationCodeRecord> {
    const codeHash = this.#secrets.hash(input.code);
    // The usual case in one statement: every binding matches, the code is consumed.
    const binding = exactBindingOf(input);
    const consumed = binding && (await this.#repository.consumeIfBound(codeHash, binding, now));
    if (consumed) return consumed;
    // Otherwise read the code (nothing was changed) and say what is wrong with it.
    const record = await this.#repository.find(codeHash);
    if (!record) throw invalidGrant('The authorization code is unknown or has expired.');
    checkIssuedToClient(record, input.clientId);
    if (record.usedAt !== null) return this.#refuseReplay(record, now);
    checkNotExpired(record, now);
    checkRedirectUri(record, input);
    checkPkce(record, input.codeVerifier, input.publicClient);
    if (!(await this.#repository.consume(record.codeHash, now))) return this.#refuseReplay(record, now);
    return record;
  }

  /** RFC 6749 §4.1.2: a code used more than once revokes all tokens previously issued from it. */
  async #refuseReplay(record: AuthorizationCodeRecord, now: Date): Promise<never> {
    await this.#refreshTokens.revokeGrant(record.grantId, now);
    throw new IdgateError('AUTH_INVALID_GRANT', {
      detail: 'The authorization code was already used; every token issued from it has been revoked.',
      context: { client_id: record.clientId },
      debug: { grant_id: record.grantId, verification_id: record.verificationId },
    });
  }
}

/**
 * The exact values a code redeemed by `input` must be bound to, when `input` can pass the
 * checks at all: `redirect_uri` present, and a well-formed verifier (as its S256
 * challenge) or none from a confidential client. Otherwise `undefined`, and `redeem`
 * takes the reading path, which says what is wrong.
 */
function exactBindingOf(input: RedeemCodeInput): CodeBinding | undefined {
  const { redirectUri, codeVerifier } = input;
  if (redirectUri === undefined) return undefined;
  if (codeVerifier === undefined) {
    return input.publicClient ? undefined : { clientId: input.clientId, redirectUri, codeChallenge: null };
  }
  if (!isValidCodeVerifier(codeVerifier)) return undefined;
  return { clientId: input.clientId, redirectUri, codeChallenge: s256Challenge(codeVerifier) };
}

function invalidGrant(detail: string): IdgateError {
  return new IdgateError('AUTH_INVALID_GRANT', { detail });
}

/** RFC 6749 §4.1.3: ensure the code was issued to the authenticated client. */
function checkIssuedToClient(record: AuthorizationCodeRecord, clientId: string): void {
  if (record.clientId !== clientId) throw invalidGrant('The authorization code was issued to another client.');
}

/** RFC 6749 §4.1.2: codes are short-lived (here 60 seconds). */
function checkNotExpired(record: AuthorizationCodeRecord, now: Date): void {
  if (record.expiresAt.getTime() <= now.getTime()) {
    throw invalidGrant(
      `The authorization code has expired (codes are valid for ${AUTHORIZATION_CODE_TTL_SECONDS} seconds).`,
    );
  }
}

/**
 * RFC 6749 §4.1.3: `redirect_uri` is required when the authorization request included it,
 * and must be identical to it. A request that leaves it out is accepted only where the
 * authorization request could have left it out too (SPEC 2.1: a non-`openid` request of
 * an app with exactly one registered URI).
 */
function checkRedirectUri(record: AuthorizationCodeRecord, input: RedeemCodeInput): void {
  if (input.redirectUri === undefined) {
    const couldBeOmitted =
      !scopeList(record.scope).includes('openid') &&
      input.registeredRedirectUris.length === 1 &&
      input.registeredRedirectUris[0] === record.redirectUri;
    if (couldBeOmitted) return;
    throw new IdgateError('VALIDATION_MISSING_PARAMETER', {
      detail: 'The redirect_uri parameter is required: repeat the redirect_uri of the authorization request.',
      context: { fields: [{ name: 'redirect_uri', reason: 'is required' }] },
    });
  }
  if (input.redirectUri !== record.redirectUri) {
    throw invalidGrant('redirect_uri does not match the redirect_uri of the authorization request.');
  }
}

/**
 * RFC 7636 §4.6 and RFC 9700 §2.1.1: a code issued with a challenge needs a well-formed
 * verifier that matches it; a code issued without one refuses any verifier (PKCE
 * downgrade).
 */
function checkPkce(record: AuthorizationCodeRecord, verifier: string | undefined, publicClient: boolean): void {
  if (record.codeChallenge === null) {
    // RFC 9700 §2.1.1: public clients MUST use PKCE (`/authorize` enforces it; this is the second line).
    if (publicClient)
      throw invalidGrant('The authorization code was issued without PKCE, which a public client must use.');
    if (verifier !== undefined) {
      throw invalidGrant('code_verifier was sent, but the authorization request carried no code_challenge.');
    }
    return;
  }
  if (verifier === undefined) {
    throw new IdgateError('VALIDATION_INVALID_PKCE', {
      detail: 'The code_verifier parameter is required: the authorization request carried a code_challenge.',
      context: { fields: [{ name: 'code_verifier', reason: 'is required' }] },
    });
  }
  if (!isValidCodeVerifier(verifier)) {
    throw new IdgateError('VALIDATION_INVALID_PKCE', {
      detail: 'code_verifier must be 43 to 128 characters of A-Z, a-z, 0-9 and - . _ ~ (RFC 7636 section 4.1).',
      context: { fields: [{ name: 'code_verifier', reason: 'is not 43 to 128 unreserved characters' }] },
    });
  }
  if (!verifierMatchesChallenge(verifier, record.codeChallenge)) {
    throw invalidGrant('code_verifier does not match the code_challenge of the authorization request.');
  }
}
