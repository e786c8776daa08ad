import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { psaSubgraph, type PsaDatabase } from '../../../subgraphs/psa/index.ts';
import { seedPsa } from '../../../subgraphs/psa/seed.ts';
import { startSubgraph, type SubgraphHarness } from '../../support/subgraph-harness.ts';
import { planWithProjects } from './fixtures.ts';

/** Lists under each project are batched: the statement count does not grow with the number of projects. */
describe('psa statement count', () => {
  let psa: SubgraphHarness<PsaDatabase>;
  before(async () => {
    psa = await startSubgraph(psaSubgraph);
    await seedPsa(psa.database.db, planWithProjects(60));
  });
  after(() => psa.close());

  const query = `query($n: Int!) {
    projects(first: $n) { nodes { code tasks { nodes { name } } assignments { nodes { id } } milestones { nodes { name } } } }
  }`;

  /** Statements one request sends (the outbox relay polls on its own, uncounted handle). */
  async function statementsFor(n: number) {
    psa.database.statements.reset();
    const result = await psa.call(query, { n });
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    const statements = [...psa.database.statements.recent];
    return { statements, projects: result.data.projects.nodes };
  }

  it('issues the same statements for 10 and 50 projects', async () => {
    const ten = await statementsFor(10);
    const fifty = await statementsFor(50);
    assert.equal(ten.projects.length, 10);
    assert.equal(fifty.projects.length, 50);
    for (const project of fifty.projects) {
      assert.deepEqual(project.tasks.nodes.map((t: { name: string }) => t.name), ['Discovery', 'Discovery workshop', 'Internal']);
      assert.equal(project.assignments.nodes.length, 2);
      assert.deepEqual(project.milestones.nodes, [{ name: 'Go-live' }]);
    }
    // One page of projects, then one statement per list field for all of them.
    assert.equal(ten.statements.length, 4, ten.statements.join('\n'));
    assert.equal(fifty.statements.length, ten.statements.length, fifty.statements.join('\n'));
  });

  it("asks whether a MANAGER manages each project once per request, for 10 projects as for 50", async () => {
    const commercial = `query($n: Int!) { projects(first: $n) { nodes { code budgetHours
      assignments { nodes { billRateOverride { amount } } } milestones { nodes { amount { amount } } } } } }`;
    // manager-1 manages every project of the plan; manager-2 none: each project then refuses its budget, its two
    // assignments' overrides and its milestone's amount.
    for (const [workerId, refusedPerProject] of [['manager-1', 0], ['manager-2', 4]] as const) {
      const counts: number[] = [];
      for (const n of [10, 50]) {
        psa.database.statements.reset();
        const result = await psa.call(commercial, { n }, { workerId, roles: ['MANAGER'] });
        assert.equal(result.errors?.length ?? 0, refusedPerProject * n, JSON.stringify(result.errors?.[0]));
        counts.push(psa.database.statements.recent.length);
      }
      // The page, the assignments, the milestones, and their projects (managers) read by the loader in one batch.
      assert.deepEqual(counts, [4, 4], workerId);
    }
  });
});
