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
});
