import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { openSubgraphDatabase, type SubgraphDatabase } from '../../../lib/db/database.ts';
import { crmMigrations } from '../../../subgraphs/crm/migrations/index.ts';
import type { CrmDatabase } from '../../../subgraphs/crm/tables.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

/** The 2026-12-07T1200 migration moves customers' old `external_ids` into `external_ref`, keeping what it may. */
describe('crm external ids migration', () => {
  let test: TestDatabase;
  const opened: SubgraphDatabase<CrmDatabase>[] = [];
  after(() => test.cleanup(opened.slice(-1)));

  it('moves each customer\'s ids, the first per system, and an id two customers held to the older one', async () => {
    test = await createTestDatabase();
    const schema = test.schemaFor('crm_refs_migration');
    const earlier = Object.fromEntries(Object.entries(crmMigrations).filter(([name]) => name < '2026-12-07T1200'));
    const before = await openSubgraphDatabase<CrmDatabase>(test.target, schema, earlier);
    opened.push(before);
    const customer = (id: string, createdAt: string, externalIds: unknown) => ({
      id, name: id, code: id, status: 'ACTIVE' as const, currency: 'EUR', parent_id: null, billing_address: 'null', tax_id: null,
      external_ids: JSON.stringify(externalIds), created_at: new Date(createdAt), updated_at: new Date(createdAt),
    });
    await before.db
      .insertInto('customer')
      .values([
        customer('c-old', '2026-01-01T00:00:00Z', [{ system: 'erp', id: '1' }, { system: 'erp', id: '2' }, { system: ' sf ', id: ' A ' }]),
        customer('c-new', '2026-02-01T00:00:00Z', [{ system: 'erp', id: '1' }, { system: 'hubspot', id: 'H' }, { system: '', id: 'blank' }]),
        customer('c-none', '2026-03-01T00:00:00Z', []),
      ])
      .execute();
    const after = await openSubgraphDatabase<CrmDatabase>(test.target, schema, crmMigrations);
    opened.push(after);
    const refs = await after.db.selectFrom('external_ref').select(['entity', 'system', 'external_id', 'record_id']).orderBy('record_id').orderBy('system').execute();
    assert.deepEqual(refs, [
      { entity: 'Customer', system: 'hubspot', external_id: 'H', record_id: 'c-new' },
      { entity: 'Customer', system: 'erp', external_id: '1', record_id: 'c-old' },
      { entity: 'Customer', system: 'sf', external_id: 'A', record_id: 'c-old' },
    ]);
  });
});
