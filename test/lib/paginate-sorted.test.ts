import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paginateSorted, type PageArgs } from '../../lib/graphql/connection.ts';

/** Computed rows page like queried ones: keyset cursors on the ordering's columns, forward and backward. */
describe('paginateSorted', () => {
  const rows = ['a', 'b', 'c', 'd', 'e'].flatMap((week) => ['w1', 'w2'].map((worker) => ({ week, worker })));
  const ordering = { columns: ['week', 'worker'], direction: 'asc' } as const;
  const keys = (page: ReturnType<typeof paginateSorted<(typeof rows)[number]>>) => page.nodes.map((row) => `${row.week}${row.worker}`);

  it('pages forward to the end with the total of every row', () => {
    const seen: string[] = [];
    let args: PageArgs = { first: 4 };
    for (;;) {
      const page = paginateSorted(rows, ordering, args);
      assert.equal(page.totalCount, 10);
      seen.push(...keys(page));
      if (!page.pageInfo.hasNextPage) break;
      args = { first: 4, after: page.pageInfo.endCursor };
    }
    assert.deepEqual(seen, rows.map((row) => `${row.week}${row.worker}`));
  });

  it('pages backward from the end, rows still in order', () => {
    const last = paginateSorted(rows, ordering, { last: 3 });
    assert.deepEqual(keys(last), ['dw2', 'ew1', 'ew2']);
    assert.deepEqual([last.pageInfo.hasPreviousPage, last.pageInfo.hasNextPage], [true, false]);
    const before = paginateSorted(rows, ordering, { last: 3, before: last.pageInfo.startCursor });
    assert.deepEqual(keys(before), ['cw1', 'cw2', 'dw1']);
    assert.equal(before.pageInfo.hasNextPage, true);
  });

  it('refuses a cursor that is not one and a page above the maximum', () => {
    assert.throws(() => paginateSorted(rows, ordering, { after: 'nope' }), { code: 'BAD_USER_INPUT' });
    assert.throws(() => paginateSorted(rows, ordering, { first: 501 }), { code: 'BAD_USER_INPUT' });
  });
});
