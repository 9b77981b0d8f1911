/**
 * `at_hash` / `c_hash` (OpenID Connect Core §3.1.3.6, §3.3.2.11) for each signing
 * algorithm, checked against the examples of the specification.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { oidcTokenHash, tokenHashAlgorithm } from '../../src/security/token-hash.js';

describe('at_hash and c_hash', () => {
  it('matches the RS256 examples of OpenID Connect Core (Appendix A.3, A.4)', () => {
    expect(oidcTokenHash('jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y', 'RS256')).toBe('77QmUPtjPfzWtF2AnpK9RQ');
    expect(oidcTokenHash('Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk', 'RS256')).toBe(
      'LDktKdoQak3Pk0cnXxCltA',
    );
  });

  it('uses SHA-256 for RS256 and ES256, SHA-512 for EdDSA (Ed25519), left half, base64url', () => {
    expect(tokenHashAlgorithm('RS256')).toBe('sha256');
    expect(tokenHashAlgorithm('ES256')).toBe('sha256');
    expect(tokenHashAlgorithm('EdDSA')).toBe('sha512');
    const token = 'at_example-token';
    expect(oidcTokenHash(token, 'ES256')).toBe(oidcTokenHash(token, 'RS256'));
    const sha512 = createHash('sha512').update(token).digest();
    expect(oidcTokenHash(token, 'EdDSA')).toBe(sha512.subarray(0, 32).toString('base64url'));
    expect(oidcTokenHash(token, 'EdDSA')).toHaveLength(43);
    expect(oidcTokenHash(token, 'RS256')).toHaveLength(22);
  });
});
