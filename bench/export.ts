/**
 * The BI export of time entries (issue 6 §6, §7): `GET /exports/time-entries.csv` and `.jsonl` through the gateway
 * for the whole firm, read by a client that consumes the stream as it comes. Reports rows, bytes, wall time, rows per
 * second, the process's CPU time (user + system, PostgreSQL's not included: on a shared machine it moves less with
 * the others' load than the wall time) and its peak RSS (sampled every 50 ms; the hub — gateway and five subgraphs —
 * runs in this process, so it is the whole server's memory) for each format.
 *
 *   createdb -h 127.0.0.1 -U postgres -T bench25 bench_export && psql -h 127.0.0.1 -U postgres bench_export -c ANALYZE
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_export npm run bench:export -- --scale 25
 *
 * Options: --scale N (seed size of an empty database; default 1), --from / --to (a date range; default everything),
 * --formats csv,jsonl. Reads only: the data is left as it was.
 */
import { parseArgs } from 'node:util';
import { signBearerToken } from '../lib/auth/jwt.ts';
import { startBenchHub } from './bench-hub.ts';
import { readExport } from './export-read.ts';

const { values } = parseArgs({
  options: { scale: { type: 'string', default: '1' }, from: { type: 'string' }, to: { type: 'string' }, formats: { type: 'string', default: 'csv,jsonl' } },
});
const { hub, jwtSecret, databaseLabel } = await startBenchHub({ scale: Number(values.scale) });
const token = await signBearerToken({ workerId: null, roles: ['FINANCE'] }, jwtSecret);
const params = new URLSearchParams();
if (values.from) params.set('from', values.from);
if (values.to) params.set('to', values.to);

let peak = process.memoryUsage().rss;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const lines: string[] = [];
for (const format of values.formats!.split(',')) {
  global.gc?.();
  const before = process.memoryUsage().rss;
  peak = before;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const { rows, bytes } = await readExport(hub.url, token, format, params);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  lines.push(
    `${format.padEnd(5)} ${String(rows).padStart(8)} rows  ${mb(bytes).padStart(7)}  ${seconds.toFixed(1).padStart(6)} s  ${Math.round(rows / seconds).toString().padStart(6)} rows/s  ` +
      `CPU ${cpuSeconds.toFixed(1)} s (${Math.round((cpuSeconds * 1e6) / rows)} µs/row)  RSS before ${mb(before)}, peak ${mb(peak)}`,
  );
  process.stdout.write(`${lines.at(-1)}\n`);
}
clearInterval(sampler);
process.stdout.write(`\n${databaseLabel}, scale ${values.scale}${values.from || values.to ? `, ${values.from ?? '…'} to ${values.to ?? '…'}` : ''}\n${lines.join('\n')}\n`);
await hub.stop();
