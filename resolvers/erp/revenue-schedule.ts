import { entityRef, optionalEntityRef } from '../../lib/graphql/connection.ts';
import { money } from '../../subgraphs/erp/domain/money.ts';
import type { RevenueLineResolvers, RevenueScheduleResolvers } from './types.generated.ts';

export const RevenueSchedule: RevenueScheduleResolvers = {
  __resolveReference: (ref, { erpQueries }) => erpQueries.revenueSchedule(ref.id),
  contract: (schedule) => entityRef('Contract', schedule.contract_id),
  project: (schedule) => optionalEntityRef('Project', schedule.project_id),
  lines: (schedule, _, { loaders }) => loaders.revenueLinesBySchedule.load(schedule.id),
};

export const RevenueLine: RevenueLineResolvers = {
  periodStart: (line) => line.period_start,
  periodEnd: (line) => line.period_end,
  amount: (line) => money(line.amount, line.currency),
};
