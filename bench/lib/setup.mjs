/**
 * Before any load: the servers (one child each), what the bare routes must copy from
 * idgate (document sizes; status, headers and body size of each POST answer), a token
 * per server to introspect, and one checked request per target (a target that does not
 * answer as expected is skipped and reported).
 */
import { REST_SCOPE } from '../oidc-servers.mjs';
import { startServer } from './children.mjs';
import { verifyFlow } from './flow.mjs';
import { basic, checker, FORM, form, parseJson, snippet } from './http.mjs';
import { FAPI_GROUPS, POST_GROUPS, settings, wanted } from './options.mjs';
import {
  autocannonTargets,
  DOCUMENTS,
  fapiRequestMakers,
  IDGATE,
  IDGATE_LIMITED,
  POST_TARGETS,
  PROVIDER,
  postRequest,
  verify,
} from './targets.mjs';

/** Starts the servers the selected groups need; `skipped` collects what could not start. */
export async function startServers(skipped) {
  const wantIdgate = settings.server !== 'oidc-provider';
  const wantProvider = settings.server !== 'idgate' && settings.only.some((g) => POST_GROUPS.includes(g));
  const wantLimited =
    wantIdgate && settings.rateLimits === 'both' && settings.only.some((g) => POST_GROUPS.includes(g));
  let idgate;
  let limited;
  if (wantIdgate) {
    try {
      idgate = await startServer(['idgate', settings.logLevel, settings.rateLimits === 'on' ? 'on' : 'off'], {
        cpuProfDir: settings.cpuProfDir,
        nodeArgs: settings.idgateNodeArgs,
      });
    } catch (error) {
      skipped.push({ target: 'idgate (every target)', reason: String(error.message) });
    }
  }
  if (idgate && wantLimited) {
    try {
      limited = await startServer(['idgate', settings.logLevel, 'on'], { nodeArgs: settings.idgateNodeArgs });
    } catch (error) {
      skipped.push({ target: 'idgate with rate limits on (every target)', reason: String(error.message) });
    }
  }
  const provider = wantProvider ? await startServer(['oidc-provider']) : undefined;
  return { idgate, limited, provider };
}

/** The public documents of idgate: their size and type, which the bare GET routes copy. */
async function documentsOf(idgate, skipped) {
  const documents = {};
  const routes = [];
  const base = `http://127.0.0.1:${idgate.port}`;
  for (const { group, path, barePath } of DOCUMENTS) {
    if (!wanted(group)) continue;
    const response = await checker.request('GET', `${base}${path}`);
    const json = parseJson(response.body);
    const contentType = response.headers.get('content-type') ?? '';
    const problem =
      response.status !== 200
        ? `status ${response.status}`
        : !contentType.includes('json')
          ? `content-type '${contentType}'`
          : group === 'discovery' && json?.issuer === undefined
            ? 'no issuer in the document'
            : group === 'jwks' && !(Array.isArray(json?.keys) && json.keys.length > 0)
              ? 'no keys'
              : undefined;
    if (problem) {
      skipped.push({ target: `idgate GET ${path}`, reason: `${problem}: ${snippet(response.body)}` });
      continue;
    }
    const bytes = Buffer.byteLength(response.body);
    documents[group] = { path, bytes, contentType, cacheControl: response.headers.get('cache-control') };
    routes.push({ group, path: barePath, bytes, contentType });
  }
  return { documents, routes };
}

/** A valid access token per server, for the introspection targets. */
async function tokensToIntrospect(servers, skipped) {
  const introspected = {};
  if (!wanted('introspect')) return introspected;
  for (const [label, side] of servers) {
    if (!side) continue;
    const { clientId, clientSecret } = side.clients.rest;
    const response = await checker.request(
      'POST',
      `http://127.0.0.1:${side.port}${side.paths?.token ?? '/token'}`,
      { authorization: basic(clientId, clientSecret), 'content-type': FORM },
      form({ grant_type: 'client_credentials', scope: REST_SCOPE }),
    );
    const token = parseJson(response.body)?.access_token;
    if (response.status === 200 && typeof token === 'string') introspected[label] = token;
    else
      skipped.push({
        target: `${label} POST ${side.paths?.introspect ?? '/introspect'}`,
        reason: `could not obtain a token to introspect: status ${response.status}: ${snippet(response.body)}`,
      });
  }
  return introspected;
}

/**
 * The bare POST routes (the ceiling): idgate's status, body size, content type and
 * protocol headers for each POST group, learned from one real request to idgate.
 */
async function postAnswersOf(idgate, introspected, skipped) {
  const postResponses = {};
  const routes = [];
  if (!settings.ceiling) return { postResponses, routes };
  for (const group of POST_GROUPS) {
    if (!wanted(group)) continue;
    const barePath = `/bare/${group}`;
    if (group === 'introspect' && !introspected[IDGATE]) {
      skipped.push({ target: `bare Fastify POST ${barePath}`, reason: 'idgate issued no token to introspect' });
      continue;
    }
    const { path: idgatePath, headers, body } = postRequest(group, idgate, introspected[IDGATE]);
    const response = await checker.request('POST', `http://127.0.0.1:${idgate.port}${idgatePath}`, headers, body);
    const contentType = response.headers.get('content-type') ?? '';
    const { status } = POST_TARGETS[group];
    const problem =
      response.status !== status
        ? `status ${response.status}, expected ${status}`
        : !contentType.includes('json')
          ? `content-type '${contentType}'`
          : undefined;
    if (problem) {
      skipped.push({
        target: `bare Fastify POST ${barePath}`,
        reason: `idgate's response to copy: ${problem}: ${snippet(response.body)}`,
      });
      continue;
    }
    // Headers that belong to the protocol answer (not idgate's request id or CORS Vary).
    const copied = {};
    for (const name of ['cache-control', 'pragma', 'www-authenticate']) {
      const value = response.headers.get(name);
      if (value !== null) copied[name] = value;
    }
    const bytes = Buffer.byteLength(response.body);
    postResponses[group] = { path: idgatePath, status, bytes, contentType, headers: copied };
    routes.push({ group, method: 'POST', path: barePath, status, bytes, contentType, headers: copied });
  }
  return { postResponses, routes };
}

/** A pair whose bodies differ in size or type is no comparison: drop the bare side. */
function dropMismatchedCeilings(targets, skipped) {
  for (const group of [...POST_GROUPS, ...DOCUMENTS.map((d) => d.group)]) {
    const bareSide = targets.find((t) => t.group === group && t.server === 'bare');
    const subject = targets.find((t) => t.group === group && t.server === IDGATE);
    if (!bareSide || !subject) continue;
    if (
      bareSide.checked.bodyBytes !== subject.checked.bodyBytes ||
      bareSide.checked.contentType !== subject.checked.contentType
    ) {
      targets.splice(targets.indexOf(bareSide), 1);
      skipped.push({
        target: bareSide.name,
        reason: `body ${bareSide.checked.bodyBytes} B '${bareSide.checked.contentType}' does not match idgate's ${subject.checked.bodyBytes} B '${subject.checked.contentType}'`,
      });
    }
  }
}

/** Everything the rounds need: `{ bare, documents, postResponses, targets, flowTargets }`. */
export async function prepare({ idgate, limited, provider }, skipped) {
  const introspected = await tokensToIntrospect(
    [
      [IDGATE, idgate],
      [IDGATE_LIMITED, limited],
      [PROVIDER, provider],
    ],
    skipped,
  );
  const { documents, routes: documentRoutes } = idgate ? await documentsOf(idgate, skipped) : { routes: [] };
  const { postResponses, routes: postRoutes } = idgate
    ? await postAnswersOf(idgate, introspected, skipped)
    : { routes: [] };
  const bareRoutes = [...documentRoutes, ...postRoutes];
  const bare = bareRoutes.length
    ? {
        ...(await startServer(['bare', JSON.stringify(bareRoutes)])),
        routes: Object.fromEntries(bareRoutes.map((r) => [r.group, r])),
      }
    : undefined;

  const fapi =
    idgate && settings.only.some((group) => FAPI_GROUPS.includes(group)) ? await fapiRequestMakers(idgate) : undefined;
  for (const group of FAPI_GROUPS) {
    if (idgate && wanted(group) && !fapi?.[group]) {
      skipped.push({ target: `idgate ${group}`, reason: 'this build of idgate has no FAPI apps' });
    }
  }
  const targets = [];
  for (const target of autocannonTargets({ idgate, limited, provider, bare, introspected, fapi })) {
    const checked = await verify(target);
    if (checked.problem) skipped.push({ target: target.name, reason: checked.problem });
    else targets.push({ ...target, checked });
  }
  dropMismatchedCeilings(targets, skipped);

  // The code flow, checked once per algorithm.
  const flowTargets = [];
  for (const [group, alg, key] of [
    ['flow-es256', 'ES256', 'flowES256'],
    ['flow-rs256', 'RS256', 'flowRS256'],
  ]) {
    if (!wanted(group) || !idgate) continue;
    const checked = await verifyFlow(`http://127.0.0.1:${idgate.port}`, idgate.clients[key], alg);
    const name = `idgate code flow (${alg} ID token)`;
    if (checked.problem) skipped.push({ target: name, reason: checked.problem });
    else flowTargets.push({ group, alg, name, app: idgate.clients[key], checked });
  }
  return { bare, documents: documents ?? {}, postResponses: postResponses ?? {}, targets, flowTargets };
}
