/**
 * The `login_hint` of an `/authorize` request is often a national identity number: it is
 * stored sealed (AES-256-GCM with the instance secret, like a session's user data) as
 * `loginHintSealed` inside the otherwise readable `verifications.authorization_request`,
 * and opened when the session is read. Rows written before migration 0008 held it in
 * clear as `loginHint`; the migration seals them.
 */
import type { AuthorizationRequestRecord } from '../domain/verification.js';

/** Seals and opens text (the instance `SecretBox` fits). */
export interface Sealer {
  encrypt(plaintext: string): string;
  decrypt(sealed: string): string;
}

/** The stored form of an authorization request: everything readable except the sealed login hint. */
export function storedAuthorizationRequest(request: AuthorizationRequestRecord, sealer: Sealer): string {
  const { loginHint, ...readable } = request;
  return JSON.stringify(
    loginHint === undefined ? readable : { ...readable, loginHintSealed: sealer.encrypt(loginHint) },
  );
}

/** An authorization request as stored, with its login hint opened. */
export function readAuthorizationRequest(stored: string, sealer: Sealer): AuthorizationRequestRecord {
  return parseStored(stored, (sealed) => sealer.decrypt(sealed));
}

/**
 * The stored form of an authorization request, and what {@link readAuthorizationRequest}
 * gives back from it, without decrypting the hint just sealed (a session just inserted).
 */
export function sealAuthorizationRequest(
  request: AuthorizationRequestRecord,
  sealer: Sealer,
): { readonly stored: string; readonly opened: AuthorizationRequestRecord } {
  const stored = storedAuthorizationRequest(request, sealer);
  return { stored, opened: parseStored(stored, () => request.loginHint as string) };
}

function parseStored(stored: string, openHint: (sealed: string) => string): AuthorizationRequestRecord {
  const { loginHintSealed, ...request } = JSON.parse(stored) as AuthorizationRequestRecord & {
    loginHintSealed?: string;
  };
  return loginHintSealed === undefined ? request : { ...request, loginHint: openHint(loginHintSealed) };
}

/**
 * The stored text of a row written before the login hint was sealed, sealed now; `undefined`
 * when it holds no hint in clear.
 */
export function resealedAuthorizationRequest(stored: string, sealer: Sealer): string | undefined {
  const parsed = JSON.parse(stored) as Record<string, unknown>;
  if (typeof parsed.loginHint !== 'string') return undefined;
  return storedAuthorizationRequest(readAuthorizationRequest(stored, sealer), sealer);
}
