import type { SubgraphModule } from '../../lib/graphql/subgraph-server.ts';
import { openPsaDatabase } from './db.ts';
import { seedPsa } from './seed.ts';
import { createGraphContractFeeFacts } from './contract-facts.ts';
import { createGraphForeignRefs } from '../../lib/foreign-refs.ts';
import { createGraphPlanningFacts } from './planning-facts.ts';
import { createPsaSubgraph } from './server.ts';
import type { PsaDatabase } from './tables.ts';

export { psaTopics, consumedTopics as psaConsumedTopics } from './events.ts';
export type {
  AssignmentChanged,
  BillingSetupReady,
  MilestoneCompleted,
  ProjectActivated,
  ProjectCreated,
  ProjectStatusChanged,
} from './events.ts';
export type { PsaDatabase } from './tables.ts';
export { dealToProjectGroup } from './use-cases/deal-to-project.ts';

export const psaSubgraph: SubgraphModule<PsaDatabase> = {
  name: 'psa',
  // Planning reads every ACTIVE worker's capacity (hcm) and deals' probabilities (crm) as a resource manager would;
  // the milestone plan reads a contract's fee (crm's amount), which is finance's.
  serviceRoles: ['RESOURCE_MANAGER', 'FINANCE'],
  openDatabase: openPsaDatabase,
  create: (deps) =>
    createPsaSubgraph(deps, {
      planningFacts: deps.graph ? createGraphPlanningFacts(deps.graph) : undefined,
      contractFees: deps.graph ? createGraphContractFeeFacts(deps.graph) : undefined,
      foreignRefs: deps.graph ? createGraphForeignRefs(deps.graph) : undefined,
      overbookingLimitPercent: deps.config?.staffing.overbookingLimitPercent,
    }),
  seed: seedPsa,
};
