/**
 * The client credentials grant (RFC 6749 §4.4): a confidential app gets an access token
 * for idgate's REST API. Its scopes are REST scopes only (`verifications`, `providers`):
 * a request without `scope` gets every REST scope the app may use (SPEC 4.3); a request
 * naming an OpenID, unknown or not allowed scope is `invalid_scope`. No refresh token
 * (RFC 6749 §4.4.3) and no ID token: there is no user.
 */
import { IdgateError } from '@idgate/errors';
import { effectiveScopes, REST_SCOPES } from '../../apps/app-policy.js';
import type { AppRecord } from '../../store/apps.repository.js';
import { ACCESS_TOKEN_TTL_SECONDS } from '../../tokens/token-lifetimes.js';
import { parseScope } from '../token-request.js';
import { type GrantRequest, newTokenId, sealAccessToken, type TokenResponse, tokenTypeOf } from './grant-context.js';

/** Issues an access token to the client itself. */
export function clientCredentialsGrant(request: GrantRequest): TokenResponse {
  const { services, client, params, now, dpopJkt } = request;
  checkConfidential(client);
  const scope = grantedRestScopes(client, params.scope).join(' ');
  const accessToken = sealAccessToken(services, { grantId: newTokenId(), client, scope, dpopJkt }, now);
  return { access_token: accessToken, token_type: tokenTypeOf(dpopJkt), expires_in: ACCESS_TOKEN_TTL_SECONDS, scope };
}

/** RFC 6749 §4.4: the client credentials grant MUST only be used by confidential clients. */
function checkConfidential(client: AppRecord): void {
  if (client.type !== 'confidential') {
    throw new IdgateError('AUTH_FORBIDDEN', {
      detail: 'The client_credentials grant is for confidential clients only.',
      context: { client_id: client.clientId, grant_type: 'client_credentials' },
    });
  }
}

/** The REST scopes the app may use, narrowed to the requested ones. */
function grantedRestScopes(client: AppRecord, scopeParam: string | undefined): readonly string[] {
  const allowed = effectiveScopes(client).filter((scope) => (REST_SCOPES as readonly string[]).includes(scope));
  if (scopeParam === undefined) {
    if (allowed.length === 0) {
      throw new IdgateError('VALIDATION_INVALID_SCOPE', {
        detail: `This app may use none of the REST scopes (${REST_SCOPES.join(', ')}), so client_credentials has nothing to grant.`,
        context: { client_id: client.clientId },
      });
    }
    return allowed;
  }
  const requested = parseScope(scopeParam);
  const notRest = requested.filter((scope) => !(REST_SCOPES as readonly string[]).includes(scope));
  if (notRest.length > 0) {
    throw new IdgateError('VALIDATION_INVALID_SCOPE', {
      detail: `client_credentials tokens carry REST scopes only (${REST_SCOPES.join(', ')}), not ${notRest.join(', ')}.`,
      context: { scopes: notRest },
    });
  }
  const notAllowed = requested.filter((scope) => !allowed.includes(scope));
  if (notAllowed.length > 0) {
    throw new IdgateError('VALIDATION_INVALID_SCOPE', {
      detail: `This app may not use ${notAllowed.join(', ')}.`,
      context: { scopes: notAllowed, client_id: client.clientId },
    });
  }
  return requested;
}
