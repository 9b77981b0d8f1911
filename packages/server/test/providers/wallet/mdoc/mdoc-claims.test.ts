/**
 * Element values as JSON data (VerifiedCredential.claims) and the issuing country.
 */
import { DataItem, DateOnly } from '@owf/mdoc';
import { describe, expect, it } from 'vitest';
import {
  issuingCountryOf,
  jsonValueOf,
  UnreadableElementValue,
} from '../../../../src/providers/wallet/mdoc/mdoc-claims.js';

describe('element values', () => {
  it('full-date is YYYY-MM-DD, tdate ISO 8601, byte strings base64url', () => {
    expect(jsonValueOf(new DateOnly('2001-02-03'))).toBe('2001-02-03');
    expect(jsonValueOf(new Date('2026-12-01T08:30:00Z'))).toBe('2026-12-01T08:30:00Z');
    expect(jsonValueOf(new Date('2026-12-01T08:30:00.250Z'))).toBe('2026-12-01T08:30:00.250Z');
    expect(jsonValueOf(new Uint8Array([0xfb, 0xff, 0x00]))).toBe('-_8A');
  });

  it('keeps maps (as objects, keys as strings) and arrays, nested', () => {
    const value = new Map<unknown, unknown>([
      ['vehicle_category_code', 'B'],
      ['codes', [new Map([['code', '78']])]],
      [1, new DateOnly('1984-05-02')],
    ]);
    expect(jsonValueOf([value])).toEqual([{ vehicle_category_code: 'B', codes: [{ code: '78' }], '1': '1984-05-02' }]);
  });

  it('keeps a __proto__ key a plain key', () => {
    const result = jsonValueOf(new Map([['__proto__', { polluted: true }]])) as Record<string, unknown>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.hasOwn(result, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('integers beyond 2^53 become decimal strings, other numbers stay, non-finite ones are null', () => {
    expect(jsonValueOf(2n ** 64n)).toBe('18446744073709551616');
    expect(jsonValueOf(42n)).toBe(42);
    expect(jsonValueOf(1.5)).toBe(1.5);
    expect(jsonValueOf(Number.NaN)).toBeNull();
    expect(jsonValueOf(undefined)).toBeNull();
  });

  it('unwraps embedded CBOR (tag 24) and other tags', () => {
    expect(jsonValueOf(DataItem.fromData(new Map([['a', 1]])))).toEqual({ a: 1 });
    expect(jsonValueOf({ tag: 32, value: 'https://example.com' })).toBe('https://example.com');
  });

  it('refuses dates that are not dates', () => {
    expect(() => jsonValueOf(new Date('garbage'))).toThrow(UnreadableElementValue);
    expect(() => jsonValueOf(new DateOnly('garbage'))).toThrow(UnreadableElementValue);
  });
});

describe('issuing country', () => {
  it("prefers the DS certificate's country, then issuing_country of the mDL or PID namespace", () => {
    expect(issuingCountryOf('SE', { 'org.iso.18013.5.1': { issuing_country: 'DE' } })).toBe('SE');
    expect(issuingCountryOf(undefined, { 'org.iso.18013.5.1': { issuing_country: 'de' } })).toBe('DE');
    expect(issuingCountryOf(undefined, { 'eu.europa.ec.eudi.pid.1': { issuing_country: 'AT' } })).toBe('AT');
    expect(issuingCountryOf(undefined, { 'eu.europa.ec.eudi.pid.1': { issuing_country: 'Austria' } })).toBeUndefined();
    expect(issuingCountryOf(undefined, {})).toBeUndefined();
  });
});
