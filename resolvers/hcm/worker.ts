import { toExternalRef } from '../../lib/external-refs.ts';
import { pageArgsOf } from '../../lib/graphql/connection.ts';
import { effectiveStatus } from '../../subgraphs/hcm/domain/worker-status.ts';
import type { WorkerResolvers, WorkerSkillResolvers } from './types.generated.ts';

export const Worker: WorkerResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.worker.load(ref.id),
  employeeNumber: (worker) => worker.employee_number,
  role: async (worker, _, { loaders }) => (await loaders.role.load(worker.role_id))!,
  manager: (worker, _, { loaders }) => (worker.manager_id ? loaders.worker.load(worker.manager_id) : null),
  directReports: (worker, args, { loaders }, info) =>
    (args.filter?.updatedAfter != null ? loaders.directReportsByChange : loaders.directReports).for(pageArgsOf(args, info)).load(worker.id),
  costCenter: async (worker, _, { loaders }) => (await loaders.costCenter.load(worker.cost_center_id))!,
  legalEntity: async (worker, _, { loaders }) => (await loaders.legalEntity.load(worker.legal_entity_id))!,
  calendar: async (worker, _, { loaders }) => (await loaders.calendar.load(worker.calendar_id))!,
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
