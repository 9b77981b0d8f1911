/**
 * Queries on the hot paths that Kysely builds and compiles once. Building a query tree
 * and compiling it to SQL costs about as much as running a primary-key read on SQLite
 * (with its statement cache); for a query whose shape never changes, the SQL text is
 * compiled at start-up and each call only binds new parameters.
 */
import { type Compilable, CompiledQuery, type Kysely } from 'kysely';

/**
 * Compiles `query` once and returns a function that runs the same SQL with other
 * parameters. `parameters` must be given in the order of the compiled query's
 * placeholders (`query.compile().parameters` shows it), so keep such queries simple.
 */
export function compileOnce<Schema, Row>(
  db: Kysely<Schema>,
  query: Compilable<Row>,
): (parameters: unknown[]) => Promise<Row[]> {
  const { sql } = query.compile();
  return async function runCompiled(parameters) {
    return (await db.executeQuery<Row>(CompiledQuery.raw(sql, parameters))).rows;
  };
}
