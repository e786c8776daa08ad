import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { erpTopics } from '../../../subgraphs/erp/index.ts';
import { finance } from './fixtures.ts';
import { C, P, W, entryApproved, expenseApproved, startPosting, type PostingHarness } from './posting-fixture.ts';

/** `time.entry.approved` / `time.expense.approved` → cost posting and billing event (DESIGN §4.3). */
describe('erp posts approved time and expenses', () => {
  let erp: PostingHarness;
  before(async () => {
    erp = await startPosting();
  });
  after(() => erp.close());

  const billingOf = async (typename: 'TimeEntry' | 'ExpenseEntry', id: string, billable = true) => {
    const result = await erp.call(
      `query($r: [_Any!]!) { _entities(representations: $r) {
        ... on ${typename} { billing { status billingEvent { id status heldReason amount { amount currency } } } }
      } }`,
      { r: [{ __typename: typename, id, billable, status: 'APPROVED' }] },
      finance,
    );
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data._entities[0].billing;
  };

  it('posts cost (hours × cost rate) and an UNBILLED billing event (hours × frozen bill rate), announced in the same transaction', async () => {
    const approved = entryApproved({ projectId: P.alpha });
    const entry = approved.data;
    await erp.publish(approved);

    const [cost] = await erp.costPostingsOf(entry.timeEntryId);
    assert.deepEqual(
      [cost.source_type, cost.worker_id, cost.project_id, cost.legal_entity_id, cost.date, cost.hours, cost.cost_rate, cost.amount, cost.currency],
      ['TIME_ENTRY', W.ana, P.alpha, 'le-de', '2026-11-20', '7.50', '65.00', '487.50', 'EUR'],
    );
    assert.deepEqual([cost.reversal_of, cost.reversed_at], [null, null]);

    const [billing] = await erp.billingEventsOf(entry.timeEntryId);
    assert.deepEqual(
      [billing.status, billing.held_reason, billing.contract_id, billing.customer_id, billing.legal_entity_id, billing.project_id],
      ['UNBILLED', null, C.eur, 'cust-1', 'le-de', P.alpha],
    );
    assert.deepEqual(
      [billing.worker_id, billing.role_id, billing.task_id, billing.date, billing.hours, billing.rate, billing.amount, billing.currency],
      [W.ana, 'r-dev', 't-dev', '2026-11-20', '7.50', '120.00', '900.00', 'EUR'],
    );

    const outbox = await erp.outboxCausedBy(approved.id);
    assert.deepEqual(outbox.map((row) => row.type), [erpTopics.billingEventCreated]);
    assert.equal(outbox[0].correlation_id, approved.correlationId);
    assert.deepEqual([outbox[0].subject_typename, outbox[0].subject_id], ['BillingEvent', billing.id]);
    assert.deepEqual(outbox[0].data, {
      billingEventId: billing.id, sourceType: 'TIME_ENTRY', sourceId: entry.timeEntryId, contractId: C.eur, projectId: P.alpha,
      customerId: 'cust-1', legalEntityId: 'le-de', workerId: W.ana, date: '2026-11-20', hours: '7.50',
      amount: { amount: '900.00', currency: 'EUR' }, status: 'UNBILLED', heldReason: null,
    });

    // The outside facts were read once, for this project and the worker's cost rate on the entry's date, carrying the
    // event's correlation id.
    const request = erp.facts.requests.find((r) => r.correlationId === approved.correlationId);
    assert.deepEqual(request, { projectId: P.alpha, costRateOf: { workerId: W.ana, date: '2026-11-20' }, correlationId: approved.correlationId });

    assert.deepEqual(await billingOf('TimeEntry', entry.timeEntryId), {
      status: 'UNBILLED', billingEvent: { id: billing.id, status: 'UNBILLED', heldReason: null, amount: { amount: '900.00', currency: 'EUR' } },
    });
  });

  it('rounds thirds of hours × rates with cents half-up to the cent, cost and billing alike', async () => {
    const approved = entryApproved({ hours: '1.33', billRate: { amount: '87.50', currency: 'EUR' } });
    await erp.publish(approved);
    const [cost] = await erp.costPostingsOf(approved.data.timeEntryId);
    const [billing] = await erp.billingEventsOf(approved.data.timeEntryId);
    assert.equal(billing.amount, '116.38'); // 116.375
    assert.equal(cost.amount, '86.45'); // 1.33 × 65.00 = 86.4500
    const third = entryApproved({ hours: '0.67', billRate: { amount: '100.05', currency: 'EUR' } });
    await erp.publish(third);
    assert.equal((await erp.billingEventsOf(third.data.timeEntryId))[0].amount, '67.03'); // 67.0335
    assert.equal((await erp.costPostingsOf(third.data.timeEntryId))[0].amount, '43.55'); // 43.5500
  });

  it('posts once whatever the replays: the same event again, or the same approval under another event id', async () => {
    const approved = entryApproved();
    await erp.publish(approved);
    await erp.publish(approved);
    await erp.publish({ ...approved, id: randomUUID() });
    assert.equal((await erp.costPostingsOf(approved.data.timeEntryId)).length, 1);
    assert.equal((await erp.billingEventsOf(approved.data.timeEntryId)).length, 1);
    assert.equal((await erp.outboxCausedBy(approved.id)).length, 1);
  });

  it('refuses, in the database, a second live cost posting or billing event for one source', async () => {
    const approved = entryApproved();
    await erp.publish(approved);
    const db = erp.database.db;
    const [cost] = await erp.costPostingsOf(approved.data.timeEntryId);
    const [billing] = await erp.billingEventsOf(approved.data.timeEntryId);
    await assert.rejects(db.insertInto('cost_posting').values({ ...cost, id: randomUUID(), basis: null }).execute(), /cost_posting_live_source/);
    await assert.rejects(db.insertInto('billing_event').values({ ...billing, id: randomUUID(), basis: null }).execute(), /billing_event_live_source/);
  });

  it('posts cost only for a non-billable entry', async () => {
    const approved = entryApproved({ billable: false });
    await erp.publish(approved);
    assert.equal((await erp.costPostingsOf(approved.data.timeEntryId)).length, 1);
    assert.equal((await erp.billingEventsOf(approved.data.timeEntryId)).length, 0);
    assert.deepEqual(await erp.outboxCausedBy(approved.id), []);
    assert.equal((await billingOf('TimeEntry', approved.data.timeEntryId, false)).status, 'NOT_BILLABLE');
  });

  it('holds a billable entry that arrives without a frozen bill rate (NO_RATE) and tells finance', async () => {
    const approved = entryApproved();
    delete (approved.data as { billRate?: unknown }).billRate;
    await erp.publish(approved);
    const [billing] = await erp.billingEventsOf(approved.data.timeEntryId);
    assert.deepEqual([billing.status, billing.held_reason, billing.amount, billing.rate, billing.currency], ['HELD', 'NO_RATE', '0.00', null, 'EUR']);
    assert.equal((await erp.costPostingsOf(approved.data.timeEntryId)).length, 1);
    const outbox = await erp.outboxCausedBy(approved.id);
    assert.deepEqual(outbox.map((row) => row.type), [erpTopics.billingEventCreated, erpTopics.billingBlocked]);
    assert.equal(outbox[0].data.status, 'HELD');
    assert.deepEqual([outbox[1].subject_typename, outbox[1].subject_id], ['TimeEntry', approved.data.timeEntryId]);
    assert.deepEqual(
      { ...outbox[1].data, reason: undefined },
      { contractId: C.eur, code: 'NO_RATE', reason: undefined, source: { type: 'TIME_ENTRY', id: approved.data.timeEntryId, projectId: P.alpha } },
    );
    // Held events wait for someone: the entry stands as unbilled.
    assert.equal((await billingOf('TimeEntry', approved.data.timeEntryId)).status, 'UNBILLED');
  });

  it('writes what it can when a fact is missing, and says what is missing', async () => {
    const noCostRate = entryApproved({ workerId: W.ben });
    const noContract = entryApproved({ projectId: P.internal });
    const noSetup = entryApproved({ projectId: P.noSetup });
    const unknownProject = entryApproved({ projectId: 'p-gone' });
    for (const event of [noCostRate, noContract, noSetup, unknownProject]) await erp.publish(event);
    const blocked = async (event: { id: string }) =>
      (await erp.outboxCausedBy(event.id)).filter((row) => row.type === erpTopics.billingBlocked).map((row) => [row.data.code, row.data.contractId]);

    // No cost rate: no cost posting, the billing event all the same.
    assert.equal((await erp.costPostingsOf(noCostRate.data.timeEntryId)).length, 0);
    assert.equal((await erp.billingEventsOf(noCostRate.data.timeEntryId))[0].status, 'UNBILLED');
    assert.deepEqual(await blocked(noCostRate), [['NO_COST_RATE', C.eur]]);

    // Billable time on a project without a contract: cost, no billing event.
    assert.equal((await erp.costPostingsOf(noContract.data.timeEntryId)).length, 1);
    assert.equal((await erp.billingEventsOf(noContract.data.timeEntryId)).length, 0);
    assert.deepEqual(await blocked(noContract), [['NO_CONTRACT', null]]);

    // A contract erp has no billing setup for: held, with psa's customer and legal entity.
    const [held] = await erp.billingEventsOf(noSetup.data.timeEntryId);
    assert.deepEqual([held.status, held.held_reason, held.contract_id, held.customer_id, held.amount], ['HELD', 'NO_BILLING_SETUP', C.unset, 'cust-2', '900.00']);
    assert.deepEqual(await blocked(noSetup), [['NO_BILLING_SETUP', C.unset]]);

    // An unknown project: nothing to post against, but the event is not dropped silently.
    assert.equal((await erp.costPostingsOf(unknownProject.data.timeEntryId)).length, 0);
    assert.deepEqual(await blocked(unknownProject), [['NO_PROJECT', null]]);
  });

  it('posts nothing and retries when the facts cannot be read (the event is not marked handled)', async () => {
    const approved = entryApproved();
    // Twice: the read of the event's batch, then its own when the bus hands it over alone.
    erp.facts.failReads = 2;
    await assert.rejects(erp.publish(approved));
    assert.equal((await erp.costPostingsOf(approved.data.timeEntryId)).length, 0);
    await erp.publish(approved);
    assert.equal((await erp.costPostingsOf(approved.data.timeEntryId)).length, 1);
    assert.equal((await erp.billingEventsOf(approved.data.timeEntryId)).length, 1);
  });

  it('posts an approved expense at its amount and bills it at cost', async () => {
    const approved = expenseApproved({ amount: '84.30' });
    await erp.publish(approved);
    const [cost] = await erp.costPostingsOf(approved.data.expenseId);
    assert.deepEqual(
      [cost.source_type, cost.worker_id, cost.project_id, cost.legal_entity_id, cost.hours, cost.cost_rate, cost.amount, cost.currency],
      ['EXPENSE', W.ana, P.alpha, 'le-de', null, null, '84.30', 'EUR'],
    );
    const [billing] = await erp.billingEventsOf(approved.data.expenseId);
    assert.deepEqual(
      [billing.source_type, billing.status, billing.contract_id, billing.hours, billing.rate, billing.amount, billing.currency],
      ['EXPENSE', 'UNBILLED', C.eur, null, null, '84.30', 'EUR'],
    );
    // An expense's cost is its amount: no cost rate is asked for.
    assert.deepEqual(erp.facts.requests.find((r) => r.correlationId === approved.correlationId)?.costRateOf, null);
    assert.equal((await billingOf('ExpenseEntry', approved.data.expenseId)).status, 'UNBILLED');

    const foreign = expenseApproved({ amount: '50.00', currency: 'GBP' });
    await erp.publish(foreign);
    const [held] = await erp.billingEventsOf(foreign.data.expenseId);
    assert.deepEqual([held.status, held.held_reason, held.currency], ['HELD', 'CURRENCY_MISMATCH', 'GBP']);
    assert.equal((await erp.costPostingsOf(foreign.data.expenseId))[0].currency, 'GBP');

    const internal = expenseApproved({ billable: false });
    await erp.publish(internal);
    assert.equal((await erp.costPostingsOf(internal.data.expenseId)).length, 1);
    assert.equal((await erp.billingEventsOf(internal.data.expenseId)).length, 0);
  });

  it('shows in the project financials: cost to date and unbilled amount and hours', async () => {
    const financials = await erp.call(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Project { financials {
        costToDate { amount currency } unbilledAmount { amount currency } unbilledHours } } } }`,
      { r: [{ __typename: 'Project', id: P.noSetup, budgetHours: '100' }] },
      finance,
    );
    // One held entry of 7.50 h at 120.00 (900.00) and its cost at 65.00 (487.50).
    assert.deepEqual(financials.data._entities[0].financials, {
      costToDate: [{ amount: '487.50', currency: 'EUR' }],
      unbilledAmount: [{ amount: '900.00', currency: 'EUR' }],
      unbilledHours: '7.50',
    });
  });
});
