import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Identity } from '../../../lib/auth/identity.ts';
import { dataOf } from '../../support/subgraph-harness.ts';
import { addDays } from '../../../subgraphs/time/domain/iso-week.ts';
import { admin, ana, ben, codeOf, finance, manager, P, projects, startCapture, TODAY, W, type CaptureHarness } from './capture-fixture.ts';

/**
 * The approval flow of expenses through the time subgraph's GraphQL API: the same engine, transitions, approvers,
 * period locks, idempotency and events as time entries (approval.test.ts, approval-reversals.test.ts).
 */
const fields = `id status version submittedAt decidedAt decidedBy { id } rejectionReason approvals { id action actor { id } reason }`;
const log = `mutation($input: LogExpenseInput!) { logExpense(input: $input) { id version } }`;
const update = `mutation($id: ID!, $v: Int!, $input: UpdateExpenseInput!) { updateExpense(id: $id, expectedVersion: $v, input: $input) { id status version } }`;
const submit = `mutation($ids: [ID!]!, $key: String) { submitExpenses(ids: $ids, idempotencyKey: $key) { ${fields} } }`;
const approve = `mutation($ids: [ID!]!, $key: String) { approveExpenses(ids: $ids, idempotencyKey: $key) { ${fields} } }`;
const reject = `mutation($ids: [ID!]!, $reason: String!, $key: String) { rejectExpenses(ids: $ids, reason: $reason, idempotencyKey: $key) { ${fields} } }`;
const recall = `mutation($ids: [ID!]!, $key: String) { recallExpenses(ids: $ids, idempotencyKey: $key) { ${fields} } }`;
const cancel = `mutation($ids: [ID!]!, $reason: String!, $key: String) { cancelExpenseApprovals(ids: $ids, reason: $reason, idempotencyKey: $key) { ${fields} } }`;
const read = `query($id: ID!) { expense(id: $id) { ${fields} } }`;
const delegate = `mutation($input: DelegateApprovalsInput!) { delegateApprovals(input: $input) { id } }`;
const correctionFields = `id status version date amount { amount currency } category billable notes receiptRef reversedAt
  correctionOf { id status reversedAt } correctedBy { id } approvals { action actor { id } reason }`;
const correct = `mutation($id: ID!, $v: Int!, $input: UpdateExpenseInput!, $reason: String!, $key: String) {
  correctExpense(id: $id, expectedVersion: $v, input: $input, reason: $reason, idempotencyKey: $key) { ${correctionFields} } }`;
const readCorrection = `query($id: ID!) { expense(id: $id) { ${correctionFields} } }`;
const close = `mutation($start: Date!, $end: Date!, $grace: Int) {
  closePeriod(legalEntityId: "le-1", periodStart: $start, periodEnd: $end, graceDays: $grace) { id graceUntil } }`;

const otherManager: Identity = { workerId: 'w-zed', roles: ['WORKER', 'MANAGER'] };
const anaAsManager: Identity = { workerId: W.ana, roles: ['WORKER', 'MANAGER'] };

describe('expense approval', () => {
  let time: CaptureHarness;
  const count = async (table: 'approval_record' | 'outbox') =>
    Number((await time.database.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  /** The outbox events of one type, oldest first. */
  const events = async (type: string) => time.database.db.selectFrom('outbox').selectAll().where('type', '=', type).orderBy('seq').execute();
  /** One of ana's DRAFT expenses on ALPHA (billable: the project has a contract). */
  async function drafted(date = '2026-11-20', amount = '42.50'): Promise<string> {
    return dataOf(await time.call(log, { input: { projectId: P.alpha, date, amount: { amount, currency: 'EUR' }, category: 'TRAVEL' } }, ana)).logExpense.id;
  }
  async function submitted(date?: string): Promise<string> {
    const id = await drafted(date);
    dataOf(await time.call(submit, { ids: [id] }, ana));
    return id;
  }
  async function approved(date?: string): Promise<string> {
    const id = await submitted(date);
    dataOf(await time.call(approve, { ids: [id] }, manager));
    return id;
  }

  before(async () => {
    // A clock that ticks a second per reading (same day): history steps get distinct, ordered times.
    let tick = 0;
    time = await startCapture({ clock: { now: () => new Date(Date.parse(`${TODAY}T08:00:00Z`) + 1000 * tick++) } });
  });
  after(() => time.close());
  beforeEach(async () => {
    await time.database.db.updateTable('expense_entry').set({ correction_of: null }).execute();
    for (const table of ['approval_record', 'approval_delegation', 'period_lock', 'idempotency_key', 'expense_entry', 'outbox'] as const) {
      await time.database.db.deleteFrom(table).execute();
    }
    time.workContext.expenseBilling.clear();
  });

  it('the worker submits, the manager approves: history, decision fields, versions and events with the correlation id', async () => {
    const id = await drafted();
    const submitCorrelation = randomUUID();
    const [sent] = dataOf(await time.call(submit, { ids: [id] }, ana, submitCorrelation)).submitExpenses;
    assert.deepEqual([sent.status, sent.version, sent.decidedAt, sent.decidedBy], ['SUBMITTED', 2, null, null]);
    assert.ok(sent.submittedAt);
    const approveCorrelation = randomUUID();
    const [done] = dataOf(await time.call(approve, { ids: [id] }, manager, approveCorrelation)).approveExpenses;
    assert.deepEqual([done.status, done.version, done.decidedBy, done.rejectionReason], ['APPROVED', 3, { id: W.mia }, null]);
    assert.ok(done.decidedAt);
    assert.deepEqual(
      done.approvals.map((a: any) => [a.action, a.actor.id, a.reason]),
      [['SUBMITTED', W.ana, null], ['APPROVED', W.mia, null]],
    );
    const step = dataOf(await time.call(`query($id: ID!) { approvalRecord(id: $id) { action timeEntry { id } expenseEntry { id status } } }`, { id: done.approvals[1].id }, ana));
    assert.deepEqual(step.approvalRecord, { action: 'APPROVED', timeEntry: null, expenseEntry: { id, status: 'APPROVED' } });

    const outbox = await time.database.db.selectFrom('outbox').selectAll().orderBy('seq').execute();
    assert.deepEqual(
      outbox.map((e) => [e.type, e.subject_typename, e.subject_id, e.correlation_id]),
      [
        ['time.expense.submitted', 'ExpenseEntry', id, submitCorrelation],
        ['time.expense.approved', 'ExpenseEntry', id, approveCorrelation],
      ],
    );
    const { approvedAt, ...payload } = outbox[1].data as any;
    assert.equal(typeof approvedAt, 'string');
    assert.deepEqual(payload, {
      expenseId: id,
      version: 3,
      status: 'APPROVED',
      workerId: W.ana,
      projectId: P.alpha,
      date: '2026-11-20',
      amount: '42.50',
      currency: 'EUR',
      category: 'TRAVEL',
      billable: true,
      approvedBy: W.mia,
      correctionOf: null,
    });
    assert.deepEqual(Object.keys(outbox[0].data as object).sort(), [...Object.keys(payload).filter((k) => k !== 'approvedBy' && k !== 'correctionOf'), 'submittedAt'].sort());
  });

  it('rejects with a reason; the edited expense is submitted and approved again; an approved one can be rejected', async () => {
    const id = await submitted();
    assert.equal(codeOf(await time.call(reject, { ids: [id], reason: '  ' }, manager)), 'BAD_USER_INPUT');
    const [rejected] = dataOf(await time.call(reject, { ids: [id], reason: 'no receipt' }, manager)).rejectExpenses;
    assert.deepEqual([rejected.status, rejected.rejectionReason, rejected.version, rejected.decidedBy], ['REJECTED', 'no receipt', 3, { id: W.mia }]);
    const edited = dataOf(await time.call(update, { id, v: 3, input: { receiptRef: 'RCPT-7' } }, ana)).updateExpense;
    assert.deepEqual([edited.status, edited.version], ['DRAFT', 4]);
    dataOf(await time.call(submit, { ids: [id] }, ana));
    dataOf(await time.call(approve, { ids: [id] }, manager));
    const [again] = dataOf(await time.call(reject, { ids: [id], reason: 'client will not pay it' }, manager)).rejectExpenses;
    assert.equal(again.status, 'REJECTED');
    assert.deepEqual(
      again.approvals.map((a: any) => [a.action, a.reason]),
      [['SUBMITTED', null], ['REJECTED', 'no receipt'], ['SUBMITTED', null], ['APPROVED', null], ['REJECTED', 'client will not pay it']],
    );
    const rejections = (await events('time.expense.rejected')).map((e) => e.data as any);
    assert.deepEqual(
      rejections.map((d) => [d.reason, d.wasApproved, d.rejectedBy, d.status]),
      [['no receipt', false, W.mia, 'REJECTED'], ['client will not pay it', true, W.mia, 'REJECTED']],
    );
  });

  it('the worker recalls their own submitted expense back to DRAFT; nobody else does, and nothing is published', async () => {
    const id = await submitted();
    assert.equal(codeOf(await time.call(recall, { ids: [id] }, ben)), 'FORBIDDEN');
    assert.equal(codeOf(await time.call(recall, { ids: [id] }, manager)), 'FORBIDDEN');
    const [recalled] = dataOf(await time.call(recall, { ids: [id] }, ana)).recallExpenses;
    assert.deepEqual([recalled.status, recalled.submittedAt, recalled.approvals.map((a: any) => a.action)], ['DRAFT', null, ['SUBMITTED', 'RECALLED']]);
    assert.deepEqual((await time.database.db.selectFrom('outbox').select('type').execute()).map((e) => e.type), ['time.expense.submitted']);
  });

  it('cancels an approval back to SUBMITTED with its reason, unless erp says the expense is invoiced', async () => {
    const id = await approved('2026-11-19');
    const billed = await approved('2026-11-20');
    assert.equal(codeOf(await time.call(cancel, { ids: [id], reason: '' }, manager)), 'BAD_USER_INPUT');
    time.workContext.expenseBilling.set(id, 'INVOICED');
    time.workContext.expenseBilling.set(billed, 'UNBILLED');
    const refused = await time.call(cancel, { ids: [billed, id], reason: 'wrong project' }, manager);
    assert.equal(codeOf(refused), 'ALREADY_INVOICED');
    assert.match(refused.errors![0].message, new RegExp(`expense ${id} .* is on an issued invoice`));
    assert.equal(codeOf(await time.call(reject, { ids: [id], reason: 'wrong project' }, manager)), 'ALREADY_INVOICED');
    assert.equal(dataOf(await time.call(read, { id: billed }, ana)).expense.status, 'APPROVED', 'nothing of the batch was written');
    const [cancelled] = dataOf(await time.call(cancel, { ids: [billed], reason: 'wrong project' }, manager)).cancelExpenseApprovals;
    assert.deepEqual([cancelled.status, cancelled.decidedAt, cancelled.decidedBy], ['SUBMITTED', null, null]);
    assert.deepEqual(cancelled.approvals.at(-1), { id: cancelled.approvals.at(-1).id, action: 'APPROVAL_CANCELLED', actor: { id: W.mia }, reason: 'wrong project' });
    const [event] = await events('time.expense.approval_cancelled');
    assert.deepEqual([event.subject_id, (event.data as any).reason, (event.data as any).cancelledBy, (event.data as any).status], [billed, 'wrong project', W.mia, 'SUBMITTED']);
    // Back in the queue: it can be approved again.
    assert.equal(dataOf(await time.call(approve, { ids: [billed] }, manager)).approveExpenses[0].status, 'APPROVED');
  });

  it('refuses every transition the table does not have with INVALID_TRANSITION naming the expense', async () => {
    const draft = await drafted();
    const refused = await time.call(approve, { ids: [draft] }, manager);
    assert.equal(codeOf(refused), 'INVALID_TRANSITION');
    assert.match(refused.errors![0].message, new RegExp(`^expense ${draft} is DRAFT: APPROVE needs SUBMITTED`));
    assert.equal(codeOf(await time.call(recall, { ids: [draft] }, ana)), 'INVALID_TRANSITION');
    assert.equal(codeOf(await time.call(reject, { ids: [draft], reason: 'x' }, manager)), 'INVALID_TRANSITION');
    assert.equal(codeOf(await time.call(cancel, { ids: [draft], reason: 'x' }, manager)), 'INVALID_TRANSITION');
    const sent = await submitted();
    assert.equal(codeOf(await time.call(submit, { ids: [sent] }, ana)), 'INVALID_TRANSITION');
    assert.equal(codeOf(await time.call(cancel, { ids: [sent], reason: 'x' }, manager)), 'INVALID_TRANSITION');
    const done = await approved();
    for (const [query, variables, who] of [
      [submit, { ids: [done] }, ana],
      [approve, { ids: [done] }, manager],
      [recall, { ids: [done] }, ana],
    ] as const) {
      assert.equal(codeOf(await time.call(query, variables, who)), 'INVALID_TRANSITION', query);
    }
    assert.equal(codeOf(await time.call(approve, { ids: [sent, draft] }, manager)), 'INVALID_TRANSITION', 'one bad expense fails the batch');
    assert.equal(dataOf(await time.call(read, { id: sent }, ana)).expense.status, 'SUBMITTED');
    assert.equal(codeOf(await time.call(approve, { ids: ['no-such-expense'] }, manager)), 'NOT_FOUND');
    assert.equal(codeOf(await time.call(approve, { ids: [] }, manager)), 'BAD_USER_INPUT');
    const tooMany = await time.call(approve, { ids: Array.from({ length: 1001 }, (_, i) => `x-${i}`) }, manager);
    assert.equal(codeOf(tooMany), 'BAD_USER_INPUT');
    assert.match(tooMany.errors![0].message, /at most 1000 expenses per call/);
  });

  it('only the manager, their delegate or an ADMIN decides; nobody on their own expenses; a worker submits only their own', async () => {
    const id = await drafted();
    assert.equal(codeOf(await time.call(submit, { ids: [id] }, ben)), 'FORBIDDEN');
    dataOf(await time.call(submit, { ids: [id] }, ana));
    for (const who of [ben, otherManager, anaAsManager, { ...admin, workerId: W.ana }, finance]) {
      assert.equal(codeOf(await time.call(approve, { ids: [id] }, who)), 'FORBIDDEN', JSON.stringify(who));
      assert.equal(codeOf(await time.call(reject, { ids: [id], reason: 'no' }, who)), 'FORBIDDEN', JSON.stringify(who));
    }
    dataOf(await time.call(delegate, { input: { delegateId: W.ben, from: TODAY, to: '2026-12-02' } }, manager));
    const [byDelegate] = dataOf(await time.call(approve, { ids: [id] }, ben)).approveExpenses;
    assert.deepEqual([byDelegate.status, byDelegate.decidedBy], ['APPROVED', { id: W.ben }]);
    const [byAdmin] = dataOf(await time.call(cancel, { ids: [id], reason: 'audit' }, admin)).cancelExpenseApprovals;
    assert.equal(byAdmin.status, 'SUBMITTED');
  });

  it('re-validates on submit against current psa/hcm facts, and respects closed periods, grace and override', async () => {
    const alpha = projects.find((p) => p.id === P.alpha)!;
    const id = await drafted('2026-11-17');
    alpha.status = 'ON_HOLD';
    try {
      assert.equal(codeOf(await time.call(submit, { ids: [id] }, ana)), 'PROJECT_NOT_ACTIVE');
    } finally {
      alpha.status = 'ACTIVE';
    }
    assert.equal(await count('approval_record'), 0);
    dataOf(await time.call(submit, { ids: [id] }, ana));
    const other = await drafted('2026-11-18');
    // Closed 2026-11-01..22 without grace: the worker cannot submit, the manager cannot decide, ADMIN overrides.
    dataOf(await time.call(close, { start: '2026-11-01', end: '2026-11-22' }, finance));
    assert.equal(codeOf(await time.call(submit, { ids: [other] }, ana)), 'PERIOD_LOCKED');
    assert.equal(codeOf(await time.call(approve, { ids: [id] }, manager)), 'PERIOD_LOCKED');
    assert.equal(codeOf(await time.call(recall, { ids: [id] }, ana)), 'PERIOD_LOCKED');
    assert.equal(dataOf(await time.call(approve, { ids: [id] }, admin)).approveExpenses[0].status, 'APPROVED');
    // With grace until after today, MANAGER may still decide.
    await time.database.db.deleteFrom('period_lock').execute();
    dataOf(await time.call(close, { start: '2026-11-01', end: '2026-11-22', grace: 5 }, finance));
    assert.equal(dataOf(await time.call(cancel, { ids: [id], reason: 'late change' }, manager)).cancelExpenseApprovals[0].status, 'SUBMITTED');
  });

  it('idempotent retries, sequential and concurrent, return the first result and write nothing twice', async () => {
    const ids = [await drafted('2026-11-19'), await drafted('2026-11-20')];
    const twins = await Promise.all([time.call(submit, { ids, key: 'sub-1' }, ana), time.call(submit, { ids, key: 'sub-1' }, ana)]);
    const [first, second] = twins.map((result) => dataOf(result).submitExpenses);
    assert.deepEqual(second, first);
    assert.deepEqual(first.map((e: any) => e.status), ['SUBMITTED', 'SUBMITTED']);
    assert.deepEqual([await count('approval_record'), (await events('time.expense.submitted')).length], [2, 2]);
    const approvedOnce = dataOf(await time.call(approve, { ids, key: 'app-1' }, manager)).approveExpenses;
    const [records, outbox] = [await count('approval_record'), await count('outbox')];
    assert.deepEqual(dataOf(await time.call(approve, { ids, key: 'app-1' }, manager)).approveExpenses, approvedOnce);
    assert.deepEqual([await count('approval_record'), await count('outbox')], [records, outbox]);
    assert.equal(codeOf(await time.call(approve, { ids: [ids[0]], key: 'app-1' }, manager)), 'IDEMPOTENCY_KEY_REUSED');
    assert.equal(codeOf(await time.call(approve, { ids }, manager)), 'INVALID_TRANSITION', 'without the key it is a new request');
    const cancels = await Promise.all([
      time.call(cancel, { ids, reason: 'twice', key: 'can-1' }, manager),
      time.call(cancel, { ids, reason: 'twice', key: 'can-1' }, manager),
    ]);
    assert.deepEqual(dataOf(cancels[0]).cancelExpenseApprovals, dataOf(cancels[1]).cancelExpenseApprovals);
    assert.equal((await events('time.expense.approval_cancelled')).length, 2, 'one event per expense, not per call');
  });
  /** The version of an approved expense (its correction names it). */
  const versionOf = async (id: string): Promise<number> => dataOf(await time.call(read, { id }, ana)).expense.version;

  it('corrects an approved expense: reversed, never edited, replaced by a linked SUBMITTED expense; history and events in one go', async () => {
    const id = await approved('2026-11-19');
    const v = await versionOf(id);
    const correlationId = randomUUID();
    const input = { amount: { amount: '38.00', currency: 'EUR' }, category: 'MEALS', notes: 'receipt said 38' };
    const correction = dataOf(await time.call(correct, { id, v, input, reason: 'typo in the amount' }, ana, correlationId)).correctExpense;
    assert.deepEqual(
      [correction.status, correction.version, correction.amount, correction.category, correction.notes, correction.date, correction.billable],
      ['SUBMITTED', 1, { amount: '38.00', currency: 'EUR' }, 'MEALS', 'receipt said 38', '2026-11-19', true],
    );
    assert.equal(correction.correctionOf.id, id);
    assert.equal(correction.correctionOf.status, 'APPROVED', 'the reversed expense keeps its status');
    assert.ok(correction.correctionOf.reversedAt);
    assert.deepEqual(correction.approvals, [{ action: 'SUBMITTED', actor: { id: W.ana }, reason: 'typo in the amount' }]);
    const reversed = dataOf(await time.call(readCorrection, { id }, ana)).expense;
    assert.deepEqual([reversed.status, reversed.version, reversed.amount, reversed.correctedBy], ['APPROVED', v + 1, { amount: '42.50', currency: 'EUR' }, { id: correction.id }]);
    assert.deepEqual(reversed.approvals.map((a: any) => [a.action, a.actor.id, a.reason]), [
      ['SUBMITTED', W.ana, null],
      ['APPROVED', W.mia, null],
      ['CORRECTED', W.ana, 'typo in the amount'],
    ]);
    // Both expenses stay listed; only the correction is live.
    const listed = dataOf(await time.call(`{ expenses { nodes { id reversedAt } } }`, {}, ana)).expenses.nodes;
    assert.deepEqual(new Set(listed.map((e: any) => [e.id, e.reversedAt !== null].join())), new Set([`${id},true`, `${correction.id},false`]));

    const outbox = await time.database.db.selectFrom('outbox').selectAll().where('correlation_id', '=', correlationId).orderBy('seq').execute();
    assert.deepEqual(outbox.map((e) => [e.type, e.subject_typename, e.subject_id]), [
      ['time.expense.corrected', 'ExpenseEntry', id],
      ['time.expense.submitted', 'ExpenseEntry', correction.id],
    ]);
    const corrected = outbox[0].data as any;
    assert.deepEqual(
      [corrected.reversed.expenseId, corrected.reversed.version, corrected.reversed.amount, corrected.reversed.status, corrected.correctionId, corrected.correctedBy, corrected.reason],
      [id, v + 1, '42.50', 'APPROVED', correction.id, W.ana, 'typo in the amount'],
    );
    assert.equal(corrected.correctedAt, new Date(reversed.reversedAt).toISOString());
    const submittedEvent = outbox[1].data as any;
    assert.deepEqual([submittedEvent.expenseId, submittedEvent.status, submittedEvent.amount, submittedEvent.category], [correction.id, 'SUBMITTED', '38.00', 'MEALS']);
    assert.equal(typeof submittedEvent.submittedAt, 'string');

    // The correction goes through approval and can be corrected in turn, by the manager.
    const [approvedCorrection] = dataOf(await time.call(approve, { ids: [correction.id] }, manager)).approveExpenses;
    const second = dataOf(await time.call(correct, { id: correction.id, v: approvedCorrection.version, input: { projectId: P.internal }, reason: 'internal trip' }, manager)).correctExpense;
    assert.deepEqual([second.correctionOf.id, second.billable, second.approvals[0].actor], [correction.id, false, { id: W.mia }], 'another project brings its billable default');
    const byAdmin = await approved('2026-11-18');
    dataOf(await time.call(correct, { id: byAdmin, v: await versionOf(byAdmin), input: { receiptRef: null }, reason: 'receipt lost' }, admin));
  });

  it('refuses what is not a correction: not APPROVED, already corrected, stale, no reason, not theirs, invalid changes', async () => {
    const draft = await drafted();
    const sent = await submitted('2026-11-18');
    for (const expense of [draft, sent]) {
      assert.equal(codeOf(await time.call(correct, { id: expense, v: await versionOf(expense), input: { notes: 'x' }, reason: 'x' }, ana)), 'INVALID_TRANSITION');
    }
    const rejected = await submitted('2026-11-17');
    dataOf(await time.call(reject, { ids: [rejected], reason: 'no' }, manager));
    assert.equal(codeOf(await time.call(correct, { id: rejected, v: await versionOf(rejected), input: { notes: 'x' }, reason: 'x' }, ana)), 'INVALID_TRANSITION');
    assert.equal(codeOf(await time.call(correct, { id: 'no-such-expense', v: 1, input: {}, reason: 'x' }, ana)), 'NOT_FOUND');

    const id = await approved('2026-11-19');
    const v = await versionOf(id);
    const attempt = (variables: Record<string, unknown>, who: Identity = ana) => time.call(correct, { id, v, input: { notes: 'x' }, reason: 'fix', ...variables }, who);
    assert.equal(codeOf(await attempt({ v: v - 1 })), 'CONFLICT');
    assert.equal(codeOf(await attempt({ reason: '  ' })), 'BAD_USER_INPUT');
    assert.equal(codeOf(await attempt({}, ben)), 'FORBIDDEN');
    assert.equal(codeOf(await attempt({}, finance)), 'FORBIDDEN');
    // The correction is validated like a new expense; a refusal writes nothing.
    for (const [code, input] of [
      ['FUTURE_DATE', { date: addDays(TODAY, 1) }],
      ['BAD_USER_INPUT', { amount: { amount: '12.5', currency: 'JPY' } }],
      ['BAD_USER_INPUT', { amount: null }],
      ['NOT_BILLABLE', { projectId: P.internal, billable: true }],
      ['PROJECT_NOT_ACTIVE', { projectId: P.draft }],
      ['PERIOD_LOCKED', { date: '2026-10-15' }],
    ] as const) {
      if (code === 'PERIOD_LOCKED') dataOf(await time.call(close, { start: '2026-10-01', end: '2026-10-31' }, finance));
      assert.equal(codeOf(await attempt({ input })), code, JSON.stringify(input));
    }
    assert.equal((await events('time.expense.corrected')).length, 0);
    assert.deepEqual(await time.database.db.selectFrom('expense_entry').select('id').where('correction_of', 'is not', null).execute(), []);
    assert.equal(dataOf(await time.call(read, { id }, ana)).expense.version, v, 'the refused corrections left the expense as it was');
    const correction = dataOf(await attempt({})).correctExpense;
    assert.equal(codeOf(await attempt({ v: v + 1 })), 'INVALID_TRANSITION', 'already corrected: correct the correction');
    assert.match((await attempt({ v: v + 1 })).errors![0].message, /already corrected/);
    // A reversed expense takes no action: not approval, not capture.
    for (const [query, variables, who] of [
      [approve, { ids: [id] }, manager],
      [reject, { ids: [id], reason: 'x' }, manager],
      [cancel, { ids: [id], reason: 'x' }, manager],
      [submit, { ids: [id] }, ana],
      [recall, { ids: [id] }, ana],
      [update, { id, v: v + 1, input: { notes: 'x' } }, ana],
    ] as const) {
      const refused = await time.call(query, variables, who);
      assert.equal(codeOf(refused), 'INVALID_TRANSITION', query);
    }
    assert.match((await time.call(cancel, { ids: [id], reason: 'x' }, manager)).errors![0].message, new RegExp(`expense ${id} was reversed by a correction`));
    assert.equal(codeOf(await time.call(`mutation($id: ID!, $v: Int!) { deleteExpense(id: $id, expectedVersion: $v) }`, { id, v: v + 1 }, ana)), 'INVALID_TRANSITION');
    assert.equal(dataOf(await time.call(read, { id: correction.id }, ana)).expense.status, 'SUBMITTED');
  });

  it('respects closed periods of the old and the new date: grace for MANAGER, override for ADMIN', async () => {
    const id = await approved('2026-11-17');
    const v = await versionOf(id);
    const fix = (who: Identity, input: Record<string, unknown> = { notes: 'late fix' }) => time.call(correct, { id, v, input, reason: 'late fix' }, who);
    const graced = dataOf(await time.call(close, { start: '2026-11-01', end: '2026-11-22', grace: 5 }, finance)).closePeriod;
    assert.equal(codeOf(await fix(ana)), 'PERIOD_LOCKED', 'the worker is locked out of the closed period');
    assert.equal(codeOf(await fix(ana, { date: TODAY })), 'PERIOD_LOCKED', 'moving it out of the closed period changes the period too');
    await time.database.db.deleteFrom('period_lock').where('id', '=', graced.id).execute();
    dataOf(await time.call(close, { start: '2026-11-01', end: '2026-11-22' }, finance));
    assert.equal(codeOf(await fix(manager)), 'PERIOD_LOCKED', 'no grace: not even the manager');
    await time.database.db.deleteFrom('period_lock').execute();
    dataOf(await time.call(close, { start: '2026-11-01', end: '2026-11-22', grace: 5 }, finance));
    const byManager = dataOf(await fix(manager)).correctExpense;
    assert.equal(byManager.correctionOf.id, id, 'in grace, the manager corrects');
    const other = await drafted('2026-11-24');
    dataOf(await time.call(submit, { ids: [other] }, ana));
    dataOf(await time.call(approve, { ids: [other] }, manager));
    assert.equal(codeOf(await time.call(correct, { id: other, v: await versionOf(other), input: { date: '2026-11-20' }, reason: 'wrong day' }, ana)), 'PERIOD_LOCKED', 'into a closed period');
    await time.database.db.deleteFrom('period_lock').execute();
    dataOf(await time.call(close, { start: '2026-11-01', end: '2026-11-30' }, finance));
    dataOf(await time.call(correct, { id: other, v: await versionOf(other), input: { date: '2026-11-20' }, reason: 'wrong day' }, admin));
  });

  it('corrects once for sequential and concurrent retries of one key; without a key the second is CONFLICT', async () => {
    const id = await approved('2026-11-19');
    const v = await versionOf(id);
    const variables = { id, v, input: { amount: { amount: '40.00', currency: 'EUR' } }, reason: 'rounding', key: 'fix-1' };
    const twins = await Promise.all([time.call(correct, variables, ana), time.call(correct, variables, ana), time.call(correct, variables, ana)]);
    const ids = twins.map((result) => dataOf(result).correctExpense.id);
    assert.equal(new Set(ids).size, 1, 'concurrent retries of one key: one correction');
    const retried = dataOf(await time.call(correct, variables, ana)).correctExpense;
    assert.equal(retried.id, ids[0], 'a sequential retry returns the first correction');
    assert.equal(codeOf(await time.call(correct, { ...variables, reason: 'other reason' }, ana)), 'IDEMPOTENCY_KEY_REUSED');
    const corrections = await time.database.db.selectFrom('expense_entry').select('id').where('correction_of', '=', id).execute();
    assert.deepEqual(corrections, [{ id: ids[0] }]);
    assert.deepEqual([(await events('time.expense.corrected')).length, (await events('time.expense.submitted')).filter((e) => e.subject_id === ids[0]).length], [1, 1]);

    const other = await approved('2026-11-18');
    const w = await versionOf(other);
    const racing = await Promise.all([
      time.call(correct, { id: other, v: w, input: { notes: 'a' }, reason: 'a' }, ana),
      time.call(correct, { id: other, v: w, input: { notes: 'b' }, reason: 'b' }, ana),
    ]);
    assert.deepEqual(racing.map((r) => codeOf(r) ?? 'OK').sort(), ['CONFLICT', 'OK']);
    assert.equal((await time.database.db.selectFrom('expense_entry').select('id').where('correction_of', '=', other).execute()).length, 1);
  });
});
