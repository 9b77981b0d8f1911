/**
 * The verified identity behind a user grant, as the token endpoint and userinfo read it
 * from the verification sessions.
 */
import type { AppContext } from '../../app.js';
import type { VerifiedIdentity } from '../../verification/verification.types.js';

/**
 * The identity of a completed verification of this client, or `undefined` when there is
 * none (any more: deleted, or no longer completed).
 */
export async function verifiedIdentityOf(
  idgate: AppContext,
  verificationId: string,
  clientId: string,
): Promise<VerifiedIdentity | undefined> {
  return idgate.verifications.identityFor(verificationId, clientId);
}
