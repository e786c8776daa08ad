import type { SubgraphModule } from '../../lib/graphql/subgraph-server.ts';
import { openHcmDatabase } from './db.ts';
import { seedHcm } from './seed.ts';
import { createHcmSubgraph } from './server.ts';
import type { HcmDatabase } from './tables.ts';

export { hcmTopics } from './events.ts';
export type { WorkerSnapshot, WorkerField, WorkerCreated, WorkerChanged, CostRateAdded, LegalEntitySnapshot, LegalEntityCreated, LegalEntityChanged } from './events.ts';
export type { HcmDatabase } from './tables.ts';

export const hcmSubgraph: SubgraphModule<HcmDatabase> = {
  name: 'hcm',
  openDatabase: openHcmDatabase,
  create: createHcmSubgraph,
  seed: seedHcm,
};
