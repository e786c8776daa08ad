import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import type { SubgraphDatabase } from '../../lib/db/database.ts';
import { parseTuples, sqlIsoDate, sqlIsoDateTime, sqlTuples } from '../../lib/db/types.ts';
import { paginate, renderedPage, type Ordering } from '../../lib/graphql/connection.ts';
import { DateScalar, DateTimeScalar } from '../../lib/graphql/scalars.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

interface Tables {
  entry: { id: string; date: string; at: Date; hours: string; notes: string | null };
}

const migrations = {
  '0001': {
    up: (db: Kysely<any>) =>
      db.schema
        .createTable('entry')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('date', 'date', (col) => col.notNull())
        .addColumn('at', 'timestamptz', (col) => col.notNull())
        .addColumn('hours', 'numeric(12, 2)', (col) => col.notNull())
        .addColumn('notes', 'text')
        .execute(),
  },
};

const byDate: Ordering = { columns: ['date', 'id'], direction: 'desc' };
const byInstant: Ordering = { columns: ['at', 'id'], direction: 'asc' };

/**
 * `renderedPage` (a page the database writes as text, for the exports' subgraph endpoints) pages exactly as
 * `paginate` does: the same rows in the same order, the same cursors, the same end; and the instants, dates and
 * decimals it writes in SQL are the graph's scalars' text.
 */
describe('renderedPage pages as paginate does', () => {
  let testDb: TestDatabase;
  let database: SubgraphDatabase<Tables>;
  const line = sql<string>`json_build_array(id, ${sqlIsoDate('date')}, ${sqlIsoDateTime('at')}, hours::text, notes)::text`;

  before(async () => {
    testDb = await createTestDatabase();
    const { openSubgraphDatabase } = await import('../../lib/db/database.ts');
    database = await openSubgraphDatabase<Tables>(testDb.target, testDb.schemaFor('renderedpage'), migrations);
    // Dates that tie (several entries a day), instants with microseconds (which the graph's DateTime truncates), and
    // notes that JSON must escape.
    const rows = Array.from({ length: 23 }, (_, n) => ({
      id: `e${String(n).padStart(2, '0')}`,
      date: `2026-11-${String(1 + (n % 5)).padStart(2, '0')}`,
      at: sql`${`2026-11-01T10:00:00.${String(123456 + n * 111111).slice(-6)}Z`}::timestamptz`,
      hours: n % 2 ? '7.50' : '8',
      notes: n % 3 ? `note "${n}"\nline ${n}` : null,
    }));
    await database.db.insertInto('entry').values(rows as any).execute();
  });
  after(() => testDb.cleanup([database]));

  // 23 rows are five pages of five by date. By instant paginate's cursor holds the instant to the millisecond (a
  // Date), so a page starts again with the row that ended the one before when its instant has microseconds:
  // renderedPage must page the same way, whatever the count.
  for (const [name, ordering, pagesExpected] of [['date, id descending', byDate, 5], ['instant, id ascending', byInstant, null]] as const) {
    it(`every page of 5, and the cursors, in ${name}`, async () => {
      const { db } = database;
      let after: string | null = null;
      let pages = 0;
      for (;;) {
        const expected: Awaited<ReturnType<typeof paginate<Tables['entry']>>> = await paginate(db.selectFrom('entry').selectAll(), ordering, { first: 5, after }, { withTotal: false, maxPageSize: 5 });
        const page = await renderedPage(db, db.selectFrom('entry').selectAll(), ordering, { first: 5, after }, line, { maxPageSize: 5 });
        const rows = JSON.parse(`[${page.lines}]`) as unknown[][];
        assert.deepEqual(
          rows,
          expected.nodes.map((row: Tables['entry']) => [row.id, DateScalar.serialize(row.date), DateTimeScalar.serialize(row.at), row.hours, row.notes]),
        );
        assert.equal(page.count, expected.nodes.length);
        assert.deepEqual(page.pageInfo, { hasNextPage: expected.pageInfo.hasNextPage, endCursor: expected.pageInfo.endCursor });
        pages += 1;
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      if (pagesExpected !== null) assert.equal(pages, pagesExpected, '23 rows are five pages of five');
    });
  }

  it('an empty page (first: 0) and a filter that matches nothing', async () => {
    const { db } = database;
    const none = await renderedPage(db, db.selectFrom('entry').selectAll(), byDate, { first: 0 }, line, { maxPageSize: 5 });
    assert.deepEqual(none, { lines: '', count: 0, pageInfo: { hasNextPage: true, endCursor: null } });
    const empty = await renderedPage(db, db.selectFrom('entry').selectAll().where('id', '=', 'nobody'), byDate, { first: 5 }, line, { maxPageSize: 5 });
    assert.deepEqual(empty, { lines: '', count: 0, pageInfo: { hasNextPage: false, endCursor: null } });
    await assert.rejects(renderedPage(db, db.selectFrom('entry').selectAll(), byDate, { first: 6 }, line, { maxPageSize: 5 }), /first/);
  });

  it('sqlTuples: the rows as one JSON value, in order, numerics as their text', async () => {
    const { db } = database;
    const [{ tuples }] = await db
      .selectFrom('entry')
      .where('id', 'in', ['e01', 'e02', 'e03'])
      .select(sqlTuples([sql.ref('id'), sql`hours::text`, sql`notes is null`], sql`id desc`).as('tuples'))
      .execute();
    assert.deepEqual(parseTuples(tuples), [['e03', '7.50', true], ['e02', '8.00', false], ['e01', '7.50', false]]);
    const [{ none }] = await db.selectFrom('entry').where('id', '=', 'nobody').select(sqlTuples([sql.ref('id')]).as('none')).execute();
    assert.deepEqual(parseTuples(none), []);
  });
});
