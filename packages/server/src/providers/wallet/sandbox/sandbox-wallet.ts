/**
 * The built-in test wallet of the sandbox (SPEC 10, Sandbox): for a test identity it
 * answers a request object the way a real wallet would — it checks the request's
 * signature against its `x5c`, picks the credential query it can answer and the first
 * claim set its credential satisfies, presents the sandbox PID with exactly those
 * disclosures and a key binding JWT (`aud` the `client_id`, or `origin:<origin>` over the
 * DC API; the request's `nonce`), and returns the form fields (or DC API data) a real
 * wallet would post: `response=<JWE>` (`direct_post.jwt`), `vp_token` + `state`
 * (`direct_post`), `{ protocol, data }` (`dc_api.jwt`), or `error=access_denied`.
 *
 * Extension point: {@link SandboxPresenter}s for other formats (mdoc) answer credential
 * queries of their format; the SD-JWT VC presenter is built in.
 */
import { X509Certificate } from 'node:crypto';
import { SDJwtInstance } from '@sd-jwt/core';
import { digest, ES256 } from '@sd-jwt/crypto-nodejs';
import {
  CompactEncrypt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  jwtVerify,
} from 'jose';
import type { ClaimPath } from '../claim-map.js';
import type { DcqlCredentialQueryJson, DcqlQueryJson } from '../dcql.js';
import { DC_API_PROTOCOL } from '../request-object.js';
import type { CredentialFormat } from '../verified-credential.js';
import { type SandboxIssuer, STATUS_REVOKED } from './sandbox-issuer.js';
import {
  findWalletIdentity,
  SANDBOX_PID,
  SANDBOX_PID_WITHOUT_ADDRESS,
  WALLET_TEST_IDENTITIES,
  type WalletBehaviour,
} from './wallet-test-identities.js';

/** What a presenter is given to answer one credential query. */
export interface PresentationContext {
  readonly identity: WalletBehaviour;
  readonly query: DcqlCredentialQueryJson;
  /** The KB-JWT / device authentication audience: `client_id`, or `origin:<origin>` (DC API). */
  readonly audience: string;
  readonly nonce: string;
  readonly request: Readonly<Record<string, unknown>>;
  readonly now: Date;
}

/** Answers credential queries of one format (extension point for mdoc). */
export interface SandboxPresenter {
  readonly format: CredentialFormat;
  /** The presentation, or undefined when this identity has no such credential. */
  present(context: PresentationContext): Promise<string | undefined>;
}

/** A held credential: the issued SD-JWT VC and the holder key. */
interface Held {
  readonly credential: string;
  readonly holderPrivateJwk: JWK;
}

const WRONG_NONCE = 'not-the-nonce-of-this-request';

/** The status list index of an identity's credential. */
function statusIndexOf(identity: WalletBehaviour): number {
  return WALLET_TEST_IDENTITIES.findIndex((entry) => entry.identity === identity) + 1;
}

/** The dotted key of a claims path (`@sd-jwt` presentation frames). */
function dottedKey(path: ClaimPath): string {
  return path.map((step) => String(step)).join('.');
}

/** A presentation frame disclosing `keys` (dotted) and everything under them. */
function presentationFrame(keys: readonly string[]): Record<string, unknown> {
  const frame: Record<string, unknown> = {};
  for (const key of keys) {
    let level = frame;
    const parts = key.split('.');
    parts.forEach(function step(part, index) {
      if (index === parts.length - 1) {
        if (level[part] === undefined) level[part] = true;
        return;
      }
      if (typeof level[part] !== 'object') level[part] = {};
      level = level[part] as Record<string, unknown>;
    });
  }
  return frame;
}

/** The SD-JWT VC presenter of the sandbox PID. */
class SdJwtPidPresenter implements SandboxPresenter {
  readonly format = 'dc+sd-jwt' as const;
  readonly #issuer: SandboxIssuer;
  readonly #held = new Map<WalletBehaviour, Promise<Held>>();

  constructor(issuer: SandboxIssuer) {
    this.#issuer = issuer;
    // The list says so from the start: a cached list must not hide the revocation.
    issuer.setStatus(statusIndexOf('revoked'), STATUS_REVOKED);
  }

  async present(context: PresentationContext): Promise<string | undefined> {
    const held = await this.#credentialOf(context.identity, context.now);
    const sdjwt = new SDJwtInstance<Record<string, unknown>>({
      hasher: digest,
      kbSigner: await ES256.getSigner(held.holderPrivateJwk),
      kbSignAlg: 'ES256',
    });
    const presentable = await sdjwt.presentableKeys(held.credential);
    const disclosed = chooseClaims(context.query, presentable);
    if (disclosed === undefined) return undefined;
    const wanted = presentable.filter((key) =>
      disclosed.some((path) => key === path || key.startsWith(`${path}.`) || path.startsWith(`${key}.`)),
    );
    const presentation = await sdjwt.present(held.credential, presentationFrame(wanted) as never, {
      kb: {
        payload: {
          aud: context.audience,
          nonce: context.identity === 'wrong-nonce' ? WRONG_NONCE : context.nonce,
          iat: Math.floor(context.now.getTime() / 1000),
        },
      },
    });
    return context.identity === 'tampered' ? tamperIssuerSignature(presentation) : presentation;
  }

  /** The identity's credential, issued once with its own holder key and status entry. */
  #credentialOf(identity: WalletBehaviour, now: Date): Promise<Held> {
    let held = this.#held.get(identity);
    if (held === undefined) {
      held = this.#issue(identity, now);
      this.#held.set(identity, held);
    }
    return held;
  }

  async #issue(identity: WalletBehaviour, now: Date): Promise<Held> {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const statusIdx = statusIndexOf(identity);
    const credential = await this.#issuer.issuePid({
      pid: identity === 'no-address' ? SANDBOX_PID_WITHOUT_ADDRESS : SANDBOX_PID,
      holderJwk: await exportJWK(publicKey),
      statusIdx,
      expired: identity === 'expired',
      untrusted: identity === 'untrusted',
      now,
    });
    return { credential, holderPrivateJwk: await exportJWK(privateKey) };
  }
}

/**
 * The claim paths to disclose for a credential query: the first claim set whose claims the
 * credential has (OpenID4VP 1.0 §6.4.1), or every claim when the query has no claim sets.
 */
function chooseClaims(query: DcqlCredentialQueryJson, presentable: readonly string[]): string[] | undefined {
  const has = (path: ClaimPath) => {
    const key = dottedKey(path);
    return presentable.some((candidate) => candidate === key || candidate.startsWith(`${key}.`));
  };
  const byId = new Map(query.claims.map((claim) => [claim.id, claim.path]));
  const sets = query.claim_sets ?? [query.claims.map((claim) => claim.id)];
  for (const set of sets) {
    const paths = set.map((id) => byId.get(id)).filter((path): path is ClaimPath => path !== undefined);
    if (paths.every(has)) return paths.map(dottedKey);
  }
  return undefined;
}

/** Breaks the issuer signature (the `tampered` identity): one character of it changes. */
function tamperIssuerSignature(presentation: string): string {
  const [jwt = '', ...rest] = presentation.split('~');
  const parts = jwt.split('.');
  const signature = parts[2] ?? '';
  const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
  return [`${parts[0]}.${parts[1]}.${flipped}`, ...rest].join('~');
}

/** What the test wallet answers: form fields for `response_uri`, or the DC API credential. */
export type SandboxWalletAnswer = Readonly<Record<string, string>>;

/** The built-in test wallet. */
export class SandboxWallet {
  readonly #presenters: readonly SandboxPresenter[];

  constructor(issuer: SandboxIssuer, options: { readonly presenters?: readonly SandboxPresenter[] } = {}) {
    this.#presenters = [new SdJwtPidPresenter(issuer), ...(options.presenters ?? [])];
  }

  /**
   * The wallet's answer for `identity` to a signed request object, or undefined when it
   * never answers (`no-answer`). `origin` is the page origin of a DC API request.
   * @throws TypeError for an unknown identity or a request the wallet refuses to process
   */
  async respond(
    identity: string,
    requestObject: string,
    options: { readonly now: Date; readonly origin?: string },
  ): Promise<SandboxWalletAnswer | undefined> {
    const behaviour = findWalletIdentity(identity)?.identity;
    if (behaviour === undefined) throw new TypeError(`unknown mock-wallet test identity ${identity}`);
    const request = await verifiedRequest(requestObject);
    const mode = request.response_mode;
    const dcApi = mode === 'dc_api.jwt';
    const state = typeof request.state === 'string' ? request.state : undefined;
    if (behaviour === 'no-answer') return undefined;
    if (behaviour === 'declined') {
      const error = { error: 'access_denied', error_description: 'The user declined to share the credential.' };
      if (dcApi) return { protocol: DC_API_PROTOCOL, data: JSON.stringify(error) };
      return state === undefined ? error : { ...error, state };
    }
    const origin =
      options.origin ?? (Array.isArray(request.expected_origins) ? String(request.expected_origins[0]) : '');
    const audience = dcApi ? `origin:${origin}` : String(request.client_id);
    const vpToken: Record<string, string[]> = {};
    const query = request.dcql_query as DcqlQueryJson;
    for (const credentialQuery of query.credentials) {
      const presenter = this.#presenters.find((candidate) => candidate.format === credentialQuery.format);
      const presentation = await presenter?.present({
        identity: behaviour,
        query: credentialQuery,
        audience,
        nonce: String(request.nonce),
        request,
        now: options.now,
      });
      if (presentation === undefined) continue;
      vpToken[credentialQuery.id] = [presentation];
      // One credential answers a query offered as alternatives (credential_sets).
      break;
    }
    const payload = { vp_token: vpToken, ...(state === undefined ? {} : { state }) };
    if (mode === 'direct_post') return { vp_token: JSON.stringify(vpToken), ...(state === undefined ? {} : { state }) };
    const response = await encryptResponse(payload, request);
    return dcApi ? { protocol: DC_API_PROTOCOL, data: JSON.stringify({ response }) } : { response };
  }
}

/** The request object's claims, once its signature verified against its own `x5c` leaf. */
async function verifiedRequest(requestObject: string): Promise<Record<string, unknown>> {
  const header = decodeProtectedHeader(requestObject);
  const leaf = header.x5c?.[0];
  if (leaf === undefined) throw new TypeError('the request object has no x5c');
  const key = new X509Certificate(Buffer.from(leaf, 'base64')).publicKey;
  const { payload } = await jwtVerify(requestObject, key, { typ: 'oauth-authz-req+jwt', algorithms: ['ES256'] });
  return payload as Record<string, unknown>;
}

/** OpenID4VP 1.0 §8.3: a JWE to the request's `jwks` key, `enc` the first one offered. */
async function encryptResponse(payload: object, request: Readonly<Record<string, unknown>>): Promise<string> {
  const metadata = request.client_metadata as
    | { jwks?: { keys?: JWK[] }; encrypted_response_enc_values_supported?: string[] }
    | undefined;
  const jwk = metadata?.jwks?.keys?.[0];
  if (jwk === undefined) throw new TypeError('the request offers no encryption key');
  const enc = metadata?.encrypted_response_enc_values_supported?.[0] ?? 'A128GCM';
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ECDH-ES', enc, ...(jwk.kid === undefined ? {} : { kid: jwk.kid }) })
    .encrypt(await importJWK(jwk, 'ECDH-ES'));
}
