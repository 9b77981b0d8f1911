/**
 * IETF Token Status List (draft-ietf-oauth-status-list) for SD-JWT VCs: a credential's
 * `status.status_list` `{ idx, uri }` points at a bit (or 2, 4, 8 bits) of a compressed list
 * in a Status List Token (`typ: statuslist+jwt`), which must be signed by an issuer this
 * wallet provider trusts and whose `sub` is the `uri` it was fetched from.
 *
 * - Lists are fetched through an injected {@link StatusListFetcher} (tests and the sandbox
 *   serve them in-process; production uses `status-list-fetcher.ts`), decompressed and read
 *   with `@sd-jwt/jwt-status-list`, and cached until the token's `exp` or `ttl` runs out
 *   (default {@link DEFAULT_STATUS_LIST_TTL_S}, at most {@link MAX_STATUS_LIST_TTL_S}),
 *   a bounded number of them; concurrent checks of one list share one fetch.
 * - Status 0 is valid; 1 (invalid, revoked), 2 (suspended) and any other value are
 *   `PROVIDER_CREDENTIAL_REVOKED`. A list that cannot be fetched, verified or read is
 *   `PROVIDER_UNAVAILABLE`: idgate cannot tell, so it does not accept the credential.
 */
import { type BitsPerStatus, StatusList } from '@sd-jwt/jwt-status-list';
import { compactVerify, decodeProtectedHeader } from 'jose';
import type { IssuerTrust } from './trust/issuer-trust.js';
import { walletFailure } from './wallet-errors.js';

/** Where a credential's status lives. */
export interface StatusReference {
  readonly uri: string;
  readonly idx: number;
}

/** Fetches a Status List Token (the compact JWT) by its URI. */
export interface StatusListFetcher {
  /**
   * @throws StatusListUnreachable (or anything else) when the list cannot be had
   */
  fetchStatusList(uri: string): Promise<string>;
}

/** A status list that could not be fetched (timeout, network, refused address, bad answer). */
export class StatusListUnreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StatusListUnreachable';
  }
}

/** Cache lifetime of a token with neither `ttl` nor `exp`. */
export const DEFAULT_STATUS_LIST_TTL_S = 300;
/** Longest a list is cached, whatever it says. */
export const MAX_STATUS_LIST_TTL_S = 24 * 3600;
/** Status lists kept at once (per wallet provider). */
export const MAX_CACHED_STATUS_LISTS = 256;
/** Tolerated clock difference for the token's `exp`. */
const CLOCK_SKEW_S = 60;

interface CachedList {
  readonly list: StatusList;
  readonly size: number;
  /** ms */
  readonly expiresAt: number;
}

/** The status lists of one wallet provider, verified with its issuer trust. */
export class StatusListCache {
  readonly #fetcher: StatusListFetcher;
  readonly #trust: IssuerTrust;
  readonly #maxEntries: number;
  readonly #lists = new Map<string, CachedList>();
  readonly #inFlight = new Map<string, Promise<CachedList>>();

  constructor(options: { fetcher: StatusListFetcher; trust: IssuerTrust; maxEntries?: number }) {
    this.#fetcher = options.fetcher;
    this.#trust = options.trust;
    this.#maxEntries = options.maxEntries ?? MAX_CACHED_STATUS_LISTS;
  }

  /**
   * Checks a credential's status at `now`.
   * @throws IdgateError `PROVIDER_CREDENTIAL_REVOKED` (`status`), `PROVIDER_UNAVAILABLE` (`status-list`)
   */
  async check(reference: StatusReference, now: Date): Promise<void> {
    const cached = await this.#listAt(reference.uri, now);
    if (reference.idx >= cached.size) {
      throw unavailable('the status list is shorter than the credential index', {
        uri: reference.uri,
        idx: reference.idx,
        size: cached.size,
      });
    }
    const status = cached.list.getStatus(reference.idx);
    if (status !== 0) {
      throw walletFailure(
        'PROVIDER_CREDENTIAL_REVOKED',
        'status',
        status === 2 ? 'the credential is suspended by its issuer' : 'the credential is revoked by its issuer',
        { debug: { uri: reference.uri, idx: reference.idx, status } },
      );
    }
  }

  async #listAt(uri: string, now: Date): Promise<CachedList> {
    const cached = this.#lists.get(uri);
    if (cached !== undefined && cached.expiresAt > now.getTime()) return cached;
    let pending = this.#inFlight.get(uri);
    if (pending === undefined) {
      pending = this.#load(uri, now).finally(() => this.#inFlight.delete(uri));
      this.#inFlight.set(uri, pending);
    }
    return pending;
  }

  async #load(uri: string, now: Date): Promise<CachedList> {
    let token: string;
    try {
      token = await this.#fetcher.fetchStatusList(uri);
    } catch (cause) {
      throw unavailable('the status list of the credential cannot be reached', { uri, reason: reasonOf(cause) }, cause);
    }
    const entry = await this.#verifyToken(token, uri, now);
    this.#lists.delete(uri);
    if (this.#lists.size >= this.#maxEntries) {
      const oldest = this.#lists.keys().next().value;
      if (oldest !== undefined) this.#lists.delete(oldest);
    }
    this.#lists.set(uri, entry);
    return entry;
  }

  /** Status List draft §5, §8.3: the token's type, signature, subject, validity and list. */
  async #verifyToken(token: string, uri: string, now: Date): Promise<CachedList> {
    let header: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(token) as Record<string, unknown>;
    } catch (cause) {
      throw unavailable('the status list is not a JWT', { uri }, cause);
    }
    if (header.typ !== 'statuslist+jwt')
      throw unavailable('the status list token has the wrong typ', { uri, typ: header.typ });
    const payloadPart = token.split('.')[1] ?? '';
    let claims: Record<string, unknown>;
    try {
      claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch (cause) {
      throw unavailable('the status list token cannot be read', { uri }, cause);
    }
    let issuerKey: ReturnType<IssuerTrust['resolve']>;
    try {
      issuerKey = this.#trust.resolve(header, claims.iss, now);
    } catch (cause) {
      throw unavailable('the status list is not signed by a trusted issuer', { uri }, cause);
    }
    try {
      await compactVerify(token, issuerKey.key, { algorithms: ['ES256'] });
    } catch (cause) {
      throw unavailable('the status list signature does not verify', { uri }, cause);
    }
    if (claims.sub !== uri)
      throw unavailable('the status list token names another list (sub)', { uri, sub: claims.sub });
    const nowS = now.getTime() / 1000;
    if (typeof claims.exp === 'number' && claims.exp + CLOCK_SKEW_S < nowS) {
      throw unavailable('the status list token is expired', { uri, exp: claims.exp });
    }
    const statusList = claims.status_list as { bits?: unknown; lst?: unknown } | undefined;
    const bits = statusList?.bits;
    if (typeof statusList?.lst !== 'string' || (bits !== 1 && bits !== 2 && bits !== 4 && bits !== 8)) {
      throw unavailable('the status list token holds no valid list', { uri });
    }
    let list: StatusList;
    try {
      list = StatusList.decompressStatusList(statusList.lst, bits as BitsPerStatus);
    } catch (cause) {
      throw unavailable('the status list cannot be decompressed', { uri }, cause);
    }
    const ttl = typeof claims.ttl === 'number' && claims.ttl > 0 ? claims.ttl : DEFAULT_STATUS_LIST_TTL_S;
    let expiresAt = now.getTime() + Math.min(ttl, MAX_STATUS_LIST_TTL_S) * 1000;
    if (typeof claims.exp === 'number') expiresAt = Math.min(expiresAt, claims.exp * 1000);
    return { list, size: list.statusList.length, expiresAt };
  }
}

function reasonOf(cause: unknown): string {
  return cause instanceof Error ? cause.message.slice(0, 200) : 'unknown';
}

function unavailable(detail: string, debug: Readonly<Record<string, unknown>>, cause?: unknown) {
  return walletFailure('PROVIDER_UNAVAILABLE', 'status-list', detail, {
    debug: { ...debug, ...(cause === undefined ? {} : { reason: reasonOf(cause) }) },
    cause,
  });
}
