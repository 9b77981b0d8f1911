/**
 * From the upstream's claims to idgate's: a configurable claim mapping (upstream claim
 * name → OpenID standard claim name; names not mapped keep their name, so a standard
 * upstream needs no mapping), and the level of assurance from `acr` (a configurable
 * mapping, then `urn:idgate:loa:N`, then the provider's default), never above the
 * provider's maximum.
 */

/** Claims about the token itself, not the person: never passed on as the person's claims. */
const PROTOCOL_CLAIMS: ReadonlySet<string> = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'nonce',
  'azp',
  'at_hash',
  'c_hash',
  's_hash',
  'auth_time',
  'acr',
  'amr',
  'sid',
]);

/** The person's claims under idgate's names. */
export function mapClaims(
  raw: Readonly<Record<string, unknown>>,
  mapping: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!PROTOCOL_CLAIMS.has(name) && value !== undefined && value !== null) claims[name] = value;
  }
  for (const [from, to] of Object.entries(mapping)) {
    const value = raw[from];
    if (value !== undefined && value !== null && !PROTOCOL_CLAIMS.has(to)) claims[to] = value;
  }
  return claims;
}

const IDGATE_ACR = /^urn:idgate:loa:([1-5])$/;

/** The level of assurance an `acr` stands for. */
export function loaFromAcr(
  acr: unknown,
  options: {
    readonly acrMapping: Readonly<Record<string, number>>;
    readonly defaultLoa: number;
    readonly maxLoa: number;
  },
): number {
  let loa = options.defaultLoa;
  if (typeof acr === 'string') {
    const mapped = Object.hasOwn(options.acrMapping, acr) ? options.acrMapping[acr] : undefined;
    const idgate = IDGATE_ACR.exec(acr);
    if (mapped !== undefined) loa = mapped;
    else if (idgate) loa = Number(idgate[1]);
  }
  // A provider never reaches more than it is configured to.
  return Math.min(loa, options.maxLoa);
}
