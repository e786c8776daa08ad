import type { SubgraphModule } from '../../lib/graphql/subgraph-server.ts';
import { openPsaDatabase } from './db.ts';
import { seedPsa } from './seed.ts';
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
  openDatabase: openPsaDatabase,
  create: createPsaSubgraph,
  seed: seedPsa,
};
