/**
 * PostgreSQL introspection limited to the current schema (the one `search_path` names).
 *
 * Kysely's own `PostgresIntrospector.getTables` reads the columns of every table in every
 * schema and calls `has_schema_privilege(name, …)` and `pg_get_serial_sequence(name, …)`
 * on each of them. Those functions look schemas and tables up again by name, so when
 * another session drops a schema or a table while the query runs (another idgate
 * instance, another tenant of the database, a test beside this one), the query fails with
 * "schema … does not exist" — and with it the migration that asked whether its own
 * bookkeeping table exists. idgate only ever needs its own schema, so this introspector
 * reads only that one: nothing another session does elsewhere can make it fail.
 */
import {
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type DatabaseMetadataOptions,
  DEFAULT_MIGRATION_LOCK_TABLE,
  DEFAULT_MIGRATION_TABLE,
  type Kysely,
  PostgresDialect,
  type SchemaMetadata,
  sql,
  type TableMetadata,
} from 'kysely';

/** One column as the catalog query returns it. */
interface CatalogColumn {
  column: string;
  not_null: boolean;
  has_default: boolean;
  table: string;
  table_type: string;
  schema: string;
  type: string;
  type_schema: string;
  column_description: string | null;
  auto_incrementing: string | null;
}

/** Tables and columns of the current schema only; schemas by name (no per-schema lookups). */
export class CurrentSchemaIntrospector implements DatabaseIntrospector {
  // biome-ignore lint/suspicious/noExplicitAny: the pg_catalog tables are not in idgate's schema type.
  readonly #db: Kysely<any>;

  // biome-ignore lint/suspicious/noExplicitAny: as above.
  constructor(db: Kysely<any>) {
    this.#db = db;
  }

  async getSchemas(): Promise<SchemaMetadata[]> {
    const rows = await this.#db.selectFrom('pg_catalog.pg_namespace').select('nspname').execute();
    return rows.map(function schemaOf(row: { nspname: string }) {
      return { name: row.nspname };
    });
  }

  async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    let query = this.#db
      .selectFrom('pg_catalog.pg_attribute as a')
      .innerJoin('pg_catalog.pg_class as c', 'a.attrelid', 'c.oid')
      .innerJoin('pg_catalog.pg_namespace as ns', 'c.relnamespace', 'ns.oid')
      .innerJoin('pg_catalog.pg_type as typ', 'a.atttypid', 'typ.oid')
      .innerJoin('pg_catalog.pg_namespace as dtns', 'typ.typnamespace', 'dtns.oid')
      .select([
        'a.attname as column',
        'a.attnotnull as not_null',
        'a.atthasdef as has_default',
        'c.relname as table',
        'c.relkind as table_type',
        'ns.nspname as schema',
        'typ.typname as type',
        'dtns.nspname as type_schema',
        sql<string | null>`col_description(a.attrelid, a.attnum)`.as('column_description'),
        // Evaluated only for the rows the conditions below keep: this schema's columns.
        sql<
          string | null
        >`pg_get_serial_sequence(quote_ident(ns.nspname) || '.' || quote_ident(c.relname), a.attname)`.as(
          'auto_incrementing',
        ),
      ])
      .where(sql<boolean>`ns.nspname = current_schema()`)
      .where('c.relkind', 'in', ['r', 'v', 'p'])
      .where('a.attnum', '>=', 0)
      .where('a.attisdropped', '!=', true)
      .orderBy('c.relname')
      .orderBy('a.attnum');
    if (!options.withInternalKyselyTables) {
      query = query
        .where('c.relname', '!=', DEFAULT_MIGRATION_TABLE)
        .where('c.relname', '!=', DEFAULT_MIGRATION_LOCK_TABLE);
    }
    return tablesOf((await query.execute()) as CatalogColumn[]);
  }

  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) };
  }
}

/** Kysely's PostgreSQL dialect with {@link CurrentSchemaIntrospector}. */
export class CurrentSchemaPostgresDialect extends PostgresDialect {
  // biome-ignore lint/suspicious/noExplicitAny: Kysely's own signature.
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db);
  }
}

function tablesOf(columns: readonly CatalogColumn[]): TableMetadata[] {
  const tables = new Map<string, TableMetadata & { columns: TableMetadata['columns'][number][] }>();
  for (const column of columns) {
    let table = tables.get(column.table);
    if (table === undefined) {
      table = { name: column.table, schema: column.schema, isView: column.table_type === 'v', columns: [] };
      tables.set(column.table, table);
    }
    table.columns.push({
      name: column.column,
      dataType: column.type,
      dataTypeSchema: column.type_schema,
      isNullable: !column.not_null,
      hasDefaultValue: column.has_default,
      isAutoIncrementing: column.auto_incrementing !== null,
      ...(column.column_description === null ? {} : { comment: column.column_description }),
    });
  }
  return [...tables.values()];
}
