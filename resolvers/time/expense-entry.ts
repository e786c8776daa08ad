import { entityRef, optionalEntityRef } from '../../lib/graphql/connection.ts';
import type { ExpenseEntryResolvers } from './types.generated.ts';

export const ExpenseEntry: ExpenseEntryResolvers = {
  __resolveReference: (ref, ctx) => ctx.timeQueries.expense(ctx, ref.id),
  worker: (expense) => entityRef('Worker', expense.worker_id),
  project: (expense) => entityRef('Project', expense.project_id),
  amount: (expense) => ({ amount: expense.amount, currency: expense.currency }),
  receiptRef: (expense) => expense.receipt_ref,
  externalId: (expense) =>
    expense.external_system !== null && expense.external_id !== null ? { system: expense.external_system, id: expense.external_id } : null,
  submittedAt: (expense) => expense.submitted_at,
  decidedAt: (expense) => expense.decided_at,
  decidedBy: (expense) => optionalEntityRef('Worker', expense.decided_by),
  rejectionReason: (expense) => expense.rejection_reason,
  correctionOf: (expense, _, ctx) => (expense.correction_of ? ctx.timeQueries.expense(ctx, expense.correction_of) : null),
  reversedAt: (expense) => expense.reversed_at,
  correctedBy: (expense, _, ctx) => ctx.timeQueries.expenseCorrectionOf(ctx, expense.id),
  approvals: (expense, _, { loaders }) => loaders.approvalsByExpense.load(expense.id),
  createdAt: (expense) => expense.created_at,
  updatedAt: (expense) => expense.updated_at,
};
