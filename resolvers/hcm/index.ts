import { scalarResolvers } from '../../lib/graphql/scalars.ts';
import { ApiKey } from './api-key.ts';
import { CostCenter } from './cost-center.ts';
import { CostRate } from './cost-rate.ts';
import { Leave } from './leave.ts';
import { LegalEntity } from './legal-entity.ts';
import { Mutation } from './mutation.ts';
import { Query } from './query.ts';
import { Role } from './role.ts';
import { CostCenterUpsertResult, LegalEntityUpsertResult, RoleUpsertResult, WorkerUpsertResult } from './upsert-result.ts';
import type { Resolvers } from './types.generated.ts';
import { PublicHoliday, WorkCalendar } from './work-calendar.ts';
import { Worker, WorkerPeriod, WorkerSkill } from './worker.ts';
import { WebhookDelivery } from './webhook-delivery.ts';
import { WebhookEndpoint } from './webhook-endpoint.ts';

export const hcmResolvers: Resolvers = {
  ...scalarResolvers,
  Query,
  Mutation,
  LegalEntity,
  CostCenter,
  Role,
  WorkCalendar,
  PublicHoliday,
  Worker,
  WorkerSkill,
  WorkerPeriod,
  CostRate,
  Leave,
  ApiKey,
  WorkerUpsertResult,
  RoleUpsertResult,
  CostCenterUpsertResult,
  LegalEntityUpsertResult,
  WebhookEndpoint,
  WebhookDelivery,
};
