/**
 * Live subscriptions on one gateway process: memory per graphql-ws connection, and latency from an event's publish on
 * the bus to its delivery at the subscriber, at fixed event rates.
 *
 *   npm run bench:subscriptions                                            # PGlite in memory, in-process bus
 *   npm run bench:subscriptions -- --connections 10000
 *   DATABASE_URL=postgres://… REDIS_URL=redis://… npm run bench:subscriptions   # PostgreSQL + Redis Streams
 *
 * Options: --connections N (default 1000), --rates 100,1000 (events/s), --seconds N (per rate, default 10),
 * --managers N (default 0): N more connections, as the firm's managers (round robin over those with reports), each
 * subscribed to `timeEntryStatusChanged(filter: { managerId: <own> })` with a dashboard's selection (the worker's
 * name from hcm, the project's code from psa, its customer from crm): the realistic mix of managers' dashboards and
 * workers' own feeds. Latency is reported for the workers' and the managers' subscribers apart, so a worker's wait
 * alone (--managers 0) compares with their wait in the mix. --concurrent-batches N: the feed's bound (default its own).
 * --stalled N: N more workers' connections that stop reading once subscribed (no pong either): the gateway should drop
 * them after a keep-alive interval (--keep-alive ms) and its memory should not grow with what they do not read.
 * --client-processes N: client processes the connections are spread over (default one per 5,000; each holds a socket
 * per connection, as the gateway does: the run stops at once if `ulimit -n` is too low for them).
 * --max-queued N: the feed's queue per subscriber (default 100,000, so an overloaded run is measured, not cut off).
 * --profile DIR: a CPU profile of the gateway's process per rate, taken while events flow (open in Chrome DevTools);
 * with --hub-process, the hub's process's too (hub-<rate>.cpuprofile).
 * --hub-process: the hub (the five subgraphs, their store, the gateway their own graph calls go through) runs in a
 * process of its own, as the subgraphs are deployed, so the measured gateway's process holds only the gateway, its
 * feed, its sockets and the publisher: its CPU per event is the live path's own; the hub's is reported apart.
 *
 * Per rate it reports the gateway process's CPU (user + system, the hub's and publisher's included) per event and per
 * delivered result — a fair measure on a loaded machine, where latency is not — and its memory after GC after each
 * rate (give a rate twice, `--rates 10,10`, to see whether memory stays flat across a second wave of events).
 *
 * The embedded hub (five subgraphs, demo firm at scale 1) serves the data; the measured gateway is a second gateway
 * over the same subgraphs with a bus of its own (in-process, or a fresh Redis stream), so the synthetic
 * `time.entry.approved` events the benchmark publishes for existing approved entries reach only it, not erp's posting
 * consumer. Each connection subscribes as a worker (WORKER role) to `timeEntryStatusChanged(filter: { workerId: <own> })`
 * selecting `id status hours project { code }` (time, then psa): every event is resolved once per batch for the
 * identical subscribers of its worker and delivered to each of them. The clients run in a child process (so their
 * memory is not the gateway's); latency is the child's receive time minus the parent's publish time, both from
 * `performance.timeOrigin + performance.now()` on the same machine.
 */
import { fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { signBearerToken } from '../lib/auth/jwt.ts';
import type { EventBus } from '../lib/events/bus.ts';
import { createEvent } from '../lib/events/envelope.ts';
import { InProcessBus } from '../lib/events/in-process-bus.ts';
import { RedisBus } from '../lib/events/redis-bus.ts';
import { createLogger } from '../lib/logger.ts';
import { metricsRegistry } from '../lib/metrics/registry.ts';
import { createAuthenticator, verifiersFor } from '../gateway/authentication/index.ts';
import { startHub } from '../gateway/hub.ts';
import { createGateway } from '../gateway/server.ts';
import { supergraphSdl } from '../gateway/supergraph.ts';
import { timeTopics, type TimeEntryApproved } from '../subgraphs/time/events.ts';

const now = () => performance.timeOrigin + performance.now();

/** Messages between the benchmark and its client process. */
type ToClients = { kind: 'open'; url: string; subscribers: Subscriber[] } | { kind: 'count' } | { kind: 'report' };
type FromClients =
  /** `ended`: subscriptions that ended with an error (SLOW_CONSUMER and the like) or a closed socket, so far. */
  | { kind: 'opened'; failed: number; ms: number }
  | { kind: 'ended'; ended: number }
  | { kind: 'counted'; received: number }
  /** `cpuMs`: the client process's CPU (user + system) since its previous report. */
  | { kind: 'received'; receipts: [id: string, at: number, audience: Audience][]; cpuMs: number };

/** A worker following their own entries, or a manager their reports'. */
type Audience = 'worker' | 'manager';
interface Subscriber {
  token: string;
  audience: Audience;
  /** The worker, or the manager, it filters on. */
  filterId: string;
  /** A client that stops reading its socket once subscribed (it answers no ping either): a consumer gone slow. */
  stalls?: boolean;
}

const queries: Record<Audience, string> = {
  worker: `subscription($id: ID!) { timeEntryStatusChanged(filter: { workerId: $id }) { id status hours project { code } } }`,
  manager: `subscription($id: ID!) { timeEntryStatusChanged(filter: { managerId: $id }) {
    id status hours date worker { name } project { code customer { name } } } }`,
};

/** Messages between the benchmark and the hub's process (--hub-process); `profile`: a CPU profile to start, or to write. */
type ToHub = { kind: 'report' } | { kind: 'profile'; start: true } | { kind: 'profile'; start: false; file: string };
type FromHub =
  | { kind: 'ready'; subgraphUrls: Record<string, string>; entries: ApprovedEntry[]; lines: ReportingLine[] }
  /** `cpuMs`: the hub process's CPU since its previous report; `work`: its operations and subgraph fetches so far. */
  | { kind: 'reported'; cpuMs: number; work: [string, number][] }
  | { kind: 'profiled' };

/** An approved entry the synthetic events are about. */
type ApprovedEntry = Omit<TimeEntryApproved, 'status'>;
interface ReportingLine {
  workerId: string;
  managerId: string;
}

if (process.env.BENCH_SUBSCRIPTION_CLIENTS) {
  await runClients();
} else if (process.env.BENCH_SUBSCRIPTION_HUB) {
  await runHub();
} else {
  await runBenchmark();
}

/** The client process: opens the connections it is told to, records when each result arrives. */
async function runClients() {
  let receipts: [string, number, Audience][] = [];
  let cpu = process.cpuUsage();
  let ended = 0;
  /** The sockets graphql-ws opens, in order: a stalling subscriber's is paused once it has subscribed. */
  const sockets: WebSocket[] = [];
  class RecordedWebSocket extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      sockets.push(this);
    }
  }
  process.on('message', async (message: ToClients) => {
    if (message.kind === 'count') {
      process.send!({ kind: 'counted', received: receipts.length } satisfies FromClients);
      return;
    }
    if (message.kind === 'report') {
      const used = process.cpuUsage(cpu);
      cpu = process.cpuUsage();
      process.send!({ kind: 'received', receipts, cpuMs: (used.user + used.system) / 1000 } satisfies FromClients);
      receipts = [];
      return;
    }
    const started = now();
    let failed = 0;
    const queue = [...message.subscribers];
    const openOne = async ({ token, audience, filterId, stalls }: Subscriber) => {
      const client = createClient({
        url: message.url,
        webSocketImpl: RecordedWebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        retryAttempts: 0,
        lazy: false,
        onNonLazyError: () => undefined,
        on: { closed: () => void ended++ },
      });
      const socket = sockets[sockets.length - 1];
      await new Promise<void>((resolve) => {
        const connected = client.on('connected', () => {
          connected();
          resolve();
        });
        const closed = client.on('closed', () => {
          closed();
          failed++;
          resolve();
        });
      });
      client.subscribe(
        { query: queries[audience], variables: { id: filterId } },
        {
          next: (result) => {
            const id = (result.data as any)?.timeEntryStatusChanged?.id;
            if (id && !stalls) receipts.push([id, now(), audience]);
          },
          error: () => void ended++,
          complete: () => undefined,
        },
      );
      // Once the subscribe message is out: from then on nothing is read, so the gateway's writes and pings pile up.
      if (stalls) setTimeout(() => socket.pause(), 100);
    };
    // 100 handshakes at a time.
    await Promise.all(Array.from({ length: 100 }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await openOne(next);
    }));
    process.send!({ kind: 'opened', failed, ms: Math.round(now() - started) } satisfies FromClients);
  });
  setInterval(() => process.send!({ kind: 'ended', ended } satisfies FromClients), 1000).unref();
}

/** The embedded hub: five subgraphs (demo firm at scale 1) and the graph they call, in PGlite or DATABASE_URL. */
function startBenchHub(jwtSecret: string, identitySecret: string) {
  return startHub({
    database: process.env.DATABASE_URL ? { kind: 'postgres', url: process.env.DATABASE_URL } : { kind: 'pglite' },
    jwtSecret,
    identitySecret,
    port: 0,
    seed: { scale: 1 },
    logger: createLogger({}, 'error'),
    maskErrors: true,
  });
}

/** Existing approved entries (the synthetic events' subjects) and the reporting lines, read from the hub's stores. */
async function subjectsOf(hub: Awaited<ReturnType<typeof startHub>>): Promise<{ entries: ApprovedEntry[]; lines: ReportingLine[] }> {
  const rows = await hub.subgraphs.time.database.db
    .selectFrom('time_entry')
    .select(['id', 'version', 'worker_id', 'project_id', 'task_id', 'role_id', 'assignment_id', 'date', 'hours', 'billable'])
    .where('status', '=', 'APPROVED')
    .orderBy('id')
    .limit(20_000)
    .execute();
  const lines = await hub.subgraphs.hcm.database.db.selectFrom('worker').select(['id', 'manager_id']).where('manager_id', 'is not', null).orderBy('id').execute();
  return {
    entries: rows.map((row) => ({
      timeEntryId: row.id, version: row.version, workerId: row.worker_id, projectId: row.project_id, taskId: row.task_id, roleId: row.role_id,
      assignmentId: row.assignment_id, date: String(row.date), hours: String(row.hours), billable: row.billable,
    })) as ApprovedEntry[],
    lines: lines.map((line) => ({ workerId: line.id as string, managerId: line.manager_id as string })),
  };
}

/** Operations the process's gateways answered (by name) and its fetches to subgraphs, so far. */
async function workCounts(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const add = (key: string, value: number) => counts.set(key, (counts.get(key) ?? 0) + value);
  for (const { labels, value } of (await metricsRegistry.getSingleMetric('psgraph_graphql_requests_total')?.get())?.values ?? []) {
    add(`operation ${labels.operation}`, value);
  }
  for (const { value } of (await metricsRegistry.getSingleMetric('psgraph_subgraph_fetches_total')?.get())?.values ?? []) add('subgraph fetches', value);
  return counts;
}

/** The hub's process (--hub-process): starts the hub, says where it is, reports its CPU and work when asked. */
async function runHub() {
  const hub = await startBenchHub(process.env.BENCH_JWT_SECRET!, process.env.BENCH_IDENTITY_SECRET!);
  let cpu = process.cpuUsage();
  const profiler = new Session();
  process.on('message', async (message: ToHub) => {
    if (message.kind === 'profile') {
      if (message.start) {
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
      } else {
        const { profile } = await profiler.post('Profiler.stop');
        writeFileSync(message.file, JSON.stringify(profile));
        profiler.disconnect();
      }
      process.send!({ kind: 'profiled' } satisfies FromHub);
      return;
    }
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    process.send!({ kind: 'reported', cpuMs: (used.user + used.system) / 1000, work: [...(await workCounts())] } satisfies FromHub);
  });
  process.on('disconnect', () => void hub.stop().finally(() => process.exit(0)));
  const subgraphUrls = Object.fromEntries(Object.entries(hub.subgraphs).map(([name, entry]) => [name, entry.url]));
  process.send!({ kind: 'ready', subgraphUrls, ...(await subjectsOf(hub)) } satisfies FromHub);
}

async function runBenchmark() {
  const { values } = parseArgs({
    options: {
      connections: { type: 'string', default: '1000' },
      rates: { type: 'string', default: '100,1000' },
      seconds: { type: 'string', default: '10' },
      managers: { type: 'string', default: '0' },
      'concurrent-batches': { type: 'string' },
      /** A directory: a CPU profile of the gateway process (hub, gateway, publisher) per rate, while events flow. */
      profile: { type: 'string' },
      /** Client processes the connections are spread over (default: one per 5,000). */
      'client-processes': { type: 'string' },
      /** More workers' connections that stop reading once subscribed: what a consumer gone slow costs the gateway. */
      stalled: { type: 'string', default: '0' },
      /** The feed's queue per subscriber (default 100,000, so an overloaded run is measured rather than cut off). */
      'max-queued': { type: 'string', default: '100000' },
      /** The gateway's WebSocket ping interval, ms (a peer that misses a pong for as long is dropped). */
      'keep-alive': { type: 'string' },
      /** The hub (subgraphs, store) in a process of its own, as deployed: the gateway's process is then only the gateway's. */
      'hub-process': { type: 'boolean', default: false },
    },
  });
  const connections = Number(values.connections);
  const managerConnections = Number(values.managers);
  const stalledConnections = Number(values.stalled);
  const rates = values.rates!.split(',').map(Number);
  const seconds = Number(values.seconds);
  const logger = createLogger({}, 'error');
  const jwtSecret = randomBytes(16).toString('hex');
  const identitySecret = randomBytes(16).toString('hex');
  const databaseUrl = process.env.DATABASE_URL;
  const redisUrl = process.env.REDIS_URL;

  /** The hub in this process, or its process's answers (--hub-process). */
  let hub: Awaited<ReturnType<typeof startHub>> | null = null;
  let hubProcess: ReturnType<typeof fork> | null = null;
  let subgraphUrls: Record<string, string>;
  let subjects: { entries: ApprovedEntry[]; lines: ReportingLine[] };
  if (values['hub-process']) {
    hubProcess = fork(new URL(import.meta.url).pathname, [], {
      env: { ...process.env, BENCH_SUBSCRIPTION_HUB: '1', BENCH_JWT_SECRET: jwtSecret, BENCH_IDENTITY_SECRET: identitySecret },
      execArgv: ['--import', 'tsx'],
    });
    const ready = await new Promise<Extract<FromHub, { kind: 'ready' }>>((resolve, reject) => {
      hubProcess!.once('message', (message: FromHub) => (message.kind === 'ready' ? resolve(message) : reject(new Error('the hub did not start'))));
      hubProcess!.once('exit', (code) => reject(new Error(`the hub's process exited (${code})`)));
    });
    subgraphUrls = ready.subgraphUrls;
    subjects = ready;
  } else {
    hub = await startBenchHub(jwtSecret, identitySecret);
    subgraphUrls = Object.fromEntries(Object.entries(hub.subgraphs).map(([name, entry]) => [name, entry.url]));
    subjects = await subjectsOf(hub);
  }
  /** The hub process's CPU (ms) and work since its previous report; nothing when the hub is in this process. */
  const hubReport = async (): Promise<{ cpuMs: number; work: Map<string, number> } | null> => {
    if (!hubProcess) return null;
    const replied = new Promise<Extract<FromHub, { kind: 'reported' }>>((resolve) => {
      const listen = (message: FromHub) => {
        if (message.kind !== 'reported') return;
        hubProcess!.off('message', listen);
        resolve(message);
      };
      hubProcess!.on('message', listen);
    });
    hubProcess.send({ kind: 'report' } satisfies ToHub);
    const { cpuMs, work } = await replied;
    return { cpuMs, work: new Map(work) };
  };
  /** Starts the hub process's CPU profile, or writes it to `file` (--profile with --hub-process). */
  const hubProfile = async (message: Extract<ToHub, { kind: 'profile' }>) => {
    if (!hubProcess) return;
    const replied = new Promise<void>((resolve) => {
      const listen = (reply: FromHub) => {
        if (reply.kind !== 'profiled') return;
        hubProcess!.off('message', listen);
        resolve();
      };
      hubProcess!.on('message', listen);
    });
    hubProcess.send(message);
    await replied;
  };
  const bus: EventBus = redisUrl ? new RedisBus({ url: redisUrl, stream: `psgraph:bench:${randomBytes(4).toString('hex')}`, logger }) : new InProcessBus(logger);
  const gateway = createGateway({
    supergraphSdl: supergraphSdl(),
    subgraphUrls,
    authenticator: createAuthenticator(verifiersFor({ jwtSecret }, { hcmUrl: subgraphUrls.hcm, identitySecret, logger })),
    identitySecret,
    logger,
    maskErrors: true,
    bus,
    subscriptions: {
      group: 'bench.live',
      maxConnectionsPerIdentity: connections + managerConnections + stalledConnections,
      maxQueued: Number(values['max-queued']),
      keepAliveMs: values['keep-alive'] === undefined ? undefined : Number(values['keep-alive']),
      concurrentBatches: values['concurrent-batches'] === undefined ? undefined : Number(values['concurrent-batches']),
    },
  });
  const url = (await gateway.listen(0)).replace(/^http/, 'ws');

  // Existing approved entries, by worker: the synthetic events' subjects.
  const rows = subjects.entries;
  const workers = [...new Set(rows.map((row) => row.workerId))];
  const managerOf = new Map(subjects.lines.map((line) => [line.workerId, line.managerId]));
  const managers = [...new Set(subjects.lines.map((line) => line.managerId))].sort();
  const subscribers: Subscriber[] = await Promise.all([
    ...Array.from({ length: connections }, async (_, index) => {
      const workerId = workers[index % workers.length];
      return { audience: 'worker' as const, filterId: workerId, token: await signBearerToken({ workerId, roles: ['WORKER'] }, jwtSecret) };
    }),
    ...Array.from({ length: managerConnections }, async (_, index) => {
      const workerId = managers[index % managers.length];
      return { audience: 'manager' as const, filterId: workerId, token: await signBearerToken({ workerId, roles: ['WORKER', 'MANAGER'] }, jwtSecret) };
    }),
    ...Array.from({ length: stalledConnections }, async (_, index) => {
      const workerId = workers[index % workers.length];
      return { audience: 'worker' as const, filterId: workerId, stalls: true, token: await signBearerToken({ workerId, roles: ['WORKER'] }, jwtSecret) };
    }),
  ]);
  const subscribersOf = new Map<string, number>();
  for (const { audience, filterId, stalls } of subscribers) {
    if (!stalls) subscribersOf.set(`${audience}:${filterId}`, (subscribersOf.get(`${audience}:${filterId}`) ?? 0) + 1);
  }

  const gc = (globalThis as { gc?: () => void }).gc;
  const memory = () => {
    gc?.();
    gc?.();
    const { rss, heapUsed, external } = process.memoryUsage();
    return { rss, heapUsed, external };
  };
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

  // Every socket is a file descriptor, on both sides: the gateway's process holds all of them, each client process its share.
  const clientProcesses = Number(values['client-processes'] ?? Math.max(1, Math.ceil(subscribers.length / 5000)));
  const openFiles = Number(/^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? Infinity);
  if (openFiles < subscribers.length + 1000) {
    process.stderr.write(`ulimit -n is ${openFiles}: too few for ${subscribers.length} connections and the hub's own; raise it (ulimit -n) before the run\n`);
    process.exit(1);
  }
  const children = Array.from({ length: clientProcesses }, () =>
    fork(new URL(import.meta.url).pathname, [], { env: { ...process.env, BENCH_SUBSCRIPTION_CLIENTS: '1' }, execArgv: ['--import', 'tsx'] }),
  );
  /** Subscriptions the clients saw end (an error such as SLOW_CONSUMER, or the socket closed), per client process. */
  const endedIn = children.map(() => 0);
  children.forEach((child, index) => child.on('message', (message: FromClients) => message.kind === 'ended' && (endedIn[index] = message.ended)));
  const reply = <K extends FromClients['kind']>(child: (typeof children)[number], kind: K) =>
    new Promise<Extract<FromClients, { kind: K }>>((resolve) => {
      const listen = (message: FromClients) => {
        if (message.kind !== kind) return;
        child.off('message', listen);
        resolve(message as Extract<FromClients, { kind: K }>);
      };
      child.on('message', listen);
    });
  /** Asks every client process, each for its share (`message(index)`), and collects their replies. */
  const askClients = <K extends FromClients['kind']>(message: (index: number) => ToClients, kind: K) =>
    Promise.all(
      children.map((child, index) => {
        const replied = reply(child, kind);
        child.send(message(index));
        return replied;
      }),
    );

  const before = memory();
  const openedBy = await askClients((index) => ({ kind: 'open', url, subscribers: subscribers.filter((_, at) => at % clientProcesses === index) }), 'opened');
  const opened = { failed: openedBy.reduce((sum, one) => sum + one.failed, 0), ms: Math.max(...openedBy.map((one) => one.ms)) };
  const deadline = Date.now() + 120_000;
  while (gateway.live!.subscriberCount < subscribers.length - opened.failed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  const withConnections = memory();
  const perConnection = (key: keyof typeof before) => ((withConnections[key] - before[key]) / subscribers.length / 1024).toFixed(1);
  process.stdout.write(
    [
      `store: ${databaseUrl ? 'PostgreSQL' : 'PGlite in memory'}; bus: ${redisUrl ? 'Redis Streams' : 'in-process'}; ${workers.length} workers, ${rows.length} approved entries`,
      `connections: ${connections} workers' + ${managerConnections} managers' (${managers.length} managers)${stalledConnections ? ` + ${stalledConnections} that stop reading` : ''} ` +
        `from ${clientProcesses} client process(es) opened in ${opened.ms} ms (${opened.failed} failed); ${gateway.live!.subscriberCount} subscribers registered`,
      `gateway process memory (after GC${gc ? '' : ' — unavailable: run with --expose-gc'}): rss ${mib(before.rss)} → ${mib(withConnections.rss)} MiB, heap ${mib(before.heapUsed)} → ${mib(withConnections.heapUsed)} MiB`,
      `per connection: rss ${perConnection('rss')} KiB, heap ${perConnection('heapUsed')} KiB, external ${perConnection('external')} KiB`,
      '',
      '| events/s | subscribers | seconds | events | deliveries expected | delivered | drained after (s) | p50 ms | p99 ms | max ms |',
      '|---|---|---|---|---|---|---|---|---|---|',
      '',
    ].join('\n'),
  );

  /** Operations the gateways answered (by name) and fetches to subgraphs, so far, the hub's process's included. */
  const work = async () => {
    const counts = await workCounts();
    for (const [key, value] of (await hubReport())?.work ?? []) counts.set(key, (counts.get(key) ?? 0) + value);
    return counts;
  };
  const workLines: string[] = [];
  const memoryLines: string[] = [];
  const secondLines: string[] = [];

  const profiler = values.profile ? new Session() : null;
  if (profiler) {
    mkdirSync(values.profile!, { recursive: true });
    profiler.connect();
    await profiler.post('Profiler.enable');
  }
  const cpuLines: string[] = [];

  let next = 0;
  for (const rate of rates) {
    const workBefore = await work();
    // The hub's CPU so far is not this rate's either.
    await hubReport();
    // The clients' CPU so far is not this rate's.
    await askClients(() => ({ kind: 'report' }), 'received');
    await profiler?.post('Profiler.start');
    if (profiler) await hubProfile({ kind: 'profile', start: true });
    const cpuBefore = process.cpuUsage();
    const published = new Map<string, number[]>();
    let events = 0;
    const expectedBy: Record<Audience, number> = { worker: 0, manager: 0 };
    const started = now();
    // Paced in 10 ms ticks: at each, as many events as the rate asks for by then.
    while (now() - started < seconds * 1000) {
      const due = Math.floor(((now() - started) / 1000) * rate);
      const publishing: Promise<void>[] = [];
      for (; events < due; events++) {
        const row = rows[next++ % rows.length];
        const data: TimeEntryApproved = { ...row, status: 'APPROVED' };
        const event = createEvent('time', timeTopics.entryApproved, { typename: 'TimeEntry', id: row.timeEntryId }, data, { correlationId: randomUUID() }, new Date());
        const times = published.get(row.timeEntryId) ?? [];
        times.push(now());
        published.set(row.timeEntryId, times);
        expectedBy.worker += subscribersOf.get(`worker:${row.workerId}`) ?? 0;
        expectedBy.manager += subscribersOf.get(`manager:${managerOf.get(row.workerId)}`) ?? 0;
        publishing.push(bus.publish(event));
      }
      await Promise.all(publishing);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const expected = expectedBy.worker + expectedBy.manager;
    // Let the backlog out: until everything expected arrived, or nothing more for 3 s, or 30 s (an overloaded gateway).
    const publishedFor = now() - started;
    let last = -1;
    let quietSince = now();
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const received = (await askClients(() => ({ kind: 'count' }), 'counted')).reduce((sum, one) => sum + one.received, 0);
      if (received !== last) quietSince = now();
      last = received;
      if (received >= expected || now() - quietSince > 3000 || now() - started - publishedFor > 30_000) break;
    }
    const drained = (now() - started - publishedFor) / 1000;
    const cpuUsed = process.cpuUsage(cpuBefore);
    const hubCpuMs = (await hubReport())?.cpuMs;
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop');
      writeFileSync(`${values.profile}/subscriptions-${rate}.cpuprofile`, JSON.stringify(profile));
      await hubProfile({ kind: 'profile', start: false, file: `${values.profile}/hub-${rate}.cpuprofile` });
    }
    const reports = await askClients(() => ({ kind: 'report' }), 'received');
    const receipts = reports.flatMap((one) => one.receipts);
    const clientCpuMs = reports.reduce((sum, one) => sum + one.cpuMs, 0);
    const gatewayCpuMs = (cpuUsed.user + cpuUsed.system) / 1000;
    const wallMs = now() - started;
    cpuLines.push(
      `${rate} events/s: gateway process CPU ${(gatewayCpuMs / events).toFixed(2)} ms per event, ` +
        `${((gatewayCpuMs / receipts.length) * 1000).toFixed(0)} µs per delivery ` +
        `(${(gatewayCpuMs / 1000).toFixed(1)} s CPU in ${(wallMs / 1000).toFixed(1)} s: ${((100 * gatewayCpuMs) / wallMs).toFixed(0)} % of one core); ` +
        `${hubCpuMs === undefined ? '' : `hub process ${(hubCpuMs / events).toFixed(2)} ms per event; `}clients ${(clientCpuMs / events).toFixed(2)} ms per event`,
    );
    const workAfter = await work();
    const perEvent = [...workAfter]
      .map(([key, value]) => [key, (value - (workBefore.get(key) ?? 0)) / events] as const)
      .filter(([, value]) => value > 0)
      .sort((a, b) => b[1] - a[1])
      .map(([key, value]) => `${key} ${value.toFixed(2)}`);
    workLines.push(`${rate} events/s, per event: ${perEvent.join(', ')}`);
    const after = memory();
    memoryLines.push(
      `after ${rate} events/s: rss ${mib(after.rss)} MiB, heap ${mib(after.heapUsed)} MiB (after GC); ${gateway.live!.subscriberCount} subscribers registered; ` +
        `${endedIn.reduce((sum, one) => sum + one, 0)} subscriptions ended at the clients`,
    );
    for (const audience of ['worker', 'manager'] as const) {
      if (expectedBy[audience] === 0) continue;
      const timed = receipts
        .filter((receipt) => receipt[2] === audience)
        .map(([id, at]) => {
          const sent = (published.get(id) ?? []).filter((time) => time <= at);
          return sent.length ? { second: Math.floor((sent[sent.length - 1] - started) / 1000), latency: at - sent[sent.length - 1] } : null;
        })
        .filter((one): one is { second: number; latency: number } => one !== null);
      const latencies = timed.map((one) => one.latency).sort((a, b) => a - b);
      const bySecond = new Map<number, number[]>();
      for (const one of timed) bySecond.set(one.second, [...(bySecond.get(one.second) ?? []), one.latency]);
      secondLines.push(
        `${rate} events/s, ${audience}s, p99 ms by second published: ` +
          [...bySecond.entries()].sort((a, b) => a[0] - b[0]).map(([, values]) => quantile(values, 0.99).toFixed(0)).join(' '),
      );
      const at = (q: number) => (latencies.length ? quantile(latencies, q).toFixed(0) : '-');
      const max = latencies.length ? latencies[latencies.length - 1].toFixed(0) : '-';
      process.stdout.write(
        `| ${rate} | ${audience}s | ${seconds} | ${events} | ${expectedBy[audience]} | ${latencies.length} | ${drained.toFixed(1)} | ${at(0.5)} | ${at(0.99)} | ${max} |\n`,
      );
    }
  }

  process.stdout.write(`\n${workLines.join('\n')}\n${cpuLines.join('\n')}\n${secondLines.join('\n')}\n${memoryLines.join('\n')}\n`);
  for (const child of children) child.kill();
  await gateway.stop();
  await bus.close();
  await hub?.stop();
  hubProcess?.disconnect();
}

/** The `q` quantile of `values` (nearest rank). */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
