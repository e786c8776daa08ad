import { openSubgraphDatabase, type DatabaseTarget, type SubgraphDatabase } from '../../lib/db/database.ts';
import { psaMigrations } from './migrations/index.ts';
import type { PsaDatabase } from './tables.ts';

/** psa's tables live in their own Postgres schema (default `psa`); migrations run here, at start-up. */
export const openPsaDatabase = (target: DatabaseTarget, schema = 'psa'): Promise<SubgraphDatabase<PsaDatabase>> =>
  openSubgraphDatabase<PsaDatabase>(target, schema, psaMigrations);
