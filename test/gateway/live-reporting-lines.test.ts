import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from 'graphql-ws';
import type { Role } from '../../lib/auth/identity.ts';
import { signBearerToken } from '../../lib/auth/jwt.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { startTestHub, testJwtSecret, type HubHarness } from '../support/hub-harness.ts';
import { liveClient } from '../support/live-client.ts';

/**
 * A manager's `managerId` filter follows the reporting lines as hcm has them when the change goes out: after a worker
 * moves to another manager, the new manager hears of their entries and the old one no longer does. The gateway keeps
 * the lines from hcm's worker events, so this holds without a query per batch.
 */
describe('live manager filters follow reporting lines', () => {
  let graph: HubHarness;
  const clients: Client[] = [];
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  const activeProject = new Set(firm.projects.filter((p) => p.status === 'ACTIVE').map((p) => p.id));
  const assignment = firm.assignments.find(
    (a) =>
      a.status === 'CONFIRMED' && activeProject.has(a.projectId) && a.startDate <= today && a.endDate >= today && firm.workers.find((w) => w.id === a.workerId)?.status === 'ACTIVE',
  )!;
  const worker = firm.workers.find((w) => w.id === assignment.workerId)!;
  const task = firm.tasks.find((t) => t.projectId === assignment.projectId && t.billable && t.status === 'OPEN')!;
  const managerIds = new Set(firm.workers.map((w) => w.managerId).filter(Boolean));
  const oldManager = worker.managerId!;
  const newManager = firm.workers.find(
    (w) => managerIds.has(w.id) && w.id !== oldManager && w.id !== worker.id && w.managerId !== worker.id && w.status === 'ACTIVE',
  )!.id;
  const asWorker = { roles: ['WORKER' as const], workerId: worker.id };
  const asManager = (workerId: string) => ({ roles: ['WORKER' as const, 'MANAGER' as const], workerId });

  const ok = async (query: string, variables: Record<string, unknown>, as?: { roles: Role[]; workerId: string | null }) => {
    const result = await graph.query(query, variables, as);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data;
  };
  async function submittedEntry(hours: string): Promise<string> {
    const logged = await ok(`mutation($input: LogTimeEntryInput!) { logTimeEntry(input: $input) { id } }`, {
      input: { projectId: assignment.projectId, taskId: task.id, date: today, hours },
    }, asWorker);
    const id = logged.logTimeEntry.id;
    await ok(`mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { status } }`, { ids: [id] }, asWorker);
    await graph.hub.settle();
    return id;
  }
  const moveTo = (managerId: string) => ok(`mutation($id: ID!, $m: ID!) { updateWorker(id: $id, input: { managerId: $m }) { manager { id } } }`, { id: worker.id, m: managerId });

  function subscribeAs(managerId: string) {
    const client = liveClient(graph.url, () => signBearerToken(asManager(managerId), testJwtSecret));
    clients.push(client);
    const ids: string[] = [];
    client.subscribe(
      { query: `subscription($m: ID!) { timeEntryStatusChanged(filter: { managerId: $m }) { id status worker { id } } }`, variables: { m: managerId } },
      { next: (result) => void ids.push((result.data as any)?.timeEntryStatusChanged?.id ?? JSON.stringify(result)), error: (error) => void ids.push(`error ${JSON.stringify(error)}`), complete: () => undefined },
    );
    return ids;
  }
  async function until(condition: () => boolean, what: string) {
    const deadline = Date.now() + 5000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 }, subscriptions: { batchWindowMs: 50 } });
  });
  after(async () => {
    for (const client of clients.splice(0)) await client.dispose();
    await graph.close();
  });

  it("after a worker changes manager, the new manager hears of their entries and the old one does not", async () => {
    const forOld = subscribeAs(oldManager);
    const forNew = subscribeAs(newManager);
    await until(() => graph.hub.gateway.live!.subscriberCount === 2, 'both subscribed');

    const first = await submittedEntry('0.25');
    await until(() => forOld.length === 1, "the old manager's result");
    assert.deepEqual(forOld, [first]);
    const readsBefore = graph.hub.gateway.live!.reportingLineReads;

    await moveTo(newManager);
    await graph.hub.settle();
    try {
      const second = await submittedEntry('0.50');
      await until(() => forNew.length === 1, "the new manager's result");
      assert.deepEqual(forNew, [second], 'the new manager hears of it');
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.deepEqual(forOld, [first], 'the old manager does not');
      assert.equal(graph.hub.gateway.live!.reportingLineReads, readsBefore, "the move came from hcm's event, not from a read");
    } finally {
      await moveTo(oldManager);
      await graph.hub.settle();
    }
  });
});
