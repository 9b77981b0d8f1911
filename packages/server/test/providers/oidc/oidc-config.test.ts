/**
 * `IDGATE_OIDC_PROVIDERS` at boot, the per-app settings check, claim and acr mapping, and
 * the circuit breaker on its own (an injected clock).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIdgateError } from '@idgate/errors';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/config.js';
import { effectiveSettings, oidcSettingsProblems } from '../../../src/config/oidc-providers.js';
import { CircuitBreaker } from '../../../src/providers/circuit-breaker.js';
import { loaFromAcr, mapClaims } from '../../../src/providers/oidc/oidc-claims.js';
import { createProviderRegistry, findProvider, providersFor } from '../../../src/providers/registry.js';

const ENTRY = {
  id: 'bank-id',
  displayName: 'Bank ID',
  discoveryUrl: 'https://idp.example/realms/x',
  clientId: 'idgate',
  clientSecret: 's3cret-s3cret',
  maxLoa: 3,
};

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  return expect.fail('loadConfig accepted the configuration');
}

describe('IDGATE_OIDC_PROVIDERS', () => {
  it('defaults to none and reads a valid list (also from the config file, as a JSON array)', async () => {
    expect(loadConfig({}).oidcProviders).toEqual([]);
    const config = loadConfig({ IDGATE_OIDC_PROVIDERS: JSON.stringify([ENTRY]) });
    expect(config.oidcProviders).toEqual([ENTRY]);
    const directory = await mkdtemp(join(tmpdir(), 'idgate-oidc-config-'));
    try {
      const file = join(directory, 'config.json');
      await writeFile(file, JSON.stringify({ IDGATE_OIDC_PROVIDERS: [ENTRY] }));
      expect(loadConfig({ IDGATE_CONFIG_FILE: file }).oidcProviders).toEqual([ENTRY]);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it.each([
    ['not JSON', '[{', /must be a JSON array/],
    ['not an array', '{}', /must be a JSON array/],
    ['a missing field', JSON.stringify([{ ...ENTRY, maxLoa: undefined }]), /\[0\]\.maxLoa/],
    ['an unknown field', JSON.stringify([{ ...ENTRY, issuer: 'x' }]), /\[0\]/],
    [
      'a bad discovery URL',
      JSON.stringify([{ ...ENTRY, discoveryUrl: 'ftp://x' }]),
      /\[0\]\.discoveryUrl must use https/,
    ],
    ['a mock id', JSON.stringify([{ ...ENTRY, id: 'mock-bank' }]), /\[0\]\.id must not start with mock-/],
    ['a duplicate id', JSON.stringify([ENTRY, ENTRY]), /\[1\]\.id bank-id is used twice/],
    ['a secret without id', JSON.stringify([{ ...ENTRY, clientId: undefined }]), /clientSecret needs clientId/],
    ['defaultLoa above maxLoa', JSON.stringify([{ ...ENTRY, defaultLoa: 4 }]), /defaultLoa must not be above maxLoa/],
    ['an acr above maxLoa', JSON.stringify([{ ...ENTRY, acrMapping: { high: 5 } }]), /acrMapping\["high"\]/],
    [
      'an unknown token endpoint auth method',
      JSON.stringify([{ ...ENTRY, tokenEndpointAuthMethod: 'tls_client_auth' }]),
      /\[0\]\.tokenEndpointAuthMethod must be one of client_secret_basic, client_secret_post, private_key_jwt, none/,
    ],
    [
      'a secret with private_key_jwt',
      JSON.stringify([{ ...ENTRY, tokenEndpointAuthMethod: 'private_key_jwt' }]),
      /\[0\]\.clientSecret is not used with tokenEndpointAuthMethod private_key_jwt/,
    ],
    [
      'client_secret_post without a secret',
      JSON.stringify([{ ...ENTRY, clientSecret: undefined, tokenEndpointAuthMethod: 'client_secret_post' }]),
      /\[0\]\.clientSecret is required with tokenEndpointAuthMethod client_secret_post/,
    ],
    [
      'an unknown pushedAuthorization',
      JSON.stringify([{ ...ENTRY, pushedAuthorization: 'sometimes' }]),
      /\[0\]\.pushedAuthorization must be one of auto, always, never/,
    ],
    [
      'an unknown requestObject',
      JSON.stringify([{ ...ENTRY, requestObject: 'encrypted' }]),
      /\[0\]\.requestObject must be one of none, signed, signed-encrypted/,
    ],
    [
      'an unknown responseMode',
      JSON.stringify([{ ...ENTRY, responseMode: 'form_post' }]),
      /\[0\]\.responseMode must be one of query, jwt/,
    ],
    [
      'idTokenEncryption without enc',
      JSON.stringify([{ ...ENTRY, idTokenEncryption: { alg: 'ECDH-ES' } }]),
      /\[0\]\.idTokenEncryption\.enc/,
    ],
    [
      'a userinfoEncryption alg the RP encryption key cannot decrypt',
      JSON.stringify([{ ...ENTRY, userinfoEncryption: { alg: 'RSA-OAEP-256', enc: 'A256GCM' } }]),
      /\[0\]\.userinfoEncryption\.alg RSA-OAEP-256 does not fit idgate's RP encryption key \(IDGATE_RP_ENCRYPTION_ALG is ECDH-ES\)/,
    ],
  ])('refuses %s, naming the variable', (_name, raw, message) => {
    const error = configError({ IDGATE_OIDC_PROVIDERS: raw });
    expect(error.variable).toBe('IDGATE_OIDC_PROVIDERS');
    expect(error.message).toMatch(/^Invalid configuration: IDGATE_OIDC_PROVIDERS /);
    expect(error.message).toMatch(message);
  });

  it('reads the security profile fields, and an encryption alg that fits IDGATE_RP_ENCRYPTION_ALG', () => {
    const profile = {
      ...ENTRY,
      clientSecret: undefined,
      tokenEndpointAuthMethod: 'private_key_jwt',
      pushedAuthorization: 'always',
      requestObject: 'signed-encrypted',
      responseMode: 'jwt',
      idTokenEncryption: { enc: 'A256GCM' },
      userinfoEncryption: { alg: 'RSA-OAEP-256', enc: 'A128CBC-HS256' },
    };
    const raw = JSON.stringify([profile]);
    const config = loadConfig({ IDGATE_OIDC_PROVIDERS: raw, IDGATE_RP_ENCRYPTION_ALG: 'RSA-OAEP-256' });
    expect(config.oidcProviders).toEqual([JSON.parse(raw)[0]]);
    expect(config.rpEncryptionAlg).toBe('RSA-OAEP-256');
    expect(config.rpSigningAlg).toBe('ES256');
    expect(config.rpKeyGraceSeconds).toBe(604_800);
    const error = configError({ IDGATE_RP_SIGNING_ALG: 'RS256' });
    expect(error.message).toBe("Invalid configuration: IDGATE_RP_SIGNING_ALG must be one of ES256, PS256, got 'RS256'");
  });

  it('requires https in production', () => {
    const raw = JSON.stringify([{ ...ENTRY, discoveryUrl: 'http://idp.example' }]);
    expect(loadConfig({ IDGATE_OIDC_PROVIDERS: raw }).oidcProviders).toHaveLength(1);
    const error = configError({ IDGATE_ENV: 'production', IDGATE_OIDC_PROVIDERS: raw });
    expect(error.message).toMatch(/must use https in production/);
  });

  it('offers the upstream providers in both environments, after the sandbox mocks', () => {
    for (const environment of ['sandbox', 'production'] as const) {
      const config = loadConfig({ IDGATE_ENV: environment, IDGATE_OIDC_PROVIDERS: JSON.stringify([ENTRY]) });
      const ids = providersFor(config).map((provider) => provider.id);
      expect(ids.at(-1)).toBe('bank-id');
      expect(ids.includes('mock-redirect')).toBe(environment === 'sandbox');
      expect(createProviderRegistry(config).get('bank-id')?.descriptor).toMatchObject({
        name: 'Bank ID',
        flowTypes: ['redirect'],
        maxLoa: 3,
        sandboxOnly: false,
        settings: ['clientId', 'clientSecret', 'scopes', 'claimMapping', 'acrMapping'],
      });
      // An environment alone means the mocks only.
      expect(findProvider(environment, 'bank-id')).toBeUndefined();
    }
  });
});

describe('per-app settings', () => {
  const provider = { ...ENTRY, maxLoa: 3 };

  it('checks shape, pairing and levels', () => {
    expect(oidcSettingsProblems({ clientId: 'own', clientSecret: 'x' }, provider)).toEqual([]);
    expect(oidcSettingsProblems({ clientSecret: 'x' }, provider).map((problem) => problem.name)).toEqual([
      'settings.clientSecret',
    ]);
    expect(oidcSettingsProblems({ clientId: 'own', clientSecret: '********' }, provider)[0]?.reason).toMatch(/masked/);
    expect(oidcSettingsProblems({ acrMapping: { high: 4 } }, provider)[0]?.name).toBe('settings.acrMapping.high');
    expect(oidcSettingsProblems({ scopes: 'openid' }, provider)[0]?.name).toBe('settings.scopes');
  });

  it("an app's own client id never takes the instance's secret; openid is always asked", () => {
    expect(effectiveSettings(provider, {})).toMatchObject({ clientId: 'idgate', clientSecret: 's3cret-s3cret' });
    expect(effectiveSettings(provider, { clientId: 'own' })).toMatchObject({
      clientId: 'own',
      clientSecret: undefined,
    });
    expect(effectiveSettings(provider, { scopes: ['profile'] }).scopes).toEqual(['openid', 'profile']);
  });
});

describe('claim and acr mapping', () => {
  it('maps upstream names, keeps standard ones, drops protocol claims', () => {
    expect(
      mapClaims({ sub: 'u1', nonce: 'n', given_name: 'A', surname: 'B', acr: 'x' }, { surname: 'family_name' }),
    ).toEqual({ given_name: 'A', surname: 'B', family_name: 'B' });
  });

  it('reads acr through the mapping, then urn:idgate:loa:N, then the default, never above the maximum', () => {
    const options = { acrMapping: { 'urn:eidas:high': 4, 'urn:eidas:low': 2 }, defaultLoa: 1, maxLoa: 3 };
    expect(loaFromAcr('urn:eidas:low', options)).toBe(2);
    expect(loaFromAcr('urn:eidas:high', options)).toBe(3);
    expect(loaFromAcr('urn:idgate:loa:3', options)).toBe(3);
    expect(loaFromAcr('urn:idgate:loa:5', options)).toBe(3);
    expect(loaFromAcr('something-else', options)).toBe(1);
    expect(loaFromAcr(undefined, options)).toBe(1);
  });
});

describe('CircuitBreaker', () => {
  function setup() {
    let now = Date.parse('2026-11-22T10:30:00Z');
    const breaker = new CircuitBreaker('bank-id', {
      failureThreshold: 2,
      cooldownMs: 10_000,
      clock: () => new Date(now),
    });
    const fail = () =>
      breaker
        .run(
          () => Promise.reject(new Error('down')),
          () => true,
        )
        .catch((error: unknown) => error);
    const succeed = () =>
      breaker.run(
        () => Promise.resolve('ok'),
        () => true,
      );
    return { breaker, fail, succeed, advance: (ms: number) => (now += ms) };
  }

  it('opens after the threshold, fails fast with Retry-After, half-opens after the cool-down, closes on success', async () => {
    const { breaker, fail, succeed, advance } = setup();
    expect(breaker.health()).toBe('operational');
    await fail();
    expect(breaker.health()).toBe('degraded');
    await fail();
    expect(breaker.health()).toBe('unavailable');
    advance(4_000);
    const refused = await fail();
    expect(isIdgateError(refused) && refused.code).toBe('PROVIDER_UNAVAILABLE');
    expect(isIdgateError(refused) && refused.headers['retry-after']).toBe('6');
    expect(() => breaker.check()).toThrow();
    advance(6_000);
    expect(breaker.state()).toBe('half-open');
    expect(breaker.health()).toBe('degraded');
    expect(await succeed()).toBe('ok');
    expect(breaker.state()).toBe('closed');
    expect(breaker.health()).toBe('operational');
  });

  it('a failed trial opens it again at once; a refusal (not a failure) counts as the provider being up', async () => {
    const { breaker, fail, advance } = setup();
    await fail();
    await fail();
    advance(10_000);
    await fail();
    expect(breaker.state()).toBe('open');
    advance(10_000);
    await breaker
      .run(
        () => Promise.reject(new Error('401')),
        () => false,
      )
      .catch(() => undefined);
    expect(breaker.state()).toBe('closed');
  });
});
