/**
 * The sandbox demo app `npm start` creates on a fresh instance, so a new user has
 * credentials to try a flow with at once. Its secret is kept in the data directory
 * (sandbox only) so later starts can print it again. Its redirect URI is idgate's own
 * demo callback page (`/demo/callback`, sandbox only), so a flow started in a browser ends
 * on a page that shows the result; `http://127.0.0.1:8765/callback` stays registered for
 * scripts that listen there.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppsService } from './apps/apps.service.js';
import type { Config } from './config/config.js';
import { SecretBox } from './security/secrets.js';
import { AppsRepository } from './store/apps.repository.js';
import type { Database } from './store/database.js';

/** The demo app's credentials. */
export interface DemoApp {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
}

/**
 * A fixed PKCE pair for the printed demo flow only (a real client makes a fresh verifier
 * per authorization request).
 */
export const DEMO_CODE_VERIFIER = 'idgate-demo-code-verifier-0123456789-abcdefghij';

/** The S256 challenge of {@link DEMO_CODE_VERIFIER}. */
export const DEMO_CODE_CHALLENGE = createHash('sha256').update(DEMO_CODE_VERIFIER).digest('base64url');

/** The `/authorize` URL of the demo app; `headless` adds the sandbox hints that skip every page. */
export function demoAuthorizeUrl(base: string, demo: DemoApp, headless: boolean): string {
  const redirect = encodeURIComponent(demo.redirectUri);
  return (
    `${base}/authorize?response_type=code&client_id=${demo.clientId}&redirect_uri=${redirect}` +
    `&scope=openid%20profile%20email&state=xyz&nonce=n-1&code_challenge=${DEMO_CODE_CHALLENGE}` +
    `&code_challenge_method=S256${headless ? '&provider_hint=mock-redirect&login_hint=success' : ''}`
  );
}

/** How to run the whole sandbox flow with the demo app: in a browser, and headless with curl. */
export function demoFlowCommands(base: string, demo: DemoApp): string[] {
  const authorize = demoAuthorizeUrl(base, demo, true);
  return [
    '  In a browser (choose a provider, answer on the mock screen, end on the demo callback page):',
    `  ${demoAuthorizeUrl(base, demo, false)}`,
    '  Headless:',
    `  curl -si '${authorize}'   # 302: the code is in Location`,
    `  curl -s -u ${demo.clientId}:${demo.clientSecret} -d grant_type=authorization_code -d code=CODE \\`,
    `       -d redirect_uri=${demo.redirectUri} -d code_verifier=${DEMO_CODE_VERIFIER} ${base}/token`,
    `  curl -s ${base}/userinfo -H 'Authorization: Bearer ACCESS_TOKEN'`,
    '  (login_hint=deny, cancel, timeout, provider-error … end the flow in each documented error: docs/sandbox.md)',
  ];
}

/** A second redirect URI of the demo app, for scripts that listen there (nothing needs to for a headless flow). */
export const DEMO_REDIRECT_URI = 'http://127.0.0.1:8765/callback';

/** The demo app's redirect URI: idgate's own demo callback page. */
export function demoCallbackUrl(issuer: string): string {
  return `${issuer}/demo/callback`;
}

/** The demo app's credentials as stored in the data directory, if any. */
export function readDemoApp(dataDir: string): DemoApp | undefined {
  const file = path.join(dataDir, 'demo-app.json');
  if (!existsSync(file)) return undefined;
  const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof value !== 'object' || value === null) return undefined;
  const { clientId, clientSecret, redirectUri } = value as Record<string, unknown>;
  if (typeof clientId !== 'string' || typeof clientSecret !== 'string' || typeof redirectUri !== 'string') {
    return undefined;
  }
  return { clientId, clientSecret, redirectUri };
}

/**
 * Creates the demo app when the sandbox has no app yet; returns the demo app's
 * credentials when they are known (created now or on an earlier start).
 */
export async function ensureDemoApp(
  config: Config,
  database: Database,
  secretKey: string,
): Promise<DemoApp | undefined> {
  if (config.environment !== 'sandbox') return undefined;
  const file = path.join(config.dataDir, 'demo-app.json');
  const repository = new AppsRepository(database);
  const service = new AppsService(repository, new SecretBox(secretKey), config, () => new Date());
  const callback = demoCallbackUrl(config.issuer);
  if ((await repository.count('sandbox')) > 0) {
    const stored = readDemoApp(config.dataDir);
    const record = stored && (await repository.find(stored.clientId));
    if (!stored || !record) return undefined;
    // An instance made before the demo callback page, or now on another port: register its callback.
    if (!record.redirectUris.includes(callback)) {
      await service.update(
        record.clientId,
        { redirectUris: [callback, ...record.redirectUris].slice(0, 20) },
        undefined,
      );
    }
    const demo: DemoApp = { ...stored, redirectUri: callback };
    writeFileSync(file, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
    return demo;
  }
  const created = await service.create({
    name: 'idgate demo app',
    type: 'confidential',
    redirectUris: [callback, DEMO_REDIRECT_URI],
  });
  const demo: DemoApp = {
    clientId: created.app.clientId,
    clientSecret: created.clientSecret ?? '',
    redirectUri: callback,
  };
  writeFileSync(file, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
  return demo;
}
