import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TimeDatabase } from '../../../subgraphs/time/index.ts';
import type { SubgraphHarness } from '../../support/subgraph-harness.ts';
import { ana, bulkEntries, codeOf, directReports, finance, handEntries, manager, P, startSeededTime, W } from './fixture.ts';

const ids = (nodes: Array<{ id: string }>) => nodes.map((node) => node.id);

describe('time: a worker sees only their own time', () => {
  let time: SubgraphHarness<TimeDatabase>;
  before(async () => {
    time = await startSeededTime();
  });
  after(() => time.close());

  it('pins a worker\'s lists to their own entries and expenses', async () => {
    const result = await time.call(`{ timeEntries(first: 100) { totalCount nodes { id worker { id } } } expenses { nodes { id } } }`, {}, ana);
    assert.equal(result.errors, undefined);
    assert.equal(result.data.timeEntries.totalCount, 4);
    assert.ok(result.data.timeEntries.nodes.every((node: { worker: { id: string } }) => node.worker.id === W.ana));
    assert.deepEqual(ids(result.data.expenses.nodes), ['ex-ana-2', 'ex-ana-1']);
    const own = await time.call(`{ timeEntries(filter: { workerId: "${W.ana}", status: [APPROVED] }) { totalCount } }`, {}, ana);
    assert.equal(own.data.timeEntries.totalCount, 2);
  });

  it('refuses a worker another worker\'s entries, expenses, timesheets and history', async () => {
    const byFilter = await time.call(`{ timeEntries(filter: { workerId: "${W.ben}" }) { totalCount } }`, {}, ana);
    assert.equal(codeOf(byFilter), 'FORBIDDEN');
    const expenses = await time.call(`{ expenses(filter: { workerId: "${W.ben}" }) { totalCount } }`, {}, ana);
    assert.equal(codeOf(expenses), 'FORBIDDEN');

    const entry = await time.call(`{ timeEntry(id: "te-ben-1") { id } }`, {}, ana);
    assert.deepEqual(entry.data, { timeEntry: null });
    assert.equal(codeOf(entry), 'FORBIDDEN');
    const expense = await time.call(`{ expense(id: "ex-ben-1") { id } }`, {}, ana);
    assert.equal(codeOf(expense), 'FORBIDDEN');
    const sheet = await time.call(`{ timesheet(workerId: "${W.ben}", isoWeek: "2026-W47") { id } }`, {}, ana);
    assert.equal(codeOf(sheet), 'FORBIDDEN');

    const record = await time.database.db.selectFrom('approval_record').select('id').where('time_entry_id', '=', 'te-ben-1').executeTakeFirstOrThrow();
    const history = await time.call(`query($id: ID!) { approvalRecord(id: $id) { id } }`, { id: record.id }, ana);
    assert.equal(codeOf(history), 'FORBIDDEN');

    const entities = await time.call(`query($r: [_Any!]!) { _entities(representations: $r) {
      ... on Worker { timeEntries { totalCount } } ... on TimeEntry { id } ... on Timesheet { id } } }`, {
      r: [{ __typename: 'Worker', id: W.ben }, { __typename: 'TimeEntry', id: 'te-ben-2' }, { __typename: 'Timesheet', id: 'w-ben:2026-W48' }],
    }, ana);
    assert.equal(entities.errors?.length, 3);
    assert.ok(entities.errors!.every((error) => error.extensions?.code === 'FORBIDDEN'));
  });

  it('shows a worker only their own entries under a project, and no project totals', async () => {
    const result = await time.call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Project { timeEntries { nodes { id } } } } }`, {
      r: [{ __typename: 'Project', id: P.alpha }],
    }, ana);
    assert.deepEqual(ids(result.data._entities[0].timeEntries.nodes), ['te-ana-3', 'te-ana-2', 'te-ana-1']);
    const totals = await time.call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Project { actualHours } } }`, {
      r: [{ __typename: 'Project', id: P.alpha }],
    }, ana);
    assert.equal(codeOf(totals), 'FORBIDDEN');
  });

  it('lets a worker read their own timesheet and history', async () => {
    const result = await time.call(`{ timesheet(workerId: "${W.ana}", isoWeek: "2026-W47") { totalHours entries { totalCount } }
      timeEntry(id: "te-ana-1") { approvals { action } } }`, {}, ana);
    assert.equal(result.errors, undefined);
    assert.deepEqual(result.data.timesheet, { totalHours: '21.75', entries: { totalCount: 4 } });
    assert.deepEqual(result.data.timeEntry.approvals, [{ action: 'SUBMITTED' }, { action: 'APPROVED' }]);
  });

  it('lets finance see everyone, and a manager their direct reports only', async () => {
    const query = `{ timeEntries { totalCount } timeEntry(id: "te-ben-1") { id } expense(id: "ex-ben-1") { id } }`;
    const all = await time.call(query, {}, finance);
    assert.equal(all.errors, undefined);
    assert.equal(all.data.timeEntries.totalCount, handEntries.length + bulkEntries.length);
    assert.equal(all.data.timeEntry.id, 'te-ben-1');
    const reports = await time.call(query, {}, manager);
    assert.equal(reports.errors, undefined, JSON.stringify(reports.errors));
    const visible = [...handEntries, ...bulkEntries].filter((e) => directReports[W.mia].includes(e.workerId));
    assert.equal(reports.data.timeEntries.totalCount, visible.length);
    assert.equal(reports.data.timeEntry.id, 'te-ben-1');
    // cy reports to someone else: named, refused; unnamed, left out.
    assert.equal(codeOf(await time.call(`{ timeEntry(id: "te-cy-1") { id } }`, {}, manager)), 'FORBIDDEN');
    assert.equal(codeOf(await time.call(`{ timeEntries(filter: { workerId: "${W.cy}" }) { totalCount } }`, {}, manager)), 'FORBIDDEN');
    const onAlpha = await time.call(`{ _entities(representations: [{ __typename: "Project", id: "${P.alpha}" }]) { ... on Project { timeEntries { nodes { worker { id } } } } } }`, {}, manager);
    assert.ok(onAlpha.data._entities[0].timeEntries.nodes.every((n: { worker: { id: string } }) => n.worker.id !== W.cy));
  });

  it('refuses a caller with neither a worker nor a role that sees everyone', async () => {
    const result = await time.call(`{ timeEntries { totalCount } }`, {}, { workerId: null, roles: ['WORKER'] });
    assert.equal(codeOf(result), 'FORBIDDEN');
  });
});
