/**
 * The one way the wallet verifier fails (SPEC 10, Failures): a catalog error whose `debug`
 * names the check that failed (`debug.check`), so the log line says which rule a
 * presentation broke while the wallet and the app see only the catalog code and a
 * client-safe detail.
 */
import { IdgateError } from '@idgate/errors';

/** The catalog codes a wallet presentation can fail with. */
export type WalletFailureCode =
  | 'PROVIDER_PRESENTATION_INVALID'
  | 'PROVIDER_CREDENTIAL_UNTRUSTED'
  | 'PROVIDER_CREDENTIAL_EXPIRED'
  | 'PROVIDER_CREDENTIAL_REVOKED'
  | 'PROVIDER_UNAVAILABLE';

/** What a check adds to its failure. */
export interface WalletFailureDetails {
  /** Logged only (never rendered): the values the check compared, never key material. */
  readonly debug?: Readonly<Record<string, unknown>> | undefined;
  readonly cause?: unknown;
}

/**
 * A failed check: `code` from the catalog, `check` the name of the rule
 * (`kb-nonce`, `issuer-chain` …), `detail` client-safe.
 */
export function walletFailure(
  code: WalletFailureCode,
  check: string,
  detail: string,
  details: WalletFailureDetails = {},
): IdgateError {
  return new IdgateError(code, {
    detail,
    debug: { check, ...details.debug },
    ...(details.cause === undefined ? {} : { cause: details.cause }),
  });
}

/** The `debug.check` of a wallet failure, if it is one. */
export function failedCheck(error: unknown): string | undefined {
  if (!(error instanceof IdgateError)) return undefined;
  const debug = error.debug as { check?: unknown } | undefined;
  return typeof debug?.check === 'string' ? debug.check : undefined;
}
