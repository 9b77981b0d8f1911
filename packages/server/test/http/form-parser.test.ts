/**
 * The form parser's fast path gives exactly what the WHATWG urlencoded parser gives
 * (URLSearchParams, without its query-string `?` stripping), for ordinary OAuth bodies and
 * for every awkward shape: escapes that are not UTF-8, bare `%`, `+`, empty sequences,
 * names without `=`, repeated names, and non-ASCII text.
 */
import { describe, expect, it } from 'vitest';
import { type FormBody, parseForm, parseQueryString } from '../../src/http/body-parsers.js';
import { malformedParametersOf } from '../../src/http/parameter-encoding.js';

/** What the standard parser makes of the text, in parseForm's shape. */
function reference(text: string): FormBody {
  const body: FormBody = Object.create(null) as FormBody;
  for (const [name, value] of new URLSearchParams(`?${text}`)) {
    const existing = body[name];
    if (existing === undefined) body[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else body[name] = [existing, value];
  }
  return body;
}

const CASES = [
  '',
  'grant_type=client_credentials&scope=verifications+providers',
  'token=at_AbC-_0123456789&token_type_hint=access_token',
  'a=1&a=2&a=3',
  'a&b=&=c&&&d==e',
  '?a=1',
  'redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1%26y%3D2',
  'name=J%C3%BCrgen+M%C3%BCller&emoji=%F0%9F%98%80',
  'bad=%ZZ&ok=1',
  'bare=%&x=%2',
  'notutf8=%FF%FE&ok=%41',
  'surrogate=%ED%A0%80',
  'overlong=%C0%AF',
  'plus=%2B+%2b',
  'raw=Jürgen Müller&tab=a\tb',
  'a%3Db=c%26d',
  '&&a=1&&',
  'x=1&x=%ZZ',
];

describe('parseForm', () => {
  it.each(CASES)('parses %j exactly as the WHATWG parser', (text) => {
    expect(parseForm(text)).toEqual(reference(text));
  });

  it('parses random texts over the awkward alphabet exactly as the WHATWG parser', () => {
    const alphabet = ['a', 'b', '=', '&', '+', '%', '2', 'B', 'F', 'C', '3', 'A', '9', 'ü', ' ', '?', 'E', 'D'];
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let i = 0; i < 5000; i++) {
      let text = '';
      const length = next() % 24;
      for (let j = 0; j < length; j++) text += alphabet[next() % alphabet.length];
      expect(parseForm(text), text).toEqual(reference(text));
    }
  });

  it('keeps a repeated parameter as the array of its values, in order', () => {
    expect(parseForm('scope=a&scope=b+c')).toEqual(Object.assign(Object.create(null), { scope: ['a', 'b c'] }));
  });

  it('returns an object without a prototype, so a parameter named __proto__ is just a parameter', () => {
    const body = parseForm('__proto__=x&constructor=y');
    expect(Object.getPrototypeOf(body)).toBeNull();
    expect(Object.getOwnPropertyDescriptor(body, '__proto__')?.value).toBe('x');
    expect(body.constructor).toBe('y');
  });
});

describe('malformed percent-encoding', () => {
  it.each([
    ['bad=%ZZ&ok=1', ['bad']],
    ['bare=%&x=%2', ['bare', 'x']],
    ['notutf8=%FF%FE&ok=%41', ['notutf8']],
    ['surrogate=%ED%A0%80', ['surrogate']],
    ['overlong=%C0%AF', ['overlong']],
    ['x=1&x=%ZZ', ['x']],
    ['na%ZZme=v', ['na%ZZme']],
    ['%FF=v', ['\uFFFD']],
  ] as const)('notes the parameters of %j whose name or value is malformed', (text, names) => {
    expect(malformedParametersOf(parseForm(text))).toEqual(names);
    expect(malformedParametersOf(parseQueryString(text))).toEqual(names);
  });

  it.each([
    '',
    'grant_type=client_credentials&scope=verifications+providers',
    'name=J%C3%BCrgen+M%C3%BCller&emoji=%F0%9F%98%80',
    'plus=%2B+%2b',
    'raw=Jürgen Müller',
  ])('notes nothing for %j', (text) => {
    expect(malformedParametersOf(parseForm(text))).toEqual([]);
  });
});
