import type { MutationResolvers } from './types.generated.ts';

/** Each mutation is one service call; the service returns the id and the entity is read back through its loader. */
export const Mutation: MutationResolvers = {
  createProject: async (_, { input, idempotencyKey }, ctx) =>
    (await ctx.loaders.project.load(await ctx.psa.createProject(ctx, input, idempotencyKey)))!,
  updateProject: async (_, { id, input }, ctx) => (await ctx.loaders.project.load(await ctx.psa.updateProject(ctx, id, input)))!,
  activateProject: async (_, { id }, ctx) => (await ctx.loaders.project.load(await ctx.psa.activateProject(ctx, id)))!,
  holdProject: async (_, { id }, ctx) => (await ctx.loaders.project.load(await ctx.psa.holdProject(ctx, id)))!,
  resumeProject: async (_, { id }, ctx) => (await ctx.loaders.project.load(await ctx.psa.resumeProject(ctx, id)))!,
  closeProject: async (_, { id }, ctx) => (await ctx.loaders.project.load(await ctx.psa.closeProject(ctx, id)))!,
  createTask: async (_, { input, idempotencyKey }, ctx) => (await ctx.loaders.task.load(await ctx.psa.createTask(ctx, input, idempotencyKey)))!,
  updateTask: async (_, { id, input }, ctx) => (await ctx.loaders.task.load(await ctx.psa.updateTask(ctx, id, input)))!,
  createAssignment: async (_, { input, idempotencyKey }, ctx) =>
    (await ctx.loaders.assignment.load(await ctx.psa.createAssignment(ctx, input, idempotencyKey)))!,
  updateAssignment: async (_, { id, input }, ctx) =>
    (await ctx.loaders.assignment.load(await ctx.psa.updateAssignment(ctx, id, input)))!,
  createMilestone: async (_, { input, idempotencyKey }, ctx) =>
    (await ctx.loaders.milestone.load(await ctx.psa.createMilestone(ctx, input, idempotencyKey)))!,
  updateMilestone: async (_, { id, input }, ctx) => (await ctx.loaders.milestone.load(await ctx.psa.updateMilestone(ctx, id, input)))!,
  completeMilestone: async (_, { id }, ctx) => (await ctx.loaders.milestone.load(await ctx.psa.completeMilestone(ctx, id)))!,
  createStaffingRequest: async (_, { input, idempotencyKey }, ctx) =>
    (await ctx.loaders.staffingRequest.load(await ctx.psa.createStaffingRequest(ctx, input, idempotencyKey)))!,
  updateStaffingRequest: async (_, { id, input }, ctx) =>
    (await ctx.loaders.staffingRequest.load(await ctx.psa.updateStaffingRequest(ctx, id, input)))!,
  cancelStaffingRequest: async (_, { id }, ctx) =>
    (await ctx.loaders.staffingRequest.load(await ctx.psa.cancelStaffingRequest(ctx, id)))!,
  upsertProjects: (_, { inputs, idempotencyKey }, ctx) => ctx.psa.upsertProjects(ctx, inputs, idempotencyKey),
  upsertTasks: (_, { inputs, idempotencyKey }, ctx) => ctx.psa.upsertTasks(ctx, inputs, idempotencyKey),
  upsertAssignments: (_, { inputs, idempotencyKey }, ctx) => ctx.psa.upsertAssignments(ctx, inputs, idempotencyKey),
  upsertMilestones: (_, { inputs, idempotencyKey }, ctx) => ctx.psa.upsertMilestones(ctx, inputs, idempotencyKey),
  staffRequest: async (_, { id, input, idempotencyKey }, ctx) =>
    (await ctx.loaders.staffingRequest.load(await ctx.psa.staffRequest(ctx, id, input, idempotencyKey)))!,
};
