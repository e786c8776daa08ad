import { openSubgraphDatabase, type DatabaseTarget, type SubgraphDatabase } from '../../lib/db/database.ts';
import { erpMigrations } from './migrations/index.ts';
import type { ErpDatabase } from './tables.ts';

/** erp's tables live in their own Postgres schema (default `erp`); migrations run here, at start-up. */
export const openErpDatabase = (target: DatabaseTarget, schema = 'erp'): Promise<SubgraphDatabase<ErpDatabase>> =>
  openSubgraphDatabase<ErpDatabase>(target, schema, erpMigrations);
