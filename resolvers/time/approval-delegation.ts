import { isoDate } from '../../lib/clock.ts';
import { entityRef, optionalEntityRef } from '../../lib/graphql/connection.ts';
import { isDelegationActive } from '../../subgraphs/time/delegation.ts';
import type { ApprovalDelegationResolvers } from './types.generated.ts';

export const ApprovalDelegation: ApprovalDelegationResolvers = {
  __resolveReference: (ref, ctx) => ctx.timeQueries.approvalDelegation(ctx, ref.id),
  manager: (row) => entityRef('Worker', row.manager_id),
  delegate: (row) => entityRef('Worker', row.delegate_id),
  from: (row) => row.valid_from,
  to: (row) => row.valid_to,
  createdAt: (row) => row.created_at,
  createdBy: (row) => optionalEntityRef('Worker', row.created_by),
  revokedAt: (row) => row.revoked_at,
  revokedBy: (row) => optionalEntityRef('Worker', row.revoked_by),
  active: (row, _, ctx) => isDelegationActive(row, isoDate(ctx.clock.now())),
};
