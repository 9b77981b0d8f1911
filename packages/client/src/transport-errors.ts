/**
 * The two failures of a REST call that are not an idgate error body: no HTTP answer at
 * all (`IdgateNetworkError`), and a 2xx answer that is not the JSON the call promises
 * (`IdgateResponseError`, a `TypeError`). Every non-2xx answer is an `IdgateApiError`
 * instead (errors.ts).
 */

/** Where a call went. */
export interface RequestTarget {
  /** `GET`, `POST`. */
  readonly method: string;
  /** The path below the base URL, e.g. `/v1/verifications`. */
  readonly path: string;
}

/**
 * No HTTP answer: the connection failed, was cut, or the attempt timed out
 * (`timedOut`). `cause` is what `fetch` threw. Thrown after the retries (`attempts`).
 */
export class IdgateNetworkError extends Error implements RequestTarget {
  readonly method: string;
  readonly path: string;
  readonly timedOut: boolean;
  readonly attempts: number;

  constructor(target: RequestTarget, details: { timedOut: boolean; attempts: number; cause: unknown }) {
    const why = details.timedOut ? 'timed out' : 'failed without an HTTP answer';
    const tries = details.attempts === 1 ? '' : ` (${details.attempts} attempts)`;
    super(`${target.method} ${target.path} ${why}${tries}`, { cause: details.cause });
    this.name = 'IdgateNetworkError';
    this.method = target.method;
    this.path = target.path;
    this.timedOut = details.timedOut;
    this.attempts = details.attempts;
  }
}

/**
 * A 2xx answer that is not the JSON the call promises: not JSON at all (a proxy's HTML
 * page), or JSON of another shape. `problems` lists what did not fit (`body.status: not
 * a transaction state`). Never retried: the request may have had its effect.
 */
export class IdgateResponseError extends TypeError implements RequestTarget {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** The `X-Request-Id` of the answer, for idgate's logs. */
  readonly requestId: string | undefined;
  readonly problems: readonly string[];

  constructor(
    target: RequestTarget,
    details: { status: number; requestId: string | undefined; problems: readonly string[] },
  ) {
    const shown = details.problems.slice(0, 5).join('; ');
    const more = details.problems.length > 5 ? ` and ${details.problems.length - 5} more` : '';
    super(`${target.method} ${target.path} answered ${details.status} with an unexpected body: ${shown}${more}`);
    this.name = 'IdgateResponseError';
    this.method = target.method;
    this.path = target.path;
    this.status = details.status;
    this.requestId = details.requestId;
    this.problems = details.problems;
  }
}
