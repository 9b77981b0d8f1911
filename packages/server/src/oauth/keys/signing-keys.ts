/**
 * Signing keys (placeholder: the OpenID Provider issue fills this in).
 */
import type { AppContext } from '../../app.js';

/** The instance's signing keys. */
export class SigningKeys {
  constructor(_context: Omit<AppContext, 'keys' | 'verifications' | 'rateLimits' | 'codes'>) {}
}
