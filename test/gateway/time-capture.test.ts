import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import type { DemoAssignment } from '../../lib/seed/demo-firm.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/**
 * Time capture through the gateway on the demo firm: the time subgraph validates each entry against psa, hcm and crm
 * as they are now, read back through the gateway as a service, one request per batch.
 */
describe('time capture through the gateway', () => {
  let graph: HubHarness;
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  const activeProject = new Set(firm.projects.filter((p) => p.status === 'ACTIVE').map((p) => p.id));
  const billableTask = (projectId: string) => firm.tasks.find((t) => t.projectId === projectId && t.billable && t.status === 'OPEN')!;
  const covering = (a: DemoAssignment) => a.status === 'CONFIRMED' && activeProject.has(a.projectId) && a.startDate <= today && a.endDate >= today;
  const assignment = firm.assignments.find((a) => covering(a) && firm.workers.find((w) => w.id === a.workerId)?.status === 'ACTIVE')!;
  const worker = firm.workers.find((w) => w.id === assignment.workerId)!;
  const asWorker = { roles: ['WORKER' as const], workerId: worker.id };

  const log = `mutation($input: LogTimeEntryInput!, $key: String) { logTimeEntry(input: $input, idempotencyKey: $key) {
    id status hours version worker { name } project { code customer { name } } role { id } } }`;

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  it('logs a valid entry as the worker, with fields from every subgraph', async () => {
    const input = { projectId: assignment.projectId, taskId: billableTask(assignment.projectId).id, date: today, hours: '1.50', notes: 'Workshop prep' };
    const result = await graph.query(log, { input, key: `log-${worker.id}` }, asWorker);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    const entry = result.data.logTimeEntry;
    assert.equal(entry.status, 'DRAFT');
    assert.equal(entry.hours, '1.50');
    assert.equal(entry.worker.name, worker.name);
    assert.equal(entry.role.id, assignment.roleId, 'the role defaults to the assignment');
    const billing = await graph.query(`query($id: ID!) { timeEntry(id: $id) { billing { status } } }`, { id: entry.id }, { roles: ['FINANCE'] });
    assert.equal(billing.data.timeEntry.billing.status, 'AWAITING_APPROVAL', 'erp: billable, not approved yet');
    const retry = await graph.query(log, { input, key: `log-${worker.id}` }, asWorker);
    assert.equal(retry.data.logTimeEntry.id, entry.id, 'a retried key returns the first entry');
  });

  it('refuses an entry on a project the worker is not assigned to, and one on a project that is not active', async () => {
    const elsewhere = firm.projects.find((p) => activeProject.has(p.id) && !firm.assignments.some((a) => a.projectId === p.id && a.workerId === worker.id))!;
    const notAssigned = await graph.query(log, { input: { projectId: elsewhere.id, taskId: billableTask(elsewhere.id).id, date: today, hours: '1.00' } }, asWorker);
    assert.equal(notAssigned.errors?.[0].extensions?.code, 'NOT_ASSIGNED', JSON.stringify(notAssigned.errors));
    const draft = firm.projects.find((p) => p.status === 'DRAFT')!;
    const task = firm.tasks.find((t) => t.projectId === draft.id);
    if (task) {
      const inactive = await graph.query(log, { input: { projectId: draft.id, taskId: task.id, date: today, hours: '1.00' } }, asWorker);
      assert.equal(inactive.errors?.[0].extensions?.code, 'PROJECT_NOT_ACTIVE', JSON.stringify(inactive.errors));
    }
  });

  it('the worker submits, only their manager approves, and the history says who did what', async () => {
    const logged = await graph.query(log, { input: { projectId: assignment.projectId, taskId: billableTask(assignment.projectId).id, date: today, hours: '0.50' } }, asWorker);
    const id = logged.data.logTimeEntry.id;
    const submitted = await graph.query(`mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { status } }`, { ids: [id] }, asWorker);
    assert.deepEqual(submitted.data?.submitTimeEntries, [{ status: 'SUBMITTED' }], JSON.stringify(submitted.errors));
    const approve = `mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids, idempotencyKey: "approve-1") { status decidedBy { name } approvals { action actor { name } } } }`;
    const stranger = firm.workers.find((w) => w.accessRoles.includes('MANAGER') && w.id !== worker.managerId && w.id !== worker.id)!;
    const denied = await graph.query(approve, { ids: [id] }, { roles: ['MANAGER'], workerId: stranger.id });
    assert.equal(denied.errors?.[0].extensions?.code, 'FORBIDDEN');
    const manager = firm.workers.find((w) => w.id === worker.managerId)!;
    const approved = await graph.query(approve, { ids: [id] }, { roles: ['MANAGER'], workerId: manager.id });
    assert.equal(approved.errors, undefined, JSON.stringify(approved.errors));
    const [entry] = approved.data.approveTimeEntries;
    assert.equal(entry.status, 'APPROVED');
    assert.equal(entry.decidedBy.name, manager.name);
    assert.deepEqual(entry.approvals.map((a: any) => [a.action, a.actor.name]), [['SUBMITTED', worker.name], ['APPROVED', manager.name]]);
  });

  it("a manager sees only their reports' time; an approval is cancelled (erp: not invoiced) and an approved entry corrected", async () => {
    const manager = firm.workers.find((w) => w.id === worker.managerId)!;
    const asManager = { roles: ['WORKER' as const, 'MANAGER' as const], workerId: manager.id };
    const reports = await graph.query(`query($id: ID!) { worker(id: $id) { directReports(first: 500) { nodes { id } } } }`, { id: manager.id }, { roles: ['ADMIN'] });
    const visible = new Set([manager.id, ...reports.data.worker.directReports.nodes.map((n: { id: string }) => n.id)]);
    const seen = await graph.query(`{ timeEntries(first: 500) { totalCount nodes { worker { id } } } }`, {}, asManager);
    assert.equal(seen.errors, undefined, JSON.stringify(seen.errors));
    assert.ok(seen.data.timeEntries.totalCount > 0);
    assert.ok(seen.data.timeEntries.nodes.every((n: { worker: { id: string } }) => visible.has(n.worker.id)), 'only the manager and their reports');
    const everyone = await graph.query(`{ timeEntries(first: 1) { totalCount } }`, {}, { roles: ['FINANCE'] });
    assert.ok(everyone.data.timeEntries.totalCount > seen.data.timeEntries.totalCount, 'finance sees more than one team');

    const logged = await graph.query(log, { input: { projectId: assignment.projectId, taskId: billableTask(assignment.projectId).id, date: today, hours: '0.75' } }, asWorker);
    const id = logged.data.logTimeEntry.id;
    await graph.query(`mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id } }`, { ids: [id] }, asWorker);
    const approve = `mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { version status } }`;
    assert.equal((await graph.query(approve, { ids: [id] }, asManager)).data.approveTimeEntries[0].status, 'APPROVED');
    const cancelled = await graph.query(
      `mutation($ids: [ID!]!) { cancelTimeEntryApprovals(ids: $ids, reason: "approved the wrong week") { status billing { status } } }`,
      { ids: [id] },
      asManager,
    );
    assert.equal(cancelled.errors, undefined, JSON.stringify(cancelled.errors));
    assert.deepEqual(cancelled.data.cancelTimeEntryApprovals, [{ status: 'SUBMITTED', billing: { status: 'AWAITING_APPROVAL' } }]);
    const queue = await graph.query(`{ approvalQueue(first: 500) { nodes { worker { id name } isoWeek submittedEntries flags timesheet { id } } } }`, {}, asManager);
    assert.equal(queue.errors, undefined, JSON.stringify(queue.errors));
    const pending = queue.data.approvalQueue.nodes.filter((n: any) => n.worker.id === worker.id);
    assert.ok(pending.length >= 1, "the cancelled approval puts the worker's week back in the manager's queue");
    assert.equal(pending[pending.length - 1].worker.name, worker.name, 'worker fields come from hcm');
    assert.ok(queue.data.approvalQueue.nodes.every((n: any) => visible.has(n.worker.id) && n.worker.id !== manager.id));
    const [again] = (await graph.query(approve, { ids: [id] }, asManager)).data.approveTimeEntries;
    const corrected = await graph.query(
      `mutation($id: ID!, $v: Int!) { correctTimeEntry(id: $id, expectedVersion: $v, input: { hours: "1.25" }, reason: "forgot the call") {
        status hours project { code } correctionOf { id reversedAt correctedBy { hours } } } }`,
      { id, v: again.version },
      asWorker,
    );
    assert.equal(corrected.errors, undefined, JSON.stringify(corrected.errors));
    const correction = corrected.data.correctTimeEntry;
    assert.deepEqual([correction.status, correction.hours, correction.correctionOf.id, correction.correctionOf.correctedBy.hours], ['SUBMITTED', '1.25', id, '1.25']);
    assert.ok(correction.correctionOf.reversedAt);
  });

  it("filters entries by customer through psa's projects", async () => {
    const customerId = firm.projects.find((p) => p.id === assignment.projectId)!.customerId;
    const result = await graph.query(
      `query($c: ID!) { timeEntries(first: 500, filter: { customerId: $c }) { totalCount nodes { project { customer { id } } } } }`,
      { c: customerId },
      { roles: ['FINANCE'] },
    );
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    assert.ok(result.data.timeEntries.totalCount > 0);
    assert.ok(result.data.timeEntries.nodes.every((n: any) => n.project.customer.id === customerId));
  });

  it('refuses to log for someone else as a plain worker', async () => {
    const other = firm.assignments.find((a) => covering(a) && a.workerId !== worker.id)!;
    const denied = await graph.query(
      log,
      { input: { workerId: other.workerId, projectId: other.projectId, taskId: billableTask(other.projectId).id, date: today, hours: '1.00' } },
      asWorker,
    );
    assert.equal(denied.errors?.[0].extensions?.code, 'FORBIDDEN');
  });

  it('validates a batch with one read of the graph: psa and hcm statements do not grow with the batch', async () => {
    const batch = (size: number) =>
      Array.from({ length: size }, (_, index) => ({
        projectId: assignment.projectId,
        taskId: billableTask(assignment.projectId).id,
        date: today,
        hours: '0.01',
        notes: `batch entry ${index}`,
      }));
    const statementsFor = async (size: number) => {
      for (const { database } of Object.values(graph.hub.subgraphs)) database.statements.reset();
      const result = await graph.query(
        `mutation($inputs: [LogTimeEntryInput!]!) { logTimeEntries(inputs: $inputs) { entry { id } error { index code message } } }`,
        { inputs: batch(size) },
        asWorker,
      );
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
      assert.ok(result.data.logTimeEntries.every((r: any) => r.entry && !r.error), JSON.stringify(result.data.logTimeEntries.find((r: any) => r.error)));
      return { psa: graph.hub.subgraphs.psa.database.statements.total, hcm: graph.hub.subgraphs.hcm.database.statements.total, time: graph.hub.subgraphs.time.database.statements.total };
    };
    const small = await statementsFor(5);
    const large = await statementsFor(200);
    assert.equal(large.psa, small.psa);
    assert.equal(large.hcm, small.hcm);
    assert.equal(large.time, small.time);
  });
});
