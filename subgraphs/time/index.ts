import type { SubgraphModule } from '../../lib/graphql/subgraph-server.ts';
import { openTimeDatabase } from './db.ts';
import { createGraphPayrollContext, createGraphWorkContext } from './graph-work-context.ts';
import { seedTime } from './seed.ts';
import { createTimeSubgraph } from './server.ts';
import type { TimeDatabase } from './tables.ts';

export { timeTopics } from './events.ts';
export type {
  PeriodClosed,
  PeriodReopened,
  TimeEntrySnapshot,
  TimeEntrySubmitted,
  TimeEntryApproved,
  TimeEntryRejected,
  TimeEntryCorrected,
  TimeEntryApprovalCancelled,
  TimesheetChanged,
  ExpenseSnapshot,
  ExpenseSubmitted,
  ExpenseApproved,
  ExpenseRejected,
  ExpenseApprovalCancelled,
  ExpenseCorrected,
  Money,
} from './events.ts';
export type { TimeDatabase } from './tables.ts';

export const timeSubgraph: SubgraphModule<TimeDatabase> = {
  name: 'time',
  // Cancelling an approval reads erp's billing status of the entries (finance data) and their entries across workers.
  serviceRoles: ['FINANCE'],
  openDatabase: openTimeDatabase,
  // Capture validates against psa, hcm and crm, and payroll reads calendars from hcm, through the gateway when the
  // host gives a graph client.
  create: (deps) =>
    createTimeSubgraph(deps, {
      maxDaysAhead: deps.config?.time.futureDays,
      ...(deps.graph ? { workContext: createGraphWorkContext(deps.graph), payrollContext: createGraphPayrollContext(deps.graph) } : {}),
    }),
  seed: seedTime,
};
