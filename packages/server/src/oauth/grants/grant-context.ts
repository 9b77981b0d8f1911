/**
 * What every grant handler receives and returns, and the issuing of the tokens they
 * share: the sealed access token and, for user grants, the ID token.
 */
import type { Environment } from '../../config/config.js';
import { pooledRandomBytes } from '../../security/secrets.js';
import type { AppRecord } from '../../store/apps.repository.js';
import type { AccessTokenClaims, AccessTokens } from '../../tokens/access-tokens.js';
import type { AuthorizationCodes } from '../../tokens/authorization-codes.js';
import { type IdTokenSubject, idTokenAlgOf, type JwtSigner, signIdToken } from '../../tokens/id-tokens.js';
import type { RefreshTokens } from '../../tokens/refresh-tokens.js';
import { ACCESS_TOKEN_TTL_SECONDS } from '../../tokens/token-lifetimes.js';
import type { VerifiedIdentity } from '../../verification/verification.types.js';

/** The parameters of a token request (RFC 6749 §4.1.3, §4.4.2, §6). */
export const TOKEN_PARAMS = [
  'grant_type',
  'client_id',
  'client_secret',
  // RFC 7521 §4.2: private_key_jwt (apps/client-assertions.ts).
  'client_assertion',
  'client_assertion_type',
  'code',
  'redirect_uri',
  'code_verifier',
  'refresh_token',
  'scope',
] as const;

/** A token request's parameters, each present once or absent. */
export type TokenParams = { readonly [K in (typeof TOKEN_PARAMS)[number]]: string | undefined };

/** The successful token response (RFC 6749 §5.1, OpenID Connect Core 1.0 §3.1.3.3). */
export interface TokenResponse {
  readonly access_token: string;
  /** RFC 9449 §5.1: `DPoP` for a DPoP-bound access token. */
  readonly token_type: 'Bearer' | 'DPoP';
  readonly expires_in: number;
  readonly scope: string;
  readonly refresh_token?: string;
  readonly id_token?: string;
}

/** The verified identity behind a user grant, read from the verification sessions. */
export interface VerifiedIdentities {
  /** The identity of a completed verification of this client, or `undefined` when there is none (any more). */
  identityFor(verificationId: string, clientId: string): Promise<VerifiedIdentity | undefined>;
}

/** What the grant handlers issue and redeem with. */
export interface GrantServices {
  readonly issuer: string;
  readonly environment: Environment;
  readonly accessTokens: Pick<AccessTokens, 'seal'>;
  /** Signs ID tokens. */
  readonly keys: JwtSigner;
  readonly codes: Pick<AuthorizationCodes, 'redeem'>;
  readonly refreshTokens: RefreshTokens;
  readonly identities: VerifiedIdentities;
}

/** What a grant handler works with. */
export interface GrantRequest {
  readonly services: GrantServices;
  /** The authenticated client. */
  readonly client: AppRecord;
  readonly params: TokenParams;
  readonly now: Date;
  /** The DPoP key of the request's proof (RFC 9449 §5): the tokens issued are bound to it. */
  readonly dpopJkt: string | undefined;
}

/** A new random identifier (token ids, grant ids): 128 bits, base64url. */
export function newTokenId(): string {
  return pooledRandomBytes(16).toString('base64url');
}

/** What an access token is issued for. */
export interface AccessTokenGrant {
  readonly grantId: string;
  readonly client: AppRecord;
  readonly scope: string;
  readonly sub?: string;
  readonly verificationId?: string;
  /** The DPoP key the token is bound to. */
  readonly dpopJkt?: string | undefined;
}

/** RFC 9449 §5.1: the `token_type` of a token bound (or not) to a DPoP key. */
export function tokenTypeOf(dpopJkt: string | undefined): 'Bearer' | 'DPoP' {
  return dpopJkt === undefined ? 'Bearer' : 'DPoP';
}

/** Seals a new access token. */
export function sealAccessToken(
  services: Pick<GrantServices, 'accessTokens' | 'environment'>,
  grant: AccessTokenGrant,
  now: Date,
): string {
  const iat = Math.floor(now.getTime() / 1000);
  const claims: AccessTokenClaims = {
    jti: newTokenId(),
    gid: grant.grantId,
    cid: grant.client.clientId,
    env: services.environment,
    scope: grant.scope,
    ...(grant.sub === undefined ? {} : { sub: grant.sub }),
    ...(grant.verificationId === undefined ? {} : { vid: grant.verificationId }),
    iat,
    exp: iat + ACCESS_TOKEN_TTL_SECONDS,
    ...(grant.dpopJkt === undefined ? {} : { cnf: { jkt: grant.dpopJkt } }),
  };
  return services.accessTokens.seal(claims);
}

/** What the tokens of a user grant (authorization code, refresh) are issued from. */
export interface UserTokensInput {
  readonly grantId: string;
  readonly verificationId: string;
  readonly subject: IdTokenSubject;
  /** Space-separated scopes of the access token. */
  readonly scope: string;
  /** Echoed in the ID token (authorization code grant only). */
  readonly nonce: string | undefined;
  readonly refreshToken: string | undefined;
}

/**
 * The token response of a user grant: the access token, the refresh token when one was
 * issued, and an ID token when `openid` is in scope.
 */
export async function userTokenResponse(request: GrantRequest, input: UserTokensInput): Promise<TokenResponse> {
  const { services, client, now, dpopJkt } = request;
  const accessToken = sealAccessToken(
    services,
    {
      grantId: input.grantId,
      client,
      scope: input.scope,
      sub: input.subject.sub,
      verificationId: input.verificationId,
      dpopJkt,
    },
    now,
  );
  const idToken = input.scope.split(' ').includes('openid')
    ? await signIdToken(services.keys, {
        issuer: services.issuer,
        clientId: client.clientId,
        subject: input.subject,
        nonce: input.nonce,
        accessToken,
        alg: idTokenAlgOf(client),
        now,
      })
    : undefined;
  return {
    access_token: accessToken,
    token_type: tokenTypeOf(dpopJkt),
    expires_in: ACCESS_TOKEN_TTL_SECONDS,
    scope: input.scope,
    ...(input.refreshToken === undefined ? {} : { refresh_token: input.refreshToken }),
    ...(idToken === undefined ? {} : { id_token: idToken }),
  };
}
