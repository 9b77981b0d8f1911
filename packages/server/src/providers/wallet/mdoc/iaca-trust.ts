/**
 * The issuer trust of an mdoc (ISO/IEC 18013-5 §9.3.3, Annex B): the `x5chain` of the
 * `issuerAuth` holds the document signer (DS) certificate, possibly followed by
 * intermediates, and must end at one of the configured IACA certificates (the trust
 * anchors, never taken from the presentation). Every certificate must be valid at `now`,
 * every issuer a CA allowed to sign certificates, every signature good. Any failure is
 * `PROVIDER_CREDENTIAL_UNTRUSTED` with `debug.check: 'issuer-chain'`.
 *
 * Parsed anchors are cached by their PEM text, so a configuration's anchors are parsed
 * once per process, not once per presentation.
 */
import { Buffer } from 'node:buffer';
import { mdocFailure } from './mdoc-errors.js';
import { rfc4514Name, x509 } from './x509.js';

/** Longest `x5chain` accepted (DS plus intermediates). */
const MAX_CHAIN_LENGTH = 4;

/** Most anchors kept parsed; beyond it the cache starts over. */
const MAX_CACHED_ANCHORS = 256;

/** A configured IACA certificate, parsed. */
interface TrustAnchor {
  readonly certificate: x509.X509Certificate;
  readonly der: Buffer;
  readonly subjectDer: string;
}

/** The document signer of a verified chain. */
export interface DocumentSigner {
  readonly certificate: x509.X509Certificate;
  /** The DS certificate's subject as an RFC 4514 string. */
  readonly subject: string;
  /** The DS certificate's subject country (`C`), upper case, if it is an ISO 3166-1 alpha-2 code. */
  readonly country: string | undefined;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

const anchorCache = new Map<string, TrustAnchor>();

function parseAnchor(pem: string, index: number): TrustAnchor {
  const cached = anchorCache.get(pem);
  if (cached !== undefined) return cached;
  let certificate: x509.X509Certificate;
  try {
    certificate = new x509.X509Certificate(pem);
  } catch (error) {
    throw new TypeError(`mdoc trust anchor ${index} is not a PEM certificate`, { cause: error });
  }
  const anchor: TrustAnchor = {
    certificate,
    der: Buffer.from(certificate.rawData),
    subjectDer: Buffer.from(certificate.subjectName.toArrayBuffer()).toString('hex'),
  };
  if (anchorCache.size >= MAX_CACHED_ANCHORS) anchorCache.clear();
  anchorCache.set(pem, anchor);
  return anchor;
}

/**
 * The configured IACA certificates, parsed (and cached).
 * @throws TypeError when an anchor is not a PEM certificate (a configuration error)
 */
export function trustAnchorsOf(pems: readonly string[]): readonly TrustAnchor[] {
  return pems.map(parseAnchor);
}

function untrusted(reason: string, detail: string, debug: Readonly<Record<string, unknown>> = {}): Error {
  return mdocFailure('PROVIDER_CREDENTIAL_UNTRUSTED', 'issuer-chain', detail, { reason, ...debug });
}

function validAt(certificate: x509.X509Certificate, now: Date): boolean {
  return certificate.notBefore.getTime() <= now.getTime() && now.getTime() <= certificate.notAfter.getTime();
}

/** RFC 5280 §4.2.1.9 / §4.2.1.3: an issuer must be a CA allowed to sign certificates. */
function mayIssue(issuer: x509.X509Certificate, caCertificatesBelow: number): string | undefined {
  const constraints = issuer.getExtension(x509.BasicConstraintsExtension);
  if (constraints === null || !constraints.ca) return 'issuer is not a CA';
  if (constraints.pathLength !== undefined && caCertificatesBelow > constraints.pathLength) {
    return 'path length constraint exceeded';
  }
  const usages = issuer.getExtension(x509.KeyUsagesExtension);
  if (usages !== null && (usages.usages & x509.KeyUsageFlags.keyCertSign) === 0)
    return 'issuer may not sign certificates';
  return undefined;
}

async function issuedBy(child: x509.X509Certificate, issuer: x509.X509Certificate): Promise<boolean> {
  const names = Buffer.from(child.issuerName.toArrayBuffer()).equals(Buffer.from(issuer.subjectName.toArrayBuffer()));
  return names && (await child.verify({ publicKey: issuer.publicKey, signatureOnly: true }));
}

function parseChain(x5chain: readonly Uint8Array[]): x509.X509Certificate[] {
  if (x5chain.length === 0) throw untrusted('no x5chain', 'The mdoc issuer signature carries no certificate.');
  if (x5chain.length > MAX_CHAIN_LENGTH) {
    throw untrusted('x5chain too long', 'The mdoc issuer certificate chain is too long.', { length: x5chain.length });
  }
  return x5chain.map(function parseCertificate(der, index) {
    try {
      return new x509.X509Certificate(der);
    } catch {
      throw untrusted('unreadable certificate', 'A certificate of the mdoc issuer chain is unreadable.', { index });
    }
  });
}

/** The DS certificate of an `x5chain`, parsed but not yet trusted (for the issuer signature). */
export function documentSignerCertificate(x5chain: readonly Uint8Array[]): x509.X509Certificate {
  return parseChain(x5chain)[0]!;
}

/**
 * Verifies that `x5chain` leads from its first certificate (the DS) to a trust anchor.
 * @throws IdgateError `PROVIDER_CREDENTIAL_UNTRUSTED` (`debug.check: 'issuer-chain'`)
 */
export async function verifyIssuerChain(
  x5chain: readonly Uint8Array[],
  anchors: readonly TrustAnchor[],
  now: Date,
): Promise<DocumentSigner> {
  const chain = parseChain(x5chain);
  const leaf = chain[0]!;
  // HAIP 1.0 §6.1.1: the signing certificate is not itself a trust anchor.
  if (anchors.some((anchor) => anchor.der.equals(Buffer.from(leaf.rawData)))) {
    throw untrusted(
      'document signer is a trust anchor',
      'The mdoc document signer certificate is not issued by an IACA.',
    );
  }
  // RFC 5280 §4.2.1.3: a DS certificate with a key usage must allow digital signatures.
  const usages = leaf.getExtension(x509.KeyUsagesExtension);
  if (usages !== null && (usages.usages & x509.KeyUsageFlags.digitalSignature) === 0) {
    throw untrusted('document signer may not sign', 'The mdoc document signer certificate may not sign documents.');
  }
  for (let index = 0; index < chain.length; index += 1) {
    const certificate = chain[index]!;
    const anchor = anchors.find((candidate) => candidate.der.equals(Buffer.from(certificate.rawData)));
    // An x5chain may end with the IACA itself: the configured copy is the one trusted.
    if (anchor !== undefined) return await endAtAnchor(chain, index, anchor.certificate, now);
    if (!validAt(certificate, now)) {
      throw untrusted(
        'certificate not valid at now',
        'A certificate of the mdoc issuer chain is expired or not yet valid.',
        {
          index,
          notBefore: certificate.notBefore.toISOString(),
          notAfter: certificate.notAfter.toISOString(),
        },
      );
    }
    const issuer = chain[index + 1];
    if (issuer === undefined) break;
    const refusal = mayIssue(issuer, index);
    if (refusal !== undefined)
      throw untrusted(refusal, 'The mdoc issuer certificate chain is broken.', { index: index + 1 });
    if (!(await issuedBy(certificate, issuer))) {
      throw untrusted('signature or name mismatch', 'The mdoc issuer certificate chain is broken.', { index });
    }
  }
  const last = chain[chain.length - 1]!;
  const issuerDer = Buffer.from(last.issuerName.toArrayBuffer()).toString('hex');
  for (const anchor of anchors) {
    if (anchor.subjectDer !== issuerDer) continue;
    if (await issuedBy(last, anchor.certificate))
      return await endAtAnchor(chain, chain.length, anchor.certificate, now);
  }
  throw untrusted(
    'no trust anchor issued the chain',
    'The mdoc issuer certificate chain does not end at a trusted IACA.',
    {
      issuer: rfc4514Name(last.issuerName).slice(0, 200),
    },
  );
}

async function endAtAnchor(
  chain: readonly x509.X509Certificate[],
  anchorIndex: number,
  anchor: x509.X509Certificate,
  now: Date,
): Promise<DocumentSigner> {
  if (!validAt(anchor, now)) {
    throw untrusted('trust anchor not valid at now', 'The trusted IACA certificate is expired or not yet valid.', {
      notAfter: anchor.notAfter.toISOString(),
    });
  }
  const refusal = mayIssue(anchor, anchorIndex - 1);
  if (refusal !== undefined)
    throw untrusted(refusal, 'The mdoc issuer certificate chain is broken.', { index: anchorIndex });
  return documentSignerOf(chain[0]!);
}

function documentSignerOf(certificate: x509.X509Certificate): DocumentSigner {
  const country = certificate.subjectName.getField('C')[0]?.toUpperCase();
  return {
    certificate,
    subject: rfc4514Name(certificate.subjectName),
    country: country !== undefined && /^[A-Z]{2}$/.test(country) ? country : undefined,
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
  };
}
