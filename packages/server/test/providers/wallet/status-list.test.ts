/**
 * The token status list cache on its own (an injected time): a list is fetched once,
 * shared by concurrent checks, kept until its `ttl` (or `exp`) runs out and then fetched
 * again; a list of another issuer, for another URI, expired or unreachable is
 * PROVIDER_UNAVAILABLE.
 */
import { isIdgateError } from '@idgate/errors';
import { beforeAll, describe, expect, it } from 'vitest';
import { StatusListCache, StatusListUnreachable } from '../../../src/providers/wallet/status-list.js';
import { IssuerTrust } from '../../../src/providers/wallet/trust/issuer-trust.js';
import { statusListToken, type TestCertificate, testCertificate } from './holder.js';

const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const URI = 'https://issuer.test/status/7';

let issuer: TestCertificate;
let stranger: TestCertificate;
let trust: IssuerTrust;

beforeAll(async () => {
  const ca = await testCertificate({ name: 'C=NL, CN=Status CA', ca: true });
  issuer = await testCertificate({ name: 'C=NL, CN=Status issuer', issuer: ca, ca: false });
  const otherCa = await testCertificate({ name: 'C=XX, CN=Other CA', ca: true });
  stranger = await testCertificate({ name: 'C=XX, CN=Other issuer', issuer: otherCa, ca: false });
  trust = new IssuerTrust({ trustAnchors: [ca.pem], trustedIssuers: [] });
});

async function failure(promise: Promise<unknown>): Promise<{ code: string; check: unknown }> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!isIdgateError(error)) throw new Error(`expected an IdgateError, got ${String(error)}`);
  return { code: error.code, check: (error.debug as { check?: unknown }).check };
}

describe('the status list cache', () => {
  it('fetches once for concurrent checks and keeps the list for its ttl (600 s)', async () => {
    let fetches = 0;
    const token = await statusListToken({
      uri: URI,
      statuses: { 2: 1 },
      signer: { privateJwk: issuer.privateJwk, x5c: [issuer.der] },
      now: NOW,
    });
    const cache = new StatusListCache({
      trust,
      fetcher: {
        async fetchStatusList(uri) {
          fetches += 1;
          expect(uri).toBe(URI);
          return token;
        },
      },
    });
    await Promise.all([cache.check({ uri: URI, idx: 0 }, NOW), cache.check({ uri: URI, idx: 1 }, NOW)]);
    expect(fetches).toBe(1);
    expect(await failure(cache.check({ uri: URI, idx: 2 }, NOW))).toEqual({
      code: 'PROVIDER_CREDENTIAL_REVOKED',
      check: 'status',
    });
    await cache.check({ uri: URI, idx: 0 }, new Date(NOW.getTime() + 599_000));
    expect(fetches).toBe(1);
    await cache.check({ uri: URI, idx: 0 }, new Date(NOW.getTime() + 601_000));
    expect(fetches).toBe(2);
  });

  it('is PROVIDER_UNAVAILABLE for a list it cannot use', async () => {
    const foreign = await statusListToken({
      uri: URI,
      statuses: {},
      signer: { privateJwk: stranger.privateJwk, x5c: [stranger.der] },
      now: NOW,
    });
    const otherUri = await statusListToken({
      uri: 'https://issuer.test/status/8',
      statuses: {},
      signer: { privateJwk: issuer.privateJwk, x5c: [issuer.der] },
      now: NOW,
    });
    const cases: [string, () => Promise<string>][] = [
      ['unreachable', async () => Promise.reject(new StatusListUnreachable('timeout'))],
      ['not a JWT', async () => 'garbage'],
      ['signed by an untrusted issuer', async () => foreign],
      ['for another list (sub)', async () => otherUri],
    ];
    for (const [name, fetchStatusList] of cases) {
      const cache = new StatusListCache({ trust, fetcher: { fetchStatusList } });
      expect(await failure(cache.check({ uri: URI, idx: 0 }, NOW)), name).toEqual({
        code: 'PROVIDER_UNAVAILABLE',
        check: 'status-list',
      });
    }
    const short = new StatusListCache({
      trust,
      fetcher: {
        fetchStatusList: () =>
          statusListToken({
            uri: URI,
            statuses: {},
            signer: { privateJwk: issuer.privateJwk, x5c: [issuer.der] },
            now: NOW,
          }),
      },
    });
    expect(await failure(short.check({ uri: URI, idx: 64 }, NOW))).toEqual({
      code: 'PROVIDER_UNAVAILABLE',
      check: 'status-list',
    });
  });
});
