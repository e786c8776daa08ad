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
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createLogger } from '../lib/logger.ts';
import { startHub } from '../gateway/hub.ts';
import { graphCaller } from './graph-call.ts';

const { values } = parseArgs({ options: { scale: { type: 'string', default: '1' }, concurrency: { type: 'string', default: '4' } } });
const jwtSecret = randomBytes(16).toString('hex');
const hub = await startHub({
  database: process.env.DATABASE_URL ? { kind: 'postgres', url: process.env.DATABASE_URL } : { kind: 'pglite' },
  jwtSecret,
  identitySecret: randomBytes(16).toString('hex'),
  port: 0,
  seed: { scale: Number(values.scale) },
  logger: createLogger({}, 'error'),
  maskErrors: true,
});
const graph = graphCaller(hub.url, jwtSecret);
const call = (query: string, variables: Record<string, unknown>) => graph({ workerId: null, roles: ['FINANCE'] }, query, variables);

const statements = () => Object.fromEntries(Object.entries(hub.subgraphs).map(([name, { database }]) => [name, database.statements.total]));
const reset = () => {
  for (const { database } of Object.values(hub.subgraphs)) database.statements.reset();
};
const today = new Date();
const periodEnd = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 0)).toISOString().slice(0, 10);

reset();
let started = performance.now();
const drafted = await call(
  `mutation($end: Date!) { draftInvoices(input: { periodEnd: $end }, idempotencyKey: "bench-${periodEnd}") { id lines { id } total { amount currency } } }`,
  { end: periodEnd },
);
const draftSeconds = (performance.now() - started) / 1000;
const draftStatements = statements();
const invoices: Array<{ id: string; lines: unknown[] }> = drafted.draftInvoices;
const lines = invoices.reduce((sum, invoice) => sum + invoice.lines.length, 0);

reset();
started = performance.now();
const queue = [...invoices];
await Promise.all(
  Array.from({ length: Number(values.concurrency) }, async () => {
    for (let invoice = queue.shift(); invoice; invoice = queue.shift()) {
      await call(`mutation($id: ID!) { issueInvoice(id: $id) { number } }`, { id: invoice.id });
    }
  }),
);
const issueSeconds = (performance.now() - started) / 1000;
const issueStatements = statements();

const perSubgraph = (counts: Record<string, number>) => ['crm', 'hcm', 'psa', 'time', 'erp'].map((name) => counts[name]).join(', ');
console.log(`database: ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite (in memory)'}; scale ${values.scale}; period end ${periodEnd}`);
console.log(`| step | invoices | lines | seconds | SQL statements (crm, hcm, psa, time, erp) |`);
console.log(`|---|---|---|---|---|`);
console.log(`| draft (one call) | ${invoices.length} | ${lines} | ${draftSeconds.toFixed(2)} | ${perSubgraph(draftStatements)} |`);
console.log(`| issue (${values.concurrency} at a time) | ${invoices.length} | ${lines} | ${issueSeconds.toFixed(2)} | ${perSubgraph(issueStatements)} |`);
await hub.stop();
