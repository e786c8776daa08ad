import type { ExpenseEntryResultResolvers } from './types.generated.ts';

/** A batch result carries the logged expense's id; the expenses of one batch load in one statement. */
export const ExpenseEntryResult: ExpenseEntryResultResolvers = {
  expense: async (result, _, { loaders }) => (result.id ? ((await loaders.expense.load(result.id)) ?? null) : null),
  error: (result) => result.error,
};
