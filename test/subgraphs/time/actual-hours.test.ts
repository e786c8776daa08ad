import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TimeDatabase } from '../../../subgraphs/time/index.ts';
import type { SubgraphHarness } from '../../support/subgraph-harness.ts';
import { codeOf, manager, P, requestStatements, startSeededTime, W } from './fixture.ts';

const query = `query($r: [_Any!]!, $status: [EntryStatus!], $from: Date, $to: Date) {
  _entities(representations: $r) { ... on Project { id actualHours(status: $status, from: $from, to: $to) } } }`;
const projects = [P.alpha, P.beta, 'p-without-time'].map((id) => ({ __typename: 'Project', id }));

describe('Project.actualHours', () => {
  let time: SubgraphHarness<TimeDatabase>;
  before(async () => {
    time = await startSeededTime();
  });
  after(() => time.close());

  const actuals = async (args: Record<string, unknown> = {}) => {
    const result = await time.call(query, { r: projects, ...args }, manager);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data._entities.map((project: { actualHours: string }) => project.actualHours);
  };

  it('sums approved hours by default (hand-checked)', async () => {
    // alpha: 8.00 + 7.50 (ana) + 8.00 (ben) + 1.10 (cy); beta: 3.30 (ben) + 5.00 (cy).
    assert.deepEqual(await actuals(), ['24.60', '8.30', '0.00']);
  });

  it('sums the statuses and dates asked for', async () => {
    assert.deepEqual(await actuals({ status: ['APPROVED', 'SUBMITTED'] }), ['26.85', '8.30', '0.00']);
    assert.deepEqual(await actuals({ status: ['REJECTED'] }), ['6.00', '0.00', '0.00']);
    assert.deepEqual(await actuals({ status: ['DRAFT'] }), ['2.20', '4.00', '0.00']);
    assert.deepEqual(await actuals({ from: '2026-11-17', to: '2026-11-30' }), ['15.50', '3.30', '0.00']);
    assert.deepEqual(await actuals({ to: '2026-12-31' }), ['24.60', '8.30', '0.00']);
    assert.deepEqual(await actuals({ from: '2027-01-01' }), ['0.00', '0.00', '0.00']);
    assert.deepEqual(await actuals({ status: [] }), ['0.00', '0.00', '0.00']);
  });

  it('sums in one statement for every project of the request', async () => {
    time.database.statements.reset();
    await actuals();
    assert.equal(requestStatements(time).length, 1);
  });

  it('leaves out an approved entry reversed by a correction, in totals and timesheets alike', async () => {
    const base = {
      worker_id: W.ana, project_id: P.alpha, task_id: null, role_id: null, assignment_id: null, date: '2026-11-19',
      start_time: null, end_time: null, billable: true, notes: null, status: 'APPROVED' as const, external_system: null,
      external_id: null, submitted_at: null, decided_at: null, decided_by: null, rejection_reason: null,
    };
    await time.database.db.insertInto('time_entry').values([
      { ...base, id: 'te-ana-wrong', hours: '3.00', correction_of: null, reversed_at: new Date('2026-11-25T09:00:00Z') },
      { ...base, id: 'te-ana-fixed', hours: '2.50', correction_of: 'te-ana-wrong', reversed_at: null },
    ]).execute();
    assert.deepEqual(await actuals(), ['27.10', '8.30', '0.00']);
    const sheet = await time.call(`{ timesheet(workerId: "${W.ana}", isoWeek: "2026-W47") { totalHours entries { totalCount } } timeEntry(id: "te-ana-fixed") { correctionOf { id } } }`);
    assert.deepEqual(sheet.data, {
      timesheet: { totalHours: '24.25', entries: { totalCount: 6 } }, // the reversed entry is still listed, not summed
      timeEntry: { correctionOf: { id: 'te-ana-wrong' } },
    });
  });

  it('refuses a date range that ends before it starts', async () => {
    const result = await time.call(query, { r: projects, from: '2026-11-30', to: '2026-11-01' }, manager);
    assert.equal(codeOf(result), 'BAD_USER_INPUT');
  });
});
