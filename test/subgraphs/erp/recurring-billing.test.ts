import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ContractCreated } from '../../../subgraphs/crm/index.ts';
import { erpTopics } from '../../../subgraphs/erp/index.ts';
import { admin, dataOf } from '../../support/subgraph-harness.ts';
import { finance, manager, worker } from './fixtures.ts';
import { C, P, contractCreated as fixtureContract, entryApprovalCancelled, entryApproved, startPosting, type PostingHarness } from './posting-fixture.ts';

const contractCreated = (data: Partial<ContractCreated> & { contractId: string }) => fixtureContract({ customerId: 'cust-5', billingMethod: 'MANAGED_SERVICES', ...data });

const eur = (amount: string) => ({ amount, currency: 'EUR' });

/** MANAGED_SERVICES and RETAINER contracts (DESIGN §2): terms, period closes, drawdowns, overruns, the cap. */
describe('erp recurring billing', () => {
  let erp: PostingHarness;
  before(async () => {
    erp = await startPosting();
    await erp.publish(contractCreated({ contractId: C.managed }));
    await erp.publish(contractCreated({ contractId: C.managedCapped, notToExceed: '5500.00' }));
    await erp.publish(contractCreated({ contractId: C.retainer, customerId: 'cust-6', billingMethod: 'RETAINER', startDate: '2026-11-01' }));
    await erp.publish(contractCreated({ contractId: C.retainerHeld, customerId: 'cust-6', billingMethod: 'RETAINER', startDate: '2026-11-01' }));
  });
  after(() => erp.close());

  const setTerms = (contractId: string, input: Record<string, unknown>, identity = finance) =>
    erp.call(
      `mutation($c: ID!, $input: RecurringTermsInput!) { setRecurringTerms(contractId: $c, input: $input, idempotencyKey: "${randomUUID()}") {
        recurringTerms { fee { amount currency } includedHours overageRate { amount currency } overrunPolicy } } }`,
      { c: contractId, input },
      identity,
    );
  const run = (periodEnd: string, contractId: string | null, identity = finance, key: string = randomUUID()) =>
    erp.call(
      `mutation($p: Date!, $c: ID, $k: String) { runRecurringBilling(periodEnd: $p, contractId: $c, idempotencyKey: $k) {
        id sourceType sourceId status heldReason date hours rate { amount } amount { amount currency } project { id } } }`,
      { p: periodEnd, c: contractId, k: key },
      identity,
    );
  const ran = async (periodEnd: string, contractId: string | null) => {
    const result = dataOf(await run(periodEnd, contractId)).runRecurringBilling as any[];
    return result.map((e) => [e.sourceType, e.status, e.date, e.hours, e.rate?.amount ?? null, e.amount.amount]);
  };
  const balanceOf = async (contractId: string) =>
    dataOf(await erp.call(`query($c: ID!) { billingSetup(contractId: $c) { retainerBalance { feesBilled { amount } drawn { amount } drawnHours overrun { amount } overrunHours remaining { amount currency } } } }`, { c: contractId }, finance))
      .billingSetup.retainerBalance;
  const approve = async (projectId: string, date: string, hours: string, over = {}) => {
    const approved = entryApproved({ projectId, date, hours, ...over });
    await erp.publish(approved);
    return approved;
  };
  const setupId = async (contractId: string) => (await erp.database.db.selectFrom('billing_setup').select('id').where('contract_id', '=', contractId).executeTakeFirstOrThrow()).id;

  it('lets only finance set terms and close periods, and checks them', async () => {
    const terms = { fee: eur('5000.00'), includedHours: '40', overageRate: eur('97.35') };
    assert.equal((await setTerms(C.managed, terms, worker)).errors?.[0].extensions?.code, 'FORBIDDEN');
    assert.equal((await setTerms(C.managed, terms, manager)).errors?.[0].extensions?.code, 'FORBIDDEN');
    assert.equal((await run('2026-10-31', null, worker)).errors?.[0].extensions?.code, 'FORBIDDEN');
    assert.equal((await run('2026-10-31', null, manager)).errors?.[0].extensions?.code, 'FORBIDDEN');
    assert.equal((await setTerms(C.eur, terms)).errors?.[0].extensions?.code, 'BAD_USER_INPUT'); // T&M
    assert.equal((await setTerms(C.managed, { fee: eur('5000.00'), includedHours: '40' })).errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    assert.equal((await setTerms(C.retainer, { fee: eur('2000.00') })).errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    assert.equal((await setTerms('c-nowhere', terms)).errors?.[0].extensions?.code, 'NOT_FOUND');
    assert.equal((await run('2026-10-30', C.managed)).errors?.[0].extensions?.code, 'BAD_USER_INPUT'); // not a month's last day
    assert.equal((await run('2026-10-31', C.managed)).errors?.[0].extensions?.code, 'BAD_USER_INPUT'); // no terms yet
    assert.equal((await run('2026-10-31', C.eur)).errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    assert.equal((await run('2026-10-31', 'c-nowhere')).errors?.[0].extensions?.code, 'NOT_FOUND');

    assert.deepEqual(dataOf(await setTerms(C.managed, terms)).setRecurringTerms.recurringTerms, {
      fee: eur('5000.00'), includedHours: '40.00', overageRate: eur('97.35'), overrunPolicy: null,
    });
    const byAdmin = await setTerms(C.retainer, { fee: eur('2000.00'), overrunPolicy: 'BILL' }, admin);
    assert.deepEqual(dataOf(byAdmin).setRecurringTerms.recurringTerms, { fee: eur('2000.00'), includedHours: null, overageRate: null, overrunPolicy: 'BILL' });
    const read = await erp.call(`query($c: ID!) { billingSetup(contractId: $c) { recurringTerms { fee { amount } } } }`, { c: C.managed }, worker);
    assert.equal(read.errors?.[0].extensions?.code, 'FORBIDDEN');
  });

  it('bills a managed-services month without overage: its fee once, time at cost only', async () => {
    const october = [await approve(P.managed, '2026-10-05', '7.50'), await approve(P.managedToo, '2026-10-12', '7.50'), await approve(P.managed, '2026-10-20', '25.00')];
    for (const approved of october) {
      assert.equal((await erp.costPostingsOf(approved.data.timeEntryId)).length, 1);
      assert.deepEqual(await erp.billingEventsOf(approved.data.timeEntryId), []);
      assert.deepEqual(await erp.outboxCausedBy(approved.id), []);
    }
    // 40.00 h of 40 included: the fee only, dated the period end, of the contract (no project).
    const key = randomUUID();
    const first = dataOf(await run('2026-10-31', C.managed, finance, key)).runRecurringBilling;
    assert.deepEqual(first.map((e: any) => [e.sourceType, e.sourceId, e.status, e.date, e.amount, e.project]), [
      ['RECURRING_FEE', `${await setupId(C.managed)}:2026-10`, 'UNBILLED', '2026-10-31', eur('5000.00'), null],
    ]);
    // The same request again (a retry) answers the same; another run of the month creates nothing.
    assert.deepEqual(dataOf(await run('2026-10-31', C.managed, finance, key)).runRecurringBilling.map((e: any) => e.id), first.map((e: any) => e.id));
    assert.deepEqual(await ran('2026-10-31', C.managed), []);
    // Closing the month for every contract bills what the others owe (the retainer's November, in advance), nothing
    // of this one again.
    const all = dataOf(await run('2026-10-31', null)).runRecurringBilling;
    assert.deepEqual(all.map((e: any) => [e.sourceType, e.sourceId, e.amount.amount]), [['RETAINER', `${await setupId(C.retainer)}:2026-11`, '2000.00']]);
    assert.deepEqual(await ran('2026-10-31', null), []);
  });

  it('bills the hours above the included ones at the overage rate, then only late approvals, never an hour twice', async () => {
    await approve(P.managed, '2026-11-02', '20.00');
    await approve(P.managedToo, '2026-11-09', '20.00');
    const takenBack = await approve(P.managed, '2026-11-16', '5.33');
    await approve(P.managed, '2026-11-17', '3.00', { billable: false }); // not billable: not counted
    await approve(P.managed, '2026-12-01', '8.00'); // December's
    // 45.33 h − 40 included = 5.33 h × 97.35 = 518.8755 → 518.88
    assert.deepEqual(await ran('2026-11-30', C.managed), [
      ['RECURRING_FEE', 'UNBILLED', '2026-11-30', null, null, '5000.00'],
      ['OVERAGE', 'UNBILLED', '2026-11-30', '5.33', '97.35', '518.88'],
    ]);
    assert.deepEqual(await ran('2026-11-30', C.managed), []);

    // Approved after the close: the re-run bills its 2.25 h only (219.0375 → 219.04), as the month's second overage.
    await approve(P.managedToo, '2026-11-27', '2.25');
    const late = dataOf(await run('2026-11-30', C.managed)).runRecurringBilling;
    assert.deepEqual(late.map((e: any) => [e.sourceType, e.sourceId, e.hours, e.amount.amount]), [['OVERAGE', `${await setupId(C.managed)}:2026-11:2`, '2.25', '219.04']]);

    // Taken back after billing: 42.25 h stand, 7.58 h were billed; nothing more is billed, and re-approving the same
    // hours does not bill them again.
    await erp.publish(entryApprovalCancelled(takenBack.data));
    assert.deepEqual(await ran('2026-11-30', C.managed), []);
    await erp.publish(entryApproved({ ...takenBack.data }));
    assert.deepEqual(await ran('2026-11-30', C.managed), []);
    const overage = await erp.database.db.selectFrom('billing_event').select(['hours', 'amount']).where('contract_id', '=', C.managed).where('source_type', '=', 'OVERAGE').orderBy('source_id').execute();
    assert.deepEqual(overage.map((e) => [e.hours, e.amount]), [['5.33', '518.88'], ['2.25', '219.04']]);
  });

  it('holds managed-services billing that would pass the cap, through the common billing-event writer', async () => {
    assert.equal((await setTerms(C.managedCapped, { fee: eur('5000.00'), includedHours: '10.00', overageRate: eur('100.00') })).errors, undefined);
    await approve(P.managedCapped, '2026-11-03', '16.00'); // 6 h over: 600.00, 500.00 left under the cap of 5500.00
    assert.deepEqual(await ran('2026-11-30', C.managedCapped), [
      ['RECURRING_FEE', 'UNBILLED', '2026-11-30', null, null, '5000.00'],
      ['OVERAGE', 'HELD', '2026-11-30', '6.00', '100.00', '600.00'],
    ]);
    const held = dataOf(await erp.call(`query($c: ID!) { billingEvents(filter: { contractId: $c, status: [HELD] }) { nodes { id heldReason } } }`, { c: C.managedCapped }, finance));
    assert.deepEqual(held.billingEvents.nodes.map((e: any) => e.heldReason), ['CAP_REACHED']);
    const outbox = await erp.database.db.selectFrom('outbox').select(['type', 'data']).where('subject_id', '=', held.billingEvents.nodes[0].id).orderBy('seq').execute();
    assert.deepEqual(outbox.map((row) => row.type), [erpTopics.billingEventCreated, erpTopics.billingEventHeld, erpTopics.billingBlocked]);
    // Held, it is not billed again by a re-run.
    assert.deepEqual(await ran('2026-11-30', C.managedCapped), []);
  });

  it('bills a retainer in advance, draws it down at the frozen rates, and bills the overrun', async () => {
    // Closing October billed November (the contract's first month) in advance; October is not the contract's.
    assert.deepEqual(await ran('2026-10-31', C.retainer), []);
    assert.deepEqual(await balanceOf(C.retainer), { feesBilled: { amount: '2000.00' }, drawn: { amount: '0.00' }, drawnHours: '0.00', overrun: { amount: '0.00' }, overrunHours: '0.00', remaining: eur('2000.00') });

    const first = await approve(P.retainer, '2026-11-03', '7.50'); // 900.00
    await approve(P.retainer, '2026-11-04', '7.50', { billRate: eur('123.45') }); // 925.875 → 925.88
    assert.deepEqual(await erp.billingEventsOf(first.data.timeEntryId), []);
    assert.equal((await erp.costPostingsOf(first.data.timeEntryId)).length, 1);
    assert.deepEqual(await balanceOf(C.retainer), { feesBilled: { amount: '2000.00' }, drawn: { amount: '1825.88' }, drawnHours: '15.00', overrun: { amount: '0.00' }, overrunHours: '0.00', remaining: eur('174.12') });

    // 900.00 needed, 174.12 left: 725.88 overruns, billed (the terms say BILL) as OVERAGE on the entry.
    const overrunning = await approve(P.retainer, '2026-11-05', '7.50');
    const [overage] = await erp.billingEventsOf(overrunning.data.timeEntryId);
    assert.deepEqual([overage.source_type, overage.status, overage.amount, overage.project_id, overage.date], ['OVERAGE', 'UNBILLED', '725.88', P.retainer, '2026-11-05']);
    assert.deepEqual((await erp.outboxCausedBy(overrunning.id)).map((row) => [row.type, row.data.sourceType, row.data.amount.amount]), [[erpTopics.billingEventCreated, 'OVERAGE', '725.88']]);
    // Its hours split like its value: 7.50 h × 174.12 ÷ 900.00 = 1.451 → 1.45 h drawn, 6.05 h beyond the balance.
    assert.deepEqual(await balanceOf(C.retainer), {
      feesBilled: { amount: '2000.00' }, drawn: { amount: '2000.00' }, drawnHours: '16.45', overrun: { amount: '725.88' }, overrunHours: '6.05', remaining: eur('0.00'),
    });
    // The same approval delivered again draws nothing more.
    await erp.publish(entryApproved({ ...overrunning.data }));
    assert.deepEqual((await balanceOf(C.retainer)).drawn, { amount: '2000.00' });

    // Closing November bills December in advance, once; the balance runs on.
    assert.deepEqual(await ran('2026-11-30', C.retainer), [['RETAINER', 'UNBILLED', '2026-11-30', null, null, '2000.00']]);
    assert.deepEqual(await ran('2026-11-30', null), []);
    assert.deepEqual((await balanceOf(C.retainer)).remaining, eur('2000.00'));

    // Taking the overrunning entry's approval back reverses its overage and returns its drawdown.
    const cancelled = entryApprovalCancelled(overrunning.data);
    await erp.publish(cancelled);
    assert.deepEqual((await erp.billingEventsOf(overrunning.data.timeEntryId)).map((e) => [e.source_type, e.status]), [['OVERAGE', 'REVERSED']]);
    assert.deepEqual((await erp.outboxCausedBy(cancelled.id)).map((row) => [row.type, row.data.sourceType, row.data.cause]), [[erpTopics.billingEventReversed, 'OVERAGE', 'APPROVAL_CANCELLED']]);
    assert.deepEqual(await balanceOf(C.retainer), { feesBilled: { amount: '4000.00' }, drawn: { amount: '1825.88' }, drawnHours: '15.00', overrun: { amount: '0.00' }, overrunHours: '0.00', remaining: eur('2174.12') });
  });

  it('holds a retainer overrun for review when the terms say HOLD', async () => {
    assert.equal((await setTerms(C.retainerHeld, { fee: eur('500.00'), overrunPolicy: 'HOLD' })).errors, undefined);
    // A first close in the contract's first month bills that month (never billed) and the next in advance.
    assert.deepEqual(await ran('2026-11-30', C.retainerHeld), [
      ['RETAINER', 'UNBILLED', '2026-11-30', null, null, '500.00'],
      ['RETAINER', 'UNBILLED', '2026-11-30', null, null, '500.00'],
    ]);
    const over = await approve(P.retainerHeld, '2026-11-10', '10.00'); // 1200.00 against 1000.00
    const [held] = await erp.billingEventsOf(over.data.timeEntryId);
    assert.deepEqual([held.source_type, held.status, held.held_reason, held.amount], ['OVERAGE', 'HELD', 'RETAINER_OVERRUN', '200.00']);
    const outbox = await erp.outboxCausedBy(over.id);
    assert.deepEqual(outbox.map((row) => [row.type, row.data.status ?? row.data.code]), [[erpTopics.billingEventCreated, 'HELD'], [erpTopics.billingBlocked, 'RETAINER_OVERRUN']]);
    assert.deepEqual([outbox[1].subject_typename, outbox[1].subject_id, outbox[1].data.contractId], ['BillingEvent', held.id, C.retainerHeld]);
    // 10.00 h × 1000.00 ÷ 1200.00 = 8.333 → 8.33 h drawn, 1.67 h beyond.
    assert.deepEqual(await balanceOf(C.retainerHeld), {
      feesBilled: { amount: '1000.00' }, drawn: { amount: '1000.00' }, drawnHours: '8.33', overrun: { amount: '200.00' }, overrunHours: '1.67', remaining: eur('0.00'),
    });
    // Other methods show no retainer balance.
    assert.equal(await balanceOf(C.managed), null);
  });
});
