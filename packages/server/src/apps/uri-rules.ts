/**
 * Rules for the URLs an app registers. Each check returns the reason a value is refused,
 * or `undefined` when it is fine, so callers can list every problem at once.
 */
import { isIP } from 'node:net';
import type { Config, Environment } from '../config/config.js';
import { isPublicAddress } from '../security/outbound-address-policy.js';

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

/**
 * Whether a value is an absolute URI as browsers and idgate parse it (the WHATWG URL
 * Standard): the `uri` format of the request schemas, so that a malformed URI is listed
 * with every other offending field; the rules below then refine what each field allows.
 */
export function isAbsoluteUri(value: string): boolean {
  return URL.canParse(value);
}

/** The part of an Ajv instance {@link addUriFormat} uses. */
export interface SchemaFormats {
  addFormat(name: string, format: { readonly type: 'string'; readonly validate: (value: string) => boolean }): unknown;
}

/** Makes the `uri` format of the request schemas {@link isAbsoluteUri} (Fastify's `ajv.onCreate`). */
export function addUriFormat(ajv: SchemaFormats): void {
  ajv.addFormat('uri', { type: 'string', validate: isAbsoluteUri });
}

function parse(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/**
 * A redirect URI (RFC 6749 §3.1.2, RFC 8252, OAuth 2.0 Security BCP): absolute, no
 * fragment, no user info; `https`, or `http` on a loopback host (any host in sandbox),
 * or a private-use scheme with a dot (`com.example.app:/cb`) for native apps.
 */
export function redirectUriProblem(value: string, environment: Environment): string | undefined {
  if (value.length > 2000) return 'must be at most 2000 characters';
  const url = parse(value);
  if (!url) return 'must be an absolute URI';
  if (value.includes('#')) return 'must not contain a fragment';
  if (url.username || url.password) return 'must not contain user information';
  if (value.includes('*')) return 'must not contain wildcards';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    if (isLoopbackHost(url.hostname) || environment === 'sandbox') return undefined;
    return 'must use https (http is allowed only for loopback hosts in production)';
  }
  if (/^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/.test(url.protocol)) return undefined;
  return 'must use https, http on a loopback host, or a private-use scheme such as com.example.app:';
}

/** A browser origin for CORS: `scheme://host[:port]`, nothing more. */
export function originProblem(value: string): string | undefined {
  const url = parse(value);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) return 'must be an http or https origin';
  if (url.origin !== value) return `must be an origin only (scheme, host and port), such as ${url.origin}`;
  return undefined;
}

/**
 * A URL idgate calls (sign-in hook, webhook): `https`, or `http` in sandbox or on loopback.
 * When private networks are refused (`IDGATE_OUTBOUND_PRIVATE_NETWORKS=deny`), the host
 * must not be `localhost` (or a name under `.localhost`) nor an IP literal that is not
 * public (WHATWG URL parsing has already turned `2130706433` or `0x7f.1` into `127.0.0.1`),
 * and production requires https without the loopback exception. A name is checked again
 * at every call, against what it resolves to then (`hooks/outbound-post.ts`).
 */
export function callbackUrlProblem(
  value: string,
  environment: Environment,
  privateNetworks: Config['outboundPrivateNetworks'],
): string | undefined {
  if (value.length > 2000) return 'must be at most 2000 characters';
  const url = parse(value);
  if (!url) return 'must be an absolute URL';
  if (url.username || url.password) return 'must not contain user information';
  if (url.hash) return 'must not contain a fragment';
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use https';
  if (privateNetworks === 'deny') {
    if (isNonPublicHost(url.hostname)) return NON_PUBLIC_HOST_REASON;
    if (url.protocol === 'https:' || environment === 'sandbox') return undefined;
    return 'must use https';
  }
  if (url.protocol === 'https:') return undefined;
  if (environment === 'sandbox' || isLoopbackHost(url.hostname)) return undefined;
  return 'must use https';
}

/** The reason a hook or webhook URL pointing inside is refused. */
export const NON_PUBLIC_HOST_REASON = 'must not point to a loopback, private, link-local or other non-public address';

/** `localhost`, a name under `.localhost` (RFC 6761), or an IP literal that is not public. */
function isNonPublicHost(hostname: string): boolean {
  const name = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  const literal = name.startsWith('[') ? name.slice(1, -1) : name;
  return isIP(literal) !== 0 && !isPublicAddress(literal);
}
