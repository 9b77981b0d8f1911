/**
 * Where each request head on a connection begins, seen from the bytes as they arrive, so
 * that a head Node's parser gives up on (`HPE_HEADER_OVERFLOW`, far past idgate's limits)
 * is answered exactly: 414 when its request target is over the limit, else 431, with its
 * path as `instance`. Node reports only the chunk it stopped in, which for a head longer
 * than one read starts somewhere in the middle (of the target or of a header), and
 * counts the target and the header fields against one limit; the request line itself is
 * known only here.
 *
 * One listener per connection looks at each chunk before Node's parser does: at the
 * start of a head it notes the method, the start of the target and, once the line ends,
 * its length; body chunks cost a comparison. A head starts on a connection's first chunk
 * and on the first chunk after the previous message is complete (a new head counted when
 * Node emits `request`). A head that starts inside a chunk behind a complete message
 * (pipelining) is not seen; its overflow is then decided from Node's chunk alone.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';

/** The longest part of a target kept (its path, for `instance`). */
const KEPT_TARGET = 1024;
/** The longest method token looked for. */
const MAX_METHOD = 24;

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;

/** The request line of the head being parsed, as far as it arrived. */
export interface RequestHead {
  readonly method: string;
  /** The request target's path (without query), at most 1 KiB. */
  readonly path: string;
  /** Bytes of the request target so far (all of it once `lineComplete`). */
  readonly targetLength: number;
  /** Whether the request line has ended. */
  readonly lineComplete: boolean;
}

/** Per-connection state. */
interface HeadTracker {
  headsStarted: number;
  headsParsed: number;
  /** The current head was seen from its start and begins with a method. */
  known: boolean;
  /** The method has begun but its space has not arrived yet (a head in tiny pieces). */
  inMethod: boolean;
  lineOpen: boolean;
  method: string;
  /** Bytes of the request line after the method and its space (target and version). */
  afterMethod: number;
  targetStart: string;
  /** The previous chunk ended in CR (the line end may be split across chunks). */
  pendingCr: boolean;
}

const trackers = new WeakMap<Socket, HeadTracker>();

interface NodeParser {
  readonly incoming: IncomingMessage | null;
}

/** Whether the message Node's parser last started on `socket` is complete (or there is none). */
function previousMessageComplete(socket: Socket): boolean {
  const parser = (socket as Socket & { parser?: NodeParser | null }).parser;
  if (parser === null || parser === undefined) return false;
  const incoming = parser.incoming;
  return incoming === null || incoming === undefined || incoming.complete;
}

function isMethodByte(byte: number): boolean {
  return (byte >= 0x41 && byte <= 0x5a) || byte === 0x2d || byte === 0x5f;
}

/** Takes the part of the request line in `chunk[from..]`, noting where it ends if it does. */
function readLine(tracker: HeadTracker, chunk: Buffer, from: number): void {
  const lineEnd = chunk.indexOf(LF, from);
  const end = lineEnd === -1 ? chunk.length : lineEnd;
  if (tracker.targetStart.length < KEPT_TARGET && end > from) {
    tracker.targetStart += chunk.toString(
      'latin1',
      from,
      Math.min(end, from + KEPT_TARGET - tracker.targetStart.length),
    );
  }
  tracker.afterMethod += end - from;
  if (lineEnd === -1) {
    tracker.pendingCr = chunk.length > from && chunk[chunk.length - 1] === CR;
    return;
  }
  // `\r\n` ends the line; the `\r` may have come at the end of the previous chunk.
  if ((lineEnd > from && chunk[lineEnd - 1] === CR) || (lineEnd === from && tracker.pendingCr)) {
    tracker.afterMethod -= 1;
    if (tracker.targetStart.endsWith('\r')) tracker.targetStart = tracker.targetStart.slice(0, -1);
  }
  tracker.pendingCr = false;
  tracker.lineOpen = false;
}

/** A head starts in `chunk` (after any empty lines, which RFC 9112 §2.2 lets a server ignore). */
function startHead(tracker: HeadTracker, chunk: Buffer): void {
  let start = 0;
  while (start < chunk.length && (chunk[start] === CR || chunk[start] === LF)) start++;
  if (start === chunk.length) return;
  tracker.headsStarted += 1;
  tracker.targetStart = '';
  tracker.afterMethod = 0;
  tracker.pendingCr = false;
  tracker.method = '';
  tracker.known = true;
  tracker.inMethod = true;
  tracker.lineOpen = false;
  readMethod(tracker, chunk, start);
}

/** Takes the part of the method in `chunk[from..]`, and the line after its space. */
function readMethod(tracker: HeadTracker, chunk: Buffer, from: number): void {
  let end = from;
  while (end < chunk.length && isMethodByte(chunk[end] as number)) end++;
  tracker.method += chunk.toString('latin1', from, end);
  if (tracker.method.length > MAX_METHOD || (end < chunk.length && (chunk[end] !== SP || tracker.method === ''))) {
    // Not a request line idgate can read: the overflow, if any, is decided from Node's chunk.
    tracker.known = false;
    tracker.inMethod = false;
    return;
  }
  if (end === chunk.length) return;
  tracker.inMethod = false;
  tracker.lineOpen = true;
  readLine(tracker, chunk, end + 1);
}

/** Runs before Node's parser on every chunk of a connection. */
function trackChunk(this: Socket, chunk: Buffer): void {
  const tracker = trackers.get(this);
  if (tracker === undefined) return;
  if (tracker.headsStarted <= tracker.headsParsed) {
    // Node parsed every head seen (or more: heads that began inside a chunk); catch up.
    tracker.headsStarted = tracker.headsParsed;
    if (previousMessageComplete(this)) startHead(tracker, chunk);
  } else if (tracker.inMethod) {
    readMethod(tracker, chunk, 0);
  } else if (tracker.lineOpen) {
    readLine(tracker, chunk, 0);
  }
}

/** Starts tracking the request heads of a new connection. */
function trackConnection(socket: Socket): void {
  trackers.set(socket, {
    headsStarted: 0,
    headsParsed: 0,
    known: false,
    inMethod: false,
    lineOpen: false,
    method: '',
    afterMethod: 0,
    targetStart: '',
    pendingCr: false,
  });
  socket.prependListener('data', trackChunk);
}

/** Counts a head Node has parsed. */
function countParsedHead(request: IncomingMessage): void {
  const tracker = trackers.get(request.socket);
  if (tracker !== undefined) tracker.headsParsed += 1;
}

/** Tracks the request heads of every connection of `server`. */
export function trackRequestHeads(server: Server): void {
  server.on('connection', trackConnection);
  server.on('request', countParsedHead);
}

/** The request line of the head being parsed on `socket`, when it was seen from its start. */
export function requestHeadOf(socket: Socket): RequestHead | undefined {
  const tracker = trackers.get(socket);
  if (tracker === undefined || !tracker.known || tracker.inMethod || tracker.headsStarted <= tracker.headsParsed) {
    return undefined;
  }
  const lineComplete = !tracker.lineOpen;
  // A complete line ends with ` HTTP/x.y`; the target is what comes before that space.
  const versionStart = lineComplete ? tracker.targetStart.lastIndexOf(' ') : -1;
  const kept = versionStart === -1 ? tracker.targetStart : tracker.targetStart.slice(0, versionStart);
  const versionLength = lineComplete ? versionLengthOf(tracker) : 0;
  const query = kept.indexOf('?');
  const path = query === -1 ? kept : kept.slice(0, query);
  return {
    method: tracker.method,
    // Origin-form (`/…`) or absolute-form (`https://…/…`), as Fastify's `request.url`; anything else is no path.
    path: path.startsWith('/') || path.includes('://') ? path : '/',
    targetLength: tracker.afterMethod - versionLength,
    lineComplete,
  };
}

/** Bytes of ` HTTP/x.y` at the end of a complete line (when the kept start shows the whole line, exactly). */
function versionLengthOf(tracker: HeadTracker): number {
  if (tracker.targetStart.length === tracker.afterMethod) {
    const space = tracker.targetStart.lastIndexOf(' ');
    return space === -1 ? 0 : tracker.afterMethod - space;
  }
  return ' HTTP/1.1'.length;
}

/** Stops tracking `socket` (its head was answered, or it is closing). */
export function stopTrackingRequestHeads(socket: Socket): void {
  trackers.delete(socket);
  socket.removeListener('data', trackChunk);
}
