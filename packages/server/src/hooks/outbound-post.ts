/**
 * One signed JSON POST to a URL the app registered (sign-in hook, webhook): a bounded
 * wait (`AbortSignal.timeout`), no redirects followed, at most {@link MAX_RESPONSE_BYTES}
 * of the answer read. Every failure is classified, never thrown.
 */
import { SIGNATURE_HEADER, signatureHeaderValue } from './signature.js';

/** How much of an answer is read; the rest is ignored. */
export const MAX_RESPONSE_BYTES = 64 * 1024;

/** What came back. */
export type PostResult =
  | {
      readonly kind: 'answered';
      readonly status: number;
      readonly contentType: string | undefined;
      /** The answer's text, cut at {@link MAX_RESPONSE_BYTES}. */
      readonly body: string;
      readonly durationMs: number;
    }
  | { readonly kind: 'timeout'; readonly durationMs: number }
  | { readonly kind: 'network'; readonly message: string; readonly durationMs: number };

/** One POST. */
export interface SignedPost {
  readonly url: string;
  readonly body: string;
  readonly secret: string;
  readonly timeoutMs: number;
  /** Signs with this time (the injected clock). */
  readonly now: Date;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Sends a signed JSON POST and classifies the outcome. */
export async function postSigned(post: SignedPost): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await fetch(post.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(post.timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'idgate-hooks/1',
        ...post.headers,
        [SIGNATURE_HEADER]: signatureHeaderValue(post.secret, post.body, post.now),
      },
      body: post.body,
    });
    const body = await readBounded(response);
    return {
      kind: 'answered',
      status: response.status,
      contentType: response.headers.get('content-type') ?? undefined,
      body,
      durationMs: elapsed(),
    };
  } catch (error) {
    if (isTimeout(error)) return { kind: 'timeout', durationMs: elapsed() };
    return { kind: 'network', message: networkMessage(error), durationMs: elapsed() };
  }
}

/** The answer's text, at most {@link MAX_RESPONSE_BYTES} of it. */
async function readBounded(response: Response): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_RESPONSE_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8');
}

function isTimeout(error: unknown): boolean {
  return error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/** A short description of a network failure (no URL, no secret). */
function networkMessage(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message.slice(0, 200);
  return error instanceof Error ? error.message.slice(0, 200) : 'request failed';
}
