/**
 * Claim normalization (SPEC 4): one form for every provider, and every problem listed.
 */
import { describe, expect, it } from 'vitest';
import { claimsForScopes, isCountryCode, missingClaimsOf, normalizeClaims } from '../../src/verification/claims.js';

const NOW = new Date('2026-11-22T10:30:00.000Z');

describe('claims: normalization', () => {
  it('rewrites every standard claim into its one form', () => {
    const { claims, problems } = normalizeClaims(
      {
        given_name: '  Åsa \u00a0Maria ',
        family_name: 'Lindqvist',
        birthdate: '19850307',
        nationality: 'se',
        email: 'Astrid.Lindqvist@Example.COM',
        email_verified: 'true',
        phone_number: '0046 (70) 123-45.67',
        phone_number_verified: false,
        address: { street_address: 'Storgatan 1', locality: 'Stockholm', postal_code: '111 22', country: 'se' },
        shoe_size: 42,
      },
      NOW,
    );
    expect(problems).toEqual([]);
    expect(claims).toEqual({
      given_name: 'Åsa Maria',
      family_name: 'Lindqvist',
      birthdate: '1985-03-07',
      nationality: 'SE',
      email: 'Astrid.Lindqvist@example.com',
      email_verified: true,
      phone_number: '+46701234567',
      phone_number_verified: false,
      address: {
        street_address: 'Storgatan 1',
        locality: 'Stockholm',
        postal_code: '111 22',
        country: 'SE',
        formatted: 'Storgatan 1\n111 22 Stockholm\nSE',
      },
    });
  });

  it('keeps values already in form, composes no formatted address when one is given, and keeps a country name', () => {
    const { claims, problems } = normalizeClaims(
      {
        birthdate: '2000-02-29',
        email: 'x@bücher.example',
        phone_number: '+4930123456',
        address: { formatted: 'Unter den Linden 1\n10117 Berlin', country: 'Germany' },
      },
      NOW,
    );
    expect(problems).toEqual([]);
    expect(claims).toEqual({
      birthdate: '2000-02-29',
      email: 'x@xn--bcher-kva.example',
      phone_number: '+4930123456',
      address: { formatted: 'Unter den Linden 1\n10117 Berlin', country: 'Germany' },
    });
  });

  it('lists every claim that cannot be normalized', () => {
    const { problems } = normalizeClaims(
      {
        given_name: '   ',
        family_name: 42,
        birthdate: '1990-02-30',
        nationality: 'Sweden',
        email: 'not-an-email',
        email_verified: 'yes',
        phone_number: '070 123',
        address: { country: 'zz', locality: '' },
      },
      NOW,
    );
    expect(problems).toEqual([
      { name: 'given_name', reason: 'must not be empty' },
      { name: 'family_name', reason: 'must be a string' },
      { name: 'birthdate', reason: 'is not a calendar date' },
      { name: 'nationality', reason: 'must be an ISO 3166-1 alpha-2 country code' },
      { name: 'email', reason: 'must be an email address' },
      { name: 'email_verified', reason: 'must be a boolean' },
      { name: 'phone_number', reason: 'must be an international phone number (E.164)' },
      { name: 'address.locality', reason: 'must not be empty' },
      { name: 'address.country', reason: 'must be an ISO 3166-1 alpha-2 country code' },
    ]);
  });

  it.each([
    ['1985-3-7', 'must be a date as YYYY-MM-DD'],
    ['07.03.1985', 'must be a date as YYYY-MM-DD'],
    ['1850-01-01', 'is not a plausible birthdate'],
    ['2027-01-01', 'is not a plausible birthdate'],
    ['2026-13-01', 'is not a calendar date'],
  ])('birthdate %s: %s', (birthdate, reason) => {
    expect(normalizeClaims({ birthdate }, NOW).problems).toEqual([{ name: 'birthdate', reason }]);
  });

  it.each([['+0123456789'], ['+1234'], ['+1234567890123456'], ['46701234567'], ['+46 70 ABC']])(
    'phone number %s is not E.164',
    (phone_number) => {
      expect(normalizeClaims({ phone_number }, NOW).problems).toHaveLength(1);
    },
  );

  it('a name with a control character is refused', () => {
    expect(normalizeClaims({ given_name: 'A\u0007B' }, NOW).problems).toEqual([
      { name: 'given_name', reason: 'must not contain control characters' },
    ]);
  });

  it('verified flags are kept only beside their claim', () => {
    expect(normalizeClaims({ email_verified: true, phone_number_verified: true }, NOW).claims).toEqual({});
  });

  it('country codes are ISO 3166-1 alpha-2 (plus XK)', () => {
    for (const code of ['SE', 'DE', 'US', 'XK']) expect(isCountryCode(code)).toBe(true);
    for (const code of ['ZZ', 'EU', 'UK', 'se', 'SWE']) expect(isCountryCode(code)).toBe(false);
  });
});

describe('claims: requested and missing', () => {
  it('scopes ask for their claims (OpenID Connect Core §5.4), in standard order', () => {
    expect(claimsForScopes(['openid'])).toEqual([]);
    expect(claimsForScopes(['address', 'openid', 'profile', 'email', 'phone', 'offline_access'])).toEqual([
      'given_name',
      'family_name',
      'birthdate',
      'nationality',
      'email',
      'phone_number',
      'address',
    ]);
  });

  it('missing claims are the requested ones the claims lack', () => {
    expect(missingClaimsOf(['given_name', 'email', 'address'], { given_name: 'A' })).toEqual(['email', 'address']);
  });
});
