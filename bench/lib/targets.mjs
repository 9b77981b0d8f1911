/**
 * The autocannon targets: per group the reference (oidc-provider, or the bare GET route),
 * the bare POST ceiling route, idgate, and idgate with rate limits on; each with the
 * request it sends and the check its answer must pass before it is loaded.
 */
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';
import { REST_SCOPE } from '../oidc-servers.mjs';
import { base64url, basic, checker, FORM, form, parseJson, snippet } from './http.mjs';
import { FAPI_GROUPS, POST_GROUPS, wanted } from './options.mjs';

/** The server labels of the targets. */
export const IDGATE = 'idgate';
export const IDGATE_LIMITED = 'idgate-rl';
export const PROVIDER = 'oidc-provider';
export const BARE = 'bare';

/**
 * The request of a POST group to one server: `{ path, headers, body }`. The bare ceiling
 * route of the group receives idgate's request (headers and form body) unchanged.
 */
export function postRequest(group, side, token = undefined) {
  const { clientId, clientSecret } = side.clients.rest;
  const tokenPath = side.paths?.token ?? '/token';
  const headers = (secret) => ({ authorization: basic(clientId, secret), 'content-type': FORM });
  const tokenBody = form({ grant_type: 'client_credentials', scope: REST_SCOPE });
  if (group === 'token') return { path: tokenPath, headers: headers(clientSecret), body: tokenBody };
  if (group === 'invalid-secret') {
    return { path: tokenPath, headers: headers(`${clientSecret.slice(0, -4)}XXXX`), body: tokenBody };
  }
  return { path: side.paths?.introspect ?? '/introspect', headers: headers(clientSecret), body: form({ token }) };
}

/** What a POST group's targets are called after the path, their status and their check. */
export const POST_TARGETS = {
  token: {
    suffix: 'client_credentials',
    status: 200,
    check: (response, json) =>
      typeof json?.access_token !== 'string'
        ? 'no access_token'
        : json.token_type?.toLowerCase() !== 'bearer'
          ? `token_type ${json.token_type}`
          : json.access_token.split('.').length === 3
            ? 'the access token is a JWT, expected an opaque token'
            : (response.headers.get('cache-control') ?? '').includes('no-store')
              ? undefined
              : 'no Cache-Control: no-store',
  },
  'invalid-secret': {
    suffix: 'wrong secret',
    status: 401,
    check: (response, json) =>
      json?.error !== 'invalid_client'
        ? `error ${json?.error}`
        : /^Basic /.test(response.headers.get('www-authenticate') ?? '')
          ? undefined
          : 'no WWW-Authenticate: Basic',
  },
  introspect: {
    suffix: '(active token)',
    status: 200,
    check: (_response, json, clientId) =>
      json?.active !== true
        ? `active ${json?.active}`
        : json.client_id !== clientId
          ? `client_id ${json.client_id}`
          : undefined,
  },
};

/** The public documents, each beside a bare GET route with a body of the same size and type. */
export const DOCUMENTS = Object.freeze([
  { group: 'discovery', path: '/.well-known/openid-configuration', barePath: '/bare/discovery' },
  { group: 'jwks', path: '/jwks', barePath: '/bare/jwks' },
]);

function bareCeiling(group, bare, route, request) {
  return {
    group,
    server: BARE,
    reference: false,
    ceiling: true,
    name: `bare Fastify POST ${route.path} (form parse only)`,
    request: {
      url: `http://127.0.0.1:${bare.port}${route.path}`,
      method: 'POST',
      headers: request.headers,
      body: request.body,
    },
    status: route.status,
    check: (response) => {
      const wrong = Object.entries(route.headers).find(([name, value]) => response.headers.get(name) !== value);
      return wrong ? `${wrong[0]}: ${response.headers.get(wrong[0])}, expected ${wrong[1]}` : undefined;
    },
  };
}

/**
 * The autocannon targets of the selected groups. Each: `group`, `server`, `name`,
 * `request` (url, method, headers, body), `status`, `check(response, json)` returning a
 * problem or undefined. `reference: true` marks the side idgate is compared with;
 * `ceiling: true` the bare POST route beside a POST group's pair.
 */
export function autocannonTargets({ idgate, limited, provider, bare, introspected, fapi }) {
  const targets = [];
  // Group by group, the reference first, then the bare ceiling route (if any), then
  // idgate (then idgate with rate limits on), so that each group runs back to back.
  const servers = [];
  if (provider) servers.push({ label: PROVIDER, side: provider });
  if (idgate) servers.push({ label: IDGATE, side: idgate });
  if (limited) servers.push({ label: IDGATE_LIMITED, side: limited });

  for (const group of POST_GROUPS) {
    if (!wanted(group)) continue;
    const { suffix, status, check } = POST_TARGETS[group];
    for (const { label, side } of servers) {
      if (group === 'introspect' && !introspected?.[label]) continue;
      const request = postRequest(group, side, introspected?.[label]);
      const route = label === IDGATE ? bare?.routes[group] : undefined;
      if (route) targets.push(bareCeiling(group, bare, route, request));
      const title = label === IDGATE_LIMITED ? 'idgate (rate limits on)' : label;
      targets.push({
        group,
        server: label,
        reference: label === PROVIDER,
        name: `${title} POST ${request.path} ${suffix}`,
        request: {
          url: `http://127.0.0.1:${side.port}${request.path}`,
          method: 'POST',
          headers: request.headers,
          body: request.body,
        },
        status,
        check: (response, json) => check(response, json, side.clients.rest.clientId),
      });
    }
  }
  if (idgate && fapi) {
    for (const group of FAPI_GROUPS) {
      if (!wanted(group) || !fapi[group]) continue;
      targets.push({
        group,
        server: IDGATE,
        reference: false,
        name: `idgate POST /token client_credentials ${group === 'token-pkjwt' ? 'private_key_jwt' : 'Basic + DPoP'}`,
        request: { url: `http://127.0.0.1:${idgate.port}/token`, method: 'POST', headers: {}, body: '' },
        fresh: fapi[group],
        status: 200,
        check: (_response, json) =>
          typeof json?.access_token !== 'string'
            ? 'no access_token'
            : json.token_type !== (group === 'token-dpop' ? 'DPoP' : 'Bearer')
              ? `token_type ${json.token_type}`
              : undefined,
      });
    }
  }
  if (idgate) {
    for (const document of DOCUMENTS) {
      if (!wanted(document.group) || !bare?.routes[document.group]) continue;
      targets.push({
        group: document.group,
        server: BARE,
        reference: true,
        name: `bare Fastify GET ${document.barePath}`,
        request: { url: `http://127.0.0.1:${bare.port}${document.barePath}`, method: 'GET', headers: {} },
        status: 200,
        check: () => undefined,
      });
      targets.push({
        group: document.group,
        server: IDGATE,
        reference: false,
        name: `idgate GET ${document.path}`,
        request: { url: `http://127.0.0.1:${idgate.port}${document.path}`, method: 'GET', headers: {} },
        status: 200,
        check: () => undefined,
      });
    }
  }
  return targets;
}

/** One request: the status and the target's own check. */
export async function verify(target) {
  const { url, method } = target.request;
  const { headers, body } = target.fresh ? (await target.fresh(1))[0] : target.request;
  const response = await checker.request(method, url, headers, body);
  const json = parseJson(response.body);
  const problems = [];
  if (response.status !== target.status) problems.push(`status ${response.status}, expected ${target.status}`);
  else {
    const problem = target.check(response, json);
    if (problem) problems.push(problem);
  }
  return {
    problem: problems.length ? `${problems.join('; ')}: ${snippet(response.body)}` : undefined,
    contentType: response.headers.get('content-type') ?? '',
    bodyBytes: Buffer.byteLength(response.body),
  };
}

/**
 * The request makers of the FAPI groups: `count` token requests, each with a new
 * `private_key_jwt` assertion (ES256, `aud` the issuer) or a new DPoP proof (ES256).
 */
export async function fapiRequestMakers(idgate) {
  const makers = {};
  const tokenUrl = `${idgate.issuer}/token`;
  const seconds = () => Math.floor(Date.now() / 1000);
  const pkjwt = idgate.clients.pkjwt;
  if (pkjwt) {
    const key = await importJWK(pkjwt.privateJwk, 'ES256');
    makers['token-pkjwt'] = async function signedAssertions(count) {
      const prepared = [];
      for (let i = 0; i < count; i++) {
        const now = seconds();
        const assertion = await new SignJWT({ jti: base64url(randomBytes(16)) })
          .setProtectedHeader({ alg: 'ES256', kid: pkjwt.kid })
          .setIssuer(pkjwt.clientId)
          .setSubject(pkjwt.clientId)
          .setAudience(idgate.issuer)
          .setIssuedAt(now)
          .setExpirationTime(now + 120)
          .sign(key);
        prepared.push({
          headers: { 'content-type': FORM },
          body: form({
            grant_type: 'client_credentials',
            scope: REST_SCOPE,
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            client_assertion: assertion,
          }),
        });
      }
      return prepared;
    };
  }
  const dpop = idgate.clients.dpop;
  if (dpop) {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    const body = form({ grant_type: 'client_credentials', scope: REST_SCOPE });
    makers['token-dpop'] = async function signedProofs(count) {
      const prepared = [];
      for (let i = 0; i < count; i++) {
        const proof = await new SignJWT({ htm: 'POST', htu: tokenUrl, jti: base64url(randomBytes(16)), iat: seconds() })
          .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
          .sign(privateKey);
        prepared.push({
          headers: { authorization: basic(dpop.clientId, dpop.clientSecret), 'content-type': FORM, dpop: proof },
          body,
        });
      }
      return prepared;
    };
  }
  return makers;
}
