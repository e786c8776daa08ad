import type { SubgraphModule } from '../../lib/graphql/subgraph-server.ts';
import { openCrmDatabase } from './db.ts';
import { createGraphHcmRefs } from './hcm-refs.ts';
import { seedCrm } from './seed.ts';
import { createCrmSubgraph } from './server.ts';
import type { CrmDatabase } from './tables.ts';

export { crmTopics } from './events.ts';
export type { OpportunityWon, OpportunityLost, ContractCreated, ContractAmended, ContractUpdated } from './events.ts';
export type { CrmDatabase } from './tables.ts';

export const crmSubgraph: SubgraphModule<CrmDatabase> = {
  name: 'crm',
  openDatabase: openCrmDatabase,
  create: (deps) => createCrmSubgraph(deps, { hcmRefs: deps.graph ? createGraphHcmRefs(deps.graph) : undefined }),
  seed: seedCrm,
};
