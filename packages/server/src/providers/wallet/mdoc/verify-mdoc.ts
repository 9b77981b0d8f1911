/**
 * Verifies an ISO mdoc presentation (`mso_mdoc`, OpenID4VP 1.0 Appendix B.2): the
 * base64url CBOR `DeviceResponse` of one `vp_token` entry, checked completely against
 * ISO/IEC 18013-5 §9.3 and the OpenID4VP session transcript. Each check below either
 * passes or throws one catalog error whose `debug.check` names it:
 *
 * | check | code |
 * |---|---|
 * | `decode`: base64url CBOR decoding to a `DeviceResponse` | PRESENTATION_INVALID |
 * | `status`: `status` is 0 (OK) | PRESENTATION_INVALID |
 * | `document-count`: exactly one document | PRESENTATION_INVALID |
 * | `issuer-algorithm`: `issuerAuth` protected `alg` is one idgate verifies | PRESENTATION_INVALID |
 * | `issuer-signature`: `issuerAuth` COSE_Sign1 signed by the DS certificate of its `x5chain` | PRESENTATION_INVALID |
 * | `issuer-chain`: that chain ends at a configured IACA, all valid at `now` | CREDENTIAL_UNTRUSTED |
 * | `mso`: the signed payload is a Mobile Security Object | PRESENTATION_INVALID |
 * | `doctype-mismatch`: the MSO's `docType` is the document's | PRESENTATION_INVALID |
 * | `doctype-not-allowed`: the doctype is one the provider accepts | CREDENTIAL_UNTRUSTED |
 * | `signed-outside-certificate`: `validityInfo.signed` within the DS certificate's validity | CREDENTIAL_UNTRUSTED |
 * | `not-yet-valid` / `expired`: `validFrom` ≤ now < `validUntil` | CREDENTIAL_EXPIRED |
 * | `value-digest`: every disclosed item's digest is in `valueDigests` | PRESENTATION_INVALID |
 * | `duplicate-element`: no element or digest id disclosed twice in a namespace | PRESENTATION_INVALID |
 * | `element-value`: every value is representable (dates that are dates) | PRESENTATION_INVALID |
 * | `issuing-country`: an mDL's `issuing_country` is the DS certificate's `C` (ISO 18013-5 §7.2.1) | CREDENTIAL_UNTRUSTED |
 * | `device-mac-unsupported`: `deviceMac` is refused (no reader key in OpenID4VP) | PRESENTATION_INVALID |
 * | `device-signature`: `deviceSignature` by the MSO's device key over the session transcript | PRESENTATION_INVALID |
 *
 * Decoding, the COSE, MSO and `DeviceAuthentication` structures and the session
 * transcript are the `@owf/mdoc` library's; the checks are made here on the data it
 * decoded, the signatures with `node:crypto` (see docs/wallets.md, "What the mdoc library does").
 */
import { Buffer } from 'node:buffer';
import {
  cborDecode,
  cborEncode,
  DataItem,
  DeviceAuthentication,
  DeviceResponse,
  type Document,
  type IssuerAuth,
  type MobileSecurityObject,
} from '@owf/mdoc';
import type { VerifiedCredential } from '../verified-credential.js';
import { type DocumentSigner, documentSignerKey, trustAnchorsOf, verifyIssuerChain } from './iaca-trust.js';
import { issuingCountryOf, jsonValueOf, UnreadableElementValue } from './mdoc-claims.js';
import {
  COSE_HEADER_ALG,
  digestOf,
  protectedSignatureAlgorithm,
  publicKeyOfCoseKey,
  verifyCoseSign1,
} from './mdoc-crypto.js';
import { type MdocCheck, mdocFailure, reasonOf } from './mdoc-errors.js';
import { type MdocTranscriptInput, sessionTranscriptOf } from './session-transcript.js';

/** What verifying one mdoc presentation needs. */
export interface MdocPresentationInput {
  /** base64url of the CBOR `DeviceResponse` (OpenID4VP 1.0 Appendix B.2.2). */
  readonly deviceResponse: string;
  /** The IACA certificates (PEM) the provider trusts. */
  readonly trustAnchors: readonly string[];
  /** The doctypes the provider accepts. */
  readonly allowedDoctypes: readonly string[];
  /** The request the presentation must be bound to. */
  readonly transcript: MdocTranscriptInput;
  readonly now: Date;
}

/** The ISO 18013-5 mDL namespace, whose `issuing_country` must match the DS certificate. */
const MDL_NAMESPACE = 'org.iso.18013.5.1';

function invalid(check: MdocCheck, detail: string, debug: Readonly<Record<string, unknown>> = {}): Error {
  return mdocFailure('PROVIDER_PRESENTATION_INVALID', check, detail, debug);
}

/** The decoded response, with the raw CBOR kept for the bytes the digests cover. */
interface DecodedResponse {
  readonly response: DeviceResponse;
  readonly raw: Map<unknown, unknown>;
}

// ISO 18013-5 §8.3.2.1.2.2: the DeviceResponse structure.
function decodeDeviceResponse(encoded: string): DecodedResponse {
  if (encoded.length === 0 || !/^[A-Za-z0-9_-]+$/.test(encoded)) {
    throw invalid('decode', 'The mdoc presentation is not base64url.');
  }
  let raw: unknown;
  try {
    raw = cborDecode(Buffer.from(encoded, 'base64url'));
  } catch (error) {
    throw invalid('decode', 'The mdoc presentation is not CBOR.', { reason: reasonOf(error) });
  }
  if (!(raw instanceof Map)) throw invalid('decode', 'The mdoc presentation is not a DeviceResponse.');
  try {
    return { response: DeviceResponse.fromEncodedStructure(raw), raw };
  } catch (error) {
    throw invalid('decode', 'The mdoc presentation is not a DeviceResponse.', { reason: reasonOf(error) });
  }
}

// ISO 18013-5 §8.3.2.1.2.3: status 0 is "OK"; OpenID4VP answers one credential query per presentation.
function singleDocument({ response, raw }: DecodedResponse): { document: Document; raw: Map<unknown, unknown> } {
  if (response.status !== 0) {
    throw invalid('status', 'The mdoc DeviceResponse reports an error status.', { status: response.status });
  }
  const documents = response.documents ?? [];
  const rawDocuments = raw.get('documents');
  if (documents.length !== 1 || !Array.isArray(rawDocuments) || !(rawDocuments[0] instanceof Map)) {
    throw invalid('document-count', 'The mdoc DeviceResponse must hold exactly one document.', {
      documents: documents.length,
    });
  }
  return { document: documents[0]!, raw: rawDocuments[0] };
}

function x5chainOf(issuerAuth: IssuerAuth): readonly Uint8Array[] {
  const chain = issuerAuth.x5chain ?? [];
  if (!chain.every((certificate: unknown) => certificate instanceof Uint8Array)) {
    throw mdocFailure(
      'PROVIDER_CREDENTIAL_UNTRUSTED',
      'issuer-chain',
      'The mdoc issuer certificate chain is unreadable.',
    );
  }
  return chain;
}

// ISO 18013-5 §9.1.2.4, §9.3.1 (step 2): issuerAuth is a COSE_Sign1 by the document signer.
function verifyIssuerSignature(issuerAuth: IssuerAuth, x5chain: readonly Uint8Array[]): void {
  const algorithm = protectedSignatureAlgorithm(issuerAuth);
  if (algorithm === undefined) {
    throw invalid('issuer-algorithm', 'The mdoc issuer signature uses an unsupported algorithm.', {
      alg: String(issuerAuth.protectedHeaders.headers.get(COSE_HEADER_ALG)).slice(0, 20),
    });
  }
  if (issuerAuth.payload === null) throw invalid('mso', 'The mdoc issuer signature carries no Mobile Security Object.');
  const publicKey = documentSignerKey(x5chain);
  let verified: boolean;
  try {
    verified = verifyCoseSign1(issuerAuth, publicKey);
  } catch (error) {
    throw invalid('issuer-signature', 'The mdoc issuer signature does not verify.', {
      algorithm,
      reason: reasonOf(error),
    });
  }
  if (!verified) throw invalid('issuer-signature', 'The mdoc issuer signature does not verify.', { algorithm });
}

// ISO 18013-5 §9.1.2.4: the payload of issuerAuth is MobileSecurityObjectBytes.
function mobileSecurityObjectOf(issuerAuth: IssuerAuth): MobileSecurityObject {
  try {
    return issuerAuth.mobileSecurityObject;
  } catch (error) {
    throw invalid('mso', 'The mdoc issuer signature does not carry a valid Mobile Security Object.', {
      reason: reasonOf(error),
    });
  }
}

// ISO 18013-5 §9.3.1 (step 5): the MSO's docType is the document's; and the provider accepts it.
function checkDoctype(document: Document, mso: MobileSecurityObject, allowed: readonly string[]): void {
  if (mso.docType !== document.docType) {
    throw invalid('doctype-mismatch', 'The mdoc document type differs from the signed one.', {
      document: document.docType.slice(0, 100),
      mso: mso.docType.slice(0, 100),
    });
  }
  if (!allowed.includes(mso.docType)) {
    throw mdocFailure(
      'PROVIDER_CREDENTIAL_UNTRUSTED',
      'doctype-not-allowed',
      'This mdoc document type is not accepted.',
      {
        docType: mso.docType.slice(0, 100),
      },
    );
  }
}

// ISO 18013-5 §9.3.1 (step 6): signed within the DS certificate's validity; validFrom ≤ now < validUntil.
function checkValidity(mso: MobileSecurityObject, signer: DocumentSigner, now: Date): void {
  const { signed, validFrom, validUntil } = mso.validityInfo;
  const dates = {
    signed: signed.toISOString(),
    validFrom: validFrom.toISOString(),
    validUntil: validUntil.toISOString(),
  };
  if (signed.getTime() < signer.notBefore.getTime() || signed.getTime() > signer.notAfter.getTime()) {
    throw mdocFailure(
      'PROVIDER_CREDENTIAL_UNTRUSTED',
      'signed-outside-certificate',
      "The mdoc was signed outside its document signer certificate's validity.",
      { ...dates, notBefore: signer.notBefore.toISOString(), notAfter: signer.notAfter.toISOString() },
    );
  }
  if (now.getTime() < validFrom.getTime()) {
    throw mdocFailure('PROVIDER_CREDENTIAL_EXPIRED', 'not-yet-valid', 'The mdoc is not valid yet.', dates);
  }
  if (now.getTime() >= validUntil.getTime()) {
    throw mdocFailure('PROVIDER_CREDENTIAL_EXPIRED', 'expired', 'The mdoc has expired.', dates);
  }
}

/** The raw `IssuerSignedItemBytes` (tag 24) of the document's issuer namespaces, as sent. */
function rawIssuerNamespaces(rawDocument: Map<unknown, unknown>): Map<string, readonly DataItem[]> {
  const issuerSigned = rawDocument.get('issuerSigned');
  const namespaces = issuerSigned instanceof Map ? issuerSigned.get('nameSpaces') : undefined;
  const result = new Map<string, readonly DataItem[]>();
  if (!(namespaces instanceof Map)) return result;
  for (const [namespace, items] of namespaces) {
    if (typeof namespace !== 'string' || !Array.isArray(items) || !items.every((item) => item instanceof DataItem)) {
      throw invalid('decode', 'The mdoc issuer namespaces are malformed.');
    }
    result.set(namespace, items);
  }
  return result;
}

/**
 * ISO 18013-5 §9.3.1 (step 4): the digest of every disclosed `IssuerSignedItemBytes` — the
 * bytes as the wallet sent them, not a re-encoding — equals the MSO's `valueDigests`
 * entry for its namespace and digest id. Returns the disclosed values, as JSON data.
 */
function verifiedElements(
  rawDocument: Map<unknown, unknown>,
  document: Document,
  mso: MobileSecurityObject,
): Record<string, Record<string, unknown>> {
  const claims: Record<string, Record<string, unknown>> = {};
  const decoded = document.issuerSigned.issuerNamespaces.issuerNamespaces;
  for (const [namespace, rawItems] of rawIssuerNamespaces(rawDocument)) {
    const items = decoded.get(namespace) ?? [];
    const digestIds = new Set<number>();
    const values: [string, unknown][] = [];
    rawItems.forEach(function verifyItem(rawItem, index) {
      const item = items[index];
      if (item === undefined) throw invalid('decode', 'The mdoc issuer namespaces are malformed.');
      const expected = mso.valueDigests.getDigestForNamespace(namespace, item.digestId);
      const actual = digestOf(mso.digestAlgorithm, cborEncode(rawItem));
      if (expected === undefined || !Buffer.from(actual).equals(Buffer.from(expected))) {
        throw invalid('value-digest', 'A disclosed mdoc element does not match its signed digest.', {
          namespace: namespace.slice(0, 100),
          element: item.elementIdentifier.slice(0, 100),
          digestId: item.digestId,
          reason: expected === undefined ? 'no digest for this digest id' : 'digest mismatch',
        });
      }
      if (digestIds.has(item.digestId) || values.some(([identifier]) => identifier === item.elementIdentifier)) {
        throw invalid('duplicate-element', 'An mdoc element is disclosed twice.', {
          namespace: namespace.slice(0, 100),
          element: item.elementIdentifier.slice(0, 100),
        });
      }
      digestIds.add(item.digestId);
      values.push([item.elementIdentifier, elementValueOf(namespace, item.elementIdentifier, item.elementValue)]);
    });
    claims[namespace] = Object.fromEntries(values);
  }
  return claims;
}

function elementValueOf(namespace: string, element: string, value: unknown): unknown {
  try {
    return jsonValueOf(value);
  } catch (error) {
    if (!(error instanceof UnreadableElementValue)) throw error;
    throw invalid('element-value', 'A disclosed mdoc element has an unreadable value.', {
      namespace: namespace.slice(0, 100),
      element: element.slice(0, 100),
      reason: error.message,
    });
  }
}

// ISO 18013-5 §7.2.1 (table 5): an mDL's issuing_country equals the DS certificate's countryName.
function checkIssuingCountry(
  claims: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
  signer: DocumentSigner,
) {
  const disclosed = claims[MDL_NAMESPACE]?.['issuing_country'];
  if (disclosed === undefined || signer.country === undefined) return;
  if (typeof disclosed !== 'string' || disclosed.toUpperCase() !== signer.country) {
    throw mdocFailure(
      'PROVIDER_CREDENTIAL_UNTRUSTED',
      'issuing-country',
      "The mDL's issuing country is not its document signer's.",
      { issuingCountry: String(disclosed).slice(0, 10), certificateCountry: signer.country },
    );
  }
}

/**
 * ISO 18013-5 §9.1.3.6 and OpenID4VP 1.0 Appendix B.2.6: `deviceSignature` is a COSE_Sign1
 * by the MSO's device key, with a detached payload: `DeviceAuthenticationBytes` (the
 * session transcript, the doctype and the device-signed namespaces), which the library
 * builds. The library's own `DeviceAuth.verify` is not used: it would verify a payload
 * carried in the signature instead of this request's transcript (a replay of another
 * session's signature), and it decodes the MSO once more.
 */
async function verifyDeviceAuthentication(
  document: Document,
  mso: MobileSecurityObject,
  transcript: MdocTranscriptInput,
): Promise<void> {
  const { deviceAuth, deviceNamespaces } = document.deviceSigned;
  if (deviceAuth.deviceMac !== undefined) {
    throw invalid(
      'device-mac-unsupported',
      'mdoc device authentication by MAC is not supported: use a device signature.',
    );
  }
  const signature = deviceAuth.deviceSignature;
  if (signature === undefined) throw invalid('device-signature', 'The mdoc carries no device signature.');
  if (signature.payload !== null) {
    throw invalid('device-signature', 'The mdoc device signature must have a detached payload.', {
      reason: 'payload attached',
    });
  }
  const algorithm = protectedSignatureAlgorithm(signature);
  if (algorithm === undefined) {
    throw invalid('device-signature', 'The mdoc device signature uses an unsupported algorithm.', {
      reason: 'unsupported alg',
    });
  }
  let verified: boolean;
  try {
    signature.detachedPayload = DeviceAuthentication.create({
      sessionTranscript: await sessionTranscriptOf(transcript),
      docType: document.docType,
      deviceNamespaces,
    }).encode({ asDataItem: true });
    verified = verifyCoseSign1(signature, publicKeyOfCoseKey(mso.deviceKeyInfo.deviceKey));
  } catch (error) {
    throw invalid('device-signature', 'The mdoc device signature does not verify.', {
      algorithm,
      reason: reasonOf(error),
    });
  }
  if (!verified) {
    throw invalid('device-signature', 'The mdoc device signature does not verify for this request.', { algorithm });
  }
}

/**
 * Verifies one mdoc presentation completely and returns what it proves.
 * @throws IdgateError `PROVIDER_PRESENTATION_INVALID`, `PROVIDER_CREDENTIAL_UNTRUSTED` or
 *   `PROVIDER_CREDENTIAL_EXPIRED`, with `debug.check` naming the check that failed
 * @throws TypeError when a trust anchor is not a PEM certificate (a configuration error)
 */
export async function verifyMdocPresentation(input: MdocPresentationInput): Promise<VerifiedCredential> {
  const anchors = trustAnchorsOf(input.trustAnchors);
  const { document, raw } = singleDocument(decodeDeviceResponse(input.deviceResponse));
  const { issuerAuth } = document.issuerSigned;
  const x5chain = x5chainOf(issuerAuth);
  verifyIssuerSignature(issuerAuth, x5chain);
  const signer = verifyIssuerChain(x5chain, anchors, input.now);
  const mso = mobileSecurityObjectOf(issuerAuth);
  checkDoctype(document, mso, input.allowedDoctypes);
  checkValidity(mso, signer, input.now);
  const claims = verifiedElements(raw, document, mso);
  checkIssuingCountry(claims, signer);
  await verifyDeviceAuthentication(document, mso, input.transcript);
  return {
    format: 'mso_mdoc',
    credentialType: mso.docType,
    issuer: signer.subject,
    issuingCountry: issuingCountryOf(signer.country, claims),
    claims,
    validUntil: mso.validityInfo.validUntil,
  };
}
