/**
 * The live feed's own CPU per event, apart from the graph: matching each change against the subscribers, grouping,
 * building and queueing each subscriber's result. The graph is a scripted executor that answers every resolution at
 * once (no subgraph, no database), so what is measured is the fan-out alone, in one process, and it is steady enough
 * to compare on a loaded machine.
 *
 *   npm run bench:live-fanout
 *   npm run bench:live-fanout -- --others 0,1000,10000 --events 2000 --batch 20
 *
 * Each run: 27 subscribers follow each of the events' 37 workers (`timeEntryStatusChanged(filter: { workerId })`,
 * one identity per worker: ~1,000 subscribers that receive everything published), 36 follow their 9 managers
 * (`managerId`), and `--others` more follow workers who get no event (other workers' feeds on the same gateway).
 * `--events` approvals are published `--batch` at a time, each group resolved as soon as it is cut; the run ends when
 * every expected result has been read from the subscribers' streams. Reported: CPU (user + system) per event and per
 * delivered result, and how that moves with the number of other subscribers.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { getOperationAST, parse, type FormattedExecutionResult } from 'graphql';
import { createEvent } from '../lib/events/envelope.ts';
import { InProcessBus } from '../lib/events/in-process-bus.ts';
import { silentLogger } from '../lib/logger.ts';
import { LiveFeed, type GraphExecutor } from '../gateway/subscriptions/feed.ts';
import { liveBenchSchema } from './live-schema.ts';
import { readLiveSelection, type LiveSelection } from '../gateway/subscriptions/selection.ts';
import { hcmTopics } from '../subgraphs/hcm/events.ts';
import { timeTopics, type TimeEntrySnapshot } from '../subgraphs/time/events.ts';

const { values } = parseArgs({
  options: {
    others: { type: 'string', default: '0,1000,10000' },
    events: { type: 'string', default: '2000' },
    batch: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
  },
});
const eventCount = Number(values.events);
const batchSize = Number(values.batch);

const schema = liveBenchSchema();
const selectionOf = (filter: Record<string, unknown>): LiveSelection => {
  const document = parse(`subscription($f: TimeEntrySubscriptionFilter) { timeEntryStatusChanged(filter: $f) { id status hours project { code } } }`);
  return readLiveSelection(schema, document, getOperationAST(document)!, { f: filter }) as LiveSelection;
};

/** Every entry resolves, as its subscriber would see it. */
const execute: GraphExecutor = async (_query, variables) => ({
  data: {
    _live: {
      nodes: (variables._liveIds as string[]).map((id) => ({ _liveId: id, _liveStatus: 'APPROVED', id, status: 'APPROVED', hours: '1.00', project: { code: 'P-1' } })),
    },
  },
});

const workers = Array.from({ length: 37 }, (_, i) => `w${i}`);
const managerOf = (worker: string) => `m${Number(worker.slice(1)) % 9}`;

async function run(others: number): Promise<{ cpuMs: number; delivered: number; ms: number }> {
  const bus = new InProcessBus(silentLogger);
  const feed = new LiveFeed({ bus, execute, logger: silentLogger, group: `bench.fanout.${randomUUID()}`, maxQueued: 1_000_000 });
  await feed.start();
  for (const worker of workers) {
    await bus.publish(createEvent('hcm', hcmTopics.workerCreated, { typename: 'Worker', id: worker }, { workerId: worker, managerId: managerOf(worker), changedFields: [] }, { correlationId: randomUUID() }, new Date()));
  }
  let delivered = 0;
  let expected = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const consume = async (stream: AsyncIterableIterator<FormattedExecutionResult>) => {
    for await (const _ of stream) if (++delivered === expected) done();
  };
  const perWorker = new Map<string, number>();
  for (let i = 0; i < 27 * workers.length; i++) {
    const worker = workers[i % workers.length];
    perWorker.set(worker, (perWorker.get(worker) ?? 0) + 1);
    void consume(feed.open({ workerId: worker, roles: ['WORKER'] }, null, selectionOf({ workerId: worker })));
  }
  for (let i = 0; i < 36; i++) {
    const manager = `m${i % 9}`;
    void consume(feed.open({ workerId: manager, roles: ['WORKER', 'MANAGER'] }, null, selectionOf({ managerId: manager })));
  }
  for (let i = 0; i < others; i++) {
    const worker = `other${i % 1000}`;
    void consume(feed.open({ workerId: worker, roles: ['WORKER'] }, null, selectionOf({ workerId: worker })));
  }
  const events = Array.from({ length: eventCount }, (_, i) => {
    const worker = workers[i % workers.length];
    expected += perWorker.get(worker)! + 4;
    const snapshot: TimeEntrySnapshot = {
      timeEntryId: `e${i}`, version: 1, status: 'APPROVED', workerId: worker, projectId: 'p1', taskId: null, roleId: null, assignmentId: null,
      date: '2026-12-01', hours: '1.00', billable: true,
    };
    return createEvent('time', timeTopics.entryApproved, { typename: 'TimeEntry', id: `e${i}` }, snapshot, { correlationId: randomUUID() }, new Date());
  });
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (let at = 0; at < events.length; at += batchSize) {
    await Promise.all(events.slice(at, at + batchSize).map((event) => bus.publish(event)));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await finished;
  const used = process.cpuUsage(cpu);
  const ms = performance.now() - started;
  await feed.close();
  await bus.close();
  return { cpuMs: (used.user + used.system) / 1000, delivered, ms };
}

process.stdout.write('| other subscribers | events | delivered | CPU ms per event | CPU µs per delivery | wall s |\n|---|---|---|---|---|---|\n');
for (let round = 0; round < Number(values.rounds); round++) {
  for (const others of values.others!.split(',').map(Number)) {
    const { cpuMs, delivered, ms } = await run(others);
    process.stdout.write(
      `| ${others} | ${eventCount} | ${delivered} | ${(cpuMs / eventCount).toFixed(3)} | ${((cpuMs / delivered) * 1000).toFixed(1)} | ${(ms / 1000).toFixed(1)} |\n`,
    );
  }
}
