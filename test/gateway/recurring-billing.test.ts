import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

const lastDayOf = (date: string) => {
  const [year, month] = date.split('-').map(Number);
  return new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
};

/** A managed-services contract's terms and period close through the gateway (subgraphs/erp/recurring-billing.ts). */
describe('recurring billing through the gateway', () => {
  let graph: HubHarness;
  const firm = planDemoFirm({ scale: 1, today: new Date().toISOString().slice(0, 10) });
  const contract = firm.contracts.find((c) => c.billingMethod === 'MANAGED_SERVICES')!;
  const periodEnd = lastDayOf(contract.startDate);
  const money = (amount: string) => ({ amount, currency: contract.currency });

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  it('finance sets a managed-services contract’s terms and closes a month: its fee billed once', async () => {
    const forbidden = await graph.query(`mutation($p: Date!) { runRecurringBilling(periodEnd: $p) { id } }`, { p: periodEnd }, { roles: ['MANAGER'], workerId: null });
    assert.equal(forbidden.errors?.[0].extensions?.code, 'FORBIDDEN');

    const terms = await graph.query(
      `mutation($c: ID!, $input: RecurringTermsInput!) { setRecurringTerms(contractId: $c, input: $input) {
        contract { id } billingMethod recurringTerms { fee { amount currency } includedHours overageRate { amount } } } }`,
      { c: contract.id, input: { fee: money('4250.00'), includedHours: '9999.99', overageRate: money('110.00') } },
      { roles: ['FINANCE'] },
    );
    assert.equal(terms.errors, undefined, JSON.stringify(terms.errors));
    assert.deepEqual(terms.data.setRecurringTerms, {
      contract: { id: contract.id }, billingMethod: 'MANAGED_SERVICES', recurringTerms: { fee: money('4250.00'), includedHours: '9999.99', overageRate: { amount: '110.00' } },
    });

    const close = () =>
      graph.query(
        `mutation($p: Date!, $c: ID) { runRecurringBilling(periodEnd: $p, contractId: $c) { sourceType status date amount { amount currency } contract { id billingSetup { billingMethod } } } }`,
        { p: periodEnd, c: contract.id },
        { roles: ['FINANCE'] },
      );
    const first = await close();
    assert.equal(first.errors, undefined, JSON.stringify(first.errors));
    assert.deepEqual(first.data.runRecurringBilling, [
      { sourceType: 'RECURRING_FEE', status: 'UNBILLED', date: periodEnd, amount: money('4250.00'), contract: { id: contract.id, billingSetup: { billingMethod: 'MANAGED_SERVICES' } } },
    ]);
    assert.deepEqual((await close()).data.runRecurringBilling, []);
  });
});
