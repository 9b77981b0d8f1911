import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantRevocationId, RevocationsRepository, tokenRevocationId } from '../../src/store/revocations.repository.js';
import { openTestDatabase, TEST_DATABASE_KINDS, type TestDatabase } from '../support/databases.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const LATER = new Date('2026-11-22T11:00:00.000Z');

describe.each(TEST_DATABASE_KINDS)('revocations repository (%s)', (kind) => {
  let database: TestDatabase;
  let revocations: RevocationsRepository;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    revocations = new RevocationsRepository(database.database);
  });

  afterAll(async () => {
    await database?.cleanup();
  });

  it('answers for one to six ids, whichever position the revoked one is in', async () => {
    await revocations.revoke([tokenRevocationId('revoked-jti'), grantRevocationId('revoked-grant')], LATER, NOW);
    for (let count = 1; count <= 6; count++) {
      const others = Array.from({ length: count }, (_, index) => tokenRevocationId(`other-${count}-${index}`));
      expect(await revocations.anyRevoked(others), `${count} unknown ids`).toBe(false);
      for (let position = 0; position < count; position++) {
        const ids = others.map((id, index) => (index === position ? grantRevocationId('revoked-grant') : id));
        expect(await revocations.anyRevoked(ids), `${count} ids, revoked one at ${position}`).toBe(true);
      }
    }
    expect(await revocations.anyRevoked([])).toBe(false);
    expect(await revocations.anyRevoked([tokenRevocationId('revoked-jti'), grantRevocationId('revoked-grant')])).toBe(
      true,
    );
  });

  it('revoking twice is fine, and purging drops only what has expired', async () => {
    const id = tokenRevocationId('purge-me');
    await revocations.revoke([id], NOW, new Date(NOW.getTime() - 1000));
    await revocations.revoke([id], NOW, new Date(NOW.getTime() - 1000));
    expect(await revocations.anyRevoked([id])).toBe(true);
    expect(await revocations.purgeExpired(new Date(NOW.getTime() + 1))).toBe(1);
    expect(await revocations.anyRevoked([id])).toBe(false);
    expect(await revocations.anyRevoked([grantRevocationId('revoked-grant')])).toBe(true);
  });
});
