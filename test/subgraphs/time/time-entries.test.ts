import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TimeDatabase } from '../../../subgraphs/time/index.ts';
import type { SubgraphHarness } from '../../support/subgraph-harness.ts';
import { bulkEntries, codeOf, handEntries, newestFirst, P, startSeededTime, W } from './fixture.ts';

const ids = (nodes: Array<{ id: string }>) => nodes.map((node) => node.id);

describe('time entries: read API', () => {
  let time: SubgraphHarness<TimeDatabase>;
  before(async () => {
    time = await startSeededTime();
  });
  after(() => time.close());

  it('reads an entry by id with its references, lifecycle and approval history', async () => {
    const result = await time.call(`{
      timeEntry(id: "te-ben-1") {
        id worker { id } project { id } task { id } role { id } date hours startTime endTime billable notes
        status version externalId { system id } submittedAt decidedAt decidedBy { id } rejectionReason correctionOf { id }
        timesheet { id isoWeek } approvals { action actor { id } at reason }
      }
    }`);
    assert.equal(result.errors, undefined);
    assert.deepEqual(result.data.timeEntry, {
      id: 'te-ben-1',
      worker: { id: W.ben },
      project: { id: P.alpha },
      task: { id: 'p-alpha-task' },
      role: { id: 'r-consultant' },
      date: '2026-11-16',
      hours: '6.00',
      startTime: null,
      endTime: null,
      billable: true,
      notes: 'te-ben-1 notes',
      status: 'REJECTED',
      version: 3,
      externalId: null,
      // Seeded lifecycle: submitted with the week on Friday evening, decided the next Monday morning.
      submittedAt: '2026-11-20T17:30:00.000Z',
      decidedAt: '2026-11-23T10:00:00.000Z',
      decidedBy: { id: W.mia },
      rejectionReason: 'wrong task',
      correctionOf: null,
      timesheet: { id: 'w-ben:2026-W47', isoWeek: '2026-W47' },
      approvals: [
        { action: 'SUBMITTED', actor: { id: W.ben }, at: '2026-11-20T17:30:00.000Z', reason: null },
        { action: 'REJECTED', actor: { id: W.mia }, at: '2026-11-23T10:00:00.000Z', reason: 'wrong task' },
      ],
    });
    const missing = await time.call(`{ timeEntry(id: "nope") { id } }`);
    assert.deepEqual(missing, { data: { timeEntry: null } });
  });

  it('resolves entity references and reads the external id', async () => {
    await time.database.db.updateTable('time_entry').set({ external_system: 'harvest', external_id: 'H-1' }).where('id', '=', 'te-ana-1').execute();
    const result = await time.call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on TimeEntry { id hours externalId { system id } } } }`, {
      r: [{ __typename: 'TimeEntry', id: 'te-ana-1' }, { __typename: 'TimeEntry', id: 'te-ana-2' }],
    });
    assert.deepEqual(result.data._entities, [
      { id: 'te-ana-1', hours: '8.00', externalId: { system: 'harvest', id: 'H-1' } },
      { id: 'te-ana-2', hours: '7.50', externalId: null },
    ]);
  });

  it('filters by worker, project, status, dates and billable', async () => {
    const list = async (filter: Record<string, unknown>) => {
      const result = await time.call(`query($f: TimeEntryFilter) { timeEntries(filter: $f, first: 100) { totalCount nodes { id } } }`, { f: filter });
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
      assert.equal(result.data.timeEntries.totalCount, result.data.timeEntries.nodes.length);
      return ids(result.data.timeEntries.nodes);
    };
    assert.deepEqual(await list({ workerId: W.ana }), ['te-ana-4', 'te-ana-3', 'te-ana-2', 'te-ana-1']);
    assert.deepEqual(await list({ projectId: P.alpha, status: ['APPROVED'] }), ['te-cy-1', 'te-ben-2', 'te-ana-2', 'te-ana-1']);
    assert.deepEqual(await list({ projectId: P.alpha, status: ['SUBMITTED', 'REJECTED'] }), ['te-ana-3', 'te-ben-1']);
    assert.deepEqual(await list({ workerId: W.ben, from: '2026-11-20' }), ['te-ben-3', 'te-ben-2']);
    assert.deepEqual(await list({ projectId: P.alpha, from: '2026-11-17', to: '2026-11-17' }), ['te-ana-2']);
    assert.deepEqual(await list({ from: '2026-12-01' }), ['te-cy-2', 'te-cy-1']);
    assert.deepEqual(await list({ projectId: P.alpha, billable: false }), ['te-ana-3']);
    assert.equal((await list({})).length, handEntries.length + bulkEntries.length);
    const ofCustomer = handEntries.filter((e) => e.projectId === P.alpha || e.projectId === P.beta).sort(newestFirst).map((e) => e.id);
    assert.deepEqual(await list({ customerId: 'cust-ab' }), ofCustomer, "the customer's projects, from psa");
    assert.deepEqual(await list({ customerId: 'cust-ab', status: ['DRAFT'], workerId: W.cy }), ['te-cy-2']);
    assert.deepEqual(await list({ customerId: 'cust-none' }), []);
    assert.deepEqual(await list({ ids: ['te-ana-1', 'te-cy-3', 'nope'] }), ['te-ana-1', 'te-cy-3']);
    const tooMany = await time.call(`query($ids: [ID!]) { timeEntries(filter: { ids: $ids }) { totalCount } }`, { ids: Array.from({ length: 501 }, (_, i) => `id-${i}`) });
    assert.equal(codeOf(tooMany), 'BAD_USER_INPUT');
    const backwards = await time.call(`{ timeEntries(filter: { from: "2026-11-20", to: "2026-11-19" }) { totalCount } }`);
    assert.equal(codeOf(backwards), 'BAD_USER_INPUT');
  });

  it('pages forward and backward through a worker\'s entries in a stable order', async () => {
    const expected = ids(bulkEntries.filter((entry) => entry.workerId === W.dan).sort(newestFirst));
    assert.equal(expected.length, 40);
    const query = `query($r: [_Any!]!, $first: Int, $after: String, $last: Int, $before: String) {
      _entities(representations: $r) { ... on Worker { timeEntries(first: $first, after: $after, last: $last, before: $before) {
        totalCount nodes { id date } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }
    }`;
    const page = async (args: Record<string, unknown>) => {
      const result = await time.call(query, { r: [{ __typename: 'Worker', id: W.dan }], ...args });
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
      return result.data._entities[0].timeEntries;
    };

    const forward: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    for (;;) {
      const connection = await page({ first: 7, after: cursor });
      assert.equal(connection.totalCount, 40);
      assert.equal(connection.pageInfo.hasPreviousPage, cursor !== null);
      forward.push(...ids(connection.nodes));
      pages += 1;
      if (!connection.pageInfo.hasNextPage) break;
      cursor = connection.pageInfo.endCursor;
    }
    assert.equal(pages, 6);
    assert.deepEqual(forward, expected);

    const backward: string[] = [];
    cursor = null;
    for (;;) {
      const connection = await page({ last: 7, before: cursor });
      assert.equal(connection.pageInfo.hasNextPage, cursor !== null);
      backward.unshift(...ids(connection.nodes));
      if (!connection.pageInfo.hasPreviousPage) break;
      cursor = connection.pageInfo.startCursor;
    }
    assert.deepEqual(backward, expected);
  });

  it('pages the top-level list from the end with last', async () => {
    const oldest = [...handEntries, ...bulkEntries].sort(newestFirst).slice(-3);
    const result = await time.call(`{ timeEntries(last: 3) { nodes { id } pageInfo { hasPreviousPage hasNextPage } } }`);
    assert.deepEqual(ids(result.data.timeEntries.nodes), ids(oldest));
    assert.deepEqual(result.data.timeEntries.pageInfo, { hasPreviousPage: true, hasNextPage: false });
    const bad = await time.call(`{ timeEntries(first: 2, after: "not-a-cursor") { totalCount } }`);
    assert.equal(codeOf(bad), 'BAD_USER_INPUT');
  });

  it('lists a project\'s entries under the project, filtered', async () => {
    const result = await time.call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Project { id
      timeEntries(filter: { status: [APPROVED], workerId: "${W.ben}" }) { totalCount nodes { id } } } } }`, {
      r: [{ __typename: 'Project', id: P.alpha }, { __typename: 'Project', id: P.beta }],
    });
    assert.deepEqual(result.data._entities, [
      { id: P.alpha, timeEntries: { totalCount: 1, nodes: [{ id: 'te-ben-2' }] } },
      { id: P.beta, timeEntries: { totalCount: 1, nodes: [{ id: 'te-ben-3' }] } },
    ]);
  });

  it('reads expenses by id and filtered', async () => {
    const one = await time.call(`{ expense(id: "ex-ana-1") { id worker { id } project { id } date amount { amount currency } category billable receiptRef notes status version } }`);
    assert.deepEqual(one.data.expense, {
      id: 'ex-ana-1', worker: { id: W.ana }, project: { id: P.alpha }, date: '2026-11-17', amount: { amount: '120.50', currency: 'EUR' },
      category: 'TRAVEL', billable: true, receiptRef: 'receipt-1', notes: null, status: 'APPROVED', version: 3,
    });
    const list = async (filter: Record<string, unknown>) =>
      ids((await time.call(`query($f: ExpenseFilter) { expenses(filter: $f) { nodes { id } } }`, { f: filter })).data.expenses.nodes);
    assert.deepEqual(await list({}), ['ex-ana-2', 'ex-ben-1', 'ex-ana-1']);
    assert.deepEqual(await list({ workerId: W.ana }), ['ex-ana-2', 'ex-ana-1']);
    assert.deepEqual(await list({ category: ['MEALS', 'LODGING'], billable: true }), ['ex-ana-2']);
    assert.deepEqual(await list({ projectId: P.alpha, status: ['SUBMITTED'] }), ['ex-ben-1']);
    assert.deepEqual(await list({ from: '2026-11-18', to: '2026-11-23' }), ['ex-ben-1']);
  });

  it('reads an approval record by id and back to its entry', async () => {
    const record = await time.database.db.selectFrom('approval_record').select('id').where('time_entry_id', '=', 'te-ben-2').where('action', '=', 'APPROVED').executeTakeFirstOrThrow();
    const result = await time.call(`query($id: ID!) { approvalRecord(id: $id) { id action actor { id } timeEntry { id } } }`, { id: record.id });
    assert.deepEqual(result.data.approvalRecord, { id: record.id, action: 'APPROVED', actor: { id: W.mia }, timeEntry: { id: 'te-ben-2' } });
  });
});
