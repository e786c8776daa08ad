import type { AssignmentResolvers } from './types.generated.ts';

/** psa owns Assignment; time adds its forecast. The gateway passes psa's plan and the worker's id (@requires). */
export const Assignment: AssignmentResolvers = {
  __resolveReference: (ref) => ref,
  forecast: (assignment, _, ctx) => ctx.forecast.ofAssignment(ctx, assignment),
};
