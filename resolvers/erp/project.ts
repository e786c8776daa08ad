import type { ProjectResolvers } from './types.generated.ts';

/**
 * psa owns Project; erp adds its financials. The gateway passes psa's budgetHours and manager with the reference
 * (@requires), fetched as the caller.
 */
export const Project: ProjectResolvers = {
  __resolveReference: (ref) => ref,
  financials: (project, _, { erpQueries }) => erpQueries.financialsOfProject(project),
};
