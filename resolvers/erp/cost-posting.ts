import { entityRef, optionalEntityRef } from '../../lib/graphql/connection.ts';
import { explainCostPosting } from '../../subgraphs/erp/domain/explanation.ts';
import { money, optionalMoney } from '../../subgraphs/erp/domain/money.ts';
import type { CostPostingResolvers } from './types.generated.ts';

export const CostPosting: CostPostingResolvers = {
  __resolveReference: (ref, { erpQueries }) => erpQueries.costPosting(ref.id),
  sourceType: (posting) => posting.source_type,
  sourceId: (posting) => posting.source_id,
  worker: (posting) => optionalEntityRef('Worker', posting.worker_id),
  project: (posting) => entityRef('Project', posting.project_id),
  legalEntity: (posting) => entityRef('LegalEntity', posting.legal_entity_id),
  costRate: (posting) => optionalMoney(posting.cost_rate, posting.currency),
  amount: (posting) => money(posting.amount, posting.currency),
  reversalOf: (posting, _, { loaders }) => (posting.reversal_of ? loaders.costPosting.load(posting.reversal_of) : null),
  reversedAt: (posting) => posting.reversed_at,
  explanation: (posting) => explainCostPosting(posting),
  postedAt: (posting) => posting.posted_at,
  updatedAt: (posting) => posting.updated_at,
};
