/**
 * The refresh token grant (RFC 6749 §6) with rotation and reuse detection (RFC 9700
 * §4.14.2): each use returns a new refresh token and marks the presented one used;
 * presenting a used one again revokes the whole family. The requested scope may narrow
 * the grant's scope for the new access token, never widen it; the new refresh token keeps
 * the grant's scope (RFC 6749 §6). A new ID token comes back when `openid` is in the
 * access token's scope (OpenID Connect Core 1.0 §12.2), without `nonce`.
 */
import { IdgateError } from '@idgate/errors';
import { scopeList } from '../../domain/scope.js';
import type { RefreshTokenRecord } from '../../store/refresh-tokens.repository.js';
import { parseScope, requiredParam } from '../token-request.js';
import { type GrantRequest, type TokenResponse, userTokenResponse } from './grant-context.js';

/** Exchanges a refresh token for new tokens. */
export async function refreshTokenGrant(request: GrantRequest): Promise<TokenResponse> {
  const { services, client, params, now } = request;
  const { refreshTokens } = services;
  const presented = requiredParam(params.refresh_token, 'refresh_token', ' for the refresh_token grant');
  const requestedScopes = params.scope === undefined ? undefined : parseScope(params.scope);

  const record = await refreshTokens.find(presented);
  if (!record) throw invalidGrant('The refresh token is unknown.');
  // RFC 6749 §6: the refresh token must have been issued to the authenticated client.
  if (record.clientId !== client.clientId) throw invalidGrant('The refresh token was issued to another client.');
  const problem = await refreshTokens.problemOf(record, now);
  if (problem === 'used') return refuseReuse(request, record);
  if (problem === 'revoked') throw invalidGrant('The refresh token has been revoked.');
  if (problem === 'expired') throw invalidGrant('The refresh token has expired.');

  checkDpopBinding(record, request.dpopJkt);
  const scope = narrowedScope(record, requestedScopes);
  if (record.verificationId === null) throw invalidGrant('The refresh token is not bound to a verification.');
  const identity = await services.identities.identityFor(record.verificationId, client.clientId);
  if (!identity) throw invalidGrant('The verification this refresh token was issued for is no longer available.');

  const successor = await refreshTokens.rotate(record, now);
  // Another request rotated the same token first: one of the two is a reuse.
  if (successor === undefined) return refuseReuse(request, record);
  return userTokenResponse(request, {
    grantId: record.grantId,
    verificationId: record.verificationId,
    subject: identity,
    scope,
    nonce: undefined,
    refreshToken: successor,
  });
}

/** RFC 9449 §5: a bound refresh token is used only with a proof of its key. */
function checkDpopBinding(record: RefreshTokenRecord, dpopJkt: string | undefined): void {
  if (record.dpopJkt === null) return;
  if (dpopJkt === undefined) {
    throw new IdgateError('AUTH_INVALID_DPOP_PROOF', {
      detail: 'The refresh token is bound to a DPoP key: send a DPoP proof signed with that key.',
    });
  }
  if (dpopJkt !== record.dpopJkt) {
    throw new IdgateError('AUTH_INVALID_DPOP_PROOF', {
      detail: 'The refresh token is bound to another DPoP key than the one that signed this proof.',
    });
  }
}

function invalidGrant(detail: string): IdgateError {
  return new IdgateError('AUTH_INVALID_GRANT', { detail });
}

/** RFC 9700 §4.14.2: a rotated refresh token presented again revokes its whole family. */
async function refuseReuse(request: GrantRequest, record: RefreshTokenRecord): Promise<never> {
  await request.services.refreshTokens.revokeGrant(record.grantId, request.now);
  throw new IdgateError('AUTH_INVALID_GRANT', {
    detail: 'The refresh token was already used; its whole family has been revoked. Start a new authorization.',
    context: { client_id: record.clientId },
    debug: { grant_id: record.grantId },
  });
}

/** RFC 6749 §6: the requested scope MUST NOT include any scope not originally granted. */
function narrowedScope(record: RefreshTokenRecord, requested: readonly string[] | undefined): string {
  if (requested === undefined) return record.scope;
  const granted = scopeList(record.scope);
  const wider = requested.filter((scope) => !granted.includes(scope));
  if (wider.length > 0) {
    throw new IdgateError('VALIDATION_INVALID_SCOPE', {
      detail: `The refresh token was not granted ${wider.join(', ')}; a refresh may narrow the scope, never widen it.`,
      context: { scopes: wider, granted },
    });
  }
  // Keep the grant's order, so equal scope sets read the same.
  return granted.filter((scope) => requested.includes(scope)).join(' ');
}
