/**
 * `postSigned` against real receivers on 127.0.0.1: with `deny`, a host that is, or
 * resolves to, an address that is not public is refused before any connection (the
 * receiver gets nothing), whatever the name resolves to alongside it; with `allow` the
 * same receiver gets the signed POST. What `postSigned` always did still holds: the
 * headers and signature, no redirects followed, the answer cut at MAX_RESPONSE_BYTES,
 * the whole exchange bounded by the timeout, network errors classified, certificates
 * verified. DNS answers for made-up names come from a stub of `node:dns` `lookup`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { checkedLookup, MAX_RESPONSE_BYTES, postSigned, type SignedPost } from '../../src/hooks/outbound-post.js';
import { json, type Receiver, startReceiver } from './receiver.js';

/** Answers of the stubbed resolver, by name; other names resolve for real (`localhost`). */
const fakeDns = vi.hoisted(() => ({
  answers: new Map<string, { address: string; family: number }[]>(),
  asked: [] as string[],
}));

vi.mock('node:dns', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:dns')>();
  function lookup(hostname: string, options: unknown, callback: (...args: unknown[]) => void) {
    fakeDns.asked.push(hostname);
    const answer = fakeDns.answers.get(hostname);
    if (answer === undefined) return (real.lookup as (...args: unknown[]) => void)(hostname, options, callback);
    setImmediate(() => callback(null, answer));
  }
  return { ...real, lookup };
});

const SECRET = 'whsec_outbound_post_test_secret_0123456789';

describe('postSigned', () => {
  let receiver: Receiver;
  let port: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    receiver.secret = SECRET;
    port = new URL(receiver.url).port;
  });
  afterAll(async () => {
    await receiver?.close();
  });
  beforeEach(() => {
    receiver.received.length = 0;
    receiver.respond = json(200, { ok: true });
    fakeDns.answers.clear();
    fakeDns.asked.length = 0;
  });

  function post(url: string, privateNetworks: 'allow' | 'deny', extra: Partial<SignedPost> = {}) {
    return postSigned({
      url,
      body: JSON.stringify({ hello: 'world' }),
      secret: SECRET,
      timeoutMs: 2000,
      now: new Date(),
      privateNetworks,
      ...extra,
    });
  }

  describe('deny', () => {
    it.each([
      [
        'a name resolving to loopback',
        () => `http://localhost:${port}/hook`,
        /^localhost resolves to (127\.0\.0\.1|::1), which is not a public address$/,
      ],
      ['an IPv4 literal', () => `http://127.0.0.1:${port}/hook`, /^127\.0\.0\.1 is not a public address$/],
      [
        'an IPv4-mapped IPv6 literal',
        () => `http://[::ffff:127.0.0.1]:${port}/hook`,
        /^::ffff:7f00:1 is not a public address$/,
      ],
      ['a decimal IPv4 host', () => `http://2130706433:${port}/hook`, /^127\.0\.0\.1 is not a public address$/],
      ['https to loopback', () => `https://localhost:${port}/hook`, /^localhost resolves to/],
    ])('refuses %s, and nothing reaches the receiver', async (_what, url, message) => {
      const result = await post(url(), 'deny');
      expect(result).toMatchObject({ kind: 'refused' });
      if (result.kind !== 'refused') throw new Error('not refused');
      expect(result.message).toMatch(message);
      expect(result.durationMs).toBeGreaterThanOrEqual(0);
      expect(receiver.received).toHaveLength(0);
    });

    it('refuses a name when any of its addresses is not public (a public one beside it does not help)', async () => {
      fakeDns.answers.set('mixed.hooks.test', [
        { address: '93.184.216.34', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ]);
      const result = await post(`http://mixed.hooks.test:${port}/hook`, 'deny');
      expect(result).toMatchObject({
        kind: 'refused',
        message: 'mixed.hooks.test resolves to 127.0.0.1, which is not a public address',
      });
      expect(fakeDns.asked).toEqual(['mixed.hooks.test']);
      expect(receiver.received).toHaveLength(0);
    });

    it.each([
      ['cloud metadata', '169.254.169.254', 4],
      ['a private network', '10.1.2.3', 4],
      ['IPv6 loopback', '::1', 6],
      ['an IPv4-mapped loopback', '::ffff:127.0.0.1', 6],
      ['NAT64 of a private address', '64:ff9b::a00:1', 6],
    ])('refuses a name that resolves to %s', async (_what, address, family) => {
      fakeDns.answers.set('inside.hooks.test', [{ address, family }]);
      const result = await post(`http://inside.hooks.test:${port}/hook`, 'deny');
      expect(result).toMatchObject({ kind: 'refused' });
      expect(receiver.received).toHaveLength(0);
    });

    it('a name that does not resolve is a network error, not a refusal', async () => {
      const result = await post('http://does-not-exist.invalid/hook', 'deny');
      expect(result).toMatchObject({ kind: 'network' });
    });
  });

  describe('checkedLookup (what the socket connects to)', () => {
    function lookup(hostname: string, options: { all?: boolean; family?: number }) {
      return new Promise<{ error: NodeJS.ErrnoException | null; address: unknown; family: unknown }>((resolve) => {
        checkedLookup(hostname, options, (error, address, family) => resolve({ error, address, family }));
      });
    }

    it('hands the socket exactly the checked addresses: all of them, or the first', async () => {
      const answer = [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
      ];
      fakeDns.answers.set('public.hooks.test', answer);
      expect(await lookup('public.hooks.test', { all: true })).toEqual({
        error: null,
        address: answer,
        family: undefined,
      });
      expect(await lookup('public.hooks.test', {})).toEqual({ error: null, address: '93.184.216.34', family: 4 });
    });

    it('fails with IDGATE_ADDRESS_REFUSED when an address is not public, and for an empty answer', async () => {
      fakeDns.answers.set('rebound.hooks.test', [
        { address: '93.184.216.34', family: 4 },
        { address: 'fd00::1', family: 6 },
      ]);
      const refused = await lookup('rebound.hooks.test', { all: true });
      expect(refused.error?.code).toBe('IDGATE_ADDRESS_REFUSED');
      expect(refused.error?.message).toBe('rebound.hooks.test resolves to fd00::1, which is not a public address');
      fakeDns.answers.set('empty.hooks.test', []);
      expect((await lookup('empty.hooks.test', {})).error?.message).toBe('empty.hooks.test resolves to no address');
    });
  });

  describe('allow', () => {
    it('the same receiver gets the signed JSON POST, with every header', async () => {
      const result = await post(`http://localhost:${port}/hook?x=1`, 'allow', {
        headers: { 'idgate-event-id': 'evt_1' },
      });
      expect(result).toMatchObject({
        kind: 'answered',
        status: 200,
        contentType: 'application/json',
        body: '{"ok":true}',
      });
      expect(receiver.received).toHaveLength(1);
      const [call] = receiver.received;
      expect(call?.method).toBe('POST');
      expect(call?.path).toBe('/hook?x=1');
      expect(call?.rawBody).toBe('{"hello":"world"}');
      expect(call?.signatureValid).toBe(true);
      expect(call?.headers).toMatchObject({
        'content-type': 'application/json',
        'user-agent': 'idgate-hooks/1',
        'content-length': '17',
        'idgate-event-id': 'evt_1',
        host: `localhost:${port}`,
      });
    });

    it('an IP literal is called directly', async () => {
      const result = await post(`http://127.0.0.1:${port}/hook`, 'allow');
      expect(result).toMatchObject({ kind: 'answered', status: 200 });
      expect(receiver.received).toHaveLength(1);
    });

    it('a redirect is an answer, not followed', async () => {
      receiver.respond = (_request, response) =>
        response.writeHead(302, { location: `http://127.0.0.1:${port}/elsewhere` }).end();
      const result = await post(receiver.url, 'allow');
      expect(result).toMatchObject({ kind: 'answered', status: 302, body: '' });
      expect(receiver.received.map((call) => call.path)).toEqual(['/hook']);
    });

    it(`reads at most ${MAX_RESPONSE_BYTES} bytes of the answer`, async () => {
      receiver.respond = (_request, response) => {
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.end('a'.repeat(MAX_RESPONSE_BYTES * 3));
      };
      const result = await post(receiver.url, 'allow');
      expect(result.kind).toBe('answered');
      if (result.kind !== 'answered') throw new Error('not answered');
      expect(result.body).toHaveLength(MAX_RESPONSE_BYTES);
    });

    it('bounds the whole exchange: no answer, or an answer that stops half-way, is a timeout', async () => {
      receiver.respond = () => undefined;
      let started = Date.now();
      expect(await post(receiver.url, 'allow', { timeoutMs: 300 })).toMatchObject({ kind: 'timeout' });
      expect(Date.now() - started).toBeLessThan(1500);
      receiver.respond = (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"allow":');
      };
      started = Date.now();
      expect(await post(receiver.url, 'allow', { timeoutMs: 300 })).toMatchObject({ kind: 'timeout' });
      expect(Date.now() - started).toBeLessThan(1500);
    });

    it('a port nobody listens on and a dropped connection are network errors', async () => {
      expect(await post('http://127.0.0.1:1/hook', 'allow')).toMatchObject({
        kind: 'network',
        message: 'ECONNREFUSED',
      });
      receiver.respond = (_request, response) => response.destroy();
      expect(await post(receiver.url, 'allow')).toMatchObject({ kind: 'network' });
    });
  });

  describe('https', () => {
    let server: HttpsServer;
    let directory: string;
    let received = 0;

    beforeAll(async () => {
      // A self-signed certificate for localhost, made here and trusted by nothing.
      directory = mkdtempSync(path.join(tmpdir(), 'idgate-tls-'));
      const key = path.join(directory, 'key.pem');
      const cert = path.join(directory, 'cert.pem');
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          key,
          '-out',
          cert,
          '-days',
          '2',
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=DNS:localhost,IP:127.0.0.1',
        ],
        { stdio: 'ignore' },
      );
      server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_request, response) => {
        received++;
        response.writeHead(200).end('{}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      server?.closeAllConnections();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      if (directory) rmSync(directory, { recursive: true, force: true });
    });

    it('verifies the certificate (a self-signed one is a network error, nothing is posted)', async () => {
      const { port: tlsPort } = server.address() as AddressInfo;
      const result = await post(`https://localhost:${tlsPort}/hook`, 'allow');
      expect(result).toMatchObject({ kind: 'network', message: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
      expect(received).toBe(0);
    });
  });
});
