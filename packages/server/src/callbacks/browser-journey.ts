/**
 * Where the browser goes once a provider sent it back to idgate (an upstream callback, a
 * wallet's same-device `redirect_uri`), as at the end of any provider screen:
 * - an `/authorize` transaction: `303` to its page `/authorize/{txId}`, which checks that
 *   this is the browser that started it (the binding cookie) and answers the app with the
 *   code or the error (`tx_state`);
 * - a REST verification: `303` to its `redirectUri` with `verificationId`, or, without
 *   one, a page that says it is finished.
 */
import { negotiateLocale } from '@idgate/errors';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { appendQuery } from '../authorization/authorization-response.js';
import type { Config } from '../config/config.js';
import type { Verification } from '../domain/verification.js';
import { renderFinishedPage } from '../ui/finished.page.js';
import { seeOther, sendPage } from '../ui/page-requests.js';
import { pageStringsFor } from '../ui/texts.js';

/** Sends the browser on once its provider step is done. */
export function finishBrowserJourney(
  config: Pick<Config, 'issuer' | 'environment'>,
  request: FastifyRequest,
  reply: FastifyReply,
  transaction: Verification,
): FastifyReply {
  const issuer = config.issuer;
  if (transaction.origin === 'authorize') {
    // The transaction's page checks the browser binding, then answers the app.
    return seeOther(reply, `${issuer}/authorize/${encodeURIComponent(transaction.id)}`);
  }
  if (transaction.redirectUri !== null) {
    return seeOther(reply, appendQuery(transaction.redirectUri, [['verificationId', transaction.id]]));
  }
  const strings = pageStringsFor(negotiateLocale(request.headers['accept-language']));
  // A variable, not a literal: the page's view may take more fields than these (the sandbox banner).
  const view = {
    strings,
    status: transaction.status,
    otherDevice: false,
    sandbox: config.environment === 'sandbox',
  };
  return sendPage(reply, strings, renderFinishedPage(view));
}
