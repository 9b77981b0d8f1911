/**
 * Verification sessions (placeholder).
 */
import type { AppContext } from '../app.js';

/** Verification sessions: the one state machine behind REST verifications and /authorize. */
export class VerificationService {
  constructor(_context: Omit<AppContext, 'verifications' | 'rateLimits' | 'codes'>) {}
}
