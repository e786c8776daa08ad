import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { addDays } from '../../../subgraphs/time/domain/iso-week.ts';
import { admin, ana, ben, codeOf, finance, manager, P, projects, startCapture, TODAY, W, type CaptureHarness } from './capture-fixture.ts';

const fields = `id worker { id } project { id } date amount { amount currency } category billable receiptRef notes status version
  externalId { system id }`;
const log = `mutation($input: LogExpenseInput!, $key: String) { logExpense(input: $input, idempotencyKey: $key) { ${fields} } }`;
const update = `mutation($id: ID!, $v: Int!, $input: UpdateExpenseInput!) { updateExpense(id: $id, expectedVersion: $v, input: $input) { ${fields} } }`;
const remove = `mutation($id: ID!, $v: Int!) { deleteExpense(id: $id, expectedVersion: $v) }`;
const logMany = `mutation($inputs: [LogExpenseInput!]!, $key: String) {
  logExpenses(inputs: $inputs, idempotencyKey: $key) { expense { id date amount { amount currency } externalId { system id } } error { index code message } } }`;
const close = `mutation($le: ID!, $start: Date!, $end: Date!) { closePeriod(legalEntityId: $le, periodStart: $start, periodEnd: $end) { id } }`;

const eur = (amount: string) => ({ amount, currency: 'EUR' });
const base = { projectId: P.alpha, date: '2026-11-20', amount: eur('42.50'), category: 'TRAVEL' };

describe('expense capture', () => {
  let time: CaptureHarness;
  const expenseCount = async () =>
    Number((await time.database.db.selectFrom('expense_entry').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const logAs = async (input: Record<string, unknown>, identity = ana, key?: string) => time.call(log, { input, key }, identity);
  const setStatus = (id: string, status: 'SUBMITTED' | 'APPROVED' | 'REJECTED') =>
    time.database.db
      .updateTable('expense_entry')
      .set((eb) => ({ status, rejection_reason: status === 'REJECTED' ? 'no receipt' : null, version: eb('version', '+', 1) }))
      .where('id', '=', id)
      .execute();

  before(async () => {
    time = await startCapture();
    // le-1 (ALPHA, INTERNAL, DRAFTY) is closed for October; le-2 (BULK) is not.
    const closed = await time.call(close, { le: 'le-1', start: '2026-10-01', end: '2026-10-31' }, finance);
    assert.equal(closed.errors, undefined, JSON.stringify(closed.errors));
  });
  after(() => time.close());
  beforeEach(async () => {
    await time.database.db.deleteFrom('approval_record').where('expense_entry_id', 'is not', null).execute();
    await time.database.db.deleteFrom('expense_entry').execute();
  });

  it('logs a DRAFT expense with defaults (own worker, billable because the project has a contract) and lists it', async () => {
    const result = await logAs({ ...base, amount: eur('42.5'), receiptRef: 'RCPT-1', notes: 'train to client' });
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    const expense = result.data.logExpense;
    assert.deepEqual(
      [expense.worker.id, expense.project.id, expense.date, expense.amount, expense.category, expense.billable, expense.receiptRef, expense.notes],
      [W.ana, P.alpha, '2026-11-20', { amount: '42.50', currency: 'EUR' }, 'TRAVEL', true, 'RCPT-1', 'train to client'],
    );
    assert.deepEqual([expense.status, expense.version, expense.externalId], ['DRAFT', 1, null]);
    const listed = await time.call(`{ expenses(filter: { status: [DRAFT] }) { totalCount nodes { id } } }`, {}, ana);
    assert.deepEqual(listed.data.expenses.nodes, [{ id: expense.id }]);
    const read = await time.call(`query($id: ID!) { expense(id: $id) { amount { amount currency } } }`, { id: expense.id }, ana);
    assert.deepEqual(read.data.expense.amount, { amount: '42.50', currency: 'EUR' });
  });

  it('stores amounts with the currency minor unit and defaults billable to false on a project without a contract', async () => {
    const yen = await logAs({ ...base, amount: { amount: '1200', currency: 'JPY' } });
    assert.deepEqual(yen.data.logExpense.amount, { amount: '1200', currency: 'JPY' });
    const dinar = await logAs({ ...base, amount: { amount: '1.5', currency: 'KWD' } });
    assert.deepEqual(dinar.data.logExpense.amount, { amount: '1.500', currency: 'KWD' });
    const internal = await logAs({ ...base, projectId: P.internal, category: 'SOFTWARE' });
    assert.equal(internal.errors, undefined, JSON.stringify(internal.errors));
    assert.equal(internal.data.logExpense.billable, false);
    const notBilled = await logAs({ ...base, billable: false });
    assert.equal(notBilled.data.logExpense.billable, false);
  });

  const failures: Array<[code: string, input: Record<string, unknown>, who?: typeof ana]> = [
    ['BAD_USER_INPUT', { ...base, amount: eur('0') }],
    ['BAD_USER_INPUT', { ...base, amount: eur('-5.00') }],
    ['BAD_USER_INPUT', { ...base, amount: eur('1.005') }],
    ['BAD_USER_INPUT', { ...base, amount: { amount: '12.5', currency: 'JPY' } }],
    ['BAD_USER_INPUT', { ...base, amount: { amount: '10.00', currency: 'euro' } }],
    ['FUTURE_DATE', { ...base, date: addDays(TODAY, 1) }],
    ['NOT_FOUND', { ...base, projectId: 'p-none' }],
    ['NOT_FOUND', { ...base, workerId: 'w-none' }, manager],
    ['PROJECT_NOT_ACTIVE', { ...base, projectId: P.draft }],
    ['WORKER_NOT_ACTIVE', { ...base, workerId: W.old }, manager],
    ['WORKER_NOT_ACTIVE', { ...base, workerId: W.fresh, date: '2026-11-19' }, manager],
    ['WORKER_NOT_ACTIVE', { ...base, workerId: W.left, date: '2026-11-11' }, manager],
    ['NOT_ASSIGNED', { ...base, workerId: W.dan }, manager],
    ['NOT_ASSIGNED', { ...base, date: '2025-12-31' }],
    ['NOT_BILLABLE', { ...base, projectId: P.internal, billable: true }],
    ['PERIOD_LOCKED', { ...base, date: '2026-10-15' }],
  ];
  for (const [code, input, who] of failures) {
    it(`refuses with ${code}: ${JSON.stringify(input)}`, async () => {
      const result = await logAs(input, who ?? ana);
      assert.equal(codeOf(result), code, JSON.stringify(result.errors));
      const project = projects.find((p) => p.id === input.projectId)?.code ?? input.projectId;
      assert.match(result.errors![0].message, new RegExp(`^expense on ${input.date} for project ${project}: ${code} — `));
      assert.equal(await expenseCount(), 0);
    });
  }

  it('accepts the edges: today, a fresh worker from the hire date, a leaver on the last day, a closed month of another entity', async () => {
    for (const [input, who] of [
      [{ ...base, date: TODAY }, ana],
      [{ ...base, workerId: W.fresh }, manager],
      [{ ...base, workerId: W.left, date: '2026-11-10' }, manager],
      [{ ...base, projectId: P.bulk, date: '2026-10-15' }, ana],
    ] as const) {
      const result = await logAs(input, who);
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    }
    assert.equal(await expenseCount(), 4);
  });

  it('authorizes like time capture: a WORKER only for themself, MANAGER and ADMIN for anyone', async () => {
    assert.equal(codeOf(await logAs({ ...base, workerId: W.ben }, ana)), 'FORBIDDEN');
    assert.equal(codeOf(await logAs(base, admin)), 'BAD_USER_INPUT', 'an admin without a worker id must name the worker');
    const forBen = await logAs({ ...base, workerId: W.ben }, manager);
    assert.equal(forBen.data.logExpense.worker.id, W.ben);
    const byAdmin = await logAs({ ...base, workerId: W.ana }, admin);
    assert.equal(byAdmin.data.logExpense.worker.id, W.ana);
    assert.equal(await expenseCount(), 2);
  });

  it('replays an idempotent retry, refuses the key for another payload, and stores no key for a refused request', async () => {
    const first = await logAs(base, ana, 'e-1');
    const again = await logAs(base, ana, 'e-1');
    assert.equal(again.errors, undefined, JSON.stringify(again.errors));
    assert.equal(again.data.logExpense.id, first.data.logExpense.id);
    assert.equal(codeOf(await logAs({ ...base, amount: eur('43.00') }, ana, 'e-1')), 'IDEMPOTENCY_KEY_REUSED');
    assert.equal(await expenseCount(), 1);
    // A refused request leaves nothing behind, so the corrected retry may use the same key.
    assert.equal(codeOf(await logAs({ ...base, date: addDays(TODAY, 3) }, ana, 'e-2')), 'FUTURE_DATE');
    const corrected = await logAs(base, ana, 'e-2');
    assert.equal(corrected.errors, undefined, JSON.stringify(corrected.errors));
    assert.notEqual(corrected.data.logExpense.id, first.data.logExpense.id);
    assert.equal(await expenseCount(), 2);
  });

  it('has one effect for concurrent requests with the same key', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => logAs(base, ana, 'e-concurrent')));
    for (const result of results) assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    assert.equal(new Set(results.map((r) => r.data.logExpense.id)).size, 1);
    assert.equal(await expenseCount(), 1);
  });

  it('re-imports by external id: the existing expense, unchanged; concurrent imports of one ref make one expense', async () => {
    const ref = { system: 'concur', id: 'X-42' };
    const imported = await logAs({ ...base, externalId: ref });
    assert.deepEqual(imported.data.logExpense.externalId, ref);
    const reimport = await logAs({ ...base, amount: eur('99.00'), externalId: ref });
    assert.equal(reimport.data.logExpense.id, imported.data.logExpense.id);
    assert.deepEqual(reimport.data.logExpense.amount, eur('42.50'), 'the first import stays as it was');
    const otherSystem = await logAs({ ...base, externalId: { system: 'expensify', id: 'X-42' } });
    assert.notEqual(otherSystem.data.logExpense.id, imported.data.logExpense.id);
    assert.equal(codeOf(await logAs({ ...base, workerId: W.ben, externalId: ref }, ben)), 'FORBIDDEN', "ana's expense is not ben's to re-import");
    assert.equal(await expenseCount(), 2);

    const concurrentRef = { system: 'concur', id: 'X-43' };
    const results = await Promise.all(Array.from({ length: 5 }, () => logAs({ ...base, externalId: concurrentRef }, ana, randomUUID())));
    for (const result of results) assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    assert.equal(new Set(results.map((r) => r.data.logExpense.id)).size, 1);
    assert.equal(await expenseCount(), 3);
  });

  it('keeps external refs unique per system in the database itself', async () => {
    const { id } = (await logAs({ ...base, externalId: { system: 'concur', id: 'X-44' } })).data.logExpense;
    const [row] = await time.database.db.selectFrom('expense_entry').selectAll().where('id', '=', id).execute();
    await assert.rejects(
      time.database.db.insertInto('expense_entry').values({ ...row, id: 'copy' }).execute(),
      /expense_entry_external_ref|duplicate key/,
    );
    await assert.rejects(
      time.database.db.insertInto('expense_entry').values({ ...row, id: 'half', external_id: null, external_system: 'concur' }).execute(),
      /expense_entry_external/,
    );
  });

  it('updates with version checks, re-validates, and only DRAFT or REJECTED expenses', async () => {
    const { id } = (await logAs({ ...base, receiptRef: 'RCPT-9', notes: 'taxi' })).data.logExpense;
    const changed = await time.call(update, { id, v: 1, input: { amount: { amount: '5000', currency: 'JPY' }, category: 'MEALS', receiptRef: null } }, ana);
    assert.equal(changed.errors, undefined, JSON.stringify(changed.errors));
    const after1 = changed.data.updateExpense;
    assert.deepEqual(
      [after1.amount, after1.category, after1.receiptRef, after1.notes, after1.billable, after1.version],
      [{ amount: '5000', currency: 'JPY' }, 'MEALS', null, 'taxi', true, 2],
    );
    assert.equal(codeOf(await time.call(update, { id, v: 1, input: { notes: 'stale' } }, ana)), 'CONFLICT');
    assert.equal(codeOf(await time.call(update, { id, v: 2, input: { date: '2026-10-10' } }, ana)), 'PERIOD_LOCKED');
    assert.equal(codeOf(await time.call(update, { id, v: 2, input: { date: addDays(TODAY, 1) } }, ana)), 'FUTURE_DATE');
    assert.equal(codeOf(await time.call(update, { id, v: 2, input: { amount: { amount: '5000.5', currency: 'JPY' } } }, ana)), 'BAD_USER_INPUT');
    assert.equal(codeOf(await time.call(update, { id, v: 2, input: { billable: true, projectId: P.internal } }, ana)), 'NOT_BILLABLE');
    assert.equal(codeOf(await time.call(update, { id, v: 2, input: { amount: null } }, ana)), 'BAD_USER_INPUT');
    assert.equal(codeOf(await time.call(update, { id, v: 2, input: { notes: 'mine' } }, ben)), 'FORBIDDEN');
    // Another project brings its own billable default: INTERNAL has no contract.
    const moved = await time.call(update, { id, v: 2, input: { projectId: P.internal } }, ana);
    assert.deepEqual([moved.data.updateExpense.project.id, moved.data.updateExpense.billable, moved.data.updateExpense.version], [P.internal, false, 3]);

    await setStatus(id, 'SUBMITTED'); // version 4
    assert.equal(codeOf(await time.call(update, { id, v: 4, input: { notes: 'late' } }, ana)), 'INVALID_TRANSITION');
    assert.equal(codeOf(await time.call(remove, { id, v: 4 }, ana)), 'INVALID_TRANSITION');
    await setStatus(id, 'APPROVED'); // version 5
    assert.equal(codeOf(await time.call(update, { id, v: 5, input: { notes: 'late' } }, ana)), 'INVALID_TRANSITION');
    await setStatus(id, 'REJECTED'); // version 6
    const redrafted = await time.call(update, { id, v: 6, input: { receiptRef: 'RCPT-10' } }, ana);
    assert.equal(redrafted.errors, undefined, JSON.stringify(redrafted.errors));
    assert.deepEqual([redrafted.data.updateExpense.status, redrafted.data.updateExpense.receiptRef, redrafted.data.updateExpense.version], ['DRAFT', 'RCPT-10', 7]);
    const [row] = await time.database.db.selectFrom('expense_entry').selectAll().where('id', '=', id).execute();
    assert.equal(row.rejection_reason, null);
  });

  it('refuses to move an expense out of a closed period', async () => {
    const { id } = (await logAs(base)).data.logExpense;
    await time.database.db.updateTable('expense_entry').set({ date: '2026-10-20' }).where('id', '=', id).execute();
    const moved = await time.call(update, { id, v: 1, input: { date: '2026-11-20' } }, ana);
    assert.equal(codeOf(moved), 'PERIOD_LOCKED');
    assert.match(moved.errors![0].message, new RegExp(`expense ${id} .*PERIOD_LOCKED — 2026-10-20`));
    assert.equal(codeOf(await time.call(remove, { id, v: 1 }, ana)), 'PERIOD_LOCKED');
  });

  it('deletes a DRAFT or REJECTED expense with its history, checking version and owner', async () => {
    const { id } = (await logAs(base)).data.logExpense;
    await setStatus(id, 'REJECTED'); // version 2
    await time.database.db
      .insertInto('approval_record')
      .values({ id: randomUUID(), time_entry_id: null, expense_entry_id: id, action: 'REJECTED', actor_id: W.mia, at: new Date(), reason: 'no receipt' })
      .execute();
    assert.equal(codeOf(await time.call(remove, { id, v: 1 }, ana)), 'CONFLICT');
    assert.equal(codeOf(await time.call(remove, { id, v: 2 }, ben)), 'FORBIDDEN');
    const deleted = await time.call(remove, { id, v: 2 }, ana);
    assert.equal(deleted.errors, undefined, JSON.stringify(deleted.errors));
    assert.equal(deleted.data.deleteExpense, id);
    assert.equal(await expenseCount(), 0);
    const history = await time.database.db.selectFrom('approval_record').select('id').where('expense_entry_id', '=', id).execute();
    assert.deepEqual(history, []);
    assert.equal(codeOf(await time.call(remove, { id, v: 2 }, ana)), 'NOT_FOUND');
    assert.equal(codeOf(await time.call(update, { id, v: 2, input: { notes: 'gone' } }, ana)), 'NOT_FOUND');
  });

  it("lets a manager change and delete someone else's expense", async () => {
    const { id } = (await logAs(base)).data.logExpense;
    const changed = await time.call(update, { id, v: 1, input: { notes: 'checked by manager' } }, manager);
    assert.equal(changed.data.updateExpense.notes, 'checked by manager');
    assert.equal((await time.call(remove, { id, v: 2 }, manager)).data.deleteExpense, id);
  });

  it('logs a mixed batch: valid expenses written together, invalid ones reported by index with their rule code', async () => {
    const calls = time.workContext.calls;
    const result = await time.call(logMany, {
      inputs: [
        base,
        { ...base, amount: eur('1.005') },
        { ...base, workerId: W.ben },
        { ...base, projectId: P.draft },
        { ...base, date: '2026-11-19', amount: eur('10.00'), category: 'MEALS' },
        { ...base, date: addDays(TODAY, 1) },
        { ...base, projectId: P.internal, billable: true },
        { ...base, date: '2026-10-15' },
        { ...base, date: '2025-12-31' },
        { ...base, projectId: 'p-none' },
        { ...base, projectId: P.internal },
      ],
    }, ana);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    const rows = result.data.logExpenses;
    assert.deepEqual(
      rows.map((r: any) => r.error?.code ?? null),
      [null, 'BAD_USER_INPUT', 'FORBIDDEN', 'PROJECT_NOT_ACTIVE', null, 'FUTURE_DATE', 'NOT_BILLABLE', 'PERIOD_LOCKED', 'NOT_ASSIGNED', 'NOT_FOUND', null],
    );
    for (const [index, row] of rows.entries()) {
      assert.equal(Boolean(row.expense) !== Boolean(row.error), true, `exactly one of expense and error at ${index}`);
      if (row.error) assert.equal(row.error.index, index);
    }
    assert.match(rows[3].error.message, /^expense 3 \(2026-11-20, project DRAFTY\): PROJECT_NOT_ACTIVE — /);
    assert.match(rows[2].error.message, /^expense 2: /);
    assert.deepEqual([rows[4].expense.date, rows[4].expense.amount], ['2026-11-19', eur('10.00')]);
    assert.equal(await expenseCount(), 3);
    assert.equal(time.workContext.calls - calls, 1, 'one round trip to psa/hcm for the whole batch');
    // A batch of only invalid inputs writes nothing and still answers per input.
    const none = await time.call(logMany, { inputs: [{ ...base, amount: eur('0') }, { ...base, workerId: W.ben }] }, ana);
    assert.deepEqual(none.data.logExpenses.map((r: any) => [r.expense, r.error.code]), [[null, 'BAD_USER_INPUT'], [null, 'FORBIDDEN']]);
    assert.equal(await expenseCount(), 3);
  });

  it('imports by external id in a batch: a ref given twice is one expense, a re-imported ref returns the existing one', async () => {
    const first = (await logAs({ ...base, externalId: { system: 'concur', id: 'B-1' } })).data.logExpense;
    const result = await time.call(logMany, {
      inputs: [
        { ...base, amount: eur('99.00'), externalId: { system: 'concur', id: 'B-1' } },
        { ...base, amount: eur('10.00'), externalId: { system: 'concur', id: 'B-2' } },
        { ...base, amount: eur('20.00'), externalId: { system: 'concur', id: 'B-2' } },
        { ...base, date: addDays(TODAY, 2), externalId: { system: 'concur', id: 'B-3' } },
        { ...base, amount: eur('30.00'), externalId: { system: 'concur', id: 'B-3' } },
      ],
    }, ana);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    const rows = result.data.logExpenses;
    assert.equal(rows[0].expense.id, first.id, 'imported before: the existing expense');
    assert.deepEqual(rows[0].expense.amount, eur('42.50'), 'unchanged by the re-import');
    assert.equal(rows[2].expense.id, rows[1].expense.id, 'the same ref twice in one batch: one expense');
    assert.deepEqual(rows[2].expense.amount, eur('10.00'));
    assert.equal(rows[3].error.code, 'FUTURE_DATE');
    assert.deepEqual([rows[4].expense.amount, rows[4].expense.externalId], [eur('30.00'), { system: 'concur', id: 'B-3' }], 'the ref whose first input failed is imported by the next');
    assert.equal(await expenseCount(), 3);
    const byBen = await time.call(logMany, { inputs: [{ ...base, workerId: W.ben, externalId: { system: 'concur', id: 'B-1' } }, { ...base, workerId: W.ben }] }, ben);
    assert.deepEqual(byBen.data.logExpenses.map((r: any) => r.error?.code ?? null), ['FORBIDDEN', null], "ana's expense is not ben's to re-import");
    assert.equal(await expenseCount(), 4);
  });

  it('logs 1,000 expenses with one work-context load and the same statements as 10; more than 1,000 is refused', async () => {
    const batch = (n: number, offset: number) =>
      Array.from({ length: n }, (_, i) => ({
        projectId: P.bulk,
        date: addDays(TODAY, -Math.floor((i + offset) / 4)),
        amount: eur(`${(i % 90) + 10}.25`),
        category: 'MEALS',
        externalId: { system: 'bulk', id: String(i + offset) },
      }));
    const run = async (n: number, offset: number) => {
      const calls = time.workContext.calls;
      time.database.statements.reset();
      const result = await time.call(logMany, { inputs: batch(n, offset), key: `bulk-expenses-${n}` }, ana);
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
      assert.equal(result.data.logExpenses.length, n);
      assert.ok(result.data.logExpenses.every((r: any, i: number) => r.expense?.externalId.id === String(i + offset) && !r.error));
      assert.equal(time.workContext.calls - calls, 1);
      return time.database.statements.total;
    };
    const ten = await run(10, 0);
    const thousand = await run(1000, 10);
    assert.equal(thousand, ten);
    assert.equal(await expenseCount(), 1010);
    const tooMany = await time.call(logMany, { inputs: batch(1001, 0) }, ana);
    assert.equal(codeOf(tooMany), 'BAD_USER_INPUT');
    assert.match(tooMany.errors![0].message, /at most 1000 expenses per call/);
  });

  it('retries a batch idempotently: the same results, nothing written twice; concurrent twins write once', async () => {
    const inputs = [base, { ...base, workerId: W.ben }, { ...base, date: '2026-11-19' }];
    const first = await time.call(logMany, { inputs, key: 'batch-1' }, ana);
    assert.equal(first.errors, undefined, JSON.stringify(first.errors));
    const again = await time.call(logMany, { inputs, key: 'batch-1' }, ana);
    assert.deepEqual(again.data.logExpenses, first.data.logExpenses);
    assert.equal(await expenseCount(), 2);
    assert.equal(codeOf(await time.call(logMany, { inputs: inputs.slice(1), key: 'batch-1' }, ana)), 'IDEMPOTENCY_KEY_REUSED');
    const twins = await Promise.all(Array.from({ length: 4 }, () => time.call(logMany, { inputs, key: 'batch-2' }, ana)));
    for (const twin of twins) assert.deepEqual(twin.data.logExpenses, twins[0].data.logExpenses, JSON.stringify(twin.errors));
    assert.equal(await expenseCount(), 4);
    // logExpense is the batch of one: its key is its own (another operation), its refusal stores none.
    assert.equal((await logAs(base, ana, 'batch-1')).errors, undefined);
    assert.equal(await expenseCount(), 5);
  });

  it('loads the psa/hcm facts once per request', async () => {
    const calls = time.workContext.calls;
    await logAs(base);
    assert.equal(time.workContext.calls - calls, 1);
  });
});

describe('expense capture without a work context', () => {
  let time: CaptureHarness;
  before(async () => {
    time = await startCapture({ withoutWorkContext: true });
  });
  after(() => time.close());

  it('fails with a clear internal error', async () => {
    const result = await time.call(log, { input: base }, ana);
    assert.equal(codeOf(result), 'INTERNAL_SERVER_ERROR');
    assert.match(result.errors![0].message, /WorkContextSource/);
  });
});
