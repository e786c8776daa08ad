import type { SubgraphModule } from '../../lib/graphql/subgraph-server.ts';
import { openErpDatabase } from './db.ts';
import { seedErp } from './seed.ts';
import { createErpSubgraph } from './server.ts';
import type { ErpDatabase } from './tables.ts';

export { erpConsumerGroups, erpTopics } from './events.ts';
export type { BillingBlocked, BillingSetupReady } from './events.ts';
export type { ErpDatabase } from './tables.ts';

export const erpSubgraph: SubgraphModule<ErpDatabase> = {
  name: 'erp',
  openDatabase: openErpDatabase,
  create: createErpSubgraph,
  seed: seedErp,
};
