/**
 * `GET /demo/callback` (sandbox only): the demo app's redirect URI, served by idgate so a
 * browser flow of the demo app ends on a page (`demo-callback.page.ts`).
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { renderDemoCallbackPage } from './demo-callback.page.js';
import { sendPage } from './page-requests.js';
import { pageStringsFor } from './texts.js';

/** The path of the demo callback page. */
export const DEMO_CALLBACK_PATH = '/demo/callback';

/** What the demo callback page needs. */
export interface DemoCallbackDeps {
  readonly issuer: string;
  /** The demo app's client id, when this instance made one (read when the page is shown). */
  demoClientId(): string | undefined;
  /** The PKCE verifier of the printed demo flow. */
  readonly codeVerifier: string;
}

const Value = Type.String({ maxLength: 2048 });

/** The authorization response's query (other parameters are ignored, RFC 6749 §4.1.2). */
const DemoCallbackQuerySchema = Type.Object({
  code: Type.Optional(Value),
  error: Type.Optional(Value),
  error_description: Type.Optional(Value),
  tx_state: Type.Optional(Value),
  errMsg: Type.Optional(Value),
  errCode: Type.Optional(Value),
  state: Type.Optional(Value),
  iss: Type.Optional(Value),
});
type DemoCallbackQuerystring = Static<typeof DemoCallbackQuerySchema>;

/** Registers the demo callback page. */
export function registerDemoCallback(app: FastifyInstance, deps: DemoCallbackDeps): void {
  app.get<{ Querystring: DemoCallbackQuerystring }>(
    DEMO_CALLBACK_PATH,
    {
      schema: { querystring: DemoCallbackQuerySchema },
      config: { idgate: { surface: 'page', produces: ['text/html'], errors: ['VALIDATION_INVALID_PARAMETER'] } },
    },
    function demoCallback(request, reply) {
      const page = renderDemoCallbackPage({
        issuer: deps.issuer,
        query: request.query,
        redirectUri: `${deps.issuer}${DEMO_CALLBACK_PATH}`,
        clientId: deps.demoClientId(),
        codeVerifier: deps.codeVerifier,
      });
      return sendPage(reply, pageStringsFor('en'), page);
    },
  );
}
