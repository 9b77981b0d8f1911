/**
 * The per-request logger (Fastify's `childLoggerFactory`). Every request gets
 * `request.log`, pino's child logger with the request id bound (`request_id`, SPEC 8);
 * but most requests write nothing at the configured level (`warn` by default, and the
 * access line is `info`), and building a pino child is a good part of what a cheap
 * answer (discovery, JWKS) costs. So the child is built the first time the request
 * writes a line its level lets through, or asks for a child of its own; a request that
 * logs nothing never builds one. What is written is exactly what the eager child would
 * have written: same bindings, same options, same level.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level } from 'pino';

/** The parent logger as pino is: with `isLevelEnabled`. */
type ParentLogger = FastifyBaseLogger & { isLevelEnabled(level: string): boolean };

/** `request.log`: pino's child of the instance logger, built on first use. */
export class LazyRequestLogger {
  readonly #parent: ParentLogger;
  readonly #bindings: Bindings;
  readonly #options: ChildLoggerOptions;
  #child: FastifyBaseLogger | undefined;

  constructor(parent: ParentLogger, bindings: Bindings, options: ChildLoggerOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  /** The child, built now if it was not yet. */
  #logger(): FastifyBaseLogger {
    if (this.#child === undefined) this.#child = this.#parent.child(this.#bindings, this.#options);
    return this.#child;
  }

  get level(): string {
    return this.#child?.level ?? this.#parent.level;
  }

  set level(level: string) {
    this.#logger().level = level;
  }

  /** Whether a line at `level` would be written (the child's own level once it has one). */
  isLevelEnabled(level: string): boolean {
    const child = this.#child as ParentLogger | undefined;
    return child === undefined ? this.#parent.isLevelEnabled(level) : child.isLevelEnabled(level);
  }

  fatal(...line: unknown[]): void {
    this.#write('fatal', line);
  }

  error(...line: unknown[]): void {
    this.#write('error', line);
  }

  warn(...line: unknown[]): void {
    this.#write('warn', line);
  }

  info(...line: unknown[]): void {
    this.#write('info', line);
  }

  debug(...line: unknown[]): void {
    this.#write('debug', line);
  }

  trace(...line: unknown[]): void {
    this.#write('trace', line);
  }

  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#logger().child(bindings, options);
  }

  #write(level: Level, line: unknown[]): void {
    if (!this.isLevelEnabled(level)) return;
    const logger = this.#logger();
    (logger[level] as (...args: unknown[]) => void).apply(logger, line);
  }
}

/**
 * Fastify's `childLoggerFactory`: a {@link LazyRequestLogger}, or pino's child at once when
 * the route sets its own level (the lazy one answers `isLevelEnabled` from the parent).
 */
export function lazyChildLoggerFactory(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  if (options.level !== undefined) return logger.child(bindings, options);
  return new LazyRequestLogger(logger as ParentLogger, bindings, options) as unknown as FastifyBaseLogger;
}
