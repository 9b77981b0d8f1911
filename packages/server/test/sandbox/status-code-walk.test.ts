/**
 * Every transaction status code (SPEC 4.2) on purpose in the sandbox: each one ends a real
 * `/authorize` transaction through an ordinary request an integrator can make — a test
 * identity, a bad parameter, a disabled provider, or the app's own sign-in hook (a real
 * HTTP server on loopback that denies or fails) — and comes back as the error redirect
 * with `error`, `error_description`, `tx_state`, `state` and `iss`. The walk fails when a
 * status code is added without a trigger. docs/sandbox.md lists the same triggers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TX_STATUS_CODES, TX_STATUS_DEFINITIONS, type TxStatusCode } from '@idgate/errors';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTHORIZATION_TTL_SECONDS } from '../../src/verification/verification.service.js';
import { json, type Receiver, startReceiver } from '../hooks/receiver.js';
import { adminAuth, createTestApp } from '../support/app.js';
import { expectAuthorizeRedirectError } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { startLiveTestApp } from '../support/live-server.js';
import { REDIRECT_URI, Sandbox, type SandboxApp, STATE } from './sandbox.js';

/** What a trigger can use: the sandbox, and a sign-in hook receiver. */
interface WalkContext {
  readonly sandbox: Sandbox;
  readonly hook: Receiver;
  /** Moves idgate's clock forward. */
  readonly advance: (milliseconds: number) => void;
}

/** One way to end a transaction with a status code, and its `/authorize` overrides. */
interface StatusTrigger {
  readonly how: string;
  /** Prepares an app for the trigger (default: a new app with the sandbox defaults). */
  readonly app?: (context: WalkContext) => Promise<SandboxApp>;
  readonly params: Record<string, string | undefined>;
  /** The sign-in hook's answer, for triggers that go through it. */
  readonly hookAnswer?: Parameters<typeof json>;
  /** What the browser does next, when `/authorize` sends it to a hosted page first. */
  readonly afterwards?: (context: WalkContext, first: LightMyRequestResponse) => Promise<LightMyRequestResponse>;
}

const HEADLESS = { provider_hint: 'mock-redirect' } as const;

/** The headless path of the sandbox wallet provider. */
const WALLET = { provider_hint: 'mock-wallet' } as const;

/** An app with `mock-wallet` enabled (it is not enabled for new apps yet). */
async function appWithWallet(context: WalkContext): Promise<SandboxApp> {
  const app = await context.sandbox.newApp();
  await context.sandbox.enableProvider(app, 'mock-wallet');
  return app;
}

/** An app whose sign-in hook is the walk's receiver (its secret is handed to the receiver). */
async function appWithHook(context: WalkContext): Promise<SandboxApp> {
  const res = await context.sandbox.t.app.inject({
    method: 'POST',
    url: '/admin/v1/apps',
    headers: adminAuth(),
    payload: {
      name: 'Walk with hook',
      type: 'confidential',
      redirectUris: [REDIRECT_URI],
      signInHookUrl: context.hook.url,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  const created = JSON.parse(res.body) as { clientId: string; clientSecret: string; hookSecret: string };
  context.hook.secret = created.hookSecret;
  return {
    clientId: created.clientId,
    clientSecret: created.clientSecret,
    basic: `Basic ${Buffer.from(`${created.clientId}:${created.clientSecret}`).toString('base64')}`,
  };
}

/** The triggers, one per transaction status code. */
const STATUS_TRIGGERS: Readonly<Record<TxStatusCode, StatusTrigger>> = {
  err_not_authenticated: { how: 'login_hint=deny', params: { ...HEADLESS, login_hint: 'deny' } },
  err_user_cancelled: { how: 'login_hint=cancel', params: { ...HEADLESS, login_hint: 'cancel' } },
  err_user_account_blocked: {
    how: "the app's sign-in hook answers { allow: false, errMsg, errCode }",
    app: appWithHook,
    params: { ...HEADLESS, login_hint: 'success' },
    hookAnswer: [200, { allow: false, errMsg: 'Self-excluded & blocked', errCode: '1001' }],
  },
  err_session_expired: {
    how: 'login_hint=timeout, then the browser comes back after the transaction expired',
    params: { ...HEADLESS, login_hint: 'timeout' },
    async afterwards(context, first) {
      expect(first.statusCode, first.body).toBe(303);
      context.advance(AUTHORIZATION_TTL_SECONDS * 1000);
      const page = new URL(String(first.headers.location));
      const cookie = String(first.headers['set-cookie']).split(';')[0] ?? '';
      return context.sandbox.request({ url: `/authorize/${page.pathname.split('/')[2]}`, headers: { cookie } });
    },
  },
  err_loa_not_met: {
    how: 'acr_values=urn:idgate:loa:5 (above every mock)',
    params: { ...HEADLESS, login_hint: 'success', acr_values: 'urn:idgate:loa:5' },
  },
  err_missing_user_data: { how: 'login_hint=missing-claims', params: { ...HEADLESS, login_hint: 'missing-claims' } },
  err_invalid_request: {
    how: 'code_challenge_method=plain',
    params: { ...HEADLESS, login_hint: 'success', code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' },
  },
  err_invalid_scope: { how: 'scope=openid nope', params: { ...HEADLESS, login_hint: 'success', scope: 'openid nope' } },
  err_unsupported_response_type: {
    how: 'response_type=token',
    params: { ...HEADLESS, login_hint: 'success', response_type: 'token' },
  },
  err_unauthorized_client: {
    how: 'provider_hint naming a provider the app disabled',
    app: async ({ sandbox }) => {
      const app = await sandbox.newApp();
      await sandbox.disableProvider(app, 'mock-redirect');
      return app;
    },
    params: { ...HEADLESS, login_hint: 'success' },
  },
  err_provider_unavailable: {
    how: 'login_hint=provider-unavailable',
    params: { ...HEADLESS, login_hint: 'provider-unavailable' },
  },
  err_provider_error: { how: 'login_hint=provider-error', params: { ...HEADLESS, login_hint: 'provider-error' } },
  err_signin_hook_unavailable: {
    how: "the app's sign-in hook answers 500",
    app: appWithHook,
    params: { ...HEADLESS, login_hint: 'success' },
    hookAnswer: [500, { oops: true }],
  },
  err_temporarily_unavailable: {
    how: 'login_hint=idgate-unavailable',
    params: { ...HEADLESS, login_hint: 'idgate-unavailable' },
  },
  err_internal: {
    how: 'login_hint=idgate-internal-error',
    params: { ...HEADLESS, login_hint: 'idgate-internal-error' },
  },
  err_presentation_invalid: {
    how: 'provider_hint=mock-wallet&login_hint=tampered',
    app: appWithWallet,
    params: { ...WALLET, login_hint: 'tampered' },
  },
  err_credential_untrusted: {
    how: 'provider_hint=mock-wallet&login_hint=untrusted',
    app: appWithWallet,
    params: { ...WALLET, login_hint: 'untrusted' },
  },
  err_credential_expired: {
    how: 'provider_hint=mock-wallet&login_hint=expired',
    app: appWithWallet,
    params: { ...WALLET, login_hint: 'expired' },
  },
  err_credential_revoked: {
    how: 'provider_hint=mock-wallet&login_hint=revoked',
    app: appWithWallet,
    params: { ...WALLET, login_hint: 'revoked' },
  },
};

describe('the status-code walk covers every transaction status code', () => {
  it('has exactly one trigger per status code', () => {
    expect(Object.keys(STATUS_TRIGGERS).sort()).toEqual([...TX_STATUS_CODES].sort());
  });
});

describe.each(TEST_DATABASE_KINDS)('every transaction status code on purpose in the sandbox on %s', (kind) => {
  let context: WalkContext;
  let dataDir: string;

  beforeAll(async () => {
    let offset = 0;
    const clock = () => new Date(Date.now() + offset);
    // mock-wallet keeps its verifier key and sandbox issuer in the data directory.
    dataDir = await mkdtemp(join(tmpdir(), 'idgate-status-walk-'));
    const env = { IDGATE_ENV: 'sandbox', IDGATE_DATA_DIR: dataDir };
    const [t, live, hook] = await Promise.all([
      createTestApp(kind, { env, clock }),
      startLiveTestApp(kind, { env }),
      startReceiver(),
    ]);
    // The hook receiver checks signature timestamps against idgate's clock.
    hook.now = clock;
    context = {
      sandbox: new Sandbox(t, live),
      hook,
      advance(milliseconds) {
        offset += milliseconds;
      },
    };
  });
  afterAll(async () => {
    await Promise.all([context?.sandbox.t.close(), context?.sandbox.live.close(), context?.hook.close()]);
    await rm(dataDir, { recursive: true, force: true });
  });

  it.each(TX_STATUS_CODES.map((code) => ({ code, how: STATUS_TRIGGERS[code].how })))(
    '$code: $how',
    async ({ code }) => {
      const trigger = STATUS_TRIGGERS[code];
      const app = trigger.app === undefined ? await context.sandbox.newApp() : await trigger.app(context);
      if (trigger.hookAnswer) context.hook.respond = json(...trigger.hookAnswer);
      const calls = context.hook.received.length;
      const first = await context.sandbox.authorize(app, trigger.params);
      const res = trigger.afterwards === undefined ? first : await trigger.afterwards(context, first);
      const hookDeny = (trigger.hookAnswer?.[1] ?? {}) as { errMsg?: string; errCode?: string };
      expectAuthorizeRedirectError(res, code, {
        redirectUri: REDIRECT_URI,
        state: STATE,
        txState: TX_STATUS_DEFINITIONS[code].state,
        status: trigger.afterwards === undefined ? 302 : 303,
        ...(hookDeny.errMsg === undefined ? {} : { errMsg: hookDeny.errMsg }),
        ...(hookDeny.errCode === undefined ? {} : { errCode: hookDeny.errCode }),
      });
      if (trigger.hookAnswer) {
        // The hook was really asked, with a signature the receiver could verify.
        expect(context.hook.received.length).toBe(calls + 1);
        expect(context.hook.received.at(-1)?.signatureValid).toBe(true);
      }
    },
  );
});
