/**
 * The authorization request to an upstream (OpenID Connect Core §3.1.2.1), as its profile
 * asks: plain parameters, or a request object (RFC 9101) signed by idgate's RP signing key
 * and, for `signed-encrypted`, encrypted to the upstream's key; pushed first (RFC 9126)
 * when PAR is used, so that the browser gets only `client_id` and `request_uri`.
 */
import {
  buildAuthorizationUrl,
  buildAuthorizationUrlWithJAR,
  buildAuthorizationUrlWithPAR,
  type Configuration,
} from 'openid-client';
import type { UpstreamMetadata } from './oidc-discovery.js';
import { encryptRequestObject, UnopenableJwe } from './oidc-encryption.js';
import { providerFailure, upstreamFailure } from './oidc-errors.js';
import type { UpstreamKeys } from './oidc-id-token.js';
import { type UpstreamProfile, usesPushedAuthorization } from './oidc-profile.js';
import type { RelyingPartyKeySource } from './relying-party-key-source.js';

/** What building the request needs of the adapter. */
export interface AuthorizationRequestContext {
  readonly providerId: string;
  readonly profile: UpstreamProfile;
  readonly relyingPartyKeys: RelyingPartyKeySource | undefined;
  /** The upstream's JWKS (its encryption key). */
  readonly upstreamKeys: UpstreamKeys;
}

/**
 * The URL to send the browser to.
 * @throws IdgateError `PROVIDER_AUTHENTICATION_FAILED` (PAR refused the client), `PROVIDER_INITIALIZATION_FAILED`
 *   (PAR refused otherwise; no encryption key at the upstream), and the exchange's errors
 */
export async function authorizationUrl(
  context: AuthorizationRequestContext,
  configuration: Configuration,
  metadata: UpstreamMetadata,
  parameters: Readonly<Record<string, string>>,
): Promise<URL> {
  let sent: Record<string, string> = { ...parameters };
  if (context.profile.requestObject !== 'none') {
    if (context.relyingPartyKeys === undefined) throw new TypeError('a request object needs the relying-party keys');
    const signing = await context.relyingPartyKeys.signingKey();
    const jar = await buildAuthorizationUrlWithJAR(configuration, parameters, {
      key: signing.key,
      kid: signing.kid,
    }).catch(function refused(error: unknown): never {
      throw upstreamFailure(error, context.providerId, 'authorization');
    });
    let request = jar.searchParams.get('request') ?? '';
    if (context.profile.requestObject === 'signed-encrypted') request = await encrypted(context, request, metadata);
    sent = { request };
  }
  if (usesPushedAuthorization(context.profile, metadata.server)) {
    return buildAuthorizationUrlWithPAR(configuration, sent).catch(function refused(error: unknown): never {
      throw upstreamFailure(error, context.providerId, 'par');
    });
  }
  // OpenID Connect Core §6.1: response_type and scope also outside a request object passed by value.
  const outside = sent.request === undefined ? {} : { response_type: 'code', scope: parameters.scope ?? 'openid' };
  return buildAuthorizationUrl(configuration, { ...outside, ...sent });
}

/**
 * A signed request object encrypted to the upstream's key (from its JWKS).
 * @throws IdgateError `PROVIDER_INITIALIZATION_FAILED` when the upstream publishes no encryption key that fits
 */
async function encrypted(context: AuthorizationRequestContext, request: string, metadata: UpstreamMetadata) {
  const key = await context.upstreamKeys.encryptionKey(metadata.jwksUri);
  const fail = (reason: string, cause?: unknown) =>
    providerFailure('PROVIDER_INITIALIZATION_FAILED', context.providerId, 'jwks', {
      reason,
      ...(cause === undefined ? {} : { cause }),
    });
  if (key === undefined) throw fail("no encryption key (use: enc) in the upstream's JWKS");
  try {
    return await encryptRequestObject(request, key, metadata.server);
  } catch (error) {
    throw fail(error instanceof UnopenableJwe ? error.message : 'request object encryption failed', error);
  }
}
