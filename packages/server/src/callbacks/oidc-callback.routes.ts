/**
 * `GET /callback/{providerId}`: where an upstream OpenID Provider sends the browser back
 * (the redirect URI to register at the upstream, see docs/providers.md). The `state`
 * names the session (`<verificationId>.<random>`); the adapter checks the rest of it.
 *
 * Once the callback advanced the session, the browser's journey ends like at the end of
 * any provider screen:
 * - an `/authorize` transaction: `303` to its page `/authorize/{txId}`, which checks that
 *   this is the browser that started it (the binding cookie is scoped to that path, RFC
 *   9700 §4.5) and answers the app with the code or the error (`tx_state`);
 * - a REST verification: `303` to its `redirectUri` with `verificationId`, or, without
 *   one, a page that says it is finished.
 *
 * A callback that belongs to no session, or whose `state` does not match, is an error
 * page (`page` surface) and leaves the session as it was.
 */
import { type ErrorCode, IdgateError } from '@idgate/errors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isFinished } from '../authorization/transaction-outcome.js';
import type { Config } from '../config/config.js';
import type { Verification } from '../domain/verification.js';
import { toIdgateError } from '../http/error-funnel.js';
import type { RouteContract } from '../http/route-contract.js';
import {
  callbackState,
  OidcUpstreamProvider,
  verificationIdOfState,
} from '../providers/oidc/oidc-upstream.provider.js';
import type { VerificationService } from '../verification/verification.service.js';
import { finishBrowserJourney } from './browser-journey.js';
import { debugOf } from './provider-failure.js';

/** What the callback drives: the session of the `state`, through the verification service. */
export interface OidcCallbackDeps {
  readonly config: Pick<Config, 'issuer' | 'environment'>;
  readonly verifications: Pick<VerificationService, 'getTransaction' | 'advance' | 'providers'>;
}

/** The callback parameters passed on to the adapter (`response`: a JWT-secured one, JARM). */
const PASSED_ON = ['code', 'state', 'iss', 'error', 'error_description', 'response'] as const;

/** Longest callback parameter idgate reads. */
const MAX_PARAMETER_LENGTH = 4096;

const CALLBACK_ERRORS: readonly ErrorCode[] = [
  'SESSION_NOT_FOUND',
  'PROVIDER_NOT_FOUND',
  'VALIDATION_MISSING_PARAMETER',
  'VALIDATION_INVALID_PARAMETER',
  'SESSION_INVALID_STATUS_TRANSITION',
];

interface CallbackParams {
  readonly providerId: string;
}

/** Registers the upstream providers' callback. */
export function registerOidcCallbackRoutes(app: FastifyInstance, deps: OidcCallbackDeps): void {
  const contract: RouteContract = { surface: 'page', produces: ['text/html'], errors: CALLBACK_ERRORS };
  app.get<{ Params: CallbackParams }>(
    '/callback/:providerId',
    { config: { idgate: contract } },
    function upstreamCallback(request, reply) {
      return handleCallback(deps, request, reply);
    },
  );
}

/**
 * The callback's parameters (each at most once).
 * @throws IdgateError `VALIDATION_INVALID_PARAMETER`
 */
function callbackInput(query: unknown): Record<string, string> {
  const raw = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const input: Record<string, string> = {};
  for (const name of PASSED_ON) {
    const value = Object.hasOwn(raw, name) ? raw[name] : undefined;
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length > MAX_PARAMETER_LENGTH) {
      throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
        detail: `The callback parameter ${name} must be sent once, at most ${MAX_PARAMETER_LENGTH} characters.`,
        context: { fields: [{ name, reason: 'is repeated or too long' }] },
      });
    }
    input[name] = value;
  }
  return input;
}

function unknownSession(): IdgateError {
  return new IdgateError('SESSION_NOT_FOUND', {
    detail: 'This sign-in is unknown or over: start it again from the app.',
  });
}

async function handleCallback(
  deps: OidcCallbackDeps,
  request: FastifyRequest<{ Params: CallbackParams }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { verifications } = deps;
  const providerId = request.params.providerId;
  if (!(verifications.providers.get(providerId) instanceof OidcUpstreamProvider)) {
    throw new IdgateError('PROVIDER_NOT_FOUND', {
      detail: `There is no upstream provider '${providerId.slice(0, 64)}' here.`,
      context: { providerId: providerId.slice(0, 64) },
    });
  }
  request.logContext.providerId = providerId;
  const input = callbackInput(request.query);
  const state = callbackState(input);
  if (state === undefined) {
    throw new IdgateError('VALIDATION_MISSING_PARAMETER', {
      detail: 'The callback has no state parameter.',
      context: { fields: [{ name: 'state', reason: 'is required' }] },
    });
  }
  const verificationId = verificationIdOfState(state);
  if (verificationId === undefined) throw unknownSession();
  const transaction = await verifications.getTransaction(verificationId).catch(function asUnknown(error: unknown) {
    throw toIdgateError(error).code === 'SESSION_NOT_FOUND' ? unknownSession() : error;
  });
  if (transaction.providerId !== providerId) throw unknownSession();
  request.logContext.verificationId = transaction.id;
  request.logContext.clientId = transaction.clientId;
  const advanced = isFinished(transaction) ? transaction : await advance(deps, request, transaction.id, input);
  return finishBrowserJourney(deps.config, request, reply, advanced);
}

/**
 * Advances the session with the callback. A provider failure fails the session (the
 * service records it, then throws): the failed session is the answer. Any other refusal
 * (a `state` that does not match) leaves it as it was and is shown as an error page.
 */
async function advance(
  deps: OidcCallbackDeps,
  request: FastifyRequest,
  id: string,
  input: Readonly<Record<string, string>>,
): Promise<Verification> {
  const { verifications } = deps;
  try {
    return await verifications.advance(id, input);
  } catch (thrown) {
    const error = toIdgateError(thrown);
    // The app sees the session's status code; the catalog code and its reason go to the log.
    request.log.warn(
      { verification_id: id, code: error.code, debug: debugOf(error), err: error.cause ?? error },
      'upstream provider callback failed',
    );
    const now = await verifications.getTransaction(id).catch(() => undefined);
    if (now !== undefined && isFinished(now)) return now;
    throw thrown;
  }
}
