import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DomainEvent } from '../../../lib/events/envelope.ts';
import { dataOf } from '../../support/subgraph-harness.ts';
import { finance, requestStatements } from './fixtures.ts';
import { C, P, W, contractCreated, entryApprovalCancelled, entryApproved, expenseApproved, startPosting, type PostingHarness } from './posting-fixture.ts';

/**
 * erp's posting consumer by batch (posting-batch.ts): what the bus hands it at once is posted with one read of the
 * graph and one transaction, in statements that do not grow with the batch, with the one-event path's rules.
 */
describe('erp posts approvals in batches', () => {
  let erp: PostingHarness;
  before(async () => {
    erp = await startPosting();
    await erp.publish(contractCreated({ contractId: C.capped, customerId: 'cust-4', ratedRoleIds: ['r-dev'], notToExceed: '1000.00' }));
    await erp.publish(contractCreated({ contractId: C.managed, customerId: 'cust-5', billingMethod: 'MANAGED_SERVICES' }));
    await erp.publish(contractCreated({ contractId: C.retainer, customerId: 'cust-6', billingMethod: 'RETAINER', startDate: '2026-11-01' }));
  });
  after(() => erp.close());

  /** Hands the events to erp's consumers in one publish, as time's relay does with the rows of one pass. */
  const publishBatch = (events: readonly DomainEvent<unknown>[]) => erp.bus.publishAll!(events);

  /**
   * Billable time, unbillable time, a billable expense, time without a cost rate (uncosted), time on a managed-services
   * contract (hours counted, not billed): every kind of write.
   */
  const kinds = [
    () => entryApproved({ projectId: P.alpha }),
    () => entryApproved({ projectId: P.alpha, billable: false }),
    () => expenseApproved({ projectId: P.alpha }),
    () => entryApproved({ projectId: P.alpha, workerId: W.ben }),
    () => entryApproved({ projectId: P.managed }),
  ];
  const approvalOfKind = (index: number) => kinds[index % kinds.length]();

  async function postBatchOf(size: number) {
    const events = Array.from({ length: size }, (_, index) => approvalOfKind(index));
    const reads = erp.facts.calls;
    erp.database.statements.reset();
    await publishBatch(events);
    const statements = requestStatements(erp.database.statements);
    assert.equal(erp.facts.calls - reads, 1, 'one read of the graph for the batch');
    for (const [index, event] of events.entries()) {
      const sourceId = String((event.data as { timeEntryId?: string; expenseId?: string }).timeEntryId ?? (event.data as { expenseId: string }).expenseId);
      const costs = await erp.costPostingsOf(sourceId);
      assert.equal(costs.length, index % 5 === 3 ? 0 : 1, `cost posting of approval ${index}`);
      assert.equal((await erp.billingEventsOf(sourceId)).length, index % 5 === 1 || index % 5 === 4 ? 0 : 1, `billing event of approval ${index}`);
    }
    const sourceIds = events.map((event) => event.subject.id);
    const uncosted = await erp.database.db.selectFrom('uncosted_time').select('source_id').where('source_id', 'in', sourceIds).execute();
    assert.equal(uncosted.length, size / 5, 'time without a cost rate is recorded as uncosted');
    const counted = await erp.database.db.selectFrom('recurring_usage').select('source_id').where('source_id', 'in', sourceIds).execute();
    assert.equal(counted.length, size / 5, 'time on a managed-services contract is counted');
    return statements;
  }

  it('posts 5 approvals and 50 in the same statements, one transaction, one read of the graph', async () => {
    const five = await postBatchOf(5);
    const fifty = await postBatchOf(50);
    assert.deepEqual(fifty.map((text) => text.replace(/\(\$\d+.*$/s, '')), five.map((text) => text.replace(/\(\$\d+.*$/s, '')));
    assert.equal(fifty.length, five.length, fifty.join('\n'));
    assert.deepEqual([five.filter((text) => /^begin/i.test(text)).length, five.filter((text) => /^commit/i.test(text)).length], [1, 1], 'one transaction');
    assert.ok(five.length <= 20, `a bounded number of statements: ${five.length}\n${five.join('\n')}`);
    assert.equal(five.filter((text) => /insert into ("\w+"\.)?"processed_event"/i.test(text)).length, 1, 'the events marked handled in one statement');
  });

  it('faces the cap in the batch’s order: what the batch wrote before an event counts', async () => {
    const fits = entryApproved({ projectId: P.capped, hours: '7.50' }); // 900.00
    const fitsToo = entryApproved({ projectId: P.capped, hours: '0.50' }); // 60.00: 960.00
    const overruns = entryApproved({ projectId: P.capped, hours: '1.00' }); // 120.00: 1080.00 > 1000.00, held whole
    await publishBatch([fits, fitsToo, overruns]);
    const statuses = [];
    for (const event of [fits, fitsToo, overruns]) {
      const [billing] = await erp.billingEventsOf(event.data.timeEntryId);
      statuses.push([billing.status, billing.held_reason]);
    }
    assert.deepEqual(statuses, [['UNBILLED', null], ['UNBILLED', null], ['HELD', 'CAP_REACHED']]);
    assert.deepEqual((await erp.outboxCausedBy(overruns.id)).map((row) => row.type), ['erp.billing_event.created', 'erp.billing_event.held', 'erp.billing.blocked']);
  });

  it('applies an approval, its cancellation and its approval again in one batch in order; the batch again changes nothing', async () => {
    const first = entryApproved({ projectId: P.alpha });
    const entry = first.data;
    const other = entryApproved({ projectId: P.alpha });
    const batch = [first, other, entryApprovalCancelled(entry), entryApproved({ ...entry, version: entry.version + 2 })];
    await publishBatch(batch);
    const check = async () => {
      const costs = await erp.costPostingsOf(entry.timeEntryId);
      assert.deepEqual(costs.map((cost) => [cost.amount, cost.reversal_of === null, cost.reversed_at === null]), [
        ['487.50', true, false],
        ['-487.50', false, true],
        ['487.50', true, true],
      ]);
      const billings = await erp.billingEventsOf(entry.timeEntryId);
      assert.deepEqual(billings.map((billing) => billing.status), ['REVERSED', 'UNBILLED']);
      assert.equal((await erp.costPostingsOf(other.data.timeEntryId)).length, 1);
      assert.equal((await erp.billingEventsOf(other.data.timeEntryId)).length, 1);
    };
    await check();
    await publishBatch(batch);
    await check();
  });

  it('draws a retainer down in the batch’s order: each approval on what the one before left, the last one overruns', async () => {
    const eur = (amount: string) => ({ amount, currency: 'EUR' });
    const terms = await erp.call(
      `mutation($c: ID!, $input: RecurringTermsInput!) { setRecurringTerms(contractId: $c, input: $input) { recurringTerms { overrunPolicy } } }`,
      { c: C.retainer, input: { fee: eur('2000.00'), overrunPolicy: 'BILL' } },
      finance,
    );
    assert.equal(terms.errors, undefined, JSON.stringify(terms.errors));
    // Closing October bills November (the contract's first month) in advance.
    dataOf(await erp.call(`mutation { runRecurringBilling(periodEnd: "2026-10-31", contractId: "${C.retainer}") { id } }`, {}, finance));
    const batch = [
      entryApproved({ projectId: P.retainer, date: '2026-11-03', hours: '7.50' }), // 900.00
      entryApproved({ projectId: P.retainer, date: '2026-11-04', hours: '7.50', billRate: eur('123.45') }), // 925.88
      entryApproved({ projectId: P.retainer, date: '2026-11-05', hours: '7.50' }), // 900.00: 174.12 left, 725.88 beyond
      entryApproved({ projectId: P.retainer, date: '2026-11-06', hours: '1.00' }), // 120.00, all beyond
    ];
    await publishBatch(batch);
    const overages = [];
    for (const event of batch) overages.push((await erp.billingEventsOf(event.data.timeEntryId)).map((row) => [row.source_type, row.status, row.amount]));
    assert.deepEqual(overages, [[], [], [['OVERAGE', 'UNBILLED', '725.88']], [['OVERAGE', 'UNBILLED', '120.00']]]);
    const { billingSetup } = dataOf(
      await erp.call(
        `query($c: ID!) { billingSetup(contractId: $c) { retainerBalance { drawn { amount } drawnHours overrun { amount } overrunHours remaining { amount } } } }`,
        { c: C.retainer },
        finance,
      ),
    );
    // As one approval at a time (recurring-billing.test.ts): 1.45 h of the third drawn, 6.05 h beyond, then 1.00 h.
    assert.deepEqual(billingSetup.retainerBalance, {
      drawn: { amount: '2000.00' }, drawnHours: '16.45', overrun: { amount: '845.88' }, overrunHours: '7.05', remaining: { amount: '0.00' },
    });
  });

  it('hands a failed batch’s events over one at a time: each posts once', async () => {
    const one = entryApproved({ projectId: P.alpha });
    const two = expenseApproved({ projectId: P.alpha });
    const reads = erp.facts.calls;
    erp.facts.failReads = 1;
    await publishBatch([one, two]);
    assert.equal(erp.facts.calls - reads, 3, 'the batch’s read failed, then one read per event');
    assert.equal((await erp.costPostingsOf(one.data.timeEntryId)).length, 1);
    assert.equal((await erp.billingEventsOf(two.data.expenseId)).length, 1);
  });
});
