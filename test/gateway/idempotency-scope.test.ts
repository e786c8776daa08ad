import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import type { DemoAssignment } from '../../lib/seed/demo-firm.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/**
 * Idempotency keys belong to their caller (lib/idempotency.ts), as Stripe's belong to an account: a key a worker used
 * does not stop their manager using it, and each one's retry gets their own first answer.
 */
describe('idempotency keys per caller, through the gateway', () => {
  let graph: HubHarness;
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  const activeProject = new Set(firm.projects.filter((p) => p.status === 'ACTIVE').map((p) => p.id));
  const covering = (a: DemoAssignment) => a.status === 'CONFIRMED' && activeProject.has(a.projectId) && a.startDate <= today && a.endDate >= today;
  const assignment = firm.assignments.find((a) => {
    const worker = firm.workers.find((w) => w.id === a.workerId);
    return covering(a) && worker?.status === 'ACTIVE' && worker.managerId !== null;
  })!;
  const worker = firm.workers.find((w) => w.id === assignment.workerId)!;
  const manager = firm.workers.find((w) => w.id === worker.managerId)!;
  const task = firm.tasks.find((t) => t.projectId === assignment.projectId && t.status === 'OPEN')!;
  const asWorker = { roles: ['WORKER' as const], workerId: worker.id };
  const asManager = { roles: ['WORKER' as const, 'MANAGER' as const], workerId: manager.id };

  const log = `mutation($input: LogTimeEntryInput!, $key: String) { logTimeEntry(input: $input, idempotencyKey: $key) { id hours } }`;
  const entry = (hours: string) => ({ workerId: worker.id, projectId: assignment.projectId, taskId: task.id, date: today, hours });

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  it("a manager's key is not the key a worker used earlier; each retry answers its own caller's first result", async () => {
    const byWorker = await graph.query(log, { input: entry('1.00'), key: 'mobile-sync-1' }, asWorker);
    assert.equal(byWorker.errors, undefined, JSON.stringify(byWorker.errors));
    const byManager = await graph.query(log, { input: entry('2.00'), key: 'mobile-sync-1' }, asManager);
    assert.equal(byManager.errors, undefined, JSON.stringify(byManager.errors));
    assert.notEqual(byManager.data.logTimeEntry.id, byWorker.data.logTimeEntry.id, 'two callers, two operations');
    assert.equal(byManager.data.logTimeEntry.hours, '2.00');

    const workerRetry = await graph.query(log, { input: entry('1.00'), key: 'mobile-sync-1' }, asWorker);
    assert.deepEqual(workerRetry.data.logTimeEntry, byWorker.data.logTimeEntry);
    const managerRetry = await graph.query(log, { input: entry('2.00'), key: 'mobile-sync-1' }, asManager);
    assert.deepEqual(managerRetry.data.logTimeEntry, byManager.data.logTimeEntry);
    const reused = await graph.query(log, { input: entry('3.00'), key: 'mobile-sync-1' }, asWorker);
    assert.equal(reused.errors?.[0].extensions?.code, 'IDEMPOTENCY_KEY_REUSED', 'one caller, one request per key');

    const entries = await graph.query(
      `query($w: ID!, $d: Date!) { timeEntries(first: 50, filter: { workerId: $w, from: $d, to: $d }) { nodes { hours } } }`,
      { w: worker.id, d: today },
      { roles: ['ADMIN'] },
    );
    const hours = entries.data.timeEntries.nodes.map((n: { hours: string }) => n.hours).sort();
    assert.deepEqual(hours.filter((h: string) => h === '1.00' || h === '2.00'), ['1.00', '2.00'], 'each logged once');
  });

  it('two people of one firm do not share keys in other subgraphs either (crm)', async () => {
    const create = `mutation($input: CreateCustomerInput!) { createCustomer(input: $input, idempotencyKey: "month-end") { id code } }`;
    const first = await graph.query(create, { input: { name: 'Scope One', code: 'SCOPE-1', currency: 'EUR' } }, { roles: ['ADMIN'], workerId: worker.id });
    const second = await graph.query(create, { input: { name: 'Scope Two', code: 'SCOPE-2', currency: 'EUR' } }, { roles: ['ADMIN'], workerId: manager.id });
    assert.equal(second.errors, undefined, JSON.stringify(second.errors));
    assert.deepEqual([first.data.createCustomer.code, second.data.createCustomer.code], ['SCOPE-1', 'SCOPE-2']);
  });
});
