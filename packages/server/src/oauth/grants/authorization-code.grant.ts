/**
 * The authorization code grant (RFC 6749 §4.1.3, OpenID Connect Core 1.0 §3.1.3): the
 * code is redeemed once against its client, redirect URI and PKCE binding, and exchanged
 * for an access token, an ID token when `openid` was granted, and a refresh token when
 * the app may use the `refresh_token` grant (SPEC 2).
 */
import { IdgateError } from '@idgate/errors';
import { requiredParam } from '../token-request.js';
import { type GrantRequest, type TokenResponse, userTokenResponse } from './grant-context.js';

/** Exchanges an authorization code for tokens. */
export async function authorizationCodeGrant(request: GrantRequest): Promise<TokenResponse> {
  const { services, client, params, now } = request;
  const code = requiredParam(params.code, 'code', ' for the authorization_code grant');
  const record = await services.codes.redeem(
    {
      code,
      clientId: client.clientId,
      registeredRedirectUris: client.redirectUris,
      redirectUri: params.redirect_uri,
      codeVerifier: params.code_verifier,
      publicClient: client.type === 'public',
    },
    now,
  );
  const identity = await services.identities.identityFor(record.verificationId, client.clientId);
  if (!identity) {
    throw new IdgateError('AUTH_INVALID_GRANT', {
      detail: 'The verification this code was issued for is no longer available.',
      context: { verification_id: record.verificationId },
    });
  }
  // SPEC 2: refresh tokens are issued when the app allows the refresh_token grant.
  const refreshToken = client.grantTypes.includes('refresh_token')
    ? await services.refreshTokens.issue(
        {
          grantId: record.grantId,
          clientId: client.clientId,
          verificationId: record.verificationId,
          scope: record.scope,
          // RFC 9449 §5: a public client's refresh token is bound to its DPoP key (a
          // confidential client's is bound by its client authentication).
          dpopJkt: client.type === 'public' ? (request.dpopJkt ?? null) : null,
        },
        now,
      )
    : undefined;
  return userTokenResponse(request, {
    grantId: record.grantId,
    verificationId: record.verificationId,
    subject: identity,
    scope: record.scope,
    nonce: record.nonce ?? undefined,
    refreshToken,
  });
}
