/**
 * The sandbox demo app `npm start` creates on a fresh instance, so a new user has
 * credentials to try a flow with at once. Its secret is kept in the data directory
 * (sandbox only) so later starts can print it again.
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

/** Shell commands that run the whole headless sandbox flow with the demo app. */
export function demoFlowCommands(base: string, demo: DemoApp): string[] {
  const redirect = encodeURIComponent(demo.redirectUri);
  const authorize =
    `${base}/authorize?response_type=code&client_id=${demo.clientId}&redirect_uri=${redirect}` +
    `&scope=openid%20profile%20email&state=xyz&nonce=n-1&code_challenge=${DEMO_CODE_CHALLENGE}` +
    '&code_challenge_method=S256&provider_hint=mock-redirect&login_hint=success';
  return [
    `  curl -si '${authorize}'   # 302: the code is in Location`,
    `  curl -s -u ${demo.clientId}:${demo.clientSecret} -d grant_type=authorization_code -d code=CODE \\`,
    `       -d redirect_uri=${demo.redirectUri} -d code_verifier=${DEMO_CODE_VERIFIER} ${base}/token`,
    `  curl -s ${base}/userinfo -H 'Authorization: Bearer ACCESS_TOKEN'`,
    '  (login_hint=deny, cancel, timeout, provider-error … end the flow in each documented error: docs/sandbox.md)',
  ];
}

/** Where the demo app's callback points (nothing needs to listen there for a headless flow). */
export const DEMO_REDIRECT_URI = 'http://127.0.0.1:8765/callback';

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
  if ((await repository.count('sandbox')) > 0) {
    if (!existsSync(file)) return undefined;
    const demo = JSON.parse(readFileSync(file, 'utf8')) as DemoApp;
    return (await repository.find(demo.clientId)) ? demo : undefined;
  }
  const service = new AppsService(repository, new SecretBox(secretKey), config, () => new Date());
  const created = await service.create({
    name: 'idgate demo app',
    type: 'confidential',
    redirectUris: [DEMO_REDIRECT_URI],
  });
  const demo: DemoApp = {
    clientId: created.app.clientId,
    clientSecret: created.clientSecret ?? '',
    redirectUri: DEMO_REDIRECT_URI,
  };
  writeFileSync(file, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
  return demo;
}
