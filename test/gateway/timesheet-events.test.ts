import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from 'graphql-ws';
import type { Identity } from '../../lib/auth/identity.ts';
import { signBearerToken } from '../../lib/auth/jwt.ts';
import type { Clock } from '../../lib/clock.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { addDays } from '../../subgraphs/time/domain/iso-week.ts';
import { billableWorkBetween } from '../support/demo-work.ts';
import { startTestHub, testJwtSecret, type HubHarness } from '../support/hub-harness.ts';
import { liveClient } from '../support/live-client.ts';

/**
 * One change of a timesheet is one result (issue 15, item 9): time publishes one `time.timesheet.changed` per week an
 * operation changes, and the gateway's `timesheetStatusChanged` follows it, not the entries' events. Counted over
 * graphql-ws with the gateway's own batch window, on the in-process bus, and on Redis under REDIS_URL.
 */
describe('timesheet changes over graphql-ws: one result per change of a week', () => {
  let graph: HubHarness;
  const clients: Client[] = [];
  // A Sunday: the whole ISO week 2026-W50 (12-07 to 12-13) is worked, and the demo firm has its drafts in it.
  const clock: Clock = { now: () => new Date('2026-12-13T18:00:00Z') };
  const today = '2026-12-13';
  const monday = '2026-12-07';
  const isoWeek = '2026-W50';
  const { assignment, worker, task, asWorker, asManager } = billableWorkBetween(planDemoFirm({ scale: 1, today }), monday, today);
  const timesheetId = (week: string) => `${worker.id}:${week}`;

  const ok = async (query: string, variables: Record<string, unknown>, as: Parameters<HubHarness['query']>[2]) => {
    const result = await graph.query(query, variables, as);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data;
  };

  function subscribe(as: Identity, query: string, variables: Record<string, unknown> = {}) {
    const results: any[] = [];
    const ready = signBearerToken(as, testJwtSecret).then((token) => {
      const client = liveClient(graph.url, token);
      clients.push(client);
      client.subscribe({ query, variables }, { next: (value) => void results.push(value), error: (error) => void results.push({ failed: error }), complete: () => undefined });
    });
    return {
      ready,
      /** Waits for the `count`-th result, then as long again for any more that should not come; returns them all. */
      async exactly(count: number): Promise<any[]> {
        const deadline = Date.now() + 10_000;
        while (results.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        await new Promise((resolve) => setTimeout(resolve, 600));
        assert.equal(results.length, count, JSON.stringify(results));
        return results;
      },
    };
  }

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 }, clock });
  });
  after(async () => {
    for (const client of clients.splice(0)) await client.dispose();
    await graph.close();
  });

  async function liveTimesheets() {
    const workerLive = subscribe(asWorker, `subscription { timesheetStatusChanged { id status } }`);
    const managerLive = subscribe(asManager, `subscription($m: ID!) { timesheetStatusChanged(filter: { managerId: $m }) { id status } }`, {
      m: asManager.workerId,
    });
    await Promise.all([workerLive.ready, managerLive.ready]);
    const deadline = Date.now() + 10_000;
    while (graph.hub.gateway.live!.subscriberCount < clients.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return [workerLive, managerLive];
  }

  it('a week of 11 entries submitted, then approved: one result for each, to the worker and to their manager', async () => {
    const lives = await liveTimesheets();
    const inputs = Array.from({ length: 11 }, (_, index) => ({
      projectId: assignment.projectId, taskId: task.id, date: addDays(monday, index % 7), hours: '0.25', notes: `entry ${index + 1}`,
    }));
    const { logTimeEntries } = await ok(`mutation($inputs: [LogTimeEntryInput!]!) { logTimeEntries(inputs: $inputs) { entry { id } error { message } } }`, { inputs }, asWorker);
    assert.ok(logTimeEntries.every((result: { error: unknown }) => result.error === null), JSON.stringify(logTimeEntries));

    await ok(`mutation($isoWeek: String!) { submitTimesheet(isoWeek: $isoWeek) { status } }`, { isoWeek }, asWorker);
    await graph.hub.settle();
    for (const live of lives) assert.deepEqual((await live.exactly(1)).map((r) => r.data.timesheetStatusChanged), [{ id: timesheetId(isoWeek), status: 'SUBMITTED' }]);

    const approved = await ok(`mutation($w: ID!, $isoWeek: String!) { approveTimesheet(workerId: $w, isoWeek: $isoWeek) { status entries(first: 100) { totalCount } } }`, {
      w: worker.id, isoWeek,
    }, asManager);
    assert.ok(approved.approveTimesheet.entries.totalCount >= 11);
    await graph.hub.settle();
    for (const live of lives) {
      const results = await live.exactly(2);
      assert.deepEqual(results[1].data.timesheetStatusChanged, { id: timesheetId(isoWeek), status: approved.approveTimesheet.status });
    }
  });

  it('a recall publishes no entry event (nothing downstream took the entries up), but the week changed: one result', async () => {
    for (const client of clients.splice(0)) await client.dispose();
    const deadline = Date.now() + 10_000;
    while (graph.hub.gateway.live!.subscriberCount > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const lives = await liveTimesheets();
    // The demo firm's week before the draft week is SUBMITTED.
    const submittedWeek = '2026-W49';
    const recalled = await ok(`mutation($isoWeek: String!) { recallTimesheet(isoWeek: $isoWeek) { status } }`, { isoWeek: submittedWeek }, asWorker);
    await graph.hub.settle();
    for (const live of lives) assert.deepEqual((await live.exactly(1))[0].data.timesheetStatusChanged, { id: timesheetId(submittedWeek), status: recalled.recallTimesheet.status });
  });
});
