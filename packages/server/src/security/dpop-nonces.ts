/**
 * DPoP nonces (RFC 9449 §8, §9) that every instance sharing the instance secret issues
 * and accepts alike, with nothing stored: a nonce is the number of the current time
 * window and an HMAC of it under a key derived from `IDGATE_SECRET_KEY`. The nonce of
 * the current window and of the one before are accepted, so a nonce is good for between
 * one and two windows of {@link DPOP_NONCE_WINDOW_SECONDS}.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** How long one nonce window lasts. */
export const DPOP_NONCE_WINDOW_SECONDS = 120;

/** Issues and checks stateless DPoP nonces. */
export class DpopNonces {
  readonly #key: Buffer;

  constructor(instanceSecret: string) {
    this.#key = Buffer.from(hkdfSync('sha256', Buffer.from(instanceSecret, 'utf8'), 'idgate', 'dpop-nonce-v1', 32));
  }

  /** The nonce to hand out now (`DPoP-Nonce`). */
  current(now: Date): string {
    return this.#nonceFor(windowOf(now));
  }

  /** Whether `nonce` is the current window's or the previous one's. */
  isValid(nonce: string, now: Date): boolean {
    const window = windowOf(now);
    return [window, window - 1].some((candidate) => {
      const expected = Buffer.from(this.#nonceFor(candidate));
      const presented = Buffer.from(nonce);
      return presented.length === expected.length && timingSafeEqual(presented, expected);
    });
  }

  #nonceFor(window: number): string {
    const counter = Buffer.alloc(8);
    counter.writeBigUInt64BE(BigInt(window));
    const mac = createHmac('sha256', this.#key).update(counter).digest().subarray(0, 16);
    return `${counter.toString('base64url')}.${mac.toString('base64url')}`;
  }
}

function windowOf(now: Date): number {
  return Math.floor(now.getTime() / 1000 / DPOP_NONCE_WINDOW_SECONDS);
}
