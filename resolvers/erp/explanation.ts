import { entityRef, optionalEntityRef } from '../../lib/graphql/connection.ts';
import type { TimeEntryRef } from '../../subgraphs/erp/tables.ts';
import type { AmountChangeResolvers, AmountSourceResolvers, BillingHeldReason, RateRuleResolvers } from './types.generated.ts';

/** `AmountExplanation`'s own fields are the model's (subgraphs/erp/domain/explanation.ts); its parts name entities by id. */
/**
 * A time entry or expense returned as its key only: the fields erp @requires of it (`billable status`) are for its
 * own `billing` field, which the gateway resolves through `_entities` after fetching them from time.
 */
const sourceRef = (typename: 'TimeEntry' | 'ExpenseEntry', id: string) => entityRef(typename, id) as unknown as TimeEntryRef;

export const AmountSource: AmountSourceResolvers = {
  timeEntry: (source) => (source.type === 'TIME_ENTRY' ? sourceRef('TimeEntry', source.id) : null),
  expenseEntry: (source) => (source.type === 'EXPENSE' ? sourceRef('ExpenseEntry', source.id) : null),
  milestone: (source) => optionalEntityRef('Milestone', source.type === 'MILESTONE' ? source.id : null),
  approvedBy: (source) => optionalEntityRef('Worker', source.approval?.approvedBy ?? null),
  approvedAt: (source) => (source.approval ? new Date(source.approval.approvedAt) : null),
};

export const RateRule: RateRuleResolvers = {
  assignment: (rule) => optionalEntityRef('Assignment', rule.kind === 'ASSIGNMENT_OVERRIDE' ? rule.assignmentId : null),
  rateCard: (rule) => optionalEntityRef('RateCard', rule.kind === 'RATE_CARD' ? rule.rateCardId : null),
  rateId: (rule) => (rule.kind === 'RATE_CARD' ? rule.rateId : null),
  role: (rule) => optionalEntityRef('Role', rule.kind === 'RATE_CARD' ? rule.roleId : null),
  effectiveFrom: (rule) => (rule.kind === 'ASSIGNMENT_OVERRIDE' ? null : rule.effectiveFrom),
  effectiveTo: (rule) => (rule.kind === 'ASSIGNMENT_OVERRIDE' ? null : rule.effectiveTo),
  costRateId: (rule) => (rule.kind === 'COST_RATE' ? rule.costRateId : null),
};

export const AmountChange: AmountChangeResolvers = {
  heldReason: (change) => change.heldReason as BillingHeldReason | null,
};
