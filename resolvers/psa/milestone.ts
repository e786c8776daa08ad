import { toExternalRef } from '../../lib/external-refs.ts';
import { psaFields } from '../../subgraphs/psa/domain/field-access.ts';
import { projectManagerOf } from '../../subgraphs/psa/loaders.ts';
import type { MilestoneResolvers } from './types.generated.ts';

export const Milestone: MilestoneResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.milestone.load(ref.id),
  project: async (milestone, _, { loaders }) => (await loaders.project.load(milestone.project_id))!,
  amount: (milestone, _, { identity, loaders }) =>
    psaFields.read(
      identity,
      'Milestone.amount',
      () => ({ amount: milestone.amount, currency: milestone.currency }),
      projectManagerOf(loaders, milestone.project_id),
    ),
  dueDate: (milestone) => milestone.due_date,
  completedAt: (milestone) => milestone.completed_at,
  externalRefs: async (milestone, _, { loaders }) => (await loaders.milestoneRefs.load(milestone.id)).map(toExternalRef),
};
