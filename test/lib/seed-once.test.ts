import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { subgraphModules } from '../../gateway/subgraphs.ts';
import { openPGlite } from '../../lib/db/database.ts';
import type { DemoFirm } from '../../lib/seed/demo-firm.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { seedOnce } from '../../lib/seed/seed-once.ts';

describe('seedOnce', async () => {
  const session = await openPGlite();
  const database = await subgraphModules.hcm.openDatabase({ kind: 'pglite', session }, 'hcm');
  after(async () => {
    await database.close();
    await session.pglite.close();
  });

  it('plans the demo firm only for a schema that is not seeded yet (a warm start plans nothing)', async () => {
    let plans = 0;
    const plan = (): DemoFirm => {
      plans++;
      return planDemoFirm({ scale: 0.05, today: '2026-12-07' });
    };
    const first = await seedOnce(subgraphModules.hcm, database.db, plan);
    assert.equal(plans, 1);
    const workers = await sql<{ n: number }>`select count(*)::int as n from hcm.worker`.execute(database.db);
    assert.ok(workers.rows[0].n > 0);

    const again = await seedOnce(subgraphModules.hcm, database.db, plan);
    assert.equal(plans, 1, 'a seeded schema is not planned for');
    assert.deepEqual(again, first);
    assert.deepEqual(first, { today: '2026-12-07', scale: 0.05 });
  });
});
