import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { billingHeldReasons } from '../../subgraphs/erp/domain/held-reasons.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/**
 * Closed sets are enums (a value outside the set is refused, not matched against nothing), and percentages read as
 * the schema documents them: two places, more only when the value has them.
 */
describe('closed sets and percentages, through the gateway', () => {
  let graph: HubHarness;
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  const finance = { roles: ['FINANCE' as const] };

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  it("billingEvents' heldReason is an enum: erp's one list of held reasons, and nothing else", async () => {
    const values = await graph.query(`{ __type(name: "BillingHeldReason") { enumValues { name } } }`, {}, finance);
    assert.deepEqual(values.data.__type?.enumValues.map((value: { name: string }) => value.name).sort(), [...billingHeldReasons].sort());

    const held = `query($reason: BillingHeldReason) { billingEvents(first: 50, filter: { heldReason: $reason }) { nodes { status heldReason } } }`;
    const typo = await graph.query(held.replace('BillingHeldReason)', 'String)'), { reason: 'NO_RATES' }, finance);
    assert.ok(typo.errors?.length, 'a reason outside the set is refused, not answered with no events');
    const noRate = await graph.query(held, { reason: 'NO_RATE' }, finance);
    assert.equal(noRate.errors, undefined, JSON.stringify(noRate.errors));
    assert.ok(noRate.data.billingEvents.nodes.every((node: { status: string; heldReason: string }) => node.status === 'HELD' && node.heldReason === 'NO_RATE'));
  });

  it('a tax rate reads "19.00" (and "8.875" when it has more places), like every documented percentage', async () => {
    const legalEntityId = firm.legalEntities[0].id;
    const create = `mutation($input: CreateTaxRateInput!) { createTaxRate(input: $input) { ratePercent } }`;
    const input = (customerCountry: string, ratePercent: string) => ({ legalEntityId, customerCountry, name: `VAT ${ratePercent}`, ratePercent, effectiveFrom: '2090-01-01' });
    const whole = await graph.query(create, { input: input('LU', '19') }, finance);
    assert.equal(whole.errors, undefined, JSON.stringify(whole.errors));
    const fine = await graph.query(create, { input: input('MT', '8.875') }, finance);
    assert.deepEqual([whole.data.createTaxRate.ratePercent, fine.data.createTaxRate.ratePercent], ['19.00', '8.875']);

    const stored = await graph.query(`{ taxRates(first: 100) { nodes { ratePercent } } billingSetups(first: 100) { nodes { expenseMarkupPercent } } }`, {}, finance);
    const percentages = [
      ...stored.data.taxRates.nodes.map((node: { ratePercent: string }) => node.ratePercent),
      ...stored.data.billingSetups.nodes.map((node: { expenseMarkupPercent: string }) => node.expenseMarkupPercent),
    ];
    assert.ok(percentages.length > 2);
    for (const percent of percentages) assert.match(percent, /^\d+\.(\d\d|\d\d\d*[1-9])$/, `${percent}: two places, more only when it has them`);
  });
});
