import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { buildClientSchema, getIntrospectionQuery, type FormattedExecutionResult } from 'graphql';
import type { Client } from 'graphql-ws';
import { signBearerToken } from '../../lib/auth/jwt.ts';
import { RedisBus } from '../../lib/events/redis-bus.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import type { GatewayRuntime } from '../../gateway/server.ts';
import { readLiveRequest, type LiveSelection } from '../../gateway/subscriptions/selection.ts';
import { secondGateway, startTestHub, testJwtSecret, type HubHarness } from '../support/hub-harness.ts';
import { liveClient } from '../support/live-client.ts';

/**
 * Several gateway instances over one Redis stream: each has its own consumer group, so each hears every event and
 * serves its own subscribers; a cursor from one resumes on another; a new instance starts at the stream's end.
 * Runs when REDIS_URL is set (always in CI); PostgreSQL too when PG_URL is.
 */
const enabled = Boolean(process.env.REDIS_URL);

describe('subscriptions on several gateway instances over one Redis stream', { skip: !enabled && 'needs REDIS_URL' }, () => {
  let graph: HubHarness;
  let second: GatewayRuntime;
  let secondBus: RedisBus;
  let secondUrl = '';
  const clients: Client[] = [];
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  const activeProject = new Set(firm.projects.filter((p) => p.status === 'ACTIVE').map((p) => p.id));
  const assignment = firm.assignments.find(
    (a) =>
      a.status === 'CONFIRMED' && activeProject.has(a.projectId) && a.startDate <= today && a.endDate >= today && firm.workers.find((w) => w.id === a.workerId)?.status === 'ACTIVE',
  )!;
  const worker = firm.workers.find((w) => w.id === assignment.workerId)!;
  const asWorker = { roles: ['WORKER' as const], workerId: worker.id };
  const asManager = { roles: ['WORKER' as const, 'MANAGER' as const], workerId: worker.managerId };
  const task = firm.tasks.find((t) => t.projectId === assignment.projectId && t.billable && t.status === 'OPEN')!;

  const ok = async (query: string, variables: Record<string, unknown>, as: { roles: any[]; workerId: string | null }) => {
    const result = await graph.query(query, variables, as);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data;
  };
  async function submittedEntry(hours: string): Promise<string> {
    const logged = await ok(`mutation($input: LogTimeEntryInput!) { logTimeEntry(input: $input) { id } }`, {
      input: { projectId: assignment.projectId, taskId: task.id, date: today, hours },
    }, asWorker);
    const id = logged.logTimeEntry.id;
    await ok(`mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { status } }`, { ids: [id] }, asWorker);
    await graph.hub.settle();
    return id;
  }

  /** Results of one graphql-ws subscription on the gateway at `url`. */
  function subscribe(url: string, token: string, query: string, variables: Record<string, unknown> = {}) {
    const client = liveClient(url, token);
    clients.push(client);
    const results: any[] = [];
    client.subscribe({ query, variables }, { next: (value) => void results.push(value), error: (error) => void results.push({ failed: error }), complete: () => undefined });
    return {
      results,
      async received(count: number) {
        const deadline = Date.now() + 10_000;
        while (results.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        assert.equal(results.length, count, JSON.stringify(results));
        return results;
      },
    };
  }
  async function registered(gateway: GatewayRuntime, count: number) {
    const deadline = Date.now() + 10_000;
    while (gateway.live!.subscriberCount < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(gateway.live!.subscriberCount, count);
  }

  let waiting: AsyncIterableIterator<FormattedExecutionResult>;
  let olderEntry = '';

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 }, subscriptions: { batchWindowMs: 150 } });
    // Events on the stream before the second instance exists: it must not hand them to its first subscribers.
    olderEntry = await submittedEntry('0.25');
    ({ gateway: second, bus: secondBus } = secondGateway(graph, {
      subscriptions: { group: `gateway.live.second-${randomBytes(4).toString('hex')}`, batchWindowMs: 150 },
    }));
    // A subscriber waiting before the instance's feed starts reading: whatever the group reads first reaches it.
    const schema = buildClientSchema((await ok(getIntrospectionQuery(), {}, { roles: ['ADMIN'], workerId: null })) as any);
    const read = readLiveRequest(schema, { query: `subscription { timeEntryStatusChanged { id status } }` });
    waiting = second.live!.open(asWorker, null, (read as { selection: LiveSelection }).selection);
    secondUrl = await second.listen(0);
  });

  after(async () => {
    for (const client of clients) await client.dispose();
    await waiting?.return?.();
    await second?.stop();
    await secondBus?.close();
    await graph?.close();
  });

  it('both instances deliver an approval to their own subscribers; the new instance sends nothing from before it started', async () => {
    const token = await signBearerToken(asWorker, testJwtSecret);
    const selection = `subscription { timeEntryStatusChanged { id status hours worker { name } } }`;
    const onFirst = subscribe(graph.url, token, selection);
    const onSecond = subscribe(secondUrl, token, selection);
    await registered(graph.hub.gateway, 1);
    await registered(second, 2);

    await ok(`mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { status } }`, { ids: [olderEntry] }, asManager);
    await graph.hub.settle();
    const expected = { timeEntryStatusChanged: { id: olderEntry, status: 'APPROVED', hours: '0.25', worker: { name: worker.name } } };
    const [fromFirst] = await onFirst.received(1);
    const [fromSecond] = await onSecond.received(1);
    assert.deepEqual(fromFirst.data, expected);
    assert.deepEqual(fromSecond.data, expected);
    assert.equal(fromFirst.extensions.cursor, fromSecond.extensions.cursor, 'one stream: the same position on every instance');

    const first = await waiting.next();
    assert.deepEqual(first.value.data, { timeEntryStatusChanged: { id: olderEntry, status: 'APPROVED' } }, 'the approval, not the submission before the instance started');
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(onFirst.results.length + onSecond.results.length, 2, 'each subscriber once');

    // A client that reconnects to another instance resumes there from its cursor.
    const later = await submittedEntry('0.50');
    const resumed = subscribe(secondUrl, token, `subscription($after: String) { timeEntryStatusChanged(after: $after) { id status } }`, {
      after: fromFirst.extensions.cursor,
    });
    const [missed] = await resumed.received(1);
    assert.deepEqual(missed.data, { timeEntryStatusChanged: { id: later, status: 'SUBMITTED' } });
  });
});
