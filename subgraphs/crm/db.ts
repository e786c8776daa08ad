import { openSubgraphDatabase, type DatabaseTarget, type SubgraphDatabase } from '../../lib/db/database.ts';
import { crmMigrations } from './migrations/index.ts';
import type { CrmDatabase } from './tables.ts';

/** crm's tables live in their own Postgres schema (default `crm`); migrations run here, at start-up. */
export const openCrmDatabase = (target: DatabaseTarget, schema = 'crm'): Promise<SubgraphDatabase<CrmDatabase>> =>
  openSubgraphDatabase<CrmDatabase>(target, schema, crmMigrations);
