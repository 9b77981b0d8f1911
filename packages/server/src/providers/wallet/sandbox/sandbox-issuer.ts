/**
 * The sandbox test issuer (SPEC 10, Sandbox): a CA (published at
 * `GET /sandbox/wallet/issuer-ca.pem`, so integrators can point a real test wallet at a
 * wallet provider of their own), an issuer certificate under it, and a token status list
 * it serves in-process. It issues EU PIDs as SD-JWT VCs (`urn:eudi:pid:1`, every claim
 * selectively disclosable) bound to a holder key (`cnf.jwk`) with a status list entry.
 *
 * A second, unpublished CA issues the `untrusted` identity's credential. With a data
 * directory the trusted CA and issuer are kept there (mode 0600) and reused across
 * restarts; without one they live in memory.
 *
 * Extension point: another format's sandbox credentials (mdoc) use {@link SandboxIssuer.ca}
 * and {@link SandboxIssuer.issuerCertificate} the same way.
 */

import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SDJwtInstance } from '@sd-jwt/core';
import { digest, ES256, generateSalt } from '@sd-jwt/crypto-nodejs';
import { createHeaderAndPayload, StatusList } from '@sd-jwt/jwt-status-list';
import type { DisclosureFrame } from '@sd-jwt/types';
import { type JWK, SignJWT } from 'jose';
import type { StatusListFetcher } from '../status-list.js';
import { StatusListUnreachable } from '../status-list.js';
import { type IssuedCertificate, issueCertificate } from '../trust/certificates.js';

/** The PID data of a sandbox person (ARF PID Rulebook §4 names). */
export type SandboxPid = Readonly<Record<string, unknown>>;

/** How one sandbox credential is issued. */
export interface SandboxIssuance {
  readonly pid: SandboxPid;
  readonly holderJwk: JWK;
  /** Its index in the status list. */
  readonly statusIdx: number;
  /** Issued and expired before `now` (the `expired` identity). */
  readonly expired?: boolean;
  /** Issued by the unpublished CA (the `untrusted` identity). */
  readonly untrusted?: boolean;
  readonly now: Date;
}

/** The status list's size (entries). */
export const SANDBOX_STATUS_LIST_SIZE = 1024;
/** Status values of the sandbox list (Status List draft §7.1). */
export const STATUS_VALID = 0;
export const STATUS_REVOKED = 1;
export const STATUS_SUSPENDED = 2;

const CA_FILES = { certificate: 'wallet-sandbox-ca.pem', key: 'wallet-sandbox-ca-key.pem' } as const;
const ISSUER_FILES = { certificate: 'wallet-sandbox-issuer.pem', key: 'wallet-sandbox-issuer-key.pem' } as const;
const YEAR_MS = 365 * 24 * 3600 * 1000;

/** The disclosure frame of a PID: every claim, address part, nationality and age claim on its own. */
function pidDisclosureFrame(pid: SandboxPid): DisclosureFrame<Record<string, unknown>> {
  const frame: Record<string, unknown> = { _sd: Object.keys(pid) };
  if (typeof pid.address === 'object' && pid.address !== null) frame.address = { _sd: Object.keys(pid.address) };
  if (Array.isArray(pid.nationalities)) frame.nationalities = { _sd: pid.nationalities.map((_, index) => index) };
  if (typeof pid.age_equal_or_over === 'object' && pid.age_equal_or_over !== null) {
    frame.age_equal_or_over = { _sd: Object.keys(pid.age_equal_or_over) };
  }
  return frame as DisclosureFrame<Record<string, unknown>>;
}

function readStored(dataDir: string, files: { certificate: string; key: string }): IssuedCertificate | undefined {
  const certificateFile = path.join(dataDir, files.certificate);
  const keyFile = path.join(dataDir, files.key);
  if (!existsSync(certificateFile) || !existsSync(keyFile)) return undefined;
  try {
    const stored = {
      certificatePem: readFileSync(certificateFile, 'utf8'),
      privateKeyPem: readFileSync(keyFile, 'utf8'),
    };
    const certificate = new X509Certificate(stored.certificatePem);
    if (!certificate.checkPrivateKey(createPrivateKey(stored.privateKeyPem))) return undefined;
    if (Date.parse(certificate.validTo) - Date.now() < 30 * 24 * 3600 * 1000) return undefined;
    return stored;
  } catch {
    return undefined;
  }
}

function store(dataDir: string, files: { certificate: string; key: string }, issued: IssuedCertificate): void {
  mkdirSync(dataDir, { recursive: true });
  for (const [file, content] of [
    [files.certificate, issued.certificatePem],
    [files.key, issued.privateKeyPem],
  ] as const) {
    const target = path.join(dataDir, file);
    writeFileSync(target, content, { mode: 0o600 });
    chmodSync(target, 0o600);
  }
}

/** A CA and an issuer certificate under it. */
interface IssuerKeys {
  readonly ca: IssuedCertificate;
  readonly issuer: IssuedCertificate;
  /** The issuer's `x5c`: its certificate (the CA is the trust anchor, not sent). */
  readonly x5c: readonly string[];
  readonly privateJwk: JWK;
}

async function issuerKeys(now: Date, name: string, dataDir: string | undefined): Promise<IssuerKeys> {
  let ca = dataDir === undefined ? undefined : readStored(dataDir, CA_FILES);
  let issuer = ca === undefined || dataDir === undefined ? undefined : readStored(dataDir, ISSUER_FILES);
  if (ca === undefined) {
    ca = await issueCertificate({
      subject: `C=DE, O=idgate sandbox, CN=${name} CA`,
      ca: true,
      notBefore: new Date(now.getTime() - 3600_000),
      notAfter: new Date(now.getTime() + 5 * YEAR_MS),
    });
    if (dataDir !== undefined) store(dataDir, CA_FILES, ca);
  }
  if (issuer === undefined) {
    issuer = await issueCertificate({
      subject: `C=DE, O=idgate sandbox, CN=${name} PID issuer`,
      issuer: ca,
      ca: false,
      notBefore: new Date(now.getTime() - 3600_000),
      notAfter: new Date(now.getTime() + 2 * YEAR_MS),
    });
    if (dataDir !== undefined) store(dataDir, ISSUER_FILES, issuer);
  }
  const x5c = [new X509Certificate(issuer.certificatePem).raw.toString('base64')];
  const privateJwk = createPrivateKey(issuer.privateKeyPem).export({ format: 'jwk' }) as JWK;
  return { ca, issuer, x5c, privateJwk };
}

/** The sandbox test issuer. */
export class SandboxIssuer {
  readonly #trusted: IssuerKeys;
  readonly #untrusted: IssuerKeys;
  readonly #statuses: number[];
  /** Where the status list is served (in-process, see {@link SandboxIssuer.fetcher}). */
  readonly statusListUri: string;

  private constructor(trusted: IssuerKeys, untrusted: IssuerKeys, statusListUri: string) {
    this.#trusted = trusted;
    this.#untrusted = untrusted;
    this.#statuses = new Array<number>(SANDBOX_STATUS_LIST_SIZE).fill(STATUS_VALID);
    this.statusListUri = statusListUri;
  }

  /**
   * The issuer of an instance: `baseUrl` is idgate's issuer (the status list URI lives
   * under it), `dataDir` keeps the CA across restarts.
   */
  static async create(options: {
    readonly baseUrl: string;
    readonly dataDir?: string;
    readonly now?: Date;
  }): Promise<SandboxIssuer> {
    const now = options.now ?? new Date();
    const trusted = await issuerKeys(now, 'idgate sandbox', options.dataDir);
    const untrusted = await issuerKeys(now, 'Untrusted test', undefined);
    return new SandboxIssuer(trusted, untrusted, `${options.baseUrl}/sandbox/wallet/status-lists/1`);
  }

  /** The published CA certificate (PEM): the trust anchor of `mock-wallet`. */
  get ca(): string {
    return this.#trusted.ca.certificatePem;
  }

  /** The issuer certificate and key (PEM), for other formats' sandbox credentials. */
  get issuerCertificate(): IssuedCertificate {
    return this.#trusted.issuer;
  }

  /** Sets a status list entry (`revoked` and `suspended` credentials). */
  setStatus(idx: number, status: number): void {
    if (!Number.isInteger(idx) || idx < 0 || idx >= SANDBOX_STATUS_LIST_SIZE)
      throw new RangeError('status index out of range');
    this.#statuses[idx] = status;
  }

  /** Issues a PID as SD-JWT VC (issuer-signed JWT and disclosures, `…~`). */
  async issuePid(issuance: SandboxIssuance): Promise<string> {
    const keys = issuance.untrusted ? this.#untrusted : this.#trusted;
    const sdjwt = new SDJwtInstance<Record<string, unknown>>({
      signer: await ES256.getSigner(keys.privateJwk),
      signAlg: 'ES256',
      hasher: digest,
      hashAlg: 'sha-256',
      saltGenerator: generateSalt,
    });
    const nowS = Math.floor(issuance.now.getTime() / 1000);
    const issuedAt = issuance.expired ? nowS - 400 * 24 * 3600 : nowS - 60;
    const expiresAt = issuance.expired ? nowS - 24 * 3600 : nowS + 90 * 24 * 3600;
    const { cnf: _ignored, ...pid } = issuance.pid as Record<string, unknown>;
    const payload = {
      ...pid,
      vct: 'urn:eudi:pid:1',
      iat: issuedAt,
      exp: expiresAt,
      cnf: { jwk: issuance.holderJwk },
      status: { status_list: { idx: issuance.statusIdx, uri: this.statusListUri } },
    };
    return sdjwt.issue(payload as Record<string, unknown>, pidDisclosureFrame(pid), {
      header: { typ: 'dc+sd-jwt', x5c: [...keys.x5c] },
    });
  }

  /** The Status List Token of the list as it is now (Status List draft §5.1). */
  async statusListToken(now: Date): Promise<string> {
    const list = new StatusList([...this.#statuses], 2);
    const iat = Math.floor(now.getTime() / 1000);
    const { header, payload } = createHeaderAndPayload(
      list,
      { sub: this.statusListUri, iat, exp: iat + 3600, ttl: 300 },
      { alg: 'ES256', typ: 'statuslist+jwt' },
    );
    return new SignJWT(payload as Record<string, unknown>)
      .setProtectedHeader({ ...header, alg: 'ES256', x5c: [...this.#trusted.x5c] })
      .sign(createPrivateKey(this.#trusted.issuer.privateKeyPem));
  }

  /** Serves the sandbox status list in-process; any other URI is unreachable. */
  fetcher(clock: () => Date = () => new Date()): StatusListFetcher {
    return {
      fetchStatusList: async (uri: string) => {
        if (uri !== this.statusListUri) throw new StatusListUnreachable('not a sandbox status list');
        return this.statusListToken(clock());
      },
    };
  }
}
