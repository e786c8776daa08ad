import { entityRef, optionalEntityRef, pageArgsOf } from '../../lib/graphql/connection.ts';
import { toExternalRef } from '../../lib/external-refs.ts';
import { psaFields } from '../../subgraphs/psa/domain/field-access.ts';
import type { ProjectResolvers } from './types.generated.ts';

const moneyOf = (amount: string | null, currency: string | null) =>
  amount !== null && currency !== null ? { amount, currency } : null;
const managerOf = (project: { manager_id: string | null }) => () => project.manager_id;

export const Project: ProjectResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.project.load(ref.id),
  customer: (project) => entityRef('Customer', project.customer_id),
  contract: (project) => optionalEntityRef('Contract', project.contract_id),
  opportunity: (project) => optionalEntityRef('Opportunity', project.opportunity_id),
  billingMethod: (project) => project.billing_method,
  legalEntity: (project) => optionalEntityRef('LegalEntity', project.legal_entity_id),
  startDate: (project) => project.start_date,
  endDate: (project) => project.end_date,
  budgetHours: (project, _, { identity }) =>
    psaFields.read(identity, 'Project.budgetHours', () => project.budget_hours, managerOf(project)),
  budgetAmount: (project, _, { identity }) =>
    psaFields.read(identity, 'Project.budgetAmount', () => moneyOf(project.budget_amount, project.currency), managerOf(project)),
  manager: (project) => optionalEntityRef('Worker', project.manager_id),
  billingReady: (project) => project.billing_ready,
  tasks: (project, args, { loaders }, info) => loaders.tasksByProject.for(pageArgsOf(args, info)).load(project.id),
  assignments: (project, args, { loaders }, info) => loaders.assignmentsByProject.for(pageArgsOf(args, info)).load(project.id),
  milestones: (project, args, { loaders }, info) => loaders.milestonesByProject.for(pageArgsOf(args, info)).load(project.id),
  staffingRequests: (project, args, { loaders }, info) =>
    loaders.staffingRequestsByProject.for(pageArgsOf(args, info)).load(project.id),
  externalRefs: async (project, _, { loaders }) => (await loaders.projectRefs.load(project.id)).map(toExternalRef),
  createdAt: (project) => project.created_at,
  updatedAt: (project) => project.updated_at,
};
