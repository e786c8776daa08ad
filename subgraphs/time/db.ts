import { openSubgraphDatabase, type DatabaseTarget, type SubgraphDatabase } from '../../lib/db/database.ts';
import { timeMigrations } from './migrations/index.ts';
import type { TimeDatabase } from './tables.ts';

/** time's tables live in their own Postgres schema (default `time`); migrations run here, at start-up. */
export const openTimeDatabase = (target: DatabaseTarget, schema = 'time'): Promise<SubgraphDatabase<TimeDatabase>> =>
  openSubgraphDatabase<TimeDatabase>(target, schema, timeMigrations);
