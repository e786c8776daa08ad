import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { Role } from '../../lib/auth/identity.ts';
import { signBearerToken } from '../../lib/auth/jwt.ts';
import { createEvent } from '../../lib/events/envelope.ts';
import type { DemoAssignment } from '../../lib/seed/demo-firm.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { timeTopics } from '../../subgraphs/time/events.ts';
import { startTestHub, testJwtSecret, type HubHarness } from '../support/hub-harness.ts';

interface Live {
  readonly results: any[];
  readonly errors: unknown[];
  /** Resolves once `count` results arrived (fails after a few seconds). */
  received(count: number): Promise<any[]>;
  close(): void;
}

/**
 * The live fields over graphql-ws, as a client sees them: subscribe with the real graphql-ws client over `ws`, change
 * time through HTTP, and receive the entities with fields from every subgraph, resolved as the subscriber.
 */
describe('subscriptions over graphql-ws', () => {
  let graph: HubHarness;
  const clients: Client[] = [];
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  const activeProject = new Set(firm.projects.filter((p) => p.status === 'ACTIVE').map((p) => p.id));
  const billableTask = (projectId: string) => firm.tasks.find((t) => t.projectId === projectId && t.billable && t.status === 'OPEN')!;
  const covering = (a: DemoAssignment) => a.status === 'CONFIRMED' && activeProject.has(a.projectId) && a.startDate <= today && a.endDate >= today;
  const assignment = firm.assignments.find((a) => covering(a) && firm.workers.find((w) => w.id === a.workerId)?.status === 'ACTIVE')!;
  const worker = firm.workers.find((w) => w.id === assignment.workerId)!;
  const manager = firm.workers.find((w) => w.id === worker.managerId)!;
  const project = firm.projects.find((p) => p.id === assignment.projectId)!;
  const customer = firm.customers.find((c) => c.id === project.customerId)!;
  const stranger = firm.workers.find((w) => w.id !== worker.id && w.id !== manager.id && w.managerId !== worker.id && w.status === 'ACTIVE')!;
  const asWorker = { roles: ['WORKER' as const], workerId: worker.id };
  const asManager = { roles: ['WORKER' as const, 'MANAGER' as const], workerId: manager.id };

  const entryUpdates = `subscription($filter: TimeEntrySubscriptionFilter) { timeEntryStatusChanged(filter: $filter) {
    id status hours worker { name manager { name } } project { code customer { name } } } }`;

  const wsUrl = () => graph.url.replace(/^http/, 'ws');
  const connect = (token: string, onClosed?: (code: number) => void) => {
    const client = createClient({
      url: wsUrl(),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => undefined,
      on: { closed: (event) => onClosed?.((event as { code: number }).code) },
    });
    clients.push(client);
    return client;
  };
  const tokenFor = (as: { roles: Role[]; workerId: string | null }, expiresIn?: string) => signBearerToken(as, testJwtSecret, expiresIn);

  function subscribe(client: Client, query: string, variables: Record<string, unknown> = {}): Live {
    const results: any[] = [];
    const errors: unknown[] = [];
    const waiters: (() => void)[] = [];
    const dispose = client.subscribe(
      { query, variables },
      {
        next: (value) => {
          results.push(value);
          for (const wake of waiters.splice(0)) wake();
        },
        error: (error) => {
          errors.push(error);
          for (const wake of waiters.splice(0)) wake();
        },
        complete: () => undefined,
      },
    );
    return {
      results,
      errors,
      async received(count) {
        const deadline = Date.now() + 5000;
        while (results.length < count) {
          if (Date.now() > deadline) throw new Error(`expected ${count} results, got ${JSON.stringify(results)} ${JSON.stringify(errors)}`);
          await new Promise<void>((resolve) => {
            waiters.push(resolve);
            setTimeout(resolve, 100);
          });
        }
        return results;
      },
      close: dispose,
    };
  }

  /** Waits until the gateway has registered this many subscribers (the protocol has no acknowledgement of a subscribe). */
  async function subscribed(count: number) {
    const deadline = Date.now() + 5000;
    while (graph.hub.gateway.live!.subscriberCount < count) {
      if (Date.now() > deadline) throw new Error(`only ${graph.hub.gateway.live!.subscriberCount} of ${count} subscribers registered`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async function closeAll() {
    for (const client of clients.splice(0)) await client.dispose();
    const deadline = Date.now() + 5000;
    while (graph.hub.gateway.live!.subscriberCount > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  const log = `mutation($input: LogTimeEntryInput!) { logTimeEntry(input: $input) { id } }`;
  async function submittedEntry(hours: string): Promise<string> {
    const logged = await graph.query(log, { input: { projectId: assignment.projectId, taskId: billableTask(assignment.projectId).id, date: today, hours } }, asWorker);
    assert.equal(logged.errors, undefined, JSON.stringify(logged.errors));
    const id = logged.data.logTimeEntry.id;
    const submitted = await graph.query(`mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { status } }`, { ids: [id] }, asWorker);
    assert.equal(submitted.errors, undefined, JSON.stringify(submitted.errors));
    await graph.hub.settle();
    return id;
  }

  before(async () => {
    // A generous batch window: in one process the relay hands each event to erp's consumer before the gateway's, so
    // the events of one commit reach the gateway some milliseconds apart.
    graph = await startTestHub({ seed: { scale: 1 }, subscriptions: { batchWindowMs: 150 } });
  });
  after(async () => {
    await closeAll();
    await graph.close();
  });

  it('shows the live fields in introspection and refuses a subscription over HTTP', async () => {
    const introspection = await graph.query(`{ __schema { subscriptionType { fields { name } } } }`);
    assert.equal(introspection.errors, undefined, JSON.stringify(introspection.errors));
    const names = introspection.data.__schema.subscriptionType.fields.map((f: { name: string }) => f.name);
    assert.deepEqual(names, ['timeEntryStatusChanged', 'timesheetStatusChanged', 'projectStatusChanged']);
    const overHttp = await graph.query(`subscription { timeEntryStatusChanged { id } }`);
    assert.equal(overHttp.errors?.[0].extensions?.code, 'BAD_USER_INPUT', JSON.stringify(overHttp));
  });

  it('the worker and their manager receive the approval with fields from every subgraph; another worker receives nothing', async () => {
    const id = await submittedEntry('1.25');
    const workerLive = subscribe(connect(await tokenFor(asWorker)), entryUpdates);
    const managerClient = connect(await tokenFor(asManager));
    const managerLive = subscribe(
      managerClient,
      `subscription($filter: TimeEntrySubscriptionFilter) { timeEntryStatusChanged(filter: $filter) { ...Approval } }
      fragment Approval on TimeEntry { id status hours worker { name manager { name } } project { code customer { name } } billing { status } }`,
      { filter: { managerId: manager.id } },
    );
    const managerSheets = subscribe(managerClient, `subscription($m: ID!) { timesheetStatusChanged(filter: { managerId: $m }) {
      id status totalHours worker { name } } }`, { m: manager.id });
    const strangerLive = subscribe(connect(await tokenFor({ roles: ['WORKER'], workerId: stranger.id })), entryUpdates);
    const elsewhere = subscribe(managerClient, entryUpdates, { filter: { customerId: 'no-such-customer' } });
    await subscribed(5);

    const approved = await graph.query(`mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { status } }`, { ids: [id] }, asManager);
    assert.equal(approved.errors, undefined, JSON.stringify(approved.errors));
    await graph.hub.settle();

    const expected = {
      id,
      status: 'APPROVED',
      hours: '1.25',
      worker: { name: worker.name, manager: { name: manager.name } },
      project: { code: project.code, customer: { name: customer.name } },
    };
    const [forWorker] = await workerLive.received(1);
    assert.deepEqual(forWorker, { data: { timeEntryStatusChanged: expected } });
    const [forManager] = await managerLive.received(1);
    const billing = await graph.query(`query($id: ID!) { timeEntry(id: $id) { billing { status } } }`, { id }, asManager);
    assert.equal(billing.errors, undefined, JSON.stringify(billing.errors));
    assert.deepEqual(forManager, { data: { timeEntryStatusChanged: { ...expected, billing: billing.data.timeEntry.billing } } }, 'erp: billing as a query shows it');
    const [sheet] = await managerSheets.received(1);
    assert.equal(sheet.errors, undefined, JSON.stringify(sheet.errors));
    const week = await graph.query(`query($id: ID!) { timeEntry(id: $id) { timesheet { id status totalHours } } }`, { id }, asManager);
    const { id: weekId, status, totalHours } = week.data.timeEntry.timesheet;
    assert.deepEqual(sheet.data.timesheetStatusChanged, { id: weekId, status, totalHours, worker: { name: worker.name } }, 'the week as it is now');
    // Every subscriber of the batch is served in the same pass: after a pause, nothing more is coming.
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.deepEqual(strangerLive.results, [], 'another worker may not see the entry: dropped, silently');
    assert.deepEqual(strangerLive.errors, []);
    assert.deepEqual(elsewhere.results, [], 'a filter on another customer does not match');
    assert.equal(workerLive.results.length, 1);
    await closeAll();
  });

  it('a status filter delivers only matching changes; the same entry reaches the worker at each step', async () => {
    const rejectedOnly = subscribe(connect(await tokenFor(asManager)), entryUpdates, { filter: { status: ['REJECTED'], workerId: worker.id } });
    const everything = subscribe(connect(await tokenFor(asWorker)), `subscription { timeEntryStatusChanged { id status } }`);
    await subscribed(2);
    const id = await submittedEntry('0.50');
    const [submitted] = await everything.received(1);
    assert.deepEqual(submitted.data.timeEntryStatusChanged, { id, status: 'SUBMITTED' });
    const rejected = await graph.query(`mutation($ids: [ID!]!) { rejectTimeEntries(ids: $ids, reason: "wrong task") { status } }`, { ids: [id] }, asManager);
    assert.equal(rejected.errors, undefined, JSON.stringify(rejected.errors));
    await graph.hub.settle();
    const [onlyRejection] = await rejectedOnly.received(1);
    assert.equal(onlyRejection.data.timeEntryStatusChanged.id, id);
    assert.equal(onlyRejection.data.timeEntryStatusChanged.status, 'REJECTED');
    assert.deepEqual((await everything.received(2))[1].data.timeEntryStatusChanged, { id, status: 'REJECTED' });
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(rejectedOnly.results.length, 1, 'the submission did not match the REJECTED filter');
    await closeAll();
  });

  it('subscribers with the same identity and selection share one resolution; events arriving together are fetched together', async () => {
    const first = await submittedEntry('0.25');
    const second = await submittedEntry('0.75');
    const approved = await graph.query(`mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { id status version workerId: worker { id } projectId: project { id } date hours billable } }`, { ids: [first, second] }, asManager);
    assert.equal(approved.errors, undefined, JSON.stringify(approved.errors));
    await graph.hub.settle();
    const selection = `subscription { timeEntryStatusChanged { id status worker { name } } }`;
    const same = [0, 1, 2].map(async () => subscribe(connect(await tokenFor(asManager)), selection));
    const lives = await Promise.all(same);
    const other = subscribe(connect(await tokenFor(asManager)), `subscription { timeEntryStatusChanged { id hours } }`);
    await subscribed(4);
    const before = graph.hub.gateway.live!.resolutions;
    // Two approvals published at once (as the relay publishes one commit's events): one batch.
    const events = approved.data.approveTimeEntries.map((entry: any) =>
      createEvent('time', timeTopics.entryApproved, { typename: 'TimeEntry', id: entry.id }, {
        timeEntryId: entry.id, version: entry.version, status: entry.status, workerId: entry.workerId.id, projectId: entry.projectId.id,
        taskId: null, roleId: null, assignmentId: null, date: entry.date, hours: entry.hours, billable: entry.billable,
      }, { correlationId: randomUUID() }, new Date()),
    );
    await Promise.all(events.map((event: any) => graph.bus.publish(event)));
    for (const live of lives) {
      const results = await live.received(2);
      assert.deepEqual(results.map((r) => r.data.timeEntryStatusChanged.id).sort(), [first, second].sort());
      assert.ok(results.every((r) => r.data.timeEntryStatusChanged.worker.name === worker.name));
    }
    assert.equal((await other.received(2)).length, 2);
    assert.equal(graph.hub.gateway.live!.resolutions - before, 2, 'one query for the three identical subscribers, one for the other selection');
    await closeAll();
  });

  it('delivers project status changes from psa', async () => {
    const target = firm.projects.find((p) => p.status === 'ACTIVE' && p.id !== assignment.projectId)!;
    const live = subscribe(connect(await tokenFor({ roles: ['ADMIN'], workerId: null })), `subscription($c: ID!) {
      projectStatusChanged(filter: { customerId: $c, status: [ON_HOLD] }) { code status customer { id } } }`, { c: target.customerId });
    await subscribed(1);
    const held = await graph.query(`mutation($id: ID!) { holdProject(id: $id) { status } }`, { id: target.id });
    assert.equal(held.errors, undefined, JSON.stringify(held.errors));
    await graph.hub.settle();
    const [change] = await live.received(1);
    assert.deepEqual(change.data.projectStatusChanged, { code: target.code, status: 'ON_HOLD', customer: { id: target.customerId } });
    await graph.query(`mutation($id: ID!) { resumeProject(id: $id) { status } }`, { id: target.id });
    await graph.hub.settle();
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(live.results.length, 1, 'resuming (ACTIVE) does not match the ON_HOLD filter');
    await closeAll();
  });

  it('refuses a bad token with 4403, closes the socket with 4403 when the token expires, and limits subscriptions per connection', async () => {
    const refused = await new Promise<number>((resolve) => {
      const client = connect('not-a-token', resolve);
      subscribe(client, `subscription { timeEntryStatusChanged { id } }`);
    });
    assert.equal(refused, 4403);
    const expired = await new Promise<number>(async (resolve) => {
      const client = connect(await tokenFor(asWorker, '2s'), resolve);
      subscribe(client, `subscription { timeEntryStatusChanged { id } }`);
    });
    assert.equal(expired, 4403, 'closed when the token expired');

    const client = connect(await tokenFor(asWorker));
    const lives = Array.from({ length: 21 }, () => subscribe(client, `subscription { timeEntryStatusChanged { id } }`));
    const deadline = Date.now() + 5000;
    while (!lives.some((live) => live.errors.length > 0) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const refusedLives = lives.filter((live) => live.errors.length > 0);
    assert.equal(refusedLives.length, 1, 'the 21st subscription is refused');
    assert.equal((refusedLives[0].errors[0] as any)[0].extensions.code, 'SUBSCRIPTION_LIMIT');
    await subscribed(20);
    await closeAll();
  });
});
