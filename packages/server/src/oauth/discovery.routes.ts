/**
 * The OpenID Provider's public documents: the discovery document at both
 * `/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §4) and
 * `/.well-known/oauth-authorization-server` (RFC 8414 §3), and the JWK Set at `/jwks`.
 *
 * All three are public and the same for everyone, so they are cacheable (`public,
 * max-age=300`) and readable from any origin (`Access-Control-Allow-Origin: *`: browser
 * relying parties fetch them before they have an origin idgate could check, and they
 * carry no credentials). Each is serialized once to bytes (the JWK Set again when the key
 * set changes) with a strong `ETag` of them: a client revalidating with
 * `If-None-Match` gets 304 without a body.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { etagOfBody, ifNoneMatchHits } from '../http/etag.js';
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

/**
 * A public document as sent: its UTF-8 bytes and their strong ETag. A Buffer, not a
 * string: Fastify and Node then neither measure (`Buffer.byteLength` for
 * `Content-Length`) nor encode the text again on every request.
 */
interface SerializedDocument {
  readonly body: Buffer;
  readonly etag: string;
}

function serialized(document: object): SerializedDocument {
  const json = JSON.stringify(document);
  return { body: Buffer.from(json, 'utf8'), etag: etagOfBody(json) };
}

/** What the public documents are built from. */
export interface DiscoveryDeps {
  readonly issuer: string;
  readonly keys: Pick<SigningKeys, 'jwksNow' | 'jwks' | 'ensure'>;
}

/** Registers the discovery documents and `/jwks`, and creates the signing keys when the server starts listening. */
export function registerDiscoveryRoutes(app: FastifyInstance, { issuer, keys }: DiscoveryDeps): void {
  // The document depends on the configuration only: serialize it once.
  const discovery = serialized(buildDiscoveryMetadata(issuer));
  const contract = { idgate: { surface: 'problem', produces: ['application/json'] } } as const;

  // Synchronous handlers that send and return nothing: returning the reply (a thenable)
  // or a promise would cost Fastify a promise round per request.
  function sendDocument(request: FastifyRequest, reply: FastifyReply, document: SerializedDocument): void {
    reply.header('cache-control', CACHE_CONTROL).header('etag', document.etag);
    reply.header('access-control-allow-origin', '*');
    if (ifNoneMatchHits(request.headers['if-none-match'], document.etag)) {
      reply.code(304).send();
      return;
    }
    reply.header('content-type', JSON_TYPE);
    reply.send(document.body);
  }

  for (const url of DISCOVERY_PATHS) {
    app.get(url, { config: contract }, function discoveryDocument(request, reply) {
      sendDocument(request, reply, discovery);
    });
  }

  // The serialized JWKS of the last document the keys returned (they return the same
  // object until the key set changes, e.g. by a rotation or a key leaving its window).
  let lastJwks: object | undefined;
  let lastJwksDocument: SerializedDocument | undefined;
  function sendJwks(request: FastifyRequest, reply: FastifyReply, document: object): void {
    if (document !== lastJwks || lastJwksDocument === undefined) {
      lastJwksDocument = serialized(document);
      lastJwks = document;
    }
    sendDocument(request, reply, lastJwksDocument);
  }
  app.get(ENDPOINT_PATHS.jwks, { config: contract }, function jwks(request, reply) {
    const ready = keys.jwksNow();
    if (ready !== undefined) return sendJwks(request, reply, ready);
    // Keys not loaded yet, or due for a re-read: wait for them.
    return keys.jwks().then(function sendLoaded(document) {
      sendJwks(request, reply, document);
    });
  });

  // "Generated on first start": a listening server creates its keys now rather than on
  // the first token request. (Errors here are logged by Fastify; the keys are then
  // created on first use.) Apps that never listen (tests with `inject`) stay lazy.
  app.addHook('onListen', async function ensureSigningKeys() {
    await keys.ensure();
  });
}
