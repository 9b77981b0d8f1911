/**
 * The session transcript an mdoc's device authentication signs over, per OpenID4VP 1.0
 * Appendix B.2.6 (`SessionTranscript = [null, null, Handover]`), built by the mdoc library:
 *
 * - redirect and cross-device flows: `["OpenID4VPHandover", sha-256(cbor([client_id, nonce,
 *   jwkThumbprint, response_uri]))]` (B.2.6.1);
 * - the Digital Credentials API: `["OpenID4VPDCAPIHandover", sha-256(cbor([origin, nonce,
 *   jwkThumbprint]))]` (B.2.6.2).
 *
 * `jwkThumbprint` is the RFC 7638 SHA-256 thumbprint of the verifier's response
 * encryption key, `null` when the response is not encrypted.
 */
import { SessionTranscript } from '@owf/mdoc';
import { MDOC_CRYPTO } from './mdoc-crypto.js';

/** What the handover binds the presentation to. */
export type MdocTranscriptInput =
  | {
      readonly kind: 'openid4vp';
      /** The request's `client_id`, with its prefix (`x509_san_dns:…`). */
      readonly clientId: string;
      readonly nonce: string;
      readonly responseUri: string;
      readonly jwkThumbprint: Uint8Array | null;
    }
  | {
      readonly kind: 'dc_api';
      /** The origin of the page that called the DC API (without an `origin:` prefix). */
      readonly origin: string;
      readonly nonce: string;
      readonly jwkThumbprint: Uint8Array | null;
    };

/** The `SessionTranscript` of a flow. */
export async function sessionTranscriptOf(input: MdocTranscriptInput): Promise<SessionTranscript> {
  const jwkThumbprint = input.jwkThumbprint === null ? {} : { jwkThumbprint: input.jwkThumbprint };
  if (input.kind === 'dc_api') {
    return await SessionTranscript.forOid4VpDcApi(
      { origin: input.origin, nonce: input.nonce, ...jwkThumbprint },
      MDOC_CRYPTO,
    );
  }
  return await SessionTranscript.forOid4Vp(
    { clientId: input.clientId, nonce: input.nonce, responseUri: input.responseUri, ...jwkThumbprint },
    MDOC_CRYPTO,
  );
}
