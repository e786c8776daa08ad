import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { approvedEntry, billableWork } from '../support/demo-work.ts';
import { eventually } from '../support/eventually.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { dataOf } from '../support/subgraph-harness.ts';

const cents = (value: string) => BigInt(value.replace('.', ''));
const amountOf = (scaled: bigint) => `${scaled / 100n}.${String(scaled % 100n).padStart(2, '0')}`;

/**
 * A not-to-exceed cap holds what passes it; raising the cap in crm (`updateContract` → `crm.contract.updated`)
 * releases what now fits, oldest first, and `releaseHeldBillingEvents` releases what room freed later admits.
 */
describe('releasing billing events held by the cap, through the gateway', () => {
  let graph: HubHarness;
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  const work = billableWork(firm, today);
  const contractId = firm.projects.find((p) => p.id === work.assignment.projectId)!.contractId;
  const finance = { roles: ['FINANCE' as const] };

  const setCap = (notToExceed: string) =>
    graph.query(`mutation($id: ID!, $cap: Decimal) { updateContract(id: $id, input: { notToExceed: $cap }) { id } }`, { id: contractId, cap: notToExceed }, finance).then(dataOf);
  const capUsage = async () =>
    dataOf(await graph.query(`query($id: ID!) { contract(id: $id) { billingSetup { capUsage { cap { amount } billed { amount } unbilled { amount } held { amount } remaining { amount } } } } }`, { id: contractId }, finance))
      .contract.billingSetup.capUsage;
  const eventOf = async (entryId: string) =>
    dataOf(await graph.query(`query($id: ID!) { timeEntry(id: $id) { billing { billingEvent { id status heldReason amount { amount } } } } }`, { id: entryId }, finance)).timeEntry.billing
      .billingEvent;
  const release = (idempotencyKey: string, identity: Parameters<HubHarness['query']>[2] = finance) =>
    graph.query(`mutation($c: ID!, $k: String) { releaseHeldBillingEvents(contractId: $c, idempotencyKey: $k) { id status heldReason } }`, { c: contractId, k: idempotencyKey }, identity);

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  it('holds past the cap, releases oldest first on a raised cap, and on request once room is freed', async () => {
    await setCap('0');
    const used = await eventually(async () => {
      const usage = await capUsage();
      assert.equal(usage?.cap.amount, '0.00');
      return cents(usage.billed.amount) + cents(usage.unbilled.amount);
    });

    const first = await approvedEntry(graph, work, '2.00');
    const second = await approvedEntry(graph, work, '1.00');
    const [heldFirst, heldSecond] = await eventually(async () => {
      const events = [await eventOf(first.id), await eventOf(second.id)];
      for (const event of events) assert.deepEqual([event?.status, event?.heldReason], ['HELD', 'CAP_REACHED']);
      return events;
    });
    const a1 = cents(heldFirst.amount.amount);
    const a2 = cents(heldSecond.amount.amount);
    assert.ok(a1 > a2 && a2 > 0n, 'two hours bill more than one');

    const denied = await release('denied', { roles: ['MANAGER'], workerId: work.worker.managerId });
    assert.equal(denied.errors?.[0].extensions?.code, 'FORBIDDEN');
    assert.deepEqual(dataOf(await release('nothing-fits')).releaseHeldBillingEvents, [], 'a cap of 0 admits nothing');

    // Room for the older event and half the newer one: the older is released, the newer still does not fit.
    await setCap(amountOf(used + a1 + a2 / 2n));
    await eventually(async () => {
      assert.deepEqual([(await eventOf(first.id)).status, (await eventOf(second.id)).status], ['UNBILLED', 'HELD']);
    });
    const usage = await capUsage();
    assert.equal(cents(usage.remaining.amount), a2 / 2n);
    assert.equal(cents(usage.held.amount) >= a2, true);

    // Taking the older one's approval back frees its room: the newer fits now, released when finance asks.
    dataOf(await graph.query(`mutation($ids: [ID!]!) { cancelTimeEntryApprovals(ids: $ids, reason: "wrong day") { id } }`, { ids: [first.id] }, work.asManager));
    await eventually(async () => assert.equal(cents((await capUsage()).remaining.amount), a1 + a2 / 2n));
    const released = dataOf(await release('after-reversal')).releaseHeldBillingEvents;
    assert.deepEqual(released, [{ id: heldSecond.id, status: 'UNBILLED', heldReason: null }]);
    assert.deepEqual(dataOf(await release('after-reversal')).releaseHeldBillingEvents, released, 'a retry returns the first result');
    assert.deepEqual(dataOf(await release('again')).releaseHeldBillingEvents, [], 'nothing left to release');
    assert.equal(cents((await capUsage()).remaining.amount), a1 + a2 / 2n - a2);
  });

  it('recognizes T&M revenue as delivered: live, unheld events by their date, per period', async () => {
    const monthStart = `${today.slice(0, 7)}-01`;
    const { revenueSchedule } = dataOf(await graph.query(
      `query($from: Date!, $to: Date!, $c: ID!) { revenueSchedule(from: $from, to: $to, period: DAY, filter: { contractIds: [$c] }) { periodStart periodEnd method hours amount { amount currency } project { id } } }`,
      { from: monthStart, to: today, c: contractId }, finance));
    // The same, from the billing events themselves (UNBILLED and BILLED count; HELD and REVERSED do not).
    const expected = new Map<string, { hours: bigint; amount: bigint }>();
    let after: string | null = null;
    do {
      const page: any = dataOf(await graph.query(
        `query($c: ID!, $after: String) { billingEvents(first: 500, after: $after, filter: { contractId: $c }) { nodes { sourceType date status hours amount { amount } project { id } } pageInfo { hasNextPage endCursor } } }`,
        { c: contractId, after }, finance)).billingEvents;
      for (const event of page.nodes) {
        if (event.date < monthStart || event.date > today || !['UNBILLED', 'BILLED'].includes(event.status) || !['TIME_ENTRY', 'EXPENSE', 'OVERAGE'].includes(event.sourceType)) continue;
        const key = `${event.date} ${event.project?.id ?? '-'}`;
        const sum = expected.get(key) ?? { hours: 0n, amount: 0n };
        expected.set(key, { hours: sum.hours + (event.sourceType === 'TIME_ENTRY' ? cents(event.hours ?? '0') : 0n), amount: sum.amount + cents(event.amount.amount) });
        }
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    const asDelivered = revenueSchedule.filter((row: any) => row.method === 'AS_DELIVERED');
    const byKey = (a: string[], b: string[]) => a[0].localeCompare(b[0]);
    assert.deepEqual(
      asDelivered.map((row: any) => [`${row.periodStart} ${row.project?.id ?? '-'}`, row.periodEnd, row.hours, row.amount.amount]).sort(byKey),
      [...expected.entries()].map(([key, sum]) => [key, key.slice(0, 10), amountOf(sum.hours), amountOf(sum.amount)]).sort(byKey),
    );
    assert.ok(asDelivered.some((row: any) => row.periodStart === today), 'today’s released entry is revenue');
  });
});
