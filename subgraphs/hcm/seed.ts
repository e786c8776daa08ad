import type { Kysely } from 'kysely';
import { toJson } from '../../lib/db/types.ts';
import { chunked } from '../../lib/seed/chunked.ts';
import type { DemoFirm, DemoWorker } from '../../lib/seed/demo-firm.ts';
import type { HcmDatabase } from './tables.ts';

/**
 * Managers before their reports: manager_id references worker, and a report in one insert batch may not point at a
 * manager in a later one. Orders by depth in the reporting line (a corrupt cyclic plan fails on the foreign key).
 */
function managersFirst(workers: readonly DemoWorker[]): DemoWorker[] {
  const byId = new Map(workers.map((worker) => [worker.id, worker]));
  const depth = new Map<string, number>();
  const depthOf = (worker: DemoWorker, guard = 0): number => {
    const known = depth.get(worker.id);
    if (known !== undefined) return known;
    const manager = worker.managerId ? byId.get(worker.managerId) : undefined;
    const value = manager && guard < workers.length ? depthOf(manager, guard + 1) + 1 : 0;
    depth.set(worker.id, value);
    return value;
  };
  return [...workers].sort((a, b) => depthOf(a) - depthOf(b));
}

/** Writes hcm's slice of the demo firm: legal entities, cost centers, calendars and holidays, roles, workers, leave. */
export async function seedHcm(db: Kysely<HcmDatabase>, firm: DemoFirm): Promise<void> {
  for (const batch of chunked(firm.legalEntities)) {
    await db
      .insertInto('legal_entity')
      .values(batch.map((entity) => ({ id: entity.id, code: entity.code, name: entity.name, country: entity.country, currency: entity.currency })))
      .execute();
  }
  for (const batch of chunked(firm.costCenters)) {
    await db
      .insertInto('cost_center')
      .values(batch.map((center) => ({ id: center.id, code: center.code, name: center.name, legal_entity_id: center.legalEntityId })))
      .execute();
  }
  for (const batch of chunked(firm.calendars)) {
    await db
      .insertInto('work_calendar')
      .values(
        batch.map((calendar) => ({
          id: calendar.id,
          name: calendar.name,
          hours_per_day: calendar.hoursPerDay,
          working_days: toJson([...calendar.workingDays].sort((a, b) => a - b)),
        })),
      )
      .execute();
  }
  const holidays = firm.calendars.flatMap((calendar) => calendar.holidays.map((holiday) => ({ calendar_id: calendar.id, ...holiday })));
  for (const batch of chunked(holidays)) await db.insertInto('public_holiday').values(batch).execute();
  for (const batch of chunked(firm.roles)) {
    await db
      .insertInto('role')
      .values(batch.map((role) => ({ id: role.id, code: role.code, name: role.name, target_utilization: role.targetUtilization })))
      .execute();
  }
  for (const batch of chunked(managersFirst(firm.workers))) {
    await db
      .insertInto('worker')
      .values(
        batch.map((worker) => ({
          id: worker.id,
          employee_number: worker.employeeNumber,
          name: worker.name,
          email: worker.email,
          kind: worker.kind,
          role_id: worker.roleId,
          manager_id: worker.managerId,
          cost_center_id: worker.costCenterId,
          legal_entity_id: worker.legalEntityId,
          location: worker.location,
          calendar_id: worker.calendarId,
          status: worker.status,
          hire_date: worker.hireDate,
          termination_date: worker.terminationDate,
        })),
      )
      .execute();
  }
  // One open period of the effective-dated attributes per worker, from the hire date (as `createWorker` writes).
  const periods = managersFirst(firm.workers).map((worker) => ({
    worker_id: worker.id,
    effective_from: worker.hireDate,
    effective_to: null,
    role_id: worker.roleId,
    manager_id: worker.managerId,
    cost_center_id: worker.costCenterId,
    legal_entity_id: worker.legalEntityId,
    location: worker.location,
    kind: worker.kind,
    calendar_id: worker.calendarId,
  }));
  for (const batch of chunked(periods)) await db.insertInto('worker_period').values(batch).execute();
  const skills = firm.workers.flatMap((worker) => worker.skills.map((skill) => ({ worker_id: worker.id, skill: skill.skill, level: skill.level })));
  for (const batch of chunked(skills)) await db.insertInto('worker_skill').values(batch).execute();
  // The plan gives cost rates no ids; derive stable ones from the worker's, so reseeding yields the same rows.
  const costRates = firm.workers.flatMap((worker) =>
    worker.costRates.map((rate, index) => ({
      id: `${worker.id.slice(0, 24)}${String(index).padStart(12, '0')}`,
      worker_id: worker.id,
      amount: rate.amount,
      currency: rate.currency,
      effective_from: rate.effectiveFrom,
      effective_to: rate.effectiveTo,
    })),
  );
  for (const batch of chunked(costRates)) await db.insertInto('worker_cost_rate').values(batch).execute();
  for (const batch of chunked(firm.leaves)) {
    await db
      .insertInto('leave')
      .values(
        batch.map((leave) => ({
          id: leave.id,
          worker_id: leave.workerId,
          type: leave.type,
          start_date: leave.startDate,
          end_date: leave.endDate,
          hours_per_day: leave.hoursPerDay,
          status: 'APPROVED' as const,
        })),
      )
      .execute();
  }
}
