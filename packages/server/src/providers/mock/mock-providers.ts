/**
 * The three sandbox mock providers, one per flow type (SPEC 5): `mock-redirect` (the user
 * goes to `flowDetails.url`), `mock-qr` (the user scans `flowDetails.qrData`) and
 * `mock-push` (the user approves on a device; `userData.personalNumber` names the test
 * identity). The hosted mock screen lives at `<issuer>/flow/<verificationId>`.
 */
import type { ProviderAdapter, ProviderContext } from '../adapter.js';
import type { ProviderDescriptor } from '../descriptors.js';
import { MOCK_PROVIDERS } from './mock-descriptors.js';
import { MockProvider } from './mock-provider.js';

/** The hosted mock screen of a session. */
export function mockFlowUrl(issuer: string, verificationId: string): string {
  return `${issuer}/flow/${encodeURIComponent(verificationId)}`;
}

function descriptor(id: string): ProviderDescriptor {
  const found = MOCK_PROVIDERS.find((provider) => provider.id === id);
  if (!found) throw new TypeError(`no mock provider descriptor ${id}`);
  return found;
}

/** The message `mock-push` shows while it waits for the user. */
export const MOCK_PUSH_MESSAGE = 'A sign-in request was sent to the Mock Push app: approve it there.';

/** Builds the three mock adapters. */
export function createMockProviders(): readonly ProviderAdapter[] {
  return [
    new MockProvider(descriptor('mock-redirect'), function redirectDetails(context: ProviderContext) {
      return { url: mockFlowUrl(context.issuer, context.verificationId) };
    }),
    new MockProvider(
      descriptor('mock-qr'),
      function qrDetails(context: ProviderContext) {
        // Scanning the code opens the mock screen, so a phone can play the user in sandbox.
        return { qrData: mockFlowUrl(context.issuer, context.verificationId) };
      },
      'success',
    ),
    new MockProvider(descriptor('mock-push'), function pushDetails() {
      return { message: MOCK_PUSH_MESSAGE };
    }),
  ];
}
