/**
 * psgraph's gateway against its peers over the same five subgraph processes and the same supergraph: stock
 * @apollo/gateway (the engine psgraph wraps) and Hive Gateway (as it comes: merging identical in-flight subgraph
 * calls; `--hive-inbound-dedupe` also merges identical client requests, which autocannon's are all). Each gateway
 * is its own process (bench/gateway-process.ts); autocannon, in another, loads them in alternating order round after
 * round, on the deep query (bench/deep-query-text.ts) and a small worker → manager query. Before measuring, the
 * three must return identical JSON. Prints req/s, latency, the ratio to stock, the gateway's CPU per request and the
 * subgraph processes' (read from /proc while that gateway alone is loaded; PostgreSQL's own CPU is not counted).
 *
 *   PG_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:gateways
 *   npm run bench:gateways -- --rounds 5 --duration 10 --connections 10 --scale 1 --gateways psgraph,stock
 *   npm run bench:gateways -- --profile /tmp/profiles   # a CPU profile of every gateway and subgraph process
 *
 * `psgraph-cached` is psgraph's gateway with its entity cache (ENTITY_CACHE=true): the reads repeat, so after the
 * first each is answered from the cache. It needs the subgraphs' events, so with it every process shares a Redis
 * stream of the benchmark's own (REDIS_URL, deleted at the end), the other gateways' subgraphs included:
 *
 *   PG_URL=… REDIS_URL=redis://127.0.0.1:6379 npm run bench:gateways -- --gateways psgraph,psgraph-cached,stock,hive
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { signBearerToken } from '../lib/auth/jwt.ts';
import { subgraphNames } from '../lib/config.ts';
import { planDemoFirm } from '../lib/seed/plan.ts';
import { seedOnce } from '../lib/seed/seed-once.ts';
import { subgraphModules } from '../gateway/subgraphs.ts';
import { deepQuery } from './deep-query-text.ts';
import { autocannon } from './autocannon.ts';
import { freePortRun } from '../test/support/processes.ts';
import { discardTestStream } from '../test/support/redis-streams.ts';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    // psgraph-nodedupe: psgraph's gateway with SUBGRAPH_DEDUPE=false, to tell what the merging adds from the rest.
    gateways: { type: 'string', default: 'psgraph,psgraph-nodedupe,stock,hive' },
    // Hive's merging of identical client requests (off by default there): autocannon sends nothing but identical ones.
    'hive-inbound-dedupe': { type: 'boolean', default: false },
    // CPU profiles of each gateway and subgraph process (node --cpu-prof), written under this directory when the
    // benchmark ends.
    profile: { type: 'string' },
  },
});
const pgUrl = process.env.PG_URL ?? process.env.DATABASE_URL;
if (!pgUrl) throw new Error('set PG_URL (or DATABASE_URL): the subgraph processes run on PostgreSQL');
const gatewayKinds = values.gateways!.split(',') as Array<'psgraph' | 'psgraph-nodedupe' | 'psgraph-cached' | 'stock' | 'hive'>;
if (!gatewayKinds.includes('stock')) throw new Error('--gateways must include stock: the ratios are to it');
const redisUrl = process.env.REDIS_URL;
if (gatewayKinds.includes('psgraph-cached') && !redisUrl) throw new Error('psgraph-cached needs REDIS_URL: its cache hears the subgraphs\' events');

const suffix = randomBytes(4).toString('hex');
const basePort = await freePortRun(10 + gatewayKinds.length);
const schemaOf = (name: string) => `bench${suffix}_${name}`;
const jwtSecret = `jwt-${suffix}`;
const eventStream = `psgraph:bench:${suffix}`;
const busEnv: Record<string, string> = gatewayKinds.includes('psgraph-cached') ? { REDIS_URL: redisUrl!, EVENT_STREAM: eventStream } : {};
const identitySecret = `identity-${suffix}`;
const subgraphUrl = (index: number) => `http://127.0.0.1:${basePort + 1 + index}/graphql`;
const subgraphEnv = Object.fromEntries(subgraphNames.map((name, index) => [`${name.toUpperCase()}_URL`, subgraphUrl(index)]));
const gatewayPort = (kind: string) => basePort + 10 + gatewayKinds.indexOf(kind as never);
const gatewayUrl = (kind: string) => `http://127.0.0.1:${gatewayPort(kind)}/graphql`;

const today = new Date().toISOString().slice(0, 10);
const firm = planDemoFirm({ scale: Number(values.scale), today });
const managed = firm.workers.find((worker) => worker.managerId !== null);
if (!managed) throw new Error('the demo firm has no worker with a manager');
const queries = [
  { name: 'deep', body: JSON.stringify({ query: deepQuery }) },
  {
    name: 'small',
    body: JSON.stringify({
      query: 'query WorkerManager($id: ID!) { worker(id: $id) { name manager { name } legalEntity { currency } } }',
      variables: { id: managed.id },
    }),
  },
  {
    // Finance's dashboard in the README: approved work not yet invoiced and invoice cycle times, per customer.
    name: 'bi',
    body: JSON.stringify({
      query: `query FinanceDashboard($from: Date!, $to: Date!) {
        unbilledWork(from: $from, to: $to, groupBy: [CUSTOMER], period: MONTH) {
          customer { name } periodStart currency unbilled { hours amount { amount } } held { amount { amount } } oldestDate
        }
        invoiceCycleTime(from: $from, to: $to, groupBy: [CUSTOMER]) { customer { name } invoices approvalToIssue { meanDays medianDays } open { count } }
      }`,
      variables: { from: `${today.slice(0, 4)}-01-01`, to: `${today.slice(0, 4)}-12-31` },
    }),
  },
];

const children: ChildProcess[] = [];
const subgraphProcesses: ChildProcess[] = [];
const tsx = (entry: string, args: string[], env: Record<string, string>, gateway?: string, profiled = gateway) => {
  const ipc = gateway !== undefined;
  // A directory per process: the main thread's profile and tsx's loader thread's each get a file there.
  const profiling = profiled !== undefined && values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}/${profiled}`] : [];
  const child = spawn(process.execPath, [...profiling, '--import', 'tsx', entry, ...args], {
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'error', IDENTITY_SIGNING_SECRET: identitySecret, ...env },
    stdio: ipc ? ['ignore', 'ignore', 'inherit', 'ipc'] : ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  // A process gone mid-run (a crash, or node_modules changed under it) would leave the benchmark waiting for it.
  child.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(`${entry} ${args.join(' ')} exited (${signal ?? code}) during the benchmark`);
    void cleanUp().finally(() => process.exit(1));
  });
  return child;
};

async function waitFor(url: string, init: RequestInit = {}, timeoutMs = 120_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url, init);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`${url} did not become ready in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * The CPU time the subgraph processes have used so far, in ms (user + system, from /proc/<pid>/stat; Linux's clock
 * ticks are 10 ms, fine against the thousands of requests of a run). Only one gateway is loaded at a time, so the
 * difference over its run is what its requests cost the subgraphs.
 */
function subgraphsCpuMs(): number {
  const ticksPerSecond = 100;
  let ticks = 0;
  for (const child of subgraphProcesses) {
    const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime: fields 14 and 15 of proc(5), counted after the name
  }
  return (ticks * 1000) / ticksPerSecond;
}

/** The CPU time a gateway process has used so far, in ms (user + system), asked over its IPC channel. */
function cpuMs(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const answer = (message: { cpu?: NodeJS.CpuUsage }) => {
      if (!message.cpu) return;
      child.off('message', answer);
      resolve((message.cpu.user + message.cpu.system) / 1000);
    };
    child.on('message', answer);
    child.send({ cpu: true });
  });
}

const admin = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: pgUrl, max: 1 }) }) });
let stopping = false;
async function cleanUp() {
  if (stopping) return;
  stopping = true;
  await Promise.all(
    children.filter((child) => child.exitCode === null && child.signalCode === null).map(async (child) => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }),
  );
  for (const name of subgraphNames) await sql`drop schema if exists ${sql.id(schemaOf(name))} cascade`.execute(admin);
  await admin.destroy();
  if (busEnv.REDIS_URL) {
    // The benchmark's own stream and the keys named after it (consumer owners, replay requests); nothing else.
    await discardTestStream(busEnv.REDIS_URL, eventStream);
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanUp().finally(() => process.exit(130)));

try {
  for (const name of subgraphNames) {
    const opened = await subgraphModules[name].openDatabase({ kind: 'postgres', url: pgUrl, poolSize: 2 }, schemaOf(name));
    await seedOnce(subgraphModules[name], opened.db, firm);
    await opened.close();
  }
  subgraphNames.forEach((name, index) =>
    subgraphProcesses.push(tsx(`subgraphs/${name}/main.ts`, [], {
      PORT: String(basePort + 1 + index),
      DATABASE_URL: pgUrl,
      DATABASE_SCHEMA: schemaOf(name),
      GATEWAY_URL: gatewayUrl('psgraph'),
      ...busEnv,
    }, undefined, `subgraph-${name}`)),
  );
  const gateways = new Map<string, ChildProcess>();
  for (const kind of gatewayKinds) {
    gateways.set(
      kind,
      tsx('bench/gateway-process.ts', [kind.startsWith('psgraph') ? 'psgraph' : kind], {
        ...subgraphEnv,
        PORT: String(gatewayPort(kind)),
        JWT_SECRET: jwtSecret,
        // autocannon sends thousands of requests under one token: the rate limits would measure themselves.
        RATE_LIMIT_POINTS_PER_MINUTE: '0',
        BENCH_IDENTITY: JSON.stringify({ workerId: null, roles: ['ADMIN'] }),
        BENCH_HIVE_INBOUND_DEDUPE: values['hive-inbound-dedupe'] ? 'true' : '',
        SUBGRAPH_DEDUPE: kind === 'psgraph-nodedupe' ? 'false' : 'true',
        ...(kind === 'psgraph-cached' ? { ...busEnv, ENTITY_CACHE: 'true', GATEWAY_INSTANCE: `bench-${suffix}` } : {}),
        // As deployed: a line per request (to /dev/null here), so its cost is in the numbers.
        LOG_LEVEL: 'info',
      }, kind),
    );
  }
  const token = await signBearerToken({ workerId: null, roles: ['ADMIN'] }, jwtSecret);
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  // psgraph's readiness waits for the subgraphs too; the peers answer once they listen.
  for (const kind of gatewayKinds) {
    if (kind.startsWith('psgraph')) await waitFor(gatewayUrl(kind).replace('/graphql', '/readyz'));
    else await waitFor(gatewayUrl(kind), { method: 'POST', headers, body: JSON.stringify({ query: '{ __typename }' }) });
  }

  // The same answer from every gateway, or the comparison means nothing.
  for (const query of queries) {
    const answers = new Map<string, string>();
    for (const kind of gatewayKinds) {
      const response = await fetch(gatewayUrl(kind), { method: 'POST', headers, body: query.body });
      const json = (await response.json()) as { errors?: unknown[] };
      assert.equal(json.errors, undefined, `${kind} answered the ${query.name} query with errors: ${JSON.stringify(json.errors)}`);
      answers.set(kind, JSON.stringify(json));
    }
    for (const kind of gatewayKinds) assert.equal(answers.get(kind), answers.get('stock'), `${kind}'s ${query.name} answer differs from stock's`);
    console.error(`${query.name} query: identical answers (${(answers.get('stock')!.length / 1024).toFixed(1)} KiB)`);
  }

  type Sample = { rps: number; p50: number; p99: number; cpuPerRequest: number; subgraphsCpuPerRequest: number; errors: number };
  const samples = new Map<string, Sample[]>();
  const rounds = Number(values.rounds);
  for (let round = 0; round < rounds; round++) {
    // Each round starts with another gateway, so none always runs on a machine warmed (or tired) by the others.
    const order = gatewayKinds.map((_, index) => gatewayKinds[(index + round) % gatewayKinds.length]);
    for (const query of queries) {
      for (const kind of order) {
        const child = gateways.get(kind)!;
        const cpuBefore = await cpuMs(child);
        const subgraphsBefore = subgraphsCpuMs();
        const result = await autocannon({ url: gatewayUrl(kind), headers, body: query.body, durationSeconds: values.duration!, connections: values.connections! });
        const cpuAfter = await cpuMs(child);
        const subgraphsAfter = subgraphsCpuMs();
        const key = `${kind}:${query.name}`;
        const sample = {
          rps: result.requests.average,
          p50: result.latency.p50,
          p99: result.latency.p99,
          cpuPerRequest: (cpuAfter - cpuBefore) / Math.max(1, result.requests.total),
          subgraphsCpuPerRequest: (subgraphsAfter - subgraphsBefore) / Math.max(1, result.requests.total),
          errors: result.errors + result.non2xx,
        };
        samples.set(key, [...(samples.get(key) ?? []), sample]);
        console.error(`round ${round + 1}/${rounds} ${key}: ${sample.rps.toFixed(0)} req/s, ${sample.cpuPerRequest.toFixed(2)} CPU ms/req (subgraphs ${sample.subgraphsCpuPerRequest.toFixed(2)})`);
      }
    }
  }

  const median = (numbers: number[]) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)];
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  console.log(`PostgreSQL, scale ${values.scale}, ${values.connections} connections, ${rounds} rounds of ${values.duration} s per gateway and query\n`);
  console.log('| query | gateway | req/s (median) | vs stock (per round, min–max) | p50 ms | p99 ms | gateway CPU ms/request | subgraphs CPU ms/request | both, vs stock | errors |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const query of queries) {
    const stock = samples.get(`stock:${query.name}`)!;
    for (const kind of gatewayKinds) {
      const runs = samples.get(`${kind}:${query.name}`)!;
      const ratios = runs.map((run, index) => run.rps / stock[index].rps);
      const systemCpu = (run: Sample) => run.cpuPerRequest + run.subgraphsCpuPerRequest;
      const systemRatio = median(runs.map(systemCpu)) / median(stock.map(systemCpu));
      console.log(
        `| ${query.name} | ${kind} | ${median(runs.map((run) => run.rps)).toFixed(0)} | ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}) | ` +
          `${median(runs.map((run) => run.p50))} | ${median(runs.map((run) => run.p99))} | ${median(runs.map((run) => run.cpuPerRequest)).toFixed(2)} | ` +
          `${median(runs.map((run) => run.subgraphsCpuPerRequest)).toFixed(2)} | ${median(runs.map(systemCpu)).toFixed(2)} (${systemRatio.toFixed(2)}) | ${runs.reduce((sum, run) => sum + run.errors, 0)} |`,
      );
    }
  }
} finally {
  await cleanUp();
}
