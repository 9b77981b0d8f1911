/**
 * The sandbox mdoc issuer and presenter, for every variant and both doctypes, verified by
 * the real verifier: what each variant makes idgate answer, selective disclosure of only
 * the requested elements, and what the presenter refuses to do.
 */
import { webcrypto } from 'node:crypto';
import { type IdgateError, isIdgateError } from '@idgate/errors';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createSandboxDocumentSigner,
  createSandboxIaca,
  fullDate,
  issueSandboxMdoc,
  MDL_DOCTYPE,
  MDL_NAMESPACE,
  PID_DOCTYPE,
  SANDBOX_MDOC_VARIANTS,
  type SandboxCertificate,
  type SandboxMdocDoctype,
  type SandboxMdocVariant,
} from '../../../../src/providers/wallet/mdoc/sandbox-mdoc-issuer.js';
import {
  type MdocCredentialQuery,
  presentSandboxMdoc,
} from '../../../../src/providers/wallet/mdoc/sandbox-mdoc-presenter.js';
import type { MdocTranscriptInput } from '../../../../src/providers/wallet/mdoc/session-transcript.js';
import { verifyMdocPresentation } from '../../../../src/providers/wallet/mdoc/verify-mdoc.js';

const NOW = new Date('2026-12-07T10:00:00Z');
const TRANSCRIPT: MdocTranscriptInput = {
  kind: 'openid4vp',
  clientId: 'x509_san_dns:idgate.example',
  nonce: 'sandbox-nonce-1',
  responseUri: 'https://idgate.example/v1/wallet/response',
  jwkThumbprint: new Uint8Array(32).fill(3),
};

let iaca: SandboxCertificate;
let devicePublicKey: webcrypto.JsonWebKey;
let devicePrivateKey: webcrypto.JsonWebKey;

beforeAll(async () => {
  iaca = await createSandboxIaca({ now: NOW });
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  devicePublicKey = await webcrypto.subtle.exportKey('jwk', keys.publicKey);
  devicePrivateKey = await webcrypto.subtle.exportKey('jwk', keys.privateKey);
});

function namespaceOf(doctype: SandboxMdocDoctype): string {
  return doctype === PID_DOCTYPE ? PID_DOCTYPE : MDL_NAMESPACE;
}

function query(doctype: SandboxMdocDoctype, elements: readonly string[]): MdocCredentialQuery {
  return {
    id: 'identity',
    format: 'mso_mdoc',
    meta: { doctype_value: doctype },
    claims: elements.map((element) => ({ path: [namespaceOf(doctype), element] })),
  };
}

const ASKED = [
  'given_name',
  'family_name',
  'birth_date',
  'nationality',
  'resident_address',
  'resident_city',
  'age_over_18',
];

async function presentation(doctype: SandboxMdocDoctype, variant: SandboxMdocVariant, elements = ASKED) {
  const mdoc = await issueSandboxMdoc({ doctype, iaca, devicePublicKey, now: NOW, variant });
  return await presentSandboxMdoc({
    mdoc,
    devicePrivateKey,
    query: query(doctype, elements),
    transcript: TRANSCRIPT,
    variant,
  });
}

function verify(deviceResponse: string) {
  return verifyMdocPresentation({
    deviceResponse,
    trustAnchors: [iaca.certificatePem],
    allowedDoctypes: [PID_DOCTYPE, MDL_DOCTYPE],
    transcript: TRANSCRIPT,
    now: NOW,
  });
}

async function refusal(promise: Promise<unknown>): Promise<IdgateError> {
  try {
    await promise;
  } catch (error) {
    if (isIdgateError(error)) return error;
    throw error;
  }
  return expect.fail('the sandbox presentation was accepted');
}

const REFUSED: Readonly<Partial<Record<SandboxMdocVariant, readonly [string, string]>>> = {
  expired: ['PROVIDER_CREDENTIAL_EXPIRED', 'expired'],
  untrusted: ['PROVIDER_CREDENTIAL_UNTRUSTED', 'issuer-chain'],
  tampered: ['PROVIDER_PRESENTATION_INVALID', 'issuer-signature'],
  'wrong-nonce': ['PROVIDER_PRESENTATION_INVALID', 'device-signature'],
};

describe.each([PID_DOCTYPE, MDL_DOCTYPE] as const)('sandbox %s', (doctype) => {
  it('success: the sandbox person, only the requested elements', async () => {
    const credential = await verify(await presentation(doctype, 'success'));
    expect(credential.credentialType).toBe(doctype);
    expect(credential.issuer).toBe('CN=idgate sandbox document signer, O=idgate sandbox, C=SE');
    expect(credential.issuingCountry).toBe('SE');
    expect(credential.validUntil).toEqual(new Date(NOW.getTime() + 30 * 86_400_000));
    expect(credential.claims).toEqual({
      [namespaceOf(doctype)]: {
        given_name: 'Astrid',
        family_name: 'Lindqvist',
        birth_date: '1985-03-07',
        nationality: doctype === PID_DOCTYPE ? ['SE'] : 'SE',
        resident_address: 'Storgatan 1, 111 22 Stockholm',
        resident_city: 'Stockholm',
        age_over_18: true,
      },
    });
  });

  it('no-address: verifies, without any resident_* element even when asked', async () => {
    const credential = await verify(await presentation(doctype, 'no-address'));
    const claims = credential.claims[namespaceOf(doctype)] as Record<string, unknown>;
    expect(Object.keys(claims).sort()).toEqual([
      'age_over_18',
      'birth_date',
      'family_name',
      'given_name',
      'nationality',
    ]);
  });

  it.each(Object.entries(REFUSED))('%s: refused with the documented code and check', async (variant, expected) => {
    const error = await refusal(verify(await presentation(doctype, variant as SandboxMdocVariant)));
    expect([error.code, (error.debug as { check: string }).check]).toEqual(expected);
  });

  it('discloses nothing when the query names no claims (DCQL §6.4.1)', async () => {
    const mdoc = await issueSandboxMdoc({ doctype, iaca, devicePublicKey, now: NOW });
    const { claims: _none, ...noClaims } = query(doctype, []);
    const credential = await verify(
      await presentSandboxMdoc({ mdoc, devicePrivateKey, query: noClaims, transcript: TRANSCRIPT }),
    );
    expect(credential.claims).toEqual({});
  });
});

describe('the sandbox issuer and presenter', () => {
  it('covers every variant of the sandbox identities', () => {
    expect(SANDBOX_MDOC_VARIANTS).toEqual(['success', 'no-address', 'expired', 'untrusted', 'tampered', 'wrong-nonce']);
    expect(Object.keys(REFUSED).length + 2).toBe(SANDBOX_MDOC_VARIANTS.length);
  });

  it('signs with a given document signer, publishes its certificate, and takes other elements', async () => {
    const documentSigner = await createSandboxDocumentSigner(iaca, NOW);
    const mdoc = await issueSandboxMdoc({
      doctype: PID_DOCTYPE,
      iaca,
      devicePublicKey,
      now: NOW,
      documentSigner,
      elements: { given_name: 'Bertil', birth_date: fullDate('1990-01-31'), issuing_country: 'SE' },
    });
    expect(mdoc.documentSigner).toBe(documentSigner.certificatePem);
    const credential = await verify(
      await presentSandboxMdoc({
        mdoc,
        devicePrivateKey,
        query: query(PID_DOCTYPE, ['given_name', 'birth_date', 'family_name']),
        transcript: TRANSCRIPT,
      }),
    );
    expect(credential.claims).toEqual({ [PID_DOCTYPE]: { given_name: 'Bertil', birth_date: '1990-01-31' } });
  });

  it('answers a DC API request with its transcript', async () => {
    const dcApi: MdocTranscriptInput = {
      kind: 'dc_api',
      origin: 'https://shop.example',
      nonce: 'dc-1',
      jwkThumbprint: null,
    };
    const mdoc = await issueSandboxMdoc({ doctype: PID_DOCTYPE, iaca, devicePublicKey, now: NOW });
    const deviceResponse = await presentSandboxMdoc({
      mdoc,
      devicePrivateKey,
      query: query(PID_DOCTYPE, ['given_name']),
      transcript: dcApi,
    });
    await expect(
      verifyMdocPresentation({
        deviceResponse,
        trustAnchors: [iaca.certificatePem],
        allowedDoctypes: [PID_DOCTYPE],
        transcript: dcApi,
        now: NOW,
      }),
    ).resolves.toMatchObject({ claims: { [PID_DOCTYPE]: { given_name: 'Astrid' } } });
  });

  it('refuses a query for another doctype, a claim path that is not [namespace, element], and a bad date', async () => {
    const mdoc = await issueSandboxMdoc({ doctype: PID_DOCTYPE, iaca, devicePublicKey, now: NOW });
    await expect(
      presentSandboxMdoc({ mdoc, devicePrivateKey, query: query(MDL_DOCTYPE, ['given_name']), transcript: TRANSCRIPT }),
    ).rejects.toThrow(TypeError);
    const badPath: MdocCredentialQuery = {
      ...query(PID_DOCTYPE, []),
      claims: [{ path: [PID_DOCTYPE, 'address', 'city'] }],
    };
    await expect(
      presentSandboxMdoc({ mdoc, devicePrivateKey, query: badPath, transcript: TRANSCRIPT }),
    ).rejects.toThrow(TypeError);
    expect(() => fullDate('07.03.1985')).toThrow(RangeError);
  });
});
