/**
 * The `response_code` of a same-device wallet flow (OpenID4VP 1.0 §8.2, SPEC 10): once
 * the wallet posted its response, the response endpoint answers `{ "redirect_uri" }`
 * with a one-time `response_code`, and the wallet sends the browser there. idgate
 * redeems it once, and only in the browser that started the session (its binding
 * cookie, checked by the route), then goes on with the flow. Until it is redeemed, a
 * verified same-device `/authorize` session is not answered to the app at all
 * ({@link WalletResponseCodes.wasRedeemed}, checked by the hosted pages): a browser that
 * started the session but never held the code (a forwarded link) gets no authorization
 * code for the person whose wallet answered (OpenID4VP 1.0 §13.3).
 *
 * A code is `<random>.<mac>`: the MAC (the instance secret's keyed hash) binds it to its
 * session, so nothing is stored when it is issued. A session has exactly one answer and
 * so one code; its one use is remembered among the one-time identifiers (`seen_jtis`, one
 * `INSERT … ON CONFLICT DO NOTHING` keyed by the session), so of two redemptions, on any
 * instance, exactly one succeeds, and that row says the session's code was redeemed.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { IdgateError } from '@idgate/errors';
import type { SecretBox } from '../security/secrets.js';
import { type SeenJtisRepository, seenJtiId } from '../store/seen-jtis.repository.js';

/** Separates this use of the keyed hash from every other. */
const PURPOSE = 'idgate-wallet-response-code-v1:';

/** How long a used code is remembered past its session's expiry. */
const REMEMBERED_AFTER_SESSION_MS = 24 * 3600 * 1000;

/** What the codes are made with. */
export interface WalletResponseCodesDeps {
  readonly secrets: SecretBox;
  readonly seen: Pick<SeenJtisRepository, 'remember' | 'has'>;
  readonly clock: () => Date;
}

function refused(detail: string): IdgateError {
  return new IdgateError('VALIDATION_INVALID_PARAMETER', {
    detail,
    context: { fields: [{ name: 'response_code', reason: 'is not a response code of this sign-in, or was used' }] },
  });
}

/** Issues and redeems `response_code`s. */
export class WalletResponseCodes {
  readonly #deps: WalletResponseCodesDeps;

  constructor(deps: WalletResponseCodesDeps) {
    this.#deps = deps;
  }

  #mac(verificationId: string, random: string): string {
    return Buffer.from(this.#deps.secrets.hash(`${PURPOSE}${verificationId}.${random}`), 'hex').toString('base64url');
  }

  /** A fresh code for a session. */
  issue(verificationId: string): string {
    const random = randomBytes(16).toString('base64url');
    return `${random}.${this.#mac(verificationId, random)}`;
  }

  /**
   * Redeems a code of the session, once.
   * @throws IdgateError `VALIDATION_INVALID_PARAMETER` (not this session's, or used before)
   */
  async redeem(verificationId: string, code: string, sessionExpiresAt: Date): Promise<void> {
    const [random, mac, ...rest] = code.split('.');
    if (random === undefined || mac === undefined || rest.length > 0 || random.length > 64) {
      throw refused('The response_code is not readable.');
    }
    const expected = Buffer.from(this.#mac(verificationId, random), 'utf8');
    const actual = Buffer.from(mac, 'utf8');
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
      throw refused('The response_code does not belong to this sign-in.');
    }
    const now = this.#deps.clock();
    const until = new Date(Math.max(sessionExpiresAt.getTime(), now.getTime()) + REMEMBERED_AFTER_SESSION_MS);
    if (!(await this.#deps.seen.remember(redeemedId(verificationId), until, now))) {
      throw refused('The response_code was used before: a response code is redeemed once.');
    }
  }

  /** Whether the session's code was redeemed (in the browser that started the session). */
  wasRedeemed(verificationId: string): Promise<boolean> {
    return this.#deps.seen.has(redeemedId(verificationId));
  }
}

/** The one-time row of a session's redeemed code (a session issues one code: it has one answer). */
function redeemedId(verificationId: string): string {
  return seenJtiId('response-code', verificationId, 'redeemed');
}
