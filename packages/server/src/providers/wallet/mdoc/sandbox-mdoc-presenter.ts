/**
 * The sandbox test wallet's mdoc side (SPEC 10, Sandbox): given an issued mdoc, the DCQL
 * credential query that asks for it and the request's transcript inputs, builds the
 * `DeviceResponse` a wallet returns (OpenID4VP 1.0 Appendix B.2): only the requested
 * elements the mdoc has (selective disclosure), a `deviceSignature` over the OpenID4VP
 * session transcript by the device key, base64url. The `wrong-nonce` variant signs a
 * transcript with another nonce.
 */
import type { webcrypto } from 'node:crypto';
import { CoseKey, DeviceRequest, DeviceResponse, DocRequest, IssuerSigned, ItemsRequest } from '@owf/mdoc';
import { MDOC_CRYPTO } from './mdoc-crypto.js';
import type { SandboxMdoc, SandboxMdocVariant } from './sandbox-mdoc-issuer.js';
import { type MdocTranscriptInput, sessionTranscriptOf } from './session-transcript.js';

/** A DCQL credential query for an mdoc (OpenID4VP 1.0 §6.1, Appendix B.2.3). */
export interface MdocCredentialQuery {
  readonly id: string;
  readonly format: 'mso_mdoc';
  readonly meta: { readonly doctype_value: string };
  /** `path` is `[namespace, elementIdentifier]`; absent: no element is requested (§6.4.1). */
  readonly claims?: readonly {
    readonly path: readonly (string | number | null)[];
    readonly intent_to_retain?: boolean;
  }[];
}

/** What to present. */
export interface PresentSandboxMdocInput {
  readonly mdoc: Pick<SandboxMdoc, 'issuerSigned'>;
  /** The device key the mdoc is bound to (private JWK). */
  readonly devicePrivateKey: webcrypto.JsonWebKey;
  readonly query: MdocCredentialQuery;
  readonly transcript: MdocTranscriptInput;
  readonly variant?: SandboxMdocVariant;
}

const ALGORITHM_OF_CURVE: Readonly<Record<string, string>> = {
  'P-256': 'ES256',
  'P-384': 'ES384',
  'P-521': 'ES512',
  Ed25519: 'EdDSA',
};

/** The requested elements, per namespace, that the mdoc has. */
function requestedElements(issuerSigned: IssuerSigned, query: MdocCredentialQuery): Map<string, Map<string, boolean>> {
  const requested = new Map<string, Map<string, boolean>>();
  for (const claim of query.claims ?? []) {
    const [namespace, element] = claim.path;
    if (claim.path.length !== 2 || typeof namespace !== 'string' || typeof element !== 'string') {
      throw new TypeError(`an mdoc claim path is [namespace, element], not ${JSON.stringify(claim.path)}`);
    }
    const available = issuerSigned.getIssuerNamespace(namespace) ?? [];
    if (!available.some((item) => item.elementIdentifier === element)) continue;
    const elements = requested.get(namespace) ?? new Map<string, boolean>();
    elements.set(element, claim.intent_to_retain ?? false);
    requested.set(namespace, elements);
  }
  return requested;
}

/** Builds the base64url `DeviceResponse` answering `query`. */
export async function presentSandboxMdoc(input: PresentSandboxMdocInput): Promise<string> {
  const issuerSigned = IssuerSigned.fromEncodedForOid4Vci(input.mdoc.issuerSigned);
  const docType = issuerSigned.issuerAuth.mobileSecurityObject.docType;
  if (input.query.meta.doctype_value !== docType) {
    throw new TypeError(`the query asks for ${input.query.meta.doctype_value}, the mdoc is a ${docType}`);
  }
  const algorithm = ALGORITHM_OF_CURVE[String(input.devicePrivateKey.crv)];
  if (algorithm === undefined) throw new TypeError('the device key must be an EC P-256/384/521 or Ed25519 key');
  const transcript =
    input.variant === 'wrong-nonce'
      ? { ...input.transcript, nonce: `${input.transcript.nonce}-other` }
      : input.transcript;
  const docRequest = DocRequest.create({
    itemsRequest: ItemsRequest.create({ docType, namespaces: requestedElements(issuerSigned, input.query) }),
  });
  const response = await DeviceResponse.createWithDeviceRequest(
    {
      deviceRequest: DeviceRequest.create({ docRequests: [docRequest] }),
      sessionTranscript: await sessionTranscriptOf(transcript),
      issuerSigned: [issuerSigned],
      signature: {
        signingKey: CoseKey.fromJwk({ ...(input.devicePrivateKey as Record<string, unknown>), alg: algorithm }),
      },
    },
    MDOC_CRYPTO,
  );
  return response.encodedForOid4Vp;
}
