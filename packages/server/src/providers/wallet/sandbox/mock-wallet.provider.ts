/**
 * The sandbox wallet provider `mock-wallet` (SPEC 10, Sandbox): a {@link WalletProvider}
 * that trusts the sandbox test issuer's CA, with a built-in test wallet. A test identity
 * (`userData.testIdentity`, or `/authorize`'s `login_hint`) makes the built-in wallet fetch
 * the session's request object and answer it with a real OpenID4VP response, which goes
 * through the very verifier a real wallet's answer does — at `start`, so
 * `provider_hint=mock-wallet&login_hint=<identity>` runs headless, or later through
 * `advance({ identity })` (the hosted mock screen). Without an identity the session waits
 * for a real wallet (one holding credentials of the sandbox issuer) like any wallet session.
 */
import { type FieldProblem, IdgateError } from '@idgate/errors';
import { PID_DOCTYPE } from '../../../config/wallet-providers.js';
import type { ProviderAdapter, ProviderContext, ProviderHealth, ProviderStep } from '../../adapter.js';
import type { ProviderDescriptor } from '../../descriptors.js';
import { PID_VCT } from '../claim-map.js';
import type { MdocVerifier } from '../presentation.js';
import { ephemeralVerifierIdentity, type VerifierIdentity } from '../verifier-identity.js';
import { WalletProvider } from '../wallet.provider.js';
import { MOCK_WALLET } from '../wallet-descriptor.js';
import { SandboxIssuer } from './sandbox-issuer.js';
import { type SandboxPresenter, SandboxWallet } from './sandbox-wallet.js';
import { findWalletIdentity, WALLET_TEST_IDENTITIES, type WalletTestIdentity } from './wallet-test-identities.js';

/** The `userData` field that names a test identity (as on the other mocks). */
const TEST_IDENTITY_FIELD = 'testIdentity';

/** The `mock-wallet` provider id. */
export const MOCK_WALLET_ID = 'mock-wallet';

/** What `mock-wallet` is built from; both default to in-memory ones made on first use. */
export interface MockWalletOptions {
  /** The verifier identity for an issuer URL (default: an in-memory self-signed one per host). */
  readonly identity?: (issuer: string) => Promise<VerifierIdentity>;
  /** The sandbox test issuer for an issuer URL (default: an in-memory one). */
  readonly sandboxIssuer?: (issuer: string) => Promise<SandboxIssuer>;
  /** The time the status list is served at (default: the system clock). */
  readonly clock?: () => Date;
  /**
   * Extension point for mdoc: the mdoc verifier and a test wallet presenter of sandbox mdoc
   * PIDs (`eu.europa.ec.eudi.pid.1`). With it, `mock-wallet` also accepts the PID as mdoc,
   * offered beside the SD-JWT VC as an alternative.
   */
  readonly mdoc?: { readonly verifier: MdocVerifier; readonly presenter: SandboxPresenter };
}

const IDENTITY_NAMES = WALLET_TEST_IDENTITIES.map((entry) => entry.identity).join(', ');

function memoize<T>(create: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const made = new Map<string, Promise<T>>();
  return function memoized(key) {
    let value = made.get(key);
    if (value === undefined) {
      value = create(key);
      made.set(key, value);
      value.catch(() => made.delete(key));
    }
    return value;
  };
}

/** One verifier, issuer and test wallet per issuer URL (an instance has one). */
interface Sandbox {
  readonly provider: WalletProvider;
  readonly wallet: SandboxWallet;
  readonly issuer: SandboxIssuer;
}

/** The sandbox wallet provider. */
export class MockWalletProvider implements ProviderAdapter {
  readonly descriptor: ProviderDescriptor;
  readonly testIdentities: readonly WalletTestIdentity[] = WALLET_TEST_IDENTITIES;
  readonly #sandbox: (issuer: string) => Promise<Sandbox>;

  constructor(options: MockWalletOptions = {}) {
    const descriptor = MOCK_WALLET;
    this.descriptor = descriptor;
    const identityOf = options.identity ?? memoize((issuer) => ephemeralVerifierIdentity(new URL(issuer).hostname));
    const issuerOf = options.sandboxIssuer ?? memoize((issuer) => SandboxIssuer.create({ baseUrl: issuer }));
    const clock = options.clock ?? (() => new Date());
    const mdoc = options.mdoc;
    this.#sandbox = memoize(async function createSandbox(issuerUrl): Promise<Sandbox> {
      const issuer = await issuerOf(issuerUrl);
      const provider = new WalletProvider(
        {
          id: MOCK_WALLET_ID,
          displayName: descriptor.name,
          credentials: [
            { format: 'dc+sd-jwt', vct: [PID_VCT] },
            ...(mdoc === undefined ? [] : [{ format: 'mso_mdoc' as const, doctype: PID_DOCTYPE }]),
          ],
          trustAnchors: [issuer.ca],
          maxLoa: descriptor.maxLoa,
          flowTypes: ['qr', 'redirect', 'dc_api'],
        },
        {
          identity: () => identityOf(issuerUrl),
          statusListFetcher: issuer.fetcher(clock),
          descriptor,
          ...(mdoc === undefined ? {} : { mdocVerifier: mdoc.verifier }),
        },
      );
      const wallet = new SandboxWallet(issuer, { presenters: mdoc === undefined ? [] : [mdoc.presenter] });
      return { provider, wallet, issuer };
    });
  }

  /** The sandbox test issuer of an instance (its CA is published at `GET /sandbox/wallet/issuer-ca.pem`). */
  async sandboxIssuer(issuer: string): Promise<SandboxIssuer> {
    return (await this.#sandbox(issuer)).issuer;
  }

  /** The wallet provider behind the mock (the transport serves its request objects). */
  async walletProvider(issuer: string): Promise<WalletProvider> {
    return (await this.#sandbox(issuer)).provider;
  }

  health(): ProviderHealth {
    return 'operational';
  }

  userDataProblems(userData: Readonly<Record<string, unknown>>): FieldProblem[] {
    const value = userData[TEST_IDENTITY_FIELD];
    if (value === undefined) return [];
    if (typeof value === 'string' && findWalletIdentity(value)) return [];
    return [
      {
        name: `userData.${TEST_IDENTITY_FIELD}`,
        pointer: `/userData/${TEST_IDENTITY_FIELD}`,
        reason:
          typeof value === 'string' ? `must name a mock-wallet test identity (${IDENTITY_NAMES})` : 'must be a string',
      },
    ];
  }

  async start(context: ProviderContext): Promise<ProviderStep> {
    const sandbox = await this.#sandbox(context.issuer);
    const step = await sandbox.provider.start(context);
    const named = context.userData[TEST_IDENTITY_FIELD] ?? context.loginHint;
    const identity = typeof named === 'string' ? findWalletIdentity(named) : undefined;
    if (identity === undefined) return step;
    return this.#answer(sandbox, { ...context, providerState: step.providerState ?? {} }, identity, step);
  }

  async advance(context: ProviderContext, input: Readonly<Record<string, string>>): Promise<ProviderStep> {
    // The hosted mock screen opened (the "phone" of the sandbox): the session waits on.
    if (input.action === 'open' && Object.keys(input).length === 1) return { status: 'pending' };
    const sandbox = await this.#sandbox(context.issuer);
    const identity = input.identity === undefined ? undefined : findWalletIdentity(input.identity);
    if (input.identity !== undefined && identity === undefined) {
      throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
        detail: `identity must name a mock-wallet test identity (${IDENTITY_NAMES})`,
        context: { fields: [{ name: 'identity', reason: `must be one of ${IDENTITY_NAMES}` }] },
      });
    }
    if (identity !== undefined) return this.#answer(sandbox, context, identity, { status: 'pending' });
    return sandbox.provider.advance(context, input);
  }

  /** The signed request object a (real) wallet fetches from the session's `request_uri`. */
  async requestObject(context: ProviderContext, options: { readonly walletNonce?: string }): Promise<string> {
    return (await this.#sandbox(context.issuer)).provider.requestObject(context, options);
  }

  /** The built-in wallet answers the session's request for `identity`. */
  async #answer(
    sandbox: Sandbox,
    context: ProviderContext,
    identity: WalletTestIdentity,
    waiting: ProviderStep,
  ): Promise<ProviderStep> {
    const dcRequest =
      context.flowType === 'dc_api'
        ? ((
            waiting.flowDetails?.dcRequest as { digital?: { requests?: { data?: { request?: string } }[] } } | undefined
          )?.digital?.requests?.[0]?.data?.request ?? undefined)
        : undefined;
    const requestObject = dcRequest ?? (await sandbox.provider.requestObject(context));
    // Over the DC API the wallet answers the first of the request's origins, and says so.
    const origin =
      dcRequest === undefined
        ? undefined
        : (context.providerState as { expectedOrigins?: string[] }).expectedOrigins?.[0];
    const options = origin === undefined ? { now: context.now } : { now: context.now, origin };
    const answer = await sandbox.wallet.respond(identity.identity, requestObject, options);
    if (answer === undefined) return waiting;
    const step = await sandbox.provider.advance(context, origin === undefined ? answer : { ...answer, origin });
    return {
      ...step,
      ...(waiting.flowDetails === undefined ? {} : { flowDetails: waiting.flowDetails }),
      ...(waiting.providerState === undefined ? {} : { providerState: waiting.providerState }),
    };
  }
}
