/**
 * The checks of an authorization request once its client and `redirect_uri` are verified
 * (RFC 6749 §4.1.1, RFC 7636, OpenID Connect Core §3.1.2.1). Each failure here ends the
 * transaction and is redirected to the app (SPEC 2.1). The checks run in a fixed order;
 * the first one that fails decides the error.
 */
import { type FieldProblem, IdgateError } from '@idgate/errors';
import { effectiveScopes, isFapiApp, REST_SCOPES } from '../../apps/app-policy.js';
import { ACR_PREFIX, loaFromAcr } from '../../domain/loa.js';
import type { AuthorizationRequestRecord } from '../../domain/verification.js';
import { checkWellEncoded, malformedParametersOf } from '../../http/parameter-encoding.js';
import type { AppRecord } from '../../store/apps.repository.js';
import { parseScope } from '../token-request.js';
import {
  AUTHORIZE_PARAMETERS,
  CLIENT_PARAMETERS,
  checkNotRepeated,
  type RawParameters,
  single,
} from './request-parameters.js';

/** The longest `state` and `nonce` idgate keeps (they are echoed and stored). */
export const MAX_STATE_LENGTH = 2048;

/** The longest value of the other free-text parameters (`login_hint`, `ui_locales`, …). */
export const MAX_HINT_LENGTH = 256;

/** `prompt` values idgate understands (OpenID Connect Core §3.1.2.1). */
const PROMPT_VALUES: readonly string[] = ['none', 'login', 'consent', 'select_account'];

/** RFC 7636 §4.2: an S256 challenge is the base64url SHA-256 of the verifier, 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

function invalidParameter(name: string, reason: string, detail: string): IdgateError {
  return new IdgateError('VALIDATION_INVALID_PARAMETER', { detail, context: { fields: [{ name, reason }] } });
}

/**
 * The `state` to echo in redirects: the single value sent, exactly as received. A
 * repeated `state` has none (the request is refused for the repeat).
 */
export function stateOf(params: RawParameters): string | undefined {
  return single(params, 'state');
}

/**
 * Refuses any other parameter idgate reads that was sent more than once.
 * @throws IdgateError `VALIDATION_INVALID_PARAMETER`
 */
export function checkNoRepeatedParameters(params: RawParameters): void {
  // RFC 6749 §3.1: request parameters MUST NOT be included more than once.
  checkNotRepeated(
    params,
    AUTHORIZE_PARAMETERS.filter((name) => !CLIENT_PARAMETERS.includes(name)),
  );
}

/**
 * @throws IdgateError `VALIDATION_MISSING_PARAMETER`, `VALIDATION_UNSUPPORTED_RESPONSE_TYPE`
 */
export function checkResponseType(params: RawParameters): 'code' {
  // RFC 6749 §4.1.1: response_type is REQUIRED and MUST be `code` for this grant.
  const responseType = single(params, 'response_type');
  if (responseType === undefined) {
    throw new IdgateError('VALIDATION_MISSING_PARAMETER', {
      detail: 'The response_type parameter is required; idgate supports response_type=code.',
      context: { fields: [{ name: 'response_type', reason: 'is required' }] },
    });
  }
  if (responseType !== 'code') {
    throw new IdgateError('VALIDATION_UNSUPPORTED_RESPONSE_TYPE', {
      detail: `response_type ${responseType.slice(0, 64)} is not supported; idgate supports only response_type=code (authorization code flow).`,
      context: { fields: [{ name: 'response_type', reason: 'must be code' }] },
    });
  }
  return 'code';
}

/**
 * @throws IdgateError `AUTH_FORBIDDEN`
 */
export function checkCodeGrantAllowed(app: AppRecord): void {
  // RFC 6749 §4.1.2.1: unauthorized_client — the client may not use this method.
  if (!app.grantTypes.includes('authorization_code')) {
    throw new IdgateError('AUTH_FORBIDDEN', {
      detail: 'This app may not use the authorization code flow: add authorization_code to its grantTypes.',
      context: { client_id: app.clientId, grantTypes: app.grantTypes },
    });
  }
}

/**
 * @throws IdgateError `VALIDATION_INVALID_PARAMETER`
 */
export function checkNoRequestObject(params: RawParameters): void {
  // OpenID Connect Core §6: an OP that does not support request objects here must refuse
  // them rather than ignore them (they carry the real parameters). Request objects are
  // taken only when pushed to /par (RFC 9126 §3); a request_uri only from /par.
  for (const name of ['request', 'request_uri'] as const) {
    if (single(params, name) !== undefined) {
      throw invalidParameter(
        name,
        'is not supported here',
        name === 'request'
          ? 'idgate takes request objects only at the pushed authorization request endpoint (/par); send the parameters directly, or push them.'
          : 'This request_uri cannot be used here: only request_uri values issued by /par are accepted, sent with client_id alone.',
      );
    }
  }
}

/**
 * RFC 9126 §5 (`require_pushed_authorization_requests`): an app that must push its
 * requests gets an error redirect for a plain one.
 * @throws IdgateError `VALIDATION_MISSING_PARAMETER`
 */
export function checkPushedIfRequired(app: AppRecord, pushed: boolean): void {
  if (pushed || !app.requirePushedAuthorizationRequests) return;
  throw new IdgateError('VALIDATION_MISSING_PARAMETER', {
    detail:
      'This app must push its authorization requests: POST them to /par and send only client_id and the request_uri it returns to /authorize (RFC 9126).',
    context: {
      client_id: app.clientId,
      fields: [{ name: 'request_uri', reason: 'is required: this app uses PAR only' }],
    },
  });
}

/**
 * @throws IdgateError `VALIDATION_INVALID_PARAMETER`
 */
export function checkResponseMode(params: RawParameters): void {
  // OAuth 2.0 Multiple Response Type Encoding Practices §2.1: idgate answers in the query only.
  const mode = single(params, 'response_mode');
  if (mode !== undefined && mode !== 'query') {
    throw invalidParameter(
      'response_mode',
      'must be query',
      'idgate answers authorization requests in the query only (response_mode=query).',
    );
  }
}

/**
 * The scopes granted: the ones requested, each allowed for the app. `offline_access` is
 * left out when the app cannot get refresh tokens (OpenID Connect Core §11 lets the OP
 * ignore it); every other scope that is unknown or not allowed refuses the request.
 * @throws IdgateError `VALIDATION_INVALID_SCOPE`
 */
export function grantedScopes(params: RawParameters, app: AppRecord): readonly string[] {
  const text = single(params, 'scope');
  // RFC 6749 §3.3: without scope the server MUST use a default or fail with invalid_scope.
  if (text === undefined) {
    throw new IdgateError('VALIDATION_INVALID_SCOPE', {
      detail: 'The scope parameter is required: send at least openid (or another scope this app may use).',
      context: { fields: [{ name: 'scope', reason: 'is required' }] },
    });
  }
  const requested = parseScope(text);
  // SPEC 2: the REST API's scopes come from client_credentials, never from /authorize.
  const rest = requested.filter((scope) => (REST_SCOPES as readonly string[]).includes(scope));
  if (rest.length > 0) {
    throw new IdgateError('VALIDATION_INVALID_SCOPE', {
      detail: `${rest.join(', ')} ${rest.length === 1 ? 'is a REST API scope' : 'are REST API scopes'}: request ${rest.length === 1 ? 'it' : 'them'} with the client_credentials grant at /token, not at /authorize.`,
      context: { scopes: rest },
    });
  }
  const allowed = effectiveScopes(app);
  const offline = allowed.includes('offline_access') && app.grantTypes.includes('refresh_token');
  const refused = requested.filter((scope) => scope !== 'offline_access' && !allowed.includes(scope));
  // SPEC 2.2: a scope the app may not use is invalid_scope, never silently dropped.
  if (refused.length > 0) {
    throw new IdgateError('VALIDATION_INVALID_SCOPE', {
      detail: `This app may not use ${refused.length === 1 ? 'scope' : 'scopes'} ${refused.slice(0, 5).join(', ')}; it may use ${allowed.join(', ')}.`,
      context: { client_id: app.clientId, scopes: refused.slice(0, 5) },
    });
  }
  return requested.filter((scope) => scope !== 'offline_access' || offline);
}

/** The PKCE parameters of a request that passed {@link checkPkce}. */
export interface PkceParameters {
  readonly codeChallenge?: string;
  readonly codeChallengeMethod?: 'S256';
}

/**
 * @throws IdgateError `VALIDATION_INVALID_PKCE`
 */
export function checkPkce(params: RawParameters, app: AppRecord): PkceParameters {
  const challenge = single(params, 'code_challenge');
  const method = single(params, 'code_challenge_method');
  if (challenge === undefined) {
    // RFC 9700 §2.1.1 and SPEC 2: public clients MUST use PKCE.
    if (app.type === 'public')
      throw invalidPkce('code_challenge', 'is required', 'Public clients must send a PKCE code_challenge (S256).');
    // FAPI 2.0 Security Profile §5.3.2.2: every client uses PKCE S256.
    if (isFapiApp(app)) {
      throw invalidPkce(
        'code_challenge',
        'is required',
        'Apps of the fapi2-security profile must send a PKCE code_challenge (S256).',
      );
    }
    if (method !== undefined) {
      throw invalidPkce(
        'code_challenge',
        'is required with code_challenge_method',
        'code_challenge_method was sent without a code_challenge.',
      );
    }
    return {};
  }
  // RFC 7636 §4.3: a missing method means `plain`; RFC 9700 §2.1.1: plain is refused, only S256.
  if (method !== 'S256') {
    throw invalidPkce(
      'code_challenge_method',
      method === undefined ? 'is required (plain is not accepted)' : 'must be S256',
      method === undefined
        ? 'code_challenge_method is missing, which means plain; idgate accepts only S256.'
        : `code_challenge_method ${method.slice(0, 32)} is not supported; idgate accepts only S256.`,
    );
  }
  if (!S256_CHALLENGE.test(challenge)) {
    throw invalidPkce(
      'code_challenge',
      'is not 43 base64url characters',
      'code_challenge must be the base64url-encoded SHA-256 of the code verifier: 43 characters of A-Z, a-z, 0-9, - and _.',
    );
  }
  return { codeChallenge: challenge, codeChallengeMethod: 'S256' };
}

function invalidPkce(name: string, reason: string, detail: string): IdgateError {
  return new IdgateError('VALIDATION_INVALID_PKCE', { detail, context: { fields: [{ name, reason }] } });
}

/**
 * The requested level of assurance: the lowest idgate value among `acr_values` (the
 * least the app accepts). Values idgate does not know are ignored while one is known.
 * @throws IdgateError `VALIDATION_INVALID_PARAMETER` when none is an idgate value
 */
export function requestedLoaOf(params: RawParameters): number | undefined {
  const text = single(params, 'acr_values');
  if (text === undefined) return undefined;
  // OpenID Connect Core §3.1.2.1: acr_values is a space-separated list, in order of preference.
  const levels = text
    .split(' ')
    .map(loaFromAcr)
    .filter((loa) => loa !== undefined);
  if (levels.length === 0) {
    throw invalidParameter(
      'acr_values',
      `names no level of assurance (${ACR_PREFIX}1 … ${ACR_PREFIX}5)`,
      `acr_values names no level of assurance idgate knows; use ${ACR_PREFIX}1 to ${ACR_PREFIX}5.`,
    );
  }
  return Math.min(...levels);
}

/**
 * The `prompt` values, checked. `prompt=none` cannot be satisfied: idgate keeps no
 * sign-in session, so every verification needs the user (OpenID Connect Core §3.1.2.6
 * would answer `login_required`, which is not in idgate's list: `err_not_authenticated`).
 * `login`, `consent` and `select_account` are satisfied by every verification; values
 * idgate does not know are ignored.
 * @throws IdgateError `VALIDATION_INVALID_PARAMETER` (`none` with other values),
 *   `VALIDATION_UNPROCESSABLE` (`none`, as `err_not_authenticated`)
 */
export function checkPrompt(params: RawParameters): string | undefined {
  const text = single(params, 'prompt');
  if (text === undefined) return undefined;
  const values = text.split(' ').filter((value) => value !== '');
  if (!values.includes('none')) return values.filter((value) => PROMPT_VALUES.includes(value)).join(' ') || undefined;
  // OpenID Connect Core §3.1.2.1: none with any other value is an error.
  if (values.length > 1) {
    throw invalidParameter('prompt', 'none must be alone', 'prompt=none cannot be combined with other prompt values.');
  }
  // OpenID Connect Core §3.1.2.1: with none the OP MUST NOT display any authentication UI.
  throw new IdgateError('VALIDATION_UNPROCESSABLE', {
    detail: 'prompt=none cannot be satisfied: idgate keeps no sign-in session, so every verification needs the user.',
    context: { fields: [{ name: 'prompt', reason: 'none cannot be satisfied' }] },
    txStatus: 'err_not_authenticated',
  });
}

/**
 * @throws IdgateError `VALIDATION_INVALID_PARAMETER` naming every value that is too long
 */
export function checkLengths(params: RawParameters): void {
  const limits: readonly (readonly [
    name: 'state' | 'nonce' | 'login_hint' | 'provider_hint' | 'ui_locales',
    max: number,
  ])[] = [
    ['state', MAX_STATE_LENGTH],
    ['nonce', MAX_STATE_LENGTH],
    ['login_hint', MAX_HINT_LENGTH],
    ['provider_hint', MAX_HINT_LENGTH],
    ['ui_locales', MAX_HINT_LENGTH],
  ];
  // idgate stores and echoes these values: each has a bound.
  const problems: FieldProblem[] = limits
    .filter(([name, max]) => (single(params, name)?.length ?? 0) > max)
    .map(([name, max]) => ({ name, reason: `is longer than ${max} characters` }));
  if (problems.length === 0) return;
  throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
    detail: `Too long: ${problems.map((problem) => problem.reason.replace('is', `${problem.name} is`)).join('; ')}.`,
    context: { fields: problems },
  });
}

/** The outcome of the checks: the request to store, and the error that refuses it, if any. */
export interface CheckedRequest {
  readonly record: AuthorizationRequestRecord;
  readonly error: IdgateError | undefined;
}

/**
 * Runs every check in order (`pushed`: the parameters came from `/par`). The record
 * always holds what was verified, so a refused
 * request still starts (and fails) a transaction with the parameters it had
 * (SPEC 2.1: a request rejected after client and `redirect_uri` were verified reads
 * `tx_state=failed`).
 */
export function checkAuthorizationRequest(
  params: RawParameters,
  app: AppRecord,
  redirectUri: string,
  options: { readonly pushed: boolean } = { pushed: false },
): CheckedRequest {
  const state = stateOf(params);
  // A malformed `state` is not echoed: what was received is not the text it decodes to.
  const echoed =
    state !== undefined && state.length <= MAX_STATE_LENGTH && !malformedParametersOf(params).includes('state');
  const base: AuthorizationRequestRecord = {
    responseType: 'code',
    redirectUri,
    scope: [],
    ...(echoed ? { state } : {}),
  };
  try {
    checkWellEncoded(params, 'request');
    checkPushedIfRequired(app, options.pushed);
    checkNoRepeatedParameters(params);
    const responseType = checkResponseType(params);
    checkCodeGrantAllowed(app);
    checkNoRequestObject(params);
    checkResponseMode(params);
    checkLengths(params);
    const scope = grantedScopes(params, app);
    const pkce = checkPkce(params, app);
    const requestedLoa = requestedLoaOf(params);
    const prompt = checkPrompt(params);
    const nonce = single(params, 'nonce');
    const uiLocales = single(params, 'ui_locales');
    const loginHint = single(params, 'login_hint');
    const providerHint = single(params, 'provider_hint');
    const record: AuthorizationRequestRecord = {
      ...base,
      responseType,
      scope,
      ...(nonce === undefined ? {} : { nonce }),
      ...pkce,
      ...(prompt === undefined ? {} : { prompt }),
      ...(uiLocales === undefined ? {} : { uiLocales }),
      ...(loginHint === undefined ? {} : { loginHint }),
      ...(providerHint === undefined ? {} : { providerHint }),
      ...(requestedLoa === undefined ? {} : { requestedLoa }),
    };
    return { record, error: undefined };
  } catch (error) {
    if (error instanceof IdgateError) return { record: base, error };
    throw error;
  }
}
