import {
  bearerChallengeFor,
  CATALOG,
  ERROR_CODES,
  IdgateError,
  renderAuthorizationErrorRedirect,
  renderChallenge,
  renderOAuthError,
  renderProblem,
  TX_STATUS_CODES,
} from '@idgate/errors';
import { describe, expect, it } from 'vitest';
import { parseAuthorizationRedirect, parseChallenges, parseOAuthError, parseProblem } from '../src/index.js';

const ISSUER = 'https://idgate.example';
const REQUEST = { issuer: ISSUER, requestId: 'req-1', instance: '/v1/verifications' };

describe('parse(render(e)) gives back the code on every surface', () => {
  it.each(ERROR_CODES)('%s as problem+json', (code) => {
    const rendered = renderProblem(new IdgateError(code), REQUEST);
    const parsed = parseProblem(JSON.parse(JSON.stringify(rendered.body)), rendered.status);
    expect(parsed.code).toBe(code);
    expect(parsed.status).toBe(CATALOG[code].status);
    expect(parsed.retryable).toBe(CATALOG[code].retryable);
    expect(parsed.requestId).toBe('req-1');
    expect(parsed.source).toBe('problem');
  });

  it.each(ERROR_CODES)('%s as OAuth JSON', (code) => {
    const rendered = renderOAuthError(new IdgateError(code), {
      issuer: ISSUER,
      requestId: 'req-2',
      realm: 'idgate',
      authorizationHeaderSent: false,
    });
    const parsed = parseOAuthError(JSON.parse(JSON.stringify(rendered.body)), rendered.status);
    expect(parsed.code).toBe(code);
    expect(parsed.oauthError).toBe(CATALOG[code].oauth);
    expect(parsed.retry).toBe(CATALOG[code].retry);
  });

  it.each(TX_STATUS_CODES)('%s as an authorization redirect', (txStatus) => {
    const location = renderAuthorizationErrorRedirect({
      redirectUri: 'https://app.example/cb?keep=1',
      txStatus,
      txState: 'failed',
      issuer: ISSUER,
      state: 's&t=a te',
      errMsg: 'Über & <b>"quoted"</b> 100%#',
      errCode: '1001+',
    });
    const parsed = parseAuthorizationRedirect(location);
    expect(parsed?.txStatus).toBe(txStatus);
    expect(parsed?.txState).toBe('failed');
    expect(parsed?.errMsg).toBe('Über & <b>"quoted"</b> 100%#');
    expect(parsed?.errCode).toBe('1001+');
    expect(parsed?.userMessage('de')).not.toBe(parsed?.userMessage('en'));
  });

  it.each(ERROR_CODES.flatMap((code) => (['Bearer', 'DPoP'] as const).map((scheme) => [code, scheme] as const)))(
    '%s as a %s challenge',
    (code, scheme) => {
      const error = new IdgateError(code, { detail: 'a "quoted" \\ detail, with a comma', context: { scope: 'x y' } });
      const challenge = bearerChallengeFor(error, {
        realm: 'id"gate',
        tokenSent: true,
        scheme,
        dpopAlgs: ['ES256', 'PS256', 'EdDSA', 'Ed25519'],
      });
      if (challenge === undefined) return;
      const [parsed, ...others] = parseChallenges(renderChallenge(challenge));
      expect(others).toEqual([]);
      expect(parsed?.scheme).toBe(challenge.scheme);
      expect(parsed?.params.realm).toBe('id"gate');
      expect(parsed?.params.error).toBe(challenge.error);
      if (challenge.errorDescription !== undefined) expect(parsed?.params.error_description).toBeTruthy();
      if (challenge.scheme === 'DPoP') expect(parsed?.params.algs).toBe('ES256 PS256 EdDSA Ed25519');
      if (CATALOG[code].bearer === 'insufficient_scope') expect(parsed?.params.scope).toBe('x y');
    },
  );

  it('reads several challenges of one header', () => {
    expect(parseChallenges('Bearer realm="idgate", DPoP realm="idgate", algs="ES256 PS256"')).toEqual([
      { scheme: 'Bearer', params: { realm: 'idgate' } },
      { scheme: 'DPoP', params: { realm: 'idgate', algs: 'ES256 PS256' } },
    ]);
    expect(parseChallenges(undefined)).toEqual([]);
  });

  it('reads no error from a success redirect', () => {
    expect(parseAuthorizationRedirect('https://app.example/cb?code=abc&state=x')).toBeUndefined();
  });
});
