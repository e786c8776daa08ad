import { openSubgraphDatabase, type DatabaseTarget, type SubgraphDatabase } from '../../lib/db/database.ts';
import { hcmMigrations } from './migrations/index.ts';
import type { HcmDatabase } from './tables.ts';

/** hcm's tables live in their own Postgres schema (default `hcm`); migrations run here, at start-up. */
export const openHcmDatabase = (target: DatabaseTarget, schema = 'hcm'): Promise<SubgraphDatabase<HcmDatabase>> =>
  openSubgraphDatabase<HcmDatabase>(target, schema, hcmMigrations);
