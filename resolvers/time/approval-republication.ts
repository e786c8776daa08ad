import type { ApprovalRepublicationResolvers } from './types.generated.ts';

/** A republication names its row by kind and id; the rows of one call load in one statement per kind. */
export const ApprovalRepublication: ApprovalRepublicationResolvers = {
  timeEntry: async (result, _, { loaders }) =>
    result.kind === 'TIME_ENTRY' ? ((await loaders.timeEntry.load(result.id)) ?? null) : null,
  expense: async (result, _, { loaders }) =>
    result.kind === 'EXPENSE' ? ((await loaders.expense.load(result.id)) ?? null) : null,
};
