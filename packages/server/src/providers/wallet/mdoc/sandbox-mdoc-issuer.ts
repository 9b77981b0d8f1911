/**
 * The sandbox test issuer's mdoc side (SPEC 10, Sandbox): issues EU PIDs
 * (`eu.europa.ec.eudi.pid.1`) and mDLs (`org.iso.18013.5.1.mDL`) with the mdoc library,
 * signed by a fresh document signer (DS) certificate under a given IACA (the sandbox CA,
 * whose key and certificate the sandbox test issuer owns), bound to a given device key.
 *
 * The variants of the sandbox test identities that concern issuance are made here:
 * `expired` (validity in the past), `untrusted` (signed under an IACA of its own that no
 * provider trusts), `tampered` (issuerAuth signature broken), `no-address` (no
 * `resident_*` elements). `wrong-nonce` is the presenter's (sandbox-mdoc-presenter.ts).
 */
import { Buffer } from 'node:buffer';
import { createPrivateKey, webcrypto } from 'node:crypto';
import { CoseKey, DateOnly, DeviceKey, Issuer, IssuerAuth, IssuerSigned, SignatureAlgorithm } from '@owf/mdoc';
import { MDOC_CRYPTO } from './mdoc-crypto.js';
import { x509 } from './x509.js';

type JsonWebKey = webcrypto.JsonWebKey;

/** The EU PID doctype and namespace (ARF Annex 3.01 PID Rulebook, chapter 3). */
export const PID_DOCTYPE = 'eu.europa.ec.eudi.pid.1';
/** The ISO/IEC 18013-5 mDL doctype. */
export const MDL_DOCTYPE = 'org.iso.18013.5.1.mDL';
/** The ISO/IEC 18013-5 mDL namespace. */
export const MDL_NAMESPACE = 'org.iso.18013.5.1';

/** The doctypes the sandbox issues. */
export type SandboxMdocDoctype = typeof PID_DOCTYPE | typeof MDL_DOCTYPE;

/**
 * How a sandbox mdoc differs from a good one, named like the sandbox test identities.
 * The issuer makes `expired`, `untrusted`, `tampered` and `no-address`; the presenter
 * makes `wrong-nonce`; each ignores the others.
 */
export type SandboxMdocVariant = 'success' | 'no-address' | 'expired' | 'untrusted' | 'tampered' | 'wrong-nonce';

/** Every variant, in documentation order. */
export const SANDBOX_MDOC_VARIANTS: readonly SandboxMdocVariant[] = Object.freeze([
  'success',
  'no-address',
  'expired',
  'untrusted',
  'tampered',
  'wrong-nonce',
]);

/**
 * A certificate and its private key (EC P-256, P-384 or P-521), both PEM (the key PKCS #8):
 * the shape in which the sandbox test issuer keeps its CA and issuer certificates.
 */
export interface SandboxCertificate {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

/** What to issue. */
export interface IssueSandboxMdocInput {
  readonly doctype: SandboxMdocDoctype;
  /** The IACA (the sandbox CA) the DS certificate is issued under. */
  readonly iaca: SandboxCertificate;
  /** The holder's device key (public JWK, EC or OKP) the MSO binds the mdoc to. */
  readonly devicePublicKey: JsonWebKey;
  readonly now: Date;
  readonly variant?: SandboxMdocVariant;
  /**
   * The elements of the doctype's namespace, instead of the sandbox person's. Values are
   * CBOR-encoded as given: a `Date` is a `tdate`, {@link fullDate} a `full-date`, a
   * `Uint8Array` a byte string.
   */
  readonly elements?: Readonly<Record<string, unknown>>;
  /**
   * The document signer to sign with, instead of a new one: a certificate issued by `iaca`
   * that may sign (from {@link createSandboxDocumentSigner}, or the sandbox issuer
   * certificate). Ignored by the `untrusted` variant.
   */
  readonly documentSigner?: SandboxCertificate;
}

/** An issued sandbox mdoc. */
export interface SandboxMdoc {
  readonly doctype: SandboxMdocDoctype;
  /** base64url of the CBOR `IssuerSigned` (as OpenID4VCI delivers an mdoc). */
  readonly issuerSigned: string;
  /** The DS certificate (PEM). */
  readonly documentSigner: string;
}

const DAY_MS = 86_400_000;

/** ISO 18013-5 Annex B.1.4: the extended key usage of a DS certificate (id-mdl-kp-mdlDS). */
const MDL_DS_EXTENDED_KEY_USAGE = '1.0.18013.5.1.2';

/** A `full-date` element value (RFC 8943, tag 1004) from `YYYY-MM-DD`. */
export function fullDate(isoDate: string): DateOnly {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(isoDate)) throw new RangeError(`not a YYYY-MM-DD date: ${isoDate}`);
  return new DateOnly(isoDate);
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * DAY_MS);
}

/** The sandbox person (the mock providers' full person) as PID elements. */
function pidElements(country: string, now: Date): Record<string, unknown> {
  return {
    family_name: 'Lindqvist',
    given_name: 'Astrid',
    birth_date: fullDate('1985-03-07'),
    place_of_birth: { country: 'SE', locality: 'Uppsala' },
    nationality: ['SE'],
    resident_address: 'Storgatan 1, 111 22 Stockholm',
    resident_street: 'Storgatan',
    resident_house_number: '1',
    resident_postal_code: '111 22',
    resident_city: 'Stockholm',
    resident_country: 'SE',
    email_address: 'astrid.lindqvist@example.com',
    mobile_phone_number: '+46701234567',
    age_over_18: true,
    issuing_authority: 'idgate sandbox',
    issuing_country: country,
    document_number: 'SBX-PID-0001',
    issuance_date: fullDate(isoDay(now)),
    expiry_date: fullDate(isoDay(addDays(now, 5 * 365))),
  };
}

/** The sandbox person as mDL elements (ISO 18013-5 §7.2.1). */
function mdlElements(country: string, now: Date): Record<string, unknown> {
  return {
    family_name: 'Lindqvist',
    given_name: 'Astrid',
    birth_date: fullDate('1985-03-07'),
    issue_date: fullDate(isoDay(now)),
    expiry_date: fullDate(isoDay(addDays(now, 10 * 365))),
    issuing_country: country,
    issuing_authority: 'idgate sandbox',
    document_number: 'SBX-MDL-0001',
    portrait: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]),
    driving_privileges: [
      {
        vehicle_category_code: 'B',
        issue_date: fullDate('2005-06-01'),
        expiry_date: fullDate(isoDay(addDays(now, 3650))),
      },
    ],
    un_distinguishing_sign: 'S',
    nationality: 'SE',
    resident_address: 'Storgatan 1, 111 22 Stockholm',
    resident_city: 'Stockholm',
    resident_postal_code: '111 22',
    resident_country: 'SE',
    age_over_18: true,
  };
}

function withoutAddress(elements: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(elements).filter(function notAddress([identifier]) {
      return !identifier.startsWith('resident_');
    }),
  );
}

const P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** WebCrypto names of the curves a sandbox key may be on, and the hash ECDSA uses with each. */
const CURVES: Readonly<Record<string, { readonly namedCurve: string; readonly hash: string }>> = {
  prime256v1: { namedCurve: 'P-256', hash: 'SHA-256' },
  secp384r1: { namedCurve: 'P-384', hash: 'SHA-384' },
  secp521r1: { namedCurve: 'P-521', hash: 'SHA-512' },
};

function pemOf(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${base64.replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

async function exported(keys: webcrypto.CryptoKeyPair, certificate: x509.X509Certificate): Promise<SandboxCertificate> {
  return {
    certificatePem: certificate.toString('pem'),
    privateKeyPem: pemOf('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)),
  };
}

/** A PKCS #8 EC private key as a WebCrypto signing key, and the ECDSA parameters to sign with. */
async function signingKeyOf(privateKeyPem: string) {
  const key = createPrivateKey(privateKeyPem);
  const curve = CURVES[String(key.asymmetricKeyDetails?.namedCurve)];
  if (key.asymmetricKeyType !== 'ec' || curve === undefined) {
    throw new TypeError('the IACA key must be an EC P-256, P-384 or P-521 private key');
  }
  const der = key.export({ format: 'der', type: 'pkcs8' });
  const signingKey = await webcrypto.subtle.importKey(
    'pkcs8',
    der,
    { name: 'ECDSA', namedCurve: curve.namedCurve },
    false,
    ['sign'],
  );
  return { signingKey, signingAlgorithm: { name: 'ECDSA', hash: curve.hash } };
}

/**
 * A self-signed IACA certificate (ISO 18013-5 Annex B.1.2 profile: CA, path length 0,
 * certificate and CRL signing) with a new P-256 key, valid from a day before `now` for ten
 * years. For tests, benchmarks and the `untrusted` variant; the sandbox's own CA belongs
 * to the sandbox test issuer.
 */
export async function createSandboxIaca(options: {
  readonly now: Date;
  readonly commonName?: string;
  readonly country?: string;
}): Promise<SandboxCertificate> {
  const keys = await webcrypto.subtle.generateKey(P256, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: [
      { C: [options.country ?? 'SE'] },
      { O: ['idgate sandbox'] },
      { CN: [options.commonName ?? 'idgate sandbox IACA'] },
    ],
    keys,
    notBefore: addDays(options.now, -1),
    notAfter: addDays(options.now, 3650),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return await exported(keys, certificate);
}

let untrustedIaca: Promise<SandboxCertificate> | undefined;

/** The IACA of the `untrusted` variant: made once per process, configured nowhere. */
function untrustedIacaFor(now: Date): Promise<SandboxCertificate> {
  untrustedIaca ??= createSandboxIaca({ now, commonName: 'idgate sandbox untrusted IACA' });
  return untrustedIaca;
}

/**
 * A document signer under `iaca` (ISO 18013-5 Annex B.1.4 profile: digital signature, the
 * mdlDS extended key usage, the IACA's country) with a new P-256 key, valid from 90 days
 * before `now` for a year.
 */
export async function createSandboxDocumentSigner(iaca: SandboxCertificate, now: Date): Promise<SandboxCertificate> {
  const iacaCertificate = new x509.X509Certificate(iaca.certificatePem);
  const country = iacaCertificate.subjectName.getField('C')[0] ?? 'SE';
  const keys = await webcrypto.subtle.generateKey(P256, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.create({
    subject: [{ C: [country] }, { O: ['idgate sandbox'] }, { CN: ['idgate sandbox document signer'] }],
    issuer: iacaCertificate.subjectName,
    publicKey: keys.publicKey,
    ...(await signingKeyOf(iaca.privateKeyPem)),
    notBefore: addDays(now, -90),
    notAfter: addDays(now, 365),
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([MDL_DS_EXTENDED_KEY_USAGE], true),
      await x509.AuthorityKeyIdentifierExtension.create(iacaCertificate),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return await exported(keys, certificate);
}

/** A document signer's certificate, COSE signing key and country (`C`, default `SE`). */
function documentSignerOf(signer: SandboxCertificate) {
  const certificate = new x509.X509Certificate(signer.certificatePem);
  const jwk = createPrivateKey(signer.privateKeyPem).export({ format: 'jwk' });
  return {
    certificate,
    signingKey: CoseKey.fromJwk(jwk as Record<string, unknown>),
    country: certificate.subjectName.getField('C')[0] ?? 'SE',
  };
}

function validityOf(variant: SandboxMdocVariant, now: Date) {
  if (variant === 'expired')
    return { signed: addDays(now, -60), validFrom: addDays(now, -60), validUntil: addDays(now, -1) };
  return { signed: now, validFrom: now, validUntil: addDays(now, 30) };
}

/** The same IssuerSigned with its issuerAuth signature broken (one byte flipped). */
function withBrokenSignature(issuerSigned: IssuerSigned): IssuerSigned {
  const auth = issuerSigned.issuerAuth;
  const signature = Uint8Array.from(auth.signature);
  signature[signature.length - 1]! ^= 0xff;
  const broken = IssuerAuth.fromDecodedStructure({
    protected: auth.protectedHeaders,
    unprotected: auth.unprotectedHeaders,
    payload: auth.payload,
    signature,
  });
  return IssuerSigned.create({ issuerNamespaces: issuerSigned.issuerNamespaces, issuerAuth: broken });
}

/** Issues a sandbox mdoc. */
export async function issueSandboxMdoc(input: IssueSandboxMdocInput): Promise<SandboxMdoc> {
  const variant = input.variant ?? 'success';
  const signer = documentSignerOf(
    variant === 'untrusted'
      ? await createSandboxDocumentSigner(await untrustedIacaFor(input.now), input.now)
      : (input.documentSigner ?? (await createSandboxDocumentSigner(input.iaca, input.now))),
  );
  const isPid = input.doctype === PID_DOCTYPE;
  const person = isPid ? pidElements(signer.country, input.now) : mdlElements(signer.country, input.now);
  const elements = input.elements ?? (variant === 'no-address' ? withoutAddress(person) : person);
  const issuer = new Issuer(input.doctype, MDOC_CRYPTO).addIssuerNamespace(
    isPid ? PID_DOCTYPE : MDL_NAMESPACE,
    elements,
  );
  const issuerSigned = await issuer.sign({
    signingKey: signer.signingKey,
    algorithm: SignatureAlgorithm.ES256,
    digestAlgorithm: 'SHA-256',
    validityInfo: validityOf(variant, input.now),
    deviceKeyInfo: { deviceKey: DeviceKey.fromJwk(input.devicePublicKey as Record<string, unknown>) },
    certificates: [new Uint8Array(signer.certificate.rawData)],
  });
  const issued = variant === 'tampered' ? withBrokenSignature(issuerSigned) : issuerSigned;
  return {
    doctype: input.doctype,
    issuerSigned: issued.encodedForOid4Vci,
    documentSigner: signer.certificate.toString('pem'),
  };
}
