import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/eventually.ts';
import { startTopology, type Topology } from '../support/topology.ts';

/**
 * The production topology for real: five subgraph processes (`subgraphs/<name>/main.ts`) on PostgreSQL, a gateway
 * process, Redis Streams between them. Runs when PG_URL and REDIS_URL are set (always in CI).
 */
const enabled = Boolean(process.env.PG_URL && process.env.REDIS_URL);

describe('production topology: six processes, PostgreSQL, Redis', { skip: !enabled && 'needs PG_URL and REDIS_URL' }, () => {
  let topology: Topology;

  before(async () => {
    topology = await startTopology({ pgUrl: process.env.PG_URL!, redisUrl: process.env.REDIS_URL! });
  });

  after(async () => {
    await topology?.stop();
  });

  const query = (text: string, variables: Record<string, unknown> = {}) => topology.query(text, variables);

  it('runs the deal-to-project flow across processes over Redis', async () => {
    const customer = await query(`mutation { createCustomer(input: { name: "Tyrell Corp", code: "TYRELL", currency: "EUR" }) { id } }`);
    const opportunity = await query(
      `mutation($c: ID!) { createOpportunity(input: { customerId: $c, name: "Replicant QA", probability: 70, billingMethod: FIXED_FEE,
         legalEntityId: "le-nl", estimatedHours: [{ roleId: "role-qa", hours: "80" }] }) { id } }`,
      { c: customer.createCustomer.id },
    );
    const won = await query(
      `mutation($id: ID!) { closeOpportunityWon(id: $id, input: { contractNumber: "TYR-1", currency: "EUR", amount: "48000.00",
         startDate: "2027-01-04", endDate: "2027-02-26", rates: [{ roleId: "role-qa", billRate: "120.00", effectiveFrom: "2027-01-04" }] }) { contract { id } } }`,
      { id: opportunity.createOpportunity.id },
    );
    const project = await eventually(async () => {
      const data = await query(
        `query($id: ID!) { contract(id: $id) { billingSetup { status } projects { nodes { code status budgetAmount { amount currency } customer { name } } } } }`,
        { id: won.closeOpportunityWon.contract.id },
      );
      assert.equal(data.contract.projects.nodes[0]?.status, 'ACTIVE');
      return data.contract;
    }, 30_000);
    assert.equal(project.billingSetup.status, 'READY');
    assert.deepEqual(project.projects.nodes[0], {
      code: 'P-TYR-1',
      status: 'ACTIVE',
      budgetAmount: { amount: '48000.00', currency: 'EUR' },
      customer: { name: 'Tyrell Corp' },
    });
  });

  it('masks unexpected errors in production and keeps domain errors', async () => {
    const body = await topology.request(`mutation { createCustomer(input: { name: "X", code: "X", currency: "eur" }) { id } }`);
    assert.ok(body.errors);
    assert.equal(body.errors[0].extensions.code, 'BAD_USER_INPUT');
    assert.equal(body.errors[0].extensions.stacktrace, undefined);
  });
});
