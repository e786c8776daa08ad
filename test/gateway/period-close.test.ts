import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Clock } from '../../lib/clock.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { billableWorkBetween } from '../support/demo-work.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/**
 * Closing a month leaves no earlier month open (issue 15, item 8): a legal entity's closed period locks every earlier
 * day no period covers, with the period's grace; a period reopened for a fix stays open, and no later period closes
 * until it is closed again (periods close in order).
 */
describe('closing periods in order through the gateway', () => {
  let graph: HubHarness;
  const clock: Clock = { now: () => new Date('2026-12-07T10:00:00Z') };
  const today = '2026-12-07';
  const october = '2026-10-20';
  const firm = planDemoFirm({ scale: 1, today });
  const { assignment, worker, task, asWorker, asManager } = billableWorkBetween(firm, october, today);
  const project = firm.projects.find((p) => p.id === assignment.projectId)!;
  const finance = { roles: ['FINANCE' as const] };

  const codeOf = (result: { errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }> }) => result.errors?.[0]?.extensions?.code;
  const close = (periodStart: string, periodEnd: string, graceDays = 0) =>
    graph.query(
      `mutation($le: ID!, $start: Date!, $end: Date!, $grace: Int) { closePeriod(legalEntityId: $le, periodStart: $start, periodEnd: $end, graceDays: $grace) { id status } }`,
      { le: project.legalEntityId, start: periodStart, end: periodEnd, grace: graceDays },
      finance,
    );
  const closed = async (periodStart: string, periodEnd: string, graceDays = 0): Promise<string> => {
    const result = await close(periodStart, periodEnd, graceDays);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data.closePeriod.id;
  };
  const logOn = (date: string, as: Parameters<HubHarness['query']>[2]) =>
    graph.query(`mutation($input: LogTimeEntryInput!) { logTimeEntry(input: $input) { id } }`, {
      input: { workerId: worker.id, projectId: assignment.projectId, taskId: task.id, date, hours: '0.25' },
    }, as);

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 }, clock });
  });
  after(() => graph.close());

  it('closing November locks October, which nobody closed, with November’s grace', async () => {
    const before = await logOn(october, asWorker);
    assert.equal(before.errors, undefined, `October is open while nothing is closed: ${JSON.stringify(before.errors)}`);

    await closed('2026-11-01', '2026-11-30', 10);
    const worker = await logOn(october, asWorker);
    assert.equal(codeOf(worker), 'PERIOD_LOCKED', JSON.stringify(worker));
    assert.match(worker.errors![0].message, /2026-10-20 lies before the closed period 2026-11-01 to 2026-11-30/);
    assert.match(worker.errors![0].message, /grace.*until 2026-12-10/);
    const manager = await logOn(october, asManager);
    assert.equal(manager.errors, undefined, `a manager may still fix it during November's grace: ${JSON.stringify(manager.errors)}`);
    const admin = await logOn(october, { roles: ['ADMIN'] });
    assert.equal(admin.errors, undefined, `ADMIN overrides: ${JSON.stringify(admin.errors)}`);
  });

  it('a period reopened for a fix is open again, and no later period closes until it is closed again', async () => {
    const octoberLock = await closed('2026-10-01', '2026-10-31', 10);
    assert.equal(codeOf(await logOn(october, asWorker)), 'PERIOD_LOCKED');
    const reopened = await graph.query(`mutation($id: ID!) { reopenPeriod(id: $id) { status } }`, { id: octoberLock }, finance);
    assert.equal(reopened.errors, undefined, JSON.stringify(reopened.errors));
    const fix = await logOn(october, asWorker);
    assert.equal(fix.errors, undefined, `October is open for the fix: ${JSON.stringify(fix.errors)}`);

    const december = await close('2026-12-01', '2026-12-31');
    assert.equal(codeOf(december), 'CONFLICT', JSON.stringify(december));
    assert.match(december.errors![0].message, /2026-10-01 to 2026-10-31 was reopened and is open from 2026-10-01/);

    assert.equal(await closed('2026-10-01', '2026-10-31', 10), octoberLock, 'October closes again, on its own lock');
    await closed('2026-12-01', '2026-12-31');
    const locks = await graph.query(`query($le: ID!) { periodLocks(filter: { legalEntityId: $le }) { nodes { periodStart status } } }`, { le: project.legalEntityId }, finance);
    assert.deepEqual(locks.data.periodLocks.nodes, [
      { periodStart: '2026-12-01', status: 'CLOSED' },
      { periodStart: '2026-11-01', status: 'CLOSED' },
      { periodStart: '2026-10-01', status: 'CLOSED' },
    ]);
  });
});
