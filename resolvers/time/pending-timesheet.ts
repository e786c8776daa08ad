import { entityRef } from '../../lib/graphql/connection.ts';
import { isoWeekLabel } from '../../subgraphs/time/domain/iso-week.ts';
import { weekKey } from '../../subgraphs/time/loaders.ts';
import type { PendingTimesheetResolvers } from './types.generated.ts';

export const PendingTimesheet: PendingTimesheetResolvers = {
  timesheet: (week, _, { loaders }) => loaders.timesheet.load(weekKey(week.workerId, week.weekStart)),
  worker: (week) => entityRef('Worker', week.workerId),
  isoWeek: (week) => isoWeekLabel(week.weekStart),
};
