import type { MutationResolvers } from './types.generated.ts';

/** Each mutation is one service call; the service returns the id and the entity is read back through its loader. */
export const Mutation: MutationResolvers = {
  closePeriod: async (_, { legalEntityId, periodStart, periodEnd, idempotencyKey }, ctx) =>
    (await ctx.loaders.periodLock.load(await ctx.time.closePeriod(ctx, { legalEntityId, periodStart, periodEnd }, idempotencyKey)))!,
  reopenPeriod: async (_, { id }, ctx) => (await ctx.loaders.periodLock.load(await ctx.time.reopenPeriod(ctx, id)))!,
  logTimeEntry: async (_, { input, idempotencyKey }, ctx) =>
    (await ctx.loaders.timeEntry.load(await ctx.capture.logTimeEntry(ctx, input, idempotencyKey)))!,
  logTimeEntries: (_, { inputs, idempotencyKey }, ctx) => ctx.capture.logTimeEntries(ctx, inputs, idempotencyKey),
  updateTimeEntry: async (_, { id, expectedVersion, input }, ctx) =>
    (await ctx.loaders.timeEntry.load(await ctx.capture.updateTimeEntry(ctx, id, expectedVersion, input)))!,
  deleteTimeEntry: (_, { id, expectedVersion }, ctx) => ctx.capture.deleteTimeEntry(ctx, id, expectedVersion),
};
