import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createEvent, type DomainEvent } from '../../../lib/events/envelope.ts';
import { crmTopics, type ContractAmended, type ContractCreated } from '../../../subgraphs/crm/index.ts';
import { erpTopics } from '../../../subgraphs/erp/index.ts';
import { psaTopics, type MilestoneCompleted } from '../../../subgraphs/psa/index.ts';
import { dataOf } from '../../support/subgraph-harness.ts';
import { finance, worker } from './fixtures.ts';
import { C, P, contractCreated as fixtureContract, entryApproved, expenseApproved, startPosting, type PostingHarness } from './posting-fixture.ts';

const cause = () => ({ correlationId: randomUUID() });

const contractCreated = (data: Partial<ContractCreated> & { contractId: string }) => fixtureContract({ customerId: 'cust-3', billingMethod: 'FIXED_FEE', ratedRoleIds: [], ...data });

const milestoneCompleted = (over: Partial<MilestoneCompleted> = {}): DomainEvent<MilestoneCompleted> => {
  const data: MilestoneCompleted = {
    milestoneId: randomUUID(), projectId: P.fixed, contractId: C.fixed, customerId: 'cust-3', name: 'Design signed off', amount: '2500.00',
    currency: 'EUR', dueDate: '2026-11-30', completedAt: '2026-11-24T16:30:00.000Z', ...over,
  };
  return createEvent('psa', psaTopics.milestoneCompleted, { typename: 'Milestone', id: data.milestoneId }, data, cause(), new Date());
};

/** Fixed-fee milestones and schedules, FIXED_FEE time, the not-to-exceed cap and the expense markup (DESIGN §2). */
describe('erp billing models', () => {
  let erp: PostingHarness;
  before(async () => {
    erp = await startPosting();
    await erp.publish(contractCreated({ contractId: C.fixed, amount: '10000.00' }));
    await erp.publish(contractCreated({ contractId: C.capped, customerId: 'cust-4', billingMethod: 'TIME_AND_MATERIALS', ratedRoleIds: ['r-dev'], notToExceed: '1000.00' }));
  });
  after(() => erp.close());

  const setupOf = async (contractId: string) =>
    dataOf(
      await erp.call(
        `query($c: ID!) { billingSetup(contractId: $c) {
          billingMethod contractAmount { amount currency } notToExceed { amount currency } expenseMarkupPercent
          schedule { date description amount { amount currency } released billingEvent { sourceType status amount { amount } } }
          capUsage { cap { amount currency } billed { amount } unbilled { amount } held { amount } remaining { amount } }
        } }`,
        { c: contractId },
        finance,
      ),
    ).billingSetup;

  it('bills a completed milestone once, in the contract currency, whatever the replays', async () => {
    const completed = milestoneCompleted();
    await erp.publish(completed);
    await erp.publish(completed);
    // The same completion under another event id (a re-publish): the live event stands, nothing more is written.
    const again = createEvent('psa', psaTopics.milestoneCompleted, completed.subject, completed.data, cause(), new Date());
    await erp.publish(again);

    const events = await erp.billingEventsOf(completed.data.milestoneId);
    assert.equal(events.length, 1);
    const [event] = events;
    assert.deepEqual(
      [event.source_type, event.status, event.contract_id, event.project_id, event.customer_id, event.legal_entity_id, event.worker_id, event.date, event.amount, event.currency, event.hours],
      ['MILESTONE', 'UNBILLED', C.fixed, P.fixed, 'cust-3', 'le-de', null, '2026-11-24', '2500.00', 'EUR', null],
    );
    assert.deepEqual((await erp.outboxCausedBy(completed.id)).map((row) => [row.type, row.data.sourceType, row.data.amount]), [
      [erpTopics.billingEventCreated, 'MILESTONE', { amount: '2500.00', currency: 'EUR' }],
    ]);
    assert.deepEqual(await erp.outboxCausedBy(again.id), []);
    const read = await erp.call(`query($id: ID!) { billingEvent(id: $id) { sourceType description amount { amount currency } } }`, { id: event.id }, finance);
    assert.deepEqual(dataOf(read).billingEvent, { sourceType: 'MILESTONE', description: 'Milestone: Design signed off', amount: { amount: '2500.00', currency: 'EUR' } });
  });

  it('finds the contract through psa when the event names none, bills a T&M milestone, and holds another currency', async () => {
    const requestsBefore = erp.facts.requests.length;
    const unnamed = milestoneCompleted({ contractId: null, amount: '100.00' });
    await erp.publish(unnamed);
    assert.deepEqual(erp.facts.requests.slice(requestsBefore).map((r) => [r.projectId, r.costRateOf]), [[P.fixed, null]]);
    assert.deepEqual((await erp.billingEventsOf(unnamed.data.milestoneId)).map((e) => [e.contract_id, e.status]), [[C.fixed, 'UNBILLED']]);

    const onTimeAndMaterials = milestoneCompleted({ projectId: P.alpha, contractId: C.eur, amount: '750.00' });
    await erp.publish(onTimeAndMaterials);
    assert.deepEqual((await erp.billingEventsOf(onTimeAndMaterials.data.milestoneId)).map((e) => [e.contract_id, e.status, e.amount]), [[C.eur, 'UNBILLED', '750.00']]);

    const inDollars = milestoneCompleted({ amount: '10.00', currency: 'USD' });
    await erp.publish(inDollars);
    assert.deepEqual((await erp.billingEventsOf(inDollars.data.milestoneId)).map((e) => [e.status, e.held_reason]), [['HELD', 'CURRENCY_MISMATCH']]);
    assert.deepEqual((await erp.outboxCausedBy(inDollars.id)).map((row) => [row.type, row.data.code ?? row.data.status]), [
      [erpTopics.billingEventCreated, 'HELD'],
      [erpTopics.billingBlocked, 'CURRENCY_MISMATCH'],
    ]);

    const free = milestoneCompleted({ amount: '0.00' });
    await erp.publish(free);
    assert.deepEqual(await erp.billingEventsOf(free.data.milestoneId), []);
  });

  it('posts the cost of time on a FIXED_FEE contract but bills none of it; its expenses still bill', async () => {
    const approved = entryApproved({ projectId: P.fixed });
    await erp.publish(approved);
    assert.equal((await erp.costPostingsOf(approved.data.timeEntryId)).length, 1);
    assert.deepEqual(await erp.billingEventsOf(approved.data.timeEntryId), []);
    assert.deepEqual(await erp.outboxCausedBy(approved.id), []);

    const expense = expenseApproved({ projectId: P.fixed });
    await erp.publish(expense);
    assert.deepEqual((await erp.billingEventsOf(expense.data.expenseId)).map((e) => [e.source_type, e.status, e.amount]), [['EXPENSE', 'UNBILLED', '84.30']]);
  });

  it('bills billable expenses with the setup markup, rounded half-up to the cent', async () => {
    const update = await erp.call(
      `mutation($c: ID!) { updateBillingSetup(contractId: $c, input: { expenseMarkupPercent: "12.5" }) { expenseMarkupPercent } }`,
      { c: C.fixed },
      finance,
    );
    assert.equal(dataOf(update).updateBillingSetup.expenseMarkupPercent, '12.50');
    const bad = await erp.call(`mutation($c: ID!) { updateBillingSetup(contractId: $c, input: { expenseMarkupPercent: "-1" }) { id } }`, { c: C.fixed }, finance);
    assert.equal(bad.errors?.[0].extensions?.code, 'BAD_USER_INPUT');

    const expense = expenseApproved({ projectId: P.fixed, amount: '84.30' });
    await erp.publish(expense);
    assert.equal((await erp.costPostingsOf(expense.data.expenseId))[0].amount, '84.30');
    assert.deepEqual((await erp.billingEventsOf(expense.data.expenseId)).map((e) => [e.amount, e.currency]), [['94.84', 'EUR']]); // 94.8375
  });

  it('sets a fixed-fee schedule within the contract amount, and releases each due line once', async () => {
    const set = (contractId: string, lines: unknown[], identity = finance) =>
      erp.call(
        `mutation($c: ID!, $lines: [BillingScheduleLineInput!]!) { setBillingSchedule(contractId: $c, lines: $lines) { schedule { date amount { amount } released } } }`,
        { c: contractId, lines },
        identity,
      );
    const line = (date: string, amount: string, description = `instalment ${date}`, currency = 'EUR') => ({ date, amount: { amount, currency }, description });

    assert.equal((await set(C.fixed, [line('2026-01-31', '6000.00'), line('2026-02-28', '4000.01')])).errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    assert.equal((await set(C.fixed, [line('2026-01-31', '10.00', 'x', 'USD')])).errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    assert.equal((await set(C.capped, [line('2026-01-31', '10.00')])).errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    assert.equal((await set(C.fixed, [line('2026-01-31', '10.00')], worker)).errors?.[0].extensions?.code, 'FORBIDDEN');
    assert.equal((await set('c-nowhere', [])).errors?.[0].extensions?.code, 'NOT_FOUND');

    // The fee caps every fixed-fee method together: the milestones above billed 2,600.00 of the 10,000.00, 7,400.00 is left.
    assert.equal((await set(C.fixed, [line('2026-03-31', '3000.00'), line('2026-01-31', '3000.00'), line('2026-02-28', '4000.00')])).errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    const accepted = await set(C.fixed, [line('2026-03-31', '400.00'), line('2026-01-31', '3000.00'), line('2026-02-28', '4000.00')]);
    assert.deepEqual(dataOf(accepted).setBillingSchedule.schedule.map((l: any) => [l.date, l.amount.amount, l.released]), [
      ['2026-01-31', '3000.00', false], ['2026-02-28', '4000.00', false], ['2026-03-31', '400.00', false],
    ]);

    const release = (asOf: string) =>
      erp.call(`mutation($asOf: Date!, $c: ID) { releaseScheduledBilling(asOf: $asOf, contractId: $c) { id sourceType status date amount { amount currency } contract { id } } }`, { asOf, c: C.fixed }, finance);
    const first = dataOf(await release('2026-02-28')).releaseScheduledBilling;
    assert.deepEqual(first.map((e: any) => [e.sourceType, e.status, e.date, e.amount.amount, e.contract.id]), [
      ['SCHEDULE', 'UNBILLED', '2026-01-31', '3000.00', C.fixed],
      ['SCHEDULE', 'UNBILLED', '2026-02-28', '4000.00', C.fixed],
    ]);
    assert.deepEqual(dataOf(await release('2026-02-28')).releaseScheduledBilling, []);
    assert.equal((await erp.call(`mutation { releaseScheduledBilling(asOf: "2026-12-31") { id } }`, {}, worker)).errors?.[0].extensions?.code, 'FORBIDDEN');

    // Released lines stay when the schedule is set again, and count toward the contract amount.
    assert.equal((await set(C.fixed, [line('2026-04-30', '400.01')])).errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    await set(C.fixed, [line('2026-04-30', '300.00'), line('2026-05-31', '100.00')]);
    const setup = await setupOf(C.fixed);
    assert.deepEqual(setup.contractAmount, { amount: '10000.00', currency: 'EUR' });
    assert.deepEqual(setup.schedule.map((l: any) => [l.date, l.amount.amount, l.released, l.billingEvent?.sourceType ?? null]), [
      ['2026-01-31', '3000.00', true, 'SCHEDULE'], ['2026-02-28', '4000.00', true, 'SCHEDULE'], ['2026-04-30', '300.00', false, null], ['2026-05-31', '100.00', false, null],
    ]);
    const later = dataOf(await release('2026-04-30')).releaseScheduledBilling;
    assert.deepEqual(later.map((e: any) => [e.date, e.amount.amount]), [['2026-04-30', '300.00']]);
  });

  it('holds whole, and announces, a billing event that would take the contract past its cap', async () => {
    assert.deepEqual((await setupOf(C.capped)).capUsage, {
      cap: { amount: '1000.00', currency: 'EUR' }, billed: { amount: '0.00' }, unbilled: { amount: '0.00' }, held: { amount: '0.00' }, remaining: { amount: '1000.00' },
    });
    const fits = entryApproved({ projectId: P.capped, hours: '7.50' }); // 900.00
    await erp.publish(fits);
    assert.deepEqual((await erp.billingEventsOf(fits.data.timeEntryId)).map((e) => [e.status, e.amount]), [['UNBILLED', '900.00']]);

    const overruns = entryApproved({ projectId: P.capped, hours: '1.00' }); // 120.00: 1020.00 > 1000.00, held whole
    await erp.publish(overruns);
    const [held] = await erp.billingEventsOf(overruns.data.timeEntryId);
    assert.deepEqual([held.status, held.held_reason, held.amount], ['HELD', 'CAP_REACHED', '120.00']);
    assert.equal((await erp.costPostingsOf(overruns.data.timeEntryId)).length, 1);
    const outbox = await erp.outboxCausedBy(overruns.id);
    assert.deepEqual(outbox.map((row) => row.type), [erpTopics.billingEventCreated, erpTopics.billingEventHeld, erpTopics.billingBlocked]);
    assert.deepEqual([outbox[0].data.status, outbox[0].data.heldReason], ['HELD', 'CAP_REACHED']);
    assert.deepEqual(outbox[1].data, {
      billingEventId: held.id, sourceType: 'TIME_ENTRY', sourceId: overruns.data.timeEntryId, contractId: C.capped, projectId: P.capped,
      amount: { amount: '120.00', currency: 'EUR' }, heldReason: 'CAP_REACHED',
      capUsage: {
        cap: { amount: '1000.00', currency: 'EUR' }, billed: { amount: '0.00', currency: 'EUR' }, unbilled: { amount: '900.00', currency: 'EUR' },
        held: { amount: '0.00', currency: 'EUR' }, remaining: { amount: '100.00', currency: 'EUR' },
      },
    });
    assert.deepEqual([outbox[2].subject_typename, outbox[2].subject_id, outbox[2].data.code, outbox[2].data.contractId], ['BillingEvent', held.id, 'CAP_REACHED', C.capped]);
    assert.deepEqual(outbox[2].data.source, { type: 'TIME_ENTRY', id: overruns.data.timeEntryId, projectId: P.capped });

    // A held event does not use the cap: what still fits bills; milestones are capped like time.
    const small = entryApproved({ projectId: P.capped, hours: '0.50' }); // 60.00
    await erp.publish(small);
    assert.equal((await erp.billingEventsOf(small.data.timeEntryId))[0].status, 'UNBILLED');
    const milestone = milestoneCompleted({ projectId: P.capped, contractId: C.capped, amount: '40.01' });
    await erp.publish(milestone);
    assert.deepEqual((await erp.billingEventsOf(milestone.data.milestoneId)).map((e) => [e.status, e.held_reason]), [['HELD', 'CAP_REACHED']]);
    assert.deepEqual((await setupOf(C.capped)).capUsage, {
      cap: { amount: '1000.00', currency: 'EUR' }, billed: { amount: '0.00' }, unbilled: { amount: '960.00' }, held: { amount: '160.01' }, remaining: { amount: '40.00' },
    });
  });

  it('follows crm: the contract amount and cap of an amendment; no cap, no cap usage', async () => {
    assert.equal((await setupOf(C.fixed)).capUsage, null);
    const amended = createEvent<ContractAmended>('crm', crmTopics.contractAmended, { typename: 'Contract', id: C.capped }, {
      contractId: C.capped, amendmentId: randomUUID(), effectiveDate: '2026-11-25', soldHours: null, amount: '20000.00', endDate: null, notToExceed: '2000.00',
    }, cause(), new Date());
    await erp.publish(amended);
    const setup = await setupOf(C.capped);
    assert.deepEqual([setup.contractAmount, setup.notToExceed, setup.capUsage.remaining], [
      { amount: '20000.00', currency: 'EUR' }, { amount: '2000.00', currency: 'EUR' }, { amount: '1040.00' },
    ]);
  });

  it('holds, and announces, a milestone that would bill past the fixed fee; an amendment raising the fee releases it', async () => {
    // C.fixed's fee of 10,000.00 has 2,600.00 of milestones and 7,400.00 of schedule lines (7,300.00 released) asked of it.
    const past = milestoneCompleted({ amount: '200.00' });
    await erp.publish(past);
    const [held] = await erp.billingEventsOf(past.data.milestoneId);
    assert.deepEqual([held.status, held.held_reason, held.amount], ['HELD', 'FEE_EXCEEDED', '200.00']);
    const announced = await erp.outboxCausedBy(past.id);
    assert.deepEqual(announced.map((row) => [row.type, row.data.heldReason ?? row.data.code ?? null]), [
      [erpTopics.billingEventCreated, 'FEE_EXCEEDED'], [erpTopics.billingEventHeld, 'FEE_EXCEEDED'], [erpTopics.billingBlocked, 'FEE_EXCEEDED'],
    ]);
    assert.deepEqual(announced[1].data.feeUsage, {
      fee: { amount: '10000.00', currency: 'EUR' }, asked: { amount: '9900.00', currency: 'EUR' }, remaining: { amount: '100.00', currency: 'EUR' },
    });
    // A smaller one still fits, landing exactly on the fee.
    const fits = milestoneCompleted({ amount: '100.00' });
    await erp.publish(fits);
    assert.deepEqual((await erp.billingEventsOf(fits.data.milestoneId)).map((e) => e.status), ['UNBILLED']);
    assert.equal(dataOf(await erp.call(`mutation($c: ID!) { releaseHeldBillingEvents(contractId: $c) { id } }`, { c: C.fixed }, finance)).releaseHeldBillingEvents.length, 0);

    const amended = createEvent<ContractAmended>('crm', crmTopics.contractAmended, { typename: 'Contract', id: C.fixed }, {
      contractId: C.fixed, amendmentId: randomUUID(), effectiveDate: '2026-11-25', soldHours: null, amount: '10200.00', endDate: null, notToExceed: null,
    }, cause(), new Date());
    await erp.publish(amended);
    assert.deepEqual((await erp.billingEventsOf(past.data.milestoneId)).map((e) => [e.status, e.held_reason]), [['UNBILLED', null]]);
    assert.deepEqual((await erp.outboxCausedBy(amended.id)).map((row) => [row.type, row.data.heldReason, row.data.remaining]), [
      [erpTopics.billingEventReleased, 'FEE_EXCEEDED', { amount: '0.00', currency: 'EUR' }],
    ]);
  });
});
