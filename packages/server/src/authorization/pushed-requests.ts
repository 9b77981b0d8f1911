/**
 * Pushed authorization requests (RFC 9126): the validated parameters of an authorization
 * request a client pushed to `/par`, kept under a `request_uri` that `/authorize` takes
 * once, from that client only, within {@link PUSHED_REQUEST_TTL_SECONDS}. Stored in the
 * database every instance shares (only the keyed hash of the `request_uri`, the
 * parameters encrypted), so the push and the redirect may reach different instances.
 */
import { IdgateError } from '@idgate/errors';
import { pooledRandomBytes, type SecretBox } from '../security/secrets.js';
import type { Database } from '../store/database.js';
import { type PushedRequestProblem, PushedRequestsRepository } from '../store/pushed-requests.repository.js';

/** RFC 9126 §2.2: how long a `request_uri` may be used (FAPI 2.0: under 600 seconds). */
export const PUSHED_REQUEST_TTL_SECONDS = 60;

/** RFC 9126 §2.2: the URN prefix of the `request_uri`s idgate issues. */
export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';

/** The answer to a push (RFC 9126 §2.2). */
export interface PushedRequest {
  readonly requestUri: string;
  readonly expiresIn: number;
}

/** What pushed requests are kept with. */
export interface PushedRequestsDeps {
  readonly database: Database;
  readonly secrets: SecretBox;
  readonly clock: () => Date;
}

/** Why a `request_uri` is refused, for the client's developer. */
const PROBLEMS: Readonly<Record<PushedRequestProblem, string>> = {
  unknown: 'The request_uri is unknown: push the authorization request to /par first.',
  other_client: 'The request_uri was pushed by another client.',
  used: 'The request_uri was already used: push a new authorization request for every redirect.',
  expired: `The request_uri has expired (it is valid for ${PUSHED_REQUEST_TTL_SECONDS} seconds): push a new authorization request.`,
};

/** Keeps and redeems pushed authorization requests. */
export class PushedRequests {
  readonly #repository: PushedRequestsRepository;
  readonly #secrets: SecretBox;
  readonly #clock: () => Date;

  constructor(deps: PushedRequestsDeps) {
    this.#repository = new PushedRequestsRepository(deps.database);
    this.#secrets = deps.secrets;
    this.#clock = deps.clock;
  }

  /** Keeps the validated parameters of a client's request; returns its `request_uri`. */
  async push(clientId: string, parameters: Readonly<Record<string, string>>): Promise<PushedRequest> {
    const now = this.#clock();
    const requestUri = REQUEST_URI_PREFIX + pooledRandomBytes(32).toString('base64url');
    await this.#repository.insert(
      {
        requestUriHash: this.#secrets.hash(requestUri),
        clientId,
        parametersCiphertext: this.#secrets.encrypt(JSON.stringify(parameters)),
        expiresAt: new Date(now.getTime() + PUSHED_REQUEST_TTL_SECONDS * 1000),
      },
      now,
    );
    return { requestUri, expiresIn: PUSHED_REQUEST_TTL_SECONDS };
  }

  /**
   * Uses a `request_uri` of `clientId` (once): its parameters.
   * @throws IdgateError `VALIDATION_INVALID_PARAMETER` (unknown, another client's, used or expired)
   */
  async redeem(requestUri: string, clientId: string): Promise<Readonly<Record<string, string>>> {
    const problem = requestUri.startsWith(REQUEST_URI_PREFIX) && requestUri.length <= 256 ? undefined : 'unknown';
    const redeemed =
      problem ?? (await this.#repository.redeem(this.#secrets.hash(requestUri), clientId, this.#clock()));
    if (typeof redeemed === 'string') {
      throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
        detail: PROBLEMS[redeemed],
        context: { client_id: clientId.slice(0, 128), fields: [{ name: 'request_uri', reason: PROBLEMS[redeemed] }] },
      });
    }
    return JSON.parse(this.#secrets.decrypt(redeemed.parametersCiphertext)) as Record<string, string>;
  }
}
