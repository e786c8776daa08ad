import type { MutationResolvers } from './types.generated.ts';

/** Each mutation is one service call; the service returns the id and the entity is read back through its loader. */
export const Mutation: MutationResolvers = {
  createCustomer: async (_, { input, idempotencyKey }, ctx) =>
    (await ctx.loaders.customer.load(await ctx.crm.createCustomer(ctx, input, idempotencyKey)))!,
  updateCustomer: async (_, { id, input }, ctx) => (await ctx.loaders.customer.load(await ctx.crm.updateCustomer(ctx, id, input)))!,
  createContact: async (_, { input, idempotencyKey }, ctx) =>
    (await ctx.loaders.contact.load(await ctx.crm.createContact(ctx, input, idempotencyKey)))!,
  updateContact: async (_, { id, input }, ctx) => (await ctx.loaders.contact.load(await ctx.crm.updateContact(ctx, id, input)))!,
  createOpportunity: async (_, { input, idempotencyKey }, ctx) =>
    (await ctx.loaders.opportunity.load(await ctx.crm.createOpportunity(ctx, input, idempotencyKey)))!,
  updateOpportunity: async (_, { id, input }, ctx) =>
    (await ctx.loaders.opportunity.load(await ctx.crm.updateOpportunity(ctx, id, input)))!,
  closeOpportunityWon: async (_, { id, input, idempotencyKey }, ctx) =>
    (await ctx.loaders.opportunity.load(await ctx.crm.closeOpportunityWon(ctx, id, input, idempotencyKey)))!,
  closeOpportunityLost: async (_, { id, reason }, ctx) =>
    (await ctx.loaders.opportunity.load(await ctx.crm.closeOpportunityLost(ctx, id, reason)))!,
  createContract: async (_, { input, idempotencyKey }, ctx) =>
    (await ctx.loaders.contract.load(await ctx.crm.createContract(ctx, input, idempotencyKey)))!,
  updateContract: async (_, { id, input }, ctx) => (await ctx.loaders.contract.load(await ctx.crm.updateContract(ctx, id, input)))!,
  amendContract: async (_, { id, input, idempotencyKey }, ctx) =>
    (await ctx.loaders.contract.load(await ctx.crm.amendContract(ctx, id, input, idempotencyKey)))!,
  addRateCardRate: async (_, { rateCardId, input }, ctx) =>
    (await ctx.loaders.rateCard.load(await ctx.crm.addRateCardRate(ctx, rateCardId, input)))!,
};
