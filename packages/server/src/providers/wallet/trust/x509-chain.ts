/**
 * X.509 chain checking for issuer certificates (`x5c`, RFC 7515 §4.1.6; HAIP 1.0): the chain
 * a credential carries must run, signature by signature, from its leaf to a configured trust
 * anchor, every certificate within its validity period and every issuing certificate a CA.
 * Parsing and signature checks are `node:crypto`'s `X509Certificate`; nothing here reads
 * ASN.1 by hand.
 *
 * A verified chain is remembered (bounded), so presenting the same issuer's credentials
 * again costs one map lookup plus the validity comparison, which is repeated every time.
 */
import { type KeyObject, X509Certificate } from 'node:crypto';
import { walletFailure } from '../wallet-errors.js';

/** The trust anchors of one wallet provider, parsed once. */
export class TrustAnchors {
  readonly #anchors: readonly X509Certificate[];
  readonly #verified = new Map<string, VerifiedChainEntry>();

  /** @throws TypeError when an anchor is not a PEM certificate (the configuration check refuses that first) */
  constructor(pems: readonly string[]) {
    this.#anchors = pems.map(function parseAnchor(pem) {
      try {
        return new X509Certificate(pem);
      } catch (cause) {
        throw new TypeError('a trust anchor is not a PEM certificate', { cause });
      }
    });
  }

  /** Whether any anchor is configured. */
  get size(): number {
    return this.#anchors.length;
  }

  /** The anchors as PEM, for verifiers that take them so (the mdoc verifier). */
  pems(): string[] {
    return this.#anchors.map((anchor) => anchor.toString());
  }

  /**
   * Verifies an `x5c` chain (base64 DER, leaf first) against the anchors at `now`.
   * @throws IdgateError `PROVIDER_CREDENTIAL_UNTRUSTED` (`debug.check` `issuer-chain`)
   */
  verify(x5c: readonly string[], now: Date): VerifiedChain {
    const key = x5c.join('.');
    let entry = this.#verified.get(key);
    if (entry === undefined) {
      entry = this.#verifyUncached(x5c);
      if (this.#verified.size >= MAX_REMEMBERED_CHAINS) {
        const oldest = this.#verified.keys().next().value;
        if (oldest !== undefined) this.#verified.delete(oldest);
      }
      this.#verified.set(key, entry);
    }
    // RFC 5280 §6.1.3 (a)(2): every certificate of the path, the anchor included, is valid now.
    if (now.getTime() < entry.notBefore || now.getTime() > entry.notAfter) {
      throw untrusted('a certificate of the issuer chain is outside its validity period', {
        notBefore: new Date(entry.notBefore).toISOString(),
        notAfter: new Date(entry.notAfter).toISOString(),
      });
    }
    return entry.chain;
  }

  #verifyUncached(x5c: readonly string[]): VerifiedChainEntry {
    if (x5c.length === 0 || x5c.length > MAX_CHAIN_LENGTH) {
      throw untrusted('the x5c header must hold 1 to 8 certificates', { length: x5c.length });
    }
    const chain = x5c.map(function parseCertificate(encoded, index) {
      try {
        if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new TypeError('not base64');
        return new X509Certificate(Buffer.from(encoded, 'base64'));
      } catch (cause) {
        throw untrusted('a certificate of the x5c chain cannot be read', { index }, cause);
      }
    });
    let notBefore = Number.NEGATIVE_INFINITY;
    let notAfter = Number.POSITIVE_INFINITY;
    const within = (certificate: X509Certificate) => {
      notBefore = Math.max(notBefore, Date.parse(certificate.validFrom));
      notAfter = Math.min(notAfter, Date.parse(certificate.validTo));
    };
    chain.forEach(function checkLink(certificate, index) {
      within(certificate);
      const issuer = chain[index + 1];
      if (issuer === undefined) return;
      // RFC 5280 §4.2.1.9: only a CA certificate may issue another.
      if (!issuer.ca) throw untrusted('an issuing certificate of the chain is not a CA', { index: index + 1 });
      if (!certificate.checkIssued(issuer) || !certificate.verify(issuer.publicKey)) {
        throw untrusted('the issuer chain is broken: a certificate is not signed by the next one', { index });
      }
    });
    const last = chain[chain.length - 1] as X509Certificate;
    const anchor = this.#anchors.find(
      (candidate) =>
        candidate.raw.equals(last.raw) || (last.checkIssued(candidate) && last.verify(candidate.publicKey)),
    );
    if (anchor === undefined) {
      throw untrusted('the issuer chain does not end at a trust anchor of this wallet provider', {
        lastIssuer: last.issuer,
      });
    }
    within(anchor);
    const leaf = chain[0] as X509Certificate;
    return { chain: describeLeaf(leaf), notBefore, notAfter };
  }
}

/** What a verified chain says about its issuer. */
export interface VerifiedChain {
  /** The leaf certificate's public key: the key that signed the credential. */
  readonly publicKey: KeyObject;
  /** The leaf's subject, RFC 4514 (`CN=…, O=…, C=DE`). */
  readonly subject: string;
  /** The leaf subject's `C`, if any. */
  readonly country: string | undefined;
  /** The leaf's `subjectAltName` (`DNS:…, URI:…`), if any. */
  readonly subjectAltName: string | undefined;
  readonly leaf: X509Certificate;
}

interface VerifiedChainEntry {
  readonly chain: VerifiedChain;
  /** The latest `notBefore` of the path (ms). */
  readonly notBefore: number;
  /** The earliest `notAfter` of the path (ms). */
  readonly notAfter: number;
}

const MAX_CHAIN_LENGTH = 8;
const MAX_REMEMBERED_CHAINS = 256;

/** A certificate's subject as RFC 4514 writes it (most specific RDN first). */
export function rfc4514Subject(certificate: X509Certificate): string {
  return certificate.subject.split('\n').filter(Boolean).reverse().join(', ');
}

function describeLeaf(leaf: X509Certificate): VerifiedChain {
  const country = /^C=([A-Z]{2})$/m.exec(leaf.subject)?.[1];
  return {
    publicKey: leaf.publicKey,
    subject: rfc4514Subject(leaf),
    country,
    subjectAltName: leaf.subjectAltName,
    leaf,
  };
}

function untrusted(detail: string, debug: Readonly<Record<string, unknown>>, cause?: unknown) {
  return walletFailure('PROVIDER_CREDENTIAL_UNTRUSTED', 'issuer-chain', detail, { debug, cause });
}
