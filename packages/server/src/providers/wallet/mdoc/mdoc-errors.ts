/**
 * The one way the mdoc verifier fails: a wallet catalog code, a client-safe `detail`, and
 * `debug.check` naming the check that refused the presentation (SPEC 10: "the log line
 * names the check that failed"). `debug` is logged, never rendered.
 */
import { IdgateError } from '@idgate/errors';

/** The codes an mdoc check can fail with. */
export type MdocFailureCode =
  | 'PROVIDER_PRESENTATION_INVALID'
  | 'PROVIDER_CREDENTIAL_UNTRUSTED'
  | 'PROVIDER_CREDENTIAL_EXPIRED';

/** The name of every mdoc check, as it appears in `debug.check` (see docs/wallets.md, "ISO mdoc"). */
export type MdocCheck =
  | 'decode'
  | 'status'
  | 'document-count'
  | 'issuer-algorithm'
  | 'issuer-signature'
  | 'issuer-chain'
  | 'mso'
  | 'doctype-mismatch'
  | 'doctype-not-allowed'
  | 'signed-outside-certificate'
  | 'not-yet-valid'
  | 'expired'
  | 'value-digest'
  | 'duplicate-element'
  | 'element-value'
  | 'issuing-country'
  | 'device-mac-unsupported'
  | 'device-signature';

/** Builds the error of a failed mdoc check. */
export function mdocFailure(
  code: MdocFailureCode,
  check: MdocCheck,
  detail: string,
  debug: Readonly<Record<string, unknown>> = {},
  cause?: unknown,
): IdgateError {
  return new IdgateError(code, {
    detail,
    debug: { format: 'mso_mdoc', check, ...debug },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** A short, log-safe description of an unknown thrown value. */
export function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.slice(0, 300);
}
