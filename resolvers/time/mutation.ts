import type { TimeContext } from '../../subgraphs/time/server.ts';
import type { MutationResolvers } from './types.generated.ts';

const entries = async (ctx: TimeContext, ids: Promise<string[]>) => Promise.all((await ids).map(async (id) => (await ctx.loaders.timeEntry.load(id))!));
const expenses = async (ctx: TimeContext, ids: Promise<string[]>) => Promise.all((await ids).map(async (id) => (await ctx.loaders.expense.load(id))!));
const timesheet = async (ctx: TimeContext, key: Promise<string>) => ctx.loaders.timesheet.load(await key);

/** Each mutation is one service call; the service returns the id and the entity is read back through its loader. */
export const Mutation: MutationResolvers = {
  closePeriod: async (_, { legalEntityId, periodStart, periodEnd, graceDays, idempotencyKey }, ctx) =>
    (await ctx.loaders.periodLock.load(await ctx.time.closePeriod(ctx, { legalEntityId, periodStart, periodEnd, graceDays: graceDays ?? 0 }, idempotencyKey)))!,
  reopenPeriod: async (_, { id }, ctx) => (await ctx.loaders.periodLock.load(await ctx.time.reopenPeriod(ctx, id)))!,
  logTimeEntry: async (_, { input, idempotencyKey }, ctx) =>
    (await ctx.loaders.timeEntry.load(await ctx.capture.logTimeEntry(ctx, input, idempotencyKey)))!,
  logTimeEntries: (_, { inputs, idempotencyKey }, ctx) => ctx.capture.logTimeEntries(ctx, inputs, idempotencyKey),
  importTimeEntries: (_, { inputs, status, allowLockedPeriods, dryRun, idempotencyKey }, ctx) =>
    ctx.capture.importTimeEntries(ctx, inputs, { status, allowLockedPeriods: allowLockedPeriods ?? false, dryRun: dryRun ?? false }, idempotencyKey),
  updateTimeEntry: async (_, { id, expectedVersion, input }, ctx) =>
    (await ctx.loaders.timeEntry.load(await ctx.capture.updateTimeEntry(ctx, id, expectedVersion, input)))!,
  deleteTimeEntry: (_, { id, expectedVersion }, ctx) => ctx.capture.deleteTimeEntry(ctx, id, expectedVersion),
  submitTimesheet: (_, { workerId, isoWeek, idempotencyKey }, ctx) => timesheet(ctx, ctx.approval.submitTimesheet(ctx, workerId, isoWeek, idempotencyKey)),
  submitTimeEntries: (_, { ids, idempotencyKey }, ctx) => entries(ctx, ctx.approval.submitTimeEntries(ctx, ids, idempotencyKey)),
  approveTimeEntries: (_, { ids, idempotencyKey }, ctx) => entries(ctx, ctx.approval.approveTimeEntries(ctx, ids, idempotencyKey)),
  approveTimesheet: (_, { workerId, isoWeek, idempotencyKey }, ctx) =>
    timesheet(ctx, ctx.approval.approveTimesheet(ctx, workerId, isoWeek, idempotencyKey)),
  rejectTimeEntries: (_, { ids, reason, idempotencyKey }, ctx) => entries(ctx, ctx.approval.rejectTimeEntries(ctx, ids, reason, idempotencyKey)),
  cancelTimeEntryApprovals: (_, { ids, reason, idempotencyKey }, ctx) => entries(ctx, ctx.approval.cancelApprovals(ctx, ids, reason, idempotencyKey)),
  correctTimeEntry: async (_, { id, expectedVersion, input, reason, idempotencyKey }, ctx) =>
    (await ctx.loaders.timeEntry.load(await ctx.capture.correctTimeEntry(ctx, id, expectedVersion, input, reason, idempotencyKey)))!,
  delegateApprovals: async (_, { input, idempotencyKey }, ctx) =>
    (await ctx.loaders.approvalDelegation.load(await ctx.delegation.delegateApprovals(ctx, input, idempotencyKey)))!,
  revokeApprovalDelegation: async (_, { id }, ctx) => (await ctx.loaders.approvalDelegation.load(await ctx.delegation.revokeApprovalDelegation(ctx, id)))!,
  recallTimesheet: (_, { isoWeek, idempotencyKey }, ctx) => timesheet(ctx, ctx.approval.recallTimesheet(ctx, isoWeek, idempotencyKey)),
  logExpense: async (_, { input, idempotencyKey }, ctx) =>
    (await ctx.loaders.expense.load(await ctx.expenseCapture.logExpense(ctx, input, idempotencyKey)))!,
  logExpenses: (_, { inputs, idempotencyKey }, ctx) => ctx.expenseCapture.logExpenses(ctx, inputs, idempotencyKey),
  updateExpense: async (_, { id, expectedVersion, input }, ctx) =>
    (await ctx.loaders.expense.load(await ctx.expenseCapture.updateExpense(ctx, id, expectedVersion, input)))!,
  deleteExpense: (_, { id, expectedVersion }, ctx) => ctx.expenseCapture.deleteExpense(ctx, id, expectedVersion),
  submitExpenses: (_, { ids, idempotencyKey }, ctx) => expenses(ctx, ctx.approval.submitExpenses(ctx, ids, idempotencyKey)),
  approveExpenses: (_, { ids, idempotencyKey }, ctx) => expenses(ctx, ctx.approval.approveExpenses(ctx, ids, idempotencyKey)),
  rejectExpenses: (_, { ids, reason, idempotencyKey }, ctx) => expenses(ctx, ctx.approval.rejectExpenses(ctx, ids, reason, idempotencyKey)),
  recallExpenses: (_, { ids, idempotencyKey }, ctx) => expenses(ctx, ctx.approval.recallExpenses(ctx, ids, idempotencyKey)),
  cancelExpenseApprovals: (_, { ids, reason, idempotencyKey }, ctx) =>
    expenses(ctx, ctx.approval.cancelExpenseApprovals(ctx, ids, reason, idempotencyKey)),
  correctExpense: async (_, { id, expectedVersion, input, reason, idempotencyKey }, ctx) =>
    (await ctx.loaders.expense.load(await ctx.expenseCapture.correctExpense(ctx, id, expectedVersion, input, reason, idempotencyKey)))!,
  republishApprovals: (_, { timeEntryIds, expenseIds, idempotencyKey }, ctx) =>
    ctx.republish.republishApprovals(ctx, { timeEntryIds, expenseIds }, idempotencyKey),
};
