import type { MutationResolvers } from './types.generated.ts';

/** Each mutation is one service call; the service returns the id and the entity is read back through its loader. */
export const Mutation: MutationResolvers = {
  createTaxRate: async (_, { input, idempotencyKey }, ctx) =>
    (await ctx.loaders.taxRate.load(await ctx.erp.createTaxRate(ctx, input, idempotencyKey)))!,
  updateTaxRate: async (_, { id, input }, ctx) => (await ctx.loaders.taxRate.load(await ctx.erp.updateTaxRate(ctx, id, input)))!,
  createFxRate: async (_, { input, idempotencyKey }, ctx) => (await ctx.loaders.fxRate.load(await ctx.fx.createFxRate(ctx, input, idempotencyKey)))!,
  updateFxRate: async (_, { id, input, idempotencyKey }, ctx) => (await ctx.loaders.fxRate.load(await ctx.fx.updateFxRate(ctx, id, input, idempotencyKey)))!,
  updateBillingSetup: async (_, { contractId, input }, ctx) =>
    (await ctx.loaders.billingSetup.load(await ctx.erp.updateBillingSetup(ctx, contractId, input)))!,
  draftInvoices: async (_, { input, idempotencyKey }, ctx) =>
    (await ctx.loaders.invoice.loadMany(await ctx.invoicing.draftInvoices(ctx, input, idempotencyKey))).map((invoice) => {
      if (!invoice || invoice instanceof Error) throw invoice ?? new Error('a drafted invoice vanished');
      return invoice;
    }),
  issueInvoice: async (_, { id, input, idempotencyKey }, ctx) =>
    (await ctx.loaders.invoice.load(await ctx.invoicing.issueInvoice(ctx, id, input ?? {}, idempotencyKey)))!,
  voidInvoice: async (_, { id, reason, idempotencyKey }, ctx) =>
    (await ctx.loaders.invoice.load(await ctx.invoicing.voidInvoice(ctx, id, reason, idempotencyKey)))!,
  recordPayment: async (_, { input, idempotencyKey }, ctx) =>
    (await ctx.loaders.payment.load(await ctx.invoicing.recordPayment(ctx, input, idempotencyKey)))!,
  draftCreditNote: async (_, { invoiceId, lines, idempotencyKey }, ctx) =>
    (await ctx.loaders.creditNote.load(await ctx.creditNotes.draftCreditNote(ctx, invoiceId, lines, idempotencyKey)))!,
  issueCreditNote: async (_, { id, input, idempotencyKey }, ctx) =>
    (await ctx.loaders.creditNote.load(await ctx.creditNotes.issueCreditNote(ctx, id, input ?? {}, idempotencyKey)))!,
  voidCreditNote: async (_, { id, reason, idempotencyKey }, ctx) =>
    (await ctx.loaders.creditNote.load(await ctx.creditNotes.voidCreditNote(ctx, id, reason, idempotencyKey)))!,
  rebillSources: async (_, { input, idempotencyKey }, ctx) => {
    const ids = await ctx.creditNotes.rebillSources(ctx, input, idempotencyKey);
    return (await Promise.all(ids.map((id) => ctx.loaders.billingEvent.load(id)))).filter((event) => event !== null && event !== undefined);
  },
  setBillingSchedule: async (_, { contractId, lines, idempotencyKey }, ctx) =>
    (await ctx.loaders.billingSetup.load(await ctx.billingModels.setBillingSchedule(ctx, contractId, lines, idempotencyKey)))!,
  releaseScheduledBilling: async (_, { asOf, contractId, idempotencyKey }, ctx) => {
    const ids = await ctx.billingModels.releaseScheduledBilling(ctx, asOf, contractId ?? null, idempotencyKey);
    return (await Promise.all(ids.map((id) => ctx.loaders.billingEvent.load(id)))).filter((event) => event !== null && event !== undefined);
  },
  releaseHeldBillingEvents: async (_, { contractId, idempotencyKey }, ctx) => {
    const ids = await ctx.billingModels.releaseHeldBillingEvents(ctx, contractId, idempotencyKey);
    return (await Promise.all(ids.map((id) => ctx.loaders.billingEvent.load(id)))).filter((event) => event !== null && event !== undefined);
  },
  runPercentCompleteBilling: async (_, { asOf, contractId, idempotencyKey }, ctx) => {
    const ids = await ctx.percentComplete.runPercentCompleteBilling(ctx, asOf, contractId ?? null, idempotencyKey);
    return (await Promise.all(ids.map((id) => ctx.loaders.billingEvent.load(id)))).filter((event) => event !== null && event !== undefined);
  },
  setRecurringTerms: async (_, { contractId, input, idempotencyKey }, ctx) =>
    (await ctx.loaders.billingSetup.load(await ctx.recurringBilling.setRecurringTerms(ctx, contractId, input, idempotencyKey)))!,
  runRecurringBilling: async (_, { periodEnd, contractId, idempotencyKey }, ctx) => {
    const ids = await ctx.recurringBilling.runRecurringBilling(ctx, periodEnd, contractId ?? null, idempotencyKey);
    return (await Promise.all(ids.map((id) => ctx.loaders.billingEvent.load(id)))).filter((event) => event !== null && event !== undefined);
  },
};
