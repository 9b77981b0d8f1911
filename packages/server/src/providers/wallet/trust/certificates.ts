/**
 * Issues X.509 certificates with `@peculiar/x509` (EC P-256, ECDSA with SHA-256): the
 * sandbox verifier certificate (self-signed, its DNS name the issuer's host) and the
 * sandbox test issuer's CA and issuer certificates. Nothing here writes ASN.1 by hand.
 *
 * `@peculiar/x509` resolves its ASN.1 converters through `tsyringe`, which needs the
 * `reflect-metadata` polyfill loaded first: this module loads it, so import certificate
 * generation only from here.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A certificate and its private key, both PEM. */
export interface IssuedCertificate {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

/** What to put in a certificate. */
export interface CertificateRequest {
  /** The distinguished name in encoding order, most significant RDN first: `C=DE, O=…, CN=…`. */
  readonly subject: string;
  /** The issuing CA; absent: self-signed. */
  readonly issuer?: IssuedCertificate;
  /** A CA certificate (basic constraints cA, key usage keyCertSign) or an end-entity one (digitalSignature). */
  readonly ca: boolean;
  readonly dnsNames?: readonly string[];
  readonly uris?: readonly string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
}

function pem(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${base64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

function derOf(pemText: string): Buffer {
  return Buffer.from(pemText.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

/** Generates a P-256 key pair and a certificate for it. */
export async function issueCertificate(request: CertificateRequest): Promise<IssuedCertificate> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(request.ca, request.ca ? 1 : undefined, true),
    new x509.KeyUsagesExtension(
      request.ca ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : x509.KeyUsageFlags.digitalSignature,
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const names = [
    ...(request.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(request.uris ?? []).map((value) => ({ type: 'url' as const, value })),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  const serialNumber = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString('hex')
    .replace(/^[89a-f]/, '1');
  let certificate: x509.X509Certificate;
  if (request.issuer === undefined) {
    certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber,
      name: request.subject,
      notBefore: request.notBefore,
      notAfter: request.notAfter,
      keys,
      signingAlgorithm: ALGORITHM,
      extensions,
    });
  } else {
    const issuerCertificate = new x509.X509Certificate(request.issuer.certificatePem);
    const signingKey = await webcrypto.subtle.importKey(
      'pkcs8',
      derOf(request.issuer.privateKeyPem),
      ALGORITHM,
      false,
      ['sign'],
    );
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuerCertificate));
    certificate = await x509.X509CertificateGenerator.create({
      serialNumber,
      subject: request.subject,
      issuer: issuerCertificate.subject,
      notBefore: request.notBefore,
      notAfter: request.notAfter,
      publicKey: keys.publicKey,
      signingKey,
      signingAlgorithm: ALGORITHM,
      extensions,
    });
  }
  const privateKey = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certificatePem: certificate.toString('pem'), privateKeyPem: pem('PRIVATE KEY', privateKey) };
}
