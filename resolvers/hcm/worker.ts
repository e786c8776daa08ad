import { toExternalRef } from '../../lib/external-refs.ts';
import { pageArgsOf } from '../../lib/graphql/connection.ts';
import { effectiveStatus } from '../../subgraphs/hcm/domain/worker-status.ts';
import type { WorkerPeriodResolvers, WorkerResolvers, WorkerSkillResolvers } from './types.generated.ts';

export const Worker: WorkerResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.worker.load(ref.id),
  employeeNumber: (worker) => worker.employee_number,
  kind: async (worker, { asOf }, ctx) => (await ctx.hcmQueries.datedValues(ctx, worker, asOf)).kind,
  role: async (worker, { asOf }, ctx) => (await ctx.loaders.role.load((await ctx.hcmQueries.datedValues(ctx, worker, asOf)).role_id))!,
  manager: async (worker, { asOf }, ctx) => {
    const { manager_id } = await ctx.hcmQueries.datedValues(ctx, worker, asOf);
    return manager_id ? ctx.loaders.worker.load(manager_id) : null;
  },
  directReports: (worker, args, { loaders }, info) =>
    (args.filter?.updatedAfter != null ? loaders.directReportsByChange : loaders.directReports).for(pageArgsOf(args, info)).load(worker.id),
  costCenter: async (worker, { asOf }, ctx) =>
    (await ctx.loaders.costCenter.load((await ctx.hcmQueries.datedValues(ctx, worker, asOf)).cost_center_id))!,
  legalEntity: async (worker, { asOf }, ctx) =>
    (await ctx.loaders.legalEntity.load((await ctx.hcmQueries.datedValues(ctx, worker, asOf)).legal_entity_id))!,
  location: async (worker, { asOf }, ctx) => (await ctx.hcmQueries.datedValues(ctx, worker, asOf)).location,
  calendar: async (worker, { asOf }, ctx) => (await ctx.loaders.calendar.load((await ctx.hcmQueries.datedValues(ctx, worker, asOf)).calendar_id))!,
  history: (worker, { from, to }, ctx) => ctx.hcmQueries.history(ctx, worker, from, to),
  skills: (worker, _, { loaders }) => loaders.skillsByWorker.load(worker.id),
  costRates: (worker, _, ctx) => ctx.hcmQueries.costRates(ctx, worker.id),
  costRateOn: (worker, { date }, ctx) => ctx.hcmQueries.costRateOn(ctx, worker.id, date),
  capacityHours: (worker, { from, to }, ctx) => ctx.hcmQueries.capacityHours(ctx, worker, from, to),
  capacity: (worker, { from, to, period }, ctx) => ctx.hcmQueries.capacity(ctx, worker, from, to, period),
  status: (worker, _, { today }) => effectiveStatus(worker.status, worker.termination_date, today),
  hireDate: (worker) => worker.hire_date,
  terminationDate: (worker) => worker.termination_date,
  targetUtilization: (worker) => worker.target_utilization,
  leaves: (worker, args, { loaders }, info) => loaders.leavesByWorker.for(pageArgsOf(args, info)).load(worker.id),
  externalRefs: async (worker, _, { loaders }) => (await loaders.externalRefsOfWorker.load(worker.id)).map(toExternalRef),
  createdAt: (worker) => worker.created_at,
  updatedAt: (worker) => worker.updated_at,
};

export const WorkerSkill: WorkerSkillResolvers = {};

/** A period of `Worker.history`: its values as `Worker` reads them on a day of it. */
export const WorkerPeriod: WorkerPeriodResolvers = {
  effectiveFrom: (period) => period.effective_from,
  effectiveTo: (period) => period.effective_to,
  role: async (period, _, { loaders }) => (await loaders.role.load(period.role_id))!,
  manager: (period, _, { loaders }) => (period.manager_id ? loaders.worker.load(period.manager_id) : null),
  costCenter: async (period, _, { loaders }) => (await loaders.costCenter.load(period.cost_center_id))!,
  legalEntity: async (period, _, { loaders }) => (await loaders.legalEntity.load(period.legal_entity_id))!,
  calendar: async (period, _, { loaders }) => (await loaders.calendar.load(period.calendar_id))!,
  capacity: (period, args, ctx) => ctx.hcmQueries.periodCapacity(ctx, period, args.period),
};
