/**
 * Reads what a wallet sends back (OpenID4VP 1.0 §8):
 *
 * - `direct_post.jwt` (§8.3.1): the form field `response`, a JWE encrypted to the session's
 *   ephemeral key (`alg: ECDH-ES`, `enc` one of those advertised, `kid` the key's), whose
 *   payload holds `vp_token` and `state`;
 * - `direct_post` (§8.2): the form fields `vp_token` (JSON) and `state`;
 * - `dc_api.jwt` (Appendix A.4): the DC API credential's `{ protocol, data: { response } }`;
 * - an error (§8.5): `error`, `error_description` (and `state`), allowed unencrypted.
 *
 * `vp_token` is a JSON object: DCQL credential query id → non-empty array of presentations.
 * Anything unreadable, in another mode than the session asked for, or for another session
 * (`state`) is `PROVIDER_PRESENTATION_INVALID` with `debug.check` naming why. A response
 * that is not this session's (another `state`, a JWE to another key) is marked
 * `refusesInputOnly`: refused, and the session stays as it was.
 */
import { timingSafeEqual } from 'node:crypto';
import { compactDecrypt, decodeProtectedHeader, importJWK } from 'jose';
import { refusesInputOnly } from '../adapter.js';
import { DC_API_PROTOCOL, type RequestResponseMode, type SessionKey } from './request-object.js';
import { walletFailure } from './wallet-errors.js';

/** The presentations of a response, by credential query id. */
export type VpToken = Readonly<Record<string, readonly (string | Readonly<Record<string, unknown>>)[]>>;

/** What a wallet answered. */
export type WalletResponse =
  | { readonly kind: 'presentation'; readonly vpToken: VpToken }
  | { readonly kind: 'error'; readonly error: string; readonly errorDescription: string | undefined };

/** What reading a response needs from the session. */
export interface ResponseSession {
  readonly responseMode: RequestResponseMode;
  /** The session's `state`; absent for the DC API (no `state` there). */
  readonly state: string | undefined;
  /** The session's encryption key (encrypted modes). */
  readonly sessionKey: SessionKey | undefined;
  /** The `enc` values the request advertised. */
  readonly encValues: readonly string[];
}

/** The largest `response` or `vp_token` accepted. */
const MAX_RESPONSE_LENGTH = 512 * 1024;

/** OAuth 2.0 error codes are printable ASCII (RFC 6749 §5.2). */
const ERROR_CODE = /^[\x20-\x21\x23-\x5B\x5D-\x7E]{1,128}$/;

function invalid(check: string, detail: string, debug?: Readonly<Record<string, unknown>>, cause?: unknown) {
  return walletFailure('PROVIDER_PRESENTATION_INVALID', check, detail, { debug, cause });
}

/**
 * A response that is not this session's (another `state`, another key): refused, and the
 * session stays as it was (SPEC 10: "refused and changes nothing").
 */
function notThisSession(check: string, detail: string, debug?: Readonly<Record<string, unknown>>, cause?: unknown) {
  return refusesInputOnly(invalid(check, detail, debug, cause));
}

function sameString(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** §8.2: the `state` of the response is the session's. */
function checkState(state: unknown, session: ResponseSession): void {
  if (session.state === undefined) return;
  if (typeof state !== 'string' || !sameString(state, session.state)) {
    throw notThisSession('state', 'the response is not for this verification (state)');
  }
}

/** §8.5: an error response. */
function errorResponse(error: unknown, description: unknown): WalletResponse {
  if (typeof error !== 'string' || !ERROR_CODE.test(error))
    throw invalid('error-response', 'the wallet error is not readable');
  return {
    kind: 'error',
    error,
    errorDescription: typeof description === 'string' ? description.slice(0, 512) : undefined,
  };
}

/** §8.1: `vp_token` is an object of credential query ids to non-empty arrays of presentations. */
export function parseVpToken(value: unknown): VpToken {
  let token = value;
  if (typeof token === 'string') {
    if (token.length > MAX_RESPONSE_LENGTH) throw invalid('vp-token', 'vp_token is too large');
    try {
      token = JSON.parse(token);
    } catch (cause) {
      throw invalid('vp-token', 'vp_token is not JSON', undefined, cause);
    }
  }
  if (typeof token !== 'object' || token === null || Array.isArray(token)) {
    throw invalid('vp-token', 'vp_token must be a JSON object of credential query ids');
  }
  const entries = Object.entries(token as Record<string, unknown>);
  if (entries.length === 0 || entries.length > 16)
    throw invalid('vp-token', 'vp_token must answer 1 to 16 credential queries');
  for (const [id, presentations] of entries) {
    const valid =
      /^[A-Za-z0-9_-]{1,64}$/.test(id) &&
      Array.isArray(presentations) &&
      presentations.length > 0 &&
      presentations.length <= 16 &&
      presentations.every(
        (entry) =>
          (typeof entry === 'string' && entry.length > 0) ||
          (typeof entry === 'object' && entry !== null && !Array.isArray(entry)),
      );
    if (!valid) throw invalid('vp-token', 'each vp_token entry must be a non-empty array of presentations', { id });
  }
  return token as VpToken;
}

/** Decrypts an encrypted response (§8.3) to its JSON payload. */
async function decryptResponse(jwe: unknown, session: ResponseSession): Promise<Record<string, unknown>> {
  const key = session.sessionKey;
  if (key === undefined) throw new TypeError('an encrypted response mode needs the session key');
  if (typeof jwe !== 'string' || jwe.length > MAX_RESPONSE_LENGTH) {
    throw invalid('response-decrypt', 'the encrypted response is missing or too large');
  }
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(jwe) as Record<string, unknown>;
  } catch (cause) {
    throw invalid('response-decrypt', 'the encrypted response is not a JWE', undefined, cause);
  }
  // §8.3: the JWE names the kid of the key it was encrypted to.
  if (header.kid !== undefined && header.kid !== key.kid) {
    throw notThisSession('response-kid', 'the response is encrypted to another key', { kid: header.kid });
  }
  let plaintext: Uint8Array;
  try {
    const privateKey = await importJWK(key.privateJwk, 'ECDH-ES');
    ({ plaintext } = await compactDecrypt(jwe, privateKey, {
      keyManagementAlgorithms: ['ECDH-ES'],
      contentEncryptionAlgorithms: [...session.encValues],
    }));
  } catch (cause) {
    throw notThisSession(
      'response-decrypt',
      'the response cannot be decrypted with the key of this verification',
      undefined,
      cause,
    );
  }
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(plaintext).toString('utf8'));
  } catch (cause) {
    throw invalid('response-payload', 'the decrypted response is not JSON', undefined, cause);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw invalid('response-payload', 'the decrypted response is not a JSON object');
  }
  return payload as Record<string, unknown>;
}

/** The parameters of a response, whether posted in the clear or encrypted. */
function fromParameters(parameters: Readonly<Record<string, unknown>>, session: ResponseSession): WalletResponse {
  checkState(parameters.state, session);
  if (parameters.error !== undefined) return errorResponse(parameters.error, parameters.error_description);
  if (parameters.vp_token === undefined) throw invalid('vp-token', 'the response has no vp_token');
  return { kind: 'presentation', vpToken: parseVpToken(parameters.vp_token) };
}

/**
 * Reads a `direct_post` or `direct_post.jwt` response (the form fields the wallet posted).
 * @throws IdgateError `PROVIDER_PRESENTATION_INVALID`
 */
export async function readWalletResponse(
  fields: Readonly<Record<string, string>>,
  session: ResponseSession,
): Promise<WalletResponse> {
  // §8.3.1: a wallet that cannot encrypt may still send an error in the clear.
  if (fields.response === undefined && fields.error !== undefined) return fromParameters(fields, session);
  if (session.responseMode === 'direct_post') {
    if (fields.response !== undefined)
      throw invalid('response-mode', 'the response is encrypted, but this verification asked for direct_post');
    return fromParameters(fields, session);
  }
  if (session.responseMode !== 'direct_post.jwt')
    throw invalid('response-mode', 'this verification takes its response over the DC API');
  if (fields.response === undefined) {
    throw invalid('response-mode', 'the response must be encrypted (direct_post.jwt: a response parameter)');
  }
  return fromParameters(await decryptResponse(fields.response, session), session);
}

/**
 * Reads a DC API response (`{ protocol, data }` of the returned `DigitalCredential`).
 * @throws IdgateError `PROVIDER_PRESENTATION_INVALID`
 */
export async function readDcApiResponse(
  credential: { readonly protocol: unknown; readonly data: unknown },
  session: ResponseSession,
): Promise<WalletResponse> {
  if (credential.protocol !== DC_API_PROTOCOL) {
    throw invalid('dc-protocol', `the credential must come back over protocol ${DC_API_PROTOCOL}`, {
      protocol: typeof credential.protocol === 'string' ? credential.protocol.slice(0, 64) : undefined,
    });
  }
  const data = credential.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw invalid('dc-data', 'the DC API response data must be an object');
  }
  const parameters = data as Record<string, unknown>;
  if (parameters.response === undefined && parameters.error !== undefined) return fromParameters(parameters, session);
  if (parameters.response === undefined)
    throw invalid('response-mode', 'the DC API response must be encrypted (dc_api.jwt)');
  return fromParameters(await decryptResponse(parameters.response, session), session);
}
