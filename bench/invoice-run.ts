/**
 * A month-end invoice run: finance drafts every contract's invoice from everything unbilled up to the end of last
 * month, in one `draftInvoices` call through the gateway, then issues the drafts (numbers gapless per legal entity),
 * a few at a time. Reports the wall time and the SQL statements each subgraph ran.
 *
 *   createdb invbench
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/invbench npm run bench:invoices -- --scale 25
 *
 * Options: --scale N (seed size of an empty database; default 1), --concurrency N (issues in flight; default 4).
 * The run changes the data: re-run on a fresh database (or accept that a second run finds nothing left to draft).
 */
import { parseArgs } from 'node:util';
import { startBenchHub } from './bench-hub.ts';
import { draftAllInvoices, issueAll, lastMonthEnd } from './invoice-steps.ts';

const { values } = parseArgs({ options: { scale: { type: 'string', default: '1' }, concurrency: { type: 'string', default: '4' } } });
const { hub, call, statements, resetStatements: reset, databaseLabel } = await startBenchHub({ scale: Number(values.scale) });
const periodEnd = lastMonthEnd();

reset();
let started = performance.now();
const invoices = await draftAllInvoices(call, periodEnd, `bench-${periodEnd}`);
const draftSeconds = (performance.now() - started) / 1000;
const draftStatements = statements();
const lines = invoices.reduce((sum, invoice) => sum + invoice.lines.length, 0);

reset();
started = performance.now();
await issueAll(call, invoices, Number(values.concurrency));
const issueSeconds = (performance.now() - started) / 1000;
const issueStatements = statements();

console.log(`database: ${databaseLabel}; scale ${values.scale}; period end ${periodEnd}`);
console.log(`| step | invoices | lines | seconds | SQL statements (crm, hcm, psa, time, erp) |`);
console.log(`|---|---|---|---|---|`);
console.log(`| draft (one call) | ${invoices.length} | ${lines} | ${draftSeconds.toFixed(2)} | ${draftStatements} |`);
console.log(`| issue (${values.concurrency} at a time) | ${invoices.length} | ${lines} | ${issueSeconds.toFixed(2)} | ${issueStatements} |`);
await hub.stop();
