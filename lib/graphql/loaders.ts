import DataLoader from 'dataloader';
import type { Kysely, SelectQueryBuilder } from 'kysely';
import { paginateByParent, type Connection, type Ordering, type PageArgs } from './connection.ts';

/** Loads rows by id in one statement per batch; missing ids resolve to null. */
export function loaderById<Row extends { id: string }>(fetch: (ids: readonly string[]) => Promise<Row[]>) {
  return new DataLoader<string, Row | null>(async (ids) => {
    const rows = await fetch(ids);
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/** Loads every row belonging to each key (e.g. tasks by project) in one statement per batch. */
export function loaderByGroup<Row>(fetch: (keys: readonly string[]) => Promise<Row[]>, keyOf: (row: Row) => string) {
  return new DataLoader<string, Row[]>(async (keys) => {
    const groups = new Map<string, Row[]>(keys.map((key) => [key, []]));
    for (const row of await fetch(keys)) groups.get(keyOf(row))?.push(row);
    return keys.map((key) => groups.get(key) ?? []);
  });
}

/**
 * Loaders whose batch depends on field arguments (a paged list under each parent): one DataLoader per distinct
 * argument set, created on first use within the request.
 */
export class LoaderFamily<K, V> {
  readonly #loaders = new Map<string, DataLoader<K, V>>();
  readonly #create: (argsKey: string, args: any) => DataLoader<K, V>;

  constructor(create: (argsKey: string, args: any) => DataLoader<K, V>) {
    this.#create = create;
  }

  for(args: unknown): DataLoader<K, V> {
    const key = JSON.stringify(args ?? {});
    let loader = this.#loaders.get(key);
    if (!loader) {
      loader = this.#create(key, args);
      this.#loaders.set(key, loader);
    }
    return loader;
  }
}

/** Field arguments of a paged list under a parent, plus whether the client selected `totalCount`. */
export interface PagedArgs<F = unknown> extends PageArgs {
  filter?: F | null;
  withTotal: boolean;
}

/**
 * A paged, filtered list under each parent (`Customer.projects(first: 10, filter: …)`): for each distinct argument
 * set, one statement for all the parents in the batch. `ordering` may depend on the filter (`updatedAfter` pages in
 * the order of change).
 */
export function pagedByParent<Row extends Record<string, any>, F = never>(
  db: Kysely<any>,
  parentColumn: string,
  ordering: Ordering | ((filter: F | null | undefined) => Ordering),
  query: (filter: F | null | undefined) => SelectQueryBuilder<any, any, Row>,
) {
  const orderingFor = typeof ordering === 'function' ? ordering : () => ordering;
  return new LoaderFamily<string, Connection<Row>>(
    (_key, args: PagedArgs<F>) =>
      new DataLoader(async (parentIds) => {
        const pages = await paginateByParent<Row>(db, query(args.filter), parentColumn, parentIds, orderingFor(args.filter), args, {
          withTotal: args.withTotal,
        });
        return parentIds.map((id) => pages.get(id)!);
      }),
  );
}
