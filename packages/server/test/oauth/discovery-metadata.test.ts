/**
 * The constants behind the discovery document that the authorize and token routes share:
 * `acr` values ↔ levels of assurance (SPEC 4: `urn:idgate:loa:1…5`) and token lifetimes.
 */
import { describe, expect, it } from 'vitest';
import { ACR_PREFIX, acrForLoa, isLoa, loaFromAcr } from '../../src/domain/loa.js';
import { ACR_VALUES_SUPPORTED, buildDiscoveryMetadata } from '../../src/oauth/oidc-metadata.js';
import { PREVIOUS_KEY_PUBLISH_SECONDS } from '../../src/tokens/signing-keys.js';
import {
  ACCESS_TOKEN_TTL_SECONDS,
  AUTHORIZATION_CODE_TTL_SECONDS,
  ID_TOKEN_TTL_SECONDS,
  REFRESH_TOKEN_TTL_SECONDS,
} from '../../src/tokens/token-lifetimes.js';

describe('levels of assurance and acr values', () => {
  it('maps each level to urn:idgate:loa:N and back', () => {
    expect(ACR_PREFIX).toBe('urn:idgate:loa:');
    for (const loa of [1, 2, 3, 4, 5]) {
      expect(acrForLoa(loa)).toBe(`urn:idgate:loa:${loa}`);
      expect(loaFromAcr(`urn:idgate:loa:${loa}`)).toBe(loa);
      expect(isLoa(loa)).toBe(true);
    }
    expect(ACR_VALUES_SUPPORTED).toEqual([1, 2, 3, 4, 5].map((loa) => `urn:idgate:loa:${loa}`));
  });

  it.each([
    'urn:idgate:loa:0',
    'urn:idgate:loa:6',
    'urn:idgate:loa:03',
    'urn:idgate:loa:3.0',
    'urn:idgate:loa: 3',
    'urn:idgate:loa:',
    'URN:IDGATE:LOA:3',
    'urn:idgate:loa:3 ',
    'http://eidas.europa.eu/LoA/high',
    '3',
    '',
  ])('%j names no level', (acr) => {
    expect(loaFromAcr(acr)).toBeUndefined();
  });

  it.each([0, 6, 2.5, Number.NaN, -1])('acrForLoa(%s) is a programming error', (loa) => {
    expect(isLoa(loa)).toBe(false);
    expect(() => acrForLoa(loa)).toThrow(RangeError);
  });
});

describe('token lifetimes', () => {
  it('keeps codes short-lived and outlives ID tokens with the previous signing key', () => {
    expect(AUTHORIZATION_CODE_TTL_SECONDS).toBe(60);
    expect(ACCESS_TOKEN_TTL_SECONDS).toBe(600);
    expect(REFRESH_TOKEN_TTL_SECONDS).toBe(30 * 24 * 3600);
    expect(ID_TOKEN_TTL_SECONDS).toBe(600);
    expect(PREVIOUS_KEY_PUBLISH_SECONDS).toBeGreaterThan(ID_TOKEN_TTL_SECONDS);
  });

  it('builds every URL of the document from the issuer it is given', () => {
    const metadata = buildDiscoveryMetadata('https://id.example');
    const urls = Object.entries(metadata).filter(([, value]) => typeof value === 'string' && value.startsWith('http'));
    expect(urls.map(([name]) => name).sort()).toEqual([
      'authorization_endpoint',
      'introspection_endpoint',
      'issuer',
      'jwks_uri',
      'pushed_authorization_request_endpoint',
      'revocation_endpoint',
      'service_documentation',
      'token_endpoint',
      'userinfo_endpoint',
    ]);
    for (const [, url] of urls) expect(String(url).startsWith('https://id.example')).toBe(true);
  });
});
