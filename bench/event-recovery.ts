/**
 * How fast approvals reach erp again after Redis comes back empty (issue 13), against the same batch without a fault
 * in the same run. A Redis of the bench's own on a spare port (no persistence), the whole hub in this process on it:
 * 0. warm-up: one batch, not timed;
 * 1. baseline: workers' entries approved at once, timed until erp has posted every one;
 * 2. fault: the same again, and once erp has posted about a third, Redis is restarted empty: timed until postings
 *    resume (the first new cost posting after Redis is back) and until every entry is posted, with the events the
 *    relays replayed for the consumers that asked (their log lines).
 *
 *   npm run bench:recovery                                   # PGlite in memory
 *   DATABASE_URL=postgres://… npm run bench:recovery          # PostgreSQL (schemas crm, hcm, … of that database)
 *
 * Options: --workers N (default 20), --entries N (per worker, default 25).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { isoDate } from '../lib/clock.ts';
import { RedisBus } from '../lib/events/redis-bus.ts';
import { createLogger } from '../lib/logger.ts';
import { planDemoFirm } from '../lib/seed/plan.ts';
import { startHub } from '../gateway/hub.ts';
import { TestRedisServer } from '../test/support/redis-server.ts';
import { graphCaller } from './graph-call.ts';
import { submittersToday } from './submitters.ts';

const { values } = parseArgs({ options: { workers: { type: 'string', default: '20' }, entries: { type: 'string', default: '25' } } });
const redis = await TestRedisServer.start();
const replayed: number[] = [];
const jwtSecret = randomBytes(16).toString('hex');
const hub = await startHub({
  database: process.env.DATABASE_URL ? { kind: 'postgres', url: process.env.DATABASE_URL } : { kind: 'pglite' },
  bus: new RedisBus({ url: redis.url, stream: `bench:recovery:${randomBytes(4).toString('hex')}` }),
  jwtSecret,
  identitySecret: randomBytes(16).toString('hex'),
  port: 0,
  seed: { scale: 1 },
  logger: createLogger({}, 'warn', (line) => {
    const record = JSON.parse(line);
    if (record.message === 'replayed events a consumer missed') replayed.push(record.events);
  }),
  maskErrors: true,
});

const today = isoDate(new Date());
const firm = planDemoFirm({ scale: 1, today });
const submitters = submittersToday(firm, today, Number(values.workers));
const call = graphCaller(hub.url, jwtSecret);
const erp = hub.subgraphs.erp.database.db;

/** Every submitter's entries logged, submitted and approved (by their manager), all workers at once; their ids. */
async function approveBatch(): Promise<string[]> {
  const batches = await Promise.all(
    submitters.map(async ({ assignment, taskId, worker, approver }) => {
      const inputs = Array.from({ length: Number(values.entries) }, () => ({ projectId: assignment.projectId, taskId, date: today, hours: '0.01' }));
      const logged = await call(worker, `mutation($inputs: [LogTimeEntryInput!]!) { logTimeEntries(inputs: $inputs) { entry { id } } }`, { inputs });
      const ids: string[] = logged.logTimeEntries.map((result: { entry: { id: string } }) => result.entry.id);
      await call(worker, `mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id } }`, { ids });
      await call(approver, `mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { id } }`, { ids });
      return ids;
    }),
  );
  return batches.flat();
}

async function posted(ids: string[]): Promise<number> {
  const row = await erp
    .selectFrom('cost_posting')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('source_type', '=', 'TIME_ENTRY')
    .where('source_id', 'in', ids)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function until(check: () => Promise<boolean>) {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
}

const seconds = (from: number) => (performance.now() - from) / 1000;

// Warm-up (JIT, caches, the consumers' first reads), not timed.
const warmUpIds = await approveBatch();
await until(async () => (await posted(warmUpIds)) === warmUpIds.length);
replayed.length = 0;

const baselineIds = await approveBatch();
let started = performance.now();
await until(async () => (await posted(baselineIds)) === baselineIds.length);
const baselineSeconds = seconds(started);

const faultIds = await approveBatch();
started = performance.now();
await until(async () => (await posted(faultIds)) >= faultIds.length / 3);
await redis.stop();
await redis.restart();
const back = performance.now();
const postedWhenBack = await posted(faultIds);
await until(async () => (await posted(faultIds)) > postedWhenBack);
const resumeSeconds = seconds(back);
await until(async () => (await posted(faultIds)) === faultIds.length);
const faultSeconds = seconds(started);

console.log(`| database | entries | no fault: all posted (s) | Redis restarted empty at ${postedWhenBack} posted: all posted (s) | ratio | postings resume after Redis is back (s) | events replayed |`);
console.log('|---|---|---|---|---|---|---|');
console.log(
  `| ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'} | ${faultIds.length} | ${baselineSeconds.toFixed(2)} | ${faultSeconds.toFixed(2)} | ${(faultSeconds / baselineSeconds).toFixed(2)} | ${resumeSeconds.toFixed(2)} | ${replayed.reduce((sum, n) => sum + n, 0)} (${replayed.length} replays) |`,
);
await hub.stop();
await redis.stop();
