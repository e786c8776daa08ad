import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { psaSubgraph, type PsaDatabase } from '../../../subgraphs/psa/index.ts';
import { startSubgraph, type SubgraphHarness } from '../../support/subgraph-harness.ts';
import { billingSetupReady, countRows, opportunityWon, outboxOf } from './fixtures.ts';

/** DESIGN §4.1 from psa's side: `crm.opportunity.won` and `erp.billing_setup.ready`, in either order, once each. */
describe('psa deal to project', () => {
  let psa: SubgraphHarness<PsaDatabase>;
  before(async () => {
    psa = await startSubgraph(psaSubgraph);
  });
  after(() => psa.close());

  const projectOfDeal = `query($contractId: ID!) {
    projects(filter: { contractId: $contractId }) {
      totalCount
      nodes {
        id code name status billingReady currency budgetHours budgetAmount { amount currency } billingMethod
        customer { id } contract { id } opportunity { id } legalEntity { id } startDate endDate
        staffingRequests { nodes { role { id } hours startDate endDate demand status opportunity { id } } }
      }
    }
  }`;

  it('builds the DRAFT shell from the won deal, then activates it when billing is set up', async () => {
    const won = opportunityWon();
    const deal = won.data;
    // Demand recorded while the deal was open: tentative, on the opportunity only.
    const tentative = await psa.call(
      `mutation($input: CreateStaffingRequestInput!) { createStaffingRequest(input: $input) { id demand project { id } } }`,
      { input: { roleId: 'role-pm', hours: '60.00', startDate: '2026-02-01', endDate: '2026-03-31', opportunityId: deal.opportunityId, skills: ['scrum'] } },
    );
    assert.equal(tentative.data.createStaffingRequest.demand, 'TENTATIVE');

    await psa.bus.publish(won);
    const shell = (await psa.call(projectOfDeal, { contractId: deal.contractId })).data.projects;
    assert.equal(shell.totalCount, 1);
    const project = shell.nodes[0];
    assert.deepEqual(
      { ...project, staffingRequests: undefined, id: undefined },
      {
        id: undefined,
        code: `P-${deal.contractNumber}`,
        name: deal.name,
        status: 'DRAFT',
        billingReady: false,
        currency: 'EUR',
        budgetHours: '1200.00',
        budgetAmount: { amount: '180000.00', currency: 'EUR' },
        billingMethod: 'TIME_AND_MATERIALS',
        customer: { id: deal.customerId },
        contract: { id: deal.contractId },
        opportunity: { id: deal.opportunityId },
        legalEntity: { id: 'le-de' },
        startDate: '2026-02-01',
        endDate: '2026-07-31',
        staffingRequests: undefined,
      },
    );
    const requests = project.staffingRequests.nodes.map((r: any) => `${r.role.id} ${r.hours} ${r.startDate}..${r.endDate} ${r.demand} ${r.status} ${r.opportunity.id === deal.opportunityId}`);
    assert.deepEqual(requests.sort(), [
      'role-architect 400.00 2026-02-01..2026-07-31 CONFIRMED OPEN true',
      'role-consultant 800.00 2026-02-01..2026-07-31 CONFIRMED OPEN true',
      'role-pm 60.00 2026-02-01..2026-03-31 CONFIRMED OPEN true',
    ]);
    const created = (await outboxOf(psa, 'psa.project.created')).filter((event) => event.subject_id === project.id);
    assert.equal(created.length, 1);
    assert.equal(created[0].causation_id, won.id, 'caused by the won event');

    await psa.bus.publish(billingSetupReady(deal.contractId));
    const active = (await psa.call(projectOfDeal, { contractId: deal.contractId })).data.projects.nodes[0];
    assert.deepEqual({ status: active.status, billingReady: active.billingReady }, { status: 'ACTIVE', billingReady: true });
    const activated = (await outboxOf(psa, 'psa.project.activated')).filter((event) => event.subject_id === project.id);
    assert.equal(activated.length, 1);
    const changed = (await outboxOf(psa, 'psa.project.status_changed')).filter((event) => event.subject_id === project.id);
    assert.deepEqual(changed.map((event) => `${event.data.from}→${event.data.to}`), ['DRAFT→ACTIVE']);
  });

  it('activates at once when the billing setup arrived first; open-ended contracts get 90 days of demand', async () => {
    const won = opportunityWon({ endDate: null, estimatedHours: [{ roleId: 'role-dev', hours: '300.00' }] });
    await psa.bus.publish(billingSetupReady(won.data.contractId));
    assert.equal((await psa.call(projectOfDeal, { contractId: won.data.contractId })).data.projects.totalCount, 0);
    await psa.bus.publish(won);
    const project = (await psa.call(projectOfDeal, { contractId: won.data.contractId })).data.projects.nodes[0];
    assert.deepEqual({ status: project.status, billingReady: project.billingReady, endDate: project.endDate }, { status: 'ACTIVE', billingReady: true, endDate: null });
    assert.deepEqual(
      project.staffingRequests.nodes.map((r: any) => `${r.role.id} ${r.startDate}..${r.endDate}`),
      ['role-dev 2026-02-01..2026-05-02'],
    );
    assert.equal((await outboxOf(psa, 'psa.project.activated')).filter((event) => event.subject_id === project.id).length, 1);
  });

  it('applies a replayed event once: no second project, request or activation', async () => {
    const won = opportunityWon();
    const ready = billingSetupReady(won.data.contractId);
    await psa.bus.publish(won);
    await psa.bus.publish(ready);
    await psa.runtime.relay.flush();
    const tables = ['project', 'staffing_request', 'billing_setup', 'outbox'];
    const counts = await Promise.all(tables.map((table) => countRows(psa, table)));
    await psa.bus.publish(won);
    await psa.bus.publish(ready);
    await psa.runtime.relay.flush();
    assert.deepEqual(await Promise.all(tables.map((table) => countRows(psa, table))), counts);

    // The same deal announced again under a new event id still makes no second project.
    await psa.bus.publish(opportunityWon({ ...won.data }));
    assert.equal((await psa.call(projectOfDeal, { contractId: won.data.contractId })).data.projects.totalCount, 1);
  });

  it('shows tentative and confirmed demand on the opportunity', async () => {
    const won = opportunityWon({ estimatedHours: [{ roleId: 'role-qa', hours: '40.00' }] });
    await psa.bus.publish(won);
    const demand = await psa.call(
      `query($rep: [_Any!]!) { _entities(representations: $rep) { ... on Opportunity { staffingRequests(filter: { demand: CONFIRMED }) { totalCount nodes { project { code } } } } } }`,
      { rep: [{ __typename: 'Opportunity', id: won.data.opportunityId }] },
    );
    assert.equal(demand.data._entities[0].staffingRequests.totalCount, 1);
    assert.equal(demand.data._entities[0].staffingRequests.nodes[0].project.code, `P-${won.data.contractNumber}`);
  });
});
