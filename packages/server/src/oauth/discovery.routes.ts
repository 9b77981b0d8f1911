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
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SigningKeys } from '../tokens/signing-keys.js';
import { DISCOVERY_MAX_AGE_SECONDS } from '../tokens/token-lifetimes.js';
import { buildDiscoveryMetadata, ENDPOINT_PATHS } from './oidc-metadata.js';

/** The paths the discovery document is served at. */
export const DISCOVERY_PATHS: readonly string[] = Object.freeze([
  '/.well-known/openid-configuration',
  '/.well-known/oauth-authorization-server',
]);

const CACHE_CONTROL = `public, max-age=${DISCOVERY_MAX_AGE_SECONDS}`;
const JSON_TYPE = 'application/json; charset=utf-8';

/** What the public documents are built from. */
export interface DiscoveryDeps {
  readonly issuer: string;
  readonly keys: Pick<SigningKeys, 'jwksNow' | 'jwks' | 'ensure'>;
}

/** Registers the discovery documents and `/jwks`, and creates the signing keys when the server starts listening. */
export function registerDiscoveryRoutes(app: FastifyInstance, { issuer, keys }: DiscoveryDeps): void {
  // The document depends on the configuration only: serialize it once.
  const discoveryJson = JSON.stringify(buildDiscoveryMetadata(issuer));
  const contract = { idgate: { surface: 'problem', produces: ['application/json'] } } as const;

  // Synchronous handlers that send and return nothing: returning the reply (a thenable)
  // or a promise would cost Fastify a promise round per request.
  function sendDocument(reply: FastifyReply, json: string): void {
    reply.header('content-type', JSON_TYPE).header('cache-control', CACHE_CONTROL);
    reply.header('access-control-allow-origin', '*');
    reply.send(json);
  }

  for (const url of DISCOVERY_PATHS) {
    app.get(url, { config: contract }, function discoveryDocument(_request, reply) {
      sendDocument(reply, discoveryJson);
    });
  }

  // The serialized JWKS of the last document the keys returned (they return the same
  // object until the key set changes, e.g. by a rotation or a key leaving its window).
  let lastJwks: object | undefined;
  let lastJwksJson = '';
  function sendJwks(reply: FastifyReply, document: object): void {
    if (document !== lastJwks) {
      lastJwksJson = JSON.stringify(document);
      lastJwks = document;
    }
    sendDocument(reply, lastJwksJson);
  }
  app.get(ENDPOINT_PATHS.jwks, { config: contract }, function jwks(_request, reply) {
    const ready = keys.jwksNow();
    if (ready !== undefined) return sendJwks(reply, ready);
    // Keys not loaded yet, or due for a re-read: wait for them.
    return keys.jwks().then(function sendLoaded(document) {
      sendJwks(reply, document);
    });
  });

  // "Generated on first start": a listening server creates its keys now rather than on
  // the first token request. (Errors here are logged by Fastify; the keys are then
  // created on first use.) Apps that never listen (tests with `inject`) stay lazy.
  app.addHook('onListen', async function ensureSigningKeys() {
    await keys.ensure();
  });
}
