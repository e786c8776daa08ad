import { sql, type Kysely } from 'kysely';

/**
 * erp's live cost postings and billing events per time entry, read from its own tables: what the fault tests count
 * to prove every approval took effect exactly once.
 */
export async function livePostingsPerEntry(erp: Kysely<any>, entryIds: readonly string[]) {
  if (entryIds.length === 0) return { costs: new Map<string, number>(), billing: new Map<string, number>() };
  const costs = await erp
    .selectFrom('cost_posting')
    .select(['source_id', sql<number>`count(*)`.as('count')])
    .where('source_type', '=', 'TIME_ENTRY')
    .where('source_id', 'in', entryIds)
    .where('reversal_of', 'is', null)
    .where('reversed_at', 'is', null)
    .groupBy('source_id')
    .execute();
  const billing = await erp
    .selectFrom('billing_event')
    .select(['source_id', sql<number>`count(*)`.as('count')])
    .where('source_type', '=', 'TIME_ENTRY')
    .where('source_id', 'in', entryIds)
    .where('status', '!=', 'REVERSED')
    .groupBy('source_id')
    .execute();
  const counts = (rows: Array<{ source_id: string; count: number }>) => new Map(rows.map((row) => [row.source_id, Number(row.count)]));
  return { costs: counts(costs), billing: counts(billing) };
}

/** The entries that lack exactly one live cost posting and one live billing event. */
export async function entriesNotPostedOnce(erp: Kysely<any>, entryIds: readonly string[]): Promise<string[]> {
  const { costs, billing } = await livePostingsPerEntry(erp, entryIds);
  return entryIds.filter((id) => costs.get(id) !== 1 || billing.get(id) !== 1);
}
