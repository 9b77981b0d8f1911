/**
 * An access token as a protected resource receives it (userinfo, the bearer REST routes):
 * `Authorization: Bearer` (RFC 6750), or `Authorization: DPoP` with a `DPoP` proof
 * (RFC 9449 §7). A DPoP-bound token (`cnf.jkt`) is accepted only under the `DPoP` scheme
 * with a valid proof of its key for this request (`ath` included); a token that is not
 * bound is accepted only as a Bearer token.
 */
import { IdgateError } from '@idgate/errors';
import type { AccessTokenClaims, AccessTokens } from './access-tokens.js';
import type { DpopProofs } from './dpop-proofs.js';

/** How the token was presented. */
export type TokenScheme = 'Bearer' | 'DPoP' | 'form';

/** An access token and how it came. */
export interface PresentedAccessToken {
  readonly token: string;
  readonly scheme: TokenScheme;
}

/** What a presented token is checked with. */
export interface PresentedTokenDeps {
  readonly accessTokens: Pick<AccessTokens, 'verify'>;
  readonly dpop: Pick<DpopProofs, 'verify'>;
}

/** The request the token came with, for its DPoP proof. */
export interface PresentingRequest {
  readonly proof: string | readonly string[] | undefined;
  readonly method: string;
  /** The URL the client addressed: issuer and path, no query. */
  readonly url: string;
}

/** RFC 9449 §7.1 and RFC 6750 §2.1: `<scheme> <b64token>`. */
const AUTHORIZATION = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The token of an `Authorization: Bearer` or `Authorization: DPoP` header, or `undefined`
 * when the header uses neither scheme.
 * @throws IdgateError `AUTH_INVALID_TOKEN` when it does, but carries no well-formed token
 */
export function tokenFromAuthorization(authorization: string | undefined): PresentedAccessToken | undefined {
  if (authorization === undefined) return undefined;
  const trimmed = authorization.trim();
  if (!/^(?:bearer|dpop)\s/i.test(trimmed)) return undefined;
  const match = AUTHORIZATION.exec(trimmed);
  const scheme: TokenScheme = /^dpop/i.test(trimmed) ? 'DPoP' : 'Bearer';
  if (match?.[2] === undefined) {
    throw new IdgateError('AUTH_INVALID_TOKEN', {
      detail: `The Authorization header carries no well-formed ${scheme} token.`,
      ...(scheme === 'DPoP' ? { context: { token_type: 'DPoP' } } : {}),
    });
  }
  return { token: match[2], scheme };
}

/**
 * The claims of an active token presented the way its binding demands.
 * @throws IdgateError `AUTH_INVALID_TOKEN` (inactive, or presented under the wrong
 *   scheme: a DPoP-bound one carries `context.token_type` `DPoP`, so it is challenged with
 *   the `DPoP` scheme), `AUTH_INVALID_DPOP_PROOF`, `AUTH_USE_DPOP_NONCE`
 */
export async function verifyPresentedToken(
  deps: PresentedTokenDeps,
  presented: PresentedAccessToken,
  request: PresentingRequest,
  now: Date,
): Promise<AccessTokenClaims> {
  const claims = await deps.accessTokens.verify(presented.token, now);
  const jkt = claims.cnf?.jkt;
  if (jkt === undefined) {
    if (presented.scheme === 'DPoP') {
      throw new IdgateError('AUTH_INVALID_TOKEN', {
        detail: 'The access token is not DPoP-bound: send it as Authorization: Bearer.',
      });
    }
    return claims;
  }
  // RFC 9449 §7.1: a DPoP-bound token travels in Authorization: DPoP, with a proof.
  if (presented.scheme !== 'DPoP') {
    throw new IdgateError('AUTH_INVALID_TOKEN', {
      detail: 'The access token is DPoP-bound: send it as Authorization: DPoP with a DPoP proof of its key.',
      context: { token_type: 'DPoP' },
    });
  }
  const proofKey = await deps.dpop.verify({ ...request, accessToken: presented.token });
  if (proofKey !== jkt) {
    throw new IdgateError('AUTH_INVALID_DPOP_PROOF', {
      detail: 'The DPoP proof is signed by another key than the one the access token is bound to.',
    });
  }
  return claims;
}
