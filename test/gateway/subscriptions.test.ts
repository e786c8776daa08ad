import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { Role } from '../../lib/auth/identity.ts';
import { signBearerToken } from '../../lib/auth/jwt.ts';
import { createEvent } from '../../lib/events/envelope.ts';
import { LiveFeed } from '../../gateway/subscriptions/feed.ts';
import { silentLogger } from '../../lib/logger.ts';
import { readLiveRequest, type LiveSelection } from '../../gateway/subscriptions/selection.ts';
import { buildClientSchema, getIntrospectionQuery } from 'graphql';
import type { DemoAssignment } from '../../lib/seed/demo-firm.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { timeTopics } from '../../subgraphs/time/events.ts';
import { eventually } from '../support/eventually.ts';
import { startTestHub, testJwtSecret, type HubHarness } from '../support/hub-harness.ts';
import { liveClient } from '../support/live-client.ts';

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

  /** The approved entry as `entryUpdates` selects it. */
  const approvedAsSelected = (id: string, hours: string) => ({
    id,
    status: 'APPROVED',
    hours,
    worker: { name: worker.name, manager: { name: manager.name } },
    project: { code: project.code, customer: { name: customer.name } },
  });

  const connect = (token: string, onClosed?: (code: number) => void) => {
    const client = liveClient(graph.url, token, {
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
    const open = () => graph.hub.gateway.live!.subscriberCount + graph.hub.gateway.liveConnections!.total;
    while (open() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
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
    graph = await startTestHub({ seed: { scale: 1 }, subscriptions: { batchWindowMs: 150, maxConnectionsPerIdentity: 5 } });
  });
  after(async () => {
    await closeAll();
    await graph.close();
  });

  it('shows the live fields in introspection and refuses a subscription over HTTP', async () => {
    const introspection = await graph.query(`{ __schema { subscriptionType { fields { name } } } }`);
    assert.equal(introspection.errors, undefined, JSON.stringify(introspection.errors));
    const names = introspection.data.__schema.subscriptionType.fields.map((f: { name: string }) => f.name);
    assert.deepEqual(names, ['timeEntryStatusChanged', 'timesheetStatusChanged', 'projectStatusChanged', 'invoiceStatusChanged', 'billingEventCreated', 'reconciliationExceptionChanged']);
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
    const resolutionsBefore = graph.hub.gateway.live!.resolutions;

    const approved = await graph.query(`mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { status } }`, { ids: [id] }, asManager);
    assert.equal(approved.errors, undefined, JSON.stringify(approved.errors));
    await graph.hub.settle();

    const expected = approvedAsSelected(id, '1.25');
    const [forWorker] = await workerLive.received(1);
    assert.deepEqual(forWorker.data, { timeEntryStatusChanged: expected });
    const [forManager] = await managerLive.received(1);
    const billing = await graph.query(`query($id: ID!) { timeEntry(id: $id) { billing { status } } }`, { id }, asManager);
    assert.equal(billing.errors, undefined, JSON.stringify(billing.errors));
    assert.deepEqual(forManager.data, { timeEntryStatusChanged: { ...expected, billing: billing.data.timeEntry.billing } }, 'erp: billing as a query shows it');
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
    // The worker and the stranger ask the same selection with the same roles but see different entries: each is
    // resolved as itself (with the manager's two selections, four resolutions; three if the two workers shared one).
    assert.ok(graph.hub.gateway.live!.resolutions - resolutionsBefore >= 4, 'identities with different visibility never share a resolution');
    await closeAll();
  });

  it('a result shared by several subscriptions goes out on each as graphql-ws would serialise it, under its own id', async () => {
    const id = await submittedEntry('0.40');
    const socket = new WebSocket(graph.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const frames: string[] = [];
    socket.on('message', (data) => frames.push(String(data)));
    const framesArrived = (count: number) =>
      eventually(async () => assert.ok(frames.length >= count, `expected ${count} frames, got ${JSON.stringify(frames)}`), 5000);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${await tokenFor(asWorker)}` } }));
    await framesArrived(1);
    assert.deepEqual(JSON.parse(frames[0]), { type: 'connection_ack' });
    // Ids JSON must escape, one of them twice over: the message names each as graphql-ws would.
    const subscriptionIds = ['plain', 'quote " and \\ backslash', 'line\u2028separator \u00e9'];
    for (const subscriptionId of subscriptionIds) socket.send(JSON.stringify({ id: subscriptionId, type: 'subscribe', payload: { query: entryUpdates } }));
    await subscribed(subscriptionIds.length);
    await approve(id);
    await graph.hub.settle();
    await framesArrived(1 + subscriptionIds.length);
    const messages = frames.slice(1).map((frame) => JSON.parse(frame));
    for (const [index, frame] of frames.slice(1).entries()) assert.equal(frame, JSON.stringify(messages[index]), 'the frame is the message as JSON.stringify writes it');
    assert.deepEqual(messages.map((message) => message.id).sort(), [...subscriptionIds].sort());
    const expected = approvedAsSelected(id, '0.40');
    for (const message of messages) {
      assert.equal(message.type, 'next');
      assert.deepEqual(Object.keys(message), ['id', 'type', 'payload']);
      assert.deepEqual(message.payload.data, { timeEntryStatusChanged: expected });
      assert.match(message.payload.extensions.cursor, /^\d+-\d+$/);
      assert.deepEqual(message.payload, messages[0].payload, 'the same result, cursor included, for every subscription of the group');
    }
    socket.close();
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

  it('refuses a bad token with 4401, closes the socket with 4401 when the token expires, and limits subscriptions per connection', async () => {
    const refused = await new Promise<number>((resolve) => {
      const client = connect('not-a-token', resolve);
      subscribe(client, `subscription { timeEntryStatusChanged { id } }`);
    });
    assert.equal(refused, 4401, 'renew your token');
    const expired = await new Promise<number>(async (resolve) => {
      const client = connect(await tokenFor(asWorker, '2s'), resolve);
      subscribe(client, `subscription { timeEntryStatusChanged { id } }`);
    });
    assert.equal(expired, 4401, 'closed when the token expired: renew it');

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

  it('refuses a connection past the per-identity limit with 4429 at connection_init, counting SSE streams, and frees the place on close', async () => {
    /** A connected (acknowledged) client, or the code and reason its socket was closed with. */
    const opened = (token: string) =>
      new Promise<{ client: Client } | { code: number; reason: string }>((resolve) => {
        const client = liveClient(graph.url, token, {
          lazy: false,
          onNonLazyError: () => undefined,
          on: {
            connected: () => resolve({ client }),
            closed: (event) => resolve({ code: (event as { code: number }).code, reason: (event as { reason: string }).reason }),
          },
        });
        clients.push(client);
      });
    const stream = (token: string, signal?: AbortSignal) =>
      fetch(graph.url.replace(/\/graphql$/, '/graphql/stream'), {
        method: 'POST',
        headers: { accept: 'text/event-stream', 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: `subscription { timeEntryStatusChanged { id } }` }),
        signal,
      });
    const token = await tokenFor(asWorker);
    for (let i = 0; i < 4; i++) assert.ok('client' in (await opened(token)), `connection ${i + 1} of 5 is accepted`);
    const abort = new AbortController();
    const sse = await stream(token, abort.signal);
    assert.equal(sse.status, 200, 'the fifth: an event stream');
    await subscribed(1);

    const refused = await opened(await tokenFor(asWorker));
    assert.deepEqual(refused, { code: 4429, reason: 'too many connections for this identity' }, 'the sixth, a socket: refused');
    const refusedStream = await stream(token);
    assert.equal(refusedStream.status, 429);
    const body = await refusedStream.json();
    assert.equal(body.errors[0].extensions.code, 'CONNECTION_LIMIT');
    assert.match(body.errors[0].message, /too many connections for this identity/);
    assert.ok('client' in (await opened(await tokenFor(asManager))), 'another identity has its own allowance');

    abort.abort();
    const deadline = Date.now() + 5000;
    while (graph.hub.gateway.liveConnections!.total > 5 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok('client' in (await opened(token)), 'a closed stream frees its place');
    assert.deepEqual(await opened(token), { code: 4429, reason: 'too many connections for this identity' });
    await closeAll();
  });

  const finance = { roles: ['FINANCE' as const], workerId: null };
  const ok = async (query: string, variables: Record<string, unknown>, as: { roles: Role[]; workerId: string | null } = finance) => {
    const result = await graph.query(query, variables, as);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data;
  };
  const approve = (id: string) => ok(`mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { status } }`, { ids: [id] }, asManager);

  it('an issued invoice reaches finance with its customer and total, a new billing event too; a worker hears nothing', async () => {
    const invoiceSelection = `id status total { amount currency } customer { name parent { name } }`;
    const financeClient = connect(await tokenFor(finance));
    const issuedOnly = subscribe(financeClient, `subscription($c: ID!) { invoiceStatusChanged(filter: { customerId: $c, status: [ISSUED] }) {
      ${invoiceSelection} } }`, { c: customer.id });
    const everyInvoice = subscribe(financeClient, `subscription { invoiceStatusChanged { id status } }`);
    const billingEvents = subscribe(financeClient, `subscription($p: ID!) { billingEventCreated(filter: { projectId: $p }) {
      sourceId status amount { amount currency } customer { name } } }`, { p: project.id });
    const workerInvoices = subscribe(connect(await tokenFor(asWorker)), `subscription { invoiceStatusChanged { id status } }`);
    const workerBilling = subscribe(connect(await tokenFor(asWorker)), `subscription { billingEventCreated { id } }`);
    await subscribed(5);

    const id = await submittedEntry('1.50');
    await approve(id);
    await graph.hub.settle();
    const [created] = await billingEvents.received(1);
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    assert.equal(created.data.billingEventCreated.sourceId, id);
    assert.equal(created.data.billingEventCreated.customer.name, customer.name);
    assert.match(created.extensions.cursor, /^\d+-\d+$/, 'every result carries its cursor');

    const { timeEntry } = await ok(`query($id: ID!) { timeEntry(id: $id) { billing { billingEvent { contract { id } } } } }`, { id });
    const contractId = timeEntry.billing.billingEvent.contract.id;
    const { draftInvoices } = await ok(`mutation($input: DraftInvoicesInput!) { draftInvoices(input: $input, idempotencyKey: "live-draft") { id } }`, {
      input: { periodEnd: today, contractId },
    });
    const invoiceId = draftInvoices[0].id;
    await graph.hub.settle();
    // Changes of one invoice within a batch window arrive once, as it is now: let the draft go out first.
    await everyInvoice.received(1);
    const { issueInvoice } = await ok(`mutation($id: ID!) { issueInvoice(id: $id) { ${invoiceSelection} } }`, { id: invoiceId });
    await graph.hub.settle();

    const [issued] = await issuedOnly.received(1);
    assert.deepEqual(issued.data, { invoiceStatusChanged: issueInvoice }, 'the invoice as finance reads it, customer from crm');
    assert.equal(issueInvoice.status, 'ISSUED');
    const statuses = (await everyInvoice.received(2)).map((r) => [r.data.invoiceStatusChanged.id, r.data.invoiceStatusChanged.status]);
    assert.deepEqual(statuses, [[invoiceId, 'DRAFT'], [invoiceId, 'ISSUED']]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(issuedOnly.results.length, 1, 'the draft did not match the ISSUED filter');
    assert.deepEqual([workerInvoices.results, workerInvoices.errors, workerBilling.results, workerBilling.errors], [[], [], [], []], "erp refuses workers: dropped");
    await closeAll();
  });

  it('a subscriber resuming with its last cursor gets what it missed once, in order, then live changes', async () => {
    const query = `subscription($after: String) { timeEntryStatusChanged(after: $after) { id status } }`;
    const first = subscribe(connect(await tokenFor(asWorker)), query);
    await subscribed(1);
    const a = await submittedEntry('0.25');
    const [seen] = await first.received(1);
    assert.equal(seen.data.timeEntryStatusChanged.id, a);
    const cursor = seen.extensions.cursor;
    await closeAll();

    const b = await submittedEntry('0.50');
    const c = await submittedEntry('0.75');
    await approve(b);
    await graph.hub.settle();

    const resumed = subscribe(connect(await tokenFor(asWorker)), query, { after: cursor });
    const missed = await resumed.received(2);
    assert.deepEqual(missed.map((r) => r.data.timeEntryStatusChanged), [{ id: c, status: 'SUBMITTED' }, { id: b, status: 'APPROVED' }],
      'each entry once, as it is now, in the order of its last change');
    const cursors = missed.map((r) => r.extensions.cursor);
    const d = await submittedEntry('1.00');
    const all = await resumed.received(3);
    assert.deepEqual(all[2].data.timeEntryStatusChanged, { id: d, status: 'SUBMITTED' }, 'then live');
    const numeric = (cursor: string) => cursor.split('-').map(BigInt);
    const ordered = [cursor, ...cursors, all[2].extensions.cursor].map(numeric);
    for (let i = 1; i < ordered.length; i++) assert.ok(ordered[i][0] > ordered[i - 1][0] || (ordered[i][0] === ordered[i - 1][0] && ordered[i][1] > ordered[i - 1][1]), 'cursors increase');
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(resumed.results.length, 3, 'nothing twice, and not the entry seen before the disconnect');
    assert.deepEqual(resumed.errors, []);

    const again = subscribe(connect(await tokenFor(asWorker)), query, { after: all[2].extensions.cursor });
    await subscribed(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(again.results, [], 'resuming from the newest cursor replays nothing');
    await closeAll();
  });

  it('a cursor older than the kept events ends the subscription with CURSOR_EXPIRED; a malformed one is refused', async () => {
    const client = connect(await tokenFor(asWorker));
    let completed = false;
    const results: any[] = [];
    await new Promise<void>((resolve) => {
      client.subscribe({ query: `subscription { timeEntryStatusChanged(after: "1-0") { id } }` }, {
        next: (value) => void results.push(value),
        error: () => resolve(),
        complete: () => {
          completed = true;
          resolve();
        },
      });
    });
    assert.equal(completed, true);
    assert.equal(results.length, 1);
    assert.equal(results[0].errors[0].extensions.code, 'CURSOR_EXPIRED');
    const malformed = subscribe(client, `subscription { timeEntryStatusChanged(after: "yesterday") { id } }`);
    const deadline = Date.now() + 5000;
    while (malformed.errors.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal((malformed.errors[0] as any)[0].extensions.code, 'BAD_USER_INPUT');
    await closeAll();
  });

  it('serves subscriptions over Server-Sent Events: an approval arrives as a next event', async () => {
    const id = await submittedEntry('2.00');
    const refused = await fetch(graph.url.replace(/\/graphql$/, '/graphql/stream'), {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json' },
      body: JSON.stringify({ query: `subscription { timeEntryStatusChanged { id } }` }),
    });
    assert.equal(refused.status, 401);
    const abort = new AbortController();
    const response = await fetch(graph.url.replace(/\/graphql$/, '/graphql/stream'), {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json', authorization: `Bearer ${await tokenFor(asManager)}` },
      body: JSON.stringify({ query: `subscription($w: ID!) { timeEntryStatusChanged(filter: { workerId: $w, status: [APPROVED] }) { id status worker { name } } }`, variables: { w: worker.id } }),
      signal: abort.signal,
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    await subscribed(1);
    await approve(id);
    await graph.hub.settle();
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const deadline = Date.now() + 5000;
    while (!text.includes('\n\n') && Date.now() < deadline) text += (await reader.read()).value ?? '';
    const [eventLine, dataLine] = text.split('\n');
    assert.equal(eventLine, 'event: next');
    const result = JSON.parse(dataLine.slice('data: '.length));
    assert.deepEqual(result.data, { timeEntryStatusChanged: { id, status: 'APPROVED', worker: { name: worker.name } } });
    assert.match(result.extensions.cursor, /^\d+-\d+$/);
    abort.abort();
    await closeAll();

    const invalid = await fetch(graph.url.replace(/\/graphql$/, '/graphql/stream'), {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json', authorization: `Bearer ${await tokenFor(asWorker)}` },
      body: JSON.stringify({ query: `subscription { timeEntryStatusChanged { nope } }` }),
    });
    const body = await invalid.text();
    assert.match(body, /^event: next\ndata: \{"errors":\[/, 'validation errors stream as a next event');
    assert.match(body, /event: complete\ndata: \n\n$/);
  });

  it('a subscriber that does not read past its queue limit is ended with SLOW_CONSUMER, its queue dropped', async () => {
    const introspection = await ok(getIntrospectionQuery(), {});
    const schema = buildClientSchema(introspection); // the served schema: with the live fields
    const read = readLiveRequest(schema, { query: `subscription { timeEntryStatusChanged { id } }` });
    const selection = (read as { selection: LiveSelection }).selection;
    const feed = new LiveFeed({
      bus: graph.bus,
      group: 'test.slow-consumer',
      logger: silentLogger,
      maxQueued: 2,
      async execute(query, variables, identity, correlationId) {
        const response = await graph.hub.gateway.apollo.executeOperation({ query, variables }, { contextValue: { identity, correlationId } });
        return (response.body as any).singleResult;
      },
    });
    await feed.start();
    try {
      const stream = feed.open({ roles: ['WORKER'], workerId: worker.id }, null, selection);
      for (const hours of ['0.10', '0.20', '0.30']) await submittedEntry(hours);
      const deadline = Date.now() + 5000;
      while (feed.subscriberCount > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(feed.subscriberCount, 0, 'unsubscribed as soon as the queue overflowed');
      const first = await stream.next();
      assert.equal(first.value.errors[0].extensions.code, 'SLOW_CONSUMER', 'the queued results were dropped: the error comes next');
      assert.equal((await stream.next()).done, true);
    } finally {
      await feed.close();
    }
  });
});
