/**
 * The configuration of wallet providers (SPEC 10): `IDGATE_WALLETS`, a JSON array checked
 * at boot like `IDGATE_OIDC_PROVIDERS` (an invalid entry stops the start, naming the
 * variable, the entry's index and the field), and the verifier's key and certificate chain
 * (`IDGATE_WALLET_VERIFIER_KEY`, `IDGATE_WALLET_VERIFIER_CERT`, PEM).
 *
 * Each entry says which credentials the provider accepts (`dc+sd-jwt` with its allowed
 * `vct` values, `mso_mdoc` with its doctype), whom it trusts to issue them (X.509 trust
 * anchors and/or issuers with their JWKS), how the wallet answers (`direct_post.jwt`,
 * encrypted, by default) and how idgate names itself (`x509_san_dns` by default).
 */
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** The doctype of the EU PID in mdoc form. */
export const PID_DOCTYPE = 'eu.europa.ec.eudi.pid.1';
/** The doctype of the ISO mobile driving licence. */
export const MDL_DOCTYPE = 'org.iso.18013.5.1.mDL';
/** The doctypes idgate can map to its claims (an `mso_mdoc` entry must name one). */
export const MAPPED_DOCTYPES: readonly string[] = [PID_DOCTYPE, MDL_DOCTYPE];

/** The flows a wallet provider offers (SPEC 10, Flows). */
export const WALLET_FLOW_TYPES = ['qr', 'redirect', 'dc_api'] as const;

/** A wallet flow. */
export type WalletFlowType = (typeof WALLET_FLOW_TYPES)[number];

/** The response modes idgate asks wallets for (OpenID4VP 1.0 §8.2, §8.3.1). */
export const WALLET_RESPONSE_MODES = ['direct_post.jwt', 'direct_post'] as const;

/** The JWE content encryption algorithms idgate can decrypt responses with (HAIP 1.0 requires both). */
export const RESPONSE_ENC_VALUES = ['A128GCM', 'A256GCM'] as const;

/** The default level of assurance of a wallet provider: a PID is eIDAS high. */
export const DEFAULT_WALLET_LOA = 4;

const Pem = Type.String({ minLength: 1, maxLength: 65_536 });
const Loa = Type.Integer({ minimum: 1, maximum: 5 });

const SdJwtCredential = Type.Object(
  {
    format: Type.Literal('dc+sd-jwt'),
    vct: Type.Array(Type.String({ minLength: 1, maxLength: 512 }), { minItems: 1, maxItems: 32, uniqueItems: true }),
  },
  { additionalProperties: false },
);

const MdocCredential = Type.Object(
  {
    format: Type.Literal('mso_mdoc'),
    doctype: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);

const TrustedIssuer = Type.Object(
  {
    iss: Type.String({ minLength: 1, maxLength: 2048 }),
    jwks: Type.Object(
      { keys: Type.Array(Type.Record(Type.String(), Type.Unknown()), { minItems: 1, maxItems: 32 }) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/** One wallet provider in `IDGATE_WALLETS`. */
export const WalletProviderConfigSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }),
    displayName: Type.String({ minLength: 1, maxLength: 100 }),
    credentials: Type.Array(Type.Union([SdJwtCredential, MdocCredential]), { minItems: 1, maxItems: 8 }),
    trustAnchors: Type.Optional(Type.Array(Pem, { maxItems: 64 })),
    trustedIssuers: Type.Optional(Type.Array(TrustedIssuer, { maxItems: 64 })),
    responseMode: Type.Optional(Type.Union(WALLET_RESPONSE_MODES.map((mode) => Type.Literal(mode)))),
    clientIdScheme: Type.Optional(Type.Union([Type.Literal('x509_san_dns'), Type.Literal('x509_hash')])),
    maxLoa: Type.Optional(Loa),
    countries: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Z]{2}$' }), { maxItems: 250 })),
    flowTypes: Type.Optional(
      Type.Array(Type.Union(WALLET_FLOW_TYPES.map((flow) => Type.Literal(flow))), {
        minItems: 1,
        maxItems: 3,
        uniqueItems: true,
      }),
    ),
    responseEncryption: Type.Optional(
      Type.Array(Type.Union(RESPONSE_ENC_VALUES.map((enc) => Type.Literal(enc))), {
        minItems: 1,
        maxItems: 2,
        uniqueItems: true,
      }),
    ),
    statusListTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 30_000 })),
  },
  { additionalProperties: false },
);

/** One wallet provider as configured. */
export type WalletProviderConfig = Static<typeof WalletProviderConfigSchema>;

/** One accepted credential of a wallet provider. */
export type WalletCredentialConfig = WalletProviderConfig['credentials'][number];

/** A wallet provider's settings with every default applied. */
export interface EffectiveWalletConfig {
  readonly id: string;
  readonly displayName: string;
  readonly credentials: readonly WalletCredentialConfig[];
  readonly trustAnchors: readonly string[];
  readonly trustedIssuers: readonly { readonly iss: string; readonly jwks: { readonly keys: readonly object[] } }[];
  readonly responseMode: (typeof WALLET_RESPONSE_MODES)[number];
  readonly clientIdScheme: 'x509_san_dns' | 'x509_hash';
  readonly maxLoa: number;
  readonly countries: readonly string[];
  readonly flowTypes: readonly WalletFlowType[];
  readonly responseEncryption: readonly (typeof RESPONSE_ENC_VALUES)[number][];
  readonly statusListTimeoutMs: number;
}

/** The default time a status list fetch may take. */
export const DEFAULT_STATUS_LIST_TIMEOUT_MS = 3_000;

/** A wallet provider's configuration with the defaults of SPEC 10 applied. */
export function effectiveWalletConfig(entry: WalletProviderConfig): EffectiveWalletConfig {
  return Object.freeze({
    id: entry.id,
    displayName: entry.displayName,
    credentials: entry.credentials,
    trustAnchors: entry.trustAnchors ?? [],
    trustedIssuers: entry.trustedIssuers ?? [],
    responseMode: entry.responseMode ?? 'direct_post.jwt',
    clientIdScheme: entry.clientIdScheme ?? 'x509_san_dns',
    maxLoa: entry.maxLoa ?? DEFAULT_WALLET_LOA,
    countries: entry.countries ?? [],
    flowTypes: entry.flowTypes ?? WALLET_FLOW_TYPES,
    responseEncryption: entry.responseEncryption ?? RESPONSE_ENC_VALUES,
    statusListTimeoutMs: entry.statusListTimeoutMs ?? DEFAULT_STATUS_LIST_TIMEOUT_MS,
  });
}

/** Ids the sandbox mocks use; a configured provider cannot take them. */
const RESERVED_PREFIX = 'mock-';

/** Each schema problem once per field, as `<prefix><field> <reason>`. */
function schemaProblems(value: unknown, prefix: string): string[] {
  const byPath = new Map<string, string>();
  for (const error of Value.Errors(WalletProviderConfigSchema, value)) {
    const path = error.path || '';
    // A union reports its own failure and its members'; the first one names the field best.
    if (!byPath.has(path)) byPath.set(path, error.message.toLowerCase());
  }
  return [...byPath].map(([path, reason]) => {
    const field = path
      .replace(/^\//, '')
      .replace(/\/(\d+)(?=\/|$)/g, '[$1]')
      .replaceAll('/', '.');
    return `${prefix}${field === '' ? '' : field.startsWith('[') ? field : `.${field}`} ${reason}`;
  });
}

/** Problems with the PEM trust anchors of one entry (each a CA certificate). */
function trustAnchorProblems(anchors: readonly string[], prefix: string): string[] {
  const problems: string[] = [];
  anchors.forEach(function checkAnchor(pem, index) {
    const field = `${prefix}.trustAnchors[${index}]`;
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(pem);
    } catch {
      problems.push(`${field} must be a PEM certificate`);
      return;
    }
    if (!certificate.ca) problems.push(`${field} must be a CA certificate (basic constraints cA)`);
  });
  return problems;
}

/** Problems with the trusted issuers of one entry (each key a public JWK). */
function trustedIssuerProblems(issuers: WalletProviderConfig['trustedIssuers'], prefix: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  (issuers ?? []).forEach(function checkIssuer(issuer, index) {
    const field = `${prefix}.trustedIssuers[${index}]`;
    if (seen.has(issuer.iss)) problems.push(`${field}.iss ${issuer.iss} is listed twice`);
    seen.add(issuer.iss);
    issuer.jwks.keys.forEach(function checkKey(jwk, keyIndex) {
      if ('d' in jwk) {
        problems.push(`${field}.jwks.keys[${keyIndex}] must be a public key (it has "d")`);
        return;
      }
      try {
        createPublicKey({ key: jwk as never, format: 'jwk' });
      } catch {
        problems.push(`${field}.jwks.keys[${keyIndex}] must be a public JWK`);
      }
    });
  });
  return problems;
}

/** Problems of one entry beyond its shape. */
function entryProblems(entry: WalletProviderConfig, prefix: string): string[] {
  const problems: string[] = [];
  if (entry.id.startsWith(RESERVED_PREFIX)) problems.push(`${prefix}.id must not start with ${RESERVED_PREFIX}`);
  const anchors = entry.trustAnchors ?? [];
  const issuers = entry.trustedIssuers ?? [];
  if (anchors.length === 0 && issuers.length === 0) {
    problems.push(
      `${prefix}.trustAnchors must list a CA certificate, or trustedIssuers an issuer (nothing is trusted)`,
    );
  }
  entry.credentials.forEach(function checkCredential(credential, index) {
    if (credential.format === 'mso_mdoc' && !MAPPED_DOCTYPES.includes(credential.doctype)) {
      problems.push(`${prefix}.credentials[${index}].doctype must be one of ${MAPPED_DOCTYPES.join(', ')}`);
    }
    if (credential.format === 'mso_mdoc' && anchors.length === 0) {
      problems.push(`${prefix}.credentials[${index}] (mso_mdoc) needs trustAnchors (IACA certificates)`);
    }
  });
  const formats = entry.credentials.map((credential) =>
    credential.format === 'mso_mdoc' ? `mso_mdoc ${credential.doctype}` : 'dc+sd-jwt',
  );
  formats.forEach(function checkDuplicate(format, index) {
    if (formats.indexOf(format) !== index) {
      problems.push(`${prefix}.credentials[${index}] repeats ${format}: list every vct in one entry`);
    }
  });
  problems.push(...trustAnchorProblems(anchors, prefix), ...trustedIssuerProblems(entry.trustedIssuers, prefix));
  return problems;
}

/**
 * Parses and checks `IDGATE_WALLETS`.
 * @throws RangeError with every problem, naming each entry's index and field
 */
export function parseWalletProviders(raw: string): readonly WalletProviderConfig[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new RangeError('must be a JSON array of wallet provider objects');
  }
  if (!Array.isArray(parsed)) throw new RangeError('must be a JSON array of wallet provider objects');
  const problems: string[] = [];
  const ids = new Set<string>();
  parsed.forEach(function checkEntry(entry: unknown, index) {
    const prefix = `[${index}]`;
    const shape = schemaProblems(entry, prefix);
    if (shape.length > 0) {
      problems.push(...shape);
      return;
    }
    const wallet = entry as WalletProviderConfig;
    if (ids.has(wallet.id)) problems.push(`${prefix}.id ${wallet.id} is used twice`);
    ids.add(wallet.id);
    problems.push(...entryProblems(wallet, prefix));
  });
  if (problems.length > 0) throw new RangeError(problems.join('; '));
  return Object.freeze(parsed.map((entry) => Object.freeze(entry as WalletProviderConfig)));
}

/**
 * Checks `IDGATE_WALLET_VERIFIER_KEY`: one PEM private key (PKCS #8 or SEC 1), P-256.
 * @throws RangeError naming what is wrong
 */
export function parseVerifierKeyPem(raw: string): string {
  if (!raw.includes('-----BEGIN')) throw new RangeError('must be a PEM private key');
  let curve: string | undefined;
  try {
    curve = createPrivateKey(raw).asymmetricKeyDetails?.namedCurve;
  } catch {
    throw new RangeError('must be a PEM private key');
  }
  if (curve !== 'prime256v1') throw new RangeError('must be an EC P-256 key (requests are signed ES256)');
  return raw;
}

/**
 * Checks `IDGATE_WALLET_VERIFIER_CERT`: the verifier's certificate, leaf first, then any
 * intermediates of the chain a registrar issued (PEM, concatenated).
 * @throws RangeError naming what is wrong
 */
export function parseVerifierCertificatePem(raw: string): string {
  const blocks = splitPemCertificates(raw);
  if (blocks.length === 0) throw new RangeError('must be one or more PEM certificates (leaf first)');
  blocks.forEach(function checkBlock(block, index) {
    try {
      new X509Certificate(block);
    } catch {
      throw new RangeError(`certificate ${index} of the chain is not a valid certificate`);
    }
  });
  return raw;
}

/** The PEM certificate blocks of a chain, in order. */
export function splitPemCertificates(raw: string): string[] {
  return raw.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/**
 * What is wrong with a configured verifier key and certificate for an issuer host, if
 * anything: the leaf must hold the key and, when a provider uses `x509_san_dns`, name the
 * host as a DNS subject alternative name (OpenID4VP 1.0 §5.9.3).
 */
export function verifierCertificateProblem(
  keyPem: string,
  certificatePem: string,
  host: string,
  requireSan: boolean,
): string | undefined {
  const leafPem = splitPemCertificates(certificatePem)[0];
  if (leafPem === undefined) return 'holds no certificate';
  const leaf = new X509Certificate(leafPem);
  if (!leaf.checkPrivateKey(createPrivateKey(keyPem))) return 'is not the certificate of IDGATE_WALLET_VERIFIER_KEY';
  if (requireSan && !(leaf.subjectAltName ?? '').split(', ').includes(`DNS:${host.toLowerCase()}`)) {
    return `must name the issuer's host ${host} as a DNS subject alternative name (client_id x509_san_dns:${host})`;
  }
  return undefined;
}
