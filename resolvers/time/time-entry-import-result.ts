import type { TimeEntryImportResultResolvers } from './types.generated.ts';

/** An import result carries the entry's id (created or imported before); the entries of one batch load in one statement. */
export const TimeEntryImportResult: TimeEntryImportResultResolvers = {
  entry: async (result, _, { loaders }) => (result.id ? ((await loaders.timeEntry.load(result.id)) ?? null) : null),
};
