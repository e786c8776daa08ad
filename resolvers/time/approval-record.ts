import { optionalEntityRef } from '../../lib/graphql/connection.ts';
import type { ApprovalRecordResolvers } from './types.generated.ts';

export const ApprovalRecord: ApprovalRecordResolvers = {
  __resolveReference: (ref, ctx) => ctx.timeQueries.approvalRecord(ctx, ref.id),
  actor: (record) => optionalEntityRef('Worker', record.actor_id),
  timeEntry: (record, _, ctx) => (record.time_entry_id ? ctx.timeQueries.timeEntry(ctx, record.time_entry_id) : null),
  expenseEntry: (record, _, ctx) => (record.expense_entry_id ? ctx.timeQueries.expense(ctx, record.expense_entry_id) : null),
};
