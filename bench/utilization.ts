/**
 * Utilization for the whole firm over 12 months through the gateway (issue 6 §7): 1,000 workers at `--scale 25`,
 * by WORKER and MONTH and by COST_CENTER and MONTH, plus timesheet compliance by COST_CENTER and MONTH. Reports the
 * wall time of each question (the first run cold, then the best of the next `--runs`) and the SQL statements each
 * subgraph ran for one answer.
 *
 *   createdb -h 127.0.0.1 -U postgres -T bench25 bench_kpitime
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_kpitime npm run bench:utilization -- --scale 25
 *
 * Options: --scale N (seed size of an empty database; default 1), --runs N (timed runs after the first; default 3).
 * The range is the 12 calendar months before the current one. Reads only: the data is left as it was.
 */
import { parseArgs } from 'node:util';
import { startBenchHub } from './bench-hub.ts';
import { lastTwelveMonths, utilizationQuery } from './kpi-questions.ts';

const { values } = parseArgs({ options: { scale: { type: 'string', default: '1' }, runs: { type: 'string', default: '3' } } });
const { hub, call, statements, resetStatements: reset, databaseLabel } = await startBenchHub({ scale: Number(values.scale) });
const { from, to } = lastTwelveMonths();
const compliance = `query($from: Date!, $to: Date!) {
  rows: timesheetCompliance(from: $from, to: $to, groupBy: [COST_CENTER], period: MONTH) { costCenter { id } periodStart expectedWeeks submittedWeeks complianceRate }
}`;
const questions: Array<[string, string]> = [
  ['utilization by WORKER, MONTH', utilizationQuery('WORKER', 'MONTH')],
  ['utilization by COST_CENTER, MONTH', utilizationQuery('COST_CENTER', 'MONTH')],
  ['timesheet compliance by COST_CENTER, MONTH', compliance],
];

const { workers } = await call(`{ workers(first: 1) { totalCount } }`, {});
const lines: string[] = [];
for (const [name, query] of questions) {
  reset();
  let started = performance.now();
  const first = await call(query, { from, to });
  const cold = (performance.now() - started) / 1000;
  const counts = statements();
  let best = Infinity;
  for (let run = 0; run < Number(values.runs); run++) {
    started = performance.now();
    await call(query, { from, to });
    best = Math.min(best, (performance.now() - started) / 1000);
  }
  lines.push(`| ${name} | ${first.rows.length} | ${cold.toFixed(2)} | ${best.toFixed(2)} | ${counts} |`);
}
const peakRss = process.resourceUsage().maxRSS / 1024;
console.log(`database: ${databaseLabel}; scale ${values.scale}; ${workers.totalCount} workers; ${from} … ${to}`);
console.log(`| question | rows | first run (s) | best of ${values.runs} (s) | SQL statements (crm, hcm, psa, time, erp) |`);
console.log(`|---|---|---|---|---|`);
for (const line of lines) console.log(line);
console.log(`peak RSS of the process (hub and gateway included): ${peakRss.toFixed(0)} MiB`);
await hub.stop();
