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
import { migration0008SessionsOperations } from './0008-sessions-operations.js';

/** The migrations, keyed by name. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001-apps': migration0001Apps,
  '0002-oidc-sessions': migration0002OidcSessions,
  '0003-signing-keys-one-active': migration0003SigningKeysOneActive,
  '0004-hooks-webhooks': migration0004HooksWebhooks,
  '0005-retention-indexes': migration0005RetentionIndexes,
  '0008-sessions-operations': migration0008SessionsOperations,
});
