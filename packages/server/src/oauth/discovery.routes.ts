/**
 * The OpenID Provider's public documents: the discovery document at both
 * `/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §4) and
 * `/.well-known/oauth-authorization-server` (RFC 8414 §3), and the JWK Set at `/jwks`.
 *
 * All three are public and the same for everyone, so they are cacheable (`public,
 * max-age=300`) and readable from any origin (`Access-Control-Allow-Origin: *`: browser
 * relying parties fetch them before they have an origin idgate could check, and they
 * carry no credentials).
 */
import type { FastifyInstance } from 'fastify';
import { buildDiscoveryMetadata, DISCOVERY_MAX_AGE_SECONDS, ENDPOINT_PATHS } from './oidc-metadata.js';

/** The paths the discovery document is served at. */
export const DISCOVERY_PATHS: readonly string[] = Object.freeze([
  '/.well-known/openid-configuration',
  '/.well-known/oauth-authorization-server',
]);

const CACHE_CONTROL = `public, max-age=${DISCOVERY_MAX_AGE_SECONDS}`;
const JSON_TYPE = 'application/json; charset=utf-8';

/** Registers the discovery documents and `/jwks`, and creates the signing keys when the server starts listening. */
export function registerDiscoveryRoutes(app: FastifyInstance): void {
  // The document depends on the configuration only: serialize it once.
  const discoveryJson = JSON.stringify(buildDiscoveryMetadata(app.idgate.config.issuer));
  const contract = { idgate: { surface: 'problem', produces: ['application/json'] } } as const;

  for (const url of DISCOVERY_PATHS) {
    app.get(url, { config: contract }, function discoveryDocument(_request, reply) {
      reply.header('content-type', JSON_TYPE).header('cache-control', CACHE_CONTROL);
      reply.header('access-control-allow-origin', '*');
      return reply.send(discoveryJson);
    });
  }

  // The serialized JWKS of the last document the keys returned (they return the same
  // object until the key set changes).
  let lastJwks: object | undefined;
  let lastJwksJson = '';
  app.get(ENDPOINT_PATHS.jwks, { config: contract }, async function jwks(_request, reply) {
    const document = await app.idgate.keys.jwks();
    if (document !== lastJwks) {
      lastJwksJson = JSON.stringify(document);
      lastJwks = document;
    }
    reply.header('content-type', JSON_TYPE).header('cache-control', CACHE_CONTROL);
    reply.header('access-control-allow-origin', '*');
    return reply.send(lastJwksJson);
  });

  // "Generated on first start": a listening server creates its keys now rather than on
  // the first token request. (Errors here are logged by Fastify; the keys are then
  // created on first use.) Apps that never listen (tests with `inject`) stay lazy.
  app.addHook('onListen', async function ensureSigningKeys() {
    await app.idgate.keys.ensure();
  });
}
