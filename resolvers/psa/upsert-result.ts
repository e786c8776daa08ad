import type {
  AssignmentUpsertResultResolvers,
  MilestoneUpsertResultResolvers,
  ProjectUpsertResultResolvers,
  TaskUpsertResultResolvers,
} from './types.generated.ts';

/** A bulk upsert's result per input (lib/upsert.ts): the record is read back through its loader, unless REFUSED. */
export const ProjectUpsertResult: ProjectUpsertResultResolvers = {
  project: (result, _, { loaders }) => (result.id ? loaders.project.load(result.id) : null),
};

export const TaskUpsertResult: TaskUpsertResultResolvers = {
  task: (result, _, { loaders }) => (result.id ? loaders.task.load(result.id) : null),
};

export const AssignmentUpsertResult: AssignmentUpsertResultResolvers = {
  assignment: (result, _, { loaders }) => (result.id ? loaders.assignment.load(result.id) : null),
};

export const MilestoneUpsertResult: MilestoneUpsertResultResolvers = {
  milestone: (result, _, { loaders }) => (result.id ? loaders.milestone.load(result.id) : null),
};
