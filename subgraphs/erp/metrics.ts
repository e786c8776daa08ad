import { sql, type Kysely } from 'kysely';
import type { SubgraphDependencies } from '../../lib/graphql/subgraph-server.ts';
import { cachedSampler, type SubgraphGauge } from '../../lib/metrics/registry.ts';
import { erpConsumerGroups } from './events.ts';
import type { ErpDatabase } from './tables.ts';

/**
 * erp's business gauges on `/metrics`, read on scrape (at most every 15 s) on the unlogged handle: approved work not
 * yet billed, open reconciliation exceptions, and how the posting of approvals fares. Values are Prometheus floats
 * (the graph keeps money as decimals): for dashboards and alerts, not for accounting.
 */
export function erpGauges(deps: SubgraphDependencies<ErpDatabase>): SubgraphGauge[] {
  const db: Kysely<ErpDatabase> = deps.relayDb ?? deps.db;
  // Approved work not on an invoice: billable (UNBILLED) or held back (HELD), as unbilledWork counts them.
  const unbilled = cachedSampler(async () => {
    const rows = await db
      .selectFrom('billing_event')
      .select(['status', 'currency', sql<string>`coalesce(sum(hours), 0)`.as('hours'), sql<string>`coalesce(sum(amount), 0)`.as('amount')])
      .where('status', 'in', ['UNBILLED', 'HELD'])
      .groupBy(['status', 'currency'])
      .execute();
    return rows.flatMap((row) => [
      { labels: { measure: 'hours', status: row.status, currency: row.currency }, value: Number(row.hours) },
      { labels: { measure: 'amount', status: row.status, currency: row.currency }, value: Number(row.amount) },
    ]);
  });
  const unbilledOf = (measure: string) => async () =>
    (await unbilled())
      .filter((sample) => sample.labels.measure === measure)
      .map(({ labels: { status, currency }, value }) => ({ labels: { status, currency }, value }));
  const posting = cachedSampler(async () => {
    const [received, postings, uncosted] = await Promise.all([
      db
        .selectFrom('processed_event')
        .select(sql<string>`count(*)`.as('count'))
        .where('consumer', '=', erpConsumerGroups.posting)
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('cost_posting')
        .select(sql<string>`count(*)`.as('count'))
        .where('reversal_of', 'is', null)
        .where('reversed_at', 'is', null)
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('uncosted_time')
        .select(sql<string>`count(*)`.as('count'))
        .where('costed_at', 'is', null)
        .where('reversed_at', 'is', null)
        .executeTakeFirstOrThrow(),
    ]);
    const [posted, failed] = [Number(postings.count), Number(uncosted.count)];
    return [
      { labels: { measure: 'received' }, value: Number(received.count) },
      { labels: { measure: 'posted' }, value: posted },
      { labels: { measure: 'uncosted' }, value: failed },
      // Of the approvals erp had to cost, the share it could: 1 when there were none.
      { labels: { measure: 'ratio' }, value: posted + failed === 0 ? 1 : posted / (posted + failed) },
    ];
  });
  const postingOf = (measure: string) => async () =>
    (await posting()).filter((sample) => sample.labels.measure === measure).map(({ value }) => ({ labels: {}, value }));
  return [
    {
      name: 'psgraph_erp_unbilled_hours',
      help: 'Approved hours not yet on an invoice (billing events UNBILLED or HELD), by status and currency',
      labelNames: ['status', 'currency'],
      sample: unbilledOf('hours'),
    },
    {
      name: 'psgraph_erp_unbilled_amount',
      help: 'Approved amount not yet on an invoice (billing events UNBILLED or HELD), by status and currency',
      labelNames: ['status', 'currency'],
      sample: unbilledOf('amount'),
    },
    {
      name: 'psgraph_erp_reconciliation_exceptions_open',
      help: 'Open reconciliation exceptions, by type',
      labelNames: ['type'],
      sample: cachedSampler(async () => {
        const rows = await db
          .selectFrom('reconciliation_exception')
          .select(['type', sql<string>`count(*)`.as('count')])
          .where('cleared_at', 'is', null)
          .groupBy('type')
          .execute();
        return rows.map((row) => ({ labels: { type: row.type }, value: Number(row.count) }));
      }),
    },
    {
      name: 'psgraph_erp_posting_approvals_received',
      help: 'Approval events the posting consumer (erp.posting) has handled',
      labelNames: [],
      sample: postingOf('received'),
    },
    {
      name: 'psgraph_erp_cost_postings',
      help: 'Live cost postings (not reversals, not reversed)',
      labelNames: [],
      sample: postingOf('posted'),
    },
    {
      name: 'psgraph_erp_uncosted_approvals',
      help: 'Approved time erp could not cost (no cost rate), not yet re-driven or taken back',
      labelNames: [],
      sample: postingOf('uncosted'),
    },
    {
      name: 'psgraph_erp_posting_success_ratio',
      help: 'Cost postings / (cost postings + uncosted approvals); 1 when there are none',
      labelNames: [],
      sample: postingOf('ratio'),
    },
  ];
}
