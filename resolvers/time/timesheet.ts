import { entityRef, pageArgsOf } from '../../lib/graphql/connection.ts';
import { addDays, isoWeekLabel } from '../../subgraphs/time/domain/iso-week.ts';
import { timesheetId } from '../../subgraphs/time/domain/timesheet-id.ts';
import { timesheetStatus } from '../../subgraphs/time/domain/timesheet-status.ts';
import type { TimesheetResolvers } from './types.generated.ts';

export const Timesheet: TimesheetResolvers = {
  __resolveReference: (ref, ctx) => ctx.timeQueries.timesheetById(ctx, ref.id),
  id: (sheet) => timesheetId(sheet.worker_id, sheet.week_start),
  worker: (sheet) => entityRef('Worker', sheet.worker_id),
  isoWeek: (sheet) => isoWeekLabel(sheet.week_start),
  weekStart: (sheet) => sheet.week_start,
  weekEnd: (sheet) => addDays(sheet.week_start, 6),
  status: (sheet) =>
    timesheetStatus({
      DRAFT: sheet.draft_count,
      SUBMITTED: sheet.submitted_count,
      APPROVED: sheet.approved_count,
      REJECTED: sheet.rejected_count,
    }),
  totalHours: (sheet) => sheet.total_hours,
  billableHours: (sheet) => sheet.billable_hours,
  entries: (sheet, args, ctx, info) => ctx.timeQueries.timesheetEntries(ctx, sheet, pageArgsOf(args, info)),
};
