import { entityRef, optionalEntityRef } from '../../lib/graphql/connection.ts';
import type { PeriodLockResolvers } from './types.generated.ts';

export const PeriodLock: PeriodLockResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.periodLock.load(ref.id),
  legalEntity: (lock) => entityRef('LegalEntity', lock.legal_entity_id),
  periodStart: (lock) => lock.period_start,
  periodEnd: (lock) => lock.period_end,
  closedAt: (lock) => lock.closed_at,
  closedBy: (lock) => optionalEntityRef('Worker', lock.closed_by),
  reopenedAt: (lock) => lock.reopened_at,
  reopenedBy: (lock) => optionalEntityRef('Worker', lock.reopened_by),
  graceUntil: (lock) => lock.grace_until,
};
