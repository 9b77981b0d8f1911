/**
 * ID tokens (OpenID Connect Core 1.0 §2, §3.1.3.6, §12.2). An ID token says who was
 * verified, for which client, when and at which level of assurance; the person's claims
 * themselves are served by the userinfo endpoint, not put in the ID token.
 */

import { acrForLoa } from '../domain/loa.js';
import type { SigningAlgorithm } from '../security/key-material.js';
import { oidcTokenHash } from '../security/token-hash.js';
import { ID_TOKEN_TTL_SECONDS } from './token-lifetimes.js';

/** The algorithms idgate signs ID tokens with. */
export type IdTokenAlg = SigningAlgorithm;

/** What signs a JWT (the instance's signing keys). */
export interface JwtSigner {
  signJwt(payload: Readonly<Record<string, unknown>>, alg: IdTokenAlg): Promise<string>;
}

/** What the ID token says about the verified person. */
export interface IdTokenSubject {
  /** The pairwise subject for this client. */
  readonly sub: string;
  /** Level of assurance reached. */
  readonly loa: number;
  /** When the person was verified (`auth_time`). */
  readonly verifiedAt: Date;
}

/** Everything an ID token is built from. */
export interface IdTokenInput {
  readonly issuer: string;
  readonly clientId: string;
  readonly subject: IdTokenSubject;
  /** Echoed when the authorization request carried one; left out on refresh. */
  readonly nonce: string | undefined;
  /** The access token issued with it (`at_hash`). */
  readonly accessToken: string;
  readonly alg: IdTokenAlg;
  readonly now: Date;
}

/** The ID token algorithm of an app (`null`: RS256, the OIDC default). */
export function idTokenAlgOf(app: { readonly idTokenSignedResponseAlg: string | null }): IdTokenAlg {
  const alg = app.idTokenSignedResponseAlg;
  return alg === 'ES256' || alg === 'EdDSA' ? alg : 'RS256';
}

/** The claims of an ID token. */
export function idTokenClaims(input: IdTokenInput): Record<string, unknown> {
  const iat = Math.floor(input.now.getTime() / 1000);
  return {
    iss: input.issuer,
    sub: input.subject.sub,
    aud: input.clientId,
    exp: iat + ID_TOKEN_TTL_SECONDS,
    iat,
    auth_time: Math.floor(input.subject.verifiedAt.getTime() / 1000),
    ...(input.nonce === undefined ? {} : { nonce: input.nonce }),
    acr: acrForLoa(input.subject.loa),
    // OpenID Connect Core 1.0 §3.1.3.6: at_hash with the hash of the ID token's alg
    // (SHA-512 for EdDSA with Ed25519).
    at_hash: oidcTokenHash(input.accessToken, input.alg),
    azp: input.clientId,
  };
}

/** Builds and signs an ID token with the app's algorithm. */
export async function signIdToken(signer: JwtSigner, input: IdTokenInput): Promise<string> {
  return signer.signJwt(idTokenClaims(input), input.alg);
}
