import { pageArgsOf } from '../../lib/graphql/connection.ts';
import type { WorkerResolvers } from './types.generated.ts';

/** hcm owns Worker; psa adds the worker's assignments. */
export const Worker: WorkerResolvers = {
  __resolveReference: (ref) => ref,
  assignments: (worker, args, { loaders }, info) => loaders.assignmentsByWorker.for(pageArgsOf(args, info)).load(worker.id),
};
