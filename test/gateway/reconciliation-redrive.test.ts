import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../lib/config.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { approvedEntry, billableWork } from '../support/demo-work.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { dataOf } from '../support/subgraph-harness.ts';

const asFinance = { roles: ['FINANCE' as const] };

const redrive = `mutation($ids: [ID!], $type: ReconciliationExceptionType, $key: String) {
  redriveReconciliationExceptions(ids: $ids, type: $type, idempotencyKey: $key) {
    republished
    items {
      outcome eventId exception { id type status }
      subject { __typename ... on TimeEntry { id status } ... on ExpenseEntry { id status } }
    }
  } }`;
const republish = `mutation($timeEntryIds: [ID!], $expenseIds: [ID!], $key: String) {
  republishApprovals(timeEntryIds: $timeEntryIds, expenseIds: $expenseIds, idempotencyKey: $key) {
    id kind outcome eventId timeEntry { id status } expense { id }
  } }`;

/**
 * Repair from reconciliation (issue 13, item 4), through the gateway: an approval whose event never reached erp (what
 * erp posted for it is deleted behind the API's back, as if Redis had lost the event after time relayed it) is found
 * by reconciliation, re-driven by finance (time publishes the approval again), posted exactly once by erp's consumer,
 * and cleared by the next run.
 */
describe('re-driving reconciliation exceptions through the gateway', () => {
  let graph: HubHarness;
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  const work = billableWork(firm, today);
  const project = firm.projects.find((p) => p.id === work.assignment.projectId)!;
  const erpDb = () => graph.hub.subgraphs.erp.database.db as any;
  const timeDb = () => graph.hub.subgraphs.time.database.db as any;
  let entry: { id: string; version: number };
  let expenseId: string;

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 }, config: loadConfig({ RECONCILIATION_GRACE_MINUTES: '0' }) });
  });
  after(() => graph.close());

  const ok = async (query: string, variables: Record<string, unknown>, as: Parameters<HubHarness['query']>[2] = asFinance) =>
    dataOf(await graph.query(query, variables, as));
  const errorOf = async (query: string, variables: Record<string, unknown>, as: Parameters<HubHarness['query']>[2] = asFinance) => {
    const response = await graph.query(query, variables, as);
    assert.ok(response.errors?.length, `expected an error, got ${JSON.stringify(response.data)}`);
    return response.errors![0];
  };
  /** erp's live records of a source: cost postings neither reversed nor reversals, billing events not reversed. */
  const liveOf = async (sourceType: 'TIME_ENTRY' | 'EXPENSE', sourceId: string) => ({
    costs: await erpDb().selectFrom('cost_posting').selectAll().where('source_type', '=', sourceType).where('source_id', '=', sourceId)
      .where('reversal_of', 'is', null).where('reversed_at', 'is', null).execute(),
    billing: await erpDb().selectFrom('billing_event').selectAll().where('source_type', '=', sourceType)
      .where('source_id', '=', sourceId).where('status', '<>', 'REVERSED').execute(),
  });
  /** What erp has of an approval goes, as if its event had never reached erp. */
  const lose = async (sourceType: 'TIME_ENTRY' | 'EXPENSE', sourceId: string) => {
    await erpDb().deleteFrom('cost_posting').where('source_type', '=', sourceType).where('source_id', '=', sourceId).execute();
    await erpDb().deleteFrom('billing_event').where('source_type', '=', sourceType).where('source_id', '=', sourceId).execute();
  };
  const run = async () => (await ok(`mutation { runReconciliation { id found cleared open } }`, {})).runReconciliation;
  const openExceptionOf = async (sourceId: string) => {
    const { reconciliationExceptions } = await ok(
      `{ reconciliationExceptions(filter: { type: APPROVED_WITHOUT_COST_POSTING, open: true }, first: 500) {
        nodes { id subjects { ... on TimeEntry { id } ... on ExpenseEntry { id } } } } }`,
      {},
    );
    return reconciliationExceptions.nodes.find((e: any) => e.subjects[0].id === sourceId)?.id as string | undefined;
  };
  const approvedEvents = (id: string) =>
    timeDb().selectFrom('outbox').select(['id', 'data']).where('type', '=', 'time.entry.approved').where('subject_id', '=', id)
      .orderBy('seq').execute();

  it('finds approvals whose event erp never handled', async () => {
    entry = await approvedEntry(graph, work, '1.75');
    const input = { projectId: project.id, date: today, amount: { amount: '64.20', currency: project.currency }, category: 'TRAVEL' };
    const logged = await ok(`mutation($input: LogExpenseInput!) { logExpense(input: $input) { id } }`, { input }, work.asWorker);
    expenseId = logged.logExpense.id;
    await ok(`mutation($ids: [ID!]!) { submitExpenses(ids: $ids) { id } }`, { ids: [expenseId] }, work.asWorker);
    await ok(`mutation($ids: [ID!]!) { approveExpenses(ids: $ids) { id } }`, { ids: [expenseId] }, work.asManager);
    await graph.hub.settle();
    for (const [type, id] of [['TIME_ENTRY', entry.id], ['EXPENSE', expenseId]] as const) {
      const live = await liveOf(type, id);
      assert.deepEqual([live.costs.length, live.billing.length], [1, 1], `${type} ${id} was posted and billed`);
      await lose(type, id);
    }
    await run();
    assert.ok(await openExceptionOf(entry.id), 'the time entry is an exception');
    assert.ok(await openExceptionOf(expenseId), 'the expense is an exception');
  });

  it('refuses anyone but finance and admins, and what is not a lost event', async () => {
    const exceptionId = (await openExceptionOf(entry.id))!;
    for (const roles of [['WORKER'], ['MANAGER']] as const) {
      const as = { roles, workerId: work.worker.id };
      assert.equal((await errorOf(redrive, { ids: [exceptionId] }, as)).extensions?.code, 'FORBIDDEN');
      assert.equal((await errorOf(republish, { timeEntryIds: [entry.id] }, as)).extensions?.code, 'FORBIDDEN');
    }
    const both = await errorOf(redrive, { ids: [exceptionId], type: 'APPROVED_WITHOUT_COST_POSTING' });
    assert.equal(both.extensions?.code, 'BAD_USER_INPUT');
    assert.equal((await errorOf(redrive, {})).extensions?.code, 'BAD_USER_INPUT');
    const notLost = await errorOf(redrive, { type: 'INVOICE_TOTAL_MISMATCH' });
    assert.equal(notLost.extensions?.code, 'BAD_USER_INPUT');
    assert.match(notLost.message, /INVOICE_TOTAL_MISMATCH exceptions are not lost events .*only APPROVED_WITHOUT_COST_POSTING/);
    assert.equal((await errorOf(redrive, { ids: ['no-such-exception'] })).extensions?.code, 'NOT_FOUND');
  });

  it('re-drives chosen exceptions: time publishes the approval again, erp posts and bills it once, at the frozen rate', async () => {
    const exceptionId = (await openExceptionOf(entry.id))!;
    const first = (await ok(redrive, { ids: [exceptionId], key: 'redrive-entry' })).redriveReconciliationExceptions;
    assert.equal(first.republished, 1);
    assert.equal(first.items.length, 1);
    const [item] = first.items;
    assert.deepEqual([item.outcome, item.exception.id, item.exception.status], ['REPUBLISHED', exceptionId, 'OPEN']);
    assert.deepEqual(item.subject, { __typename: 'TimeEntry', id: entry.id, status: 'APPROVED' });
    const events = await approvedEvents(entry.id);
    assert.equal(events.length, 2, 'the approval and its republication');
    assert.equal(events[1].id, item.eventId);
    const [original, again] = events.map((e: any) => (typeof e.data === 'string' ? JSON.parse(e.data) : e.data));
    assert.deepEqual(again, original, 'the same payload: snapshot, approver, approval time, frozen bill rate');

    await graph.hub.settle();
    const live = await liveOf('TIME_ENTRY', entry.id);
    assert.deepEqual([live.costs.length, live.billing.length], [1, 1]);
    assert.equal(live.costs[0].hours, '1.75');
    assert.equal(live.billing[0].rate, original.billRate.amount);

    // The same key answers the first result; time publishes nothing more. Another request under it is refused.
    assert.deepEqual((await ok(redrive, { ids: [exceptionId], key: 'redrive-entry' })).redriveReconciliationExceptions, first);
    assert.equal((await approvedEvents(entry.id)).length, 2);
    const reused = await errorOf(redrive, { type: 'APPROVED_WITHOUT_COST_POSTING', key: 'redrive-entry' });
    assert.equal(reused.extensions?.code, 'IDEMPOTENCY_KEY_REUSED');
  });

  it('re-drives a whole type; what is posted already is not posted again', async () => {
    const result = (await ok(redrive, { type: 'APPROVED_WITHOUT_COST_POSTING' })).redriveReconciliationExceptions;
    const bySubject = new Map(result.items.map((item: any) => [item.subject.id, item]));
    assert.equal((bySubject.get(expenseId) as any)?.outcome, 'REPUBLISHED');
    assert.equal((bySubject.get(expenseId) as any)?.subject.__typename, 'ExpenseEntry');
    // The entry's exception is still open (no run since): its approval goes out again, and erp ignores it.
    assert.equal((bySubject.get(entry.id) as any)?.outcome, 'REPUBLISHED');
    assert.equal(result.republished, result.items.filter((item: any) => item.outcome === 'REPUBLISHED').length);
    await graph.hub.settle();
    for (const [type, id] of [['TIME_ENTRY', entry.id], ['EXPENSE', expenseId]] as const) {
      const live = await liveOf(type, id);
      assert.deepEqual([live.costs.length, live.billing.length], [1, 1], `${type} ${id}: one cost posting, one billing event`);
      const all = await erpDb().selectFrom('cost_posting').select('id').where('source_id', '=', id).execute();
      assert.equal(all.length, 1, 'no second posting, not even a reversed one');
    }

    const next = await run();
    assert.ok(next.cleared >= 2, JSON.stringify(next));
    assert.equal(await openExceptionOf(entry.id), undefined);
    assert.equal(await openExceptionOf(expenseId), undefined);
    const cleared = result.items.find((item: any) => item.subject.id === entry.id).exception.id;
    const refused = await errorOf(redrive, { ids: [cleared] });
    assert.equal(refused.extensions?.code, 'BAD_USER_INPUT');
    assert.match(refused.message, /was cleared/);
  });

  it('republishes an approval the outbox no longer keeps at the rate the approval rule gives on current data', async () => {
    const pruned = await approvedEntry(graph, work, '0.25');
    // Newer events of time: the outbox prunes old rows, never a producer's newest (its sequences continue from it).
    await approvedEntry(graph, work, '0.50');
    await graph.hub.settle();
    const original = (await liveOf('TIME_ENTRY', pruned.id)).billing[0];
    await lose('TIME_ENTRY', pruned.id);
    // The outbox keeps published events for a retention window only: without the approval's event, the bill rate is
    // resolved again (assignment override, else the rate card on the entry's date).
    await timeDb().deleteFrom('outbox').where('subject_id', '=', pruned.id).execute();
    const [answer] = (await ok(republish, { timeEntryIds: [pruned.id] })).republishApprovals;
    assert.deepEqual([answer.kind, answer.outcome, answer.timeEntry.status], ['TIME_ENTRY', 'REPUBLISHED', 'APPROVED']);
    await graph.hub.settle();
    const live = await liveOf('TIME_ENTRY', pruned.id);
    assert.deepEqual([live.costs.length, live.billing.length], [1, 1]);
    const [billed] = live.billing;
    assert.deepEqual([billed.rate, billed.amount, billed.currency], [original.rate, original.amount, original.currency]);
  });

  it('reports what it cannot republish instead of refusing the call', async () => {
    const input = { projectId: project.id, taskId: work.task.id, date: today, hours: '0.50' };
    const logged = await ok(`mutation($input: LogTimeEntryInput!) { logTimeEntry(input: $input) { id } }`, { input }, work.asWorker);
    const draft = logged.logTimeEntry.id;
    await ok(
      `mutation($id: ID!, $v: Int!) { correctTimeEntry(id: $id, expectedVersion: $v, input: { hours: "2.00" }, reason: "a call was missing") { id } }`,
      { id: entry.id, v: entry.version },
      work.asWorker,
    );
    const asked = { timeEntryIds: [draft, 'no-such-entry', entry.id], expenseIds: [expenseId], key: 'republish-mixed' };
    const answers = (await ok(republish, asked)).republishApprovals;
    assert.deepEqual(
      answers.map((a: any) => [a.kind, a.id, a.outcome, a.eventId === null]),
      [
        ['TIME_ENTRY', draft, 'NOT_APPROVED', true],
        ['TIME_ENTRY', 'no-such-entry', 'NOT_FOUND', true],
        ['TIME_ENTRY', entry.id, 'CORRECTED', true],
        ['EXPENSE', expenseId, 'REPUBLISHED', false],
      ],
    );
    assert.equal(answers[1].timeEntry, null);
    assert.equal(answers[3].expense.id, expenseId);
    assert.deepEqual((await ok(republish, asked)).republishApprovals, answers, 'the same key answers the first results');
    await graph.hub.settle();
    const live = await liveOf('EXPENSE', expenseId);
    assert.deepEqual([live.costs.length, live.billing.length], [1, 1]);
    // A corrected entry stays APPROVED but its postings were reversed on purpose: reconciliation does not list it.
    assert.equal((await liveOf('TIME_ENTRY', entry.id)).costs.length, 0);
    await run();
    assert.equal(await openExceptionOf(entry.id), undefined);
  });
});
