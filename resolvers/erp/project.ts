import type { ProjectResolvers } from './types.generated.ts';

/** psa owns Project; erp adds its financials. The gateway passes psa's budgetHours in the reference (@requires). */
export const Project: ProjectResolvers = {
  __resolveReference: (ref) => ref,
  financials: (project, _, { erpQueries }) => erpQueries.financialsOfProject(project),
};
