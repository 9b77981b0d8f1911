/**
 * `request.log` is built lazily (http/request-logger.ts): a request that writes nothing at
 * the configured level never builds pino's child; one that does writes exactly the line
 * the eager child would have written, with the request id and the logger's base.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { LazyRequestLogger, lazyChildLoggerFactory } from '../../src/http/request-logger.js';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const parent = pino({ level, base: { service: 'idgate' } }, stream);
  return { parent, lines };
}

describe('the lazy request logger', () => {
  it('builds no child for lines below the level, and writes none', () => {
    const { parent, lines } = capture('warn');
    const child = vi.spyOn(parent, 'child');
    const log = lazyChildLoggerFactory(parent, { request_id: 'r1' }, {});
    log.info({ route: '/jwks' }, 'request');
    log.debug('details');
    log.trace('more');
    expect(child).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
    expect(log.level).toBe('warn');
  });

  it('writes a line at the level with the request id, the base and the fields, building the child once', () => {
    const { parent, lines } = capture('info');
    const child = vi.spyOn(parent, 'child');
    const log = lazyChildLoggerFactory(parent, { request_id: 'r2' }, {});
    log.info({ route: '/token', status: 200 }, 'request');
    log.error(new Error('boom'), 'failed');
    log.warn('plain message %s', 'formatted');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({
      level: 30,
      service: 'idgate',
      request_id: 'r2',
      route: '/token',
      status: 200,
      msg: 'request',
    });
    expect(lines[1]).toMatchObject({ level: 50, request_id: 'r2', msg: 'failed', err: { message: 'boom' } });
    expect(lines[2]).toMatchObject({ level: 40, request_id: 'r2', msg: 'plain message formatted' });
  });

  it('answers isLevelEnabled like pino, and a child of its own carries both bindings', () => {
    const { parent, lines } = capture('warn');
    const log = lazyChildLoggerFactory(parent, { request_id: 'r3' }, {}) as unknown as LazyRequestLogger;
    expect(log.isLevelEnabled('info')).toBe(false);
    expect(log.isLevelEnabled('warn')).toBe(true);
    log.child({ step: 'release' }).warn('retrying');
    expect(lines).toEqual([expect.objectContaining({ request_id: 'r3', step: 'release', msg: 'retrying' })]);
  });

  it('follows a level set on the request logger itself', () => {
    const { parent, lines } = capture('warn');
    const log = lazyChildLoggerFactory(parent, { request_id: 'r4' }, {});
    log.level = 'debug';
    log.debug('now visible');
    expect(parent.level).toBe('warn');
    expect(lines).toEqual([expect.objectContaining({ level: 20, request_id: 'r4', msg: 'now visible' })]);
  });

  it('builds pino’s child at once for a route with its own level', () => {
    const { parent, lines } = capture('warn');
    const log = lazyChildLoggerFactory(parent, { request_id: 'r5' }, { level: 'info' });
    expect(log).not.toBeInstanceOf(LazyRequestLogger);
    log.info('route level');
    expect(lines).toEqual([expect.objectContaining({ level: 30, request_id: 'r5' })]);
  });
});
