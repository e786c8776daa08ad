import { pageArgsOf } from '../../lib/graphql/connection.ts';
import type { WorkerResolvers } from './types.generated.ts';

/** hcm owns Worker; time adds the worker's entries and timesheets, keyed by the id alone. */
export const Worker: WorkerResolvers = {
  __resolveReference: (ref) => ({ id: ref.id }),
  timeEntries: (worker, args, ctx, info) => ctx.timeQueries.workerTimeEntries(ctx, worker.id, pageArgsOf(args, info)),
  timesheets: (worker, { from, to, ...page }, ctx, info) =>
    ctx.timeQueries.workerTimesheets(ctx, worker.id, { ...pageArgsOf(page, info), filter: { from, to } }),
};
