/**
 * The hosted pages' side of a wallet provider (SPEC 10, Flows): a wallet chosen on the
 * provider choice starts with the `dc_api` flow when the app has it (its `flowDetails`
 * carry the QR code and the same-device link too), so the waiting page can offer the
 * Digital Credentials API where the browser has it and fall back to the QR code and the
 * `openid4vp://` link where it has not.
 *
 * `POST /authorize/{txId}/dc-response` (JSON `{ protocol, data, csrf }`, the browser that
 * started the transaction): the page relays what `navigator.credentials.get` returned;
 * the verification service verifies it like the REST relay does. `200 { status }`: the
 * page loads itself again and goes on (a refused presentation has failed the session,
 * which the page then answers the app with).
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { checkBrowserBinding } from '../authorization/browser-binding.js';
import type { FlowType, Verification } from '../domain/verification.js';
import { checkCsrfToken } from '../http/csrf.js';
import type { ProviderAdapter } from '../providers/adapter.js';
import { DcResponseSchema } from '../rest/verification-schemas.js';
import { type HostedPagesDeps, loadAuthorizeTransaction, step, type TxParams } from './page-requests.js';

/** The page's relay: the credential as the DC API returned it, and the page's CSRF token. */
const DcRelayBody = Type.Object(
  { ...DcResponseSchema.properties, csrf: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);
type DcRelayBody = Static<typeof DcRelayBody>;

/** What the relay drives besides the pages' collaborators. */
export type WalletPageDeps = HostedPagesDeps & {
  readonly verifications: HostedPagesDeps['verifications'] & {
    dcResponse(id: string, credential: { protocol: string; data: Record<string, unknown> }): Promise<Verification>;
  };
};

/** Registers the page's DC API relay. */
export function registerWalletPage(app: FastifyInstance, deps: WalletPageDeps): void {
  app.post<{ Params: TxParams; Body: DcRelayBody }>(
    '/authorize/:txId/dc-response',
    {
      schema: { body: DcRelayBody },
      config: {
        idgate: {
          surface: 'problem',
          produces: ['application/json'],
          consumes: ['application/json'],
          errors: [
            'SESSION_NOT_FOUND',
            'AUTH_FORBIDDEN',
            'VALIDATION_MISSING_PARAMETER',
            'VALIDATION_INVALID_PARAMETER',
            'SESSION_INVALID_FLOW',
            'SESSION_INVALID_STATUS_TRANSITION',
          ],
        },
      },
    },
    async function relayPageDcResponse(request, reply) {
      const transaction = await loadAuthorizeTransaction(deps, request);
      checkBrowserBinding(deps.secrets, transaction.id, request.headers.cookie);
      checkCsrfToken(deps.secrets, transaction.id, request.body.csrf);
      const { protocol, data } = request.body;
      const answered = await step(deps, request, transaction.id, () =>
        deps.verifications.dcResponse(transaction.id, { protocol, data }),
      );
      return reply.code(200).header('cache-control', 'no-store').send({ status: answered.status });
    },
  );
}

/** The flow a provider chosen on the hosted page starts with: `dc_api` for a wallet that the app has it for. */
export async function hostedFlowTypeOf(
  deps: HostedPagesDeps,
  transaction: Verification,
  adapter: ProviderAdapter | undefined,
): Promise<FlowType | undefined> {
  if (adapter?.requestObject === undefined) return undefined;
  const offers = await deps.verifications.offersFor(await deps.apps.get(transaction.clientId));
  const offer = offers.find((candidate) => candidate.adapter.descriptor.id === adapter.descriptor.id);
  return offer?.flowTypes.includes('dc_api') ? 'dc_api' : undefined;
}

/** What the waiting page of a `dc_api` session passes to the DC API, and where it relays the answer. */
export function digitalCredentialsOf(
  transaction: Verification,
  pageUrl: string,
): { readonly request: string; readonly relayUrl: string } | undefined {
  const dcRequest = transaction.flowDetails.dcRequest;
  if (transaction.flowType !== 'dc_api' || typeof dcRequest !== 'object' || dcRequest === null) return undefined;
  return { request: JSON.stringify(dcRequest), relayUrl: `${pageUrl}/dc-response` };
}
