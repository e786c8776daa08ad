/**
 * One representation for values whose driver defaults differ, so PGlite and pg return the same rows:
 * - int8 (counts, sums of integers) → JS number; psgraph stores no integer beyond 2^53.
 * - numeric (money, hours, rates) → string, exactly as stored; arithmetic happens in domain code on decimals.
 * - date → `YYYY-MM-DD` string; a calendar date has no time zone, and `Date` would invent one.
 * - timestamptz → Date.
 */
export const PG_OIDS = { INT8: 20, NUMERIC: 1700, DATE: 1082, TIMESTAMPTZ: 1184 } as const;

export const normalizedParsers: Record<number, (value: string) => unknown> = {
  [PG_OIDS.INT8]: (value) => Number(value),
  [PG_OIDS.NUMERIC]: (value) => value,
  [PG_OIDS.DATE]: (value) => value,
  [PG_OIDS.TIMESTAMPTZ]: (value) => new Date(value),
};

import { sql, type ColumnType, type RawBuilder } from 'kysely';

/** A jsonb column: read as `T`, written as its JSON text (pg would turn a JS array into a Postgres array). */
export type Json<T> = ColumnType<T, string, string>;

export const toJson = (value: unknown): string => JSON.stringify(value);

/**
 * The graph's scalars as text written by the database, for pages rendered in SQL (lib/graphql/connection.ts
 * `renderedPage`): a `Date` as `YYYY-MM-DD`, a `DateTime` as `Date#toISOString` writes it (UTC, milliseconds truncated as
 * the timestamptz parser above truncates them, `Z`). A `Decimal` is the numeric's own text (`::text`), as the parser
 * above keeps it.
 */
export const sqlIsoDate = (column: string) => sql<string>`to_char(${sql.ref(column)}, 'YYYY-MM-DD')`;
export const sqlIsoDateTime = (column: string) => sql<string>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * A statement's rows as one value the database writes, a JSON array of tuples (`values` in order, `order` the rows'
 * order), to read with `parseTuples`: for reads of thousands of rows in one answer (the BI export's pages), where
 * the driver's work per field (a string cut from the socket's buffer and a parser called for each) costs more than
 * the rows' use. Give numerics as `::text` (a Decimal's text, as the parser above keeps it).
 */
export const sqlTuples = (values: readonly RawBuilder<unknown>[], order?: RawBuilder<unknown>) =>
  sql<string>`coalesce(json_agg(json_build_array(${sql.join(values)})${order ? sql` order by ${order}` : sql``}), '[]')::text`;

export const parseTuples = <Tuple extends readonly unknown[]>(text: string): Tuple[] => JSON.parse(text) as Tuple[];
