/**
 * The issuer trust of an mdoc (ISO/IEC 18013-5 §9.3.3, Annex B): the `x5chain` of the
 * `issuerAuth` holds the document signer (DS) certificate, possibly followed by
 * intermediates, and must end at one of the configured IACA certificates (the trust
 * anchors, never taken from the presentation). Every certificate must be valid at `now`,
 * every issuer a CA allowed to sign certificates, every signature good. Any failure is
 * `PROVIDER_CREDENTIAL_UNTRUSTED` with `debug.check: 'issuer-chain'`. Certificates are read
 * with `@peculiar/x509` (names, basic constraints, key usage) and their signatures checked
 * with `node:crypto`; no ASN.1 is read by hand.
 *
 * Parsed anchors are cached by their PEM text, so a configuration's anchors are parsed
 * once per process, not once per presentation. A verified chain is cached by the digest
 * of its certificates (a document signer signs many mdocs): its signatures, names and
 * extensions are not checked again, its validity periods and its anchor's presence in the
 * configuration are, at every `now`.
 */
import { Buffer } from 'node:buffer';
import { createHash, type KeyObject, X509Certificate as NodeX509Certificate } from 'node:crypto';
import { mdocFailure } from './mdoc-errors.js';
import { rfc4514Name, x509 } from './x509.js';

/** Longest `x5chain` accepted (DS plus intermediates). */
const MAX_CHAIN_LENGTH = 4;

/** Most anchors kept parsed; beyond it the cache starts over. */
const MAX_CACHED_ANCHORS = 256;

/** Most verified chains kept; beyond it the cache starts over. */
const MAX_CACHED_CHAINS = 1024;

/** A configured IACA certificate, parsed. */
interface TrustAnchor {
  readonly certificate: x509.X509Certificate;
  readonly der: Buffer;
  readonly subjectDer: string;
}

/** The document signer of a verified chain. */
export interface DocumentSigner {
  /** The DS certificate's public key. */
  readonly publicKey: KeyObject;
  /** The DS certificate's subject as an RFC 4514 string. */
  readonly subject: string;
  /** The DS certificate's subject country (`C`), upper case, if it is an ISO 3166-1 alpha-2 code. */
  readonly country: string | undefined;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** A chain whose signatures, names and extensions verified up to `anchorDer`. */
interface VerifiedChain {
  readonly signer: DocumentSigner;
  readonly anchorDer: Buffer;
  /** The validity periods of the x5chain's certificates and of the anchor, to check at each `now`. */
  readonly periods: readonly ValidityPeriod[];
}

interface ValidityPeriod {
  readonly index: number | 'anchor';
  readonly notBefore: Date;
  readonly notAfter: Date;
}

const anchorCache = new Map<string, TrustAnchor>();
const chainCache = new Map<string, VerifiedChain>();

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

const nodeCertificates = new WeakMap<x509.X509Certificate, NodeX509Certificate>();

/** The same certificate for `node:crypto`, whose signature checks are synchronous and native. */
function nodeCertificateOf(certificate: x509.X509Certificate): NodeX509Certificate {
  let parsed = nodeCertificates.get(certificate);
  if (parsed === undefined) {
    parsed = new NodeX509Certificate(Buffer.from(certificate.rawData));
    nodeCertificates.set(certificate, parsed);
  }
  return parsed;
}

/** RFC 5280 §6.1.3 (a)(1), (a)(4): the child names the issuer as its issuer and bears its signature. */
function issuedBy(child: x509.X509Certificate, issuer: x509.X509Certificate): boolean {
  const names = Buffer.from(child.issuerName.toArrayBuffer()).equals(Buffer.from(issuer.subjectName.toArrayBuffer()));
  return names && nodeCertificateOf(child).verify(nodeCertificateOf(issuer).publicKey);
}

function checkLength(x5chain: readonly Uint8Array[]): void {
  if (x5chain.length === 0) throw untrusted('no x5chain', 'The mdoc issuer signature carries no certificate.');
  if (x5chain.length > MAX_CHAIN_LENGTH) {
    throw untrusted('x5chain too long', 'The mdoc issuer certificate chain is too long.', { length: x5chain.length });
  }
}

function parseChain(x5chain: readonly Uint8Array[]): x509.X509Certificate[] {
  checkLength(x5chain);
  return x5chain.map(function parseCertificate(der, index) {
    try {
      return new x509.X509Certificate(der);
    } catch {
      throw untrusted('unreadable certificate', 'A certificate of the mdoc issuer chain is unreadable.', { index });
    }
  });
}

function chainKeyOf(x5chain: readonly Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const der of x5chain) hash.update(`${der.length}:`).update(der);
  return hash.digest('base64url');
}

/**
 * The public key of the DS certificate (the first of `x5chain`), not yet trusted: the
 * issuer signature is checked with it before the chain is.
 * @throws IdgateError `PROVIDER_CREDENTIAL_UNTRUSTED` (`issuer-chain`) when there is no readable certificate
 */
export function documentSignerKey(x5chain: readonly Uint8Array[]): KeyObject {
  checkLength(x5chain);
  const cached = chainCache.get(chainKeyOf(x5chain));
  if (cached !== undefined) return cached.signer.publicKey;
  try {
    return new NodeX509Certificate(x5chain[0]!).publicKey;
  } catch {
    throw untrusted('unreadable certificate', 'A certificate of the mdoc issuer chain is unreadable.', { index: 0 });
  }
}

function certificateNotValid(index: number, notBefore: Date, notAfter: Date): Error {
  return untrusted(
    'certificate not valid at now',
    'A certificate of the mdoc issuer chain is expired or not yet valid.',
    {
      index,
      notBefore: notBefore.toISOString(),
      notAfter: notAfter.toISOString(),
    },
  );
}

function anchorNotValid(notAfter: Date): Error {
  return untrusted('trust anchor not valid at now', 'The trusted IACA certificate is expired or not yet valid.', {
    notAfter: notAfter.toISOString(),
  });
}

/** A cached chain, if it still ends at a configured anchor and every certificate is valid at `now`. */
function reuseVerifiedChain(
  chain: VerifiedChain,
  anchors: readonly TrustAnchor[],
  now: Date,
): DocumentSigner | undefined {
  if (!anchors.some((anchor) => anchor.der.equals(chain.anchorDer))) return undefined;
  for (const period of chain.periods) {
    if (period.notBefore.getTime() <= now.getTime() && now.getTime() <= period.notAfter.getTime()) continue;
    throw period.index === 'anchor'
      ? anchorNotValid(period.notAfter)
      : certificateNotValid(period.index, period.notBefore, period.notAfter);
  }
  return chain.signer;
}

/**
 * Verifies that `x5chain` leads from its first certificate (the DS) to a trust anchor.
 * @throws IdgateError `PROVIDER_CREDENTIAL_UNTRUSTED` (`debug.check: 'issuer-chain'`)
 */
export function verifyIssuerChain(
  x5chain: readonly Uint8Array[],
  anchors: readonly TrustAnchor[],
  now: Date,
): DocumentSigner {
  checkLength(x5chain);
  const key = chainKeyOf(x5chain);
  const cached = chainCache.get(key);
  const reused = cached === undefined ? undefined : reuseVerifiedChain(cached, anchors, now);
  if (reused !== undefined) return reused;
  const verified = verifyChain(parseChain(x5chain), anchors, now);
  if (chainCache.size >= MAX_CACHED_CHAINS) chainCache.clear();
  chainCache.set(key, verified);
  return verified.signer;
}

function verifyChain(
  chain: readonly x509.X509Certificate[],
  anchors: readonly TrustAnchor[],
  now: Date,
): VerifiedChain {
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
    if (anchor !== undefined) return endAtAnchor(chain.slice(0, index), anchor, now);
    if (!validAt(certificate, now)) throw certificateNotValid(index, certificate.notBefore, certificate.notAfter);
    const issuer = chain[index + 1];
    if (issuer === undefined) break;
    const refusal = mayIssue(issuer, index);
    if (refusal !== undefined)
      throw untrusted(refusal, 'The mdoc issuer certificate chain is broken.', { index: index + 1 });
    if (!issuedBy(certificate, issuer)) {
      throw untrusted('signature or name mismatch', 'The mdoc issuer certificate chain is broken.', { index });
    }
  }
  const last = chain[chain.length - 1]!;
  const issuerDer = Buffer.from(last.issuerName.toArrayBuffer()).toString('hex');
  for (const anchor of anchors) {
    if (anchor.subjectDer !== issuerDer) continue;
    if (issuedBy(last, anchor.certificate)) return endAtAnchor(chain, anchor, now);
  }
  throw untrusted(
    'no trust anchor issued the chain',
    'The mdoc issuer certificate chain does not end at a trusted IACA.',
    {
      issuer: rfc4514Name(last.issuerName).slice(0, 200),
    },
  );
}

/** The end of a chain: `below` (the DS first) was issued, certificate by certificate, by `anchor`. */
function endAtAnchor(below: readonly x509.X509Certificate[], anchor: TrustAnchor, now: Date): VerifiedChain {
  if (!validAt(anchor.certificate, now)) throw anchorNotValid(anchor.certificate.notAfter);
  const refusal = mayIssue(anchor.certificate, below.length - 1);
  if (refusal !== undefined)
    throw untrusted(refusal, 'The mdoc issuer certificate chain is broken.', { index: below.length });
  const periods: ValidityPeriod[] = below.map(function periodOf(certificate, index) {
    return { index, notBefore: certificate.notBefore, notAfter: certificate.notAfter };
  });
  periods.push({ index: 'anchor', notBefore: anchor.certificate.notBefore, notAfter: anchor.certificate.notAfter });
  return { signer: documentSignerOf(below[0]!), anchorDer: anchor.der, periods };
}

function documentSignerOf(certificate: x509.X509Certificate): DocumentSigner {
  const country = certificate.subjectName.getField('C')[0]?.toUpperCase();
  return {
    publicKey: nodeCertificateOf(certificate).publicKey,
    subject: rfc4514Name(certificate.subjectName),
    country: country !== undefined && /^[A-Z]{2}$/.test(country) ? country : undefined,
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
  };
}
