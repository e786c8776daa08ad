import type { UpsertResult } from '../../lib/upsert.ts';
import type { MutationResolvers } from './types.generated.ts';

/** An upsert's results with each record read back through its loader (one statement for the batch). */
async function withRecords<K extends string, Row>(results: UpsertResult[], field: K, loader: { load(id: string): Promise<Row | null> }) {
  return Promise.all(
    results.map(async ({ index, outcome, id, error }) => ({ index, outcome, error, [field]: id == null ? null : await loader.load(id) }) as {
      index: number;
      outcome: UpsertResult['outcome'];
      error: UpsertResult['error'];
    } & Record<K, Row | null>),
  );
}

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
  addRateCardRate: async (_, { rateCardId, rateCardRef, input }, ctx) =>
    (await ctx.loaders.rateCard.load(await ctx.crm.addRateCardRate(ctx, { id: rateCardId, ref: rateCardRef }, input)))!,
  upsertCustomers: async (_, { inputs, idempotencyKey }, ctx) =>
    withRecords(await ctx.crm.upsertCustomers(ctx, inputs, idempotencyKey), 'customer', ctx.loaders.customer),
  upsertContacts: async (_, { inputs, idempotencyKey }, ctx) =>
    withRecords(await ctx.crm.upsertContacts(ctx, inputs, idempotencyKey), 'contact', ctx.loaders.contact),
  upsertContracts: async (_, { inputs, idempotencyKey }, ctx) =>
    withRecords(await ctx.crm.upsertContracts(ctx, inputs, idempotencyKey), 'contract', ctx.loaders.contract),
  upsertRateCards: async (_, { inputs, idempotencyKey }, ctx) =>
    withRecords(await ctx.crm.upsertRateCards(ctx, inputs, idempotencyKey), 'rateCard', ctx.loaders.rateCard),
};
