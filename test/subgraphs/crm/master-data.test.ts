import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { crmSubgraph, type CrmDatabase } from '../../../subgraphs/crm/index.ts';
import { startSubgraph, type SubgraphHarness } from '../../support/subgraph-harness.ts';

describe('crm master data', () => {
  let crm: SubgraphHarness<CrmDatabase>;
  before(async () => {
    crm = await startSubgraph(crmSubgraph);
  });
  after(() => crm.close());

  const createCustomer = `mutation($input: CreateCustomerInput!, $key: String) { createCustomer(input: $input, idempotencyKey: $key) { id name code currency parent { id } } }`;

  it('creates a customer hierarchy and pages children in name order', async () => {
    const parent = await crm.call(createCustomer, { input: { name: 'Globex Holding', code: 'GLOBEX', currency: 'USD' } });
    const parentId = parent.data.createCustomer.id;
    for (const name of ['Globex Retail', 'Globex Energy', 'Globex Labs']) {
      const child = await crm.call(createCustomer, { input: { name, code: name.toUpperCase().replace(' ', '-'), currency: 'USD', parentId } });
      assert.equal(child.data.createCustomer.parent.id, parentId);
    }
    const page = await crm.call(`query($id: ID!) { customer(id: $id) { children(first: 2) { totalCount nodes { name } pageInfo { hasNextPage endCursor } } } }`, { id: parentId });
    const children = page.data.customer.children;
    assert.equal(children.totalCount, 3);
    assert.deepEqual(children.nodes.map((n: { name: string }) => n.name), ['Globex Energy', 'Globex Labs']);
    assert.equal(children.pageInfo.hasNextPage, true);
    const next = await crm.call(`query($id: ID!, $after: String) { customer(id: $id) { children(first: 2, after: $after) { nodes { name } pageInfo { hasNextPage hasPreviousPage } } } }`, { id: parentId, after: children.pageInfo.endCursor });
    assert.deepEqual(next.data.customer.children.nodes.map((n: { name: string }) => n.name), ['Globex Retail']);
    assert.equal(next.data.customer.children.pageInfo.hasNextPage, false);
  });

  it('refuses bad input with a stable code and writes nothing', async () => {
    const before = await crm.database.db.selectFrom('customer').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const bad = await crm.call(createCustomer, { input: { name: 'X', code: 'X', currency: 'euro' } });
    assert.equal(bad.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    const cycle = await crm.call(createCustomer, { input: { name: 'Y', code: 'Y', currency: 'EUR', parentId: 'missing' } });
    assert.equal(cycle.errors?.[0].extensions?.code, 'NOT_FOUND');
    const after = await crm.database.db.selectFrom('customer').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(after.n, before.n);
  });

  it('returns the first result for a retried idempotency key and refuses the key with another payload', async () => {
    const input = { name: 'Initech', code: 'INITECH', currency: 'EUR' };
    const first = await crm.call(createCustomer, { input, key: 'k-initech' });
    const retry = await crm.call(createCustomer, { input, key: 'k-initech' });
    assert.equal(retry.data.createCustomer.id, first.data.createCustomer.id);
    const reused = await crm.call(createCustomer, { input: { ...input, name: 'Other' }, key: 'k-initech' });
    assert.equal(reused.errors?.[0].extensions?.code, 'IDEMPOTENCY_KEY_REUSED');
  });

  it('gives concurrent requests with one idempotency key one effect', async () => {
    const input = { name: 'Massive Dynamic', code: 'MASSIVE', currency: 'USD' };
    const results = await Promise.all(Array.from({ length: 5 }, () => crm.call(createCustomer, { input, key: 'k-massive' })));
    for (const result of results) assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    assert.equal(new Set(results.map((result) => result.data.createCustomer.id)).size, 1);
    const rows = await crm.database.db.selectFrom('customer').select('id').where('code', '=', 'MASSIVE').execute();
    assert.equal(rows.length, 1);
  });

  it('rejects overlapping rates of one role', async () => {
    const customer = await crm.call(createCustomer, { input: { name: 'Umbrella', code: 'UMB', currency: 'EUR' } });
    const contract = await crm.call(
      `mutation($input: CreateContractInput!) { createContract(input: $input) { id rateCard { id } } }`,
      {
        input: {
          customerId: customer.data.createCustomer.id, number: 'UMB-1', name: 'Umbrella T&M', billingMethod: 'TIME_AND_MATERIALS',
          currency: 'EUR', legalEntityId: 'le-de', startDate: '2026-01-01',
          rates: [{ roleId: 'consultant', billRate: '120.00', effectiveFrom: '2026-01-01', effectiveTo: '2026-06-30' }],
        },
      },
    );
    const rateCardId = contract.data.createContract.rateCard.id;
    const overlap = await crm.call(`mutation($id: ID!) { addRateCardRate(rateCardId: $id, input: { roleId: "consultant", billRate: "130.00", effectiveFrom: "2026-06-01" }) { id } }`, { id: rateCardId });
    assert.equal(overlap.errors?.[0].extensions?.code, 'CONFLICT');
    const next = await crm.call(`mutation($id: ID!) { addRateCardRate(rateCardId: $id, input: { roleId: "consultant", billRate: "130.00", effectiveFrom: "2026-07-01" }) { rateFor(roleId: "consultant", date: "2026-08-15") { billRate { amount currency } } } }`, { id: rateCardId });
    assert.deepEqual(next.data.addRateCardRate.rateFor.billRate, { amount: '130.00', currency: 'EUR' });
  });

  it('refuses writes to a worker without a sales or finance role', async () => {
    const denied = await crm.call(createCustomer, { input: { name: 'Z', code: 'Z', currency: 'EUR' } }, { workerId: 'w1', roles: ['WORKER'] });
    assert.equal(denied.errors?.[0].extensions?.code, 'FORBIDDEN');
  });
});
