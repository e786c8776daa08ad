import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Identity } from '../../../lib/auth/identity.ts';
import { dataOf } from '../../support/subgraph-harness.ts';
import { admin, ana, ben, codeOf, manager, P, projects, startCapture, T, W, type CaptureHarness } from './capture-fixture.ts';

/** The approval queue: a manager's reports' submitted weeks, with totals and flags, through the subgraph's API. */
const queue = `query($m: ID, $first: Int, $after: String) { approvalQueue(managerId: $m, first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  nodes { worker { id } isoWeek submittedHours submittedBillableHours submittedEntries oldestSubmittedAt flags timesheet { status totalHours } } } }`;
const log = `mutation($input: LogTimeEntryInput!) { logTimeEntry(input: $input) { id } }`;
const submit = `mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id version } }`;
const approve = `mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { id version } }`;
const otherManager: Identity = { workerId: 'w-zed', roles: ['WORKER', 'MANAGER'] };

describe('approval queue', () => {
  let time: CaptureHarness;
  const logged = async (identity: Identity, date: string, hours: string, extra: Record<string, unknown> = {}) =>
    dataOf(await time.call(log, { input: { projectId: P.alpha, taskId: T.dev, date, hours, ...extra } }, identity)).logTimeEntry.id as string;

  before(async () => {
    time = await startCapture();
    // ana, week 48: 10 h on Monday (2 h above her calendar's 8) and 2 h on Tuesday, submitted; a draft stays out.
    const anaIds = [await logged(ana, '2026-11-23', '10.00'), await logged(ana, '2026-11-24', '2.00', { taskId: T.internal, billable: false })];
    await logged(ana, '2026-11-25', '1.00');
    dataOf(await time.call(submit, { ids: anaIds }, ana));
    // ana, week 47: 4 h, submitted: the older week comes first.
    dataOf(await time.call(submit, { ids: [await logged(ana, '2026-11-17', '4.00')] }, ana));
    // ben, week 48: an approved entry, corrected (the correction is SUBMITTED).
    const benId = await logged(ben, '2026-11-23', '3.00');
    dataOf(await time.call(submit, { ids: [benId] }, ben));
    const [approved] = dataOf(await time.call(approve, { ids: [benId] }, manager)).approveTimeEntries;
    dataOf(await time.call(`mutation($id: ID!, $v: Int!) { correctTimeEntry(id: $id, expectedVersion: $v, input: { hours: "3.50" }, reason: "forgot 30 min") { id } }`, { id: benId, v: approved.version }, ben));
  });
  after(() => time.close());

  it("lists the reports' submitted weeks, oldest first, with their totals and flags", async () => {
    const result = dataOf(await time.call(queue, {}, manager)).approvalQueue;
    assert.equal(result.totalCount, 3);
    assert.deepEqual(
      result.nodes.map((n: any) => [n.worker.id, n.isoWeek, n.submittedHours, n.submittedBillableHours, n.submittedEntries, n.flags, n.timesheet.status]),
      [
        [W.ana, '2026-W47', '4.00', '4.00', 1, [], 'SUBMITTED'],
        [W.ana, '2026-W48', '12.00', '10.00', 2, ['OVERTIME'], 'SUBMITTED'],
        [W.ben, '2026-W48', '3.50', '3.50', 1, ['CORRECTION'], 'SUBMITTED'],
      ],
    );
    assert.equal(result.nodes[1].timesheet.totalHours, '13.00', 'the whole week, draft included');
    assert.ok(result.nodes.every((n: any) => typeof n.oldestSubmittedAt === 'string'));
  });

  it('pages with cursors', async () => {
    const first = dataOf(await time.call(queue, { first: 2 }, manager)).approvalQueue;
    assert.equal(first.pageInfo.hasNextPage, true);
    const rest = dataOf(await time.call(queue, { first: 2, after: first.pageInfo.endCursor }, manager)).approvalQueue;
    assert.deepEqual(rest.nodes.map((n: any) => [n.worker.id, n.isoWeek]), [[W.ben, '2026-W48']]);
  });

  it('flags entries on a tentative assignment and billable entries without a rate, from current psa/crm facts', async () => {
    const alpha = projects.find((p) => p.id === P.alpha)!;
    const saved = structuredClone(alpha);
    try {
      alpha.rates = [];
      alpha.assignments.find((a) => a.workerId === W.ana)!.status = 'TENTATIVE';
      const nodes = dataOf(await time.call(queue, {}, manager)).approvalQueue.nodes;
      assert.deepEqual(nodes[1].flags, ['OVERTIME', 'TENTATIVE_ASSIGNMENT', 'RATE_MISSING']);
      assert.deepEqual(nodes[2].flags, ['CORRECTION'], "ben's override rate still prices his entry");
    } finally {
      Object.assign(alpha, saved);
    }
  });

  it("is the caller's own: empty for a worker or another manager, another manager's only for ADMIN", async () => {
    assert.equal(dataOf(await time.call(queue, {}, ana)).approvalQueue.totalCount, 0);
    assert.equal(dataOf(await time.call(queue, {}, otherManager)).approvalQueue.totalCount, 0);
    assert.equal(codeOf(await time.call(queue, { m: W.mia }, otherManager)), 'FORBIDDEN');
    assert.equal(dataOf(await time.call(queue, { m: W.mia }, admin)).approvalQueue.totalCount, 3);
  });

  it("a delegate's queue holds the delegating manager's reports, never the delegate's own weeks", async () => {
    dataOf(await time.call(`mutation { delegateApprovals(input: { delegateId: "${W.ben}", from: "2026-11-25", to: "2026-11-30" }) { id } }`, {}, manager));
    const nodes = dataOf(await time.call(queue, {}, ben)).approvalQueue.nodes;
    assert.deepEqual(nodes.map((n: any) => [n.worker.id, n.isoWeek]), [[W.ana, '2026-W47'], [W.ana, '2026-W48']]);
  });
});
