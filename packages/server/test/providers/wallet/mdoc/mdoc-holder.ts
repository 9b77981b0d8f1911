/**
 * An independent mdoc issuer and holder for the tests, written with `@owf/mdoc`,
 * `@peculiar/x509` and `node:crypto` directly — not with idgate's sandbox issuer or
 * presenter, nor idgate's crypto callbacks — so the verifier is checked against
 * presentations it did not make itself, including broken ones.
 */
import 'reflect-metadata';
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, verify, webcrypto } from 'node:crypto';
import {
  CoseKey,
  cborDecode,
  cborEncode,
  DataItem,
  DateOnly,
  DeviceAuth,
  DeviceAuthentication,
  DeviceKey,
  DeviceKeyInfo,
  DeviceMac,
  DeviceNamespaces,
  DeviceRequest,
  DeviceResponse,
  DeviceSignature,
  DeviceSigned,
  DocRequest,
  Document,
  Issuer,
  IssuerAuth,
  IssuerNamespaces,
  IssuerSigned,
  IssuerSignedItem,
  ItemsRequest,
  type MdocContext,
  MobileSecurityObject,
  ProtectedHeaders,
  SessionTranscript,
  SignatureAlgorithm,
  UnprotectedHeaders,
  ValidityInfo,
  ValueDigests,
} from '@owf/mdoc';
import * as x509 from '@peculiar/x509';

export const PID = 'eu.europa.ec.eudi.pid.1';
export const MDL = 'org.iso.18013.5.1.mDL';
export const MDL_NS = 'org.iso.18013.5.1';

const DAY = 86_400_000;
/** The verifier's clock in these tests. */
export const NOW = new Date('2026-12-07T10:00:00Z');

export function days(n: number, from: Date = NOW): Date {
  return new Date(from.getTime() + n * DAY);
}

type Jwk = Record<string, unknown>;

function defined(jwk: Record<string, unknown>): Jwk {
  return Object.fromEntries(Object.entries(jwk).filter(([, value]) => value !== undefined));
}

/** The holder's own crypto for the library (ES256 only, which is all it uses). */
const HOLDER_CONTEXT: Pick<MdocContext, 'crypto' | 'cose'> = {
  crypto: {
    random: (length) => new Uint8Array(randomBytes(length)),
    digest: ({ bytes }) => new Uint8Array(createHash('sha256').update(bytes).digest()),
    calculateEphemeralMacKey: () => {
      throw new Error('the test holder makes no MAC');
    },
  },
  cose: {
    sign1: {
      sign: ({ toBeSigned, key }) =>
        new Uint8Array(
          sign('sha256', toBeSigned, {
            key: createPrivateKey({ key: defined(key.jwk) as never, format: 'jwk' }),
            dsaEncoding: 'ieee-p1363',
          }),
        ),
      verify: ({ key, sign1 }) =>
        verify(
          'sha256',
          sign1.toBeSigned,
          { key: createPublicKey({ key: defined(key.jwk) as never, format: 'jwk' }), dsaEncoding: 'ieee-p1363' },
          sign1.signature,
        ),
    },
    mac0: {
      sign: () => {
        throw new Error('the test holder makes no MAC');
      },
      verify: () => false,
    },
  },
};

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ES256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

export interface TestCa {
  readonly certificate: x509.X509Certificate;
  readonly pem: string;
  readonly keys: webcrypto.CryptoKeyPair;
}

/** A self-signed IACA. */
export async function createIaca(
  options: { name?: string; notBefore?: Date; notAfter?: Date; pathLength?: number } = {},
): Promise<TestCa> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: options.name ?? 'C=DE, O=Test Issuer, CN=Test IACA',
    keys: keys as never,
    notBefore: options.notBefore ?? days(-365),
    notAfter: options.notAfter ?? days(3650),
    signingAlgorithm: ES256,
    extensions: [
      new x509.BasicConstraintsExtension(true, options.pathLength ?? 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { certificate, pem: certificate.toString('pem'), keys };
}

export interface TestSigner extends TestCa {
  readonly signingKey: CoseKey;
}

/** A certificate issued by `issuer` (a DS certificate, or an intermediate CA with `ca`). */
export async function createCertificate(
  issuer: TestCa,
  options: { name?: string; notBefore?: Date; notAfter?: Date; ca?: boolean; keyUsage?: x509.KeyUsageFlags } = {},
): Promise<TestSigner> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const extensions: x509.Extension[] = [
    new x509.KeyUsagesExtension(
      options.keyUsage ?? (options.ca ? x509.KeyUsageFlags.keyCertSign : x509.KeyUsageFlags.digitalSignature),
      true,
    ),
  ];
  if (options.ca) extensions.push(new x509.BasicConstraintsExtension(true, 0, true));
  const certificate = await x509.X509CertificateGenerator.create({
    subject: options.name ?? 'C=DE, O=Test Issuer, CN=Test Document Signer',
    issuer: issuer.certificate.subject,
    publicKey: keys.publicKey as never,
    signingKey: issuer.keys.privateKey as never,
    notBefore: options.notBefore ?? days(-30),
    notAfter: options.notAfter ?? days(365),
    signingAlgorithm: ES256,
    extensions,
  });
  const signingKey = CoseKey.fromJwk((await webcrypto.subtle.exportKey('jwk', keys.privateKey)) as Jwk);
  return { certificate, pem: certificate.toString('pem'), keys, signingKey };
}

export interface DeviceKeys {
  readonly publicJwk: Jwk;
  readonly privateJwk: Jwk;
}

export async function createDeviceKey(): Promise<DeviceKeys> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  return {
    publicJwk: (await webcrypto.subtle.exportKey('jwk', keys.publicKey)) as Jwk,
    privateJwk: (await webcrypto.subtle.exportKey('jwk', keys.privateKey)) as Jwk,
  };
}

/** A PID of the test person. */
export function pidElements(): Record<string, unknown> {
  return {
    family_name: 'Mustermann',
    given_name: 'Erika',
    birth_date: new DateOnly('1964-08-12'),
    place_of_birth: { country: 'DE', locality: 'Berlin' },
    nationality: ['DE'],
    resident_address: 'Heidestraße 17, 51147 Köln',
    resident_city: 'Köln',
    resident_postal_code: '51147',
    resident_country: 'DE',
    age_over_18: true,
    issuing_authority: 'DE',
    issuing_country: 'DE',
    issuance_date: new Date('2026-12-01T08:30:00Z'),
    portrait: new Uint8Array([0xff, 0xd8, 0xff, 0xe0]),
  };
}

/** An mDL of the test person. */
export function mdlElements(): Record<string, unknown> {
  return {
    family_name: 'Mustermann',
    given_name: 'Erika',
    birth_date: new DateOnly('1964-08-12'),
    issue_date: new DateOnly('2024-01-15'),
    expiry_date: new DateOnly('2034-01-14'),
    issuing_country: 'DE',
    issuing_authority: 'Stadt Köln',
    document_number: 'D1234567',
    driving_privileges: [{ vehicle_category_code: 'B', issue_date: new DateOnly('1984-05-02') }],
    age_over_18: true,
  };
}

export interface IssueOptions {
  readonly doctype?: string;
  readonly namespace?: string;
  readonly elements?: Record<string, unknown>;
  readonly signer: TestSigner;
  readonly device: DeviceKeys;
  readonly signed?: Date;
  readonly validFrom?: Date;
  readonly validUntil?: Date;
  /** Extra certificates after the DS certificate in the x5chain. */
  readonly chain?: readonly x509.X509Certificate[];
  /** The COSE algorithm of the issuerAuth protected header (default ES256, -7). */
  readonly alg?: number;
}

/** Issues an mdoc (IssuerSigned) with the library's issuer. */
export async function issue(options: IssueOptions): Promise<IssuerSigned> {
  const doctype = options.doctype ?? PID;
  const issuer = new Issuer(doctype, HOLDER_CONTEXT).addIssuerNamespace(
    options.namespace ?? (doctype === MDL ? MDL_NS : doctype),
    options.elements ?? (doctype === MDL ? mdlElements() : pidElements()),
  );
  return await issuer.sign({
    signingKey: options.signer.signingKey,
    algorithm: (options.alg ?? SignatureAlgorithm.ES256) as SignatureAlgorithm,
    digestAlgorithm: 'SHA-256',
    validityInfo: {
      signed: options.signed ?? days(-1),
      validFrom: options.validFrom ?? days(-1),
      validUntil: options.validUntil ?? days(30),
    },
    deviceKeyInfo: { deviceKey: DeviceKey.fromJwk(options.device.publicJwk) },
    certificates: [options.signer.certificate, ...(options.chain ?? [])].map((c) => new Uint8Array(c.rawData)),
  });
}

export type Transcript =
  | { kind: 'openid4vp'; clientId: string; nonce: string; responseUri: string; jwkThumbprint: Uint8Array | null }
  | { kind: 'dc_api'; origin: string; nonce: string; jwkThumbprint: Uint8Array | null };

export const THUMBPRINT = new Uint8Array(createHash('sha256').update('verifier encryption key').digest());

export const REDIRECT: Extract<Transcript, { kind: 'openid4vp' }> = {
  kind: 'openid4vp',
  clientId: 'x509_san_dns:idgate.example',
  nonce: 'n-0S6_WzA2Mj',
  responseUri: 'https://idgate.example/v1/wallet/response',
  jwkThumbprint: THUMBPRINT,
};

export const DC_API: Extract<Transcript, { kind: 'dc_api' }> = {
  kind: 'dc_api',
  origin: 'https://shop.example',
  nonce: 'n-dc-8fk2',
  jwkThumbprint: THUMBPRINT,
};

/** The holder's session transcript (the library's OpenID4VP 1.0 handovers). */
export async function transcriptOf(transcript: Transcript): Promise<SessionTranscript> {
  const thumbprint = transcript.jwkThumbprint === null ? {} : { jwkThumbprint: transcript.jwkThumbprint };
  return transcript.kind === 'dc_api'
    ? await SessionTranscript.forOid4VpDcApi(
        { origin: transcript.origin, nonce: transcript.nonce, ...thumbprint },
        HOLDER_CONTEXT,
      )
    : await SessionTranscript.forOid4Vp(
        { clientId: transcript.clientId, nonce: transcript.nonce, responseUri: transcript.responseUri, ...thumbprint },
        HOLDER_CONTEXT,
      );
}

export interface PresentOptions {
  readonly issuerSigned: IssuerSigned;
  readonly device: DeviceKeys;
  readonly transcript: Transcript;
  /** The elements to disclose, per namespace (default: every element). */
  readonly disclose?: Record<string, readonly string[]>;
}

function everyElement(issuerSigned: IssuerSigned): Record<string, readonly string[]> {
  return Object.fromEntries(
    [...issuerSigned.issuerNamespaces.issuerNamespaces].map(([namespace, items]) => [
      namespace,
      items.map((item) => item.elementIdentifier),
    ]),
  );
}

/** A DeviceResponse as a wallet makes it: the library's holder with a device signature. */
export async function present(options: PresentOptions): Promise<DeviceResponse> {
  const docType = options.issuerSigned.issuerAuth.mobileSecurityObject.docType;
  const disclose = options.disclose ?? everyElement(options.issuerSigned);
  const namespaces = new Map(
    Object.entries(disclose).map(([namespace, elements]) => [namespace, new Map(elements.map((e) => [e, false]))]),
  );
  return await DeviceResponse.createWithDeviceRequest(
    {
      deviceRequest: DeviceRequest.create({
        docRequests: [DocRequest.create({ itemsRequest: ItemsRequest.create({ docType, namespaces }) })],
      }),
      sessionTranscript: await transcriptOf(options.transcript),
      issuerSigned: [options.issuerSigned],
      signature: { signingKey: CoseKey.fromJwk({ ...options.device.privateJwk, alg: 'ES256' }) },
    },
    HOLDER_CONTEXT,
  );
}

export function encoded(response: DeviceResponse): string {
  return response.encodedForOid4Vp;
}

/** The one document of a response. */
export function documentOf(response: DeviceResponse): Document {
  return response.documents![0]!;
}

/** A response with other documents or status (the library's plain constructor). */
export function responseWith(options: { status?: number; documents: Document[] }): DeviceResponse {
  return DeviceResponse.createSimple({ version: '1.0', status: options.status ?? 0, documents: options.documents });
}

/** The same document with another issuerSigned. */
export function withIssuerSigned(document: Document, issuerSigned: IssuerSigned, docType = document.docType): Document {
  return Document.create({ docType, issuerSigned, deviceSigned: document.deviceSigned });
}

/** The same IssuerSigned, one element's value replaced after signing. */
export function withChangedValue(issuerSigned: IssuerSigned, namespace: string, element: string, value: unknown) {
  const items = issuerSigned.issuerNamespaces.issuerNamespaces.get(namespace)!.map((item) =>
    item.elementIdentifier === element
      ? IssuerSignedItem.fromOptions({
          digestId: item.digestId,
          random: item.random,
          elementIdentifier: element,
          elementValue: value,
        })
      : item,
  );
  const namespaces = new Map(issuerSigned.issuerNamespaces.issuerNamespaces);
  namespaces.set(namespace, items);
  return IssuerSigned.create({
    issuerNamespaces: IssuerNamespaces.create({ issuerNamespaces: namespaces }),
    issuerAuth: issuerSigned.issuerAuth,
  });
}

/** The same IssuerSigned, an element disclosed twice. */
export function withDuplicate(issuerSigned: IssuerSigned, namespace: string, element: string) {
  const items = issuerSigned.issuerNamespaces.issuerNamespaces.get(namespace)!;
  const namespaces = new Map(issuerSigned.issuerNamespaces.issuerNamespaces);
  namespaces.set(namespace, [...items, items.find((item) => item.elementIdentifier === element)!]);
  return IssuerSigned.create({
    issuerNamespaces: IssuerNamespaces.create({ issuerNamespaces: namespaces }),
    issuerAuth: issuerSigned.issuerAuth,
  });
}

/** The same IssuerSigned, its issuerAuth signature broken. */
export function withBrokenIssuerSignature(issuerSigned: IssuerSigned): IssuerSigned {
  const auth = issuerSigned.issuerAuth;
  const signature = Uint8Array.from(auth.signature);
  signature[0]! ^= 0x01;
  return IssuerSigned.create({
    issuerNamespaces: issuerSigned.issuerNamespaces,
    issuerAuth: IssuerAuth.fromDecodedStructure({
      protected: auth.protectedHeaders,
      unprotected: auth.unprotectedHeaders,
      payload: auth.payload,
      signature,
    }),
  });
}

async function deviceAuthenticationBytes(document: Document, transcript: Transcript): Promise<Uint8Array> {
  return DeviceAuthentication.create({
    sessionTranscript: await transcriptOf(transcript),
    docType: document.docType,
    deviceNamespaces: DeviceNamespaces.create({ deviceNamespaces: new Map() }),
  }).encode({ asDataItem: true });
}

/**
 * The same document with a device signature made by `device` over `signedTranscript`;
 * with `attach`, the signed DeviceAuthenticationBytes travel in the signature's payload.
 */
export async function withDeviceSignature(
  document: Document,
  options: { device: DeviceKeys; signedTranscript: Transcript; attach?: boolean; alg?: number },
): Promise<Document> {
  const payload = await deviceAuthenticationBytes(document, options.signedTranscript);
  const deviceSignature = await DeviceSignature.create(
    {
      protectedHeaders: ProtectedHeaders.create({
        protectedHeaders: new Map([[1, options.alg ?? SignatureAlgorithm.ES256]]),
      }),
      unprotectedHeaders: UnprotectedHeaders.create({}),
      ...(options.attach ? { payload } : { detachedPayload: payload }),
      signingKey: CoseKey.fromJwk(options.device.privateJwk),
    },
    HOLDER_CONTEXT,
  );
  return Document.create({
    docType: document.docType,
    issuerSigned: document.issuerSigned,
    deviceSigned: DeviceSigned.create({
      deviceNamespaces: DeviceNamespaces.create({ deviceNamespaces: new Map() }),
      deviceAuth: DeviceAuth.create({ deviceSignature }),
    }),
  });
}

/** The same document authenticated by a (made-up) HMAC 256/256 device MAC instead. */
export function withDeviceMac(document: Document): Document {
  const deviceMac = DeviceMac.fromDecodedStructure({
    protectedHeaders: ProtectedHeaders.create({ protectedHeaders: new Map([[1, 5]]) }),
    unprotectedHeaders: UnprotectedHeaders.create({}),
    payload: null,
    tag: new Uint8Array(randomBytes(32)),
  });
  return Document.create({
    docType: document.docType,
    issuerSigned: document.issuerSigned,
    deviceSigned: DeviceSigned.create({
      deviceNamespaces: DeviceNamespaces.create({ deviceNamespaces: new Map() }),
      deviceAuth: DeviceAuth.create({ deviceMac }),
    }),
  });
}

/**
 * A presentation whose only disclosed item is `itemBytes` exactly (an `IssuerSignedItem`
 * encoded as the issuer chose), with an MSO signed over its digest: the DeviceResponse is
 * re-assembled from the raw CBOR of `base`, so no library re-encodes the item.
 */
export async function withRawItem(
  base: DeviceResponse,
  options: { itemBytes: Uint8Array; namespace: string; signer: TestSigner; device: DeviceKeys },
): Promise<string> {
  const item = DataItem.fromBuffer(options.itemBytes);
  const digest = new Uint8Array(createHash('sha256').update(cborEncode(item)).digest());
  const mso = MobileSecurityObject.create({
    digestAlgorithm: 'SHA-256',
    docType: documentOf(base).docType,
    valueDigests: ValueDigests.create({ digests: new Map([[options.namespace, new Map([[0, digest]])]]) }),
    validityInfo: ValidityInfo.create({ signed: days(-1), validFrom: days(-1), validUntil: days(30) }),
    deviceKeyInfo: DeviceKeyInfo.create({ deviceKey: DeviceKey.fromJwk(options.device.publicJwk) }),
  });
  const issuerAuth = await IssuerAuth.create(
    {
      protectedHeaders: ProtectedHeaders.create({ protectedHeaders: new Map([[1, SignatureAlgorithm.ES256]]) }),
      unprotectedHeaders: UnprotectedHeaders.create({
        unprotectedHeaders: new Map([[33, new Uint8Array(options.signer.certificate.rawData)]]),
      }),
      payload: mso,
      signingKey: options.signer.signingKey,
    },
    HOLDER_CONTEXT,
  );
  const raw = cborDecode<Map<string, unknown>>(base.encode());
  const document = (raw.get('documents') as Map<string, unknown>[])[0]!;
  const issuerSigned = document.get('issuerSigned') as Map<string, unknown>;
  issuerSigned.set('nameSpaces', new Map([[options.namespace, [item]]]));
  issuerSigned.set('issuerAuth', issuerAuth.encodedStructure);
  return Buffer.from(cborEncode(raw)).toString('base64url');
}

/**
 * The CBOR of an `IssuerSignedItem` whose value is a date written as given: a `tdate`
 * (tag 0) or a `full-date` (tag 1004).
 */
export function issuerSignedItemWithDate(
  element: string,
  date: string,
  tag: 'tdate' | 'full-date' = 'tdate',
): Uint8Array {
  return Buffer.concat([
    Buffer.from([0xa4]), // map(4)
    cborEncode('digestID'),
    cborEncode(0),
    cborEncode('random'),
    cborEncode(new Uint8Array(randomBytes(16))),
    cborEncode('elementIdentifier'),
    cborEncode(element),
    cborEncode('elementValue'),
    Buffer.from(tag === 'tdate' ? [0xc0] : [0xd9, 0x03, 0xec]), // tag 0, or tag 1004
    cborEncode(date),
  ]);
}

/** The same document, its issuerAuth re-signed by `signer` over `payload` (not an MSO). */
export async function withIssuerAuthPayload(
  document: Document,
  payload: Uint8Array,
  signer: TestSigner,
): Promise<Document> {
  const issuerAuth = await IssuerAuth.create(
    {
      protectedHeaders: ProtectedHeaders.create({ protectedHeaders: new Map([[1, SignatureAlgorithm.ES256]]) }),
      unprotectedHeaders: UnprotectedHeaders.create({
        unprotectedHeaders: new Map([[33, new Uint8Array(signer.certificate.rawData)]]),
      }),
      payload,
      signingKey: signer.signingKey,
    },
    HOLDER_CONTEXT,
  );
  const issuerSigned = IssuerSigned.create({ issuerNamespaces: document.issuerSigned.issuerNamespaces, issuerAuth });
  return withIssuerSigned(document, issuerSigned);
}
