import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { hasRole } from '../../lib/auth/identity.ts';
import { isoDate, type Clock } from '../../lib/clock.ts';
import { DomainError, badInput, forbidden, notFound } from '../../lib/errors.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { transactionalWriter } from '../../lib/idempotency.ts';
import { checkDate, checkDateRange, checkText } from '../../lib/validate.ts';
import type { CaptureOptions } from './capture.ts';
import { addDays } from './domain/iso-week.ts';
import type { ApprovalDelegationRow, TimeDatabase } from './tables.ts';

/** The longest window one delegation covers. */
const MAX_DELEGATION_DAYS = 366;

export interface DelegateApprovalsInput {
  managerId?: string | null;
  delegateId: string;
  from: string;
  to: string;
}

/**
 * Approval delegation: a manager lets another worker decide on their reports' time for a window of days. The delegate
 * is checked against hcm (exists, ACTIVE) before the transaction; approvers.ts honours the delegation on each decision.
 */
export function createDelegationService(deps: { db: Kysely<TimeDatabase>; clock: Clock; onCommit: () => void }, options: CaptureOptions = {}) {
  const { db, clock } = deps;
  const write = transactionalWriter(db, deps.onCommit);

  /** A manager delegates their own approvals; an ADMIN anyone's. */
  function assertMayDelegateFor(scope: RequestScope, managerId: string): void {
    if (hasRole(scope.identity, 'ADMIN')) return;
    if (managerId !== scope.identity.workerId) throw forbidden('only an ADMIN delegates approvals for another manager');
    if (!hasRole(scope.identity, 'MANAGER')) throw forbidden('only a MANAGER (or an ADMIN) delegates approvals');
  }

  return {
    async delegateApprovals(scope: RequestScope, input: DelegateApprovalsInput, idempotencyKey?: string | null): Promise<string> {
      const managerId = input.managerId ? checkText('managerId', input.managerId, 100) : scope.identity.workerId;
      if (!managerId) throw badInput('managerId', 'the caller is not a worker: name the manager');
      assertMayDelegateFor(scope, managerId);
      const delegateId = checkText('delegateId', input.delegateId, 100);
      if (delegateId === managerId) throw badInput('delegateId', 'a manager cannot delegate to themself');
      const from = checkDate('from', input.from);
      const to = checkDate('to', input.to);
      checkDateRange('from', from, 'to', to);
      if (to < isoDate(clock.now())) throw badInput('to', 'the window has already ended');
      if (addDays(from, MAX_DELEGATION_DAYS - 1) < to) throw badInput('to', `a delegation covers at most ${MAX_DELEGATION_DAYS} days`);
      if (!options.workContext) throw new DomainError('INTERNAL_SERVER_ERROR', 'time was built without a WorkContextSource');
      const { workers } = await options.workContext.load({ projectIds: [], workerIds: [managerId, delegateId] });
      if (!workers.get(managerId)) throw notFound('Worker', managerId);
      const delegate = workers.get(delegateId);
      if (!delegate) throw notFound('Worker', delegateId);
      if (delegate.status !== 'ACTIVE') throw new DomainError('WORKER_NOT_ACTIVE', `worker ${delegateId} is not active and cannot take approvals`);
      const request = { actor: scope.identity.workerId, managerId, delegateId, from, to };
      return write(scope, 'delegateApprovals', idempotencyKey, request, async (trx) => {
        const id = randomUUID();
        await trx
          .insertInto('approval_delegation')
          .values({ id, manager_id: managerId, delegate_id: delegateId, valid_from: from, valid_to: to, created_by: scope.identity.workerId, revoked_at: null, revoked_by: null })
          .execute();
        return id;
      });
    },

    async revokeApprovalDelegation(scope: RequestScope, id: string): Promise<string> {
      return write(scope, 'revokeApprovalDelegation', null, null, async (trx) => {
        const row = await trx.selectFrom('approval_delegation').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
        if (!row) throw notFound('ApprovalDelegation', id);
        assertMayDelegateFor(scope, row.manager_id);
        if (row.revoked_at) throw new DomainError('INVALID_TRANSITION', `approval delegation ${id} was already revoked`);
        await trx.updateTable('approval_delegation').set({ revoked_at: clock.now(), revoked_by: scope.identity.workerId }).where('id', '=', id).execute();
        return id;
      });
    },
  };
}

export type DelegationService = ReturnType<typeof createDelegationService>;

/** In force on `day`: not revoked, and the day within the window. */
export const isDelegationActive = (row: ApprovalDelegationRow, day: string) => row.revoked_at === null && row.valid_from <= day && day <= row.valid_to;
