import { scalarResolvers } from '../../lib/graphql/scalars.ts';
import { Assignment } from './assignment.ts';
import { Contract } from './contract.ts';
import { Customer } from './customer.ts';
import { Milestone } from './milestone.ts';
import { Mutation } from './mutation.ts';
import { Opportunity } from './opportunity.ts';
import { Project } from './project.ts';
import { Query } from './query.ts';
import { StaffingRequest } from './staffing-request.ts';
import { Task } from './task.ts';
import type { Resolvers } from './types.generated.ts';
import { AssignmentUpsertResult, MilestoneUpsertResult, ProjectUpsertResult, TaskUpsertResult } from './upsert-result.ts';
import { Worker } from './worker.ts';

export const psaResolvers: Resolvers = {
  ...scalarResolvers,
  Query,
  Mutation,
  Project,
  Task,
  Assignment,
  Milestone,
  StaffingRequest,
  Customer,
  Contract,
  Opportunity,
  Worker,
  ProjectUpsertResult,
  TaskUpsertResult,
  AssignmentUpsertResult,
  MilestoneUpsertResult,
};
