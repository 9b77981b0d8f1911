/**
 * Where idgate's normalized claims live in each credential type it asks wallets for
 * (SPEC 10, Claims), and how a verified credential maps back onto them:
 *
 * - EU PID as SD-JWT VC (`urn:eudi:pid:1` and its national subtypes; ARF Annex 3.01 PID
 *   Rulebook §4: `given_name`, `family_name`, `birthdate`, `nationalities`, `address.*`,
 *   `age_equal_or_over.18`, `email`, `phone_number`, `issuing_country`); an SD-JWT VC of
 *   another `vct` is read with the same (OpenID Connect) names;
 * - EU PID as mdoc (`eu.europa.ec.eudi.pid.1`, namespace of the same name; Rulebook §3:
 *   `birth_date`, `nationality`, `resident_*`, `age_over_18`, `email_address`,
 *   `mobile_phone_number` …);
 * - ISO/IEC 18013-5 mDL (`org.iso.18013.5.1.mDL`, namespace `org.iso.18013.5.1`).
 *
 * Paths are DCQL claims path pointers (OpenID4VP 1.0 §7): the same arrays select a claim in
 * the query and read it from `VerifiedCredential.claims`.
 */
import { createHash } from 'node:crypto';
import { MDL_DOCTYPE, PID_DOCTYPE, type WalletCredentialConfig } from '../../config/wallet-providers.js';
import type { CredentialFormat, VerifiedCredential } from './verified-credential.js';

/** The normalized claims a wallet credential can give (SPEC 4 names, plus `age_over_18`). */
export const WALLET_CLAIMS = [
  'given_name',
  'family_name',
  'birthdate',
  'nationality',
  'email',
  'phone_number',
  'address',
  'age_over_18',
] as const;

/** A claim a wallet credential can give. */
export type WalletClaim = (typeof WALLET_CLAIMS)[number];

/**
 * Claims idgate asks for in every request, whatever the app asked: every verified identity
 * carries the names (the verification service requires them), and the names with the
 * birth date make the person's stable subject (see {@link walletSubject}).
 */
export const IDENTITY_CLAIMS: readonly WalletClaim[] = ['given_name', 'family_name', 'birthdate'];

/** A DCQL claims path pointer. */
export type ClaimPath = readonly (string | number | null)[];

/** How one credential type holds the claims. */
export interface CredentialProfile {
  /** The credential query id idgate gives it (OpenID4VP 1.0 §6.1: alphanumeric, `_`, `-`). */
  readonly id: 'pid_sd_jwt' | 'pid_mdoc' | 'mdl';
  readonly format: CredentialFormat;
  /** The person family, the same for both PID encodings: part of the subject. */
  readonly family: 'eu-pid' | 'mdl';
  /** Per claim, the paths requested together for it (all of them, or the claim is missing). */
  readonly claims: Readonly<Partial<Record<WalletClaim, readonly ClaimPath[]>>>;
  /** Where the issuing country is (requested always: provenance). */
  readonly issuingCountry: ClaimPath;
}

/** The namespace of the mDL data elements. */
export const MDL_NAMESPACE = 'org.iso.18013.5.1';
/** The base `vct` of the EU PID (national PIDs extend it: `urn:eudi:pid:de:1` …). */
export const PID_VCT = 'urn:eudi:pid:1';

const SD_JWT_PROFILE: CredentialProfile = Object.freeze({
  id: 'pid_sd_jwt',
  format: 'dc+sd-jwt',
  family: 'eu-pid',
  claims: {
    given_name: [['given_name']],
    family_name: [['family_name']],
    birthdate: [['birthdate']],
    nationality: [['nationalities']],
    email: [['email']],
    phone_number: [['phone_number']],
    address: [['address']],
    age_over_18: [['age_equal_or_over', '18']],
  },
  issuingCountry: ['issuing_country'],
});

function mdocPaths(namespace: string, elements: readonly string[]): ClaimPath[] {
  return elements.map((element) => [namespace, element]);
}

const PID_MDOC_PROFILE: CredentialProfile = Object.freeze({
  id: 'pid_mdoc',
  format: 'mso_mdoc',
  family: 'eu-pid',
  claims: {
    given_name: mdocPaths(PID_DOCTYPE, ['given_name']),
    family_name: mdocPaths(PID_DOCTYPE, ['family_name']),
    birthdate: mdocPaths(PID_DOCTYPE, ['birth_date']),
    nationality: mdocPaths(PID_DOCTYPE, ['nationality']),
    email: mdocPaths(PID_DOCTYPE, ['email_address']),
    phone_number: mdocPaths(PID_DOCTYPE, ['mobile_phone_number']),
    address: mdocPaths(PID_DOCTYPE, ['resident_street', 'resident_postal_code', 'resident_city', 'resident_country']),
    age_over_18: mdocPaths(PID_DOCTYPE, ['age_over_18']),
  },
  issuingCountry: [PID_DOCTYPE, 'issuing_country'],
});

const MDL_PROFILE: CredentialProfile = Object.freeze({
  id: 'mdl',
  format: 'mso_mdoc',
  family: 'mdl',
  claims: {
    given_name: mdocPaths(MDL_NAMESPACE, ['given_name']),
    family_name: mdocPaths(MDL_NAMESPACE, ['family_name']),
    birthdate: mdocPaths(MDL_NAMESPACE, ['birth_date']),
    nationality: mdocPaths(MDL_NAMESPACE, ['nationality']),
    address: mdocPaths(MDL_NAMESPACE, [
      'resident_address',
      'resident_postal_code',
      'resident_city',
      'resident_country',
    ]),
    age_over_18: mdocPaths(MDL_NAMESPACE, ['age_over_18']),
  },
  issuingCountry: [MDL_NAMESPACE, 'issuing_country'],
});

/** The profile of a configured credential. */
export function profileOf(credential: WalletCredentialConfig): CredentialProfile {
  if (credential.format === 'dc+sd-jwt') return SD_JWT_PROFILE;
  if (credential.doctype === PID_DOCTYPE) return PID_MDOC_PROFILE;
  if (credential.doctype === MDL_DOCTYPE) return MDL_PROFILE;
  throw new RangeError(`no claim mapping for doctype ${credential.doctype}`);
}

/** The claims a set of configured credentials can give (the descriptor's `claims`). */
export function claimsOf(credentials: readonly WalletCredentialConfig[]): WalletClaim[] {
  const profiles = credentials.map(profileOf);
  return WALLET_CLAIMS.filter((claim) => profiles.some((profile) => profile.claims[claim] !== undefined));
}

/** The value at a claims path pointer (OpenID4VP 1.0 §7.1; `null` selects every array element). */
export function valueAt(claims: Readonly<Record<string, unknown>>, path: ClaimPath): unknown {
  let current: unknown = claims;
  for (const step of path) {
    if (current === undefined || current === null) return undefined;
    if (typeof step === 'string') {
      current =
        typeof current === 'object' && !Array.isArray(current) ? (current as Record<string, unknown>)[step] : undefined;
    } else if (typeof step === 'number') {
      current = Array.isArray(current) ? current[step] : undefined;
    } else {
      return Array.isArray(current) ? current : undefined;
    }
  }
  return current;
}

/** What a verified credential gives the verification: claims, missing claims, provenance. */
export interface MappedCredential {
  /** The standard claims (SPEC 4 names) the app asked for, plus the names every identity carries. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** Requested claims the credential did not disclose. */
  readonly missingClaims: readonly WalletClaim[];
  readonly provenance: {
    readonly credentialType: string;
    readonly format: CredentialFormat;
    readonly issuer: string;
    readonly issuingCountry: string | undefined;
  };
  /** The person's stable identifier (see {@link walletSubject}). */
  readonly subject: string;
}

/** The profile of a verified credential (by its format and type). */
function profileOfVerified(credential: VerifiedCredential): CredentialProfile {
  if (credential.format === 'dc+sd-jwt') return SD_JWT_PROFILE;
  return credential.credentialType === MDL_DOCTYPE ? MDL_PROFILE : PID_MDOC_PROFILE;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** A street line: street and house number, when the credential splits them. */
function streetLine(street: unknown, houseNumber: unknown): string | undefined {
  const line = [text(street), text(houseNumber)].filter(Boolean).join(' ');
  return line === '' ? undefined : line;
}

/** The OpenID Connect `address` claim (Core §5.1.1) from a credential's address data. */
function addressOf(profile: CredentialProfile, claims: Readonly<Record<string, unknown>>): unknown {
  if (profile.format === 'dc+sd-jwt') {
    const address = valueAt(claims, ['address']);
    if (typeof address !== 'object' || address === null || Array.isArray(address)) return undefined;
    const source = address as Record<string, unknown>;
    return compact({
      formatted: text(source.formatted),
      street_address: streetLine(source.street_address, source.house_number),
      locality: text(source.locality),
      region: text(source.region),
      postal_code: text(source.postal_code),
      country: text(source.country),
    });
  }
  const namespace = profile.issuingCountry[0] as string;
  const element = (name: string) => valueAt(claims, [namespace, name]);
  return compact({
    formatted: profile.id === 'pid_mdoc' ? text(element('resident_address')) : undefined,
    street_address:
      profile.id === 'pid_mdoc'
        ? streetLine(element('resident_street'), element('resident_house_number'))
        : text(element('resident_address')),
    locality: text(element('resident_city')),
    region: text(element('resident_state')),
    postal_code: text(element('resident_postal_code')),
    country: text(element('resident_country')),
  });
}

function compact(object: Record<string, string | undefined>): Record<string, string> | undefined {
  const entries = Object.entries(object).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}

/** One claim of a verified credential under its standard name (before the service normalizes it). */
function claimOf(profile: CredentialProfile, claims: Readonly<Record<string, unknown>>, claim: WalletClaim): unknown {
  const paths = profile.claims[claim];
  if (paths === undefined) return undefined;
  if (claim === 'address') return addressOf(profile, claims);
  const value = valueAt(claims, paths[0] as ClaimPath);
  if (claim === 'nationality') {
    // PID: an array of alpha-2 codes (the first one is the one idgate reports); mDL: one code.
    const first = Array.isArray(value) ? value.find((entry) => typeof entry === 'string') : value;
    return text(first);
  }
  if (claim === 'age_over_18') return typeof value === 'boolean' ? value : undefined;
  return value === null ? undefined : value;
}

/**
 * A stable identifier of the person a credential names. A PID carries no persistent
 * identifier in its mandatory data (the personal administrative number is optional and
 * national), so the subject is a hash of what identifies a person in eIDAS' minimum data
 * set: family, given names and birth date, with the issuing country and the credential
 * family (both PID encodings give the same subject). The key of the credential would not
 * do: a wallet gets a new one with every issuance.
 */
export function walletSubject(
  profile: Pick<CredentialProfile, 'family'>,
  issuingCountry: string | undefined,
  names: { readonly given_name: unknown; readonly family_name: unknown; readonly birthdate: unknown },
): string {
  const parts = [
    'wallet-subject-v1',
    profile.family,
    issuingCountry ?? '',
    String(names.family_name ?? '')
      .normalize('NFC')
      .trim(),
    String(names.given_name ?? '')
      .normalize('NFC')
      .trim(),
    String(names.birthdate ?? '').trim(),
  ];
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url');
}

/**
 * Maps a verified credential onto idgate's claims: the requested ones (and the names),
 * the requested ones it lacks, and its provenance (SPEC 10, Claims).
 */
export function mapCredential(credential: VerifiedCredential, requested: readonly string[]): MappedCredential {
  const profile = profileOfVerified(credential);
  const wanted = WALLET_CLAIMS.filter(
    (claim) => requested.includes(claim) || claim === 'given_name' || claim === 'family_name',
  );
  const claims: Record<string, unknown> = {};
  for (const claim of wanted) {
    const value = claimOf(profile, credential.claims, claim);
    if (value !== undefined) claims[claim] = value;
  }
  const missingClaims = WALLET_CLAIMS.filter((claim) => requested.includes(claim) && claims[claim] === undefined);
  const claimedCountry = text(valueAt(credential.claims, profile.issuingCountry));
  const issuingCountry = credential.issuingCountry ?? claimedCountry;
  const subject = walletSubject(profile, issuingCountry, {
    given_name: claimOf(profile, credential.claims, 'given_name'),
    family_name: claimOf(profile, credential.claims, 'family_name'),
    birthdate: claimOf(profile, credential.claims, 'birthdate'),
  });
  return {
    claims,
    missingClaims,
    provenance: {
      credentialType: credential.credentialType,
      format: credential.format,
      issuer: credential.issuer,
      issuingCountry,
    },
    subject,
  };
}
