/**
 * What every hosted page route shares: reading its transaction and form, choosing its
 * language, answering with a page or a `303`, and running one step of a transaction.
 */
import { type ErrorCode, IdgateError, negotiateLocale } from '@idgate/errors';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppsService } from '../apps/apps.service.js';
import { AUTHORIZATION_RESPONSE_HEADERS } from '../authorization/authorization-response.js';
import { endTransaction, isFinished } from '../authorization/transaction-outcome.js';
import type { WalletResponseCodes } from '../authorization/wallet-response-codes.js';
import type { Config } from '../config/config.js';
import type { Verification } from '../domain/verification.js';
import { toIdgateError } from '../http/error-funnel.js';
import { recordFailure } from '../http/error-handler.js';
import type { RouteContract } from '../http/route-contract.js';
import { pageSecurityHeaders } from '../http/security-headers.js';
import type { SecretBox } from '../security/secrets.js';
import type { AuthorizationCodes } from '../tokens/authorization-codes.js';
import type { VerificationService } from '../verification/verification.service.js';
import { type PageStrings, pageStringsFor } from './texts.js';

/** What the hosted pages work with. */
export interface HostedPagesDeps {
  readonly config: Pick<Config, 'issuer' | 'environment'>;
  /** The current time (the waiting page's time left). */
  readonly clock: () => Date;
  /** Browser binding and CSRF tokens. */
  readonly secrets: SecretBox;
  readonly apps: Pick<AppsService, 'get'>;
  /** Issues the code of a completed transaction. */
  readonly codes: Pick<AuthorizationCodes, 'issue'>;
  /** Whether a same-device wallet session's `response_code` came back to this browser. */
  readonly walletReturns: Pick<WalletResponseCodes, 'wasRedeemed'>;
  readonly verifications: Pick<
    VerificationService,
    'getTransaction' | 'offersFor' | 'startProvider' | 'advance' | 'cancel' | 'fail' | 'providers'
  >;
}

/** The path parameter of every hosted page. */
export interface TxParams {
  readonly txId: string;
}

/** A parsed form body. */
export type FormBody = Readonly<Record<string, string | readonly string[] | undefined>>;

const FORM = ['application/x-www-form-urlencoded'] as const;

/** The route contract of a hosted page (`page` surface, HTML). */
export function pageContract(errors: readonly ErrorCode[], withForm: boolean): { idgate: RouteContract } {
  return {
    idgate: {
      surface: 'page',
      produces: ['text/html'],
      ...(withForm ? { consumes: FORM } : {}),
      errors: ['SESSION_NOT_FOUND', ...errors],
    },
  };
}

/** `SESSION_NOT_FOUND` for a transaction id. */
export function unknownTransaction(id: string): IdgateError {
  return new IdgateError('SESSION_NOT_FOUND', {
    detail: `There is no transaction ${id.slice(0, 128)}.`,
    context: { verificationId: id.slice(0, 128) },
  });
}

/**
 * Any transaction (REST or `/authorize`), for the mock provider's screen.
 * @throws IdgateError `SESSION_NOT_FOUND`
 */
export async function loadTransaction(
  deps: HostedPagesDeps,
  request: FastifyRequest<{ Params: TxParams }>,
): Promise<Verification> {
  const transaction = await deps.verifications.getTransaction(request.params.txId);
  request.logContext.verificationId = transaction.id;
  request.logContext.clientId = transaction.clientId;
  if (transaction.providerId !== null) request.logContext.providerId = transaction.providerId;
  return transaction;
}

/**
 * The `/authorize` transaction of a page.
 * @throws IdgateError `SESSION_NOT_FOUND` (also for a REST verification's id)
 */
export async function loadAuthorizeTransaction(
  deps: HostedPagesDeps,
  request: FastifyRequest<{ Params: TxParams }>,
): Promise<Verification> {
  const transaction = await loadTransaction(deps, request);
  // SPEC 3.1: a REST verification has no authorization transaction pages.
  if (transaction.origin !== 'authorize' || transaction.authorizationRequest === null) {
    throw unknownTransaction(request.params.txId);
  }
  return transaction;
}

/** The parsed form body of a request (none reads as empty). */
export function formBody(request: FastifyRequest): FormBody {
  const body = request.body;
  return typeof body === 'object' && body !== null ? (body as FormBody) : {};
}

/**
 * An optional form field (an empty one reads as absent).
 * @throws IdgateError `VALIDATION_INVALID_PARAMETER` (repeated)
 */
export function formField(body: FormBody, name: string): string | undefined {
  const value = Object.hasOwn(body, name) ? body[name] : undefined;
  // RFC 6749 §3.1 (as for every form idgate reads): a field is sent once.
  if (Array.isArray(value)) {
    throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
      detail: `The form field ${name} was sent more than once.`,
      context: { fields: [{ name, reason: 'must not be repeated' }] },
    });
  }
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * A required form field.
 * @throws IdgateError `VALIDATION_MISSING_PARAMETER`, `VALIDATION_INVALID_PARAMETER` (repeated)
 */
export function requiredField(body: FormBody, name: string): string {
  const value = formField(body, name);
  if (value === undefined) {
    throw new IdgateError('VALIDATION_MISSING_PARAMETER', {
      detail: `The form field ${name} is required.`,
      context: { fields: [{ name, reason: 'is required' }] },
    });
  }
  return value;
}

/** The language of a transaction's pages: `ui_locales` of the request, then `Accept-Language`. */
export function stringsFor(request: FastifyRequest, transaction: Verification): PageStrings {
  return pageStringsFor(
    negotiateLocale(request.headers['accept-language'], transaction.authorizationRequest?.uiLocales),
  );
}

/**
 * Answers with a page (`status` 200 unless given); `imageOrigin` is the origin of a
 * branded page's logo, allowed in that page's `img-src`.
 */
export function sendPage(
  reply: FastifyReply,
  strings: PageStrings,
  body: string,
  status = 200,
  imageOrigin?: string,
): FastifyReply {
  return reply
    .code(status)
    .headers(pageSecurityHeaders(imageOrigin))
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-language', strings.locale)
    .header('vary', 'Accept-Language')
    .send(body);
}

/** `303 See Other` (after a form, or to the app), never cached, no referrer. */
export function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply
    .code(303)
    .headers(pageSecurityHeaders())
    .headers(AUTHORIZATION_RESPONSE_HEADERS)
    .header('location', location)
    .send();
}

/**
 * Runs one step of a transaction. When the step throws, the transaction is read again:
 * if it is over now (a provider failure the service recorded, a race with another step)
 * that is the answer; `endingCodes` end it with the error's status code first; any other
 * error leaves it open and is thrown again.
 */
export async function step(
  deps: HostedPagesDeps,
  request: FastifyRequest,
  transactionId: string,
  run: () => Promise<Verification>,
  endingCodes: ReadonlySet<ErrorCode> = new Set(),
): Promise<Verification> {
  try {
    return await run();
  } catch (thrown) {
    const error = toIdgateError(thrown);
    if (endingCodes.has(error.code)) {
      const ended = await endTransaction(deps.verifications, transactionId, error, request.log);
      if (ended !== undefined) {
        recordFailure(request, error);
        return ended;
      }
      throw thrown;
    }
    const now = await deps.verifications.getTransaction(transactionId).catch(() => undefined);
    if (now !== undefined && isFinished(now)) {
      // Answered by a redirect to the app, not by the error handler: log the failure here.
      recordFailure(request, error);
      return now;
    }
    throw thrown;
  }
}
