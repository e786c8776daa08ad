import { scalarResolvers } from '../../lib/graphql/scalars.ts';
import { ApprovalDelegation } from './approval-delegation.ts';
import { ApprovalRepublication } from './approval-republication.ts';
import { Assignment } from './assignment.ts';
import { ApprovalRecord } from './approval-record.ts';
import { PendingTimesheet } from './pending-timesheet.ts';
import { ExpenseEntry } from './expense-entry.ts';
import { ExpenseEntryResult } from './expense-entry-result.ts';
import { MissingTimesheet, TimesheetComplianceRow, UtilizationRow } from './kpi-rows.ts';
import { Mutation } from './mutation.ts';
import { PayrollDay, PayrollLine } from './payroll-line.ts';
import { PeriodLock } from './period-lock.ts';
import { Project } from './project.ts';
import { Query } from './query.ts';
import { TimeEntry } from './time-entry.ts';
import { DeletedTimeRecord } from './deleted-time-record.ts';
import { TimeEntryImportResult } from './time-entry-import-result.ts';
import { TimeEntryResult } from './time-entry-result.ts';
import { Timesheet } from './timesheet.ts';
import type { Resolvers } from './types.generated.ts';
import { Worker } from './worker.ts';

export const timeResolvers: Resolvers = {
  ...scalarResolvers,
  Query,
  Mutation,
  TimeEntry,
  TimeEntryResult,
  TimeEntryImportResult,
  DeletedTimeRecord,
  Timesheet,
  ExpenseEntry,
  ExpenseEntryResult,
  ApprovalRecord,
  ApprovalDelegation,
  ApprovalRepublication,
  PendingTimesheet,
  PeriodLock,
  Worker,
  Project,
  PayrollLine,
  PayrollDay,
  Assignment,
  UtilizationRow,
  TimesheetComplianceRow,
  MissingTimesheet,
};
