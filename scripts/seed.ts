/**
 * Seeds the demo firm into PostgreSQL for benchmarks and staging:
 *   npm run seed -- --scale 25 [--database-url postgres://…] [--today 2026-11-25]
 * Each subgraph's schema goes to <NAME>_DATABASE_URL if set (crm → CRM_DATABASE_URL …), else --database-url /
 * DATABASE_URL. Migrations run first; a subgraph whose schema was already seeded is left alone.
 */
import { parseArgs } from 'node:util';
import { isoDate } from '../lib/clock.ts';
import { subgraphNames } from '../lib/config.ts';
import { planDemoFirm } from '../lib/seed/plan.ts';
import { seedOnce } from '../lib/seed/seed-once.ts';
import { subgraphModules } from '../gateway/subgraphs.ts';

const { values } = parseArgs({
  options: { scale: { type: 'string', default: '1' }, 'database-url': { type: 'string' }, today: { type: 'string' } },
});
const scale = Number(values.scale);
if (!Number.isFinite(scale) || scale <= 0) throw new Error('--scale must be a positive number');
const today = values.today ?? isoDate(new Date());
const started = performance.now();
const firm = planDemoFirm({ scale, today });
console.log(`planned the demo firm at scale ${scale}: ${firm.workers.length} workers, ${firm.projects.length} projects`);

for (const name of subgraphNames) {
  const module = subgraphModules[name];
  if (!module) continue;
  const url = process.env[`${name.toUpperCase()}_DATABASE_URL`] ?? values['database-url'] ?? process.env.DATABASE_URL;
  if (!url) throw new Error(`no database for ${name}: pass --database-url or set DATABASE_URL / ${name.toUpperCase()}_DATABASE_URL`);
  const database = await module.openDatabase({ kind: 'postgres', url });
  const subgraphStarted = performance.now();
  const result = await seedOnce(module, database.db, firm);
  console.log(`${name}: seeded at scale ${result.scale} for ${result.today} (${((performance.now() - subgraphStarted) / 1000).toFixed(1)} s)`);
  await database.close();
}
console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
