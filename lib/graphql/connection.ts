import { sql, type Kysely, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { GraphQLResolveInfo } from 'graphql';
import { badInput } from '../errors.ts';

/** Relay connection arguments. `first`/`after` pages forward, `last`/`before` backward. */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Connection<T> {
  edges: Array<{ cursor: string; node: T }>;
  nodes: T[];
  pageInfo: PageInfo;
  totalCount: number;
}

/**
 * A stable order: columns compared as one tuple, all in one direction, ending in a unique column (the id) so no two
 * rows tie and a cursor names exactly one position.
 */
export interface Ordering {
  readonly columns: readonly string[];
  readonly direction: 'asc' | 'desc';
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
/**
 * A page of a bulk export's subgraph endpoint (outside the graph: rows as JSON, no GraphQL execution per row), large
 * so a million rows are 200 statements, small enough that one page is a few MB in memory.
 */
export const EXPORT_PAGE_SIZE = 5000;

const encodeCursor = (values: unknown[]) =>
  Buffer.from(JSON.stringify(values.map((v) => (v instanceof Date ? v.toISOString() : v)))).toString('base64url');

function decodeCursor(cursor: string, ordering: Ordering, argument: string): unknown[] {
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(values) && values.length === ordering.columns.length) return values;
  } catch {
    // falls through to the error below
  }
  throw badInput(argument, 'is not a cursor from this list');
}

interface PagePlan {
  limit: number;
  backward: boolean;
  after: unknown[] | null;
  before: unknown[] | null;
}

function planPage(args: PageArgs, ordering: Ordering, maxPageSize = MAX_PAGE_SIZE): PagePlan {
  const { first, last, after, before } = args;
  if (first != null && last != null) throw badInput('first', 'use either first or last, not both');
  const size = first ?? last ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 0 || size > maxPageSize) {
    throw badInput(first != null ? 'first' : 'last', `must be an integer from 0 to ${maxPageSize}`);
  }
  return {
    limit: size,
    backward: last != null,
    after: after ? decodeCursor(after, ordering, 'after') : null,
    before: before ? decodeCursor(before, ordering, 'before') : null,
  };
}

type AnyQuery = SelectQueryBuilder<any, any, any>;

function applyKeyset(query: AnyQuery, ordering: Ordering, plan: PagePlan): AnyQuery {
  const tuple = sql.join(ordering.columns.map((column) => sql.ref(column)));
  const greater = ordering.direction === 'asc' ? sql`>` : sql`<`;
  const less = ordering.direction === 'asc' ? sql`<` : sql`>`;
  let keyed = query;
  if (plan.after) keyed = keyed.where(sql<boolean>`(${tuple}) ${greater} (${sql.join(plan.after)})`);
  if (plan.before) keyed = keyed.where(sql<boolean>`(${tuple}) ${less} (${sql.join(plan.before)})`);
  return keyed;
}

/** The ORDER BY of one page: reversed when paging backward (the rows are put back in order afterwards). */
function pageOrder(ordering: Ordering, backward: boolean) {
  const direction = (ordering.direction === 'asc') !== backward ? sql`asc` : sql`desc`;
  return sql.join(ordering.columns.map((column) => sql`${sql.ref(column)} ${direction}`));
}

function toConnection<T extends Record<string, any>>(
  rows: T[],
  ordering: Ordering,
  plan: PagePlan,
  totalCount: number,
): Connection<T> {
  const hasMore = rows.length > plan.limit;
  const page = rows.slice(0, plan.limit);
  if (plan.backward) page.reverse();
  const cursorColumns = ordering.columns.map((column) => column.split('.').pop() as string);
  const cursorOf = (node: T | undefined) => (node === undefined ? null : encodeCursor(cursorColumns.map((c) => node[c])));
  // Cursors are made when read: most clients select `nodes`, and a cursor per row (JSON, then base64) is work and
  // garbage for every row of every list.
  let edges: Connection<T>['edges'] | undefined;
  return {
    get edges() {
      return (edges ??= page.map((node) => ({ cursor: cursorOf(node) as string, node })));
    },
    nodes: page,
    pageInfo: {
      hasNextPage: plan.backward ? plan.before != null : hasMore,
      hasPreviousPage: plan.backward ? hasMore : plan.after != null,
      get startCursor() {
        return cursorOf(page[0]);
      },
      get endCursor() {
        return cursorOf(page.at(-1));
      },
    },
    totalCount,
  };
}

/** Whether the client asked for `totalCount`, so the count query runs only when someone reads it. */
export function selectsTotalCount(info: GraphQLResolveInfo | undefined): boolean {
  if (!info) return true;
  return info.fieldNodes.some((node) =>
    node.selectionSet?.selections.some(
      (selection) =>
        (selection.kind === 'Field' && selection.name.value === 'totalCount') ||
        selection.kind !== 'Field', // fragments: look no deeper, count to be safe
    ),
  );
}

/**
 * One page of `query` (already filtered, selecting the rows) in a stable order. The count, when wanted, is one
 * more statement over the same filters. `maxPageSize` (default MAX_PAGE_SIZE, the graph's) is raised only by bulk
 * readers outside the graph (the exports' subgraph endpoints), whose pages are not one GraphQL response.
 */
export async function paginate<T extends Record<string, any>>(
  query: SelectQueryBuilder<any, any, T>,
  ordering: Ordering,
  args: PageArgs,
  options: { withTotal: boolean; maxPageSize?: number },
): Promise<Connection<T>> {
  const plan = planPage(args, ordering, options.maxPageSize);
  const rows = (await applyKeyset(query, ordering, plan)
    .orderBy(pageOrder(ordering, plan.backward))
    .limit(plan.limit + 1)
    .execute()) as T[];
  let total = 0;
  if (options.withTotal) {
    const counted = await (query as AnyQuery).clearSelect().select(sql<number>`count(*)::int`.as('n')).executeTakeFirst();
    total = Number(counted?.n ?? 0);
  }
  return toConnection(rows, ordering, plan, total);
}

/** A page whose rows the database wrote as text (renderedPage): no row object in between. */
export interface RenderedPage {
  /** The page's rows, each its `line`, joined by commas in order ('' for none). */
  lines: string;
  count: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/**
 * One forward page of `query` (filtered, any selection) as `paginate` gives it — the same keyset, order, size check
 * and cursors — but rendered by the database: each row is `line` (a text expression over the query's tables) and the
 * page is one value, its lines joined by commas. For bulk readers outside the graph (the exports' subgraph
 * endpoints), which would otherwise build, serialize and drop an object per row in the process: a page of 5,000
 * costs one string here.
 */
export async function renderedPage(
  db: Kysely<any>,
  query: SelectQueryBuilder<any, any, any>,
  ordering: Ordering,
  args: { first?: number | null; after?: string | null },
  line: RawBuilder<string>,
  options: { maxPageSize: number },
): Promise<RenderedPage> {
  const plan = planPage({ first: args.first, after: args.after }, ordering, options.maxPageSize);
  const order = pageOrder(ordering, false);
  const cursorColumns = ordering.columns.map((_, index) => `_cursor${index}`);
  const rows = applyKeyset(query.clearSelect(), ordering, plan)
    .select([
      line.as('_line'),
      sql<number>`row_number() over (order by ${order})`.as('_position'),
      ...ordering.columns.map((column, index) => sql.ref(column).as(cursorColumns[index])),
    ])
    .orderBy(order)
    .limit(plan.limit + 1);
  const inPage = sql`filter (where _position <= ${plan.limit})`;
  const page = (await db
    .selectFrom(rows.as('page'))
    .select([
      sql<string | null>`string_agg(_line, ',' order by _position) ${inPage}`.as('lines'),
      sql<number>`count(*)::int`.as('fetched'),
      // The last row's ordering values, typed as the columns are, so the cursor is paginate's.
      ...cursorColumns.map((column) => sql`(array_agg(${sql.ref(column)} order by _position desc) ${inPage})[1]`.as(column)),
    ])
    .executeTakeFirstOrThrow()) as Record<string, unknown> & { lines: string | null; fetched: number };
  const count = Math.min(page.fetched, plan.limit);
  return {
    lines: page.lines ?? '',
    count,
    pageInfo: {
      hasNextPage: page.fetched > plan.limit,
      endCursor: count === 0 ? null : encodeCursor(cursorColumns.map((column) => page[column])),
    },
  };
}

/**
 * The same page for many parents in one statement (a window per parent), for list fields resolved by DataLoader:
 * `Customer.projects` over 100 customers is one SELECT, not 100.
 */
export async function paginateByParent<T extends Record<string, any>>(
  db: Kysely<any>,
  query: SelectQueryBuilder<any, any, T>,
  parentColumn: string,
  parentIds: readonly string[],
  ordering: Ordering,
  args: PageArgs,
  options: { withTotal: boolean },
): Promise<Map<string, Connection<T>>> {
  const plan = planPage(args, ordering);
  const filtered = (query as AnyQuery).where(sql.ref(parentColumn), 'in', parentIds as string[]);
  const ranked = applyKeyset(filtered, ordering, plan).select(
    sql<number>`row_number() over (partition by ${sql.ref(parentColumn)} order by ${pageOrder(ordering, plan.backward)})`.as('_rank'),
  );
  const parentKey = parentColumn.split('.').pop() as string;
  const rows = (await db
    .selectFrom(ranked.as('ranked'))
    .selectAll()
    .where('_rank', '<=', plan.limit + 1)
    .orderBy('_rank')
    .execute()) as Array<T & { _rank?: number }>;
  const totals = new Map<string, number>();
  if (options.withTotal) {
    const counts = await filtered
      .clearSelect()
      .select([sql.ref(parentColumn).as('parent'), sql<number>`count(*)::int`.as('n')])
      .groupBy(sql.ref(parentColumn))
      .execute();
    for (const row of counts) totals.set(String(row.parent), Number(row.n));
  }
  const byParent = new Map<string, T[]>(parentIds.map((id) => [id, []]));
  for (const { _rank, ...row } of rows) byParent.get(String(row[parentKey]))?.push(row as unknown as T);
  return new Map(parentIds.map((id) => [id, toConnection(byParent.get(id) ?? [], ordering, plan, totals.get(id) ?? 0)]));
}

/**
 * One page of rows computed in memory (already in `ordering`'s order and unique on its columns), with the same
 * arguments, cursors and page info as `paginate`; the total is every row.
 */
export function paginateSorted<T extends Record<string, any>>(rows: readonly T[], ordering: Ordering, args: PageArgs): Connection<T> {
  const plan = planPage(args, ordering);
  const sign = ordering.direction === 'asc' ? 1 : -1;
  const position = (row: T, cursor: unknown[]) => {
    for (const [i, column] of ordering.columns.entries()) {
      if (row[column] !== cursor[i]) return sign * ((row[column] as string) < (cursor[i] as string) ? -1 : 1);
    }
    return 0;
  };
  const window = rows.filter((row) => (!plan.after || position(row, plan.after) > 0) && (!plan.before || position(row, plan.before) < 0));
  const picked = plan.backward ? window.slice(-(plan.limit + 1)).reverse() : window.slice(0, plan.limit + 1);
  return toConnection(picked, ordering, plan, rows.length);
}

/** A list field's arguments as the loaders and services take them. */
export function pageArgsOf<F>(
  args: PageArgs & { filter?: F | null },
  info: GraphQLResolveInfo,
): PageArgs & { filter?: F | null; withTotal: boolean } {
  return {
    first: args.first ?? null,
    after: args.after ?? null,
    last: args.last ?? null,
    before: args.before ?? null,
    filter: args.filter ?? null,
    withTotal: selectsTotalCount(info),
  };
}

/** A reference to an entity another subgraph owns, for the gateway to resolve. */
export const entityRef = <T extends string>(typename: T, id: string) => ({ __typename: typename, id });
export const optionalEntityRef = <T extends string>(typename: T, id: string | null) => (id ? entityRef(typename, id) : null);
