/**
 * `private_key_jwt` client authentication (RFC 7523 §3, OpenID Connect Core §9, FAPI 2.0
 * Security Profile §5.3.2.1): the client signs a JWT with a key it registered (`jwks` or
 * `jwksUri`), and idgate checks it with jose — the signature by one of the app's keys, an
 * algorithm of {@link APP_SIGNING_ALGS}, `iss` = `sub` = the client id, `aud` the issuer
 * or the endpoint's URL, `exp` present and at most {@link MAX_ASSERTION_LIFETIME_SECONDS}
 * ahead, and a `jti` never seen before by any instance sharing the database (it is
 * remembered until the assertion expires). Every refusal is `AUTH_INVALID_CLIENT`
 * (`invalid_client`), its detail saying which check failed.
 */
import { IdgateError } from '@idgate/errors';
import { errors as joseErrors, jwtVerify } from 'jose';
import type { AppRecord } from '../store/apps.repository.js';
import { type SeenJtisRepository, seenJtiId } from '../store/seen-jtis.repository.js';
import { APP_SIGNING_ALGS } from './app-policy.js';
import { type ClientKeys, JwksFetchError } from './client-keys.js';

/** RFC 7523 §2.2: the `client_assertion_type` of a JWT client assertion. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** SPEC 12: an assertion's `exp` is at most this far ahead. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;

/** Clock skew allowed between the client and idgate (`exp`, `nbf`, `iat`). */
export const ASSERTION_CLOCK_TOLERANCE_SECONDS = 5;

/** The longest `jti` idgate remembers. */
const MAX_JTI_LENGTH = 256;

/** What assertions are checked with. */
export interface ClientAssertionsDeps {
  readonly issuer: string;
  readonly keys: Pick<ClientKeys, 'keysOf'>;
  readonly seenJtis: Pick<SeenJtisRepository, 'remember'>;
  readonly clock: () => Date;
}

/** Checks `private_key_jwt` assertions. */
export class ClientAssertions {
  readonly #deps: ClientAssertionsDeps;

  constructor(deps: ClientAssertionsDeps) {
    this.#deps = deps;
  }

  /**
   * Checks an assertion of `app`, presented at `endpointUrl`.
   * @throws IdgateError `AUTH_INVALID_CLIENT` saying which check failed
   */
  async verify(app: AppRecord, assertion: string, endpointUrl: string): Promise<void> {
    const { issuer, keys, seenJtis, clock } = this.#deps;
    const context = { client_id: app.clientId };
    const resolver = keys.keysOf(app);
    if (resolver === undefined) {
      throw invalidClient('This client registered no keys (jwks or jwksUri) to check a private_key_jwt with.', context);
    }
    const now = clock();
    let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
    try {
      ({ payload } = await jwtVerify(assertion, resolver, {
        algorithms: [...APP_SIGNING_ALGS],
        // RFC 7523 §3: iss and sub are the client id; aud identifies the authorization server.
        issuer: app.clientId,
        subject: app.clientId,
        audience: [issuer, endpointUrl],
        requiredClaims: ['exp', 'jti'],
        clockTolerance: ASSERTION_CLOCK_TOLERANCE_SECONDS,
        currentDate: now,
      }));
    } catch (error) {
      throw invalidClient(assertionProblem(error), context, error);
    }
    const exp = payload.exp as number;
    if (exp - now.getTime() / 1000 > MAX_ASSERTION_LIFETIME_SECONDS + ASSERTION_CLOCK_TOLERANCE_SECONDS) {
      throw invalidClient(
        `The client assertion is valid for too long: exp must be at most ${MAX_ASSERTION_LIFETIME_SECONDS} seconds ahead.`,
        context,
      );
    }
    const jti = payload.jti;
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
      throw invalidClient(`The client assertion's jti must be a string of 1 to ${MAX_JTI_LENGTH} characters.`, context);
    }
    const keepUntil = new Date((exp + ASSERTION_CLOCK_TOLERANCE_SECONDS) * 1000);
    // RFC 7523 §3 item 7: the jti is used once; the database makes that true across instances.
    if (!(await seenJtis.remember(seenJtiId('assertion', app.clientId, jti), keepUntil, now))) {
      throw invalidClient('The client assertion was already used (its jti was seen before): sign a new one.', context);
    }
  }
}

function invalidClient(detail: string, context: Record<string, string>, cause?: unknown): IdgateError {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return new IdgateError('AUTH_INVALID_CLIENT', {
    detail,
    context,
    ...(typeof code === 'string' ? { debug: { jose: code } } : {}),
  });
}

/** What a failed jose check means for the client, in words it can act on. */
function assertionProblem(error: unknown): string {
  if (error instanceof JwksFetchError || error instanceof joseErrors.JWKSTimeout) {
    return "The client's jwks_uri could not be read (unreachable, refused, too slow or too large), so the assertion cannot be checked.";
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) {
    return `The client assertion's alg is not accepted: sign it with ${APP_SIGNING_ALGS.join(', ')}.`;
  }
  if (error instanceof joseErrors.JWKSNoMatchingKey) {
    return "No key of the client's registered JWKS matches the assertion (kid and alg): sign with a registered key.";
  }
  if (error instanceof joseErrors.JWKSMultipleMatchingKeys) {
    return "Several keys of the client's JWKS match the assertion: give it the kid of the key that signed it.";
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return "The client assertion's signature does not verify with the client's registered key.";
  }
  if (error instanceof joseErrors.JWTExpired)
    return 'The client assertion has expired: sign a new one for every request.';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'iss':
      case 'sub':
        return `The client assertion's ${error.claim} must be the client id.`;
      case 'aud':
        return "The client assertion's aud must be the issuer (or the URL of the endpoint it is sent to).";
      case 'exp':
      case 'jti':
        return `The client assertion has no ${error.claim} claim; it is required.`;
      default:
        return `The client assertion's ${error.claim} claim is not valid now.`;
    }
  }
  if (error instanceof joseErrors.JWKSInvalid) return "The client's jwks_uri did not answer with a JSON Web Key Set.";
  if (error instanceof joseErrors.JOSEError) return 'The client assertion is not a well-formed signed JWT.';
  return 'The client assertion could not be checked.';
}
