import { sql, type Kysely } from 'kysely';
import type { Logger } from '../logger.ts';
import type { AuditTables } from './tables.ts';

const DAY_MS = 86_400_000;

/** Sets how many days records are kept (AUDIT_RETENTION_DAYS); the guard trigger reads it on every delete. */
export async function setAuditRetention(subgraphDb: Kysely<any>, days: number): Promise<void> {
  if (!Number.isInteger(days) || days < 1) throw new Error(`audit retention must be a whole number of days from 1, not ${days}`);
  await (subgraphDb as Kysely<AuditTables>).updateTable('audit_retention').set({ days }).execute();
}

/**
 * Removes the records older than the retention period: the one delete the guard trigger allows, and it checks the
 * same condition row by row, so this cannot remove anything younger whatever it is asked. Returns how many went.
 */
export async function removeExpiredAuditRecords(subgraphDb: Kysely<any>): Promise<number> {
  const db = subgraphDb as Kysely<AuditTables>;
  const kept = db.selectFrom('audit_retention').select('days');
  const result = await db
    .deleteFrom('audit_log')
    .where('recorded_at', '<', sql<Date>`now() - make_interval(days => (${kept}))`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * A subgraph's retention: applies the configured period, removes expired records now and once a day after. The
 * timer does not keep the process alive; `stop` ends it.
 */
export async function startAuditRetention(options: {
  readonly db: Kysely<any>;
  readonly days?: number;
  readonly logger: Logger;
}): Promise<{ stop(): void }> {
  if (options.days !== undefined) await setAuditRetention(options.db, options.days);
  const remove = async () => {
    try {
      const removed = await removeExpiredAuditRecords(options.db);
      if (removed > 0) options.logger.info('expired audit records removed', { removed });
    } catch (error) {
      options.logger.error('removing expired audit records failed', { error });
    }
  };
  await remove();
  const timer = setInterval(remove, DAY_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
