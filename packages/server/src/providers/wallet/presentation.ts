/**
 * Verifies a whole `vp_token` against its session (OpenID4VP 1.0 §8.6): every entry answers
 * a credential query of the request, in the format it asked for and at most once unless
 * `multiple`; each presentation is verified completely by its format's verifier
 * (`dc+sd-jwt` here, `mso_mdoc` through the {@link MdocVerifier} port); and the verified
 * credentials together satisfy the DCQL query (every required credential query answered, or
 * a credential set satisfied, with one of its claim sets) — checked with the `dcql` library.
 */
import { DcqlPresentationResult, DcqlQuery } from 'dcql';
import type { DcqlQueryJson } from './dcql.js';
import type { VpToken } from './response.js';
import { verifySdJwtVc } from './sd-jwt/verify-sd-jwt-vc.js';
import type { StatusListCache } from './status-list.js';
import type { IssuerTrust } from './trust/issuer-trust.js';
import type { VerifiedCredential } from './verified-credential.js';
import { walletFailure } from './wallet-errors.js';

/** The OpenID4VP session transcript an mdoc's device authentication covers (OpenID4VP 1.0 B.2.6). */
export type MdocTranscript =
  | {
      readonly kind: 'openid4vp';
      readonly clientId: string;
      readonly nonce: string;
      readonly responseUri: string;
      readonly jwkThumbprint: Uint8Array | null;
    }
  | {
      readonly kind: 'dc_api';
      readonly origin: string;
      readonly nonce: string;
      readonly jwkThumbprint: Uint8Array | null;
    };

/** What the mdoc verifier (`mdoc/`) is given for one presentation. */
export interface MdocVerificationInput {
  /** The `DeviceResponse`, base64url (the vp_token entry). */
  readonly deviceResponse: string;
  /** The provider's trust anchors (IACA certificates), PEM. */
  readonly trustAnchors: readonly string[];
  readonly allowedDoctypes: readonly string[];
  readonly transcript: MdocTranscript;
  readonly now: Date;
}

/**
 * The mdoc format verifier: resolves with the verified credential, or throws one wallet
 * catalog error with `debug.check` (see `verified-credential.ts`).
 */
export type MdocVerifier = (input: MdocVerificationInput) => Promise<VerifiedCredential>;

/** How the response is bound to the verifier: the request_uri flows, or the DC API origin. */
export type PresentationBinding =
  | { readonly kind: 'openid4vp'; readonly clientId: string; readonly responseUri: string }
  | { readonly kind: 'dc_api'; readonly origin: string };

/** What a `vp_token` is verified against. */
export interface PresentationSession {
  readonly dcqlQuery: DcqlQueryJson;
  readonly nonce: string;
  readonly binding: PresentationBinding;
  /** SHA-256 thumbprint of the session's encryption key, when the response was encrypted. */
  readonly jwkThumbprint: Uint8Array | null;
  readonly now: Date;
}

/** The verifiers and trust a wallet provider verifies with. */
export interface PresentationVerifierDeps {
  readonly trust: IssuerTrust;
  readonly statusLists: StatusListCache;
  /** Required when a provider accepts `mso_mdoc`. */
  readonly mdocVerifier?: MdocVerifier | undefined;
}

/** One verified presentation and the credential query it answers. */
export interface VerifiedPresentation {
  readonly credentialQueryId: string;
  readonly credential: VerifiedCredential;
}

function invalid(check: string, detail: string, debug?: Readonly<Record<string, unknown>>, cause?: unknown) {
  return walletFailure('PROVIDER_PRESENTATION_INVALID', check, detail, { debug, cause });
}

type CredentialQuery = DcqlQueryJson['credentials'][number];

/** One presentation, by the format its query asked for. */
async function verifyOne(
  query: CredentialQuery,
  presentation: unknown,
  session: PresentationSession,
  deps: PresentationVerifierDeps,
): Promise<VerifiedCredential> {
  if (typeof presentation !== 'string') {
    throw invalid('presentation-format', `a ${query.format} presentation must be a string`, { id: query.id });
  }
  const { binding } = session;
  let credential: VerifiedCredential;
  if (query.format === 'dc+sd-jwt') {
    const meta = query.meta as { vct_values: readonly string[] };
    credential = await verifySdJwtVc(
      {
        presentation,
        allowedVcts: meta.vct_values,
        // OpenID4VP 1.0 B.3.6: aud is the client_id, or over the DC API the origin prefixed with origin:.
        audience: binding.kind === 'openid4vp' ? binding.clientId : `origin:${binding.origin}`,
        nonce: session.nonce,
        now: session.now,
      },
      deps,
    );
  } else {
    const verifier = deps.mdocVerifier;
    if (verifier === undefined) {
      throw invalid('presentation-format', 'this wallet provider cannot verify mdoc presentations', { id: query.id });
    }
    const meta = query.meta as { doctype_value: string };
    credential = await verifier({
      deviceResponse: presentation,
      trustAnchors: deps.trust.anchors.pems(),
      allowedDoctypes: [meta.doctype_value],
      transcript:
        binding.kind === 'openid4vp'
          ? {
              kind: 'openid4vp',
              clientId: binding.clientId,
              nonce: session.nonce,
              responseUri: binding.responseUri,
              jwkThumbprint: session.jwkThumbprint,
            }
          : { kind: 'dc_api', origin: binding.origin, nonce: session.nonce, jwkThumbprint: session.jwkThumbprint },
      now: session.now,
    });
  }
  if (credential.format !== query.format) {
    throw invalid('presentation-format', 'the presentation is not in the format its credential query asked for', {
      id: query.id,
      format: credential.format,
    });
  }
  return credential;
}

/** The credential in the shape the `dcql` library matches. */
function dcqlPresentation(credential: VerifiedCredential) {
  return credential.format === 'dc+sd-jwt'
    ? {
        credential_format: 'dc+sd-jwt' as const,
        vct: credential.credentialType,
        claims: credential.claims as Record<string, never>,
        cryptographic_holder_binding: true,
      }
    : {
        credential_format: 'mso_mdoc' as const,
        doctype: credential.credentialType,
        namespaces: credential.claims as Record<string, Record<string, unknown>>,
        cryptographic_holder_binding: true,
      };
}

/**
 * Verifies every presentation of a `vp_token` and that together they answer the query.
 * @throws IdgateError (the wallet codes; `debug.check` names the check)
 */
export async function verifyVpToken(
  vpToken: VpToken,
  session: PresentationSession,
  deps: PresentationVerifierDeps,
): Promise<VerifiedPresentation[]> {
  const queries = new Map(session.dcqlQuery.credentials.map((query) => [query.id, query]));
  for (const id of Object.keys(vpToken)) {
    if (!queries.has(id))
      throw invalid('credential-query-unknown', 'vp_token answers a credential query the request did not make', { id });
  }
  const verified: VerifiedPresentation[] = [];
  const matched: Record<string, ReturnType<typeof dcqlPresentation>[]> = {};
  for (const [id, presentations] of Object.entries(vpToken)) {
    const query = queries.get(id) as CredentialQuery;
    // §8.1: without `multiple`, a credential query is answered by one presentation.
    if (presentations.length > 1)
      throw invalid('credential-query-multiple', 'a credential query is answered more than once', { id });
    for (const presentation of presentations) {
      const credential = await verifyOne(query, presentation, session, deps);
      verified.push({ credentialQueryId: id, credential });
      matched[id] = [...(matched[id] ?? []), dcqlPresentation(credential)];
    }
  }
  let satisfied: boolean;
  try {
    const result = DcqlPresentationResult.fromDcqlPresentation(matched as never, {
      dcqlQuery: DcqlQuery.parse(session.dcqlQuery as never),
    });
    satisfied = result.can_be_satisfied;
  } catch (cause) {
    throw invalid('credential-query-not-answered', 'the presentations do not answer the request', undefined, cause);
  }
  if (!satisfied) {
    throw invalid(
      'credential-query-not-answered',
      'the presentations do not answer every credential query of the request',
      {
        answered: Object.keys(vpToken),
      },
    );
  }
  return verified;
}
