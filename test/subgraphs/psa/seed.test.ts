import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { psaSubgraph, type PsaDatabase } from '../../../subgraphs/psa/index.ts';
import { startSubgraph, type SubgraphHarness } from '../../support/subgraph-harness.ts';
import { countRows, planWithProjects } from './fixtures.ts';

describe('psa seed', () => {
  let psa: SubgraphHarness<PsaDatabase>;
  const plan = planWithProjects(3);
  before(async () => {
    psa = await startSubgraph(psaSubgraph);
    await psaSubgraph.seed(psa.database.db, plan);
  });
  after(() => psa.close());

  it('writes the plan with its ids, every contract billing-ready, and no events', async () => {
    const counts = Object.fromEntries(
      await Promise.all(['project', 'task', 'assignment', 'milestone', 'staffing_request', 'billing_setup', 'outbox'].map(async (t) => [t, await countRows(psa, t)])),
    );
    assert.deepEqual(counts, { project: 3, task: 9, assignment: 6, milestone: 3, staffing_request: 5, billing_setup: 3, outbox: 0 });
    const planned = plan.projects[0];
    const result = await psa.call(
      `query($id: ID!) { project(id: $id) {
        code status billingReady opportunity { id } manager { id }
        tasks { nodes { id wbs billable parent { wbs } } }
        milestones { nodes { status completedAt amount { amount currency } } }
        staffingRequests(filter: { status: [OPEN] }) { nodes { demand skills } }
        filled: staffingRequests(filter: { status: [FILLED] }) { nodes { assignment { id worker { id } } } }
        assignments(filter: { status: [TENTATIVE] }) { nodes { billRateOverride { amount currency } } }
      } }`,
      { id: planned.id },
    );
    const project = result.data.project;
    assert.equal(project.code, planned.code);
    assert.equal(project.billingReady, true);
    assert.equal(project.opportunity.id, plan.contracts[0].opportunityId);
    assert.equal(project.manager.id, 'manager-1');
    assert.deepEqual(project.tasks.nodes.map((t: any) => `${t.wbs}<${t.parent?.wbs ?? '-'}`), ['1<-', '1.1<1', '2<-']);
    assert.deepEqual(project.tasks.nodes.map((t: any) => t.id).sort(), plan.tasks.filter((t) => t.projectId === planned.id).map((t) => t.id).sort());
    assert.deepEqual(project.milestones.nodes, [{ status: 'COMPLETED', completedAt: '2026-02-15T12:00:00.000Z', amount: { amount: '25000.00', currency: 'EUR' } }]);
    assert.deepEqual(project.staffingRequests.nodes, [{ demand: 'CONFIRMED', skills: ['selenium'] }]);
    const consultant = plan.assignments.find((a) => a.projectId === planned.id && a.roleId === 'role-consultant')!;
    assert.deepEqual(project.filled.nodes, [{ assignment: { id: consultant.id, worker: { id: 'worker-1' } } }]);
    assert.deepEqual(project.assignments.nodes, [{ billRateOverride: { amount: '150.00', currency: 'EUR' } }]);
  });

  it('resolves its entities and answers Customer.projects and Contract.projects for the gateway', async () => {
    const result = await psa.call(
      `query($rep: [_Any!]!) { _entities(representations: $rep) {
        ... on Customer { projects(filter: { status: [ACTIVE] }) { totalCount } }
        ... on Contract { projects { nodes { code } } }
        ... on Project { code }
        ... on Task { wbs project { code } }
      } }`,
      {
        rep: [
          { __typename: 'Customer', id: 'customer-1' },
          { __typename: 'Contract', id: plan.contracts[1].id },
          { __typename: 'Project', id: plan.projects[2].id },
          { __typename: 'Task', id: plan.tasks[0].id },
          { __typename: 'Project', id: 'missing' },
        ],
      },
    );
    assert.equal(result.data._entities[0].projects.totalCount, 3);
    assert.deepEqual(result.data._entities[1].projects.nodes, [{ code: plan.projects[1].code }]);
    assert.deepEqual(result.data._entities.slice(2), [{ code: plan.projects[2].code }, { wbs: '1.1', project: { code: plan.projects[0].code } }, null]);
    const tentative = await psa.call(`{ staffingRequests(filter: { demand: TENTATIVE }) { nodes { opportunity { id } project { id } } } }`);
    assert.deepEqual(tentative.data.staffingRequests.nodes, [{ opportunity: { id: 'open-deal' }, project: null }]);
  });
});
