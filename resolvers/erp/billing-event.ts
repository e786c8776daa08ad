import { trimDecimal } from '../../lib/decimal.ts';
import { entityRef, optionalEntityRef } from '../../lib/graphql/connection.ts';
import type { BillingHeldReason as HeldReason } from '../../subgraphs/erp/domain/held-reasons.ts';
import { explainBillingEvent } from '../../subgraphs/erp/domain/explanation.ts';
import { money, optionalMoney } from '../../subgraphs/erp/domain/money.ts';
import type { BillingEventResolvers, BillingHeldReason } from './types.generated.ts';

/** The SDL enum is erp's one list of held reasons (domain/held-reasons.ts): one without the other fails the typecheck. */
const heldReasonsMatchSchema: [HeldReason, BillingHeldReason] extends [BillingHeldReason, HeldReason] ? true : never = true;

export const BillingEvent: BillingEventResolvers = {
  __resolveReference: (ref, { erpQueries }) => erpQueries.billingEvent(ref.id),
  sourceType: (event) => event.source_type,
  sourceId: (event) => event.source_id,
  contract: (event) => entityRef('Contract', event.contract_id),
  project: (event) => optionalEntityRef('Project', event.project_id),
  customer: (event) => entityRef('Customer', event.customer_id),
  legalEntity: (event) => entityRef('LegalEntity', event.legal_entity_id),
  worker: (event) => optionalEntityRef('Worker', event.worker_id),
  role: (event) => optionalEntityRef('Role', event.role_id),
  task: (event) => optionalEntityRef('Task', event.task_id),
  rate: (event) => optionalMoney(event.rate, event.currency),
  amount: (event) => money(event.amount, event.currency),
  fxRate: (event) => (event.fx_rate === null ? null : trimDecimal(String(event.fx_rate))),
  functionalAmount: (event) => (event.functional_amount === null || event.functional_currency === null ? null : money(event.functional_amount, event.functional_currency)),
  heldReason: (event) => event.held_reason as HeldReason | null,
  reversedAt: (event) => event.reversed_at,
  invoiceLine: async (event, _, { loaders }) => {
    const [line] = await loaders.linesByBillingEvent.load(event.id);
    return line && line.released_at === null ? line : null;
  },
  costPosting: async (event, _, { loaders }) => {
    if (event.source_type !== 'TIME_ENTRY' && event.source_type !== 'EXPENSE') return null;
    const [posting] = await (event.source_type === 'TIME_ENTRY' ? loaders.costPostingByTimeEntry : loaders.costPostingByExpense).load(event.source_id);
    return posting ?? null;
  },
  explanation: async (event, _, { loaders }) => explainBillingEvent(event, await loaders.changesByBillingEvent.load(event.id)),
  createdAt: (event) => event.created_at,
  updatedAt: (event) => event.updated_at,
};
