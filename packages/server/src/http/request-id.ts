/**
 * Request ids (SPEC 3): every response carries `X-Request-Id`; a well-formed incoming
 * one (1–128 characters of `A-Za-z0-9._:-`) is kept, anything else is replaced by a
 * fresh ULID-like id (time-ordered, 26 Crockford base32 characters).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const WELL_FORMED = /^[A-Za-z0-9._:-]{1,128}$/;
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Whether an incoming request id may be kept. */
export function isWellFormedRequestId(value: unknown): value is string {
  return typeof value === 'string' && WELL_FORMED.test(value);
}

let pool = Buffer.alloc(0);
let poolOffset = 0;

function randomChunk(length: number): Buffer {
  if (poolOffset + length > pool.length) {
    pool = randomBytes(4096);
    poolOffset = 0;
  }
  const chunk = pool.subarray(poolOffset, poolOffset + length);
  poolOffset += length;
  return chunk;
}

/** The Crockford digits as bytes, to write the random part into a buffer. */
const CROCKFORD_BYTES = Buffer.from(CROCKFORD, 'latin1');
/** The random part of the id being made (16 characters). */
const randomPart = Buffer.alloc(16);
/** The time part of the last id made, and its millisecond: ids of one millisecond share it. */
let timePart = '';
let timePartMs = Number.NaN;

function timePartOf(now: number): string {
  if (now !== timePartMs) {
    let time = now;
    let out = '';
    for (let i = 0; i < 10; i++) {
      out = CROCKFORD[time % 32] + out;
      time = Math.floor(time / 32);
    }
    timePart = out;
    timePartMs = now;
  }
  return timePart;
}

/** A new request id: 48-bit millisecond time + 80 random bits, base32. */
export function newRequestId(now = Date.now()): string {
  const random = randomChunk(16);
  for (let i = 0; i < 16; i++) randomPart[i] = CROCKFORD_BYTES[(random[i] ?? 0) & 31] ?? 0;
  return timePartOf(now) + randomPart.toString('latin1');
}

/** Fastify's `genReqId`: keep a well-formed `X-Request-Id`, else make one. */
export function requestIdFor(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  return isWellFormedRequestId(incoming) ? incoming : newRequestId();
}
