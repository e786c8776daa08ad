import type { MutationResolvers } from './types.generated.ts';

/** Each mutation is one service call; the service returns the id and the entity is read back through its loader. */
export const Mutation: MutationResolvers = {
  closePeriod: async (_, { legalEntityId, periodStart, periodEnd, idempotencyKey }, ctx) =>
    (await ctx.loaders.periodLock.load(await ctx.time.closePeriod(ctx, { legalEntityId, periodStart, periodEnd }, idempotencyKey)))!,
  reopenPeriod: async (_, { id }, ctx) => (await ctx.loaders.periodLock.load(await ctx.time.reopenPeriod(ctx, id)))!,
};
