/**
 * An independent issuer and holder for the wallet tests, written with `@sd-jwt/core`,
 * `@peculiar/x509` and `jose` directly (none of idgate's sandbox issuer or test wallet
 * code): a test CA with an issuer certificate, SD-JWT VC PIDs with `cnf` holder keys and
 * status list entries, status list tokens, presentations with a key binding JWT built by
 * hand (so each part can be broken on purpose), and the wallet's response: `direct_post.jwt`
 * (a JWE to the request's key), `direct_post` or DC API.
 */
import 'reflect-metadata';
import { createHash, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { SDJwtInstance } from '@sd-jwt/core';
import { digest, ES256, generateSalt } from '@sd-jwt/crypto-nodejs';
import { createHeaderAndPayload, StatusList } from '@sd-jwt/jwt-status-list';
import {
  CompactEncrypt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  jwtVerify,
  SignJWT,
} from 'jose';

x509.cryptoProvider.set(webcrypto as never);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 3600 * 1000;

/** A certificate with its key. */
export interface TestCertificate {
  readonly pem: string;
  readonly der: string;
  readonly keys: webcrypto.CryptoKeyPair;
  readonly privateJwk: JWK;
  readonly name: string;
}

/** Makes a CA (self-signed) or a certificate issued by `issuer`. */
export async function testCertificate(options: {
  readonly name: string;
  readonly issuer?: TestCertificate;
  readonly ca: boolean;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly uris?: readonly string[];
}): Promise<TestCertificate> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(options.ca, undefined, true)];
  if (options.uris)
    extensions.push(new x509.SubjectAlternativeNameExtension(options.uris.map((value) => ({ type: 'url', value }))));
  const common = {
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8)))
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    notBefore: options.notBefore ?? new Date(Date.now() - DAY),
    notAfter: options.notAfter ?? new Date(Date.now() + 365 * DAY),
    signingAlgorithm: ALGORITHM,
    extensions,
  };
  const certificate =
    options.issuer === undefined
      ? await x509.X509CertificateGenerator.createSelfSigned({ ...common, name: options.name, keys })
      : await x509.X509CertificateGenerator.create({
          ...common,
          subject: options.name,
          issuer: new x509.X509Certificate(options.issuer.pem).subject,
          publicKey: keys.publicKey,
          signingKey: options.issuer.keys.privateKey,
        });
  const pem = certificate.toString('pem');
  return {
    pem,
    der: new X509Certificate(pem).raw.toString('base64'),
    keys,
    privateJwk: (await webcrypto.subtle.exportKey('jwk', keys.privateKey)) as JWK,
    name: options.name,
  };
}

/** A test PID (ARF PID Rulebook names). */
export const PID = {
  given_name: 'Jan',
  family_name: 'Jansen',
  birthdate: '1990-04-01',
  nationalities: ['NL'],
  address: {
    street_address: 'Kerkstraat',
    house_number: '5',
    postal_code: '1011 AB',
    locality: 'Amsterdam',
    country: 'NL',
  },
  age_equal_or_over: { '18': true },
  email: 'jan@example.nl',
  phone_number: '+31 6 12345678',
  issuing_country: 'NL',
} as const;

/** The disclosure frame: every claim, address part, nationality and age on its own. */
function frameOf(claims: Record<string, unknown>): Record<string, unknown> {
  const frame: Record<string, unknown> = { _sd: Object.keys(claims) };
  if (claims.address) frame.address = { _sd: Object.keys(claims.address as object) };
  if (Array.isArray(claims.nationalities)) frame.nationalities = { _sd: claims.nationalities.map((_, index) => index) };
  if (claims.age_equal_or_over) frame.age_equal_or_over = { _sd: Object.keys(claims.age_equal_or_over as object) };
  return frame;
}

/** A holder: its key pair. */
export interface TestHolder {
  readonly publicJwk: JWK;
  readonly privateJwk: JWK;
}

/** A new holder key. */
export async function testHolder(): Promise<TestHolder> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { publicJwk: await exportJWK(publicKey), privateJwk: await exportJWK(privateKey) };
}

/** Issues an SD-JWT VC (`…~`, no key binding yet). */
export async function issueSdJwtVc(options: {
  readonly signer: { readonly privateJwk: JWK; readonly x5c?: readonly string[]; readonly kid?: string };
  readonly holder: TestHolder;
  readonly claims?: Record<string, unknown>;
  readonly payload?: Record<string, unknown>;
  readonly now: Date;
  readonly typ?: string;
}): Promise<string> {
  const nowS = Math.floor(options.now.getTime() / 1000);
  const claims = options.claims ?? (PID as unknown as Record<string, unknown>);
  const instance = new SDJwtInstance<Record<string, unknown>>({
    signer: await ES256.getSigner(options.signer.privateJwk),
    signAlg: 'ES256',
    hasher: digest,
    saltGenerator: generateSalt,
  });
  const header: Record<string, unknown> = { typ: options.typ ?? 'dc+sd-jwt' };
  if (options.signer.x5c) header.x5c = [...options.signer.x5c];
  if (options.signer.kid) header.kid = options.signer.kid;
  return instance.issue(
    {
      ...claims,
      vct: 'urn:eudi:pid:1',
      iat: nowS - 60,
      exp: nowS + 30 * 24 * 3600,
      cnf: { jwk: options.holder.publicJwk },
      ...options.payload,
    },
    frameOf(claims) as never,
    { header },
  );
}

/** The disclosures of an issued SD-JWT whose decoded claim name (or array value) passes `keep`. */
export function selectDisclosures(sdJwt: string, keep: (decoded: unknown[]) => boolean): string {
  const [jwt, ...rest] = sdJwt.split('~');
  const disclosures = rest.filter((part) => part !== '');
  const kept = disclosures.filter((part) => keep(JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))));
  return `${[jwt, ...kept].join('~')}~`;
}

/** Adds a key binding JWT to `<jwt>~<disclosures>~` (fields overridable to break it). */
export async function withKeyBinding(
  sdJwt: string,
  holder: TestHolder,
  kb: {
    readonly aud: string;
    readonly nonce: string;
    readonly iat: number;
    readonly sdHash?: string;
    readonly typ?: string;
  },
): Promise<string> {
  const sdHash = kb.sdHash ?? createHash('sha256').update(sdJwt).digest('base64url');
  const jwt = await new SignJWT({ aud: kb.aud, nonce: kb.nonce, iat: kb.iat, sd_hash: sdHash })
    .setProtectedHeader({ alg: 'ES256', typ: kb.typ ?? 'kb+jwt' })
    .sign(await importJWK(holder.privateJwk, 'ES256'));
  return `${sdJwt}${jwt}`;
}

/** A Status List Token (2 bits per entry) signed by `signer`, for `uri`. */
export async function statusListToken(options: {
  readonly uri: string;
  readonly statuses: Readonly<Record<number, number>>;
  readonly signer: { readonly privateJwk: JWK; readonly x5c: readonly string[] };
  readonly now: Date;
}): Promise<string> {
  const list = new StatusList(new Array<number>(64).fill(0), 2);
  for (const [idx, status] of Object.entries(options.statuses)) list.setStatus(Number(idx), status);
  const iat = Math.floor(options.now.getTime() / 1000);
  const { header, payload } = createHeaderAndPayload(
    list,
    { sub: options.uri, iat, ttl: 600 },
    { alg: 'ES256', typ: 'statuslist+jwt' },
  );
  return new SignJWT(payload as Record<string, unknown>)
    .setProtectedHeader({ ...header, alg: 'ES256', x5c: [...options.signer.x5c] })
    .sign(await importJWK(options.signer.privateJwk, 'ES256'));
}

/** The claims of a request object, its signature checked against its own x5c leaf. */
export async function readRequestObject(requestObject: string, now: Date): Promise<Record<string, unknown>> {
  const header = decodeProtectedHeader(requestObject);
  const leaf = new X509Certificate(Buffer.from(header.x5c?.[0] ?? '', 'base64'));
  const { payload } = await jwtVerify(requestObject, leaf.publicKey, {
    typ: 'oauth-authz-req+jwt',
    algorithms: ['ES256'],
    currentDate: now,
  });
  return payload as Record<string, unknown>;
}

/** A `direct_post.jwt` response: the payload as a JWE to `jwk` (the request's key unless given). */
export async function encryptedResponse(
  payload: Record<string, unknown>,
  jwk: JWK,
  enc = 'A128GCM',
): Promise<Record<string, string>> {
  const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ECDH-ES', enc, ...(jwk.kid ? { kid: jwk.kid } : {}) })
    .encrypt(await importJWK(jwk, 'ECDH-ES'));
  return { response: jwe };
}

/** The encryption key a request object offers. */
export function requestKey(request: Record<string, unknown>): JWK {
  const jwk = (request.client_metadata as { jwks: { keys: JWK[] } }).jwks.keys[0];
  if (!jwk) throw new Error('no key in the request');
  return jwk;
}
