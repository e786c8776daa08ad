import type { LeaveResolvers } from './types.generated.ts';

export const Leave: LeaveResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.leave.load(ref.id),
  worker: async (leave, _, { loaders }) => (await loaders.worker.load(leave.worker_id))!,
  startDate: (leave) => leave.start_date,
  endDate: (leave) => leave.end_date,
  hoursPerDay: (leave) => leave.hours_per_day,
  createdAt: (leave) => leave.created_at,
  updatedAt: (leave) => leave.updated_at,
};
