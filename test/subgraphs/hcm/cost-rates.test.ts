import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Identity } from '../../../lib/auth/identity.ts';
import type { DomainEvent } from '../../../lib/events/envelope.ts';
import { hcmSubgraph, hcmTopics, type CostRateAdded, type HcmDatabase } from '../../../subgraphs/hcm/index.ts';
import { startSubgraph, type SubgraphHarness } from '../../support/subgraph-harness.ts';
import { createOrg, createWorker, fixedClock, ok, tableCounts, type Org } from './fixtures.ts';

const finance: Identity = { workerId: null, roles: ['FINANCE'] };

describe('hcm cost rates', () => {
  let hcm: SubgraphHarness<HcmDatabase>;
  let org: Org;
  let workerId: string;
  const added: DomainEvent[] = [];

  before(async () => {
    hcm = await startSubgraph(hcmSubgraph, { clock: fixedClock });
    await hcm.bus.subscribe({ group: 'test.cost-rates', types: [hcmTopics.costRateAdded], handler: async (event) => void added.push(event) });
    org = await createOrg(hcm, 'ACME', 'EUR');
    workerId = await createWorker(hcm, org, { name: 'Rita Rated' });
  });
  after(() => hcm.close());

  const addRate = `mutation($id: ID!, $input: CostRateInput!) { addWorkerCostRate(workerId: $id, input: $input) {
    costRates { cost { amount currency } effectiveFrom effectiveTo } } }`;
  const ratesQuery = `query($id: ID!) { worker(id: $id) { name costRates { cost { amount } effectiveFrom } costRateOn(date: "2026-03-15") { cost { amount currency } } } }`;

  it('lets FINANCE add effective-dated rates and read them, and publishes hcm.cost_rate.added', async () => {
    const first = await hcm.call(addRate, { id: workerId, input: { amount: '62.50', currency: 'EUR', effectiveFrom: '2025-01-01', effectiveTo: '2025-12-31' } }, finance);
    assert.equal(first.errors, undefined, JSON.stringify(first.errors));
    const second = await hcm.call(addRate, { id: workerId, input: { amount: '68.00', currency: 'EUR', effectiveFrom: '2026-01-01' } }, finance);
    assert.deepEqual(second.data.addWorkerCostRate.costRates, [
      { cost: { amount: '62.50', currency: 'EUR' }, effectiveFrom: '2025-01-01', effectiveTo: '2025-12-31' },
      { cost: { amount: '68.00', currency: 'EUR' }, effectiveFrom: '2026-01-01', effectiveTo: null },
    ]);
    const read = await hcm.call(ratesQuery, { id: workerId }, finance);
    assert.deepEqual(read.data.worker.costRateOn, { cost: { amount: '68.00', currency: 'EUR' } });

    await hcm.runtime.relay.flush();
    const payloads = added.map((event) => event.data as unknown as CostRateAdded);
    assert.equal(payloads.length, 2);
    assert.deepEqual({ ...payloads[1], costRateId: undefined }, {
      costRateId: undefined, workerId, legalEntityId: org.legalEntityId, amount: '68.00', currency: 'EUR', effectiveFrom: '2026-01-01', effectiveTo: null,
    });
  });

  it('hides cost rates from everyone but FINANCE, RESOURCE_MANAGER and ADMIN', async () => {
    for (const roles of [['WORKER'], ['MANAGER']] as Identity['roles'][]) {
      for (const field of ['costRates { id }', 'costRateOn(date: "2026-03-15") { id }']) {
        const denied = await hcm.call(`query($id: ID!) { worker(id: $id) { ${field} } }`, { id: workerId }, { workerId, roles });
        assert.equal(denied.errors?.[0].extensions?.code, 'FORBIDDEN');
        assert.deepEqual((denied.errors?.[0] as { path?: unknown }).path, ['worker', field.split(/[ (]/)[0]]);
      }
    }
    const plain = await hcm.call(`query($id: ID!) { worker(id: $id) { name } }`, { id: workerId }, { workerId, roles: ['WORKER'] });
    assert.equal(plain.data.worker.name, 'Rita Rated');
    const admin = await hcm.call(ratesQuery, { id: workerId });
    assert.equal(admin.data.worker.costRates.length, 2);
    // Resource managers weigh what a worker costs when they staff and price an override (README "Field-level access").
    const staffer = await hcm.call(ratesQuery, { id: workerId }, { workerId: null, roles: ['RESOURCE_MANAGER'] });
    assert.equal(staffer.data.worker.costRates.length, 2);
    const write = await hcm.call(addRate, { id: workerId, input: { amount: '1.00', currency: 'EUR', effectiveFrom: '2030-01-01' } }, { workerId, roles: ['MANAGER'] });
    assert.equal(write.errors?.[0].extensions?.code, 'FORBIDDEN');
  });

  it('refuses overlapping periods (CONFLICT) and a currency other than the legal entity\'s (BAD_USER_INPUT), writing nothing', async () => {
    const before = await tableCounts(hcm);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ amount: '70.00', currency: 'EUR', effectiveFrom: '2027-01-01' }, 'CONFLICT'], // the 2026 rate is open-ended
      [{ amount: '70.00', currency: 'EUR', effectiveFrom: '2024-06-01', effectiveTo: '2025-01-01' }, 'CONFLICT'],
      [{ amount: '70.00', currency: 'USD', effectiveFrom: '2024-01-01', effectiveTo: '2024-12-31' }, 'BAD_USER_INPUT'],
      [{ amount: '70.00', currency: 'euro', effectiveFrom: '2024-01-01', effectiveTo: '2024-12-31' }, 'BAD_USER_INPUT'],
      [{ amount: '-1.00', currency: 'EUR', effectiveFrom: '2024-01-01', effectiveTo: '2024-12-31' }, 'BAD_USER_INPUT'],
      [{ amount: '70.001', currency: 'EUR', effectiveFrom: '2024-01-01', effectiveTo: '2024-12-31' }, 'BAD_USER_INPUT'],
      [{ amount: '70.00', currency: 'EUR', effectiveFrom: '2024-12-31', effectiveTo: '2024-01-01' }, 'BAD_USER_INPUT'],
    ];
    for (const [input, code] of cases) {
      const response = await hcm.call(addRate, { id: workerId, input }, finance);
      assert.equal(response.errors?.[0].extensions?.code, code, JSON.stringify(input));
    }
    const missing = await hcm.call(addRate, { id: 'missing', input: { amount: '1.00', currency: 'EUR', effectiveFrom: '2024-01-01' } }, finance);
    assert.equal(missing.errors?.[0].extensions?.code, 'NOT_FOUND');
    assert.deepEqual(await tableCounts(hcm), before);
    // The gap before the first rate is still free.
    const gap = await hcm.call(addRate, { id: workerId, input: { amount: '55.00', currency: 'EUR', effectiveFrom: '2024-01-01', effectiveTo: '2024-12-31' } }, finance);
    assert.equal(gap.data.addWorkerCostRate.costRates.length, 3);
  });

  it('keeps the legal entity\'s currency once its workers have cost rates', async () => {
    const change = `mutation($id: ID!, $currency: String) { updateLegalEntity(id: $id, input: { currency: $currency }) { currency } }`;
    const refused = await hcm.call(change, { id: org.legalEntityId, currency: 'CHF' });
    assert.equal(refused.errors?.[0].extensions?.code, 'CONFLICT');
    const empty = await createOrg(hcm, 'NEWCO', 'EUR');
    assert.equal((await ok(hcm, change, { id: empty.legalEntityId, currency: 'CHF' })).updateLegalEntity.currency, 'CHF');
  });
});
