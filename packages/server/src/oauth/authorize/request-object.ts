/**
 * Signed request objects (RFC 9101) pushed to `/par` (RFC 9126 §3): the `request`
 * parameter is a JWT signed by one of the app's registered keys, checked with jose —
 * the algorithm the app registered (`requestObjectSigningAlg`) or, without one, any of
 * {@link APP_SIGNING_ALGS}; `iss` and `client_id` the client id; `aud` the issuer; `exp`
 * required, and with `nbf` at most {@link MAX_REQUEST_OBJECT_LIFETIME_SECONDS} apart
 * (FAPI 2.0 Message Signing §5.3.1). Its claims are then the request's parameters: those
 * sent beside it are ignored (RFC 9101 §6.3). Every refusal is
 * `VALIDATION_INVALID_PARAMETER` naming `request`.
 */
import { IdgateError } from '@idgate/errors';
import { errors as joseErrors, jwtVerify } from 'jose';
import { type ClientKeys, JwksFetchError } from '../../apps/client-keys.js';
import { APP_SIGNING_ALGS } from '../../domain/app-signing-algs.js';
import type { AppRecord } from '../../store/apps.repository.js';
import { AUTHORIZE_PARAMETERS, type RawParameters } from './request-parameters.js';

/** The longest a request object may be valid (`exp` − `nbf`). */
export const MAX_REQUEST_OBJECT_LIFETIME_SECONDS = 3600;

/** Clock skew allowed between the client and idgate. */
const CLOCK_TOLERANCE_SECONDS = 5;

function invalidRequestObject(detail: string, client: AppRecord, cause?: unknown): IdgateError {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return new IdgateError('VALIDATION_INVALID_PARAMETER', {
    detail,
    context: { client_id: client.clientId, fields: [{ name: 'request', reason: 'is not a valid request object' }] },
    ...(typeof code === 'string' ? { debug: { jose: code } } : {}),
  });
}

/**
 * The parameters a signed request object carries (RFC 9101 §6.3), `client_id` included.
 * @throws IdgateError `VALIDATION_INVALID_PARAMETER`
 */
export async function requestObjectParameters(
  keys: Pick<ClientKeys, 'keysOf'>,
  issuer: string,
  client: AppRecord,
  requestObject: string,
  now: Date,
): Promise<RawParameters> {
  const resolver = keys.keysOf(client);
  if (resolver === undefined) {
    throw invalidRequestObject('This app registered no keys (jwks or jwksUri) to check a request object with.', client);
  }
  const algorithms = client.requestObjectSigningAlg === null ? [...APP_SIGNING_ALGS] : [client.requestObjectSigningAlg];
  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    ({ payload } = await jwtVerify(requestObject, resolver, {
      algorithms,
      issuer: client.clientId,
      audience: issuer,
      requiredClaims: ['exp'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: now,
    }));
  } catch (error) {
    throw invalidRequestObject(requestObjectProblem(error, algorithms), client, error);
  }
  if (payload.nbf !== undefined && (payload.exp as number) - payload.nbf > MAX_REQUEST_OBJECT_LIFETIME_SECONDS) {
    throw invalidRequestObject(
      `The request object is valid for too long: exp must be at most ${MAX_REQUEST_OBJECT_LIFETIME_SECONDS} seconds after nbf.`,
      client,
    );
  }
  // RFC 9101 §5: client_id in the request object is the client's.
  if (payload.client_id !== client.clientId) {
    throw invalidRequestObject("The request object's client_id must be the client id.", client);
  }
  if (payload.request !== undefined || payload.request_uri !== undefined) {
    throw invalidRequestObject('A request object must not carry request or request_uri.', client);
  }
  const parameters: Record<string, string> = {};
  for (const name of AUTHORIZE_PARAMETERS) {
    const value = payload[name];
    if (value === undefined) continue;
    if (typeof value !== 'string') {
      throw invalidRequestObject(`The request object's ${name} must be a string.`, client);
    }
    parameters[name] = value;
  }
  return parameters;
}

function requestObjectProblem(error: unknown, algorithms: readonly string[]): string {
  if (error instanceof JwksFetchError || error instanceof joseErrors.JWKSTimeout) {
    return "The app's jwks_uri could not be read, so the request object cannot be checked.";
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) {
    return `The request object must be signed with ${algorithms.join(' or ')}.`;
  }
  if (error instanceof joseErrors.JWKSNoMatchingKey) {
    return "No key of the app's registered JWKS matches the request object (kid and alg).";
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return "The request object's signature does not verify with the app's registered key.";
  }
  if (error instanceof joseErrors.JWTExpired) return 'The request object has expired.';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return "The request object's iss must be the client id.";
    if (error.claim === 'aud') return "The request object's aud must be the issuer.";
    return `The request object's ${error.claim} claim is missing or not valid now.`;
  }
  return "The request object is not a well-formed JWT signed by one of the app's registered keys (unsigned ones are refused).";
}
