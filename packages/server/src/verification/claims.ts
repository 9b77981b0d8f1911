/**
 * Normalized claims (SPEC 4): whatever a provider sends, an app reads the OpenID standard
 * claims in one form — `birthdate` `YYYY-MM-DD`, `nationality` ISO 3166-1 alpha-2 in
 * upper case, `phone_number` E.164, `email` with a lower-cased (ASCII) domain, names
 * trimmed and NFC-normalized. Data that cannot be brought into that form is refused, not
 * passed on: every problem is listed.
 */
import { domainToASCII } from 'node:url';
import type { FieldProblem } from '@idgate/errors';
import type { NormalizedAddress, NormalizedClaims } from '../domain/claims.js';
import { STANDARD_CLAIMS, type StandardClaim } from '../domain/claims.js';

/** Claims every verified identity carries; a result without them is `VALIDATION_MISSING_USER_DATA`. */
export const REQUIRED_IDENTITY_CLAIMS: readonly StandardClaim[] = ['given_name', 'family_name'];

/** The claims each OpenID scope asks for (OpenID Connect Core §5.4; `nationality` goes with `profile`). */
export const SCOPE_CLAIMS: Readonly<Record<string, readonly StandardClaim[]>> = Object.freeze({
  profile: ['given_name', 'family_name', 'birthdate', 'nationality'],
  email: ['email'],
  phone: ['phone_number'],
  address: ['address'],
});

/** The claims an `/authorize` request asks for through its scopes, in standard order. */
export function claimsForScopes(scopes: readonly string[]): StandardClaim[] {
  const wanted = new Set(scopes.flatMap((scope) => SCOPE_CLAIMS[scope] ?? []));
  return STANDARD_CLAIMS.filter((claim) => wanted.has(claim));
}

/** Requested claims the normalized claims do not carry. */
export function missingClaimsOf(requested: readonly string[], claims: NormalizedClaims): string[] {
  return requested.filter((claim) => (claims as Readonly<Record<string, unknown>>)[claim] === undefined);
}

/** ISO 3166-1 alpha-2, officially assigned, plus `XK` (Kosovo, user-assigned and used by the EU). */
const COUNTRY_CODES: ReadonlySet<string> = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
    'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO ' +
    'FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE ' +
    'JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO ' +
    'MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW ' +
    'PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM ' +
    'TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK'
  ).split(' '),
);

/** Whether a string is an ISO 3166-1 alpha-2 code (upper case). */
export function isCountryCode(value: string): boolean {
  return COUNTRY_CODES.has(value);
}

const CONTROL = /\p{Cc}/u;
const MAX_TEXT = 256;

/** Collects problems while normalizing. */
class Problems {
  readonly list: FieldProblem[] = [];
  add(name: string, reason: string): undefined {
    this.list.push({ name, reason });
    return undefined;
  }
}

/** A name or address part: trimmed, inner whitespace collapsed, NFC; 1–256 characters. */
function normalizeText(value: unknown, name: string, problems: Problems): string | undefined {
  if (typeof value !== 'string') return problems.add(name, 'must be a string');
  const text = value.normalize('NFC').trim().replace(/\s+/g, ' ');
  if (text.length === 0) return problems.add(name, 'must not be empty');
  if (text.length > MAX_TEXT) return problems.add(name, `must be at most ${MAX_TEXT} characters`);
  if (CONTROL.test(text)) return problems.add(name, 'must not contain control characters');
  return text;
}

/** OpenID Connect Core §5.1: `birthdate` is `YYYY-MM-DD`; `YYYYMMDD` is accepted and rewritten. */
function normalizeBirthdate(value: unknown, name: string, problems: Problems, now: Date): string | undefined {
  if (typeof value !== 'string') return problems.add(name, 'must be a string');
  const match = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(value.trim());
  if (!match) return problems.add(name, 'must be a date as YYYY-MM-DD');
  const [, year, month, day] = match as unknown as [string, string, string, string];
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const iso = `${year}-${month}-${day}`;
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== iso) {
    return problems.add(name, 'is not a calendar date');
  }
  if (Number(year) < 1900 || date.getTime() > now.getTime()) return problems.add(name, 'is not a plausible birthdate');
  return iso;
}

/** ISO 3166-1 alpha-2, upper case. */
function normalizeCountry(value: unknown, name: string, problems: Problems): string | undefined {
  if (typeof value !== 'string') return problems.add(name, 'must be a string');
  const code = value.trim().toUpperCase();
  if (!isCountryCode(code)) return problems.add(name, 'must be an ISO 3166-1 alpha-2 country code');
  return code;
}

/** The local part as given; the domain lower-cased and in ASCII (IDNA). */
function normalizeEmail(value: unknown, name: string, problems: Problems): string | undefined {
  if (typeof value !== 'string') return problems.add(name, 'must be a string');
  const text = value.trim();
  const at = text.lastIndexOf('@');
  const local = text.slice(0, at);
  const domain = at > 0 ? domainToASCII(text.slice(at + 1).toLowerCase()) : '';
  const validLocal = local.length > 0 && local.length <= 64 && /^[\x21-\x7e]+$/.test(local) && !local.includes('@');
  const validDomain =
    domain.length <= 253 && /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/.test(domain);
  if (!validLocal || !validDomain) return problems.add(name, 'must be an email address');
  return `${local}@${domain}`;
}

/** E.164: `+`, then 7–15 digits; spaces, dashes, dots and parentheses are dropped, `00` becomes `+`. */
function normalizePhone(value: unknown, name: string, problems: Problems): string | undefined {
  if (typeof value !== 'string') return problems.add(name, 'must be a string');
  let digits = value.trim().replace(/[\s\-.()/]/g, '');
  if (digits.startsWith('00')) digits = `+${digits.slice(2)}`;
  if (!/^\+[1-9]\d{6,14}$/.test(digits)) return problems.add(name, 'must be an international phone number (E.164)');
  return digits;
}

function normalizeBoolean(value: unknown, name: string, problems: Problems): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  return problems.add(name, 'must be a boolean');
}

function normalizeAddress(value: unknown, problems: Problems): NormalizedAddress | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return problems.add('address', 'must be an object');
  }
  const source = value as Readonly<Record<string, unknown>>;
  const address: {
    formatted?: string;
    street_address?: string;
    locality?: string;
    postal_code?: string;
    country?: string;
  } = {};
  for (const part of ['street_address', 'locality', 'postal_code'] as const) {
    if (source[part] === undefined) continue;
    const text = normalizeText(source[part], `address.${part}`, problems);
    if (text !== undefined) address[part] = text;
  }
  if (source.country !== undefined) {
    // OpenID allows a country name; a two-letter value must be a valid code and is upper-cased.
    const text = normalizeText(source.country, 'address.country', problems);
    if (text !== undefined && /^[A-Za-z]{2}$/.test(text)) {
      const code = normalizeCountry(text, 'address.country', problems);
      if (code !== undefined) address.country = code;
    } else if (text !== undefined) {
      address.country = text;
    }
  }
  if (source.formatted !== undefined) {
    if (typeof source.formatted !== 'string' || source.formatted.trim() === '') {
      problems.add('address.formatted', 'must be a non-empty string');
    } else {
      address.formatted = source.formatted.normalize('NFC').trim();
    }
  } else {
    const cityLine = [address.postal_code, address.locality].filter(Boolean).join(' ');
    const lines = [address.street_address, cityLine, address.country].filter(Boolean);
    if (lines.length > 0) address.formatted = lines.join('\n');
  }
  return Object.keys(address).length > 0 ? address : undefined;
}

/** The outcome of {@link normalizeClaims}. */
export interface NormalizedResult {
  readonly claims: NormalizedClaims;
  /** Every claim that could not be normalized (empty when all is well). */
  readonly problems: readonly FieldProblem[];
}

/**
 * Normalizes claims given under the standard names. Unknown claims are left out (they stay
 * in the provenance's raw claims); `email_verified` and `phone_number_verified` are kept
 * only beside their claim.
 */
export function normalizeClaims(input: Readonly<Record<string, unknown>>, now: Date): NormalizedResult {
  const problems = new Problems();
  const claims: { -readonly [K in keyof NormalizedClaims]: NormalizedClaims[K] | undefined } = {};
  if (input.given_name !== undefined) claims.given_name = normalizeText(input.given_name, 'given_name', problems);
  if (input.family_name !== undefined) claims.family_name = normalizeText(input.family_name, 'family_name', problems);
  if (input.birthdate !== undefined) claims.birthdate = normalizeBirthdate(input.birthdate, 'birthdate', problems, now);
  if (input.nationality !== undefined)
    claims.nationality = normalizeCountry(input.nationality, 'nationality', problems);
  if (input.email !== undefined) {
    claims.email = normalizeEmail(input.email, 'email', problems);
    if (input.email_verified !== undefined) {
      claims.email_verified = normalizeBoolean(input.email_verified, 'email_verified', problems);
    }
  }
  if (input.phone_number !== undefined) {
    claims.phone_number = normalizePhone(input.phone_number, 'phone_number', problems);
    if (input.phone_number_verified !== undefined) {
      claims.phone_number_verified = normalizeBoolean(input.phone_number_verified, 'phone_number_verified', problems);
    }
  }
  if (input.address !== undefined) claims.address = normalizeAddress(input.address, problems);
  if (input.age_over_18 !== undefined)
    claims.age_over_18 = normalizeBoolean(input.age_over_18, 'age_over_18', problems);
  const defined = Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
  return { claims: defined as NormalizedClaims, problems: problems.list };
}
