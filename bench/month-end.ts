/**
 * Month-end at full volume (issue 20, goals 3 and 4): does finance's invoice run or a BI pull slow down a worker
 * logging time? Two phases on one hub, in one run:
 * 1. alone: (a) workers log time through the gateway at a steady rate, and submit it every few entries;
 * 2. month-end: the same (a), while (b) finance drafts every contract's invoice (`draftInvoices`, one call, everything
 *    unbilled up to the end of last month) and issues the drafts a few at a time, and (c) a BI client pulls a year of
 *    `utilization` by day and then the time-entry export. (a) runs until (b) and (c) are done (at least `--seconds`).
 * Prints (a)'s p50/p99 and failures in both phases, their ratio, and what (b) and (c) did; and what the requests
 * waited for: the event loop's delay per phase, its stalls over 100 ms in the month-end phase, the process's CPU, and
 * the largest CPU spent between two 10 ms ticks (the longest work nothing could interrupt, which a loaded machine
 * does not inflate as it inflates wall time). Goal: p99 of logging at most 2× alone, nothing failing.
 *
 *   npm run bench:month-end -- --scale 1                                  # PGlite in memory
 *   createdb -h 127.0.0.1 -U postgres monthend
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/monthend npm run bench:month-end -- --scale 5
 *
 * Options: --scale N (seed size of an empty database; default 1), --workers N (loggers; default 20), --rate N
 * (entries per worker per second; default 0.25), --seconds N (length of the alone phase, least length of the
 * month-end one; default 20), --submit-every N (default 3), --concurrency N (issues in flight; default 4), --group
 * DIMENSION (utilization's groupBy; default WORKER), --format csv|jsonl (the export's; default csv), --jobs b,c (which
 * month-end workloads run beside (a): `b` alone or `c` alone tells which one slows it).
 * The run drafts and issues invoices: re-run on a fresh database (a second run finds nothing left to draft).
 * ANALYTICS_LANE=true runs the hub with the gateway's analytics lane (gateway/analytics-lane.ts; off by default): the same tree,
 * lane on and off, is the cleanest same-run comparison. With the lane, the process's CPU includes its worker thread's;
 * the CPU between ticks is the main thread's own (Linux: /proc schedstat), what the loop that serves (a) spent.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { signBearerToken } from '../lib/auth/jwt.ts';
import { isoDate } from '../lib/clock.ts';
import { planDemoFirm } from '../lib/seed/plan.ts';
import { startBenchHub } from './bench-hub.ts';
import { readExport } from './export-read.ts';
import { draftAllInvoices, issueAll, lastMonthEnd } from './invoice-steps.ts';
import { lastTwelveMonths, utilizationQuery } from './kpi-questions.ts';
import { LatencySamples } from './latency.ts';
import { steadyLogging } from './steady-logging.ts';
import { submittersToday } from './submitters.ts';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    workers: { type: 'string', default: '20' },
    rate: { type: 'string', default: '0.25' },
    seconds: { type: 'string', default: '20' },
    'submit-every': { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '4' },
    group: { type: 'string', default: 'WORKER' },
    format: { type: 'string', default: 'csv' },
    jobs: { type: 'string', default: 'b,c' },
  },
});
const loadAtStart = loadavg().map((value) => value.toFixed(2)).join(', ');
const scale = Number(values.scale);
const seconds = Number(values.seconds);
const { hub, graph, call, jwtSecret, databaseLabel } = await startBenchHub({ scale });
const lane = hub.gateway.analyticsLane;
// Measured once its worker serves: until then the lane's requests run on the main lane.
if (lane && !(await lane.ready())) throw new Error('the analytics lane did not start');
const today = isoDate(new Date());
const submitters = submittersToday(planDemoFirm({ scale, today }), today, Number(values.workers));
const runLabel = `month-end-${Date.now()}`;
const logging = (phase: string) =>
  steadyLogging({
    call: graph,
    submitters,
    date: today,
    perWorkerPerSecond: Number(values.rate),
    submitEvery: Number(values['submit-every']),
    label: `${runLabel}-${phase}`,
  });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One timed batch job: its seconds, what it did, or why it failed. */
interface JobResult {
  name: string;
  /** Seconds into the month-end phase it started. */
  startedAt: number;
  seconds: number;
  outcome: string;
  failed: boolean;
}
async function job(name: string, work: () => Promise<string>): Promise<JobResult> {
  const started = performance.now();
  const startedAt = (started - monthEndStarted) / 1000;
  try {
    const outcome = await work();
    return { name, startedAt, seconds: (performance.now() - started) / 1000, outcome, failed: false };
  } catch (error) {
    return { name, startedAt, seconds: (performance.now() - started) / 1000, outcome: `FAILED: ${(error as Error).message.slice(0, 200)}`, failed: true };
  }
}

// Warm-up (not measured): connections, plans and caches, so "alone" is not a cold start.
const warmUp = logging('warm-up');
await sleep(2_000);
await warmUp.stop();

const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;
/** The main thread's CPU in ms (its scheduler statistics, in ns), where Linux has them; else the process's. */
const mainThreadSchedstat = `/proc/${process.pid}/task/${process.pid}/schedstat`;
const mainThreadCpuMs = (() => {
  try {
    readFileSync(mainThreadSchedstat, 'utf8');
    return () => Number(readFileSync(mainThreadSchedstat, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return () => cpuMs(process.cpuUsage());
  }
})();
const loopDelay = () => {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  return () => (histogram.disable(), { p50: histogram.percentile(50) / 1e6, p99: histogram.percentile(99) / 1e6, max: histogram.max / 1e6 });
};
// Stalls: turns of the event loop longer than 100 ms, when they started (ms into the phase) and how long they were;
// and the CPU time the process spent between two ticks, which a loaded machine does not inflate as it does wall time
// (the process is off the CPU for part of a stall): the longest stretches of work that nothing could interrupt.
const stalls = (phaseStart: number) => {
  const found: string[] = [];
  const cpuBetweenTicks: { ms: number; at: number }[] = [];
  let last = performance.now();
  let lastCpu = mainThreadCpuMs();
  const timer = setInterval(() => {
    const now = performance.now();
    const cpu = mainThreadCpuMs();
    if (now - last > 110) found.push(`${(last - phaseStart).toFixed(0)}+${(now - last - 10).toFixed(0)}`);
    cpuBetweenTicks.push({ ms: cpu - lastCpu, at: last - phaseStart });
    last = now;
    lastCpu = cpu;
  }, 10);
  return () => (clearInterval(timer), { found, longestCpu: cpuBetweenTicks.sort((a, b) => b.ms - a.ms).slice(0, 5) });
};
const aloneDelay = loopDelay();
const aloneCpu = process.cpuUsage();
const alone = logging('alone');
await sleep(seconds * 1000);
const aloneResult = await alone.stop();
const aloneLoop = aloneDelay();
const aloneCpuMs = cpuMs(process.cpuUsage(aloneCpu));

const periodEnd = lastMonthEnd();
const { from, to } = lastTwelveMonths();
const token = await signBearerToken({ workerId: null, roles: ['FINANCE'] }, jwtSecret);
const busyDelay = loopDelay();
const busyCpu = process.cpuUsage();
const busyMainCpu = mainThreadCpuMs();
const laneAnsweredBefore = lane?.answered ?? 0;
const busy = logging('month-end');
const monthEndStarted = performance.now();
const busyStalls = stalls(monthEndStarted);
const jobs: JobResult[] = [];
const chosen = new Set(values.jobs!.split(','));
await Promise.all([
  chosen.has('b') && (async () => {
    let invoices: Awaited<ReturnType<typeof draftAllInvoices>> = [];
    jobs.push(
      await job('(b) draftInvoices, every contract', async () => {
        invoices = await draftAllInvoices(call, periodEnd, `${runLabel}-draft`);
        return `${invoices.length} invoices, ${invoices.reduce((sum, invoice) => sum + invoice.lines.length, 0)} lines`;
      }),
    );
    jobs.push(await job(`(b) issue, ${values.concurrency} at a time`, async () => (await issueAll(call, invoices, Number(values.concurrency)), `${invoices.length} issued`)));
  })(),
  chosen.has('c') && (async () => {
    jobs.push(
      await job(`(c) utilization by ${values.group}, DAY, ${from} … ${to}`, async () => `${(await call(utilizationQuery(values.group!, 'DAY'), { from, to })).rows.length} rows`),
    );
    jobs.push(await job(`(c) export time-entries.${values.format}`, async () => `${(await readExport(hub.url, token, values.format!)).rows} rows`));
  })(),
]);
const jobsSeconds = (performance.now() - monthEndStarted) / 1000;
await sleep(Math.max(0, seconds * 1000 - (performance.now() - monthEndStarted)));
const busyResult = await busy.stop();
const busyLoop = busyDelay();
const busyCpuMs = cpuMs(process.cpuUsage(busyCpu));
const busyMainCpuMs = mainThreadCpuMs() - busyMainCpu;
const busyStallList = busyStalls();
const load = loadavg().map((value) => value.toFixed(2)).join(', ');

const ms = (value: number) => (Number.isNaN(value) ? '–' : value.toFixed(0));
const ratioOf = (loaded: LatencySamples, quiet: LatencySamples) => {
  const ratio = loaded.percentile(99) / quiet.percentile(99);
  return Number.isNaN(ratio) ? '–' : `${ratio.toFixed(2)}×`;
};
const row = (name: string, quiet: LatencySamples, loaded: LatencySamples) =>
  `| ${name} | ${quiet.count} | ${ms(quiet.percentile(50))} | ${ms(quiet.percentile(99))} | ${quiet.failures} | ${loaded.count} | ${ms(loaded.percentile(50))} | ${ms(loaded.percentile(99))} | ${loaded.failures} | ${ratioOf(loaded, quiet)} |`;
console.log(`database: ${databaseLabel}; scale ${scale}; ${submitters.length} workers × ${values.rate} entries/s, submitting every ${values['submit-every']}; period end ${periodEnd}`);
console.log(`load average (1, 5, 15 min) at the start: ${loadAtStart}; at the end: ${load}`);
console.log(`analytics lane: ${lane ? `on (${lane.answered - laneAnsweredBefore} requests answered in the month-end phase)` : 'off'}`);
console.log('');
console.log('| (a) request | alone: answered | p50 ms | p99 ms | failed | month-end: answered | p50 ms | p99 ms | failed | p99 month-end ÷ alone |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
console.log(row('logTimeEntry', aloneResult.log, busyResult.log));
console.log(row(`submitTimeEntries (${values['submit-every']})`, aloneResult.submit, busyResult.submit));
console.log('');
console.log(`event-loop delay (ms, p50 / p99 / max): alone ${[aloneLoop.p50, aloneLoop.p99, aloneLoop.max].map(ms).join(' / ')}; month-end ${[busyLoop.p50, busyLoop.p99, busyLoop.max].map(ms).join(' / ')}`);
console.log(`CPU of this process (ms): alone ${aloneCpuMs.toFixed(0)} (${(aloneCpuMs / Math.max(1, aloneResult.log.count + aloneResult.submit.count)).toFixed(1)} per request); month-end ${busyCpuMs.toFixed(0)}, of it the main thread ${busyMainCpuMs.toFixed(0)}`);
console.log(`stalls over 100 ms in month-end (start+length ms): ${busyStallList.found.join(' ') || 'none'}`);
console.log(`longest CPU of the main thread between two ticks in month-end (ms, at ms into the phase): ${busyStallList.longestCpu.map(({ ms: cpu, at }) => `${ms(cpu)} at ${ms(at)}`).join(', ')}`);
console.log('');
console.log(`| month-end job (concurrent with (a), ${jobsSeconds.toFixed(1)} s in all) | started at s | seconds | result |`);
console.log('|---|---|---|---|');
for (const result of jobs) console.log(`| ${result.name} | ${result.startedAt.toFixed(1)} | ${result.seconds.toFixed(1)} | ${result.outcome} |`);
const failures = [aloneResult.log, aloneResult.submit, busyResult.log, busyResult.submit].reduce((sum, samples) => sum + samples.failures, 0) + jobs.filter((result) => result.failed).length;
const ratio = busyResult.log.percentile(99) / aloneResult.log.percentile(99);
for (const samples of [busyResult.log, busyResult.submit]) if (samples.firstFailure) console.log(`first failure: ${samples.firstFailure.slice(0, 300)}`);
console.log(`\ngoal (p99 of logging ≤ 2× alone, nothing failing): ${ratio <= 2 && failures === 0 ? 'met' : 'NOT met'} (${ratio.toFixed(2)}×, ${failures} failures)`);
await hub.stop();
