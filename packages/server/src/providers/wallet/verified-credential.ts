/**
 * What verifying one presented credential yields, whatever its format (SPEC 10): the
 * contract between the format verifiers (`sd-jwt/`, `mdoc/`) and the wallet adapter that
 * maps the result onto the normalized claims of a verification.
 *
 * A format verifier either returns a {@link VerifiedCredential} or throws one
 * `IdgateError` of the wallet codes (`PROVIDER_PRESENTATION_INVALID`,
 * `PROVIDER_CREDENTIAL_UNTRUSTED`, `PROVIDER_CREDENTIAL_EXPIRED`,
 * `PROVIDER_CREDENTIAL_REVOKED`, or `PROVIDER_UNAVAILABLE` for an unreachable status
 * list), with `debug.check` naming the check that failed.
 */

/** The credential formats idgate verifies (OpenID4VP 1.0 Appendix B). */
export type CredentialFormat = 'dc+sd-jwt' | 'mso_mdoc';

/** A credential whose issuer signature, integrity, holder binding, validity and status all verified. */
export interface VerifiedCredential {
  readonly format: CredentialFormat;
  /** `vct` (SD-JWT VC) or `docType` (mdoc). */
  readonly credentialType: string;
  /** The issuer: the subject of the issuer certificate (RFC 4514 string), or `iss` when verified by a configured JWKS. */
  readonly issuer: string;
  /** ISO 3166-1 alpha-2 country of the issuer (the certificate's `C`, or the credential's `issuing_country`), if known. */
  readonly issuingCountry: string | undefined;
  /**
   * The disclosed claims, addressable by DCQL claim paths (OpenID4VP 1.0 §7):
   * - SD-JWT VC: the payload with every disclosure applied, without `_sd`, `_sd_alg`,
   *   `cnf`, `status` and the registered JWT claims (so `['address', 'locality']` works);
   * - mdoc: `{ [namespace]: { [elementIdentifier]: value } }` (so
   *   `['eu.europa.ec.eudi.pid.1', 'given_name']` works), with `full-date` values as
   *   `YYYY-MM-DD`, `tdate` values as ISO 8601 strings and byte strings as base64url.
   */
  readonly claims: Readonly<Record<string, unknown>>;
  /** The end of the credential's validity, if it has one. */
  readonly validUntil: Date | undefined;
}
