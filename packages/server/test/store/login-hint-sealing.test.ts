/**
 * The `login_hint` of `/authorize` (often a national identity number) is stored sealed
 * with the instance secret, like a session's user data (issue 14): new sessions never hold
 * it in clear, and migration 0008 seals the hints earlier versions stored in clear — on
 * SQLite and PostgreSQL. The hint still works where it is used (a `mock-push` transaction
 * takes it as the personal number), and it goes when its session is purged.
 */
import { Migrator, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/security/secrets.js';
import { migrate } from '../../src/store/migrate.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { authorizeUrl, createClient, validParams } from '../authorize/helpers.js';
import { createTestApp, TEST_SECRET_KEY, type TestApp } from '../support/app.js';
import { openEmptyTestDatabase, TEST_DATABASE_KINDS, type TestDatabase } from '../support/databases.js';

/** A personal number as a bank's eID would take it. */
const PERSONAL_NUMBER = '198503072389';
const NOW = '2026-11-22T10:30:00.000Z';

describe.each(TEST_DATABASE_KINDS)('sealed login hints on %s', (kind) => {
  let database: TestDatabase | undefined;
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    await database?.cleanup();
    t = undefined;
    database = undefined;
  });

  async function storedRequests(db: TestDatabase): Promise<string[]> {
    const { rows } = await sql<{ authorization_request: string }>`
      select authorization_request from verifications order by id`.execute(db.database.db);
    return rows.map((row) => row.authorization_request);
  }

  it('a new /authorize transaction stores its login hint sealed and still uses it', async () => {
    t = await createTestApp(kind);
    const client = await createClient(t);
    const res = await t.app.inject({
      method: 'GET',
      url: authorizeUrl(
        validParams(client.clientId, { provider_hint: 'mock-push', login_hint: PERSONAL_NUMBER, state: 'st-1' }),
      ),
    });
    expect([302, 303]).toContain(res.statusCode);
    const [stored] = await storedRequests(t.database);
    expect(stored).toBeDefined();
    expect(stored).not.toContain(PERSONAL_NUMBER);
    const parsed = JSON.parse(stored ?? '{}') as Record<string, unknown>;
    expect(parsed).not.toHaveProperty('loginHint');
    expect(parsed).toMatchObject({ state: 'st-1', providerHint: 'mock-push' });
    expect(new SecretBox(TEST_SECRET_KEY).decrypt(String(parsed.loginHintSealed))).toBe(PERSONAL_NUMBER);
    // Where it is used, it is the clear value: the hosted page asks for that personal number.
    const [session] = await t.database.database.db.selectFrom('verifications').select('id').execute();
    const read = await t.app.idgate.verifications.getTransaction(session?.id ?? '');
    expect(read.authorizationRequest?.loginHint).toBe(PERSONAL_NUMBER);
  });

  it('migration 0008 seals the hints stored in clear before it, and refuses to run without the secret', async () => {
    database = await openEmptyTestDatabase(kind);
    const db = database.database.db;
    const schema = database.config.kind === 'postgres' ? database.config.schema : undefined;
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => MIGRATIONS },
      ...(schema === undefined ? {} : { migrationTableSchema: schema }),
    });
    expect((await migrator.migrateTo('0005-retention-indexes')).error).toBeUndefined();
    await sql`insert into apps (client_id, environment, name, type, redirect_uris, allowed_origins, grant_types, created_at, updated_at)
      values ('test_legacy', 'sandbox', 'Legacy', 'confidential', '[]', '[]', '[]', ${NOW}, ${NOW})`.execute(db);
    const legacy = (id: string, request: Record<string, unknown>) =>
      sql`insert into verifications (id, client_id, environment, origin, status, requested_claims, flow_details, authorization_request, expires_at, created_at, updated_at)
        values (${id}, 'test_legacy', 'sandbox', 'authorize', 'initiated', '[]', '{}', ${JSON.stringify(request)}, ${NOW}, ${NOW}, ${NOW})`.execute(
        db,
      );
    await legacy('vrf_test_a', { responseType: 'code', scope: ['openid'], loginHint: PERSONAL_NUMBER, state: 's' });
    await legacy('vrf_test_b', { responseType: 'code', scope: ['openid'], state: 'no hint' });

    // Without the instance secret the migration cannot seal them: it fails and changes nothing.
    await expect(migrate(database.database)).rejects.toThrow(/0008.*instance secret/);
    expect((await storedRequests(database)).join()).toContain(PERSONAL_NUMBER);

    const sealer = new SecretBox(TEST_SECRET_KEY);
    // Every migration after 0005 is applied now, 0008 among them (Kysely applies them in one transaction).
    const after0005 = Object.keys(MIGRATIONS).filter((name) => name > '0005-retention-indexes');
    expect(after0005).toContain('0008-sessions-operations');
    expect((await migrate(database.database, { sealer })).applied).toEqual(after0005);
    const [a, b] = await storedRequests(database);
    expect(a).not.toContain(PERSONAL_NUMBER);
    const parsed = JSON.parse(a ?? '{}') as Record<string, unknown>;
    expect(parsed).toEqual({
      responseType: 'code',
      scope: ['openid'],
      state: 's',
      loginHintSealed: expect.any(String),
    });
    expect(sealer.decrypt(String(parsed.loginHintSealed))).toBe(PERSONAL_NUMBER);
    expect(JSON.parse(b ?? '{}')).toEqual({ responseType: 'code', scope: ['openid'], state: 'no hint' });
  });
});
