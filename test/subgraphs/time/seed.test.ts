import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DemoTimeEntry } from '../../../lib/seed/demo-firm.ts';
import { addDays } from '../../../subgraphs/time/domain/iso-week.ts';
import { timeSubgraph, type TimeDatabase } from '../../../subgraphs/time/index.ts';
import { startSubgraph, type SubgraphHarness } from '../../support/subgraph-harness.ts';
import { expenses, tinyFirm } from './fixture.ts';

const statuses = ['DRAFT', 'SUBMITTED', 'APPROVED', 'REJECTED'] as const;

describe('seedTime', () => {
  let time: SubgraphHarness<TimeDatabase>;
  before(async () => {
    time = await startSubgraph(timeSubgraph);
  });
  after(() => time.close());

  it('streams entries from the plan in batches and writes their approval history', async () => {
    const total = 2345;
    let insertsBeforeLastYield = 0;
    function* generated(): Generator<DemoTimeEntry> {
      for (let i = 0; i < total; i += 1) {
        // Inserts must already have run while the plan is still generating: entries are never all held in memory.
        if (i === total - 1) insertsBeforeLastYield = time.database.statements.recent.filter((s) => s.startsWith('insert')).length;
        const status = statuses[i % 4];
        yield {
          id: `gen-${i}`, workerId: `w-${i % 7}`, projectId: `p-${i % 3}`, taskId: `t-${i % 5}`, assignmentId: `a-${i % 7}`, roleId: 'r-1',
          date: addDays('2026-11-27', -(i % 56)), hours: '7.50', billable: i % 2 === 0, notes: '', status,
          decidedBy: status === 'APPROVED' || status === 'REJECTED' ? 'w-boss' : null,
          rejectionReason: status === 'REJECTED' ? 'hours too high' : null,
        };
      }
    }
    time.database.statements.reset();
    await timeSubgraph.seed(time.database.db, tinyFirm(generated, expenses));
    assert.ok(insertsBeforeLastYield >= 2, `inserted ${insertsBeforeLastYield} batches before the plan finished`);

    const count = async (table: 'time_entry' | 'approval_record' | 'expense_entry' | 'outbox', where?: [string, string]) => {
      let query = time.database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n'));
      if (where) query = query.where(where[0] as never, '=', where[1] as never);
      return Number((await query.executeTakeFirstOrThrow()).n);
    };
    assert.equal(await count('time_entry'), total);
    assert.equal(await count('expense_entry'), expenses.length);
    // Each non-draft entry was submitted by its worker; each approved or rejected one then decided by the plan's decider.
    const perStatus = (status: string) => Math.ceil((total - statuses.indexOf(status as never)) / 4);
    assert.equal(await count('approval_record', ['action', 'SUBMITTED']), total - perStatus('DRAFT'));
    assert.equal(await count('approval_record', ['action', 'APPROVED']), perStatus('APPROVED'));
    assert.equal(await count('approval_record', ['action', 'REJECTED']), perStatus('REJECTED'));
    assert.equal(await count('outbox'), 0);

    const rejected = await time.database.db.selectFrom('time_entry').selectAll().where('id', '=', 'gen-3').executeTakeFirstOrThrow();
    assert.deepEqual(
      [rejected.status, rejected.version, rejected.decided_by, rejected.rejection_reason, rejected.week_start],
      ['REJECTED', 3, 'w-boss', 'hours too high', '2026-11-23'],
    );
    const history = await time.database.db.selectFrom('approval_record').select(['action', 'actor_id', 'reason']).where('time_entry_id', '=', 'gen-3').orderBy('at').execute();
    assert.deepEqual(history, [
      { action: 'SUBMITTED', actor_id: 'w-3', reason: null },
      { action: 'REJECTED', actor_id: 'w-boss', reason: 'hours too high' },
    ]);
  });
});
