/**
 * Live subscriptions on one gateway process: memory per graphql-ws connection, and latency from an event's publish on
 * the bus to its delivery at the subscriber, at fixed event rates.
 *
 *   npm run bench:subscriptions                                            # PGlite in memory, in-process bus
 *   npm run bench:subscriptions -- --connections 10000
 *   DATABASE_URL=postgres://… REDIS_URL=redis://… npm run bench:subscriptions   # PostgreSQL + Redis Streams
 *
 * Options: --connections N (default 1000), --rates 100,1000 (events/s), --seconds N (per rate, default 10).
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
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { signBearerToken } from '../lib/auth/jwt.ts';
import type { EventBus } from '../lib/events/bus.ts';
import { createEvent } from '../lib/events/envelope.ts';
import { InProcessBus } from '../lib/events/in-process-bus.ts';
import { RedisBus } from '../lib/events/redis-bus.ts';
import { createLogger } from '../lib/logger.ts';
import { createAuthenticator, verifiersFor } from '../gateway/authentication/index.ts';
import { startHub } from '../gateway/hub.ts';
import { createGateway } from '../gateway/server.ts';
import { supergraphSdl } from '../gateway/supergraph.ts';
import { timeTopics, type TimeEntryApproved } from '../subgraphs/time/events.ts';

const now = () => performance.timeOrigin + performance.now();

/** Messages between the benchmark and its client process. */
type ToClients = { kind: 'open'; url: string; subscribers: { token: string; workerId: string }[] } | { kind: 'count' } | { kind: 'report' };
type FromClients =
  | { kind: 'opened'; failed: number; ms: number }
  | { kind: 'counted'; received: number }
  | { kind: 'received'; receipts: [id: string, at: number][] };

const query = `subscription($w: ID!) { timeEntryStatusChanged(filter: { workerId: $w }) { id status hours project { code } } }`;

if (process.env.BENCH_SUBSCRIPTION_CLIENTS) {
  await runClients();
} else {
  await runBenchmark();
}

/** The client process: opens the connections it is told to, records when each result arrives. */
async function runClients() {
  let receipts: [string, number][] = [];
  process.on('message', async (message: ToClients) => {
    if (message.kind === 'count') {
      process.send!({ kind: 'counted', received: receipts.length } satisfies FromClients);
      return;
    }
    if (message.kind === 'report') {
      process.send!({ kind: 'received', receipts } satisfies FromClients);
      receipts = [];
      return;
    }
    const started = now();
    let failed = 0;
    const queue = [...message.subscribers];
    const openOne = async ({ token, workerId }: { token: string; workerId: string }) => {
      const client = createClient({ url: message.url, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: false, onNonLazyError: () => undefined });
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
        { query, variables: { w: workerId } },
        {
          next: (result) => {
            const id = (result.data as any)?.timeEntryStatusChanged?.id;
            if (id) receipts.push([id, now()]);
          },
          error: () => void failed++,
          complete: () => undefined,
        },
      );
    };
    // 100 handshakes at a time.
    await Promise.all(Array.from({ length: 100 }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await openOne(next);
    }));
    process.send!({ kind: 'opened', failed, ms: Math.round(now() - started) } satisfies FromClients);
  });
}

async function runBenchmark() {
  const { values } = parseArgs({
    options: {
      connections: { type: 'string', default: '1000' },
      rates: { type: 'string', default: '100,1000' },
      seconds: { type: 'string', default: '10' },
    },
  });
  const connections = Number(values.connections);
  const rates = values.rates!.split(',').map(Number);
  const seconds = Number(values.seconds);
  const logger = createLogger({}, 'error');
  const jwtSecret = randomBytes(16).toString('hex');
  const identitySecret = randomBytes(16).toString('hex');
  const databaseUrl = process.env.DATABASE_URL;
  const redisUrl = process.env.REDIS_URL;

  const hub = await startHub({
    database: databaseUrl ? { kind: 'postgres', url: databaseUrl } : { kind: 'pglite' },
    jwtSecret,
    identitySecret,
    port: 0,
    seed: { scale: 1 },
    logger,
    maskErrors: true,
  });
  const bus: EventBus = redisUrl ? new RedisBus({ url: redisUrl, stream: `psgraph:bench:${randomBytes(4).toString('hex')}`, logger }) : new InProcessBus(logger);
  const gateway = createGateway({
    supergraphSdl: supergraphSdl(),
    subgraphUrls: Object.fromEntries(Object.entries(hub.subgraphs).map(([name, entry]) => [name, entry.url])),
    authenticator: createAuthenticator(verifiersFor({ jwtSecret }, { hcmUrl: hub.subgraphs.hcm.url, identitySecret, logger })),
    identitySecret,
    logger,
    maskErrors: true,
    bus,
    subscriptions: { group: 'bench.live', maxConnectionsPerIdentity: connections, maxQueued: 100_000 },
  });
  const url = (await gateway.listen(0)).replace(/^http/, 'ws');

  // Existing approved entries, by worker: the synthetic events' subjects.
  const rows = await hub.subgraphs.time.database.db
    .selectFrom('time_entry')
    .select(['id', 'version', 'worker_id', 'project_id', 'task_id', 'role_id', 'assignment_id', 'date', 'hours', 'billable'])
    .where('status', '=', 'APPROVED')
    .orderBy('id')
    .limit(20_000)
    .execute();
  const workers = [...new Set(rows.map((row) => row.worker_id as string))];
  const subscribers = await Promise.all(
    Array.from({ length: connections }, async (_, index) => {
      const workerId = workers[index % workers.length];
      return { workerId, token: await signBearerToken({ workerId, roles: ['WORKER'] }, jwtSecret) };
    }),
  );
  const subscribersOf = new Map<string, number>();
  for (const { workerId } of subscribers) subscribersOf.set(workerId, (subscribersOf.get(workerId) ?? 0) + 1);

  const gc = (globalThis as { gc?: () => void }).gc;
  const memory = () => {
    gc?.();
    gc?.();
    const { rss, heapUsed, external } = process.memoryUsage();
    return { rss, heapUsed, external };
  };
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

  const child = fork(new URL(import.meta.url).pathname, [], { env: { ...process.env, BENCH_SUBSCRIPTION_CLIENTS: '1' }, execArgv: ['--import', 'tsx'] });
  const reply = <K extends FromClients['kind']>(kind: K) =>
    new Promise<Extract<FromClients, { kind: K }>>((resolve) => {
      const listen = (message: FromClients) => {
        if (message.kind !== kind) return;
        child.off('message', listen);
        resolve(message as Extract<FromClients, { kind: K }>);
      };
      child.on('message', listen);
    });

  const before = memory();
  child.send({ kind: 'open', url, subscribers } satisfies ToClients);
  const opened = await reply('opened');
  const deadline = Date.now() + 60_000;
  while (gateway.live!.subscriberCount < connections - opened.failed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  const withConnections = memory();
  const perConnection = (key: keyof typeof before) => ((withConnections[key] - before[key]) / connections / 1024).toFixed(1);
  process.stdout.write(
    [
      `store: ${databaseUrl ? 'PostgreSQL' : 'PGlite in memory'}; bus: ${redisUrl ? 'Redis Streams' : 'in-process'}; ${workers.length} workers, ${rows.length} approved entries`,
      `connections: ${connections} opened in ${opened.ms} ms (${opened.failed} failed); ${gateway.live!.subscriberCount} subscribers registered`,
      `gateway process memory (after GC${gc ? '' : ' — unavailable: run with --expose-gc'}): rss ${mib(before.rss)} → ${mib(withConnections.rss)} MiB, heap ${mib(before.heapUsed)} → ${mib(withConnections.heapUsed)} MiB`,
      `per connection: rss ${perConnection('rss')} KiB, heap ${perConnection('heapUsed')} KiB, external ${perConnection('external')} KiB`,
      '',
      '| events/s | seconds | events | deliveries expected | delivered | drained after (s) | p50 ms | p99 ms | max ms |',
      '|---|---|---|---|---|---|---|---|---|',
      '',
    ].join('\n'),
  );

  let next = 0;
  for (const rate of rates) {
    const published = new Map<string, number[]>();
    let events = 0;
    let expected = 0;
    const started = now();
    // Paced in 10 ms ticks: at each, as many events as the rate asks for by then.
    while (now() - started < seconds * 1000) {
      const due = Math.floor(((now() - started) / 1000) * rate);
      const publishing: Promise<void>[] = [];
      for (; events < due; events++) {
        const row = rows[next++ % rows.length];
        const data: TimeEntryApproved = {
          timeEntryId: row.id, version: row.version, status: 'APPROVED', workerId: row.worker_id, projectId: row.project_id,
          taskId: row.task_id, roleId: row.role_id, assignmentId: row.assignment_id, date: String(row.date), hours: String(row.hours),
          billable: row.billable,
        } as TimeEntryApproved;
        const event = createEvent('time', timeTopics.entryApproved, { typename: 'TimeEntry', id: row.id }, data, { correlationId: randomUUID() }, new Date());
        const times = published.get(row.id) ?? [];
        times.push(now());
        published.set(row.id, times);
        expected += subscribersOf.get(row.worker_id) ?? 0;
        publishing.push(bus.publish(event));
      }
      await Promise.all(publishing);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // Let the backlog out: until everything expected arrived, or nothing more for 3 s, or 30 s (an overloaded gateway).
    const publishedFor = now() - started;
    let last = -1;
    let quietSince = now();
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      child.send({ kind: 'count' } satisfies ToClients);
      const { received } = await reply('counted');
      if (received !== last) quietSince = now();
      last = received;
      if (received >= expected || now() - quietSince > 3000 || now() - started - publishedFor > 30_000) break;
    }
    const drained = (now() - started - publishedFor) / 1000;
    child.send({ kind: 'report' } satisfies ToClients);
    const { receipts } = await reply('received');
    const latencies = receipts
      .map(([id, at]) => {
        const sent = (published.get(id) ?? []).filter((time) => time <= at);
        return sent.length ? at - sent[sent.length - 1] : null;
      })
      .filter((latency): latency is number => latency !== null)
      .sort((a, b) => a - b);
    const at = (q: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(0) : '-');
    process.stdout.write(`| ${rate} | ${seconds} | ${events} | ${expected} | ${latencies.length} | ${drained.toFixed(1)} | ${at(0.5)} | ${at(0.99)} | ${latencies.length ? latencies[latencies.length - 1].toFixed(0) : '-'} |\n`);
  }

  child.kill();
  await gateway.stop();
  await bus.close();
  await hub.stop();
}
