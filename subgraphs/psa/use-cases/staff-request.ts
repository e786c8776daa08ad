import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { hasRole, requireRole } from '../../../lib/auth/identity.ts';
import { periodsWithin } from '../../../lib/calendar-periods.ts';
import { toScaled } from '../../../lib/decimal.ts';
import { badInput, DomainError, forbidden, notFound } from '../../../lib/errors.ts';
import { appendToOutbox } from '../../../lib/events/outbox.ts';
import type { RequestScope } from '../../../lib/graphql/subgraph-server.ts';
import { bookedHoursWithin } from '../../../lib/planned-hours.ts';
import { windowOf } from '../planning.ts';
import { checkText } from '../../../lib/validate.ts';
import { overbookedWeeks } from '../domain/booking.ts';
import { assertStaffingChange } from '../domain/staffing.ts';
import { psaTopics, type StaffingRequestFilled } from '../events.ts';
import type { PlanningFacts } from '../planning-facts.ts';
import * as repo from '../repository.ts';
import type { AssignmentStatus } from '../tables.ts';
import { checkAmount, checkHours, stafferRoles, type Writer } from './context.ts';
import type { createStaffingUseCases } from './staffing.ts';

export interface StaffRequestInput {
  workerId: string;
  plannedHours?: string | null;
  status?: AssignmentStatus | null;
  billRateOverride?: string | null;
  overrideOverbooking?: boolean | null;
}

export interface StaffingPolicy {
  facts: PlanningFacts;
  /** STAFFING_OVERBOOKING_LIMIT_PERCENT. */
  overbookingLimitPercent: number;
}

/**
 * Staffing a request: the assignment it asks for, created for a worker (the request's role, dates and hours), and the
 * request FILLED by it, in one transaction. A CONFIRMED assignment must not book the worker past the overbooking
 * limit of their capacity in any ISO week of its window (capacity from hcm, read before the transaction; booked hours
 * from psa, read under a per-worker lock so two stafferings cannot both squeeze into the same week).
 */
export function createStaffRequestUseCase(writer: Writer, staffing: ReturnType<typeof createStaffingUseCases>, policy: StaffingPolicy) {
  return {
    async staffRequest(scope: RequestScope, id: string, input: StaffRequestInput, idempotencyKey?: string | null) {
      requireRole(scope.identity, ...stafferRoles);
      const workerId = checkText('workerId', input.workerId);
      const status = input.status ?? 'CONFIRMED';
      if (status === 'CANCELLED') throw badInput('status', 'a new assignment is TENTATIVE or CONFIRMED');
      const override = input.overrideOverbooking === true;
      if (override && !hasRole(scope.identity, 'ADMIN', 'RESOURCE_MANAGER')) throw forbidden('only a resource manager may book past the overbooking limit');
      const [request] = await repo.staffingRequestsByIds(writer.db, [id]);
      if (!request) throw notFound('StaffingRequest', id);
      // Its status is checked under the lock (a retry with the same idempotency key must find the first answer).
      if (!request.project_id) throw badInput('id', 'the request belongs to a deal only: confirm it onto a project (updateStaffingRequest projectId) before staffing it');
      const plannedHours = checkHours('plannedHours', input.plannedHours) ?? String(request.hours);
      const window = { plannedHours, startDate: request.start_date, endDate: request.end_date };
      const weeks = periodsWithin(request.start_date, request.end_date, 'WEEK');
      const [worker] = await policy.facts.workers({ workerIds: [workerId], from: request.start_date, to: request.end_date, period: 'WEEK' });
      if (!worker) throw new DomainError('WORKER_NOT_ACTIVE', `worker ${workerId} is not an ACTIVE worker in hcm`, { workerId });

      return writer.write(scope, 'staffRequest', idempotencyKey, { id, input }, async (trx) => {
        await sql`select pg_advisory_xact_lock(hashtext(${`psa.booking:${workerId}`}))`.execute(trx);
        const current = await repo.lockStaffingRequest(trx, id);
        if (!current) throw notFound('StaffingRequest', id);
        assertStaffingChange(current.status, 'fill');
        if (current.start_date !== request.start_date || current.end_date !== request.end_date) {
          throw new DomainError('CONFLICT', `staffing request ${id} changed its dates meanwhile: ask again`, { id });
        }
        let overbooked: StaffingRequestFilled['overbookedWeeks'] = [];
        if (status === 'CONFIRMED') {
          const booked = await trx
            .selectFrom('assignment')
            .select(['planned_hours', 'start_date', 'end_date'])
            .where('worker_id', '=', workerId)
            .where('status', '=', 'CONFIRMED')
            .where('start_date', '<=', request.end_date)
            .where('end_date', '>=', request.start_date)
            .execute();
          const windows = [window, ...booked.map(windowOf)];
          overbooked = overbookedWeeks(
            weeks.map((week) => ({
              ...week,
              capacity: toScaled(worker.capacity.get(week.start) ?? '0', 2),
              booked: bookedHoursWithin(windows, week.start, week.end),
            })),
            policy.overbookingLimitPercent,
          );
          if (overbooked.length > 0 && !override) {
            throw new DomainError(
              'OVERBOOKED',
              `${worker.name} would be booked past ${policy.overbookingLimitPercent}% of capacity in ${overbooked.length} week(s) from ${overbooked[0].start}`,
              { workerId, limitPercent: policy.overbookingLimitPercent, weeks: overbooked },
            );
          }
        }
        const assignmentId = await staffing.insertAssignment(trx, scope, {
          projectId: current.project_id!, workerId, roleId: current.role_id, startDate: current.start_date, endDate: current.end_date,
          plannedHours, status, billRateOverride: checkAmount('billRateOverride', input.billRateOverride),
        });
        await trx.updateTable('staffing_request').set({ status: 'FILLED', assignment_id: assignmentId, updated_at: writer.clock.now() }).where('id', '=', id).execute();
        await appendToOutbox(trx, [
          writer.event<StaffingRequestFilled>(scope, psaTopics.staffingRequestFilled, 'StaffingRequest', id, {
            staffingRequestId: id, assignmentId, projectId: current.project_id!, workerId, roleId: current.role_id, startDate: current.start_date,
            endDate: current.end_date, plannedHours, status, overbookedWeeks: overbooked,
          }),
        ]);
        return id;
      });
    },
  };
}
