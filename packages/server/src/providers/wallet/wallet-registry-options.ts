/**
 * What the provider registry needs to build an instance's wallet providers from its
 * configuration: the verifier identity (configured, or generated in sandbox into the data
 * directory; loaded once, on first use), the production status list fetcher (the hooks'
 * outbound rules), and for `mock-wallet` the same identity and a sandbox test issuer kept
 * in the data directory. The mdoc verifier is passed in by the composition root.
 */
import type { Config } from '../../config/config.js';
import { DEFAULT_STATUS_LIST_TIMEOUT_MS } from '../../config/wallet-providers.js';
import type { ProviderRegistryOptions } from '../registry.js';
import type { MdocVerifier } from './presentation.js';
import { SandboxIssuer } from './sandbox/sandbox-issuer.js';
import { HttpStatusListFetcher } from './status-list-fetcher.js';
import { loadVerifierIdentity, type VerifierIdentity } from './verifier-identity.js';

function once<T>(create: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return function memoized() {
    made ??= create().catch((error: unknown) => {
      made = undefined;
      throw error;
    });
    return made;
  };
}

/** The registry options of the wallet providers of a configuration. */
export function walletRegistryOptions(
  config: Config,
  extra: { readonly mdocVerifier?: MdocVerifier; readonly clock?: () => Date } = {},
): Pick<ProviderRegistryOptions, 'wallets' | 'mockWallet'> {
  const requireSan = config.wallets.some((wallet) => (wallet.clientIdScheme ?? 'x509_san_dns') === 'x509_san_dns');
  const identity: () => Promise<VerifierIdentity> = once(() =>
    loadVerifierIdentity(config, { requireSan: requireSan || config.environment === 'sandbox' }),
  );
  const timeoutMs = Math.max(
    DEFAULT_STATUS_LIST_TIMEOUT_MS,
    ...config.wallets.map((wallet) => wallet.statusListTimeoutMs ?? DEFAULT_STATUS_LIST_TIMEOUT_MS),
  );
  const sandboxIssuer = once(() => SandboxIssuer.create({ baseUrl: config.issuer, dataDir: config.dataDir }));
  return {
    wallets: {
      identity,
      statusListFetcher: new HttpStatusListFetcher({
        timeoutMs,
        privateNetworks: config.outboundPrivateNetworks,
        httpsOnly: config.environment === 'production',
      }),
      ...(extra.mdocVerifier === undefined ? {} : { mdocVerifier: extra.mdocVerifier }),
    },
    mockWallet: {
      identity: identity,
      sandboxIssuer: sandboxIssuer,
      ...(extra.clock === undefined ? {} : { clock: extra.clock }),
    },
  };
}
