import { pacedList } from '../../lib/cooperative.ts';
import { pageArgsOf } from '../../lib/graphql/connection.ts';
import type { QueryResolvers } from './types.generated.ts';

export const Query: QueryResolvers = {
  timeEntry: (_, { id }, ctx) => ctx.timeQueries.timeEntry(ctx, id),
  timeEntries: (_, args, ctx, info) => ctx.timeQueries.timeEntries(ctx, pageArgsOf(args, info)),
  timesheet: (_, { workerId, isoWeek }, ctx) => ctx.timeQueries.timesheet(ctx, workerId, isoWeek),
  expense: (_, { id }, ctx) => ctx.timeQueries.expense(ctx, id),
  expenses: (_, args, ctx, info) => ctx.timeQueries.expenses(ctx, pageArgsOf(args, info)),
  approvalRecord: (_, { id }, ctx) => ctx.timeQueries.approvalRecord(ctx, id),
  deletedTimeRecords: (_, { typename, deletedAfter, ...page }, ctx, info) =>
    ctx.timeQueries.deletedTimeRecords(ctx, { ...pageArgsOf(page, info), typename, deletedAfter }),
  periodLock: (_, { id }, { loaders }) => loaders.periodLock.load(id),
  periodLocks: (_, args, { timeQueries }, info) => timeQueries.periodLocks(pageArgsOf(args, info)),
  approvalDelegation: (_, { id }, ctx) => ctx.timeQueries.approvalDelegation(ctx, id),
  approvalDelegations: (_, args, ctx, info) => ctx.timeQueries.approvalDelegations(ctx, pageArgsOf(args, info)),
  approvalQueue: (_, { managerId, ...page }, ctx, info) => ctx.approvalQueue.approvalQueue(ctx, { ...pageArgsOf(page, info), managerId }),
  payrollHours: (_, { from, to, legalEntityId, workerIds, ...page }, ctx, info) =>
    ctx.payroll.payrollHours(ctx, { ...pageArgsOf(page, info), from, to, legalEntityId, workerIds }),
  utilization: async (_, args, ctx) => pacedList(await ctx.kpis.utilization(ctx, args)),
  timesheetCompliance: async (_, args, ctx) => pacedList(await ctx.kpis.timesheetCompliance(ctx, args)),
  missingTimesheets: (_, args, ctx) => ctx.kpis.missingTimesheets(ctx, args),
};
