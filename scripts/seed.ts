/**
 * Seeds the demo firm into PostgreSQL for benchmarks and staging:
 *   npm run seed -- --scale 25 [--database-url postgres://…] [--today 2026-11-25]
 * Each subgraph's schema goes to <NAME>_DATABASE_URL if set (crm → CRM_DATABASE_URL …), else --database-url /
 * DATABASE_URL. Migrations run first; a subgraph whose schema was already seeded is left alone. A bad argument or
 * setting, or a database that does not answer within STARTUP_RETRY_SECONDS, stops it with one line.
 */
import { isoDate } from '../lib/clock.ts';
import { ConfigError, loadConfig, subgraphNames } from '../lib/config.ts';
import { waitForPostgres } from '../lib/db/database.ts';
import { createLogger } from '../lib/logger.ts';
import { planDemoFirm } from '../lib/seed/plan.ts';
import { seedOnce } from '../lib/seed/seed-once.ts';
import { parseCommandLine, runMain } from '../lib/startup.ts';
import { subgraphModules } from '../gateway/subgraphs.ts';

const usage = 'usage: npm run seed -- [--scale 1] [--database-url postgres://…] [--today YYYY-MM-DD]';

await runMain('seed', async () => {
  const { values } = parseCommandLine(
    { options: { scale: { type: 'string', default: '1' }, 'database-url': { type: 'string' }, today: { type: 'string' } } },
    usage,
  );
  const scale = Number(values.scale);
  if (!Number.isFinite(scale) || scale <= 0) throw new ConfigError('--scale', `must be a positive number, got "${values.scale}"`, usage);
  const isDate = (text: string) => /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(text)) && isoDate(new Date(text)) === text;
  if (values.today !== undefined && !isDate(values.today)) {
    throw new ConfigError('--today', `"${values.today}" is not a date`, 'write it as YYYY-MM-DD');
  }
  const config = loadConfig();
  const logger = createLogger({ service: 'seed' }, config.logLevel);
  // Where each subgraph's schema goes, and which setting said so (named when it is wrong).
  const targets = subgraphNames.map((name) => {
    const own = `${name.toUpperCase()}_DATABASE_URL`;
    const [variable, url] = process.env[own]
      ? [own, process.env[own]]
      : values['database-url']
        ? ['--database-url', values['database-url']]
        : ['DATABASE_URL', config.databaseUrl];
    if (!url) {
      throw new ConfigError('DATABASE_URL', `is not set (no database for ${name})`, `pass --database-url, or set DATABASE_URL or ${own}`);
    }
    if (!/^postgres(ql)?:\/\/./.test(url)) {
      throw new ConfigError(variable, 'is not a postgres URL', 'e.g. postgres://user:password@host:5432/database');
    }
    return { name, variable, url };
  });
  for (const { variable, url } of new Map(targets.map((target) => [target.url, target])).values()) {
    await waitForPostgres(url, { retrySeconds: config.startup.retrySeconds, logger, variable });
  }

  const today = values.today ?? isoDate(new Date());
  const started = performance.now();
  const firm = planDemoFirm({ scale, today });
  console.log(`planned the demo firm at scale ${scale}: ${firm.workers.length} workers, ${firm.projects.length} projects`);
  for (const { name, url } of targets) {
    const module = subgraphModules[name];
    const database = await module.openDatabase({ kind: 'postgres', url });
    const subgraphStarted = performance.now();
    const result = await seedOnce(module, database.db, firm);
    console.log(`${name}: seeded at scale ${result.scale} for ${result.today} (${((performance.now() - subgraphStarted) / 1000).toFixed(1)} s)`);
    await database.close();
  }
  console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
});
