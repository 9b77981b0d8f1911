/**
 * The mdoc verifier against an independent holder (mdoc-holder.ts, the library used
 * directly): a PID and an mDL that verify, and every refusal, each asserted by its
 * catalog code first and its `debug.check` second.
 */
import { Buffer } from 'node:buffer';
import { webcrypto } from 'node:crypto';
import { type IdgateError, isIdgateError } from '@idgate/errors';
import { CoseKey, cborEncode, DataItem } from '@owf/mdoc';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type MdocPresentationInput,
  verifyMdocPresentation,
} from '../../../../src/providers/wallet/mdoc/verify-mdoc.js';
import {
  createCertificate,
  createDeviceKey,
  createIaca,
  DC_API,
  type DeviceKeys,
  days,
  documentOf,
  encoded,
  issue,
  issuerSignedItemWithDate,
  MDL,
  MDL_NS,
  mdlElements,
  NOW,
  PID,
  present,
  REDIRECT,
  responseWith,
  type TestCa,
  type TestSigner,
  type Transcript,
  withBrokenIssuerSignature,
  withChangedValue,
  withDeviceMac,
  withDeviceSignature,
  withDuplicate,
  withIssuerAuthPayload,
  withIssuerSigned,
  withRawItem,
} from './mdoc-holder.js';

let iaca: TestCa;
let signer: TestSigner;
let device: DeviceKeys;

beforeAll(async () => {
  iaca = await createIaca();
  signer = await createCertificate(iaca);
  device = await createDeviceKey();
});

function input(deviceResponse: string, overrides: Partial<MdocPresentationInput> = {}): MdocPresentationInput {
  return {
    deviceResponse,
    trustAnchors: [iaca.pem],
    allowedDoctypes: [PID, MDL],
    transcript: REDIRECT,
    now: NOW,
    ...overrides,
  };
}

async function refusal(presentation: Promise<unknown>): Promise<IdgateError> {
  try {
    await presentation;
  } catch (error) {
    if (isIdgateError(error)) return error;
    throw error;
  }
  return expect.fail('the presentation was accepted');
}

async function expectRefused(
  presentation: Promise<unknown>,
  code: string,
  check: string,
  reason?: string,
): Promise<IdgateError> {
  const error = await refusal(presentation);
  expect(error.code).toBe(code);
  expect(error.debug).toMatchObject({ format: 'mso_mdoc', check, ...(reason === undefined ? {} : { reason }) });
  // Nothing of the credential or the keys in what a client may see.
  expect(error.detail).toMatch(/^[A-Za-z].{10,200}$/);
  return error;
}

async function pidPresentation(
  options: { transcript?: Transcript; disclose?: Record<string, readonly string[]> } = {},
): Promise<string> {
  const issuerSigned = await issue({ signer, device });
  return encoded(await present({ issuerSigned, device, transcript: options.transcript ?? REDIRECT, ...options }));
}

describe('a PID and an mDL that verify', () => {
  it('returns the disclosed PID elements, decoded, with the issuer and its country', async () => {
    const presentation = await pidPresentation({
      disclose: {
        [PID]: [
          'given_name',
          'family_name',
          'birth_date',
          'place_of_birth',
          'nationality',
          'resident_address',
          'age_over_18',
          'issuance_date',
          'portrait',
        ],
      },
    });
    const credential = await verifyMdocPresentation(input(presentation));
    expect(credential).toEqual({
      format: 'mso_mdoc',
      credentialType: PID,
      issuer: 'CN=Test Document Signer, O=Test Issuer, C=DE',
      issuingCountry: 'DE',
      claims: {
        [PID]: {
          given_name: 'Erika',
          family_name: 'Mustermann',
          birth_date: '1964-08-12',
          place_of_birth: { country: 'DE', locality: 'Berlin' },
          nationality: ['DE'],
          resident_address: 'Heidestraße 17, 51147 Köln',
          age_over_18: true,
          issuance_date: '2026-12-01T08:30:00Z',
          portrait: Buffer.from([0xff, 0xd8, 0xff, 0xe0]).toString('base64url'),
        },
      },
      validUntil: days(30),
    });
  });

  it('returns only what was disclosed: elements the wallet withheld are absent', async () => {
    const credential = await verifyMdocPresentation(
      input(await pidPresentation({ disclose: { [PID]: ['age_over_18'] } })),
    );
    expect(credential.claims).toEqual({ [PID]: { age_over_18: true } });
  });

  it('verifies an mDL, with nested driving privileges', async () => {
    const issuerSigned = await issue({ doctype: MDL, signer, device });
    const response = await present({ issuerSigned, device, transcript: REDIRECT });
    const credential = await verifyMdocPresentation(input(encoded(response)));
    expect(credential.credentialType).toBe(MDL);
    expect(credential.issuingCountry).toBe('DE');
    expect(credential.claims).toEqual({
      [MDL_NS]: {
        family_name: 'Mustermann',
        given_name: 'Erika',
        birth_date: '1964-08-12',
        issue_date: '2024-01-15',
        expiry_date: '2034-01-14',
        issuing_country: 'DE',
        issuing_authority: 'Stadt Köln',
        document_number: 'D1234567',
        driving_privileges: [{ vehicle_category_code: 'B', issue_date: '1984-05-02' }],
        age_over_18: true,
      },
    });
  });

  it('verifies a DC API presentation against its origin, and an unencrypted response (null thumbprint)', async () => {
    await expect(
      verifyMdocPresentation(input(await pidPresentation({ transcript: DC_API }), { transcript: DC_API })),
    ).resolves.toMatchObject({ credentialType: PID });
    const plain = { ...REDIRECT, jwkThumbprint: null };
    await expect(
      verifyMdocPresentation(input(await pidPresentation({ transcript: plain }), { transcript: plain })),
    ).resolves.toMatchObject({ credentialType: PID });
  });

  it('accepts an x5chain with an intermediate CA under an IACA that allows one, and an x5chain ending with the IACA', async () => {
    const root = await createIaca({ name: 'C=DE, O=Test Issuer, CN=Test Root IACA', pathLength: 1 });
    const intermediate = await createCertificate(root, { name: 'C=DE, O=Test Issuer, CN=Test Intermediate', ca: true });
    const ds = await createCertificate(intermediate);
    const viaIntermediate = await issue({ signer: ds, device, chain: [intermediate.certificate] });
    const response = encoded(await present({ issuerSigned: viaIntermediate, device, transcript: REDIRECT }));
    await expect(verifyMdocPresentation(input(response, { trustAnchors: [root.pem] }))).resolves.toMatchObject({
      issuer: 'CN=Test Document Signer, O=Test Issuer, C=DE',
    });
    const withRoot = await issue({ signer, device, chain: [iaca.certificate] });
    await expect(
      verifyMdocPresentation(input(encoded(await present({ issuerSigned: withRoot, device, transcript: REDIRECT })))),
    ).resolves.toMatchObject({ credentialType: PID });
  });

  it('verifies the fully-specified ESP256 (-9) for issuerAuth and deviceSignature, and refuses an algorithm it does not know', async () => {
    const issuerSigned = await issue({ signer, device, alg: -9 });
    const document = documentOf(await present({ issuerSigned, device, transcript: REDIRECT }));
    const esp256 = await withDeviceSignature(document, { device, signedTranscript: REDIRECT, alg: -9 });
    await expect(verifyMdocPresentation(input(encoded(responseWith({ documents: [esp256] }))))).resolves.toMatchObject({
      credentialType: PID,
    });
    const unknown = await issue({ signer, device, alg: -47 /* ES256K */ });
    const byUnknown = encoded(await present({ issuerSigned: unknown, device, transcript: REDIRECT }));
    await expectRefused(verifyMdocPresentation(input(byUnknown)), 'PROVIDER_PRESENTATION_INVALID', 'issuer-algorithm');
    const deviceUnknown = await withDeviceSignature(document, { device, signedTranscript: REDIRECT, alg: -47 });
    await expectRefused(
      verifyMdocPresentation(input(encoded(responseWith({ documents: [deviceUnknown] })))),
      'PROVIDER_PRESENTATION_INVALID',
      'device-signature',
      'unsupported alg',
    );
  });

  it('takes issuing_country from the element when the DS certificate names no country', async () => {
    const noCountry = await createCertificate(iaca, { name: 'O=Test Issuer, CN=Countryless Signer' });
    const issuerSigned = await issue({ signer: noCountry, device });
    const credential = await verifyMdocPresentation(
      input(encoded(await present({ issuerSigned, device, transcript: REDIRECT }))),
    );
    expect(credential.issuer).toBe('CN=Countryless Signer, O=Test Issuer');
    expect(credential.issuingCountry).toBe('DE');
  });
});

describe('the issuer: PROVIDER_CREDENTIAL_UNTRUSTED', () => {
  it('refuses an mdoc under an IACA that is not configured', async () => {
    const other = await createIaca({ name: 'C=XX, O=Elsewhere, CN=Unknown IACA' });
    const issuerSigned = await issue({ signer: await createCertificate(other), device });
    const response = encoded(await present({ issuerSigned, device, transcript: REDIRECT }));
    await expectRefused(
      verifyMdocPresentation(input(response)),
      'PROVIDER_CREDENTIAL_UNTRUSTED',
      'issuer-chain',
      'no trust anchor issued the chain',
    );
  });

  it('refuses an expired DS certificate (the MSO signed while it was valid)', async () => {
    const expired = await createCertificate(iaca, { notBefore: days(-400), notAfter: days(-10) });
    const issuerSigned = await issue({
      signer: expired,
      device,
      signed: days(-20),
      validFrom: days(-20),
      validUntil: days(30),
    });
    const response = encoded(await present({ issuerSigned, device, transcript: REDIRECT }));
    await expectRefused(
      verifyMdocPresentation(input(response)),
      'PROVIDER_CREDENTIAL_UNTRUSTED',
      'issuer-chain',
      'certificate not valid at now',
    );
  });

  it('refuses an expired IACA, and a chain whose intermediate the IACA may not issue (path length 0)', async () => {
    const old = await createIaca({ notBefore: days(-800), notAfter: days(-1) });
    const oldSigner = await createCertificate(old, { notBefore: days(-30), notAfter: days(300) });
    const fromOld = encoded(
      await present({ issuerSigned: await issue({ signer: oldSigner, device }), device, transcript: REDIRECT }),
    );
    await expectRefused(
      verifyMdocPresentation(input(fromOld, { trustAnchors: [old.pem] })),
      'PROVIDER_CREDENTIAL_UNTRUSTED',
      'issuer-chain',
      'trust anchor not valid at now',
    );

    const intermediate = await createCertificate(iaca, { name: 'C=DE, O=Test Issuer, CN=Test Intermediate', ca: true });
    const deep = await createCertificate(intermediate);
    const issuerSigned = await issue({ signer: deep, device, chain: [intermediate.certificate] });
    const response = encoded(await present({ issuerSigned, device, transcript: REDIRECT }));
    await expectRefused(
      verifyMdocPresentation(input(response)),
      'PROVIDER_CREDENTIAL_UNTRUSTED',
      'issuer-chain',
      'path length constraint exceeded',
    );
  });

  it('refuses a DS certificate signed by a key that is not the IACA’s (same name)', async () => {
    const impostor = await createIaca(); // same subject name as the configured IACA, other key
    const issuerSigned = await issue({ signer: await createCertificate(impostor), device });
    const response = encoded(await present({ issuerSigned, device, transcript: REDIRECT }));
    await expectRefused(
      verifyMdocPresentation(input(response)),
      'PROVIDER_CREDENTIAL_UNTRUSTED',
      'issuer-chain',
      'no trust anchor issued the chain',
    );
  });

  it('refuses a DS certificate that may not sign (key usage) and a DS that is itself the anchor', async () => {
    const certSignOnly = await createCertificate(iaca, { keyUsage: 16 /* keyAgreement only */ });
    const response = encoded(
      await present({ issuerSigned: await issue({ signer: certSignOnly, device }), device, transcript: REDIRECT }),
    );
    await expectRefused(
      verifyMdocPresentation(input(response)),
      'PROVIDER_CREDENTIAL_UNTRUSTED',
      'issuer-chain',
      'document signer may not sign',
    );

    const bySelf = await issue({ signer: { ...iaca, signingKey: await importedKey(iaca) }, device });
    const answer = encoded(await present({ issuerSigned: bySelf, device, transcript: REDIRECT }));
    await expectRefused(
      verifyMdocPresentation(input(answer)),
      'PROVIDER_CREDENTIAL_UNTRUSTED',
      'issuer-chain',
      'document signer is a trust anchor',
    );
  });

  it('refuses a doctype the provider does not accept', async () => {
    const issuerSigned = await issue({ doctype: MDL, signer, device });
    const response = encoded(await present({ issuerSigned, device, transcript: REDIRECT }));
    await expectRefused(
      verifyMdocPresentation(input(response, { allowedDoctypes: [PID] })),
      'PROVIDER_CREDENTIAL_UNTRUSTED',
      'doctype-not-allowed',
    );
  });

  it('refuses an MSO signed outside the DS certificate’s validity', async () => {
    const issuerSigned = await issue({ signer, device, signed: days(-60), validFrom: days(-1) });
    const response = encoded(await present({ issuerSigned, device, transcript: REDIRECT }));
    await expectRefused(
      verifyMdocPresentation(input(response)),
      'PROVIDER_CREDENTIAL_UNTRUSTED',
      'signed-outside-certificate',
    );
  });

  it("refuses an mDL whose issuing_country is not its DS certificate's country", async () => {
    const issuerSigned = await issue({
      doctype: MDL,
      signer,
      device,
      elements: { ...mdlElements(), issuing_country: 'FR' },
    });
    const response = encoded(await present({ issuerSigned, device, transcript: REDIRECT }));
    await expectRefused(verifyMdocPresentation(input(response)), 'PROVIDER_CREDENTIAL_UNTRUSTED', 'issuing-country');
  });
});

describe('validity: PROVIDER_CREDENTIAL_EXPIRED', () => {
  it('refuses an mdoc past validUntil, and at exactly validUntil', async () => {
    const issuerSigned = await issue({ signer, device, signed: days(-20), validFrom: days(-20), validUntil: days(-1) });
    const response = encoded(await present({ issuerSigned, device, transcript: REDIRECT }));
    await expectRefused(verifyMdocPresentation(input(response)), 'PROVIDER_CREDENTIAL_EXPIRED', 'expired');
    const edge = await issue({ signer, device, validUntil: NOW });
    const atEdge = encoded(await present({ issuerSigned: edge, device, transcript: REDIRECT }));
    await expectRefused(verifyMdocPresentation(input(atEdge)), 'PROVIDER_CREDENTIAL_EXPIRED', 'expired');
  });

  it('refuses an mdoc whose validFrom is in the future, and accepts it from validFrom on', async () => {
    const issuerSigned = await issue({ signer, device, signed: days(-1), validFrom: days(2) });
    const response = encoded(await present({ issuerSigned, device, transcript: REDIRECT }));
    await expectRefused(verifyMdocPresentation(input(response)), 'PROVIDER_CREDENTIAL_EXPIRED', 'not-yet-valid');
    await expect(verifyMdocPresentation(input(response, { now: days(2) }))).resolves.toMatchObject({
      credentialType: PID,
    });
  });
});

describe('integrity: PROVIDER_PRESENTATION_INVALID', () => {
  it('refuses a value changed after signing (digest mismatch)', async () => {
    const issuerSigned = withChangedValue(await issue({ signer, device }), PID, 'family_name', 'Musterfrau');
    const response = encoded(await present({ issuerSigned, device, transcript: REDIRECT }));
    const error = await expectRefused(
      verifyMdocPresentation(input(response)),
      'PROVIDER_PRESENTATION_INVALID',
      'value-digest',
      'digest mismatch',
    );
    expect(error.debug).toMatchObject({ namespace: PID, element: 'family_name' });
  });

  it('refuses an element moved to another namespace (no digest there)', async () => {
    const issuerSigned = await issue({ signer, device });
    const items = issuerSigned.issuerNamespaces.issuerNamespaces.get(PID)!;
    issuerSigned.issuerNamespaces.issuerNamespaces.set('eu.europa.ec.eudi.pid.de.1', [items[0]!]);
    const response = encoded(
      await present({
        issuerSigned,
        device,
        transcript: REDIRECT,
        disclose: { 'eu.europa.ec.eudi.pid.de.1': [items[0]!.elementIdentifier] },
      }),
    );
    await expectRefused(
      verifyMdocPresentation(input(response)),
      'PROVIDER_PRESENTATION_INVALID',
      'value-digest',
      'no digest for this digest id',
    );
  });

  it('hashes each item as the issuer encoded it, not as the library would re-encode it (a tdate with an offset)', async () => {
    const base = await present({ issuerSigned: await issue({ signer, device }), device, transcript: REDIRECT });
    const itemBytes = issuerSignedItemWithDate('issuance_date', '2026-12-01T09:30:00.5+01:00');
    const response = await withRawItem(base, { itemBytes, namespace: PID, signer, device });
    await expect(verifyMdocPresentation(input(response))).resolves.toMatchObject({
      claims: { [PID]: { issuance_date: '2026-12-01T08:30:00.500Z' } },
    });
    // The same bytes with the offset changed after the digest was taken.
    const tampered = Buffer.from(response, 'base64url');
    tampered.write('+02:00', tampered.indexOf('+01:00'));
    await expectRefused(
      verifyMdocPresentation(input(tampered.toString('base64url'))),
      'PROVIDER_PRESENTATION_INVALID',
      'value-digest',
    );
  });

  it('refuses a date element that is not a date', async () => {
    const base = await present({ issuerSigned: await issue({ signer, device }), device, transcript: REDIRECT });
    const itemBytes = issuerSignedItemWithDate('birth_date', 'the 12th of August', 'full-date');
    const response = await withRawItem(base, { itemBytes, namespace: PID, signer, device });
    const error = await expectRefused(
      verifyMdocPresentation(input(response)),
      'PROVIDER_PRESENTATION_INVALID',
      'element-value',
    );
    expect(error.debug).toMatchObject({ namespace: PID, element: 'birth_date' });
  });

  it('refuses an issuerAuth whose signed payload is not a Mobile Security Object', async () => {
    const document = documentOf(
      await present({ issuerSigned: await issue({ signer, device }), device, transcript: REDIRECT }),
    );
    const notAnMso = cborEncode(
      DataItem.fromData(
        new Map([
          ['version', '1.0'],
          ['docType', PID],
        ]),
      ),
    );
    const response = encoded(responseWith({ documents: [await withIssuerAuthPayload(document, notAnMso, signer)] }));
    await expectRefused(verifyMdocPresentation(input(response)), 'PROVIDER_PRESENTATION_INVALID', 'mso');
  });

  it('refuses an element disclosed twice', async () => {
    const issuerSigned = withDuplicate(await issue({ signer, device }), PID, 'given_name');
    const document = documentOf(
      await present({ issuerSigned: await issue({ signer, device }), device, transcript: REDIRECT }),
    );
    const response = encoded(
      responseWith({
        documents: [
          await withDeviceSignature(withIssuerSigned(document, issuerSigned), { device, signedTranscript: REDIRECT }),
        ],
      }),
    );
    await expectRefused(verifyMdocPresentation(input(response)), 'PROVIDER_PRESENTATION_INVALID', 'duplicate-element');
  });

  it('refuses a broken issuerAuth signature', async () => {
    const issuerSigned = withBrokenIssuerSignature(await issue({ signer, device }));
    const response = encoded(await present({ issuerSigned, device, transcript: REDIRECT }));
    await expectRefused(verifyMdocPresentation(input(response)), 'PROVIDER_PRESENTATION_INVALID', 'issuer-signature');
  });

  it('refuses a document whose doctype is not the signed one', async () => {
    const document = documentOf(
      await present({ issuerSigned: await issue({ signer, device }), device, transcript: REDIRECT }),
    );
    const relabelled = withIssuerSigned(document, document.issuerSigned, MDL);
    const response = encoded(
      responseWith({ documents: [await withDeviceSignature(relabelled, { device, signedTranscript: REDIRECT })] }),
    );
    await expectRefused(verifyMdocPresentation(input(response)), 'PROVIDER_PRESENTATION_INVALID', 'doctype-mismatch');
  });
});

describe('device authentication over the OpenID4VP session transcript: PROVIDER_PRESENTATION_INVALID', () => {
  it('refuses a device signature by another key than the MSO’s device key', async () => {
    const document = documentOf(
      await present({ issuerSigned: await issue({ signer, device }), device, transcript: REDIRECT }),
    );
    const byOther = await withDeviceSignature(document, {
      device: await createDeviceKey(),
      signedTranscript: REDIRECT,
    });
    await expectRefused(
      verifyMdocPresentation(input(encoded(responseWith({ documents: [byOther] })))),
      'PROVIDER_PRESENTATION_INVALID',
      'device-signature',
    );
  });

  it.each([
    ['nonce', { ...REDIRECT, nonce: 'another-nonce' }],
    ['client id', { ...REDIRECT, clientId: 'x509_san_dns:attacker.example' }],
    ['response URI', { ...REDIRECT, responseUri: 'https://attacker.example/response' }],
    ['JWK thumbprint', { ...REDIRECT, jwkThumbprint: new Uint8Array(32).fill(7) }],
    ['JWK thumbprint (absent)', { ...REDIRECT, jwkThumbprint: null }],
  ] as const)('refuses a presentation made for another %s', async (_name, signedFor) => {
    const response = await pidPresentation({ transcript: signedFor });
    await expectRefused(verifyMdocPresentation(input(response)), 'PROVIDER_PRESENTATION_INVALID', 'device-signature');
  });

  it('refuses a DC API presentation for another origin, and a redirect presentation posted through the DC API', async () => {
    const forOther = await pidPresentation({ transcript: { ...DC_API, origin: 'https://attacker.example' } });
    await expectRefused(
      verifyMdocPresentation(input(forOther, { transcript: DC_API })),
      'PROVIDER_PRESENTATION_INVALID',
      'device-signature',
    );
    const redirect = await pidPresentation({ transcript: { ...REDIRECT, nonce: DC_API.nonce } });
    await expectRefused(
      verifyMdocPresentation(input(redirect, { transcript: DC_API })),
      'PROVIDER_PRESENTATION_INVALID',
      'device-signature',
    );
  });

  it("refuses another session's device signature replayed with its payload attached", async () => {
    const other = { ...REDIRECT, nonce: 'the-other-session' };
    const document = documentOf(
      await present({ issuerSigned: await issue({ signer, device }), device, transcript: REDIRECT }),
    );
    const replayed = await withDeviceSignature(document, { device, signedTranscript: other, attach: true });
    await expectRefused(
      verifyMdocPresentation(input(encoded(responseWith({ documents: [replayed] })))),
      'PROVIDER_PRESENTATION_INVALID',
      'device-signature',
      'payload attached',
    );
  });

  it('refuses device authentication by MAC (no reader key in OpenID4VP)', async () => {
    const document = documentOf(
      await present({ issuerSigned: await issue({ signer, device }), device, transcript: REDIRECT }),
    );
    await expectRefused(
      verifyMdocPresentation(input(encoded(responseWith({ documents: [withDeviceMac(document)] })))),
      'PROVIDER_PRESENTATION_INVALID',
      'device-mac-unsupported',
    );
  });
});

describe('the DeviceResponse: PROVIDER_PRESENTATION_INVALID', () => {
  it('refuses a status other than 0', async () => {
    const document = documentOf(
      await present({ issuerSigned: await issue({ signer, device }), device, transcript: REDIRECT }),
    );
    const error = await expectRefused(
      verifyMdocPresentation(input(encoded(responseWith({ status: 10, documents: [document] })))),
      'PROVIDER_PRESENTATION_INVALID',
      'status',
    );
    expect(error.debug).toMatchObject({ status: 10 });
  });

  it('refuses two documents, and none', async () => {
    const document = documentOf(
      await present({ issuerSigned: await issue({ signer, device }), device, transcript: REDIRECT }),
    );
    await expectRefused(
      verifyMdocPresentation(input(encoded(responseWith({ documents: [document, document] })))),
      'PROVIDER_PRESENTATION_INVALID',
      'document-count',
    );
    await expectRefused(
      verifyMdocPresentation(input(encoded(responseWith({ documents: [] })))),
      'PROVIDER_PRESENTATION_INVALID',
      'document-count',
    );
  });

  it.each([
    ['garbage CBOR', Buffer.from([0xff, 0x00, 0x13]).toString('base64url')],
    ['CBOR that is not a DeviceResponse', Buffer.from(cborEncode(new Map([['version', 1]]))).toString('base64url')],
    ['a CBOR string', Buffer.from(cborEncode('hello')).toString('base64url')],
    ['not base64url', 'eyJ+hello/world='],
    ['empty', ''],
  ])('refuses %s', async (_name, presentation) => {
    await expectRefused(verifyMdocPresentation(input(presentation)), 'PROVIDER_PRESENTATION_INVALID', 'decode');
  });

  it('refuses trailing bytes after the DeviceResponse', async () => {
    const bytes = Buffer.from(await pidPresentation(), 'base64url');
    const padded = Buffer.concat([bytes, Buffer.from([0x00])]).toString('base64url');
    await expectRefused(verifyMdocPresentation(input(padded)), 'PROVIDER_PRESENTATION_INVALID', 'decode');
  });
});

describe('trust anchors', () => {
  it('rechecks validity at every now for a chain it verified before, and drops an anchor no longer configured', async () => {
    const shortLived = await createCertificate(iaca, { notBefore: days(-5), notAfter: days(3) });
    const issuerSigned = await issue({ signer: shortLived, device, validUntil: days(10) });
    const response = encoded(await present({ issuerSigned, device, transcript: REDIRECT }));
    await expect(verifyMdocPresentation(input(response))).resolves.toMatchObject({ credentialType: PID });
    await expectRefused(
      verifyMdocPresentation(input(response, { now: days(4) })),
      'PROVIDER_CREDENTIAL_UNTRUSTED',
      'issuer-chain',
      'certificate not valid at now',
    );
    const other = await createIaca({ name: 'C=DE, O=Other, CN=Other IACA' });
    await expectRefused(
      verifyMdocPresentation(input(response, { trustAnchors: [other.pem] })),
      'PROVIDER_CREDENTIAL_UNTRUSTED',
      'issuer-chain',
    );
  });

  it('treats a trust anchor that is not a certificate as a configuration error (TypeError)', async () => {
    await expect(
      verifyMdocPresentation(
        input(await pidPresentation(), {
          trustAnchors: ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'],
        }),
      ),
    ).rejects.toThrow(TypeError);
  });
});

/** The configured IACA's own key as a COSE signing key (a DS that is the anchor itself). */
async function importedKey(ca: TestCa): Promise<CoseKey> {
  return CoseKey.fromJwk((await webcrypto.subtle.exportKey('jwk', ca.keys.privateKey)) as Record<string, unknown>);
}
