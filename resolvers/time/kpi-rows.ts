import { optionalEntityRef } from '../../lib/graphql/connection.ts';
import type { GroupKey } from '../../subgraphs/time/domain/kpi-groups.ts';
import { weekKey } from '../../subgraphs/time/loaders.ts';
import type { MissingTimesheetResolvers, TimesheetComplianceRowResolvers, UtilizationRowResolvers } from './types.generated.ts';

/** A KPI row's group keys as entity references, set only for the dimensions grouped by. */
const groupRefs = {
  worker: (row: GroupKey) => optionalEntityRef('Worker', row.workerId),
  role: (row: GroupKey) => optionalEntityRef('Role', row.roleId),
  costCenter: (row: GroupKey) => optionalEntityRef('CostCenter', row.costCenterId),
  legalEntity: (row: GroupKey) => optionalEntityRef('LegalEntity', row.legalEntityId),
};

export const UtilizationRow: UtilizationRowResolvers = {
  ...groupRefs,
  customer: (row) => optionalEntityRef('Customer', row.customerId),
  project: (row) => optionalEntityRef('Project', row.projectId),
};

export const TimesheetComplianceRow: TimesheetComplianceRowResolvers = groupRefs;

export const MissingTimesheet: MissingTimesheetResolvers = {
  worker: (week) => ({ id: week.workerId }),
  timesheet: (week, _, { loaders }) => loaders.timesheet.load(weekKey(week.workerId, week.weekStart)),
};

