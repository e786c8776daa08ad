import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Identity } from '../../../lib/auth/identity.ts';
import { dataOf } from '../../support/subgraph-harness.ts';
import { admin, ana, ben, codeOf, manager, P, projects, startCapture, T, TODAY, W, type CaptureHarness } from './capture-fixture.ts';

const WEEK = '2026-W47';
const fields = `id status version rejectionReason submittedAt decidedAt decidedBy { id } approvals { action actor { id } at reason }`;
const log = `mutation($input: LogTimeEntryInput!) { logTimeEntry(input: $input) { id version } }`;
const submitWeek = `mutation($w: ID, $week: String!, $key: String) { submitTimesheet(workerId: $w, isoWeek: $week, idempotencyKey: $key) {
  id status totalHours entries { nodes { id status } } } }`;
const submitIds = `mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { ${fields} } }`;
const approveIds = `mutation($ids: [ID!]!, $key: String) { approveTimeEntries(ids: $ids, idempotencyKey: $key) { ${fields} } }`;
const approveWeek = `mutation($w: ID!, $week: String!) { approveTimesheet(workerId: $w, isoWeek: $week) { id status entries { nodes { ${fields} } } } }`;
const reject = `mutation($ids: [ID!]!, $reason: String!) { rejectTimeEntries(ids: $ids, reason: $reason) { ${fields} } }`;
const recall = `mutation($week: String!) { recallTimesheet(isoWeek: $week) { id status entries { nodes { ${fields} } } } }`;
const update = `mutation($id: ID!, $v: Int!, $input: UpdateTimeEntryInput!) { updateTimeEntry(id: $id, expectedVersion: $v, input: $input) { id status version } }`;

const otherManager: Identity = { workerId: 'w-zed', roles: ['WORKER', 'MANAGER'] };
const anaAsManager: Identity = { workerId: W.ana, roles: ['WORKER', 'MANAGER'] };

describe('time approval', () => {
  let time: CaptureHarness;
  const count = async (table: 'approval_record' | 'outbox') =>
    Number((await time.database.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  /** Two billable entries of ana's week 47, logged as DRAFT. */
  async function logWeek(): Promise<string[]> {
    const ids: string[] = [];
    for (const date of ['2026-11-16', '2026-11-17']) {
      ids.push(dataOf(await time.call(log, { input: { projectId: P.alpha, taskId: T.dev, date, hours: '4.00' } }, ana)).logTimeEntry.id);
    }
    return ids;
  }
  const submit = async (identity = ana) => time.call(submitWeek, { week: WEEK }, identity);

  before(async () => {
    // A clock that ticks a second per reading (same day): an entry's history steps get distinct, ordered times.
    let tick = 0;
    time = await startCapture({ clock: { now: () => new Date(Date.parse(`${TODAY}T08:00:00Z`) + 1000 * tick++) } });
  });
  after(() => time.close());
  beforeEach(async () => {
    await time.database.db.deleteFrom('approval_record').execute();
    await time.database.db.deleteFrom('time_entry').execute();
    await time.database.db.deleteFrom('outbox').where('type', 'like', 'time.entry.%').execute();
  });

  it('submits a week, the manager approves it: history, versions and events with the correlation id', async () => {
    const ids = await logWeek();
    const submitCorrelation = randomUUID();
    const sheet = dataOf(await time.call(submitWeek, { week: WEEK }, ana, submitCorrelation)).submitTimesheet;
    assert.deepEqual([sheet.id, sheet.status, sheet.totalHours], [`${W.ana}:${WEEK}`, 'SUBMITTED', '8.00']);
    const approveCorrelation = randomUUID();
    const approved = dataOf(await time.call(approveWeek, { w: W.ana, week: WEEK }, manager, approveCorrelation)).approveTimesheet;
    assert.equal(approved.status, 'APPROVED');
    for (const entry of approved.entries.nodes) {
      assert.deepEqual([entry.status, entry.version, entry.decidedBy.id], ['APPROVED', 3, W.mia]);
      assert.ok(entry.submittedAt && entry.decidedAt);
      assert.deepEqual(
        entry.approvals.map((a: any) => [a.action, a.actor.id, typeof a.at]),
        [['SUBMITTED', W.ana, 'string'], ['APPROVED', W.mia, 'string']],
      );
    }
    const events = await time.database.db.selectFrom('outbox').selectAll().where('type', 'like', 'time.entry.%').orderBy('seq').execute();
    assert.deepEqual(
      events.map((e) => [e.type, e.subject_typename, e.correlation_id]),
      [
        ['time.entry.submitted', 'TimeEntry', submitCorrelation],
        ['time.entry.submitted', 'TimeEntry', submitCorrelation],
        ['time.entry.approved', 'TimeEntry', approveCorrelation],
        ['time.entry.approved', 'TimeEntry', approveCorrelation],
      ],
    );
    assert.deepEqual(new Set(events.map((e) => e.subject_id)), new Set(ids));
    const data = events[2].data as any;
    assert.deepEqual([data.status, data.version, data.approvedBy, data.workerId, data.billable], ['APPROVED', 3, W.mia, W.ana, true]);
    assert.deepEqual(data.billRate, { amount: '120.00', currency: 'EUR' }, "the rate card's rate for the role, frozen at approval");
  });

  it('rejection needs a reason; rejected → edited → resubmitted → approved', async () => {
    const [id] = await logWeek();
    dataOf(await time.call(submitIds, { ids: [id] }, ana));
    assert.equal(codeOf(await time.call(reject, { ids: [id], reason: '  ' }, manager)), 'BAD_USER_INPUT');
    const rejected = dataOf(await time.call(reject, { ids: [id], reason: 'wrong task' }, manager)).rejectTimeEntries[0];
    assert.deepEqual([rejected.status, rejected.rejectionReason, rejected.version], ['REJECTED', 'wrong task', 3]);
    const rejectedEvent = await time.database.db.selectFrom('outbox').selectAll().where('type', '=', 'time.entry.rejected').executeTakeFirstOrThrow();
    assert.equal((rejectedEvent.data as any).reason, 'wrong task');
    const edited = dataOf(await time.call(update, { id, v: 3, input: { hours: '3.00' } }, ana)).updateTimeEntry;
    assert.deepEqual([edited.status, edited.version], ['DRAFT', 4]);
    dataOf(await time.call(submitIds, { ids: [id] }, ana));
    const approved = dataOf(await time.call(approveIds, { ids: [id] }, manager)).approveTimeEntries[0];
    assert.deepEqual([approved.status, approved.version, approved.rejectionReason], ['APPROVED', 6, null]);
    assert.deepEqual(
      approved.approvals.map((a: any) => [a.action, a.reason]),
      [['SUBMITTED', null], ['REJECTED', 'wrong task'], ['SUBMITTED', null], ['APPROVED', null]],
    );
  });

  it('recalls a submitted week back to DRAFT', async () => {
    await logWeek();
    dataOf(await submit());
    const sheet = dataOf(await time.call(recall, { week: WEEK }, ana)).recallTimesheet;
    assert.equal(sheet.status, 'DRAFT');
    for (const entry of sheet.entries.nodes) {
      assert.deepEqual([entry.status, entry.submittedAt, entry.approvals.map((a: any) => a.action)], ['DRAFT', null, ['SUBMITTED', 'RECALLED']]);
    }
  });

  it('refuses illegal transitions with INVALID_TRANSITION', async () => {
    const ids = await logWeek();
    assert.equal(codeOf(await time.call(approveIds, { ids }, manager)), 'INVALID_TRANSITION');
    assert.equal(codeOf(await time.call(recall, { week: WEEK }, ana)), 'INVALID_TRANSITION');
    dataOf(await submit());
    dataOf(await time.call(approveIds, { ids }, manager));
    assert.equal(codeOf(await time.call(recall, { week: WEEK }, ana)), 'INVALID_TRANSITION');
    assert.equal(codeOf(await submit()), 'INVALID_TRANSITION');
    assert.equal(codeOf(await time.call(submitIds, { ids }, ana)), 'INVALID_TRANSITION');
    assert.equal(codeOf(await time.call(submitWeek, { week: '2026-W40' }, ana)), 'INVALID_TRANSITION');
  });

  it('only the manager or an ADMIN approves, and nobody their own time', async () => {
    const ids = await logWeek();
    dataOf(await submit());
    assert.equal(codeOf(await submit(ben)), 'INVALID_TRANSITION'); // ben's own (empty) week
    assert.equal(codeOf(await time.call(submitWeek, { w: W.ana, week: WEEK }, ben)), 'FORBIDDEN');
    for (const who of [ben, otherManager, anaAsManager, { ...admin, workerId: W.ana }]) {
      assert.equal(codeOf(await time.call(approveIds, { ids }, who)), 'FORBIDDEN', JSON.stringify(who));
      assert.equal(codeOf(await time.call(reject, { ids, reason: 'no' }, who)), 'FORBIDDEN', JSON.stringify(who));
    }
    assert.equal(await count('approval_record'), 2);
    const approved = dataOf(await time.call(approveIds, { ids }, admin)).approveTimeEntries;
    assert.deepEqual(approved.map((e: any) => [e.status, e.decidedBy]), [['APPROVED', null], ['APPROVED', null]]);
  });

  it('re-validates on submit and needs a rate on approval, against current data', async () => {
    const alpha = projects.find((p) => p.id === P.alpha)!;
    const ids = await logWeek();
    alpha.status = 'ON_HOLD';
    try {
      assert.equal(codeOf(await submit()), 'PROJECT_NOT_ACTIVE');
    } finally {
      alpha.status = 'ACTIVE';
    }
    dataOf(await submit());
    const rates = alpha.rates;
    alpha.rates = [];
    try {
      assert.equal(codeOf(await time.call(approveIds, { ids }, manager)), 'RATE_NOT_FOUND');
    } finally {
      alpha.rates = rates;
    }
    assert.equal(await count('approval_record'), 2);
    dataOf(await time.call(approveIds, { ids }, manager));
  });

  it('an idempotent retry of approve returns the same result and writes nothing twice', async () => {
    const ids = await logWeek();
    dataOf(await submit());
    const first = dataOf(await time.call(approveIds, { ids, key: 'approve-1' }, manager)).approveTimeEntries;
    const records = await count('approval_record');
    const events = await count('outbox');
    const again = dataOf(await time.call(approveIds, { ids, key: 'approve-1' }, manager)).approveTimeEntries;
    assert.deepEqual(again, first);
    assert.deepEqual([await count('approval_record'), await count('outbox')], [records, events]);
    assert.equal(codeOf(await time.call(approveIds, { ids: [ids[0]], key: 'approve-1' }, manager)), 'IDEMPOTENCY_KEY_REUSED');
    assert.equal(codeOf(await time.call(approveIds, { ids }, manager)), 'INVALID_TRANSITION');
  });
});
