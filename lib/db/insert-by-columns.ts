import { sql, type InsertQueryBuilder, type InsertResult, type Kysely, type Transaction } from 'kysely';

/**
 * The PostgreSQL type of each column a bulk insert writes (`text`, `date`, `numeric`, `timestamptz`, `jsonb`, …): its
 * array parameter is cast to that type's array. Columns left out take their default.
 */
export type ColumnTypes<Row> = { readonly [Column in keyof Row & string]: string };

/**
 * `insert into <table> (a, b, …) select * from unnest($1::text[], $2::date[], …)`: one array parameter per column
 * instead of one per value, so the statement's text and its parameters do not grow with the rows. For the bulk inserts
 * of erp's posting batch (500 rows a statement): PostgreSQL parses and plans a short statement instead of a VALUES
 * list of thousands of parameters, and Kysely builds 17 parameters instead of 8,500 (docs/benchmarks.md, 2026-12-08
 * "postings keep up: erp's inserts by column"; time's seed writes its million entries so too). A value a row does
 * not have is written as null (columns left out of `columns` take their default); a jsonb value is its JSON text.
 * Returns the builder: `onConflict`, `returning` and `execute` as with `values`.
 */
export function insertByColumns<DB, Table extends keyof DB & string, Row extends object>(
  db: Kysely<DB> | Transaction<DB>,
  table: Table,
  columns: ColumnTypes<Row>,
  rows: readonly Row[],
): InsertQueryBuilder<DB, Table, InsertResult> {
  const names = Object.keys(columns) as Array<keyof Row & string>;
  const arrays = names.map((name) => sql`${rows.map((row) => row[name] ?? null)}::${sql.raw(columns[name])}[]`);
  return db
    .insertInto(table)
    .columns(names as never)
    .expression(sql`select * from unnest(${sql.join(arrays)})` as never);
}
