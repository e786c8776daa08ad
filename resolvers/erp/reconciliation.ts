import { pageArgsOf } from '../../lib/graphql/connection.ts';
import type {
  ReconciliationExceptionResolvers,
  ReconciliationRedriveItemResolvers,
  ReconciliationRunResolvers,
  ReconciliationSubjectResolvers,
} from './types.generated.ts';

/** The reconciliation job's fields (subgraphs/erp/reconciliation.ts checks FINANCE/ADMIN on every way in). */
export const reconciliationQuery = {
  reconciliationExceptions: (_: unknown, args: any, ctx: any, info: any) => ctx.reconciliation.exceptions(ctx, pageArgsOf(args, info)),
  reconciliationException: (_: unknown, { id }: { id: string }, ctx: any) => ctx.reconciliation.exception(ctx, id),
  reconciliationRuns: (_: unknown, args: any, ctx: any, info: any) => ctx.reconciliation.runs(ctx, pageArgsOf(args, info)),
};

export const reconciliationMutation = {
  runReconciliation: async (_: unknown, { idempotencyKey }: { idempotencyKey?: string | null }, ctx: any) =>
    ctx.reconciliation.runById(ctx, await ctx.reconciliation.runReconciliation(ctx, idempotencyKey)),
  redriveReconciliationExceptions: (
    _: unknown,
    { ids, type, idempotencyKey }: { ids?: string[] | null; type?: string | null; idempotencyKey?: string | null },
    ctx: any,
  ) => ctx.reconciliationRedrive.redrive(ctx, { ids, type }, idempotencyKey),
};

/** An item names its exception (loaded with the call's others) and its subject, a reference time resolves. */
export const ReconciliationRedriveItem: ReconciliationRedriveItemResolvers = {
  exception: async (item, _, ctx) => (await ctx.reconciliationLoaders.exception.load(item.exceptionId))!,
  subject: (item) => ({ id: item.subject.id, __typename: item.subject.typename }) as any,
};

export const ReconciliationException: ReconciliationExceptionResolvers = {
  __resolveReference: async (ref, ctx) => {
    ctx.reconciliation.assertMayRead(ctx);
    return ctx.reconciliationLoaders.exception.load(ref.id);
  },
  type: (row) => row.type as any,
  // erp's own records (invoices, billing events) are loaded here (batched); the others are references the gateway
  // resolves in their subgraphs.
  subjects: async (row, _, { loaders }) =>
    Promise.all(
      (row.subjects as Array<{ typename: string; id: string }>).map(async ({ typename, id }) => {
        const own = typename === 'Invoice' ? await loaders.invoice.load(id) : typename === 'BillingEvent' ? await loaders.billingEvent.load(id) : { id };
        return { ...(own ?? { id }), __typename: typename };
      }),
    ) as any,
  foundAt: (row) => row.found_at,
  clearedAt: (row) => row.cleared_at,
  open: (row) => row.cleared_at === null,
  status: (row) => (row.cleared_at === null ? 'OPEN' : 'CLEARED'),
  foundBy: async (row, _, ctx) => (await ctx.reconciliationLoaders.run.load(row.found_run_id))!,
  clearedBy: (row, _, ctx) => (row.cleared_run_id ? ctx.reconciliationLoaders.run.load(row.cleared_run_id) : null),
};

export const ReconciliationRun: ReconciliationRunResolvers = {
  __resolveReference: async (ref, ctx) => {
    ctx.reconciliation.assertMayRead(ctx);
    return ctx.reconciliationLoaders.run.load(ref.id);
  },
  requestedBy: (run) => run.requested_by,
  startedAt: (run) => run.started_at,
  finishedAt: (run) => run.finished_at,
};

export const ReconciliationSubject: ReconciliationSubjectResolvers = {
  __resolveType: (subject: any) => subject.__typename,
};
