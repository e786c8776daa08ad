import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { addDays } from '../../../subgraphs/time/domain/iso-week.ts';
import { ana, ben, codeOf, finance, manager, P, startCapture, T, TODAY, W, type CaptureHarness } from './capture-fixture.ts';

const fields = `id worker { id } project { id } task { id } role { id } date hours startTime endTime billable notes status version
  externalId { system id } timesheet { id totalHours status }`;
const log = `mutation($input: LogTimeEntryInput!, $key: String) { logTimeEntry(input: $input, idempotencyKey: $key) { ${fields} } }`;
const logMany = `mutation($inputs: [LogTimeEntryInput!]!, $key: String) {
  logTimeEntries(inputs: $inputs, idempotencyKey: $key) { entry { id date hours } error { index code message } } }`;
const update = `mutation($id: ID!, $v: Int!, $input: UpdateTimeEntryInput!) { updateTimeEntry(id: $id, expectedVersion: $v, input: $input) { ${fields} } }`;
const remove = `mutation($id: ID!, $v: Int!) { deleteTimeEntry(id: $id, expectedVersion: $v) }`;
const close = `mutation($le: ID!, $start: Date!, $end: Date!) { closePeriod(legalEntityId: $le, periodStart: $start, periodEnd: $end) { id } }`;

const base = { projectId: P.alpha, taskId: T.dev, date: '2026-11-20', hours: '2.00' };

describe('time capture', () => {
  let time: CaptureHarness;
  const entryCount = async () => Number((await time.database.db.selectFrom('time_entry').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const logAs = async (input: Record<string, unknown>, identity = ana, key?: string) => time.call(log, { input, key }, identity);

  before(async () => {
    time = await startCapture();
    const closed = await time.call(close, { le: 'le-1', start: '2026-10-01', end: '2026-10-31' }, finance);
    assert.equal(closed.errors, undefined, JSON.stringify(closed.errors));
  });
  after(() => time.close());
  beforeEach(async () => {
    await time.database.db.deleteFrom('time_entry').execute();
  });

  it('logs a DRAFT entry with defaults (own worker, task billable flag, assignment role) and shows it in the timesheet', async () => {
    const result = await logAs({ ...base, startTime: '09:00', endTime: '11:00', notes: 'pairing' });
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    const entry = result.data.logTimeEntry;
    assert.deepEqual(
      [entry.worker.id, entry.role.id, entry.billable, entry.status, entry.version, entry.hours, entry.startTime, entry.notes],
      [W.ana, 'r-dev', true, 'DRAFT', 1, '2.00', '09:00', 'pairing'],
    );
    assert.deepEqual(entry.timesheet, { id: `${W.ana}:2026-W47`, totalHours: '2.00', status: 'DRAFT' });
    const listed = await time.call(`{ timeEntries(filter: { status: [DRAFT] }) { totalCount nodes { id } } }`, {}, ana);
    assert.deepEqual(listed.data.timeEntries.nodes, [{ id: entry.id }]);
    const internal = await logAs({ ...base, taskId: T.internal });
    assert.equal(internal.data.logTimeEntry.billable, false);
  });

  const failures: Array<[code: string, input: Record<string, unknown>, who?: typeof ana]> = [
    ['NOT_FOUND', { ...base, projectId: 'p-none' }],
    ['NOT_FOUND', { ...base, workerId: 'w-none' }, manager],
    ['PROJECT_NOT_ACTIVE', { ...base, projectId: P.draft, taskId: 'td' }],
    ['WORKER_NOT_ACTIVE', { ...base, workerId: W.old }, manager],
    ['WORKER_NOT_ACTIVE', { ...base, workerId: W.fresh, date: '2026-11-19' }, manager],
    ['WORKER_NOT_ACTIVE', { ...base, workerId: W.left, date: '2026-11-11' }, manager],
    ['NOT_ASSIGNED', { ...base, workerId: W.dan }, manager],
    ['NOT_ASSIGNED', { ...base, date: '2025-12-31' }],
    ['TASK_INVALID', { ...base, taskId: 'other-task' }],
    ['TASK_INVALID', { ...base, taskId: T.closed }],
    ['TASK_INVALID', { ...base, taskId: T.internal, billable: true }],
    ['ROLE_NOT_ALLOWED', { ...base, roleId: 'r-pm' }],
    ['INVALID_HOURS', { ...base, hours: '0' }],
    ['INVALID_HOURS', { ...base, hours: '24.50' }],
    ['INVALID_HOURS', { ...base, hours: '1.005' }],
    ['INVALID_HOURS', { ...base, hours: '3.00', startTime: '09:00', endTime: '11:00' }],
    ['INVALID_HOURS', { ...base, startTime: '11:00', endTime: '09:00' }],
    ['FUTURE_DATE', { ...base, date: addDays(TODAY, 15) }],
    ['PERIOD_LOCKED', { ...base, date: '2026-10-15' }],
    ['RATE_NOT_FOUND', { ...base, workerId: W.cy }, manager],
    ['FORBIDDEN', { ...base, workerId: W.ben }, ana],
  ];
  for (const [code, input, who] of failures) {
    it(`refuses with ${code}: ${JSON.stringify(input)}`, async () => {
      const result = await logAs(input, who ?? ana);
      assert.equal(codeOf(result), code, JSON.stringify(result.errors));
      assert.equal(await entryCount(), 0);
    });
  }

  it('accepts the edges: 14 days ahead, rate from an override, non-billable without a rate, a fresh worker from the hire date', async () => {
    for (const [input, who] of [
      [{ ...base, date: addDays(TODAY, 14) }, ana],
      [{ ...base, workerId: W.ben }, manager],
      [{ ...base, workerId: W.cy, taskId: T.internal }, manager],
      [{ ...base, workerId: W.fresh }, manager],
      [{ ...base, workerId: W.left, date: '2026-11-10' }, manager],
    ] as const) {
      const result = await logAs(input, who);
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    }
  });

  it('refuses OVERLAP and DAILY_LIMIT_EXCEEDED against stored entries', async () => {
    await logAs({ ...base, hours: '2.00', startTime: '09:00', endTime: '11:00' });
    assert.equal(codeOf(await logAs({ ...base, hours: '1.00', startTime: '10:30', endTime: '11:30' })), 'OVERLAP');
    assert.equal((await logAs({ ...base, hours: '1.00', startTime: '11:00', endTime: '12:00' })).errors, undefined);
    assert.equal((await logAs({ ...base, hours: '20.00' })).errors, undefined);
    const over = await logAs({ ...base, hours: '1.01' });
    assert.equal(codeOf(over), 'DAILY_LIMIT_EXCEEDED');
    assert.match(over.errors![0].message, /2026-11-20.*ALPHA.*DAILY_LIMIT_EXCEEDED/);
    assert.equal((await logAs({ ...base, hours: '1.00' })).errors, undefined);
    assert.equal(await entryCount(), 4);
  });

  it('replays an idempotent retry, refuses the key for another payload, and re-imports by external id', async () => {
    const first = await logAs(base, ana, 'k-1');
    const again = await logAs(base, ana, 'k-1');
    assert.equal(again.data.logTimeEntry.id, first.data.logTimeEntry.id);
    assert.equal(codeOf(await logAs({ ...base, hours: '3.00' }, ana, 'k-1')), 'IDEMPOTENCY_KEY_REUSED');
    const imported = await logAs({ ...base, externalId: { system: 'harvest', id: '42' } });
    const reimport = await logAs({ ...base, hours: '5.00', externalId: { system: 'harvest', id: '42' } });
    assert.equal(reimport.data.logTimeEntry.id, imported.data.logTimeEntry.id);
    assert.deepEqual(reimport.data.logTimeEntry.externalId, { system: 'harvest', id: '42' });
    const otherSystem = await logAs({ ...base, externalId: { system: 'jira', id: '42' } });
    assert.notEqual(otherSystem.data.logTimeEntry.id, imported.data.logTimeEntry.id);
    assert.equal(await entryCount(), 3);
    // Two first imports of one ref at once (different keys, or none): one entry, both answers name it.
    const ref = { system: 'harvest', id: '77' };
    const racing = await Promise.all([logAs({ ...base, externalId: ref }, ana, 'import-a'), logAs({ ...base, externalId: ref }, ana, 'import-b'), logAs({ ...base, externalId: ref })]);
    for (const result of racing) assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    assert.equal(new Set(racing.map((result) => result.data.logTimeEntry.id)).size, 1);
    assert.equal(await entryCount(), 4);
  });

  it('updates with version checks, re-validates, and only DRAFT or REJECTED entries', async () => {
    const { id } = (await logAs(base)).data.logTimeEntry;
    const changed = await time.call(update, { id, v: 1, input: { hours: '3.50', notes: 'more' } }, ana);
    assert.equal(changed.errors, undefined, JSON.stringify(changed.errors));
    assert.deepEqual([changed.data.updateTimeEntry.hours, changed.data.updateTimeEntry.version], ['3.50', 2]);
    assert.equal(codeOf(await time.call(update, { id, v: 1, input: { hours: '4.00' } }, ana)), 'CONFLICT');
    assert.equal(codeOf(await time.call(update, { id, v: 2, input: { date: '2026-10-10' } }, ana)), 'PERIOD_LOCKED');
    assert.equal(codeOf(await time.call(update, { id, v: 2, input: { hours: '25' } }, ana)), 'INVALID_HOURS');
    assert.equal(codeOf(await time.call(update, { id, v: 2, input: { hours: '1.00' } }, ben)), 'FORBIDDEN');
    // Its own hours do not count against it: 3.50 → 24.00 is fine.
    assert.equal((await time.call(update, { id, v: 2, input: { hours: '24.00' } }, ana)).errors, undefined);

    await time.database.db.updateTable('time_entry').set({ status: 'SUBMITTED' }).where('id', '=', id).execute();
    assert.equal(codeOf(await time.call(update, { id, v: 3, input: { hours: '1.00' } }, ana)), 'INVALID_TRANSITION');
    assert.equal(codeOf(await time.call(remove, { id, v: 3 }, ana)), 'INVALID_TRANSITION');
    await time.database.db.updateTable('time_entry').set({ status: 'REJECTED', rejection_reason: 'wrong task' }).where('id', '=', id).execute();
    const redrafted = await time.call(update, { id, v: 3, input: { taskId: T.internal } }, ana);
    assert.deepEqual(
      [redrafted.data.updateTimeEntry.status, redrafted.data.updateTimeEntry.billable, redrafted.data.updateTimeEntry.version],
      ['DRAFT', false, 4],
    );
    assert.equal(codeOf(await time.call(remove, { id, v: 3 }, ana)), 'CONFLICT');
    assert.equal(codeOf(await time.call(remove, { id, v: 4 }, ben)), 'FORBIDDEN');
    const deleted = await time.call(remove, { id, v: 4 }, ana);
    assert.equal(deleted.data.deleteTimeEntry, id);
    assert.equal(await entryCount(), 0);
    assert.equal(codeOf(await time.call(remove, { id, v: 4 }, ana)), 'NOT_FOUND');
  });

  it('logs a mixed batch: valid entries written, invalid ones reported by index, day totals across the batch', async () => {
    const calls = time.workContext.calls;
    const result = await time.call(logMany, {
      inputs: [
        { ...base, hours: '12.00' },
        { ...base, projectId: P.draft, taskId: 'td' },
        { ...base, hours: '12.00' },
        { ...base, hours: '0.25' }, // the day already holds 24.00 from entries 0 and 2
        { ...base, hours: '1.00', startTime: '08:00', endTime: '09:00', date: '2026-11-19' },
        { ...base, hours: '1.00', startTime: '08:30', endTime: '09:30', date: '2026-11-19' },
        { ...base, workerId: W.ben },
      ],
    }, ana);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    const rows = result.data.logTimeEntries;
    assert.deepEqual(rows.map((r: any) => r.error?.code ?? null), [null, 'PROJECT_NOT_ACTIVE', null, 'DAILY_LIMIT_EXCEEDED', null, 'OVERLAP', 'FORBIDDEN']);
    assert.deepEqual(rows.map((r: any) => r.error?.index ?? null), [null, 1, null, 3, null, 5, 6]);
    assert.match(rows[3].error.message, /entry 3/);
    assert.ok(rows[0].entry.id && rows[2].entry.id && rows[4].entry.id);
    assert.equal(await entryCount(), 3);
    assert.equal(time.workContext.calls - calls, 1);
  });

  it('logs 1,000 entries with one work-context load and the same statements as 10', async () => {
    const batch = (n: number, offset: number) =>
      Array.from({ length: n }, (_, i) => ({
        projectId: P.bulk,
        taskId: T.bulk,
        date: addDays(TODAY, -Math.floor((i + offset) / 4)),
        hours: '1.00',
        externalId: { system: 'bulk', id: String(i + offset) },
      }));
    const run = async (n: number, offset: number) => {
      const calls = time.workContext.calls;
      time.database.statements.reset();
      const result = await time.call(logMany, { inputs: batch(n, offset), key: `bulk-${n}` }, ana);
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
      assert.ok(result.data.logTimeEntries.every((r: any) => r.entry && !r.error));
      assert.equal(time.workContext.calls - calls, 1);
      return time.database.statements.total;
    };
    const ten = await run(10, 0);
    const thousand = await run(1000, 10);
    assert.equal(ten, thousand);
    assert.equal(await entryCount(), 1010);
    const tooMany = await time.call(logMany, { inputs: batch(1001, 0) }, ana);
    assert.equal(codeOf(tooMany), 'BAD_USER_INPUT');
  });
});

describe('time capture without a work context', () => {
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
