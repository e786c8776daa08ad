import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isoDate } from '../../lib/clock.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { subgraphModules } from '../../gateway/subgraphs.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/**
 * A deep query over 10 and over 100 projects issues the same number of SQL statements in every subgraph: each hop of
 * the query plan is one batched `_entities` call, and each batch one statement per loader.
 */
describe('no N+1 through the gateway', () => {
  let graph: HubHarness;
  before(async () => {
    graph = await startTestHub();
    // Scale 5 gives 100 projects; time entries are left out, they are not what this measures.
    const firm = { ...planDemoFirm({ scale: 5, today: isoDate(new Date()) }), timeEntries: function* () {} };
    for (const [name, { database }] of Object.entries(graph.hub.subgraphs)) {
      await subgraphModules[name as keyof typeof subgraphModules].seed(database.db as never, firm);
    }
  });
  after(() => graph.close());

  const query = `query($n: Int!) {
    projects(first: $n) { nodes { code
      customer { name parent { name } }
      contract { number rateCard { rates { billRate { amount } } } }
      manager { name costCenter { name } }
      assignments(first: 20) { nodes { plannedHours role { name } worker { name manager { name } legalEntity { currency } } forecast { estimateAtCompletion } } }
      tasks(first: 20) { nodes { name } }
      actualHours
      forecast { estimateAtCompletion percentOfBudgetConsumed }
    } }
  }`;

  async function statementsPerSubgraph(n: number) {
    await graph.hub.settle();
    for (const { database } of Object.values(graph.hub.subgraphs)) database.statements.reset();
    const result = await graph.query(query, { n });
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    assert.equal(result.data.projects.nodes.length, n);
    return Object.fromEntries(Object.entries(graph.hub.subgraphs).map(([name, { database }]) => [name, database.statements.total]));
  }

  it('issues the same statements per subgraph for 10 and for 100 projects', async () => {
    const ten = await statementsPerSubgraph(10);
    const hundred = await statementsPerSubgraph(100);
    assert.deepEqual(hundred, ten);
    assert.ok(ten.psa >= 1 && ten.crm >= 1 && ten.hcm >= 1 && ten.time >= 1, JSON.stringify(ten));
  });

  it('answers utilization for 10 workers and for every worker with the same statements per subgraph', async () => {
    const utilization = `query($ids: [ID!]) {
      utilization(from: "2026-01-01", to: "2026-12-31", groupBy: [WORKER, COST_CENTER], period: MONTH, filter: { workerIds: $ids }) {
        worker { name } costCenter { name } capacityHours utilization
      }
    }`;
    const { workers } = (await graph.query(`{ workers(first: 500) { nodes { id } } }`)).data;
    assert.ok(workers.nodes.length > 10, `${workers.nodes.length} workers`);
    async function statements(ids: string[]) {
      for (const { database } of Object.values(graph.hub.subgraphs)) database.statements.reset();
      const result = await graph.query(utilization, { ids });
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
      return Object.fromEntries(Object.entries(graph.hub.subgraphs).map(([name, { database }]) => [name, database.statements.total]));
    }
    const all = workers.nodes.map((w: { id: string }) => w.id);
    assert.deepEqual(await statements(all), await statements(all.slice(0, 10)));
  });
});
