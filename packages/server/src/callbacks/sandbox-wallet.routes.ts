/**
 * `GET /sandbox/wallet/issuer-ca.pem` (SPEC 10, Sandbox): the CA certificate of the
 * sandbox wallet test issuer, so an integrator can make a real test wallet (or a wallet
 * provider of their own) trust the sandbox PIDs. `application/x-pem-file`; in production,
 * where there is no sandbox issuer, `404` (`RESOURCE_NOT_FOUND`).
 */
import { IdgateError } from '@idgate/errors';
import type { FastifyInstance } from 'fastify';

/** Where the certificate comes from: undefined in production (no `mock-wallet`). */
export interface SandboxWalletRoutesDeps {
  readonly issuerCa: (() => Promise<string>) | undefined;
}

/** The media type of a PEM file. */
const PEM_TYPE = 'application/x-pem-file';

/** Registers the sandbox wallet issuer's CA certificate. */
export function registerSandboxWalletRoutes(app: FastifyInstance, deps: SandboxWalletRoutesDeps): void {
  app.get(
    '/sandbox/wallet/issuer-ca.pem',
    { config: { idgate: { surface: 'problem', errors: ['RESOURCE_NOT_FOUND'] } } },
    async function sandboxIssuerCa(_request, reply) {
      if (deps.issuerCa === undefined) {
        throw new IdgateError('RESOURCE_NOT_FOUND', {
          detail: 'There is no sandbox wallet issuer here: its CA is published in the sandbox only.',
        });
      }
      const pem = await deps.issuerCa();
      return reply
        .code(200)
        .header('cache-control', 'public, max-age=3600')
        .header('content-disposition', 'inline; filename="issuer-ca.pem"')
        .type(PEM_TYPE)
        .send(pem);
    },
  );
}
