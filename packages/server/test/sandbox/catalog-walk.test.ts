/**
 * The catalog walk (issue 4 item 6): every catalog code an integrator can meet is
 * triggered on purpose through the sandbox, against a real idgate, from a condition an
 * integrator can cause, and asserted on each surface where integrators meet it
 * (`catalog-triggers.ts`). A code added to the catalog without a trigger — or without a
 * reason in NOT_ON_PURPOSE — fails the walk.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERROR_CODES } from '@idgate/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../support/app.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { startLiveTestApp } from '../support/live-server.js';
import { NOT_ON_PURPOSE, TRIGGERS, WALK_REST_LIMIT, WALK_TOKEN_CLIENT_LIMIT } from './catalog-triggers.js';
import { Sandbox } from './sandbox.js';

const WALKED = ERROR_CODES.filter((code) => TRIGGERS[code] !== undefined);
const STEPS = WALKED.flatMap((code) =>
  (TRIGGERS[code] ?? []).map((trigger) => ({ code, surface: trigger.surface, how: trigger.how, run: trigger.run })),
);

describe('the catalog walk covers the catalog', () => {
  it('every catalog code has a trigger, or a reason why an integrator cannot meet it — never both', () => {
    const untriggered = ERROR_CODES.filter((code) => TRIGGERS[code] === undefined);
    expect(Object.keys(NOT_ON_PURPOSE).sort()).toEqual([...untriggered].sort());
    expect(Object.keys(TRIGGERS).filter((code) => !(ERROR_CODES as readonly string[]).includes(code))).toEqual([]);
    for (const code of WALKED) expect(TRIGGERS[code]?.length, code).toBeGreaterThan(0);
    for (const reason of Object.values(NOT_ON_PURPOSE)) expect(reason.length).toBeGreaterThan(20);
  });
});

describe.each(TEST_DATABASE_KINDS)('every error on purpose in the sandbox on %s', (kind) => {
  let sandbox: Sandbox;
  let dataDir: string;

  beforeAll(async () => {
    // mock-wallet keeps its verifier key and sandbox issuer in the data directory.
    dataDir = await mkdtemp(join(tmpdir(), 'idgate-catalog-walk-'));
    const env = {
      IDGATE_ENV: 'sandbox',
      IDGATE_DATA_DIR: dataDir,
      IDGATE_RATE_LIMIT_REST: String(WALK_REST_LIMIT),
      IDGATE_RATE_LIMIT_TOKEN_CLIENT: String(WALK_TOKEN_CLIENT_LIMIT),
      IDGATE_DPOP_NONCE: 'true',
    };
    const [t, live] = await Promise.all([createTestApp(kind, { env }), startLiveTestApp(kind, { env })]);
    sandbox = new Sandbox(t, live);
  });
  afterAll(async () => {
    await Promise.all([sandbox?.t.close(), sandbox?.live.close()]);
    await rm(dataDir, { recursive: true, force: true });
  });

  it.each(STEPS)('$code on $surface: $how', async ({ run }) => {
    await run(sandbox);
  });
});
