/**
 * `@peculiar/x509` for the mdoc verifier and the sandbox issuer. Version 2 resolves its
 * algorithm providers through `tsyringe`, which needs the Reflect metadata polyfill to be
 * loaded first: importing the library through this module guarantees the order. Its crypto
 * provider is Node's global WebCrypto (`globalThis.crypto`).
 */
import 'reflect-metadata';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Name as AsnName } from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';

export { x509 };

/**
 * A distinguished name as an RFC 4514 string: the RDNs in reverse order of their encoding
 * (RFC 4514 §2.1), `C=DE, O=…` becoming `CN=…, O=…, C=DE`, values escaped (§2.4).
 */
export function rfc4514Name(name: x509.Name): string {
  const encoded = AsnConvert.parse(name.toArrayBuffer(), AsnName);
  return new x509.Name(new AsnName([...encoded].reverse())).toString();
}
