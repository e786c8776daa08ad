import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { approvedEntry, billableWork, type BillableWork } from '../support/demo-work.ts';
import { eventually } from '../support/eventually.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { dataOf } from '../support/subgraph-harness.ts';

const lastDayOfPreviousMonth = (date: string) => {
  const [year, month] = date.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, 0)).toISOString().slice(0, 10);
};

/**
 * Approved time a fee covers has no billing event of its own; `TimeEntry.billing.status` says how it stands:
 * COVERED_BY_FEE (fixed fee, managed-services included hours), DRAWN_DOWN (retainer), OVERRUN (past either),
 * AWAITING_TERMS (managed services whose terms finance has not set).
 */
describe('time entries covered by a fee, through the gateway', () => {
  let graph: HubHarness;
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  const finance = { roles: ['FINANCE' as const] };
  const contractOf = (work: BillableWork) => firm.contracts.find((c) => c.id === firm.projects.find((p) => p.id === work.assignment.projectId)!.contractId)!;
  const statusOf = async (id: string, identity: Parameters<HubHarness['query']>[2] = finance) =>
    dataOf(await graph.query(`query($id: ID!) { timeEntry(id: $id) { billing { status billingEvent { id } } } }`, { id }, identity)).timeEntry.billing;
  const becomes = (id: string, status: string) => eventually(async () => assert.deepEqual(await statusOf(id), { status, billingEvent: null }));
  const hasWorkToday = (contractId: string) => {
    try {
      return Boolean(billableWork(firm, today, undefined, contractId));
    } catch {
      return false;
    }
  };

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  it('fixed fee: COVERED_BY_FEE, as a manager reads it too', async () => {
    const work = billableWork(firm, today, 'FIXED_FEE');
    const { id } = await approvedEntry(graph, work, '1.00');
    await becomes(id, 'COVERED_BY_FEE');
    assert.equal((await statusOf(id, work.asManager)).status, 'COVERED_BY_FEE');
  });

  it('managed services: COVERED_BY_FEE within the month’s included hours, OVERRUN past them', async () => {
    const work = billableWork(firm, today, 'MANAGED_SERVICES');
    const contract = contractOf(work);
    const money = (amount: string) => ({ amount, currency: contract.currency });
    dataOf(await graph.query(`mutation($c: ID!, $input: RecurringTermsInput!) { setRecurringTerms(contractId: $c, input: $input) { id } }`,
      { c: contract.id, input: { fee: money('1000.00'), includedHours: '1.50', overageRate: money('100.00') } }, finance));
    const first = await approvedEntry(graph, work, '1.00');
    await becomes(first.id, 'COVERED_BY_FEE');
    const second = await approvedEntry(graph, work, '1.00');
    await becomes(second.id, 'OVERRUN');
    assert.equal((await statusOf(first.id)).status, 'COVERED_BY_FEE', 'the earlier hours stay within the included ones');
  });

  it('managed services without terms yet (as the demo firm’s): AWAITING_TERMS, COVERED_BY_FEE once they are set', async () => {
    // Another contract than the test above: that one's terms and included hours must not be touched.
    const termed = contractOf(billableWork(firm, today, 'MANAGED_SERVICES'));
    const contract = firm.contracts.find((c) => c.billingMethod === 'MANAGED_SERVICES' && c.id !== termed.id && hasWorkToday(c.id))!;
    const work = billableWork(firm, today, undefined, contract.id);
    const { id } = await approvedEntry(graph, work, '1.00');
    await becomes(id, 'AWAITING_TERMS');
    assert.equal((await statusOf(id, work.asManager)).status, 'AWAITING_TERMS');
    const money = (amount: string) => ({ amount, currency: contract.currency });
    dataOf(await graph.query(`mutation($c: ID!, $input: RecurringTermsInput!) { setRecurringTerms(contractId: $c, input: $input) { id } }`,
      { c: contract.id, input: { fee: money('1000.00'), includedHours: '1.00', overageRate: money('100.00') } }, finance));
    assert.deepEqual(await statusOf(id), { status: 'COVERED_BY_FEE', billingEvent: null }, 'the hours counted before the terms fall within them');
  });

  it('retainer: OVERRUN (held) before its fee is billed, DRAWN_DOWN once the fee is, like hours approved after it', async () => {
    const work = billableWork(firm, today, 'RETAINER');
    const contract = contractOf(work);
    dataOf(await graph.query(`mutation($c: ID!, $input: RecurringTermsInput!) { setRecurringTerms(contractId: $c, input: $input) { id } }`,
      { c: contract.id, input: { fee: { amount: '100000.00', currency: contract.currency }, overrunPolicy: 'BILL' } }, finance));
    const early = await approvedEntry(graph, work, '1.00');
    await becomes(early.id, 'OVERRUN');
    dataOf(await graph.query(`mutation($p: Date!, $c: ID) { runRecurringBilling(periodEnd: $p, contractId: $c) { id } }`, { p: lastDayOfPreviousMonth(today), c: contract.id }, finance));
    await becomes(early.id, 'DRAWN_DOWN');
    const later = await approvedEntry(graph, work, '1.00');
    await becomes(later.id, 'DRAWN_DOWN');
  });
});
