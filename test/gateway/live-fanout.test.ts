import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, it } from 'node:test';
import { buildSchema, getOperationAST, parse, type FormattedExecutionResult } from 'graphql';
import type { Identity } from '../../lib/auth/identity.ts';
import { createEvent } from '../../lib/events/envelope.ts';
import { InProcessBus } from '../../lib/events/in-process-bus.ts';
import { silentLogger } from '../../lib/logger.ts';
import { LiveFeed, type GraphExecutor } from '../../gateway/subscriptions/feed.ts';
import { withSubscriptions } from '../../gateway/subscriptions/schema.ts';
import { readLiveSelection, type LiveSelection } from '../../gateway/subscriptions/selection.ts';
import { hcmTopics } from '../../subgraphs/hcm/events.ts';
import { timeTopics, type TimeEntrySnapshot } from '../../subgraphs/time/events.ts';

/**
 * The fan-out's scheduling, with the graph replaced by a scripted executor whose answers the test holds and releases:
 * batches resolve concurrently yet each subscriber gets its results in event order, a subscriber never waits for
 * another filter's facts, and manager filters are answered from hcm's reporting lines without a query per batch.
 */
describe('live fan-out', () => {
  const schema = withSubscriptions(
    buildSchema(`type Query { timeEntries(filter: F, first: Int): C! } input F { ids: [ID!] } type C { nodes: [TimeEntry!]! }
      type TimeEntry { id: ID! status: EntryStatus! } type Timesheet { id: ID! status: EntryStatus! }
      type Project { id: ID! status: ProjectStatus! } enum EntryStatus { DRAFT SUBMITTED APPROVED REJECTED } enum ProjectStatus { ACTIVE }
      type Invoice { id: ID! status: InvoiceStatus! } type BillingEvent { id: ID! status: BillingEventStatus! }
      enum InvoiceStatus { DRAFT } enum BillingEventStatus { UNBILLED }
      type ReconciliationException { id: ID! status: ReconciliationExceptionStatus! } enum ReconciliationExceptionStatus { OPEN }`),
  );
  const selectionOf = (filter: Record<string, unknown>): LiveSelection => {
    const document = parse(`subscription($f: TimeEntrySubscriptionFilter) { timeEntryStatusChanged(filter: $f) { id status } }`);
    return readLiveSelection(schema, document, getOperationAST(document)!, { f: filter }) as LiveSelection;
  };
  const admin: Identity = { workerId: null, roles: ['ADMIN'] };
  const asWorker = (workerId: string): Identity => ({ workerId, roles: ['WORKER'] });

  /** The entries' facts the scripted graph knows: their worker, and their project's customer. */
  const customers = new Map<string, string>();

  /**
   * Answers the feed's three kinds of queries (resolutions, facts, reporting lines) from `customers` and `managers`
   * (the lines read ahead, when a manager's filter subscribes, from `readAhead`: none unless given);
   * `hold(predicate)` keeps matching calls waiting until the returned release is called.
   */
  function scriptedGraph(managers: Map<string, string | null>, readAhead = new Map<string, string | null>()) {
    const calls: { query: string; variables: Record<string, any>; identity: Identity }[] = [];
    const held: { predicate: (query: string, variables: Record<string, any>) => boolean; gate: Promise<void> }[] = [];
    const execute: GraphExecutor = async (query, given, identity) => {
      const variables = given as Record<string, any>;
      calls.push({ query, variables, identity });
      for (const { predicate, gate } of held) if (predicate(query, variables)) await gate;
      if (query.includes('LiveAllReportingLines')) {
        // Every worker's line, read ahead when a manager's filter subscribes: `readAhead`, one page.
        const nodes = [...readAhead].map(([id, manager]) => ({ id, manager: manager === null ? null : { id: manager } }));
        return { data: { workers: { nodes, pageInfo: { hasNextPage: false, endCursor: null } } } };
      }
      if (query.includes('LiveReportingLines')) {
        return { data: { workers: { nodes: variables.ids.map((id: string) => ({ id, manager: managers.has(id) ? { id: managers.get(id) } : null })) } } };
      }
      if (query.includes('LiveTimeEntryFacts')) {
        return { data: { timeEntries: { nodes: variables.ids.map((id: string) => ({ id, project: { customer: { id: customers.get(id) }, contract: null } })) } } };
      }
      return { data: { _live: { nodes: variables._liveIds.map((id: string) => ({ _liveId: id, _liveStatus: 'APPROVED', id, status: 'APPROVED' })) } } };
    };
    return {
      execute,
      calls,
      hold(predicate: (query: string, variables: Record<string, any>) => boolean) {
        let release!: () => void;
        held.push({ predicate, gate: new Promise<void>((resolve) => (release = resolve)) });
        return release;
      },
      /** Resolves once `times` calls matching `predicate` were made (fails after 3 s). */
      async called(predicate: (query: string, variables: Record<string, any>) => boolean, times = 1) {
        const deadline = Date.now() + 3000;
        while (calls.filter((call) => predicate(call.query, call.variables)).length < times) {
          if (Date.now() > deadline) throw new Error(`no such call among ${calls.length}: ${JSON.stringify(calls.map((c) => c.variables))}`);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      },
    };
  }
  const resolving = (id: string) => (query: string, variables: Record<string, any>) => query.includes('LiveResolution') && variables._liveIds?.includes(id);
  /** A resolution of changes, not one run ahead for no ids (a selection's first subscriber's warm-up). */
  const resolvesChanges = (call: { query: string; variables: Record<string, any> }) => call.query.includes('LiveResolution') && call.variables._liveIds.length > 0;

  const feeds: LiveFeed[] = [];
  const buses: InProcessBus[] = [];
  afterEach(async () => {
    for (const feed of feeds.splice(0)) await feed.close();
    for (const bus of buses.splice(0)) await bus.close();
  });

  async function startFeed(execute: GraphExecutor, concurrentBatches?: number) {
    const bus = new InProcessBus(silentLogger);
    buses.push(bus);
    const feed = new LiveFeed({ bus, execute, logger: silentLogger, group: `test.fanout.${randomUUID()}`, batchWindowMs: 5, concurrentBatches });
    feeds.push(feed);
    await feed.start();
    return { bus, feed };
  }

  const approval = (id: string, workerId: string) =>
    createEvent(
      'time',
      timeTopics.entryApproved,
      { typename: 'TimeEntry', id },
      {
        timeEntryId: id, version: 1, status: 'APPROVED', workerId, projectId: 'p1', taskId: null, roleId: null, assignmentId: null,
        date: '2026-12-01', hours: '1.00', billable: true,
      } satisfies TimeEntrySnapshot,
      { correlationId: randomUUID() },
      new Date(),
    );
  const workerEvent = (type: string, workerId: string, managerId: string | null) =>
    createEvent('hcm', type, { typename: 'Worker', id: workerId }, { workerId, managerId, changedFields: ['managerId'] }, { correlationId: randomUUID() }, new Date());

  /** The ids of the next `count` results of a stream, or fewer if it has nothing more within `ms`. */
  async function idsWithin(stream: AsyncIterableIterator<FormattedExecutionResult>, count: number, ms = 300): Promise<string[]> {
    const ids: string[] = [];
    const deadline = Date.now() + ms;
    while (ids.length < count) {
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now())));
      const next = await Promise.race([stream.next(), timeout]);
      if (next === 'timeout') break;
      ids.push((next.value.data as any).timeEntryStatusChanged.id);
    }
    return ids;
  }
  /** Like idsWithin, but the stream's pending `next` is kept for the following read (a raced `next` is not lost). */
  function reader(stream: AsyncIterableIterator<FormattedExecutionResult>) {
    let waiting: Promise<IteratorResult<FormattedExecutionResult>> | null = null;
    return async (count: number, ms = 300) => {
      const ids: string[] = [];
      const deadline = Date.now() + ms;
      while (ids.length < count) {
        waiting ??= stream.next();
        const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now())));
        const next = await Promise.race([waiting, timeout]);
        if (next === 'timeout') break;
        waiting = null;
        ids.push((next.value.data as any).timeEntryStatusChanged.id);
      }
      return ids;
    };
  }

  it('resolves the next batch while one is held, and still delivers each subscriber its results in event order', async () => {
    const graph = scriptedGraph(new Map());
    const { bus, feed } = await startFeed(graph.execute, 4);
    const read = reader(feed.open(asWorker('w1'), null, selectionOf({ workerId: 'w1' })));
    const releaseFirst = graph.hold(resolving('e1'));
    await bus.publish(approval('e1', 'w1'));
    await graph.called(resolving('e1'));
    await bus.publish(approval('e2', 'w1'));
    await graph.called(resolving('e2'));
    assert.deepEqual(await read(1, 200), [], 'e2 is resolved but waits for e1, which came first');
    releaseFirst();
    assert.deepEqual(await read(2, 2000), ['e1', 'e2']);
  });

  it('bounds the batches resolving at once: past the bound, events wait and go out together', async () => {
    const graph = scriptedGraph(new Map());
    const { bus, feed } = await startFeed(graph.execute, 1);
    const read = reader(feed.open(asWorker('w1'), null, selectionOf({ workerId: 'w1' })));
    const release = graph.hold(resolving('e1'));
    await bus.publish(approval('e1', 'w1'));
    await graph.called(resolving('e1'));
    await bus.publish(approval('e2', 'w1'));
    await bus.publish(approval('e3', 'w1'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(graph.calls.filter(resolvesChanges).length, 1, 'no second batch while the bound is reached');
    release();
    assert.deepEqual(await read(3, 2000), ['e1', 'e2', 'e3']);
    const resolutions = graph.calls.filter(resolvesChanges).map((call) => call.variables._liveIds);
    assert.deepEqual(resolutions, [['e1'], ['e2', 'e3']], 'what waited went out in one batch, one query');
  });

  it("runs a selection's resolution ahead of its first change, once, for no ids, as its first subscriber", async () => {
    const graph = scriptedGraph(new Map());
    const { bus, feed } = await startFeed(graph.execute);
    const aheadOfChanges = () => graph.calls.filter((call) => call.query.includes('LiveResolution') && call.variables._liveIds.length === 0);
    const first = reader(feed.open(asWorker('w1'), null, selectionOf({ workerId: 'w1' })));
    feed.open(asWorker('w2'), null, selectionOf({ workerId: 'w2' }));
    await graph.called((query, variables) => query.includes('LiveResolution') && variables._liveIds.length === 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(aheadOfChanges().length, 1, 'one per selection, whatever its filter and subscriber');
    assert.deepEqual(aheadOfChanges()[0].identity, asWorker('w1'), 'as its first subscriber: never more than that subscriber may see');
    assert.equal(feed.warmUps, 1);
    assert.equal(feed.resolutions, 0, 'not a resolution of a change');
    await bus.publish(approval('e1', 'w1'));
    assert.deepEqual(await first(1, 2000), ['e1'], 'its answer was not delivered; the change is');
    assert.equal(graph.calls.filter(resolvesChanges).length, 1);
    assert.equal(graph.calls[graph.calls.length - 1].query, aheadOfChanges()[0].query, 'the same document: planned once');
  });

  it('runs nothing ahead for a subscriber open before the feed starts (the gateway cannot run queries yet), then does at start', async () => {
    const graph = scriptedGraph(new Map());
    const bus = new InProcessBus(silentLogger);
    buses.push(bus);
    const feed = new LiveFeed({ bus, execute: graph.execute, logger: silentLogger, group: `test.fanout.${randomUUID()}`, batchWindowMs: 5 });
    feeds.push(feed);
    feed.open(admin, null, selectionOf({ managerId: 'm1' }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(graph.calls.length, 0);
    await feed.start();
    await graph.called((query, variables) => query.includes('LiveResolution') && variables._liveIds.length === 0);
    await graph.called((query) => query.includes('LiveAllReportingLines'));
  });

  it("a subscriber does not wait for another filter's facts, in the same batch or the next (one batch resolving at a time)", async () => {
    customers.set('e1', 'c1');
    customers.set('e2', 'c1');
    const graph = scriptedGraph(new Map());
    const { bus, feed } = await startFeed(graph.execute);
    const byCustomer = reader(feed.open(admin, null, selectionOf({ customerId: 'c1' })));
    const own = reader(feed.open(asWorker('w1'), null, selectionOf({ workerId: 'w1' })));
    const releaseFacts = graph.hold((query) => query.includes('LiveTimeEntryFacts'));
    await bus.publish(approval('e1', 'w1'));
    assert.deepEqual(await own(1, 2000), ['e1'], "the worker's own approval arrives while the customer filter's facts are held");
    await bus.publish(approval('e2', 'w1'));
    assert.deepEqual(await own(1, 2000), ['e2'], 'and so does the next batch');
    assert.deepEqual(await byCustomer(1, 100), []);
    releaseFacts();
    assert.deepEqual(await byCustomer(2, 2000), ['e1', 'e2'], 'the customer filter gets both, in order, once its facts are in');
  });

  it("answers manager filters from hcm's reporting lines: read once when unknown, then kept exact by hcm's events", async () => {
    const graph = scriptedGraph(new Map([['w1', 'm1']]));
    const { bus, feed } = await startFeed(graph.execute);
    const first = reader(feed.open(admin, null, selectionOf({ managerId: 'm1' })));
    const second = reader(feed.open({ workerId: 'm2', roles: ['WORKER', 'MANAGER'] }, null, selectionOf({ managerId: 'm2' })));
    const lineReads = () => graph.calls.filter((call) => call.query.includes('LiveReportingLines')).length;

    await bus.publish(approval('e1', 'w1'));
    assert.deepEqual(await first(1, 2000), ['e1'], 'w1 reports to m1: read from the graph, once');
    await bus.publish(approval('e2', 'w1'));
    assert.deepEqual(await first(1, 2000), ['e2']);
    assert.equal(lineReads(), 1, 'a known line is not read again');

    // w1 moves to m2 (hcm publishes the worker as it is after the change), w3 is hired under m2.
    await bus.publish(workerEvent(hcmTopics.workerChanged, 'w1', 'm2'));
    await bus.publish(workerEvent(hcmTopics.workerCreated, 'w3', 'm2'));
    await bus.publish(approval('e3', 'w1'));
    await bus.publish(approval('e4', 'w3'));
    assert.deepEqual((await second(2, 2000)).sort(), ['e3', 'e4'], "the new manager hears of w1's entries, and of w3's");
    assert.deepEqual(await first(1, 200), [], 'the old manager does not');
    assert.equal(lineReads(), 1, 'lines heard from hcm are not read');
    assert.equal(feed.reportingLineReads, 1);
  });

  it("reads every worker's line ahead when a manager's filter subscribes: the first changes wait for no read", async () => {
    const graph = scriptedGraph(new Map(), new Map([['w1', 'm1'], ['w2', 'm2']]));
    const { bus, feed } = await startFeed(graph.execute);
    const releaseAhead = graph.hold((query) => query.includes('LiveAllReportingLines'));
    const forM1 = reader(feed.open(admin, null, selectionOf({ managerId: 'm1' })));
    const forM2 = reader(feed.open(admin, null, selectionOf({ managerId: 'm2' })));
    await graph.called((query) => query.includes('LiveAllReportingLines'));
    // hcm moves w2 to m1 while the page is read (which says m2, as before): the event wins.
    await bus.publish(workerEvent(hcmTopics.workerChanged, 'w2', 'm1'));
    releaseAhead();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await bus.publish(approval('e1', 'w1'));
    await bus.publish(approval('e2', 'w2'));
    assert.deepEqual((await forM1(2, 2000)).sort(), ['e1', 'e2']);
    assert.deepEqual(await forM2(1, 200), [], 'the page read before the move does not put w2 back under m2');
    assert.equal(graph.calls.filter((call) => call.query.includes('LiveAllReportingLines')).length, 1, 'once, for both subscribers');
    assert.equal(graph.calls.filter((call) => call.query.includes('LiveReportingLines')).length, 0, 'no worker was read in a batch');
  });

  it('a line read while hcm says the worker changed keeps what hcm said (the event is newer)', async () => {
    const graph = scriptedGraph(new Map([['w5', 'm1']]));
    const { bus, feed } = await startFeed(graph.execute);
    const first = reader(feed.open(admin, null, selectionOf({ managerId: 'm1' })));
    const second = reader(feed.open(admin, null, selectionOf({ managerId: 'm2' })));
    const own = reader(feed.open(asWorker('w5'), null, selectionOf({ workerId: 'w5' })));
    const releaseLines = graph.hold((query) => query.includes('LiveReportingLines'));
    await bus.publish(approval('e5', 'w5'));
    await graph.called((query) => query.includes('LiveReportingLines'));
    assert.deepEqual(await own(1, 2000), ['e5'], "the worker's own filter does not wait for the manager's line");
    await bus.publish(workerEvent(hcmTopics.workerChanged, 'w5', 'm2'));
    releaseLines(); // answers m1, as hcm was before the change
    assert.deepEqual(await second(1, 2000), ['e5']);
    assert.deepEqual(await first(1, 200), [], 'the stale read was discarded');
  });

  it('indexed by filter, each subscriber gets exactly the changes its whole filter matches, whatever else is subscribed', async () => {
    customers.set('e6', 'c6');
    customers.set('e7', 'c7');
    const graph = scriptedGraph(new Map([['w6', 'm6'], ['w7', 'm7']]));
    const { bus, feed } = await startFeed(graph.execute);
    const open = (filter: Record<string, unknown>, identity = admin) => reader(feed.open(identity, null, selectionOf(filter)));
    const subscribers = {
      ownW6: open({ workerId: 'w6' }, asWorker('w6')),
      ownW7: open({ workerId: 'w7' }, asWorker('w7')),
      managerM6: open({ managerId: 'm6' }),
      customerC6: open({ customerId: 'c6' }),
      projectP1: open({ projectId: 'p1' }),
      everything: open({}),
      w6AtC7: open({ workerId: 'w6', customerId: 'c7' }),
      w7AtC7: open({ workerId: 'w7', customerId: 'c7' }),
      w6Rejected: open({ workerId: 'w6', status: ['REJECTED'] }),
      managerM7OfW6: open({ workerId: 'w6', managerId: 'm7' }),
    };
    // Subscribers of other workers that end before the events: gone from the index too.
    const gone = Array.from({ length: 50 }, (_, i) => feed.open(asWorker(`x${i}`), null, selectionOf({ workerId: `x${i}` })));
    for (const stream of gone) await stream.return!();
    assert.equal(feed.subscriberCount, Object.keys(subscribers).length);

    await bus.publish(approval('e6', 'w6'));
    await bus.publish(approval('e7', 'w7'));
    const expected: Record<keyof typeof subscribers, string[]> = {
      ownW6: ['e6'],
      ownW7: ['e7'],
      managerM6: ['e6'],
      customerC6: ['e6'],
      projectP1: ['e6', 'e7'],
      everything: ['e6', 'e7'],
      w6AtC7: [],
      w7AtC7: ['e7'],
      w6Rejected: [],
      managerM7OfW6: [],
    };
    for (const [name, read] of Object.entries(subscribers)) {
      const want = expected[name as keyof typeof subscribers];
      const received = await read(want.length, 2000);
      assert.deepEqual([...received, ...(await read(1, 50))], want, name);
    }
  });

  it('a resuming subscriber gets its catch-up first, then what was cut meanwhile, each change once', async () => {
    const graph = scriptedGraph(new Map());
    const { bus, feed } = await startFeed(graph.execute);
    const live = feed.open(asWorker('w1'), null, selectionOf({ workerId: 'w1' }));
    await bus.publish(approval('e1', 'w1'));
    const cursor = (await live.next()).value.extensions.cursor;
    await bus.publish(approval('e2', 'w1'));
    assert.deepEqual(await idsWithin(live, 1, 2000), ['e2']);

    // Resume after e1: e2 is replayed (its resolution held); e3 is published meanwhile and must wait behind it.
    const releaseReplay = graph.hold(resolving('e2'));
    const document = parse(`subscription($after: String) { timeEntryStatusChanged(filter: { workerId: "w1" }, after: $after) { id status } }`);
    const resumed = reader(feed.open(asWorker('w1'), null, readLiveSelection(schema, document, getOperationAST(document)!, { after: cursor }) as LiveSelection));
    await graph.called(resolving('e2'), 2);
    await bus.publish(approval('e3', 'w1'));
    await graph.called(resolving('e3'));
    assert.deepEqual(await resumed(1, 200), [], 'e3 is resolved but waits for the catch-up');
    releaseReplay();
    assert.deepEqual(await resumed(2, 2000), ['e2', 'e3']);
    assert.deepEqual(await resumed(1, 200), [], 'nothing twice');
  });
});
