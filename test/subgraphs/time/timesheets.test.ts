import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TimeDatabase } from '../../../subgraphs/time/index.ts';
import type { SubgraphHarness } from '../../support/subgraph-harness.ts';
import { codeOf, startSeededTime, W } from './fixture.ts';

const sheetFields = `id worker { id } isoWeek weekStart weekEnd status totalHours billableHours`;
const ids = (nodes: Array<{ id: string }>) => nodes.map((node) => node.id);

describe('timesheets: derived from the week\'s entries', () => {
  let time: SubgraphHarness<TimeDatabase>;
  before(async () => {
    time = await startSeededTime();
  });
  after(() => time.close());

  const timesheet = async (workerId: string, isoWeek: string) => {
    const result = await time.call(`query($w: ID!, $k: String!) { timesheet(workerId: $w, isoWeek: $k) { ${sheetFields} entries { totalCount nodes { id } } } }`, { w: workerId, k: isoWeek });
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data.timesheet;
  };

  it('sums a week and derives its status (hand-checked totals)', async () => {
    assert.deepEqual(await timesheet(W.ana, '2026-W47'), {
      id: 'w-ana:2026-W47', worker: { id: W.ana }, isoWeek: '2026-W47', weekStart: '2026-11-16', weekEnd: '2026-11-22',
      status: 'SUBMITTED', totalHours: '21.75', billableHours: '19.50',
      entries: { totalCount: 4, nodes: [{ id: 'te-ana-4' }, { id: 'te-ana-3' }, { id: 'te-ana-2' }, { id: 'te-ana-1' }] },
    });
    const ben47 = await timesheet(W.ben, '2026-W47');
    assert.deepEqual([ben47.status, ben47.totalHours], ['REJECTED', '6.00']);
    const ben48 = await timesheet(W.ben, '2026-W48');
    assert.deepEqual([ben48.status, ben48.totalHours, ben48.billableHours], ['APPROVED', '11.30', '11.30']);
    // dan, 2026-W48: seven bulk entries, 1.00 + 2.50 + 4.50 + 5.00 + 7.00 + 8.50 + 2.50; only the 1.00 is not billable.
    const dan48 = await timesheet(W.dan, '2026-W48');
    assert.deepEqual([dan48.status, dan48.totalHours, dan48.billableHours, dan48.entries.totalCount], ['REJECTED', '31.00', '30.00', 7]);
  });

  it('places New Year entries in the right ISO week', async () => {
    const result = await time.call(`{ a: timeEntry(id: "te-cy-1") { timesheet { ${sheetFields} } } b: timeEntry(id: "te-cy-2") { timesheet { id } }
      c: timeEntry(id: "te-cy-3") { timesheet { ${sheetFields} } } }`);
    assert.deepEqual(result.data.a.timesheet, {
      id: 'w-cy:2026-W53', worker: { id: W.cy }, isoWeek: '2026-W53', weekStart: '2026-12-28', weekEnd: '2027-01-03',
      status: 'DRAFT', totalHours: '3.30', billableHours: '3.30',
    });
    assert.equal(result.data.b.timesheet.id, 'w-cy:2026-W53'); // 2027-01-01 is still in 2026's week 53
    assert.deepEqual(result.data.c.timesheet, {
      id: 'w-cy:2020-W53', worker: { id: W.cy }, isoWeek: '2020-W53', weekStart: '2020-12-28', weekEnd: '2021-01-03',
      status: 'APPROVED', totalHours: '5.00', billableHours: '5.00',
    });
  });

  it('answers a week without entries with an empty draft, and refuses a week that does not exist', async () => {
    assert.deepEqual(await timesheet(W.ana, '2026-W10'), {
      id: 'w-ana:2026-W10', worker: { id: W.ana }, isoWeek: '2026-W10', weekStart: '2026-03-02', weekEnd: '2026-03-08',
      status: 'DRAFT', totalHours: '0.00', billableHours: '0.00', entries: { totalCount: 0, nodes: [] },
    });
    const nobody = await time.call(`query { timesheet(workerId: "w-nobody", isoWeek: "2026-W10") { id } }`, {});
    assert.equal(codeOf(nobody), 'NOT_FOUND', 'an empty week of a worker hcm does not know');
    for (const isoWeek of ['2027-W53', '2026-W54', '2026-47']) {
      const bad = await time.call(`query($k: String!) { timesheet(workerId: "${W.ana}", isoWeek: $k) { id } }`, { k: isoWeek });
      assert.equal(codeOf(bad), 'BAD_USER_INPUT', isoWeek);
    }
  });

  it('resolves a timesheet reference by its id', async () => {
    const result = await time.call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Timesheet { id totalHours status } } }`, {
      r: [{ __typename: 'Timesheet', id: 'w-ben:2026-W47' }, { __typename: 'Timesheet', id: 'w-ben:2026-W48' }],
    });
    assert.deepEqual(result.data._entities, [
      { id: 'w-ben:2026-W47', totalHours: '6.00', status: 'REJECTED' },
      { id: 'w-ben:2026-W48', totalHours: '11.30', status: 'APPROVED' },
    ]);
    const bad = await time.call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Timesheet { id } } }`, {
      r: [{ __typename: 'Timesheet', id: 'no-week-here' }],
    });
    assert.equal(codeOf(bad), 'BAD_USER_INPUT');
  });

  it('pages a worker\'s timesheets newest week first, both ways, and filters by overlapping dates', async () => {
    const query = `query($r: [_Any!]!, $first: Int, $after: String, $last: Int, $before: String, $from: Date, $to: Date) {
      _entities(representations: $r) { ... on Worker { timesheets(first: $first, after: $after, last: $last, before: $before, from: $from, to: $to) {
        totalCount nodes { isoWeek totalHours } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } } }`;
    const page = async (workerId: string, args: Record<string, unknown>) => {
      const result = await time.call(query, { r: [{ __typename: 'Worker', id: workerId }], ...args });
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
      return result.data._entities[0].timesheets;
    };
    const weeks = (connection: { nodes: Array<{ isoWeek: string }> }) => connection.nodes.map((node) => node.isoWeek);

    const first = await page(W.dan, { first: 2 });
    assert.equal(first.totalCount, 5);
    assert.deepEqual(weeks(first), ['2026-W48', '2026-W47']);
    assert.equal(first.nodes[0].totalHours, '31.00');
    const second = await page(W.dan, { first: 2, after: first.pageInfo.endCursor });
    assert.deepEqual(weeks(second), ['2026-W46', '2026-W45']);
    const third = await page(W.dan, { first: 2, after: second.pageInfo.endCursor });
    assert.deepEqual([weeks(third), third.pageInfo.hasNextPage], [['2026-W44'], false]);

    const last = await page(W.dan, { last: 2 });
    assert.deepEqual([weeks(last), last.pageInfo.hasPreviousPage], [['2026-W45', '2026-W44'], true]);
    const before = await page(W.dan, { last: 2, before: last.pageInfo.startCursor });
    assert.deepEqual(weeks(before), ['2026-W47', '2026-W46']);

    // A Sunday-only range still returns the whole week, with the whole week's totals.
    const sunday = await page(W.ben, { from: '2026-11-22', to: '2026-11-22' });
    assert.deepEqual(sunday.nodes, [{ isoWeek: '2026-W47', totalHours: '6.00' }]);
    assert.deepEqual(weeks(await page(W.ben, { from: '2026-11-23' })), ['2026-W48']);
    assert.deepEqual(weeks(await page(W.ben, {})), ['2026-W48', '2026-W47']);
    const backwards = await time.call(query, { r: [{ __typename: 'Worker', id: W.ben }], from: '2026-11-23', to: '2026-11-01' });
    assert.equal(codeOf(backwards), 'BAD_USER_INPUT');
  });

  it('pages a timesheet\'s entries, and keeps two weeks of one worker apart in one batch', async () => {
    const entries = async (args: Record<string, unknown>) => {
      const result = await time.call(`query($first: Int, $after: String) { timesheet(workerId: "${W.dan}", isoWeek: "2026-W48") {
        entries(first: $first, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } } }`, args);
      return result.data.timesheet.entries;
    };
    const one = await entries({ first: 3 });
    assert.deepEqual(ids(one.nodes), ['bulk-001', 'bulk-000', 'bulk-003']);
    const two = await entries({ first: 3, after: one.pageInfo.endCursor });
    assert.deepEqual(ids(two.nodes), ['bulk-004', 'bulk-007', 'bulk-006']);
    const three = await entries({ first: 3, after: two.pageInfo.endCursor });
    assert.deepEqual([ids(three.nodes), three.pageInfo.hasNextPage], [['bulk-009'], false]);

    const newest = await time.call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Worker {
      timesheets(first: 2) { nodes { isoWeek entries(first: 1) { totalCount nodes { id } } } } } } }`, { r: [{ __typename: 'Worker', id: W.dan }] });
    assert.deepEqual(newest.data._entities[0].timesheets.nodes, [
      { isoWeek: '2026-W48', entries: { totalCount: 7, nodes: [{ id: 'bulk-001' }] } },
      { isoWeek: '2026-W47', entries: { totalCount: 9, nodes: [{ id: 'bulk-010' }] } },
    ]);
  });
});
