import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import type { Clock } from '../../lib/clock.ts';
import { loadConfig } from '../../lib/config.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { addDays, isoWeekLabel } from '../../subgraphs/time/domain/iso-week.ts';
import type { TimeDatabase } from '../../subgraphs/time/index.ts';
import { createEvent } from '../../lib/events/envelope.ts';
import { snapshotOf, timeTopics, type TimeEntryApproved } from '../../subgraphs/time/events.ts';
import { billableWorkBetween } from '../support/demo-work.ts';
import { eventually } from '../support/eventually.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/**
 * Time is billed once it is worked (issue 15, item 7): a worker may log drafts up to TIME_ENTRY_FUTURE_DAYS ahead
 * (here 20), but nothing dated after today (the clock's UTC date) is submitted, approved or corrected into, so erp
 * never posts or bills work not yet done. Once the day comes, the same entry goes through and is billed.
 */
describe('future time through the gateway', () => {
  let graph: HubHarness;
  let now = new Date('2026-12-07T10:00:00Z');
  const clock: Clock = { now: () => now };
  const today = '2026-12-07';
  const { assignment, worker, task, asWorker, asManager } = billableWorkBetween(planDemoFirm({ scale: 1, today }), today, addDays(today, 21));
  const finance = { roles: ['FINANCE' as const] };

  const codeOf = (result: { errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }> }) => result.errors?.[0]?.extensions?.code;
  const ok = async (query: string, variables: Record<string, unknown>, as: Parameters<HubHarness['query']>[2]) => {
    const result = await graph.query(query, variables, as);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data;
  };
  const log = (date: string, hours: string) =>
    graph.query(`mutation($input: LogTimeEntryInput!) { logTimeEntry(input: $input) { id status } }`, {
      input: { projectId: assignment.projectId, taskId: task.id, date, hours },
    }, asWorker);
  const logged = async (date: string, hours: string): Promise<string> => {
    const result = await log(date, hours);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data.logTimeEntry.id;
  };
  const submit = (ids: string[]) => graph.query(`mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id status version } }`, { ids }, asWorker);
  const approve = (ids: string[]) => graph.query(`mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { id status version } }`, { ids }, asManager);
  const entryOf = async (id: string) =>
    (await ok(`query($id: ID!) { timeEntry(id: $id) { status billing { status } } }`, { id }, finance)).timeEntry;

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 }, clock, config: loadConfig({ TIME_ENTRY_FUTURE_DAYS: '20' }) });
  });
  after(() => graph.close());

  it('logs a draft up to TIME_ENTRY_FUTURE_DAYS ahead and refuses one past the window', async () => {
    const ahead = await log(addDays(today, 20), '1.00');
    assert.equal(ahead.errors, undefined, JSON.stringify(ahead.errors));
    assert.equal(ahead.data.logTimeEntry.status, 'DRAFT');
    const past = await log(addDays(today, 21), '1.00');
    assert.equal(codeOf(past), 'FUTURE_DATE', JSON.stringify(past));
    assert.match(past.errors![0].message, /today \+ 20 days/);
  });

  it('refuses to submit, approve or correct into a day after today, by id and by week; erp bills nothing', async () => {
    const day = addDays(today, 11);
    const planned = await logged(day, '2.00');
    const byId = await submit([planned]);
    assert.equal(codeOf(byId), 'FUTURE_DATE', JSON.stringify(byId));
    assert.match(byId.errors![0].message, new RegExp(`${day} is after today \\(${today}`));
    const byWeek = await graph.query(`mutation($week: String!) { submitTimesheet(isoWeek: $week) { status } }`, { week: isoWeekLabel(day) }, asWorker);
    assert.equal(codeOf(byWeek), 'FUTURE_DATE', JSON.stringify(byWeek));
    assert.equal((await entryOf(planned)).status, 'DRAFT');

    // An entry submitted ahead before the rule existed (written as the old code left it) is not approved either.
    const early = await logged(addDays(today, 12), '3.00');
    const time = graph.hub.subgraphs.time.database.db as unknown as Kysely<TimeDatabase>;
    await time.updateTable('time_entry').set({ status: 'SUBMITTED', submitted_at: now }).where('id', '=', early).execute();
    assert.equal(codeOf(await approve([early])), 'FUTURE_DATE');
    const weekApproval = await graph.query(`mutation($w: ID!, $week: String!) { approveTimesheet(workerId: $w, isoWeek: $week) { status } }`, {
      w: worker.id, week: isoWeekLabel(addDays(today, 12)),
    }, asManager);
    assert.equal(codeOf(weekApproval), 'FUTURE_DATE', JSON.stringify(weekApproval));
    assert.deepEqual(await entryOf(early), { status: 'SUBMITTED', billing: { status: 'AWAITING_APPROVAL' } }, 'nothing posted or billed');

    // A correction is submitted at once: it may not move approved work ahead of today.
    const worked = await logged(today, '1.50');
    const [submitted] = (await ok(`mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id } }`, { ids: [worked] }, asWorker)).submitTimeEntries;
    const [approved] = (await ok(`mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { version } }`, { ids: [submitted.id] }, asManager)).approveTimeEntries;
    const moved = await graph.query(
      `mutation($id: ID!, $v: Int!, $date: Date!) { correctTimeEntry(id: $id, expectedVersion: $v, input: { date: $date }, reason: "wrong day") { id } }`,
      { id: worked, v: approved.version, date: addDays(today, 3) },
      asWorker,
    );
    assert.equal(codeOf(moved), 'FUTURE_DATE', JSON.stringify(moved));
  });

  it('erp posts and bills nothing for an approval published before its day (one from before the rule)', async () => {
    const day = addDays(today, 13);
    const id = await logged(day, '4.00');
    const time = graph.hub.subgraphs.time.database.db as unknown as Kysely<TimeDatabase>;
    const row = await time.updateTable('time_entry').set({ status: 'APPROVED', submitted_at: now, decided_at: now, decided_by: asManager.workerId })
      .where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    const approved: TimeEntryApproved = {
      ...snapshotOf(row), approvedBy: asManager.workerId, approvedAt: now.toISOString(), correctionOf: null, billRate: null,
    };
    await graph.bus.publish(createEvent('time', timeTopics.entryApproved, { typename: 'TimeEntry', id }, approved, { correlationId: randomUUID() }, now));
    await graph.hub.settle();
    await eventually(async () => {
      const blocked = await graph.hub.subgraphs.erp.database.db
        .selectFrom('outbox').select(['type', 'data']).where('type', '=', 'erp.billing.blocked').execute();
      assert.ok(blocked.some((event) => (event.data as { code: string; source: { id: string } }).code === 'NOT_YET_WORKED' && (event.data as { source: { id: string } }).source.id === id), 'the NOT_YET_WORKED refusal published');
    });
    assert.deepEqual(await entryOf(id), { status: 'APPROVED', billing: { status: 'NOT_POSTED' } }, 'no billing event');
    const postings = await ok(`query($p: ID!) { costPostings(first: 500, filter: { projectId: $p, sourceType: TIME_ENTRY }) { nodes { sourceId } } }`, { p: assignment.projectId }, finance);
    assert.ok(!postings.costPostings.nodes.some((node: { sourceId: string }) => node.sourceId === id), 'no cost posting');
  });

  it('submits and approves the same entries once their day has come, and erp bills them then', async () => {
    const [planned, early] = (
      await ok(`query($w: ID!, $from: Date!, $to: Date!) { timeEntries(first: 10, filter: { workerId: $w, from: $from, to: $to }) { nodes { id date } } }`, {
        w: worker.id, from: addDays(today, 11), to: addDays(today, 12),
      }, finance)
    ).timeEntries.nodes
      .sort((a: { date: string }, b: { date: string }) => a.date.localeCompare(b.date))
      .map((node: { id: string }) => node.id);
    now = new Date(`${addDays(today, 12)}T17:00:00Z`);
    const submitted = await submit([planned]);
    assert.equal(submitted.errors, undefined, JSON.stringify(submitted.errors));
    const approved = await approve([planned, early]);
    assert.equal(approved.errors, undefined, JSON.stringify(approved.errors));
    await eventually(async () => {
      assert.deepEqual(await entryOf(planned), { status: 'APPROVED', billing: { status: 'UNBILLED' } });
      assert.deepEqual(await entryOf(early), { status: 'APPROVED', billing: { status: 'UNBILLED' } });
    });
  });
});
