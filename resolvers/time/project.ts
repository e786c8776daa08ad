import { pageArgsOf } from '../../lib/graphql/connection.ts';
import type { ProjectResolvers } from './types.generated.ts';

/** psa owns Project; time adds its entries, the hours booked on it and its forecast (with psa's budgetHours, @requires). */
export const Project: ProjectResolvers = {
  __resolveReference: (ref) => ref,
  forecast: (project, _, ctx) => ctx.forecast.ofProject(ctx, project),
  timeEntries: (project, args, ctx, info) => ctx.timeQueries.projectTimeEntries(ctx, project.id, pageArgsOf(args, info)),
  actualHours: (project, { status, from, to }, ctx) =>
    ctx.timeQueries.actualHours(ctx, project.id, { status: status ?? ['APPROVED'], from, to }),
};
