/**
 * `verifyIdgateSignature`: checks the `Idgate-Signature` header of a webhook delivery or
 * a sign-in hook call (SPEC 6, docs/hooks-and-webhooks.md) the way idgate signs it:
 *
 *     Idgate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">[,v1=…]
 *
 * keyed with the app's hook secret (`whsec_…`). It passes when `t` is within
 * `toleranceSeconds` of now (either way: a replay or a clock far off fails) and one of
 * the `v1` values is the HMAC of `"<t>." + the raw body` — several `v1` are accepted, so
 * a receiver can be handed signatures for more than one secret during a rotation.
 * Comparison is constant-time: WebCrypto's `verify` computes and compares the MAC.
 *
 * WebCrypto only (`globalThis.crypto.subtle`), no `node:crypto`: the same code runs in
 * Node ≥ 20, Deno, Bun, Cloudflare Workers and browsers. Hence asynchronous.
 */

/** Why a signature was refused. */
export type SignatureFailure =
  /** No header, or not `t=<digits>,v1=<64 hex>[,v1=…]`. */
  | 'malformed'
  /** `t` is more than `toleranceSeconds` in the past (a replay, or a delivery held up). */
  | 'expired'
  /** `t` is more than `toleranceSeconds` in the future (a clock far off). */
  | 'future'
  /** No `v1` is the HMAC of this body with this secret (tampered body, wrong secret). */
  | 'mismatch';

/** A refused signature. Answer the request with 401 and do not act on the body. */
export class IdgateSignatureError extends Error {
  /** Why it was refused. */
  readonly reason: SignatureFailure;

  constructor(reason: SignatureFailure, message: string) {
    super(message);
    this.name = 'IdgateSignatureError';
    this.reason = reason;
  }
}

/** What {@link verifyIdgateSignature} takes. */
export interface VerifyIdgateSignatureOptions {
  /** The `Idgate-Signature` header as received (missing: `undefined` or `null`). */
  readonly header: string | null | undefined;
  /** The raw request body, exactly as received: before any JSON parsing (a string is UTF-8 encoded). */
  readonly body: string | Uint8Array | ArrayBuffer;
  /** The app's hook secret (`whsec_…`). */
  readonly secret: string;
  /** How far `t` may be from now, either way, in seconds (default 300). */
  readonly toleranceSeconds?: number;
  /** The current time (default: now). */
  readonly now?: Date;
}

/** A signature that holds. */
export interface VerifiedIdgateSignature {
  /** When idgate signed the request (`t`). */
  readonly signedAt: Date;
}

/** The default `toleranceSeconds`. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

const TIMESTAMP = /^\d{1,12}$/;
const SIGNATURE = /^[0-9a-f]{64}$/;
const encoder = new TextEncoder();

/** The parts of a well-formed header, or undefined. */
function parseHeader(header: string): { timestamp: number; signatures: string[] } | undefined {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator < 0) return undefined;
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !TIMESTAMP.test(value)) return undefined;
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!SIGNATURE.test(value)) return undefined;
      signatures.push(value);
    }
    // Other keys (a future scheme's) are ignored, as idgate's own check does.
  }
  if (timestamp === undefined || signatures.length === 0) return undefined;
  return { timestamp, signatures };
}

function hexBytes(hex: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(hex.length / 2);
  for (let index = 0; index < bytes.length; index++) {
    bytes[index] = Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16);
  }
  return bytes;
}

/** `"<t>."` followed by the body's bytes. */
function signedContent(timestamp: number, body: string | Uint8Array | ArrayBuffer): Uint8Array<ArrayBuffer> {
  const prefix = encoder.encode(`${timestamp}.`);
  const bytes =
    typeof body === 'string' ? encoder.encode(body) : body instanceof ArrayBuffer ? new Uint8Array(body) : body;
  const content = new Uint8Array(prefix.length + bytes.length);
  content.set(prefix, 0);
  content.set(bytes, prefix.length);
  return content;
}

/**
 * Checks an `Idgate-Signature` header against the raw body and the app's hook secret.
 *
 * @returns when the signature holds, when it was made.
 * @throws IdgateSignatureError (`reason`: `malformed`, `expired`, `future`, `mismatch`)
 *   when it does not — answer 401 and ignore the body.
 * @throws TypeError for a missing secret or a bad `toleranceSeconds` (a programming error).
 */
export async function verifyIdgateSignature(options: VerifyIdgateSignatureOptions): Promise<VerifiedIdgateSignature> {
  const { header, body, secret } = options;
  const tolerance = options.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS;
  if (typeof secret !== 'string' || secret.length === 0) throw new TypeError('secret must be a non-empty string');
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new TypeError('toleranceSeconds must be a number ≥ 0');
  const parsed = typeof header === 'string' ? parseHeader(header) : undefined;
  if (parsed === undefined) {
    throw new IdgateSignatureError(
      'malformed',
      header == null ? 'no Idgate-Signature header' : 'Idgate-Signature is not t=<unix seconds>,v1=<64 hex digits>',
    );
  }
  const nowSeconds = (options.now ?? new Date()).getTime() / 1000;
  if (nowSeconds - parsed.timestamp > tolerance) {
    throw new IdgateSignatureError('expired', `Idgate-Signature is older than ${tolerance} s`);
  }
  if (parsed.timestamp - nowSeconds > tolerance) {
    throw new IdgateSignatureError('future', `Idgate-Signature is more than ${tolerance} s in the future`);
  }
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'verify',
  ]);
  const content = signedContent(parsed.timestamp, body);
  for (const signature of parsed.signatures) {
    // WebCrypto's HMAC verify recomputes the MAC and compares it in constant time.
    if (await crypto.subtle.verify('HMAC', key, hexBytes(signature), content)) {
      return { signedAt: new Date(parsed.timestamp * 1000) };
    }
  }
  throw new IdgateSignatureError('mismatch', 'no v1 signature of Idgate-Signature matches the body and the secret');
}
