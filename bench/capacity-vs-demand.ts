/**
 * Resource planning through the gateway (issue 6 §3, §7): capacityVsDemand for the 12 months from the current one,
 * by each grouping, and availability for the role with the most workers over the next four ISO weeks. Reports the
 * wall time of each question (the first run cold, then the best of the next `--runs`), its rows, and the SQL
 * statements each subgraph ran for one answer.
 *
 *   createdb -h 127.0.0.1 -U postgres -T bench25 bench_planning && psql -h 127.0.0.1 -U postgres bench_planning -c ANALYZE
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_planning npm run bench:planning -- --scale 25
 *
 * Options: --scale N (seed size of an empty database; default 1), --runs N (timed runs after the first; default 3).
 * Reads only: the data is left as it was.
 */
import { parseArgs } from 'node:util';
import { dateOfDay, dayNumber, isoWeekdayOfDay } from '../lib/calendar-periods.ts';
import { startBenchHub } from './bench-hub.ts';

const { values } = parseArgs({ options: { scale: { type: 'string', default: '1' }, runs: { type: 'string', default: '3' } } });
const { hub, call, statements, resetStatements, databaseLabel } = await startBenchHub({ scale: Number(values.scale), roles: ['RESOURCE_MANAGER'] });

const now = new Date();
const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString().slice(0, 10);
const to = new Date(Date.UTC(now.getUTCFullYear() + 1, now.getUTCMonth(), 0)).toISOString().slice(0, 10);
const today = dayNumber(now.toISOString().slice(0, 10));
const nextMonday = today + (8 - isoWeekdayOfDay(today));
const weeks = { from: dateOfDay(nextMonday), to: dateOfDay(nextMonday + 27) };

const { roles } = await call(`{ roles(first: 100) { nodes { id name } } }`);
const { workers } = await call(`{ workers(first: 1, filter: { status: ACTIVE }) { totalCount } }`);
let busiest = { id: '', name: '', count: -1 };
for (const role of roles.nodes) {
  const { workers: ofRole } = await call(`query($roleId: ID!) { workers(first: 1, filter: { roleId: $roleId, status: ACTIVE }) { totalCount } }`, { roleId: role.id });
  if (ofRole.totalCount > busiest.count) busiest = { ...role, count: ofRole.totalCount };
}

const capacityVsDemand = (groupBy: string) => `query($from: Date!, $to: Date!) {
  rows: capacityVsDemand(groupBy: ${groupBy}, period: MONTH, from: $from, to: $to) { periodStart workerCount capacityHours confirmedHours weightedTentativeHours gapHours }
}`;
const availability = `query($roleId: ID!, $from: Date!, $to: Date!) {
  rows: availability(roleId: $roleId, skills: ["SAP", "Cloud"], from: $from, to: $to) { worker { id } matchedSkills freeHours weeks { start freeHours } }
}`;
const questions: Array<[string, string, Record<string, unknown>]> = [
  ...['ROLE', 'COST_CENTER', 'LEGAL_ENTITY', 'LOCATION'].map((groupBy): [string, string, Record<string, unknown>] => [`capacityVsDemand by ${groupBy}, MONTH, 12 months`, capacityVsDemand(groupBy), { from, to }]),
  [`availability of ${busiest.name} (${busiest.count} workers), 4 weeks`, availability, { roleId: busiest.id, ...weeks }],
];

const lines: string[] = [];
for (const [name, query, variables] of questions) {
  resetStatements();
  let started = performance.now();
  const first = await call(query, variables);
  const cold = (performance.now() - started) / 1000;
  const counts = statements();
  let best = Infinity;
  for (let run = 0; run < Number(values.runs); run++) {
    started = performance.now();
    await call(query, variables);
    best = Math.min(best, (performance.now() - started) / 1000);
  }
  lines.push(`| ${name} | ${first.rows.length} | ${cold.toFixed(2)} | ${best.toFixed(2)} | ${counts} |`);
}
console.log(`database: ${databaseLabel}; scale ${values.scale}; ${workers.totalCount} ACTIVE workers; ${from} … ${to}`);
console.log(`| question | rows | first run (s) | best of ${values.runs} (s) | SQL statements (crm, hcm, psa, time, erp) |`);
console.log(`|---|---|---|---|---|`);
for (const line of lines) console.log(line);
console.log(`peak RSS of the process (hub and gateway included): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
await hub.stop();
