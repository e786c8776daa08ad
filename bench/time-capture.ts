/**
 * Validated time entries per second: a Friday-afternoon spike of workers each logging their week as one batch
 * (`logTimeEntries`), through the gateway, every entry checked against psa, hcm and crm.
 *
 *   npm run bench:capture                                   # PGlite in memory
 *   DATABASE_URL=postgres://… npm run bench:capture          # PostgreSQL (schemas crm, hcm, … of that database)
 *
 * Options: --workers N (concurrent submitters, default 20), --entries N (per batch, default 50).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { signBearerToken } from '../lib/auth/jwt.ts';
import { isoDate } from '../lib/clock.ts';
import { createLogger } from '../lib/logger.ts';
import { planDemoFirm } from '../lib/seed/plan.ts';
import { startHub } from '../gateway/hub.ts';

const { values } = parseArgs({ options: { workers: { type: 'string', default: '20' }, entries: { type: 'string', default: '50' } } });
const jwtSecret = randomBytes(16).toString('hex');
const hub = await startHub({
  database: process.env.DATABASE_URL ? { kind: 'postgres', url: process.env.DATABASE_URL } : { kind: 'pglite' },
  jwtSecret,
  identitySecret: randomBytes(16).toString('hex'),
  port: 0,
  seed: { scale: 1 },
  logger: createLogger({}, 'error'),
  maskErrors: true,
});

const today = isoDate(new Date());
const firm = planDemoFirm({ scale: 1, today });
const active = new Set(firm.projects.filter((p) => p.status === 'ACTIVE').map((p) => p.id));
const submitters = firm.assignments
  .filter((a) => a.status === 'CONFIRMED' && active.has(a.projectId) && a.startDate <= today && a.endDate >= today)
  .filter((a, index, all) => all.findIndex((b) => b.workerId === a.workerId) === index)
  .filter((a) => firm.workers.find((w) => w.id === a.workerId)?.status === 'ACTIVE')
  .slice(0, Number(values.workers));
const taskOf = (projectId: string) => firm.tasks.find((t) => t.projectId === projectId && t.billable && t.status === 'OPEN')!;

const mutation = `mutation($inputs: [LogTimeEntryInput!]!) { logTimeEntries(inputs: $inputs) { entry { id } error { code message } } }`;
const submit = async (assignment: (typeof submitters)[number]) => {
  const token = await signBearerToken({ workerId: assignment.workerId, roles: ['WORKER'] }, jwtSecret);
  const inputs = Array.from({ length: Number(values.entries) }, (_, index) => ({
    projectId: assignment.projectId,
    taskId: taskOf(assignment.projectId).id,
    date: today,
    hours: '0.01',
    notes: `spike ${index}`,
  }));
  const response = await fetch(hub.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: mutation, variables: { inputs } }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors[0]));
  const failed = body.data.logTimeEntries.filter((result: { error: unknown }) => result.error);
  if (failed.length) throw new Error(`rejected: ${JSON.stringify(failed[0])}`);
  return inputs.length;
};

for (const { database } of Object.values(hub.subgraphs)) database.statements.reset();
const started = performance.now();
const counts = await Promise.all(submitters.map(submit));
const seconds = (performance.now() - started) / 1000;
const entries = counts.reduce((a, b) => a + b, 0);
const statements = Object.fromEntries(Object.entries(hub.subgraphs).map(([name, { database }]) => [name, database.statements.total]));
console.log(`database: ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite (in memory)'}; ${submitters.length} workers submit at once, ${values.entries} entries each`);
console.log(`| entries | seconds | validated entries/s | SQL statements per batch (crm, hcm, psa, time, erp) |`);
console.log(`|---|---|---|---|`);
console.log(
  `| ${entries} | ${seconds.toFixed(2)} | ${(entries / seconds).toFixed(0)} | ${['crm', 'hcm', 'psa', 'time', 'erp'].map((name) => (statements[name] / submitters.length).toFixed(1)).join(', ')} |`,
);
await hub.stop();
