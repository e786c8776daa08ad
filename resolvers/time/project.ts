import { pageArgsOf } from '../../lib/graphql/connection.ts';
import type { ProjectResolvers } from './types.generated.ts';

/** psa owns Project; time adds its entries and the hours booked on it, keyed by the id alone. */
export const Project: ProjectResolvers = {
  __resolveReference: (ref) => ({ id: ref.id }),
  timeEntries: (project, args, ctx, info) => ctx.timeQueries.projectTimeEntries(ctx, project.id, pageArgsOf(args, info)),
  actualHours: (project, { status, from, to }, ctx) =>
    ctx.timeQueries.actualHours(ctx, project.id, { status: status ?? ['APPROVED'], from, to }),
};
