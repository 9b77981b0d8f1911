/**
 * Where each request head on a connection begins, seen from the bytes as they are parsed,
 * so that a head Node's parser gives up on (`HPE_HEADER_OVERFLOW`, far past idgate's
 * limits) is answered exactly: 414 when its request target is over the limit, else 431,
 * with its path as `instance`. Node reports only the chunk it stopped in, which for a head
 * longer than one read starts somewhere in the middle (of the target or of a header), and
 * counts the target and the header fields against one limit; the request line itself is
 * known only here.
 *
 * Node's HTTP server reads a connection's bytes straight into its parser (the parser
 * "consumes" the socket) and calls back into JavaScript once per chunk parsed, with the
 * chunk at hand (`getCurrentBuffer`), before it raises any parse error of that chunk.
 * idgate takes that callback: a `data` listener would see the chunks too, but it makes
 * Node hand every chunk through JavaScript to its parser instead, which costs 6–16 µs on
 * every request. Most chunks cost a comparison here: a head that ends in the chunk it
 * began in (every ordinary request) is never read; only a head still open after a chunk
 * is, and of it only the request line (at most 1 KiB of its target is kept).
 *
 * A head begins on a connection's first chunk and on the first chunk after the previous
 * message is complete; it is over once Node has parsed it (its `request` event).
 * A head that starts inside a chunk behind a complete message (pipelining) is not seen;
 * its overflow is then decided from Node's chunk alone, as it is on a connection whose
 * parser does not consume the socket (none in idgate's server: `trackRequestHeads` leaves
 * such a connection untracked).
 *
 * This leans on Node's parser internals (`socket.parser`, its `kOnExecute` callback slot,
 * `getCurrentBuffer`), as Node's own server does;
 * `packages/server/test/http/request-heads.test.ts` fails on a Node whose server no longer
 * works this way.
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
  /** A head seen from its start is being parsed (Node has not handed it over yet). */
  inHead: boolean;
  /** Heads Node has parsed (its `request` events), and as many as the last chunk had seen. */
  headsParsed: number;
  headsSeen: number;
  /** The request Node parsed last, until its message is seen complete (then let go). */
  lastRequest: IncomingMessage | undefined;
  /** After the last chunk, the parser was between messages (the previous one complete). */
  betweenMessages: boolean;
  /** Tracking ended (the head was answered). */
  stopped: boolean;
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

/** What idgate reads of Node's HTTP parser (`_http_common.js`, `node_http_parser.cc`). */
interface NodeParser {
  /** The parser reads the socket itself and calls back per chunk (the server's default). */
  readonly _consumed?: boolean;
  /** A copy of the chunk being parsed, while the per-chunk callback runs. */
  getCurrentBuffer(): Buffer;
  [slot: number]: unknown;
}

/** The slot of the parser's per-chunk callback (`HTTPParser.kOnExecute`), if this Node has one. */
function executeSlotOf(parser: NodeParser): number | undefined {
  const slot = (parser.constructor as { kOnExecute?: unknown }).kOnExecute;
  return typeof slot === 'number' && typeof parser[slot] === 'function' ? slot : undefined;
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
  tracker.inHead = true;
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

/**
 * Runs once Node's parser has taken a chunk, before it reports any error in it: notes a
 * head that began in the chunk and is still open, or the request line of the open head.
 */
function noteChunk(tracker: HeadTracker, parser: NodeParser): void {
  const headParsed = tracker.headsParsed !== tracker.headsSeen;
  tracker.headsSeen = tracker.headsParsed;
  if (tracker.inHead) {
    if (headParsed) tracker.inHead = false;
    else if (tracker.inMethod) readMethod(tracker, parser.getCurrentBuffer(), 0);
    else if (tracker.lineOpen) readLine(tracker, parser.getCurrentBuffer(), 0);
  } else if (tracker.betweenMessages && !headParsed) {
    startHead(tracker, parser.getCurrentBuffer());
  }
  // Not `parser.incoming`: Node clears it once a request is answered, at a moment that
  // depends on the route; a request's own `complete` flag only ever turns true.
  tracker.betweenMessages = tracker.lastRequest === undefined || tracker.lastRequest.complete;
  if (tracker.betweenMessages) tracker.lastRequest = undefined;
}

/** Starts tracking the request heads of a new connection (Node's server set up its parser just before). */
function trackConnection(socket: Socket): void {
  const parser = (socket as Socket & { parser?: NodeParser | null }).parser;
  if (parser === null || parser === undefined || parser._consumed !== true) return;
  const slot = executeSlotOf(parser);
  if (slot === undefined || typeof parser.getCurrentBuffer !== 'function') return;
  const tracker: HeadTracker = {
    inHead: false,
    headsParsed: 0,
    headsSeen: 0,
    lastRequest: undefined,
    betweenMessages: true,
    stopped: false,
    known: false,
    inMethod: false,
    lineOpen: false,
    method: '',
    afterMethod: 0,
    targetStart: '',
    pendingCr: false,
  };
  trackers.set(socket, tracker);
  const onExecute = parser[slot] as (this: NodeParser, result: unknown) => unknown;
  parser[slot] = function onChunkParsed(this: NodeParser, result: unknown): unknown {
    if (!tracker.stopped) noteChunk(tracker, parser);
    return onExecute.call(this, result);
  };
}

/** Counts a head Node has parsed (during the chunk it ended in, before that chunk's callback). */
function countParsedHead(request: IncomingMessage): void {
  const tracker = trackers.get(request.socket);
  if (tracker === undefined) return;
  tracker.headsParsed += 1;
  tracker.lastRequest = request;
}

/** Tracks the request heads of every connection of `server`. */
export function trackRequestHeads(server: Server): void {
  server.on('connection', trackConnection);
  server.on('request', countParsedHead);
}

/** The request line of the head being parsed on `socket`, when it was seen from its start. */
export function requestHeadOf(socket: Socket): RequestHead | undefined {
  const tracker = trackers.get(socket);
  if (tracker === undefined || !tracker.inHead || !tracker.known || tracker.inMethod) {
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
  const tracker = trackers.get(socket);
  if (tracker !== undefined) tracker.stopped = true;
  trackers.delete(socket);
}
