import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Role } from '../../lib/auth/identity.ts';
import { metricsRegistry } from '../../lib/metrics/registry.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/**
 * A MANAGER sees their direct reports' time (DESIGN §5). time keeps each manager's reports in memory from hcm's worker
 * events (subgraphs/time/direct-reports.ts) instead of asking the graph on every request: once the event of a move is
 * handled, the new manager sees the worker's time and the old one no longer does, with no read of the graph.
 */
describe("a manager's time follows reporting lines", () => {
  let graph: HubHarness;
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  const managerIds = new Set(firm.workers.map((w) => w.managerId).filter(Boolean));
  const worker = firm.workers.find((w) => w.status === 'ACTIVE' && w.managerId && !managerIds.has(w.id))!;
  const oldManager = worker.managerId!;
  const newManager = firm.workers.find((w) => managerIds.has(w.id) && w.id !== oldManager && w.status === 'ACTIVE')!.id;
  const asManager = (workerId: string) => ({ roles: ['WORKER', 'MANAGER'] as Role[], workerId });

  /** The worker's entries as `managerId` sees them: their count, or the refusal's code. */
  async function workersEntriesAs(managerId: string): Promise<number | string> {
    const result = await graph.query(`query($w: ID!) { timeEntries(first: 1, filter: { workerId: $w }) { totalCount } }`, { w: worker.id }, asManager(managerId));
    if (result.errors) return String(result.errors[0].extensions?.code);
    return result.data.timeEntries.totalCount;
  }
  /** DirectReports operations the gateway answered so far (time's reads of a manager's reports). */
  async function directReportsReads(): Promise<number> {
    const values = (await metricsRegistry.getSingleMetric('psgraph_graphql_requests_total')?.get())?.values ?? [];
    return values.filter((value) => value.labels.operation === 'DirectReports').reduce((sum, value) => sum + value.value, 0);
  }
  const moveTo = async (managerId: string) => {
    const moved = await graph.query(`mutation($id: ID!, $m: ID!) { updateWorker(id: $id, input: { managerId: $m }) { manager { id } } }`, { id: worker.id, m: managerId });
    assert.equal(moved.errors, undefined, JSON.stringify(moved.errors));
    await graph.hub.settle();
  };

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  it('the old manager sees the worker before the move, the new one after it, from the event and not a read', async () => {
    const entries = await workersEntriesAs(oldManager);
    assert.ok(typeof entries === 'number' && entries > 0, `the worker has entries their manager sees (${entries})`);
    assert.equal(await workersEntriesAs(newManager), 'FORBIDDEN');
    const readsBefore = await directReportsReads();
    assert.equal(await workersEntriesAs(oldManager), entries, 'asked again');
    assert.equal(await directReportsReads(), readsBefore, "a manager's reports known once are not read again");

    await moveTo(newManager);
    try {
      assert.equal(await workersEntriesAs(newManager), entries, 'the new manager sees them');
      assert.equal(await workersEntriesAs(oldManager), 'FORBIDDEN', 'the old manager no longer does');
      assert.equal(await directReportsReads(), readsBefore, "the move came from hcm's event, not from a read");
    } finally {
      await moveTo(oldManager);
    }
    assert.equal(await workersEntriesAs(oldManager), entries, 'moved back');
    assert.equal(await workersEntriesAs(newManager), 'FORBIDDEN');
  });
});
