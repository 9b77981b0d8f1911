/**
 * idgate's relying-party keys, published for upstream providers (SPEC 11):
 * - `GET /rp/jwks.json`: the JWK Set (RFC 7517 §5) of the public RP keys, signing and
 *   encryption, active and those still in their grace after a rotation. Register it at
 *   the upstream as the client's `jwks_uri`.
 * - `GET /rp/signed-jwks`: the same set as a JWT signed by the RP signing key
 *   (`application/jwk-set+jwt`, `typ: jwk-set+jwt`, OpenID Federation 1.0 §5.2.1), for
 *   upstreams that take a `signed_jwks_uri`.
 *
 * Both are public, the same for everyone and cacheable (`public, max-age=300`), readable
 * from any origin. A listening server creates the keys at start.
 */
import type { FastifyInstance } from 'fastify';
import type { RelyingPartyKeys } from '../tokens/relying-party-keys.js';

/** Where the RP keys are published. */
export const RELYING_PARTY_JWKS_PATHS = Object.freeze({
  jwks: '/rp/jwks.json',
  signedJwks: '/rp/signed-jwks',
});

/** How long clients may cache the documents (seconds). */
export const RELYING_PARTY_JWKS_MAX_AGE_SECONDS = 300;

const CACHE_CONTROL = `public, max-age=${RELYING_PARTY_JWKS_MAX_AGE_SECONDS}`;

/** Registers `/rp/jwks.json` and `/rp/signed-jwks`, and creates the keys when the server starts listening. */
export function registerRelyingPartyJwksRoutes(app: FastifyInstance, keys: RelyingPartyKeys): void {
  const contract = { idgate: { surface: 'problem', produces: ['application/json'] } } as const;
  app.get(RELYING_PARTY_JWKS_PATHS.jwks, { config: contract }, async function relyingPartyJwks(_request, reply) {
    const document = await keys.jwks();
    reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('cache-control', CACHE_CONTROL)
      .header('access-control-allow-origin', '*');
    return reply.send(JSON.stringify(document));
  });

  const signedContract = { idgate: { surface: 'problem', produces: ['application/jwk-set+jwt'] } } as const;
  app.get(
    RELYING_PARTY_JWKS_PATHS.signedJwks,
    { config: signedContract },
    async function relyingPartySignedJwks(_request, reply) {
      const jwt = await keys.signedJwks();
      reply
        .header('content-type', 'application/jwk-set+jwt')
        .header('cache-control', CACHE_CONTROL)
        .header('access-control-allow-origin', '*');
      return reply.send(jwt);
    },
  );

  // "Created on first start": a listening server makes its RP keys now. (A failure here
  // is logged by Fastify; the keys are then created on first use.)
  app.addHook('onListen', async function ensureRelyingPartyKeys() {
    await keys.ensure();
  });
}
