import type { Kysely } from 'kysely';
import { trackChanges } from '../../../lib/db/changes.ts';
import { createExternalRefTable } from '../../../lib/external-refs.ts';

/**
 * Every crm record's ids in other systems in one table (lib/external-refs.ts), with customers' old `external_ids`
 * moved into it; customers become pullable by change (`filter: { updatedAfter }`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await createExternalRefTable(db);
  await moveCustomerExternalIds(db);
  await trackChanges(db, 'customer');
}

/**
 * The old column allowed what the table refuses (a system twice on one customer, one id on two customers, blanks):
 * the first id per customer and system is kept, and an id two customers held stays with the older customer.
 */
async function moveCustomerExternalIds(db: Kysely<any>) {
  const customers: Array<{ id: string; external_ids: unknown }> = await db
    .selectFrom('customer')
    .select(['id', 'external_ids'])
    .where('external_ids', '!=', '[]')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const taken = new Set<string>();
  const rows: Array<{ entity: string; system: string; external_id: string; record_id: string }> = [];
  for (const customer of customers) {
    const ids = typeof customer.external_ids === 'string' ? JSON.parse(customer.external_ids) : customer.external_ids;
    if (!Array.isArray(ids)) continue;
    const systems = new Set<string>();
    for (const ref of ids as Array<{ system?: unknown; id?: unknown }>) {
      const system = String(ref?.system ?? '').trim();
      const id = String(ref?.id ?? '').trim();
      if (!system || !id || systems.has(system) || taken.has(`${system}\u0000${id}`)) continue;
      systems.add(system);
      taken.add(`${system}\u0000${id}`);
      rows.push({ entity: 'Customer', system, external_id: id, record_id: customer.id });
    }
  }
  for (let start = 0; start < rows.length; start += 1000) {
    await db.insertInto('external_ref').values(rows.slice(start, start + 1000)).execute();
  }
}
