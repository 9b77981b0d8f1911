/**
 * The public keys of an app (SPEC 12): the `jwks` it registered, or the key set at its
 * `jwksUri`, as jose key resolvers for `private_key_jwt` assertions and signed request
 * objects. A `jwksUri` is fetched with the rules of every outbound call idgate makes
 * (`hooks/outbound-post.ts`: a time limit, a size cap, no redirects, private networks
 * refused when `IDGATE_OUTBOUND_PRIVATE_NETWORKS=deny`, checked at connect time), and
 * cached by jose's remote key set: kept {@link JWKS_CACHE_MAX_AGE_MS}, fetched again for
 * an unknown `kid` at most every {@link JWKS_REFETCH_COOLDOWN_MS}. One resolver per app,
 * rebuilt when the app changes; at most {@link MAX_CACHED_APPS} apps are kept.
 */
import { createLocalJWKSet, createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import type { Config } from '../config/config.js';
import { getOutbound } from '../hooks/outbound-post.js';
import type { AppRecord } from '../store/apps.repository.js';

/** How long a fetched key set is used before it is fetched again. */
export const JWKS_CACHE_MAX_AGE_MS = 5 * 60_000;

/** An unknown `kid` fetches the key set again, at most this often. */
export const JWKS_REFETCH_COOLDOWN_MS = 5000;

/** How long one fetch of a `jwksUri` may take. */
export const JWKS_FETCH_TIMEOUT_MS = 3000;

/** Most apps whose resolvers one instance keeps. */
const MAX_CACHED_APPS = 1000;

/** Why a `jwksUri` could not be read (the message of the error a resolver fails with). */
export class JwksFetchError extends Error {
  readonly code = 'IDGATE_JWKS_FETCH_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'JwksFetchError';
  }
}

/**
 * The key set, where an Ed25519 key that names its `alg` also appears under the other
 * name of the same algorithm (`EdDSA` and RFC 9864's `Ed25519`), so a key registered as
 * `EdDSA` verifies a JWT a current library signed as `Ed25519`, and the reverse.
 */
function withEd25519Aliases(keys: readonly unknown[]): { keys: unknown[] } {
  const aliased: unknown[] = [];
  for (const key of keys) {
    aliased.push(key);
    const jwk = key as Record<string, unknown> | null;
    if (jwk === null || typeof jwk !== 'object' || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') continue;
    if (jwk.alg === 'EdDSA') aliased.push({ ...jwk, alg: 'Ed25519' });
    else if (jwk.alg === 'Ed25519') aliased.push({ ...jwk, alg: 'EdDSA' });
  }
  return { keys: aliased };
}

/** What the key resolvers are built with. */
export interface ClientKeysOptions {
  readonly privateNetworks: Config['outboundPrivateNetworks'];
}

/** The key resolvers of the apps' registered keys. */
export class ClientKeys {
  readonly #privateNetworks: Config['outboundPrivateNetworks'];
  readonly #resolvers = new Map<string, { readonly version: number; readonly resolve: JWTVerifyGetKey }>();

  constructor(options: ClientKeysOptions) {
    this.#privateNetworks = options.privateNetworks;
  }

  /** The resolver of the app's keys, or `undefined` when it registered none. */
  keysOf(app: AppRecord): JWTVerifyGetKey | undefined {
    const cached = this.#resolvers.get(app.clientId);
    if (cached !== undefined && cached.version === app.version) return cached.resolve;
    const resolve = this.#resolverOf(app);
    if (resolve === undefined) return undefined;
    if (this.#resolvers.size >= MAX_CACHED_APPS) this.#resolvers.clear();
    this.#resolvers.set(app.clientId, { version: app.version, resolve });
    return resolve;
  }

  #resolverOf(app: AppRecord): JWTVerifyGetKey | undefined {
    if (app.jwks !== null) return createLocalJWKSet(withEd25519Aliases(app.jwks.keys) as never);
    if (app.jwksUri === null) return undefined;
    const privateNetworks = this.#privateNetworks;
    return createRemoteJWKSet(new URL(app.jwksUri), {
      timeoutDuration: JWKS_FETCH_TIMEOUT_MS,
      cooldownDuration: JWKS_REFETCH_COOLDOWN_MS,
      cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
      [customFetch]: async function fetchJwksOutbound(url: string) {
        const result = await getOutbound({
          url,
          timeoutMs: JWKS_FETCH_TIMEOUT_MS,
          privateNetworks,
          headers: { accept: 'application/json, application/jwk-set+json' },
        });
        if (result.kind !== 'answered') throw new JwksFetchError(`jwks_uri ${result.kind}`);
        if (result.status !== 200) throw new JwksFetchError(`jwks_uri answered ${result.status}`);
        let jwks: unknown;
        try {
          jwks = JSON.parse(result.body);
        } catch {
          throw new JwksFetchError('jwks_uri answered no JSON (or more than the size cap)');
        }
        const keys = (jwks as { keys?: unknown } | null)?.keys;
        const body = Array.isArray(keys) ? JSON.stringify(withEd25519Aliases(keys)) : result.body;
        return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
      },
    });
  }
}
