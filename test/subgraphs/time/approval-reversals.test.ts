import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Identity } from '../../../lib/auth/identity.ts';
import { dataOf } from '../../support/subgraph-harness.ts';
import { admin, ana, ben, codeOf, finance, manager, P, startCapture, T, TODAY, W, type CaptureHarness } from './capture-fixture.ts';

/**
 * Taking approvals back (cancel, reject after approval), correcting approved entries, approval delegation and the
 * grace and override rights on closed periods, through the time subgraph's GraphQL API.
 */
const fields = `id status version hours date reversedAt correctionOf { id } correctedBy { id } approvals { action actor { id } reason }`;
const log = `mutation($input: LogTimeEntryInput!) { logTimeEntry(input: $input) { id version } }`;
const submitIds = `mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id version } }`;
const approveIds = `mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { id version status } }`;
const reject = `mutation($ids: [ID!]!, $reason: String!) { rejectTimeEntries(ids: $ids, reason: $reason) { ${fields} } }`;
const cancel = `mutation($ids: [ID!]!, $reason: String!, $key: String) { cancelTimeEntryApprovals(ids: $ids, reason: $reason, idempotencyKey: $key) { ${fields} } }`;
const correct = `mutation($id: ID!, $v: Int!, $input: UpdateTimeEntryInput!, $reason: String!, $key: String) {
  correctTimeEntry(id: $id, expectedVersion: $v, input: $input, reason: $reason, idempotencyKey: $key) { ${fields} } }`;
const entry = `query($id: ID!) { timeEntry(id: $id) { ${fields} timesheet { totalHours } } }`;
const delegate = `mutation($input: DelegateApprovalsInput!, $key: String) { delegateApprovals(input: $input, idempotencyKey: $key) {
  id manager { id } delegate { id } from to active revokedAt } }`;
const revoke = `mutation($id: ID!) { revokeApprovalDelegation(id: $id) { id active revokedBy { id } } }`;
const close = `mutation($start: Date!, $end: Date!, $grace: Int) {
  closePeriod(legalEntityId: "le-1", periodStart: $start, periodEnd: $end, graceDays: $grace) { id graceUntil } }`;
const reopen = `mutation($id: ID!) { reopenPeriod(id: $id) { id } }`;

const otherManager: Identity = { workerId: 'w-zed', roles: ['WORKER', 'MANAGER'] };

describe('time approval: cancel, reject after approval, correct, delegate, grace', () => {
  let time: CaptureHarness;
  /** The payloads of the outbox events of one type, oldest first, with their subject. */
  const events = async (type: string): Promise<any[]> =>
    (await time.database.db.selectFrom('outbox').selectAll().where('type', '=', type).orderBy('seq').execute()).map((row) => ({
      subjectId: row.subject_id,
      data: row.data as any,
    }));

  /** One of ana's billable entries, approved by her manager; returns its id and version. */
  async function approved(date = '2026-11-17', hours = '4.00'): Promise<{ id: string; version: number }> {
    const { id } = dataOf(await time.call(log, { input: { projectId: P.alpha, taskId: T.dev, date, hours } }, ana)).logTimeEntry;
    dataOf(await time.call(submitIds, { ids: [id] }, ana));
    const [done] = dataOf(await time.call(approveIds, { ids: [id] }, manager)).approveTimeEntries;
    assert.equal(done.status, 'APPROVED');
    return { id, version: done.version };
  }

  before(async () => {
    let tick = 0;
    time = await startCapture({ clock: { now: () => new Date(Date.parse(`${TODAY}T08:00:00Z`) + 1000 * tick++) } });
  });
  after(() => time.close());
  beforeEach(async () => {
    for (const table of ['approval_record', 'approval_delegation', 'period_lock', 'idempotency_key'] as const) await time.database.db.deleteFrom(table).execute();
    await time.database.db.updateTable('time_entry').set({ correction_of: null }).execute();
    await time.database.db.deleteFrom('time_entry').execute();
    await time.database.db.deleteFrom('outbox').execute();
    time.workContext.billing.clear();
  });

  it('cancels an approval: back to SUBMITTED, with its reason in the history and a reversal event', async () => {
    const { id } = await approved();
    assert.equal(codeOf(await time.call(cancel, { ids: [id], reason: ' ' }, manager)), 'BAD_USER_INPUT');
    assert.equal(codeOf(await time.call(cancel, { ids: [id], reason: 'approved too early' }, otherManager)), 'FORBIDDEN');
    assert.equal(codeOf(await time.call(cancel, { ids: [id], reason: 'mine' }, { ...ana, roles: ['WORKER', 'MANAGER'] })), 'FORBIDDEN');
    const [cancelled] = dataOf(await time.call(cancel, { ids: [id], reason: 'approved too early', key: 'c-1' }, manager)).cancelTimeEntryApprovals;
    assert.equal(cancelled.status, 'SUBMITTED');
    assert.deepEqual(cancelled.approvals.map((a: any) => a.action), ['SUBMITTED', 'APPROVED', 'APPROVAL_CANCELLED']);
    assert.deepEqual(cancelled.approvals[2], { action: 'APPROVAL_CANCELLED', actor: { id: W.mia }, reason: 'approved too early' });
    const again = dataOf(await time.call(cancel, { ids: [id], reason: 'approved too early', key: 'c-1' }, manager)).cancelTimeEntryApprovals;
    assert.equal(again[0].version, cancelled.version, 'a retried key changes nothing');
    const [event] = await events('time.entry.approval_cancelled');
    assert.deepEqual([event.data.timeEntryId, event.data.reason, event.data.cancelledBy], [id, 'approved too early', W.mia]);
    assert.equal(codeOf(await time.call(cancel, { ids: [id], reason: 'again' }, manager)), 'INVALID_TRANSITION', 'only APPROVED entries');
    // Back in the queue: it can be approved again.
    dataOf(await time.call(approveIds, { ids: [id] }, manager));
  });

  it('refuses to take back an approval once the entry is invoiced; rejecting an approved one says so downstream', async () => {
    const invoiced = await approved('2026-11-16');
    const billed = await approved('2026-11-17');
    time.workContext.billing.set(invoiced.id, 'INVOICED');
    time.workContext.billing.set(billed.id, 'UNBILLED');
    assert.equal(codeOf(await time.call(cancel, { ids: [invoiced.id], reason: 'x' }, manager)), 'ALREADY_INVOICED');
    assert.equal(codeOf(await time.call(reject, { ids: [billed.id, invoiced.id], reason: 'x' }, manager)), 'ALREADY_INVOICED');
    assert.equal(dataOf(await time.call(entry, { id: billed.id }, ana)).timeEntry.status, 'APPROVED', 'nothing of the batch was written');
    const [rejected] = dataOf(await time.call(reject, { ids: [billed.id], reason: 'client disputes the hours' }, manager)).rejectTimeEntries;
    assert.equal(rejected.status, 'REJECTED');
    const [event] = await events('time.entry.rejected');
    assert.equal(event.data.wasApproved, true);
  });

  it('corrects an approved entry: reversed, never edited, and replaced by a linked SUBMITTED entry', async () => {
    const original = await approved('2026-11-17', '8.00');
    const draft = dataOf(await time.call(log, { input: { projectId: P.alpha, taskId: T.dev, date: '2026-11-17', hours: '16.00' } }, ana)).logTimeEntry;
    assert.equal(codeOf(await time.call(correct, { id: draft.id, v: draft.version, input: { hours: '1.00' }, reason: 'x' }, ana)), 'INVALID_TRANSITION');
    assert.equal(codeOf(await time.call(correct, { id: original.id, v: original.version - 1, input: { hours: '7.00' }, reason: 'x' }, ana)), 'CONFLICT');
    assert.equal(codeOf(await time.call(correct, { id: original.id, v: original.version, input: { hours: '7.00' }, reason: '' }, ana)), 'BAD_USER_INPUT');
    assert.equal(codeOf(await time.call(correct, { id: original.id, v: original.version, input: { hours: '7.00' }, reason: 'x' }, ben)), 'FORBIDDEN');
    // 16 h + 8 h fill the day: the correction to 8.00 fits only because the reversed entry stops counting.
    const variables = { id: original.id, v: original.version, input: { hours: '8.00', notes: 'client meeting' }, reason: 'wrong task notes', key: 'fix-1' };
    const twins = await Promise.all([time.call(correct, variables, ana), time.call(correct, variables, ana)]);
    const corrections = twins.map((result) => dataOf(result).correctTimeEntry);
    assert.equal(corrections[0].id, corrections[1].id, 'concurrent retries of one key create one correction');
    const correction = corrections[0];
    assert.deepEqual([correction.status, correction.hours, correction.correctionOf], ['SUBMITTED', '8.00', { id: original.id }]);
    assert.deepEqual(correction.approvals, [{ action: 'SUBMITTED', actor: { id: W.ana }, reason: 'wrong task notes' }]);
    const reversed = dataOf(await time.call(entry, { id: original.id }, ana)).timeEntry;
    assert.equal(reversed.status, 'APPROVED', 'a reversed entry keeps its status and values');
    assert.equal(reversed.hours, '8.00');
    assert.ok(reversed.reversedAt);
    assert.deepEqual(reversed.correctedBy, { id: correction.id });
    assert.deepEqual(reversed.approvals.map((a: any) => a.action), ['SUBMITTED', 'APPROVED', 'CORRECTED']);
    assert.equal(reversed.timesheet.totalHours, '24.00', 'the week counts the correction and the draft, not the reversed entry');
    const retried = dataOf(await time.call(correct, variables, ana)).correctTimeEntry;
    assert.equal(retried.id, correction.id, 'a sequential retry returns the first correction');
    const [corrected] = await events('time.entry.corrected');
    assert.deepEqual([corrected.data.reversed.timeEntryId, corrected.data.correctionId, corrected.subjectId], [original.id, correction.id, original.id]);
    // The reversed entry takes no action any more; its correction goes through approval, and can be corrected in turn.
    assert.equal(codeOf(await time.call(correct, { ...variables, v: reversed.version, key: null }, ana)), 'INVALID_TRANSITION');
    assert.equal(codeOf(await time.call(cancel, { ids: [original.id], reason: 'x' }, manager)), 'INVALID_TRANSITION');
    const [approvedCorrection] = dataOf(await time.call(approveIds, { ids: [correction.id] }, manager)).approveTimeEntries;
    const approvedEvents = (await events('time.entry.approved')).filter((e) => e.subjectId === correction.id);
    assert.deepEqual(approvedEvents.map((e) => e.data.correctionOf), [original.id]);
    const second = dataOf(await time.call(correct, { id: correction.id, v: approvedCorrection.version, input: { hours: '7.50' }, reason: 'rounding' }, manager)).correctTimeEntry;
    assert.deepEqual([second.correctionOf, second.hours], [{ id: correction.id }, '7.50']);
  });

  it('a delegate decides on the manager’s reports while the delegation is in force', async () => {
    const { id } = dataOf(await time.call(log, { input: { projectId: P.alpha, taskId: T.dev, date: '2026-11-18', hours: '2.00' } }, ana)).logTimeEntry;
    dataOf(await time.call(submitIds, { ids: [id] }, ana));
    const delegateTo = (delegateId: string, identity: Identity, extra: Record<string, unknown> = {}) =>
      time.call(delegate, { input: { delegateId, from: TODAY, to: '2026-12-02', ...extra } }, identity);
    assert.equal(codeOf(await delegateTo(W.cy, ben)), 'FORBIDDEN', 'only a manager delegates');
    assert.equal(codeOf(await delegateTo(W.cy, manager, { managerId: 'w-zed' })), 'FORBIDDEN', 'their own approvals only');
    assert.equal(codeOf(await delegateTo(W.old, manager)), 'WORKER_NOT_ACTIVE');
    assert.equal(codeOf(await delegateTo(W.mia, manager)), 'BAD_USER_INPUT');
    assert.equal(codeOf(await delegateTo(W.ben, manager, { to: '2026-11-24' })), 'BAD_USER_INPUT', 'already over');
    assert.equal(codeOf(await delegateTo('w-nobody', manager)), 'NOT_FOUND');
    assert.equal(codeOf(await time.call(approveIds, { ids: [id] }, ben)), 'FORBIDDEN', 'no delegation yet');
    const delegation = dataOf(await delegateTo(W.ben, manager)).delegateApprovals;
    assert.deepEqual([delegation.manager, delegation.delegate, delegation.active], [{ id: W.mia }, { id: W.ben }, true]);
    const seen = dataOf(await time.call(`{ approvalDelegations { nodes { id } } }`, {}, ben)).approvalDelegations.nodes;
    assert.deepEqual(seen, [{ id: delegation.id }]);
    assert.deepEqual(dataOf(await time.call(`{ approvalDelegations { nodes { id } } }`, {}, ana)).approvalDelegations.nodes, []);
    assert.equal(codeOf(await time.call(approveIds, { ids: [id] }, otherManager)), 'FORBIDDEN');
    const revoked = dataOf(await time.call(revoke, { id: delegation.id }, manager)).revokeApprovalDelegation;
    assert.deepEqual([revoked.active, revoked.revokedBy], [false, { id: W.mia }]);
    assert.equal(codeOf(await time.call(approveIds, { ids: [id] }, ben)), 'FORBIDDEN', 'a revoked delegation gives nothing');
    assert.equal(codeOf(await time.call(revoke, { id: delegation.id }, manager)), 'INVALID_TRANSITION');
    dataOf(await delegateTo(W.ben, admin, { managerId: W.mia }));
    const [done] = dataOf(await time.call(approveIds, { ids: [id] }, ben)).approveTimeEntries;
    assert.equal(done.status, 'APPROVED');
  });

  it('a closed period: workers are locked out, grace roles act until the grace ends, ADMIN overrides', async () => {
    const submitted = dataOf(await time.call(log, { input: { projectId: P.alpha, taskId: T.dev, date: '2026-11-17', hours: '3.00' } }, ana)).logTimeEntry;
    dataOf(await time.call(submitIds, { ids: [submitted.id] }, ana));
    // Closed 2026-11-01..22 with 5 days of grace: until 2026-11-27, after today (2026-11-25).
    const graced = dataOf(await time.call(close, { start: '2026-11-01', end: '2026-11-22', grace: 5 }, finance)).closePeriod;
    assert.equal(graced.graceUntil, '2026-11-27');
    const input = { projectId: P.alpha, taskId: T.dev, date: '2026-11-18', hours: '1.00' };
    assert.equal(codeOf(await time.call(log, { input }, ana)), 'PERIOD_LOCKED');
    dataOf(await time.call(log, { input: { ...input, workerId: W.ana } }, manager));
    const [approvedInGrace] = dataOf(await time.call(approveIds, { ids: [submitted.id] }, manager)).approveTimeEntries;
    assert.equal(approvedInGrace.status, 'APPROVED');
    assert.equal(codeOf(await time.call(correct, { id: submitted.id, v: approvedInGrace.version, input: { hours: '2.00' }, reason: 'x' }, ana)), 'PERIOD_LOCKED');
    dataOf(await time.call(reopen, { id: graced.id }, finance));
    // The same period without grace: only ADMIN changes it.
    const locked = dataOf(await time.call(close, { start: '2026-11-01', end: '2026-11-22' }, finance)).closePeriod;
    assert.equal(locked.graceUntil, null);
    assert.equal(codeOf(await time.call(cancel, { ids: [submitted.id], reason: 'x' }, manager)), 'PERIOD_LOCKED');
    assert.equal(codeOf(await time.call(log, { input: { ...input, workerId: W.ana } }, manager)), 'PERIOD_LOCKED');
    const [cancelled] = dataOf(await time.call(cancel, { ids: [submitted.id], reason: 'override after close' }, admin)).cancelTimeEntryApprovals;
    assert.equal(cancelled.status, 'SUBMITTED');
    assert.equal(codeOf(await time.call(close, { start: '2026-12-01', end: '2026-12-31', grace: -1 }, finance)), 'BAD_USER_INPUT');
  });
});
