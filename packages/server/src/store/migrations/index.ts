/**
 * Every migration, by name. Names sort in the order the migrations run; add new ones
 * with the next number (`0002-…`) and never rename or edit an applied one.
 *
 * A static list (not a folder scan) so migrations work the same from `src/` under
 * vitest and from `dist/`.
 */
import type { Migration } from 'kysely';
import { migration0001Apps } from './0001-apps.js';
import { migration0002OidcSessions } from './0002-oidc-sessions.js';
import { migration0003SigningKeysOneActive } from './0003-signing-keys-one-active.js';
import { migration0004HooksWebhooks } from './0004-hooks-webhooks.js';
import { migration0005RetentionIndexes } from './0005-retention-indexes.js';
import { migration0006RelyingPartyKeys } from './0006-relying-party-keys.js';
import { migration0007Fapi } from './0007-fapi.js';
import { type MigrationContext, migration0008SessionsOperations } from './0008-sessions-operations.js';
import { migration0009AppBranding } from './0009-app-branding.js';

export type { MigrationContext } from './0008-sessions-operations.js';

/**
 * The migrations, keyed by name, given what they may need beyond the database (0008 seals
 * stored login hints with the instance secret).
 */
export function migrationsFor(context: MigrationContext): Readonly<Record<string, Migration>> {
  return Object.freeze({
    '0001-apps': migration0001Apps,
    '0002-oidc-sessions': migration0002OidcSessions,
    '0003-signing-keys-one-active': migration0003SigningKeysOneActive,
    '0004-hooks-webhooks': migration0004HooksWebhooks,
    '0005-retention-indexes': migration0005RetentionIndexes,
    '0006-relying-party-keys': migration0006RelyingPartyKeys,
    '0007-fapi': migration0007Fapi,
    '0008-sessions-operations': migration0008SessionsOperations(context),
    '0009-app-branding': migration0009AppBranding,
  });
}

/** The migrations, keyed by name (without a sealer: for their names and for fresh databases). */
export const MIGRATIONS: Readonly<Record<string, Migration>> = migrationsFor({});
