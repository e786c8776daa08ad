import type { PostgresPool } from 'kysely';
import { currentWorkload, type Workload } from './workload.ts';

/**
 * One PostgreSQL pool per workload behind Kysely's one pool: a connection is taken from the pool of the work asking
 * (`currentWorkload`), or of `fixed` for a handle whose every query is of one kind. Ending it ends both pools.
 */
export function poolPerWorkload(pools: Record<Workload, PostgresPool>, fixed?: Workload): PostgresPool {
  return {
    connect: () => pools[fixed ?? currentWorkload()].connect(),
    end: async () => {
      await Promise.all([pools.interactive.end(), pools.batch.end()]);
    },
  };
}
