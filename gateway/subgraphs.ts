import type { SubgraphName } from '../lib/config.ts';
import type { SubgraphModule } from '../lib/graphql/subgraph-server.ts';
import { crmSubgraph } from '../subgraphs/crm/index.ts';
import { erpSubgraph } from '../subgraphs/erp/index.ts';
import { hcmSubgraph } from '../subgraphs/hcm/index.ts';
import { psaSubgraph } from '../subgraphs/psa/index.ts';
import { timeSubgraph } from '../subgraphs/time/index.ts';

/** Every subgraph package, in seed order (hcm's people before the work that references them). */
export const subgraphModules: Record<SubgraphName, SubgraphModule> = {
  hcm: hcmSubgraph,
  crm: crmSubgraph,
  psa: psaSubgraph,
  time: timeSubgraph,
  erp: erpSubgraph,
};
