/**
 * The session transcripts against the examples of OpenID4VP 1.0 final, Appendix B.2.6.1
 * (redirects) and B.2.6.2 (Digital Credentials API): the exact CBOR bytes.
 */
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { sessionTranscriptOf } from '../../../../src/providers/wallet/mdoc/session-transcript.js';

const NONCE = 'exc7gBkxjx1rdc9udRrveKvSsJIq80avlXeLHhGwqtA';
const THUMBPRINT = new Uint8Array(
  Buffer.from('4283ec927ae0f208daaa2d026a814f2b22dca52cf85ffa8f3f8626c6bd669047', 'hex'),
);

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

describe('OpenID4VP 1.0 session transcripts', () => {
  it('OpenID4VPHandover: [null, null, ["OpenID4VPHandover", sha-256([client_id, nonce, jwkThumbprint, response_uri])]]', async () => {
    const transcript = await sessionTranscriptOf({
      kind: 'openid4vp',
      clientId: 'x509_san_dns:example.com',
      nonce: NONCE,
      jwkThumbprint: THUMBPRINT,
      responseUri: 'https://example.com/response',
    });
    expect(hex(transcript.encode())).toBe(
      '83f6f682714f70656e494434565048616e646f7665725820048bc053c00442af9b8eed494cefdd9d95240d254b046b11b68013722aad38ac',
    );
  });

  it('OpenID4VPDCAPIHandover: [null, null, ["OpenID4VPDCAPIHandover", sha-256([origin, nonce, jwkThumbprint])]]', async () => {
    const transcript = await sessionTranscriptOf({
      kind: 'dc_api',
      origin: 'https://example.com',
      nonce: NONCE,
      jwkThumbprint: THUMBPRINT,
    });
    expect(hex(transcript.encode())).toBe(
      '83f6f682764f70656e4944345650444341504948616e646f7665725820fbece366f4212f9762c74cfdbf83b8c69e371d5d68cea09cb4c48ca6daab761a',
    );
  });

  it('hashes null for an unencrypted response, which is another transcript', async () => {
    const base = {
      kind: 'openid4vp',
      clientId: 'x509_san_dns:example.com',
      nonce: NONCE,
      responseUri: 'https://example.com/response',
    } as const;
    const unencrypted = hex((await sessionTranscriptOf({ ...base, jwkThumbprint: null })).encode());
    expect(unencrypted).toMatch(/^83f6f682714f70656e494434565048616e646f7665725820[0-9a-f]{64}$/);
    expect(unencrypted).not.toBe(hex((await sessionTranscriptOf({ ...base, jwkThumbprint: THUMBPRINT })).encode()));
  });
});
