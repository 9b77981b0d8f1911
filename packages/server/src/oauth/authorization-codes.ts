/**
 * Authorization codes (placeholder: the token endpoint's owner fills this in).
 */
import type { AppContext } from '../app.js';

/** What a code is bound to. */
export interface IssueCodeInput {
  readonly verificationId: string;
  readonly clientId: string;
  /** The redirect URI the code was sent to (RFC 6749 §4.1.3: the token request must repeat it). */
  readonly redirectUri: string;
  /** Space-separated granted scopes. */
  readonly scope: string;
  readonly nonce: string | undefined;
  /** PKCE S256 challenge, when the request carried one. */
  readonly codeChallenge: string | undefined;
}

/** Short-lived, single-use authorization codes. */
export class AuthorizationCodes {
  constructor(_context: Pick<AppContext, 'database' | 'secrets' | 'clock' | 'config'>) {}

  /** Issues a code bound to a completed verification; returns the code to send to the app. */
  async issue(_input: IssueCodeInput): Promise<string> {
    throw new TypeError('AuthorizationCodes.issue is not implemented yet');
  }
}
