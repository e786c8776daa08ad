/**
 * Validated time entries per second in a Friday-afternoon spike, through the gateway, in three phases:
 * 1. log: workers each log their week as one batch (`logTimeEntries`), every entry checked against psa, hcm and crm;
 * 2. submit: the same workers submit those entries at once (`submitTimeEntries`), each re-validated on current data;
 * 3. approve: their managers approve them at once (`approveTimeEntries`), rates re-checked, events written;
 * 4. posted: from the first approval until erp's posting consumer has posted every approved entry (cost posting and
 *    billing event, the FX rate captured), facts read through the gateway: the approvals' end-to-end throughput; and
 *    from the last approval's answer until then: how far postings trail a spike;
 * 5. heard: from the last approval's answer until a FINANCE subscriber of `billingEventCreated` (graphql-ws, opened
 *    before the approvals) has heard of every billing event erp wrote for them: how far the live feed trails.
 * Each row also says the process's CPU (user + system, every server and the bus client; not PostgreSQL's or Redis's)
 * per entry since the phase began: comparable on a loaded machine, where seconds are not.
 *
 *   npm run bench:capture                                   # PGlite in memory
 *   DATABASE_URL=postgres://… npm run bench:capture          # PostgreSQL (schemas crm, hcm, … of that database)
 *   REDIS_URL=redis://… EVENT_STREAM=… npm run bench:capture # Redis Streams instead of the in-process bus
 *
 * The hub takes the process's settings (lib/config.ts), e.g. SUBGRAPH_TIMEOUT_MS=60000 on a loaded machine, where a
 * 400-entry submit can take longer than the default 10 s.
 *
 * Options: --workers N (concurrent submitters, default 20), --entries N (per batch, default 50), --without-subscriber
 * (no billing subscriber: its live feed resolves every billing event through the graph, work the spike then shares),
 * --profile FILE (a CPU profile of the process from the approve phase until erp has posted, for Chrome DevTools).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { isoDate } from '../lib/clock.ts';
import { loadConfig } from '../lib/config.ts';
import { createBus } from '../lib/events/create-bus.ts';
import { createLogger } from '../lib/logger.ts';
import { planDemoFirm } from '../lib/seed/plan.ts';
import { startHub } from '../gateway/hub.ts';
import { signBearerToken } from '../lib/auth/jwt.ts';
import { liveClient } from '../test/support/live-client.ts';
import { graphCaller } from './graph-call.ts';
import { submittersToday, type Submitter } from './submitters.ts';

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '20' },
    entries: { type: 'string', default: '50' },
    'without-subscriber': { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
});
const jwtSecret = randomBytes(16).toString('hex');
const logger = createLogger({}, 'error');
const eventStream = process.env.EVENT_STREAM || `psgraph:bench:capture:${randomBytes(4).toString('hex')}`;
const hub = await startHub({
  database: process.env.DATABASE_URL ? { kind: 'postgres', url: process.env.DATABASE_URL } : { kind: 'pglite' },
  jwtSecret,
  identitySecret: randomBytes(16).toString('hex'),
  port: 0,
  seed: { scale: 1 },
  bus: createBus({ redisUrl: process.env.REDIS_URL, eventStream }, logger),
  config: loadConfig(),
  logger,
  maskErrors: true,
});

const today = isoDate(new Date());
const firm = planDemoFirm({ scale: 1, today });
const submitters = submittersToday(firm, today, Number(values.workers));

const call = graphCaller(hub.url, jwtSecret);

/** The entries each worker logged in the first phase, submitted and approved by id in the next two. */
const logged = new Map<string, string[]>();

async function logWeek(submitter: Submitter): Promise<number> {
  const inputs = Array.from({ length: Number(values.entries) }, (_, index) => ({
    projectId: submitter.assignment.projectId,
    taskId: submitter.taskId,
    date: today,
    hours: '0.01',
    notes: `spike ${index}`,
  }));
  const data = await call(submitter.worker, `mutation($inputs: [LogTimeEntryInput!]!) {
    logTimeEntries(inputs: $inputs) { entry { id } error { code message } } }`, { inputs });
  const failed = data.logTimeEntries.filter((result: { error: unknown }) => result.error);
  if (failed.length) throw new Error(`rejected: ${JSON.stringify(failed[0])}`);
  logged.set(submitter.assignment.workerId, data.logTimeEntries.map((result: { entry: { id: string } }) => result.entry.id));
  return inputs.length;
}

async function submitWeek(submitter: Submitter): Promise<number> {
  const ids = logged.get(submitter.assignment.workerId)!;
  await call(submitter.worker, `mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id } }`, { ids });
  return ids.length;
}

async function approveWeek(submitter: Submitter): Promise<number> {
  const ids = logged.get(submitter.assignment.workerId)!;
  await call(submitter.approver, `mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { id } }`, { ids });
  return ids.length;
}

/**
 * Runs one phase for every submitter at once: entries per second and statements per request in each subgraph. With
 * `after`, a second row times the phase and `after` together (from the phase's start), with statements per entry.
 */
async function phase(name: string, run: (submitter: Submitter) => Promise<number>, after?: { name: string; run: () => Promise<void> }) {
  for (const { database } of Object.values(hub.subgraphs)) database.statements.reset();
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  const counts = await Promise.all(submitters.map(run));
  const finished = performance.now();
  const entries = counts.reduce((a, b) => a + b, 0);
  const row = (label: string, divisor: number, unit: string, since = started) => {
    const seconds = (performance.now() - since) / 1000;
    const statements = Object.fromEntries(Object.entries(hub.subgraphs).map(([subgraph, { database }]) => [subgraph, database.statements.total]));
    const per = ['crm', 'hcm', 'psa', 'time', 'erp'].map((subgraph) => (statements[subgraph] / divisor).toFixed(1)).join(', ');
    const cpu = process.cpuUsage(cpuAtStart);
    const cpuMsPerEntry = (cpu.user + cpu.system) / 1000 / entries;
    console.log(`| ${label} | ${entries} | ${seconds.toFixed(2)} | ${(entries / seconds).toFixed(0)} | ${per}${unit} | ${cpuMsPerEntry.toFixed(2)} |`);
  };
  row(name, submitters.length, '');
  if (!after) return;
  await after.run();
  row(after.name, entries, ' per entry (phase and consumers)');
  // How far the consumers trail the spike: from the phase's last answer until they are done.
  row(`last ${name} → ${after.name.split(' → ')[1]}`, entries, ' per entry (phase and consumers)', finished);
  if (!billingFeed) return;
  await billingFeed.heardAll();
  row(`last ${name} → billing events heard live`, entries, ' per entry (phase, consumers and feed)', finished);
}

/**
 * A FINANCE subscriber of `billingEventCreated`, listening from before the approvals: `heardAll` resolves once it has
 * heard of every billing event erp wrote for the approved entries (a T&M contract's; others bill otherwise).
 */
async function billingSubscriber() {
  const token = await signBearerToken({ workerId: null, roles: ['FINANCE'] }, jwtSecret);
  const client = liveClient(hub.url, token, { lazy: false });
  await new Promise<void>((resolve, reject) => {
    client.on('connected', () => resolve());
    client.on('error', reject);
  });
  const heard = new Set<string>();
  /** The billing events written for the approved entries that the subscriber has not heard of yet. */
  let unheard: Set<string> | null = null;
  let heardEvery = () => undefined as void;
  client.subscribe({ query: 'subscription { billingEventCreated { id status } }' }, {
    next: (result) => {
      if (result.errors) throw new Error(JSON.stringify(result.errors[0]));
      const id: string = (result.data as any).billingEventCreated.id;
      heard.add(id);
      if (unheard?.delete(id) && unheard.size === 0) heardEvery();
    },
    error: (error) => console.error('billing subscriber failed', error),
    complete: () => undefined,
  });
  // graphql-ws says nothing when the gateway has subscribed (on its next turn): half a second is plenty.
  await new Promise((resolve) => setTimeout(resolve, 500));
  return {
    async heardAll() {
      const ids = [...logged.values()].flat();
      const written = await hub.subgraphs.erp.database.db.selectFrom('billing_event').select('id').where('source_id', 'in', ids).execute();
      unheard = new Set(written.map(({ id }) => id).filter((id) => !heard.has(id)));
      if (unheard.size === 0) return;
      await new Promise<void>((resolve, reject) => {
        const timeout = setTimeout(() => reject(new Error(`the subscriber has not heard of ${unheard!.size} of ${written.length} billing events`)), 120_000);
        heardEvery = () => {
          clearTimeout(timeout);
          resolve();
        };
      });
    },
    close: () => client.dispose(),
  };
}

/**
 * Waits until the bus and erp's consumer are done, and checks erp has a cost posting for every approved entry (and,
 * on a T&M contract, a billing event; fixed-fee and recurring contracts count the hours instead).
 */
async function postedByErp() {
  await hub.settle();
  const ids = [...logged.values()].flat();
  const erp = hub.subgraphs.erp.database.db;
  const posted = await erp.selectFrom('cost_posting').select((eb) => eb.fn.countAll<number>().as('n')).where('source_id', 'in', ids).where('reversal_of', 'is', null).executeTakeFirstOrThrow();
  if (Number(posted.n) !== ids.length) throw new Error(`erp posted ${posted.n} of ${ids.length} approved entries`);
}

const busName = process.env.REDIS_URL ? `Redis stream ${eventStream}` : 'in-process bus';
console.log(`database: ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite (in memory)'}, ${busName}; ${submitters.length} workers at once, ${values.entries} entries each`);
console.log(`| phase | entries | seconds | validated entries/s | SQL statements per request (crm, hcm, psa, time, erp) | CPU ms per entry |`);
console.log(`|---|---|---|---|---|---|`);
const billingFeed = values['without-subscriber'] ? null : await billingSubscriber();
await phase('log', logWeek);
await phase('submit', submitWeek);
const profiler = values.profile ? new Session() : null;
if (profiler) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.setSamplingInterval', { interval: 500 });
  await profiler.post('Profiler.start');
}
await phase('approve', approveWeek, { name: 'approve → posted by erp', run: postedByErp });
if (profiler) {
  const { profile } = await profiler.post('Profiler.stop');
  writeFileSync(values.profile!, JSON.stringify(profile));
  profiler.disconnect();
}
await billingFeed?.close();
await hub.stop();
