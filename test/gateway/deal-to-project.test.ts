import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/eventually.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/** DESIGN §4.1 end to end through the gateway: won deal → project shell and demand → billing setup → ACTIVE. */
describe('deal to project', () => {
  let graph: HubHarness;
  before(async () => {
    graph = await startTestHub();
  });
  after(() => graph.close());

  it('turns a won opportunity into an active project with staffing requests and a billing setup', async () => {
    const customer = await graph.query(`mutation { createCustomer(input: { name: "Stark Industries", code: "STARK", currency: "USD" }) { id } }`);
    const customerId = customer.data.createCustomer.id;
    const opportunity = await graph.query(
      `mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { id } }`,
      {
        input: {
          customerId, name: 'ERP rollout', probability: 60, billingMethod: 'TIME_AND_MATERIALS', legalEntityId: 'le-us',
          expectedStartDate: '2026-12-01', expectedEndDate: '2027-03-31',
          estimatedHours: [{ roleId: 'role-consultant', hours: '400' }, { roleId: 'role-architect', hours: '120' }],
        },
      },
      { roles: ['MANAGER'] },
    );
    const opportunityId = opportunity.data.createOpportunity.id;
    const won = await graph.query(
      `mutation($id: ID!, $input: CloseOpportunityWonInput!) { closeOpportunityWon(id: $id, input: $input, idempotencyKey: "win-stark") { stage contract { id number } } }`,
      {
        id: opportunityId,
        input: {
          contractNumber: 'STARK-001', currency: 'USD', soldHours: '520', startDate: '2026-12-01', endDate: '2027-03-31',
          rates: [
            { roleId: 'role-consultant', billRate: '175.00', effectiveFrom: '2026-12-01' },
            { roleId: 'role-architect', billRate: '240.00', effectiveFrom: '2026-12-01' },
          ],
        },
      },
      { roles: ['FINANCE'] },
    );
    assert.equal(won.data.closeOpportunityWon.stage, 'CLOSED_WON');
    const contractId = won.data.closeOpportunityWon.contract.id;

    await graph.hub.settle();
    const project = await eventually(async () => {
      const result = await graph.query(
        `query($id: ID!) { contract(id: $id) { number billingSetup { status } projects { nodes { code status billingReady budgetHours
            customer { name } opportunity { name }
            staffingRequests { nodes { role { id } hours demand status } } } } } }`,
        { id: contractId },
      );
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
      const found = result.data.contract.projects.nodes[0];
      assert.ok(found, 'the project shell exists');
      assert.equal(found.status, 'ACTIVE');
      assert.equal(result.data.contract.billingSetup.status, 'READY');
      return found;
    });
    assert.equal(project.code, 'P-STARK-001');
    assert.equal(project.billingReady, true);
    assert.equal(project.customer.name, 'Stark Industries');
    assert.equal(project.opportunity.name, 'ERP rollout');
    assert.deepEqual(
      project.staffingRequests.nodes.map((r: any) => [r.role.id, r.hours, r.demand, r.status]).sort(),
      [['role-architect', '120.00', 'CONFIRMED', 'OPEN'], ['role-consultant', '400.00', 'CONFIRMED', 'OPEN']],
    );

    // A retried win changes nothing: same contract, one project.
    const retry = await graph.query(
      `mutation($id: ID!, $input: CloseOpportunityWonInput!) { closeOpportunityWon(id: $id, input: $input, idempotencyKey: "win-stark") { contract { id } } }`,
      { id: opportunityId, input: { contractNumber: 'STARK-001', currency: 'USD', soldHours: '520', startDate: '2026-12-01', endDate: '2027-03-31', rates: [{ roleId: 'role-consultant', billRate: '175.00', effectiveFrom: '2026-12-01' }, { roleId: 'role-architect', billRate: '240.00', effectiveFrom: '2026-12-01' }] } },
      { roles: ['FINANCE'] },
    );
    assert.equal(retry.data.closeOpportunityWon.contract.id, contractId);
    await graph.hub.settle();
    const count = await graph.query(`query($id: ID!) { customer(id: $id) { projects { totalCount } } }`, { id: customerId });
    assert.equal(count.data.customer.projects.totalCount, 1);
  });

  it('leaves a project without a billable contract in DRAFT and says what is missing', async () => {
    const customer = await graph.query(`mutation { createCustomer(input: { name: "Wayne Enterprises", code: "WAYNE", currency: "USD" }) { id } }`);
    const created = await graph.query(
      `mutation($input: CreateProjectInput!) { createProject(input: $input) { id status } }`,
      { input: { code: 'WAYNE-INT', name: 'Internal discovery', customerId: customer.data.createCustomer.id, startDate: '2026-12-01' } },
    );
    assert.equal(created.data.createProject.status, 'DRAFT');
    const activate = await graph.query(`mutation($id: ID!) { activateProject(id: $id) { status } }`, { id: created.data.createProject.id });
    assert.equal(activate.errors?.[0].extensions?.code, 'PROJECT_NOT_READY');
    assert.match(activate.errors![0].message, /contract/);
  });
});
