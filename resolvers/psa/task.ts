import { toExternalRef } from '../../lib/external-refs.ts';
import type { TaskResolvers } from './types.generated.ts';

export const Task: TaskResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.task.load(ref.id),
  project: async (task, _, { loaders }) => (await loaders.project.load(task.project_id))!,
  parent: (task, _, { loaders }) => (task.parent_id ? loaders.task.load(task.parent_id) : null),
  plannedHours: (task) => task.planned_hours,
  externalRefs: async (task, _, { loaders }) => (await loaders.taskRefs.load(task.id)).map(toExternalRef),
};
