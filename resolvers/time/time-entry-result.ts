import type { TimeEntryResultResolvers } from './types.generated.ts';

/** A batch result carries the logged entry's id; the entries of one batch load in one statement. */
export const TimeEntryResult: TimeEntryResultResolvers = {
  entry: async (result, _, { loaders }) => (result.id ? ((await loaders.timeEntry.load(result.id)) ?? null) : null),
  error: (result) => result.error,
};
