/**
 * The wallet provider adapter (SPEC 10): idgate as an OpenID4VP 1.0 verifier for one
 * configured wallet provider (`IDGATE_WALLETS`), through the same `ProviderAdapter` port as
 * every other provider. The transport (request_uri, the response endpoint, the DC API
 * relay) stays outside: it calls {@link WalletProvider.requestObject} and `advance` with
 * plain data.
 *
 * - `start` makes the session's `nonce`, `state` and (for encrypted responses) ephemeral
 *   ECDH-ES key, builds the DCQL query from the requested claims, and shows the user the
 *   flow's entry point: `qrData` (qr) or `url` (redirect), the `openid4vp://` link to
 *   `request_uri`; for `dc_api`, `dcRequest` (the signed request for
 *   `navigator.credentials.get`) and, as the hosted page's fallback, the same link. All of
 *   it stays in `providerState` (stored encrypted by the service).
 * - {@link WalletProvider.requestObject} signs the request object a wallet fetches from
 *   `request_uri` (GET, or POST with a `wallet_nonce`).
 * - `advance` takes what the wallet posted to `response_uri` (`response`, or `vp_token` and
 *   `state`, or `error`), or over the DC API `{ protocol, data, origin? }` (`data` the JSON
 *   of the credential's data): a presentation is verified completely (see `presentation.ts`)
 *   and mapped onto the normalized claims (`claim-map.ts`); `error=access_denied` ends the
 *   session `cancelled` (`err_user_cancelled`), another wallet error `failed`.
 */
import { type FieldProblem, IdgateError, type TxStatusCode } from '@idgate/errors';
import {
  type EffectiveWalletConfig,
  effectiveWalletConfig,
  type WalletFlowType,
  type WalletProviderConfig,
} from '../../config/wallet-providers.js';
import type { ProviderAdapter, ProviderContext, ProviderHealth, ProviderResult, ProviderStep } from '../adapter.js';
import type { ProviderDescriptor } from '../descriptors.js';
import { mapCredential } from './claim-map.js';
import { buildDcqlQuery, type DcqlQueryJson } from './dcql.js';
import { type MdocVerifier, type PresentationBinding, verifyVpToken } from './presentation.js';
import {
  dcApiRequest,
  freshToken,
  generateSessionKey,
  type RequestResponseMode,
  requestObjectClaims,
  type SessionKey,
  sessionKeyFrom,
  signRequestObject,
  walletLink,
} from './request-object.js';
import { type ResponseSession, readDcApiResponse, readWalletResponse, type WalletResponse } from './response.js';
import { StatusListCache, type StatusListFetcher } from './status-list.js';
import { IssuerTrust } from './trust/issuer-trust.js';
import { clientIdOf, type VerifierIdentity } from './verifier-identity.js';
import { walletDescriptor } from './wallet-descriptor.js';
import { walletFailure } from './wallet-errors.js';

/** Where a wallet fetches the request object of a session (the transport mounts it). */
export function walletRequestUri(issuer: string, verificationId: string): string {
  return `${issuer}/wallet/${encodeURIComponent(verificationId)}/request`;
}

/** Where a wallet posts its response (the transport mounts it). */
export function walletResponseUri(issuer: string, verificationId: string): string {
  return `${issuer}/wallet/${encodeURIComponent(verificationId)}/response`;
}

/** How long a request object is valid when the caller does not know the session's expiry. */
const DEFAULT_REQUEST_TTL_MS = 15 * 60 * 1000;

/** What a wallet session keeps in `providerState`. */
export interface WalletState {
  readonly v: 1;
  readonly flow: WalletFlowType;
  readonly clientId: string;
  readonly nonce: string;
  readonly state: string;
  /** The mode of the request_uri request (`direct_post.jwt` or `direct_post`). */
  readonly responseMode: 'direct_post.jwt' | 'direct_post';
  readonly responseUri: string;
  readonly dcqlQuery: DcqlQueryJson;
  readonly sessionKey?: SessionKey;
  readonly encValues: readonly string[];
  /** DC API: the origins the request may be used from. */
  readonly expectedOrigins?: readonly string[];
  readonly expiresAt: string;
}

/** What a wallet provider uses besides its configuration. */
export interface WalletProviderDeps {
  /** The verifier identity (loaded once; a sandbox identity is generated on first use). */
  readonly identity: () => Promise<VerifierIdentity>;
  /** How status lists are fetched (production: `HttpStatusListFetcher`). */
  readonly statusListFetcher: StatusListFetcher;
  /** The mdoc format verifier (`mdoc/`), needed when the provider accepts `mso_mdoc`. */
  readonly mdocVerifier?: MdocVerifier;
  /** A descriptor to offer instead of the configured one (the sandbox `mock-wallet`). */
  readonly descriptor?: ProviderDescriptor;
}

/** Reads the {@link WalletState} back from `providerState`. */
function walletStateOf(context: ProviderContext): WalletState {
  const state = context.providerState as Partial<WalletState>;
  if (state.v !== 1 || typeof state.nonce !== 'string' || typeof state.state !== 'string') {
    throw new TypeError('the wallet session has no state: advance before start');
  }
  return state as WalletState;
}

/** The wallet `error` values that mean the user declined (OpenID4VP 1.0 §8.5). */
const DECLINED_ERRORS = new Set(['access_denied']);

/** An OpenID4VP 1.0 verifier for one wallet provider. */
export class WalletProvider implements ProviderAdapter {
  readonly descriptor: ProviderDescriptor;
  readonly config: EffectiveWalletConfig;
  readonly #deps: WalletProviderDeps;
  readonly #trust: IssuerTrust;
  readonly #statusLists: StatusListCache;

  constructor(config: WalletProviderConfig, deps: WalletProviderDeps) {
    this.config = effectiveWalletConfig(config);
    this.descriptor = deps.descriptor ?? walletDescriptor(this.config);
    if (this.config.credentials.some((credential) => credential.format === 'mso_mdoc') && !deps.mdocVerifier) {
      throw new TypeError(`wallet provider ${config.id} accepts mso_mdoc but has no mdoc verifier`);
    }
    this.#deps = deps;
    this.#trust = new IssuerTrust(this.config);
    this.#statusLists = new StatusListCache({ fetcher: deps.statusListFetcher, trust: this.#trust });
  }

  health(): ProviderHealth {
    return 'operational';
  }

  userDataProblems(): FieldProblem[] {
    return [];
  }

  async start(context: ProviderContext): Promise<ProviderStep> {
    const identity = await this.#deps.identity();
    const clientId = clientIdOf(identity, this.config.clientIdScheme);
    const encrypted = this.config.responseMode === 'direct_post.jwt' || context.flowType === 'dc_api';
    const sessionKey = encrypted ? await generateSessionKey() : undefined;
    const expiresAt = context.expiresAt ?? new Date(context.now.getTime() + DEFAULT_REQUEST_TTL_MS);
    const flow = context.flowType as WalletFlowType;
    const state: WalletState = {
      v: 1,
      flow,
      clientId,
      nonce: freshToken(),
      state: freshToken(),
      responseMode: this.config.responseMode,
      responseUri: walletResponseUri(context.issuer, context.verificationId),
      dcqlQuery: buildDcqlQuery(this.config.credentials, context.requestedClaims),
      ...(sessionKey === undefined ? {} : { sessionKey }),
      encValues: this.config.responseEncryption,
      ...(flow === 'dc_api' ? { expectedOrigins: context.allowedOrigins ?? [new URL(context.issuer).origin] } : {}),
      expiresAt: expiresAt.toISOString(),
    };
    const link = walletLink({
      clientId,
      requestUri: walletRequestUri(context.issuer, context.verificationId),
      requestUriMethodPost: true,
    });
    let flowDetails: Record<string, unknown>;
    if (flow === 'qr') flowDetails = { qrData: link };
    else if (flow === 'redirect') flowDetails = { url: link };
    else {
      const signed = await signRequestObject(this.#claims(state, 'dc_api.jwt', context.now, undefined), identity);
      // The hosted page falls back to the QR code and the same-device link (SPEC 10, Flows).
      flowDetails = { dcRequest: dcApiRequest(signed), qrData: link, url: link };
    }
    return { status: 'pending', flowDetails, providerState: state as unknown as Record<string, unknown> };
  }

  /**
   * The signed request object a wallet fetches from `request_uri` (OpenID4VP 1.0 §5.10):
   * `walletNonce` is the `wallet_nonce` of a POST.
   */
  async requestObject(context: ProviderContext, options: { readonly walletNonce?: string } = {}): Promise<string> {
    const state = walletStateOf(context);
    const identity = await this.#deps.identity();
    return signRequestObject(this.#claims(state, state.responseMode, context.now, options.walletNonce), identity);
  }

  #claims(
    state: WalletState,
    mode: RequestResponseMode,
    now: Date,
    walletNonce: string | undefined,
  ): Record<string, unknown> {
    const dcApi = mode === 'dc_api.jwt';
    const key = sessionKeyFrom(state.sessionKey);
    return requestObjectClaims({
      clientId: state.clientId,
      responseMode: mode,
      nonce: state.nonce,
      dcqlQuery: state.dcqlQuery,
      formats: this.config.credentials.map((credential) => credential.format),
      issuedAt: now,
      expiresAt: new Date(state.expiresAt),
      ...(dcApi
        ? { expectedOrigins: state.expectedOrigins ?? [] }
        : { responseUri: state.responseUri, state: state.state }),
      ...(key === undefined || (mode === 'direct_post' && !dcApi)
        ? {}
        : { encryption: { key, encValues: state.encValues } }),
      ...(walletNonce === undefined ? {} : { walletNonce }),
    });
  }

  async advance(context: ProviderContext, input: Readonly<Record<string, string>>): Promise<ProviderStep> {
    // A poll (a REST read, the hosted page): the wallet answers at response_uri, nothing to ask.
    if (Object.keys(input).length === 0)
      return { status: context.status === 'authenticating' ? 'authenticating' : 'pending' };
    const state = walletStateOf(context);
    const dcApi = input.protocol !== undefined || input.data !== undefined;
    const key = sessionKeyFrom(state.sessionKey);
    let response: WalletResponse;
    let binding: PresentationBinding;
    if (dcApi) {
      const origin = this.#dcOrigin(state, input.origin);
      binding = { kind: 'dc_api', origin };
      response = await readDcApiResponse(
        { protocol: input.protocol, data: parseJson(input.data) },
        {
          responseMode: 'dc_api.jwt',
          state: undefined,
          sessionKey: key,
          encValues: state.encValues,
        },
      );
    } else {
      binding = { kind: 'openid4vp', clientId: state.clientId, responseUri: state.responseUri };
      const session: ResponseSession = {
        responseMode: state.responseMode,
        state: state.state,
        sessionKey: key,
        encValues: state.encValues,
      };
      response = await readWalletResponse(input, session);
    }
    if (response.kind === 'error') return walletErrorStep(response.error);
    const encryptedResponse = dcApi || state.responseMode === 'direct_post.jwt';
    const verified = await verifyVpToken(
      response.vpToken,
      {
        dcqlQuery: state.dcqlQuery,
        nonce: state.nonce,
        binding,
        jwkThumbprint: encryptedResponse && key !== undefined ? Buffer.from(key.thumbprint, 'base64url') : null,
        now: context.now,
      },
      { trust: this.#trust, statusLists: this.#statusLists, mdocVerifier: this.#deps.mdocVerifier },
    );
    const first = verified[0];
    if (first === undefined)
      throw walletFailure('PROVIDER_PRESENTATION_INVALID', 'vp-token', 'vp_token holds no presentation');
    const mapped = mapCredential(first.credential, context.requestedClaims);
    const result: ProviderResult = {
      subject: mapped.subject,
      issuer: first.credential.issuer,
      loa: this.descriptor.maxLoa,
      claims: mapped.claims,
      rawClaims: {
        credential: {
          format: mapped.provenance.format,
          type: mapped.provenance.credentialType,
          issuer: mapped.provenance.issuer,
          issuingCountry: mapped.provenance.issuingCountry ?? null,
          credentialQueryId: first.credentialQueryId,
        },
        claims: first.credential.claims,
      },
    };
    return { status: 'completed', result, actor: 'user' };
  }

  /** OpenID4VP 1.0 Appendix A.4: the origin the DC API answered to, one of the request's. */
  #dcOrigin(state: WalletState, origin: string | undefined): string {
    const expected = state.expectedOrigins ?? [];
    if (origin === undefined && expected.length === 1) return expected[0] as string;
    if (origin !== undefined && expected.includes(origin)) return origin;
    throw walletFailure(
      'PROVIDER_PRESENTATION_INVALID',
      'dc-origin',
      'the DC API response comes from an origin the request did not name',
    );
  }
}

/** A wallet error response as a step: declined is `cancelled`, anything else `failed`. */
function walletErrorStep(error: string): ProviderStep {
  if (DECLINED_ERRORS.has(error)) return { status: 'cancelled', statusCode: 'err_user_cancelled', actor: 'user' };
  const statusCode: TxStatusCode = error === 'wallet_unavailable' ? 'err_not_authenticated' : 'err_provider_error';
  return { status: 'failed', statusCode, actor: 'provider' };
}

function parseJson(raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch (cause) {
    throw new IdgateError('PROVIDER_PRESENTATION_INVALID', {
      detail: 'the DC API response data is not JSON',
      debug: { check: 'dc-data' },
      cause,
    });
  }
}
