/**
 * The Harvest importer at scale (issue 17 part 2): generates a Harvest "Detailed time report" CSV of --rows rows
 * (default 1,000,000) on the demo firm's project US-0001, written to a temporary file as it is generated, then imports
 * it through the gateway as the CLI does (lib/import: streaming, chunks of 1,000, one importTimeEntries call per
 * chunk). Reports rows per second and the process's peak RSS (sampled every 50 ms; the hub, gateway and five
 * subgraphs, runs in this process, so it is the whole server's memory plus the importer's).
 *
 *   PG_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:import -- --rows 1000000
 *
 * With PG_URL (or DATABASE_URL) the hub runs on a new database created for the run and dropped after it; without,
 * on PGlite in memory. Options: --rows N, --status DRAFT|APPROVED (default DRAFT: APPROVED also makes erp post cost
 * and billing events for every entry, a benchmark of its own), --keep (keep the database).
 * People: as many as the rows need at 32 quarter-hour rows a day (8 h) over the project's days before today.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { signBearerToken } from '../lib/auth/jwt.ts';
import { httpImportGraph, runImport } from '../lib/import/index.ts';

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '1000000' }, status: { type: 'string', default: 'DRAFT' }, keep: { type: 'boolean', default: false } },
});
const rows = Number(values.rows);
const status = values.status === 'APPROVED' ? 'APPROVED' : 'DRAFT';

// A database of its own on PostgreSQL: the hub seeds an empty one.
const serverUrl = process.env.PG_URL ?? process.env.DATABASE_URL;
let databaseName: string | null = null;
if (serverUrl) {
  databaseName = `bench_import_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${databaseName}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${databaseName}`;
  process.env.DATABASE_URL = url.toString();
}
const { startBenchHub } = await import('./bench-hub.ts');
const { hub, jwtSecret, databaseLabel } = await startBenchHub({ scale: 1 });

// The file: dates from the project's start (2026-08-31 in the demo firm, relative to today) up to yesterday.
const today = new Date().toISOString().slice(0, 10);
const projectStart = new Date(Date.now() - 98 * 86_400_000).toISOString().slice(0, 10);
const days: string[] = [];
for (let day = new Date(`${projectStart}T00:00:00Z`); day.toISOString().slice(0, 10) < today; day = new Date(day.getTime() + 86_400_000)) {
  days.push(day.toISOString().slice(0, 10));
}
const rowsPerDay = 32;
const people = Math.ceil(rows / (days.length * rowsPerDay));
const directory = mkdtempSync(join(tmpdir(), 'psgraph-import-'));
const file = join(directory, 'harvest.csv');
const out = createWriteStream(file);
const write = async (line: string) => {
  if (!out.write(line)) await once(out, 'drain');
};
await write('Date,Client,Project,Project Code,Task,Notes,Hours,Hours Rounded,Billable?,Invoiced?,Approved?,First Name,Last Name,Roles,Employee?,Billable Rate,Billable Amount,Cost Rate,Cost Amount,Currency,External Reference URL\n');
const tasks = ['Discovery & Planning', 'Analysis & Design', 'Build & Configuration', 'Testing & Deployment'];
let written = 0;
// Sorted by date, as Harvest exports it.
outer: for (const date of days) {
  for (let slot = 0; slot < rowsPerDay; slot++) {
    for (let person = 0; person < people; person++) {
      if (written === rows) break outer;
      const task = tasks[(slot + person) % tasks.length];
      await write(`${date},Northwind Health Inc.,Sales Cloud Rollout,US-0001,${task},Work item ${slot},0.25,0.25,Yes,No,Yes,Bench,Person ${person},Consultant,Yes,255.00,63.75,85.00,21.25,United States Dollar - USD,\n`);
      written++;
    }
  }
}
out.end();
await once(out, 'finish');
const bytes = statSync(file).size;

const mb = (value: number) => `${(value / 1024 / 1024).toFixed(0)} MB`;
global.gc?.();
const before = process.memoryUsage().rss;
let peak = before;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
const token = await signBearerToken({ workerId: null, roles: ['ADMIN'] }, jwtSecret);
const started = performance.now();
let lastLog = started;
const report = await runImport({
  source: 'harvest',
  input: createReadStream(file),
  graph: httpImportGraph({ url: hub.url, token }),
  mapping: { defaults: { legalEntity: 'BL-US', costCenter: 'US-TEC', calendar: 'United States full-time (5 × 8 h)', emailDomain: 'bench.example' } },
  timeStatus: status,
  onProgress(done) {
    const now = performance.now();
    if (now - lastLog < 10_000) return;
    lastLog = now;
    process.stderr.write(`${done} rows, ${Math.round(done / ((now - started) / 1000))} rows/s, peak RSS ${mb(peak)}\n`);
  },
});
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
const { totals } = report;
process.stdout.write(
  `\n${databaseLabel}: ${written} Harvest rows (${mb(bytes)}), ${people} people × ${days.length} days, time as ${status}\n` +
    `imported in ${seconds.toFixed(0)} s: ${Math.round(written / seconds)} rows/s; RSS before ${mb(before)}, peak ${mb(peak)}\n` +
    `created ${totals.created}, matched ${totals.matched}, refused ${totals.refused}, skipped ${totals.skipped}\n` +
    report.entities.map((entity) => `  ${entity.entity}: created ${entity.created}, matched ${entity.matched}, refused ${entity.refused}`).join('\n') +
    '\n' +
    report.rows.filter((row) => row.outcome === 'REFUSED').slice(0, 5).map((row) => `  line ${row.line}: ${row.code} ${row.message}`).join('\n') +
    '\n',
);
await hub.stop();
rmSync(directory, { recursive: true, force: true });
if (serverUrl && databaseName && !values.keep) {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${databaseName} with (force)`);
  await admin.end();
}
