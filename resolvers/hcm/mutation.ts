import type { MutationResolvers } from './types.generated.ts';
import { webhookMutations } from './webhooks.ts';

/** Each mutation is one service call; the service returns the id and the entity is read back through its loader. */
export const Mutation: MutationResolvers = {
  createLegalEntity: async (_, { input, idempotencyKey }, ctx) =>
    (await ctx.loaders.legalEntity.load(await ctx.hcm.createLegalEntity(ctx, input, idempotencyKey)))!,
  updateLegalEntity: async (_, { id, input }, ctx) => (await ctx.loaders.legalEntity.load(await ctx.hcm.updateLegalEntity(ctx, id, input)))!,
  upsertLegalEntities: (_, { inputs, idempotencyKey }, ctx) => ctx.hcm.upsertLegalEntities(ctx, inputs, idempotencyKey),
  createCostCenter: async (_, { input, idempotencyKey }, ctx) =>
    (await ctx.loaders.costCenter.load(await ctx.hcm.createCostCenter(ctx, input, idempotencyKey)))!,
  updateCostCenter: async (_, { id, input }, ctx) => (await ctx.loaders.costCenter.load(await ctx.hcm.updateCostCenter(ctx, id, input)))!,
  upsertCostCenters: (_, { inputs, idempotencyKey }, ctx) => ctx.hcm.upsertCostCenters(ctx, inputs, idempotencyKey),
  createRole: async (_, { input, idempotencyKey }, ctx) => (await ctx.loaders.role.load(await ctx.hcm.createRole(ctx, input, idempotencyKey)))!,
  updateRole: async (_, { id, input }, ctx) => (await ctx.loaders.role.load(await ctx.hcm.updateRole(ctx, id, input)))!,
  upsertRoles: (_, { inputs, idempotencyKey }, ctx) => ctx.hcm.upsertRoles(ctx, inputs, idempotencyKey),
  createWorkCalendar: async (_, { input, idempotencyKey }, ctx) =>
    (await ctx.loaders.calendar.load(await ctx.hcm.createWorkCalendar(ctx, input, idempotencyKey)))!,
  updateWorkCalendar: async (_, { id, input }, ctx) => (await ctx.loaders.calendar.load(await ctx.hcm.updateWorkCalendar(ctx, id, input)))!,
  addHoliday: async (_, { calendarId, date, name }, ctx) =>
    (await ctx.loaders.calendar.load(await ctx.hcm.addHoliday(ctx, calendarId, date, name)))!,
  removeHoliday: async (_, { calendarId, date }, ctx) => (await ctx.loaders.calendar.load(await ctx.hcm.removeHoliday(ctx, calendarId, date)))!,
  createWorker: async (_, { input, idempotencyKey }, ctx) =>
    (await ctx.loaders.worker.load(await ctx.hcm.createWorker(ctx, input, idempotencyKey)))!,
  updateWorker: async (_, { id, input }, ctx) => (await ctx.loaders.worker.load(await ctx.hcm.updateWorker(ctx, id, input)))!,
  upsertWorkers: (_, { inputs, idempotencyKey }, ctx) => ctx.hcm.upsertWorkers(ctx, inputs, idempotencyKey),
  addWorkerCostRate: async (_, { workerId, input, idempotencyKey }, ctx) =>
    (await ctx.loaders.worker.load(await ctx.hcm.addWorkerCostRate(ctx, workerId, input, idempotencyKey)))!,
  changeWorkerAttributes: async (_, { workerId, input, idempotencyKey }, ctx) =>
    (await ctx.loaders.worker.load(await ctx.hcm.changeWorkerAttributes(ctx, workerId, input, idempotencyKey)))!,
  applyDueWorkerChanges: (_, __, ctx) => ctx.hcm.applyDueWorkerChanges(ctx),
  setWorkerSkills: async (_, { workerId, skills }, ctx) => (await ctx.loaders.worker.load(await ctx.hcm.setWorkerSkills(ctx, workerId, skills)))!,
  createLeave: async (_, { input, idempotencyKey }, ctx) => (await ctx.loaders.leave.load(await ctx.hcm.createLeave(ctx, input, idempotencyKey)))!,
  cancelLeave: async (_, { id }, ctx) => (await ctx.loaders.leave.load(await ctx.hcm.cancelLeave(ctx, id)))!,
  createApiKey: async (_, { input, idempotencyKey }, ctx) => {
    const { id, secret } = await ctx.apiKeys.create(ctx, input, idempotencyKey);
    return { apiKey: (await ctx.loaders.apiKey.load(id))!, secret };
  },
  revokeApiKey: async (_, { id }, ctx) => (await ctx.loaders.apiKey.load(await ctx.apiKeys.revoke(ctx, id)))!,
  ...webhookMutations,
};
