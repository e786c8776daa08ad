import type { MilestoneResolvers } from './types.generated.ts';

export const Milestone: MilestoneResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.milestone.load(ref.id),
  project: async (milestone, _, { loaders }) => (await loaders.project.load(milestone.project_id))!,
  amount: (milestone) => ({ amount: milestone.amount, currency: milestone.currency }),
  dueDate: (milestone) => milestone.due_date,
  completedAt: (milestone) => milestone.completed_at,
};
