/**
 * The static assets of the hosted pages: one stylesheet and one script (the waiting
 * pages' poll). Each is served under a path that carries a hash of its content
 * (`/assets/hosted-<hash>.css`), so it can be cached for a year: a new release has new
 * paths. Pages link them from `layout.ts`; `style-src 'self'` and `script-src 'self'`
 * allow exactly these, and nothing inline.
 */
import { createHash } from 'node:crypto';
import { PAGE_STYLESHEET } from '@idgate/errors';
import type { FastifyInstance } from 'fastify';

/** One static asset. */
export interface StaticAsset {
  /** The fingerprinted path it is served at. */
  readonly path: string;
  readonly contentType: string;
  readonly body: string;
}

/** `Cache-Control` of fingerprinted assets: their content never changes under a path. */
export const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/** An asset served under a path fingerprinted with a hash of its content (`/assets/<name>-<hash>.<extension>`). */
export function asset(name: string, extension: string, contentType: string, body: string): StaticAsset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return Object.freeze({ path: `/assets/${name}-${hash}.${extension}`, contentType, body });
}

/**
 * Styles of the hosted pages on top of the error pages' (contrast ≥ 4.5:1, visible focus).
 * An app's colours arrive as `--idgate-primary` (buttons) and `--idgate-accent` (links,
 * focus, the header rule) from its brand stylesheet (`branding.ts`); without one, idgate's own.
 */
const HOSTED_STYLES = `.site-header{max-width:42rem;margin:0 auto 1rem;display:flex;flex-wrap:wrap;align-items:center;gap:.75rem;padding-bottom:.5rem;border-bottom:3px solid var(--idgate-accent,transparent)}
.brand{margin:0;font-weight:700;font-size:1.15rem;display:flex;align-items:center;gap:.6rem;min-width:0;overflow-wrap:anywhere}
.brand-logo{display:block;height:2.5rem;width:auto;max-width:10rem;object-fit:contain}
.badge{margin:0;padding:.1rem .6rem;border:2px solid #8a4b00;border-radius:4px;background:#fff4e0;color:#5c3100;font-weight:600;font-size:.9rem}
.sandbox-banner{border:2px solid #8a4b00;border-radius:4px;background:#fff4e0;color:#4d2a00;padding:.75rem 1rem}
.providers{list-style:none;margin:0;padding:0;display:grid;gap:1rem}
.provider{border:1px solid #9aa1ab;border-radius:6px;padding:1rem}
.provider h3{margin:0 0 .25rem;font-size:1.1rem}
.provider dl{margin:.5rem 0 1rem}
.provider form,.provider p{margin:0}
a{color:var(--idgate-accent,#0b4fb3)}
button,.button{display:inline-block;max-width:100%;box-sizing:border-box;font:inherit;font-weight:600;line-height:1.25;padding:.6rem 1.2rem;border:2px solid var(--idgate-primary,#0b4fb3);border-radius:4px;background:var(--idgate-primary,#0b4fb3);color:#fff;text-decoration:none;cursor:pointer;overflow-wrap:anywhere}
button:hover,.button:hover{background:#083b86;border-color:#083b86;background:color-mix(in srgb,var(--idgate-primary,#0b4fb3) 78%,#000);border-color:color-mix(in srgb,var(--idgate-primary,#0b4fb3) 78%,#000)}
button.secondary,.button.secondary{background:#fff;color:var(--idgate-primary,#0b4fb3)}
button.secondary:hover,.button.secondary:hover{background:#eef3fb}
button:focus-visible,.button:focus-visible,a:focus-visible,input:focus-visible,summary:focus-visible{outline:3px solid #1a1a1a;outline-offset:3px}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;margin-top:1.5rem}
.actions form{margin:0}
.field{margin:0 0 1.5rem}
.field label{display:block;font-weight:600;margin-bottom:.25rem}
.field input{font:inherit;padding:.5rem;border:2px solid #4a5260;border-radius:4px;width:100%;max-width:20rem;box-sizing:border-box}
.field input[aria-invalid=true]{border-color:#b3261e;border-width:3px}
.field-error{margin:.25rem 0;color:#b3261e;font-weight:600}
.hint{margin:.25rem 0;color:#4a5260}
.error-summary{border:3px solid #b3261e;border-radius:4px;padding:1rem 1.25rem;margin:0 0 1.5rem}
.error-summary:focus{outline:3px solid #1a1a1a;outline-offset:3px}
.error-summary h2{margin-top:0;font-size:1.15rem}
.error-summary ul{margin-bottom:0}
.error-summary a{color:#b3261e;font-weight:600}
.same-device{border:1px solid #9aa1ab;border-radius:6px;padding:.75rem 1rem;margin:1rem 0}
.same-device p{margin:0 0 .5rem}
.time-left{font-variant-numeric:tabular-nums}
.qr-layout{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}
.qr-layout>div{flex:1 1 12rem;min-width:0}
.qr{display:block;width:16rem;height:16rem;max-width:100%;background:#fff;border:1px solid #d0d4da}
.identities{list-style:none;margin:0;padding:0;display:grid;gap:.75rem}
.identities li{display:flex;flex-wrap:wrap;gap:.75rem;align-items:baseline}
.identities li span{min-width:0;flex:1 1 12rem}
fieldset{border:1px solid #9aa1ab;border-radius:6px;padding:1rem;min-width:0}
legend{font-weight:600;padding:0 .25rem}
details{margin-top:1rem}
.demo-result dd{overflow-wrap:anywhere}
@media (max-width:36rem){fieldset{padding:.75rem .5rem}}
`;

/** The hosted pages' stylesheet: the error pages' base styles, then the hosted pages' own. */
export const STYLESHEET_ASSET = asset('hosted', 'css', 'text/css; charset=utf-8', PAGE_STYLESHEET + HOSTED_STYLES);

/**
 * The waiting pages' poll. It reads its settings from the element marked
 * `data-idgate-poll` (`data-status-url`, `data-page-url`, `data-status`,
 * `data-interval-ms`), asks the status URL for `{ status }`, and as soon as the status
 * differs from the one the page was rendered with, loads the page again: the server
 * renders the new state, or sends the browser back to the app once the transaction is
 * over. A 4xx answer (the transaction is gone, the cookie is missing) also loads the
 * page, which shows the error; network errors and 5xx back off up to 30 seconds.
 * It also counts down the element marked `data-idgate-countdown` from its
 * `data-seconds-left` (relative to the page load, so the browser's clock does not matter),
 * as `m:ss`, and loads the page again when the time is up. On a wallet's `dc_api` page
 * (`data-idgate-dc`) where the browser has the Digital Credentials API, it shows the
 * button that calls `navigator.credentials.get` with `data-dc-request` and posts the
 * credential's `{ protocol, data }` to `data-dc-relay-url`, then loads the page again.
 */
const POLL_SCRIPT = `(function idgatePoll() {
  'use strict';
  var root = document.querySelector('[data-idgate-poll]');
  if (!root) return;
  var statusUrl = root.getAttribute('data-status-url');
  var pageUrl = root.getAttribute('data-page-url');
  var current = root.getAttribute('data-status');
  var interval = Number(root.getAttribute('data-interval-ms')) || 2000;
  var delay = interval;
  function reload() {
    window.location.replace(pageUrl);
  }
  function schedule() {
    window.setTimeout(poll, delay);
  }
  function backOff() {
    delay = Math.min(delay * 2, 30000);
    schedule();
  }
  function poll() {
    fetch(statusUrl, { credentials: 'same-origin', cache: 'no-store', headers: { accept: 'application/json' } })
      .then(function onResponse(response) {
        if (response.status >= 400 && response.status < 500 && response.status !== 429) return reload();
        if (!response.ok) return backOff();
        return response.json().then(function onStatus(body) {
          if (body && typeof body.status === 'string' && body.status !== current) return reload();
          delay = interval;
          schedule();
        });
      })
      .catch(backOff);
  }
  schedule();
  var countdown = document.querySelector('[data-idgate-countdown]');
  var secondsLeft = countdown ? Number(countdown.getAttribute('data-seconds-left')) : NaN;
  if (!countdown || !(secondsLeft > 0)) return;
  var loadedAt = Date.now();
  function twoDigits(value) {
    return (value < 10 ? '0' : '') + value;
  }
  function format(seconds) {
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = twoDigits(seconds % 60);
    return hours > 0 ? hours + ':' + twoDigits(minutes) + ':' + rest : minutes + ':' + rest;
  }
  function tick() {
    var elapsed = Date.now() - loadedAt;
    var remaining = Math.max(0, secondsLeft - Math.floor(elapsed / 1000));
    countdown.textContent = format(remaining);
    if (remaining === 0) return reload();
    window.setTimeout(tick, 1000 - (elapsed % 1000));
  }
  window.setTimeout(tick, 1000);
})();
(function idgateDigitalCredentials() {
  'use strict';
  var root = document.querySelector('[data-idgate-dc]');
  if (!root) return;
  var credentials = navigator.credentials;
  // No Digital Credentials API: the QR code and the same-device link are the way.
  if (typeof window.DigitalCredential === 'undefined' || !credentials || typeof credentials.get !== 'function') return;
  var request;
  try {
    request = JSON.parse(root.getAttribute('data-dc-request'));
  } catch (error) {
    return;
  }
  var relayUrl = root.getAttribute('data-dc-relay-url');
  var csrf = root.getAttribute('data-csrf');
  var poll = document.querySelector('[data-idgate-poll]');
  var pageUrl = poll ? poll.getAttribute('data-page-url') : window.location.href;
  var button = root.querySelector('button');
  root.hidden = false;
  button.addEventListener('click', function share() {
    button.disabled = true;
    credentials
      .get(request)
      .then(function relay(credential) {
        return fetch(relayUrl, {
          method: 'POST',
          credentials: 'same-origin',
          cache: 'no-store',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ protocol: credential.protocol, data: credential.data, csrf: csrf }),
        }).then(function done() {
          window.location.replace(pageUrl);
        });
      })
      .catch(function declined() {
        // The person closed the wallet, or it has no such credential: the fallback stays.
        button.disabled = false;
      });
  });
})();
`;

/** The waiting pages' poll script. */
export const POLL_SCRIPT_ASSET = asset('poll', 'js', 'text/javascript; charset=utf-8', POLL_SCRIPT);

/** Every asset of the hosted pages. */
export const UI_ASSETS: readonly StaticAsset[] = [STYLESHEET_ASSET, POLL_SCRIPT_ASSET];

/** Registers `GET` (and `HEAD`) of every asset of the hosted pages. */
export function registerUiAssets(app: FastifyInstance): void {
  for (const item of UI_ASSETS) registerStaticAsset(app, item);
}

/** Registers `GET` (and `HEAD`) of one fingerprinted asset, cached for a year. */
export function registerStaticAsset(app: FastifyInstance, item: StaticAsset): void {
  app.get(item.path, { config: { idgate: { surface: 'page' } } }, function staticAsset(_request, reply) {
    return reply
      .header('cache-control', ASSET_CACHE_CONTROL)
      .header('x-content-type-options', 'nosniff')
      .header('cross-origin-resource-policy', 'same-origin')
      .header('content-type', item.contentType)
      .send(item.body);
  });
}
