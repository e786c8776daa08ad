import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DemoAssignment } from '../../lib/seed/demo-firm.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/**
 * Expense capture through the gateway on the demo firm: time validates the expense against psa and hcm as they are
 * now (read through the gateway before its transaction), and the expense reads back with fields of psa and crm.
 */
describe('expense capture through the gateway', () => {
  let graph: HubHarness;
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  const activeProject = new Set(firm.projects.filter((p) => p.status === 'ACTIVE').map((p) => p.id));
  const covering = (a: DemoAssignment) => a.status === 'CONFIRMED' && activeProject.has(a.projectId) && a.startDate <= today && a.endDate >= today;
  const assignment = firm.assignments.find((a) => covering(a) && firm.workers.find((w) => w.id === a.workerId)?.status === 'ACTIVE')!;
  const worker = firm.workers.find((w) => w.id === assignment.workerId)!;
  const project = firm.projects.find((p) => p.id === assignment.projectId)!;
  const customer = firm.customers.find((c) => c.id === project.customerId)!;
  const asWorker = { roles: ['WORKER' as const], workerId: worker.id };

  const fields = `id status version billable category amount { amount currency } receiptRef
    worker { id name } project { id code customer { name } }`;
  const log = `mutation($input: LogExpenseInput!, $key: String) { logExpense(input: $input, idempotencyKey: $key) { ${fields} } }`;

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  it('logs an expense as the worker and reads it back with fields from psa, crm and hcm', async () => {
    const input = { projectId: project.id, date: today, amount: { amount: '86.4', currency: project.currency }, category: 'TRAVEL', receiptRef: 'RCPT-GW-1' };
    const key = `expense-${worker.id}`;
    const logged = await graph.query(log, { input, key }, asWorker);
    assert.equal(logged.errors, undefined, JSON.stringify(logged.errors));
    const expense = logged.data.logExpense;
    assert.deepEqual(
      [expense.status, expense.version, expense.billable, expense.amount, expense.worker.id],
      ['DRAFT', 1, true, { amount: '86.40', currency: project.currency }, worker.id],
      'own worker by default; billable because the project has a contract',
    );

    const read = await graph.query(`query($id: ID!) { expense(id: $id) { ${fields} } }`, { id: expense.id }, asWorker);
    assert.equal(read.errors, undefined, JSON.stringify(read.errors));
    assert.equal(read.data.expense.worker.name, worker.name);
    assert.equal(read.data.expense.project.code, project.code);
    assert.equal(read.data.expense.project.customer.name, customer.name);
    assert.equal(read.data.expense.receiptRef, 'RCPT-GW-1');

    const retry = await graph.query(log, { input, key }, asWorker);
    assert.equal(retry.data.logExpense.id, expense.id, 'a retried key returns the first expense');

    const updated = await graph.query(
      `mutation($id: ID!) { updateExpense(id: $id, expectedVersion: 1, input: { category: MEALS }) { category version } }`,
      { id: expense.id },
      asWorker,
    );
    assert.deepEqual(updated.data?.updateExpense, { category: 'MEALS', version: 2 }, JSON.stringify(updated.errors));
  });

  it('refuses, with rule codes, what psa and hcm say is not allowed', async () => {
    const elsewhere = firm.projects.find((p) => activeProject.has(p.id) && !firm.assignments.some((a) => a.projectId === p.id && a.workerId === worker.id))!;
    const notAssigned = await graph.query(log, { input: { projectId: elsewhere.id, date: today, amount: { amount: '10.00', currency: 'EUR' }, category: 'MEALS' } }, asWorker);
    assert.equal(notAssigned.errors?.[0].extensions?.code, 'NOT_ASSIGNED', JSON.stringify(notAssigned.errors));
    assert.match(notAssigned.errors![0].message, new RegExp(`expense on ${today} for project ${elsewhere.code}: NOT_ASSIGNED`));
    const other = firm.assignments.find((a) => covering(a) && a.workerId !== worker.id)!;
    const forSomeoneElse = await graph.query(
      log,
      { input: { workerId: other.workerId, projectId: other.projectId, date: today, amount: { amount: '10.00', currency: 'EUR' }, category: 'MEALS' } },
      asWorker,
    );
    assert.equal(forSomeoneElse.errors?.[0].extensions?.code, 'FORBIDDEN');
  });
  it('the worker submits an expense, their manager approves it; the history and fields of hcm, psa and erp resolve', async () => {
    const manager = firm.workers.find((w) => w.id === worker.managerId)!;
    const asManager = { roles: ['WORKER' as const, 'MANAGER' as const], workerId: manager.id };
    const input = { projectId: project.id, date: today, amount: { amount: '19.90', currency: project.currency }, category: 'MEALS' };
    const logged = await graph.query(log, { input }, asWorker);
    assert.equal(logged.errors, undefined, JSON.stringify(logged.errors));
    const id = logged.data.logExpense.id;
    const decided = `status version decidedBy { name } approvals { action actor { name } } worker { name } project { code customer { name } }`;
    const submitted = await graph.query(`mutation($ids: [ID!]!) { submitExpenses(ids: $ids, idempotencyKey: "submit-expense-gw") { status submittedAt } }`, { ids: [id] }, asWorker);
    assert.equal(submitted.errors, undefined, JSON.stringify(submitted.errors));
    assert.equal(submitted.data.submitExpenses[0].status, 'SUBMITTED');
    const approve = `mutation($ids: [ID!]!) { approveExpenses(ids: $ids) { ${decided} billing { status } } }`;
    assert.equal((await graph.query(approve, { ids: [id] }, asWorker)).errors?.[0].extensions?.code, 'FORBIDDEN', 'not on their own expense');
    const approved = await graph.query(approve, { ids: [id] }, asManager);
    assert.equal(approved.errors, undefined, JSON.stringify(approved.errors));
    const [expense] = approved.data.approveExpenses;
    assert.deepEqual(
      [expense.status, expense.version, expense.decidedBy.name, expense.worker.name, expense.project.code, expense.project.customer.name],
      ['APPROVED', 3, manager.name, worker.name, project.code, customer.name],
    );
    assert.deepEqual(expense.approvals.map((a: any) => [a.action, a.actor.name]), [['SUBMITTED', worker.name], ['APPROVED', manager.name]]);
    assert.equal(expense.billing.status, 'NOT_POSTED', 'erp: approved and billable, not posted yet');
    // Taking the approval back asks erp (through the gateway) whether the expense is invoiced: it is not.
    const cancelled = await graph.query(
      `mutation($ids: [ID!]!) { cancelExpenseApprovals(ids: $ids, reason: "wrong receipt") { status billing { status } approvals { action } } }`,
      { ids: [id] },
      asManager,
    );
    assert.equal(cancelled.errors, undefined, JSON.stringify(cancelled.errors));
    assert.deepEqual(cancelled.data.cancelExpenseApprovals, [
      { status: 'SUBMITTED', billing: { status: 'AWAITING_APPROVAL' }, approvals: [{ action: 'SUBMITTED' }, { action: 'APPROVED' }, { action: 'APPROVAL_CANCELLED' }] },
    ]);
  });
  it("corrects a worker's approved expense: the correction links back to the reversed expense, which links to it", async () => {
    const manager = firm.workers.find((w) => w.id === worker.managerId)!;
    const asManager = { roles: ['WORKER' as const, 'MANAGER' as const], workerId: manager.id };
    const input = { projectId: project.id, date: today, amount: { amount: '55.00', currency: project.currency }, category: 'LODGING' };
    const logged = await graph.query(log, { input }, asWorker);
    assert.equal(logged.errors, undefined, JSON.stringify(logged.errors));
    const id = logged.data.logExpense.id;
    const submitted = await graph.query(`mutation($ids: [ID!]!) { submitExpenses(ids: $ids) { status } }`, { ids: [id] }, asWorker);
    assert.equal(submitted.errors, undefined, JSON.stringify(submitted.errors));
    const approved = await graph.query(`mutation($ids: [ID!]!) { approveExpenses(ids: $ids) { status version } }`, { ids: [id] }, asManager);
    assert.equal(approved.errors, undefined, JSON.stringify(approved.errors));
    const [{ version }] = approved.data.approveExpenses;
    const corrected = await graph.query(
      `mutation($id: ID!, $v: Int!) {
        correctExpense(id: $id, expectedVersion: $v, input: { amount: { amount: "50.00", currency: "${project.currency}" } }, reason: "hotel refunded 5", idempotencyKey: "correct-expense-gw") {
          id status amount { amount } worker { name } project { code }
          correctionOf { id status reversedAt correctedBy { id } amount { amount } approvals { action actor { name } reason } }
        }
      }`,
      { id, v: version },
      asWorker,
    );
    assert.equal(corrected.errors, undefined, JSON.stringify(corrected.errors));
    const correction = corrected.data.correctExpense;
    assert.deepEqual([correction.status, correction.amount.amount, correction.worker.name, correction.project.code], ['SUBMITTED', '50.00', worker.name, project.code]);
    const original = correction.correctionOf;
    assert.deepEqual([original.id, original.status, original.amount.amount, original.correctedBy], [id, 'APPROVED', '55.00', { id: correction.id }]);
    assert.ok(original.reversedAt, 'the original is reversed');
    assert.deepEqual(original.approvals.at(-1), { action: 'CORRECTED', actor: { name: worker.name }, reason: 'hotel refunded 5' });
  });
});
