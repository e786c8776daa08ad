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
const lastDayOfMonth = (date: string) => {
  const [year, month] = date.split('-').map(Number);
  return new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
};

/**
 * A retainer billed in advance gives the same invoices and balance whether the hours are approved after the month's
 * fee is billed or before it (subgraphs/erp/recurring-billing.ts): an overrun while the fee is not billed yet is held
 * (AWAITING_RETAINER_FEE) and drawn from the fee once the period close bills it.
 */
describe('retainer: approvals and the period close in either order, through the gateway', () => {
  let graph: HubHarness;
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  const finance = { roles: ['FINANCE' as const] };
  const admin = { roles: ['ADMIN' as const], workerId: null };
  // Two retainers in one currency with work today: one closes its month first, the other approves first.
  const [feeFirst, hoursFirst] = firm.contracts
    .filter((c) => c.billingMethod === 'RETAINER' && c.currency === 'EUR')
    .flatMap((contract) => {
      try {
        return [{ contract, work: billableWork(firm, today, undefined, contract.id) }];
      } catch {
        return [];
      }
    });
  // Worth 100.00, 75.00 and 50.00 at one rate: 225.00 against two fees of 100.00 (the closing month's, never billed,
  // and the next one's in advance), so the last entry draws 25.00 and overruns 25.00.
  const hours = ['1.00', '0.75', '0.50'];

  const close = (contractId: string) =>
    graph.query(`mutation($p: Date!, $c: ID) { runRecurringBilling(periodEnd: $p, contractId: $c) { sourceType status amount { amount } } }`,
      { p: lastDayOfPreviousMonth(today), c: contractId }, finance);
  const statusOf = async (id: string) =>
    dataOf(await graph.query(`query($id: ID!) { timeEntry(id: $id) { billing { status } } }`, { id }, finance)).timeEntry.billing.status as string;
  /** Approves the entries one after the other, each posted by erp before the next (approval order = drawdown order). */
  async function approveAll(work: BillableWork, posted: string): Promise<string[]> {
    const ids: string[] = [];
    for (const entryHours of hours) {
      const { id } = await approvedEntry(graph, work, entryHours);
      await eventually(async () => assert.match(await statusOf(id), new RegExp(posted)));
      ids.push(id);
    }
    return ids;
  }
  const balanceOf = async (contractId: string) =>
    dataOf(await graph.query(
      `query($id: ID!) { contract(id: $id) { billingSetup { retainerBalance {
        feesBilled { amount currency } drawn { amount } drawnHours overrun { amount } overrunHours remaining { amount } } } } }`,
      { id: contractId }, finance)).contract.billingSetup.retainerBalance;
  const overageOf = async (contractId: string) =>
    dataOf(await graph.query(
      `query($c: ID!) { billingEvents(first: 50, filter: { contractId: $c, sourceType: OVERAGE }) { nodes { status heldReason amount { amount } } } }`,
      { c: contractId }, finance)).billingEvents.nodes as Array<{ status: string; heldReason: string | null; amount: { amount: string } }>;
  /** The retainer's lines of the contract's draft up to the month's end (the seed's own time events aside). */
  async function retainerLines(contractId: string) {
    const drafts = dataOf(await graph.query(
      `mutation($input: DraftInvoicesInput!) { draftInvoices(input: $input) { lines { sourceType description quantity amount { amount currency } } } }`,
      { input: { periodEnd: lastDayOfMonth(today), contractId } }, finance)).draftInvoices as Array<{ lines: Array<{ sourceType: string; description: string; amount: unknown }> }>;
    return drafts
      .flatMap((draft) => draft.lines)
      .filter((line) => line.sourceType === 'RETAINER' || line.sourceType === 'OVERAGE')
      .sort((a, b) => a.sourceType.localeCompare(b.sourceType) || a.description.localeCompare(b.description));
  }

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
    assert.ok(feeFirst && hoursFirst, 'the demo firm has two EUR retainers with work today');
    for (const { contract, work } of [feeFirst, hoursFirst]) {
      dataOf(await graph.query(`mutation($id: ID!) { updateAssignment(id: $id, input: { billRateOverride: "100.00" }) { id } }`, { id: work.assignment.id }, admin));
      dataOf(await graph.query(`mutation($c: ID!, $input: RecurringTermsInput!) { setRecurringTerms(contractId: $c, input: $input) { id } }`,
        { c: contract.id, input: { fee: { amount: '100.00', currency: 'EUR' }, overrunPolicy: 'BILL' } }, finance));
    }
  });
  after(() => graph.close());

  it('draws hours approved before the fee from it once billed: the same balance, statuses and invoice lines as fee first', async () => {
    // Fee first: the close bills the fees, then the hours draw them down.
    const billed = dataOf(await close(feeFirst.contract.id)).runRecurringBilling;
    assert.deepEqual(billed.map((e: any) => [e.sourceType, e.status, e.amount.amount]), [['RETAINER', 'UNBILLED', '100.00'], ['RETAINER', 'UNBILLED', '100.00']]);
    const feeFirstEntries = await approveAll(feeFirst.work, 'DRAWN_DOWN|OVERRUN');

    // Hours first: approved before any fee, their overrun is provisional — held, never billed meanwhile.
    const hoursFirstEntries = await approveAll(hoursFirst.work, 'OVERRUN');
    assert.deepEqual(
      (await overageOf(hoursFirst.contract.id)).map((e) => [e.status, e.heldReason, e.amount.amount]).sort(),
      [['HELD', 'AWAITING_RETAINER_FEE', '100.00'], ['HELD', 'AWAITING_RETAINER_FEE', '50.00'], ['HELD', 'AWAITING_RETAINER_FEE', '75.00']],
    );
    dataOf(await close(hoursFirst.contract.id));

    const expected = {
      feesBilled: { amount: '200.00', currency: 'EUR' }, drawn: { amount: '200.00' }, drawnHours: '2.00', overrun: { amount: '25.00' },
      overrunHours: '0.25', remaining: { amount: '0.00' },
    };
    assert.deepEqual(await balanceOf(feeFirst.contract.id), expected, 'fee first: drawn and overrun hours apart');
    assert.deepEqual(await balanceOf(hoursFirst.contract.id), expected, 'hours first: the same balance');

    const statuses = async (ids: string[]) => Promise.all(ids.map(statusOf));
    assert.deepEqual(await statuses(feeFirstEntries), ['DRAWN_DOWN', 'DRAWN_DOWN', 'OVERRUN']);
    assert.deepEqual(await statuses(hoursFirstEntries), ['DRAWN_DOWN', 'DRAWN_DOWN', 'OVERRUN']);
    const live = (events: Awaited<ReturnType<typeof overageOf>>) => events.filter((e) => e.status !== 'REVERSED');
    assert.deepEqual(live(await overageOf(hoursFirst.contract.id)), live(await overageOf(feeFirst.contract.id)));

    // The invoices bill the two fees and the one real overrun, in both orders alike: no hour billed twice.
    const lines = await retainerLines(feeFirst.contract.id);
    assert.deepEqual(lines.map((line: any) => [line.sourceType, line.amount.amount]), [['OVERAGE', '25.00'], ['RETAINER', '100.00'], ['RETAINER', '100.00']]);
    assert.deepEqual(await retainerLines(hoursFirst.contract.id), lines);
  });
});
