/**
 * The Redis bus's own path in an approval spike, without the subgraphs: eight consumer groups shaped like psgraph's
 * (three that take most of the spike in batches, five that take none of it) drain a stream of approvals, submissions
 * and billing events published as the relay does (pages of 1,000, one pipeline each), with handlers that do nothing.
 * Reports the time from the first publish until every group is idle, and the process's CPU (user + system: the
 * groups' reads, decoding, acknowledgements and the publishing) per event; Redis's own CPU (INFO cpu) beside it.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 EVENT_STREAM=psgraph:bench:groups npx tsx bench/redis-groups.ts --events 24000
 *
 * The stream and its keys are deleted at the end.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { DomainEvent } from '../lib/events/envelope.ts';
import { RedisBus } from '../lib/events/redis-bus.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '24000' } } });
const total = Number(values.events);
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const stream = process.env.EVENT_STREAM || `psgraph:bench:groups:${randomBytes(4).toString('hex')}`;

/** About the size of time's approval event: ids, a date, hours, a frozen bill rate, the approver. */
const approvalData = () => ({
  entryId: randomUUID(), workerId: randomUUID(), projectId: randomUUID(), taskId: randomUUID(), roleId: randomUUID(),
  assignmentId: randomUUID(), timesheetId: randomUUID(), legalEntityId: randomUUID(), date: '2026-12-07', hours: '0.01',
  notes: 'spike 123', billable: true, status: 'APPROVED', approvedBy: randomUUID(), approvedAt: new Date().toISOString(),
  correctionOf: null, billRate: { amount: '150.00', currency: 'EUR' }, billRateRule: { kind: 'RATE_CARD', rateCardId: randomUUID() },
});

/** The spike's mix as the stream holds it: each approval, its submission before it, and most of a billing event. */
const sequences = new Map<string, number>();
const event = (source: string, type: string): DomainEvent => {
  const sequence = (sequences.get(source) ?? 0) + 1;
  sequences.set(source, sequence);
  return {
    id: randomUUID(), type, source, sequence, occurredAt: new Date().toISOString(), subject: { typename: 'TimeEntry', id: randomUUID() },
    correlationId: randomUUID(), causationId: null, data: approvalData(),
  };
};
const spike: DomainEvent[] = [];
for (let index = 0; spike.length < total; index++) {
  spike.push(event('time', index % 2 === 0 ? 'time.entry.submitted' : 'time.entry.approved'));
  if (index % 5 === 1) spike.push(event('erp', 'erp.billing_event.created'));
}

const bus = new RedisBus({ url, stream, consumerName: 'bench' });
const handled = new Map<string, number>();
const groups: Array<{ group: string; types: string[]; batch: boolean }> = [
  { group: 'erp.posting', types: ['time.entry.approved', 'time.entry.rejected', 'time.expense.approved'], batch: true },
  { group: 'hcm.webhooks', types: ['time.entry.submitted', 'time.entry.approved', 'erp.billing_event.created', 'crm.customer.created'], batch: true },
  { group: 'gateway.live', types: ['time.entry.submitted', 'time.entry.approved', 'erp.billing_event.created', 'hcm.worker.changed'], batch: true },
  { group: 'psa.deal-to-project', types: ['crm.opportunity.won', 'crm.opportunity.lost', 'erp.billing_setup.ready'], batch: false },
  { group: 'erp.milestones', types: ['psa.milestone.completed'], batch: false },
  { group: 'erp.billing-setup', types: ['crm.contract.signed'], batch: false },
  { group: 'erp.legal-entities', types: ['hcm.legal_entity.changed'], batch: false },
  { group: 'gateway.live.revocations', types: ['hcm.api_key.revoked'], batch: false },
];
for (const { group, types, batch } of groups) {
  const count = (events: number) => void handled.set(group, (handled.get(group) ?? 0) + events);
  await bus.subscribe({
    group,
    types,
    handler: async () => count(1),
    ...(batch ? { batch: { maxEvents: 500, handler: async (events: readonly DomainEvent[]) => count(events.length) } } : {}),
  });
}

const redisCpu = async () => {
  const info = String(await bus.client.info('cpu'));
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return field('used_cpu_sys') + field('used_cpu_user');
};
const redisBefore = await redisCpu();
const cpuBefore = process.cpuUsage();
const started = performance.now();
for (let index = 0; index < spike.length; index += 1000) await bus.publishAll(spike.slice(index, index + 1000));
const published = performance.now();
while (!(await bus.idle())) await new Promise((resolve) => setTimeout(resolve, 10));
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const redisSeconds = (await redisCpu()) - redisBefore;
console.log(`| events | published in s | all groups idle after s | events/s | process CPU µs per event | Redis CPU µs per event (all its clients) |`);
console.log(`|---|---|---|---|---|---|`);
console.log(
  `| ${spike.length} | ${((published - started) / 1000).toFixed(2)} | ${seconds.toFixed(2)} | ${(spike.length / seconds).toFixed(0)} | ` +
    `${((cpu.user + cpu.system) / spike.length).toFixed(0)} | ${((redisSeconds * 1e6) / spike.length).toFixed(0)} |`,
);
console.log(`handled: ${[...handled].map(([group, count]) => `${group} ${count}`).join(', ')}`);
await bus.close();
const cleanup = new RedisBus({ url, stream });
await cleanup.client.del(stream, `${stream}:heads`, `${stream}:floors`, `${stream}:replay`, ...groups.map(({ group }) => `${stream}:owner:${group}`));
await cleanup.close();
