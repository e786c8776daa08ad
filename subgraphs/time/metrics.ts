import { sql, type Kysely } from 'kysely';
import type { SubgraphDependencies } from '../../lib/graphql/subgraph-server.ts';
import { cachedSampler, type SubgraphGauge } from '../../lib/metrics/registry.ts';
import type { TimeDatabase } from './tables.ts';

/** Ages of a submission waiting for approval, in days: [from, to) with the last open-ended. */
export const approvalAgeBuckets = [
  { label: '0-1d', fromDays: 0, toDays: 1 },
  { label: '1-3d', fromDays: 1, toDays: 3 },
  { label: '3-7d', fromDays: 3, toDays: 7 },
  { label: '7d+', fromDays: 7, toDays: null },
] as const;

/**
 * time's business gauges on `/metrics`, read on scrape (at most every 15 s) on the unlogged handle: the approval
 * bottleneck, entries SUBMITTED and not yet decided, by kind and by how long they have waited (the subgraph's clock).
 */
export function timeGauges(deps: SubgraphDependencies<TimeDatabase>): SubgraphGauge[] {
  const db: Kysely<TimeDatabase> = deps.relayDb ?? deps.db;
  return [
    {
      name: 'psgraph_time_approvals_pending',
      help: 'Time and expense entries SUBMITTED and awaiting approval, by kind and age bucket since submission',
      labelNames: ['kind', 'age'],
      sample: cachedSampler(async () => {
        const now = deps.clock.now();
        const bucketOf = sql<string>`case ${sql.join(
          approvalAgeBuckets.map(
            ({ label, toDays }) =>
              sql`when ${toDays === null ? sql`true` : sql`submitted_at > ${new Date(now.getTime() - toDays * 86_400_000)}`} then ${label}`,
          ),
          sql` `,
        )} end`;
        const [times, expenses] = await Promise.all(
          (['time_entry', 'expense_entry'] as const).map((table) =>
            db
              .selectFrom(table)
              .select([bucketOf.as('age'), sql<string>`count(*)`.as('count')])
              .where('status', '=', 'SUBMITTED')
              .groupBy(sql.lit(1))
              .execute(),
          ),
        );
        return [
          ['time', times],
          ['expense', expenses],
        ].flatMap(([kind, rows]) => {
          const counted = new Map((rows as { age: string; count: string }[]).map((row) => [row.age, Number(row.count)]));
          return approvalAgeBuckets.map(({ label }) => ({ labels: { kind: kind as string, age: label }, value: counted.get(label) ?? 0 }));
        });
      }),
    },
  ];
}
