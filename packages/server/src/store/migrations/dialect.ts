/**
 * The few places where one migration must say a thing differently per dialect. Everything
 * else in the migrations is portable SQL.
 */
import { type Kysely, PostgresAdapter, type RawBuilder, sql } from 'kysely';

/** Whether a migration runs against PostgreSQL. */
export function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * The type of identifier columns (primary and foreign keys, anything ordered for keyset
 * pagination): TEXT compared byte-wise on both dialects. SQLite's default collation is
 * already BINARY; on PostgreSQL the database's default collation may be linguistic
 * (`en_US.UTF-8` sorts `a` before `B`), so identifiers get `COLLATE "C"` and order the same
 * as on SQLite and as JavaScript's default sort.
 */
export function identifierType(db: Kysely<unknown>): RawBuilder<unknown> {
  return isPostgres(db) ? sql`text collate "C"` : sql`text`;
}
