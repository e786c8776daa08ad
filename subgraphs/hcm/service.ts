import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { hasRole, requireRole } from '../../lib/auth/identity.ts';
import { isoDate, type Clock } from '../../lib/clock.ts';
import { toJson } from '../../lib/db/types.ts';
import { checkCurrency, checkDecimal } from '../../lib/decimal.ts';
import { badInput, DomainError, forbidden, notFound } from '../../lib/errors.ts';
import { createEvent } from '../../lib/events/envelope.ts';
import { appendToOutbox } from '../../lib/events/outbox.ts';
import { paginate } from '../../lib/graphql/connection.ts';
import type { PagedArgs } from '../../lib/graphql/loaders.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { transactionalWriter } from '../../lib/idempotency.ts';
import { checkDate, checkDateRange, checkText } from '../../lib/validate.ts';
import { assertCapacityRange, capacityByPeriod, capacityHours, type CapacityInput } from './domain/capacity.ts';
import type { CalendarPeriod } from '../../lib/calendar-periods.ts';
import { assertNoOverlap, costRateOn } from './domain/cost-rate.ts';
import { hcmFields, type HcmField } from './domain/field-access.ts';
import { assertLeaveAllowed } from './domain/leave.ts';
import { assertNoManagerCycle, isInReportingLine } from './domain/reporting-line.ts';
import { effectiveStatus, statusOnWrite } from './domain/worker-status.ts';
import { hcmTopics, type CostRateAdded, type LegalEntityChanged, type LegalEntityCreated, type WorkerChanged, type WorkerCreated, type WorkerField, type WorkerSnapshot } from './events.ts';
import { orderings, type HcmLoaders } from './loaders.ts';
import {
  checkCountry,
  checkHolidays,
  checkHoursPerDay,
  checkSkills,
  checkUtilization,
  checkWorkerFields,
  checkWorkingDays,
  required,
  type CalendarInput,
  type CostCenterInput,
  type CostRateInput,
  type LeaveInput,
  type LegalEntityInput,
  type RoleInput,
  type SkillInput,
  type WorkerInput,
} from './inputs.ts';
import * as repo from './repository.ts';
import type { HcmDatabase, WorkerRow } from './tables.ts';

type Trx = Transaction<HcmDatabase>;

async function exists(trx: Trx, table: 'role' | 'work_calendar' | 'legal_entity', id: string, typename: string) {
  const row = await trx.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound(typename, id);
}

/** A cost center belongs to one legal entity; a worker's two must agree. */
async function checkCostCenter(trx: Trx, costCenterId: string, legalEntityId: string) {
  await exists(trx, 'legal_entity', legalEntityId, 'LegalEntity');
  const center = await trx.selectFrom('cost_center').select('legal_entity_id').where('id', '=', costCenterId).executeTakeFirst();
  if (!center) throw notFound('CostCenter', costCenterId);
  if (center.legal_entity_id !== legalEntityId) throw badInput('costCenterId', `belongs to legal entity ${center.legal_entity_id}, not ${legalEntityId}`);
}

async function checkManager(trx: Trx, workerId: string, managerId: string) {
  const chain = await repo.managerChain(trx, managerId);
  if (chain.length === 0) throw notFound('Worker', managerId);
  assertNoManagerCycle(workerId, managerId, new Map(chain.map((row) => [row.id, row.manager_id])));
}

function snapshotOf(row: WorkerRow, skills: SkillInput[], today: string): WorkerSnapshot {
  return {
    workerId: row.id,
    employeeNumber: row.employee_number,
    name: row.name,
    email: row.email,
    kind: row.kind,
    roleId: row.role_id,
    managerId: row.manager_id,
    costCenterId: row.cost_center_id,
    legalEntityId: row.legal_entity_id,
    location: row.location,
    calendarId: row.calendar_id,
    status: effectiveStatus(row.status, row.termination_date, today),
    hireDate: row.hire_date,
    terminationDate: row.termination_date,
    targetUtilization: row.target_utilization,
    skills: skills.map(({ skill, level }) => ({ skill, level })),
  };
}

const changedFields = (before: WorkerSnapshot, after: WorkerSnapshot) =>
  (Object.keys(after) as Array<keyof WorkerSnapshot>).filter(
    (key): key is WorkerField => key !== 'workerId' && JSON.stringify(before[key]) !== JSON.stringify(after[key]),
  );

/** hcm's use cases. Each mutation checks access, validates, then runs in one transaction with its events. */
export function createHcmService(deps: { db: Kysely<HcmDatabase>; clock: Clock; onCommit: () => void }) {
  const { db, clock } = deps;
  const today = () => isoDate(clock.now());

  const write = transactionalWriter(db, deps.onCommit);

  const event = <T>(scope: RequestScope, type: string, typename: string, id: string, data: T) =>
    createEvent('hcm', type, { typename, id }, data, { correlationId: scope.correlationId }, clock.now());

  /** RESOURCE_MANAGER (and ADMIN) handle anyone's leave; a MANAGER only that of people in their reporting line. */
  async function checkLeaveAccess(scope: RequestScope, trx: Trx, workerId: string) {
    requireRole(scope.identity, 'RESOURCE_MANAGER', 'MANAGER');
    if (hasRole(scope.identity, 'ADMIN', 'RESOURCE_MANAGER')) return;
    const chain = await repo.managerChain(trx, workerId);
    const manager = scope.identity.workerId;
    if (!manager || !isInReportingLine(workerId, manager, new Map(chain.map((row) => [row.id, row.manager_id])))) {
      throw forbidden(`only a manager in ${workerId}'s reporting line or a resource manager can change their leave`);
    }
  }

  async function uniqueCode(trx: Trx, table: 'legal_entity' | 'role', code: string, exceptId: string | null) {
    const taken = await trx.selectFrom(table).select('id').where('code', '=', code).executeTakeFirst();
    if (taken && taken.id !== exceptId) throw new DomainError('CONFLICT', `code ${code} is already used`, { field: 'code' });
  }

  return {
    async createLegalEntity(scope: RequestScope, input: LegalEntityInput, idempotencyKey?: string | null) {
      requireRole(scope.identity);
      const values = {
        code: checkText('code', required('code', input.code), 20),
        name: checkText('name', required('name', input.name)),
        country: checkCountry('country', required('country', input.country)),
        currency: checkCurrency('currency', required('currency', input.currency)),
      };
      return write(scope, 'createLegalEntity', idempotencyKey, input, async (trx) => {
        await uniqueCode(trx, 'legal_entity', values.code, null);
        const id = randomUUID();
        await trx.insertInto('legal_entity').values({ id, ...values }).execute();
        await appendToOutbox(trx, [event<LegalEntityCreated>(scope, hcmTopics.legalEntityCreated, 'LegalEntity', id, { legalEntityId: id, ...values })]);
        return id;
      });
    },

    async updateLegalEntity(scope: RequestScope, id: string, input: LegalEntityInput) {
      requireRole(scope.identity);
      const values = {
        ...(input.name != null ? { name: checkText('name', input.name) } : {}),
        ...(input.country != null ? { country: checkCountry('country', input.country) } : {}),
        ...(input.currency != null ? { currency: checkCurrency('currency', input.currency) } : {}),
      };
      return write(scope, 'updateLegalEntity', null, null, async (trx) => {
        const current = await trx.selectFrom('legal_entity').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
        if (!current) throw notFound('LegalEntity', id);
        if (values.currency && values.currency !== current.currency && (await repo.legalEntityHasCostRates(trx, id))) {
          throw new DomainError('CONFLICT', `workers of ${current.code} have cost rates in ${current.currency}; its currency cannot change`, { field: 'currency' });
        }
        await trx.updateTable('legal_entity').set({ ...values, updated_at: clock.now() }).where('id', '=', id).execute();
        const after = { ...current, ...values };
        await appendToOutbox(trx, [
          event<LegalEntityChanged>(scope, hcmTopics.legalEntityChanged, 'LegalEntity', id, {
            legalEntityId: id, code: after.code, name: after.name, country: after.country, currency: after.currency,
          }),
        ]);
        return id;
      });
    },

    async createCostCenter(scope: RequestScope, input: CostCenterInput, idempotencyKey?: string | null) {
      requireRole(scope.identity);
      const code = checkText('code', required('code', input.code), 40);
      const name = checkText('name', required('name', input.name));
      const legalEntityId = required('legalEntityId', input.legalEntityId);
      return write(scope, 'createCostCenter', idempotencyKey, input, async (trx) => {
        await exists(trx, 'legal_entity', legalEntityId, 'LegalEntity');
        const taken = await trx.selectFrom('cost_center').select('id').where('legal_entity_id', '=', legalEntityId).where('code', '=', code).executeTakeFirst();
        if (taken) throw new DomainError('CONFLICT', `cost center code ${code} is already used in this legal entity`, { field: 'code' });
        const id = randomUUID();
        await trx.insertInto('cost_center').values({ id, code, name, legal_entity_id: legalEntityId }).execute();
        return id;
      });
    },

    async updateCostCenter(scope: RequestScope, id: string, input: CostCenterInput) {
      requireRole(scope.identity);
      const code = input.code != null ? checkText('code', input.code, 40) : null;
      const name = input.name != null ? checkText('name', input.name) : null;
      return write(scope, 'updateCostCenter', null, null, async (trx) => {
        const current = await trx.selectFrom('cost_center').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
        if (!current) throw notFound('CostCenter', id);
        if (code && code !== current.code) {
          const taken = await trx.selectFrom('cost_center').select('id').where('legal_entity_id', '=', current.legal_entity_id).where('code', '=', code).executeTakeFirst();
          if (taken) throw new DomainError('CONFLICT', `cost center code ${code} is already used in this legal entity`, { field: 'code' });
        }
        await trx.updateTable('cost_center').set({ ...(code ? { code } : {}), ...(name ? { name } : {}), updated_at: clock.now() }).where('id', '=', id).execute();
        return id;
      });
    },

    async createRole(scope: RequestScope, input: RoleInput, idempotencyKey?: string | null) {
      requireRole(scope.identity);
      const values = {
        code: checkText('code', required('code', input.code), 40),
        name: checkText('name', required('name', input.name)),
        target_utilization: checkUtilization(required('targetUtilization', input.targetUtilization)),
      };
      return write(scope, 'createRole', idempotencyKey, input, async (trx) => {
        await uniqueCode(trx, 'role', values.code, null);
        const id = randomUUID();
        await trx.insertInto('role').values({ id, ...values }).execute();
        return id;
      });
    },

    async updateRole(scope: RequestScope, id: string, input: RoleInput) {
      requireRole(scope.identity);
      const values = {
        ...(input.code != null ? { code: checkText('code', input.code, 40) } : {}),
        ...(input.name != null ? { name: checkText('name', input.name) } : {}),
        ...(input.targetUtilization != null ? { target_utilization: checkUtilization(input.targetUtilization) } : {}),
      };
      return write(scope, 'updateRole', null, null, async (trx) => {
        const current = await trx.selectFrom('role').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
        if (!current) throw notFound('Role', id);
        if (values.code) await uniqueCode(trx, 'role', values.code, id);
        await trx.updateTable('role').set({ ...values, updated_at: clock.now() }).where('id', '=', id).execute();
        return id;
      });
    },

    async createWorkCalendar(scope: RequestScope, input: CalendarInput, idempotencyKey?: string | null) {
      requireRole(scope.identity);
      const name = checkText('name', required('name', input.name));
      const hoursPerDay = checkHoursPerDay('hoursPerDay', required('hoursPerDay', input.hoursPerDay));
      const workingDays = checkWorkingDays(required('workingDays', input.workingDays));
      const holidays = checkHolidays(input.holidays ?? []);
      return write(scope, 'createWorkCalendar', idempotencyKey, input, async (trx) => {
        const id = randomUUID();
        await trx.insertInto('work_calendar').values({ id, name, hours_per_day: hoursPerDay, working_days: toJson(workingDays) }).execute();
        if (holidays.length > 0) await trx.insertInto('public_holiday').values(holidays.map((holiday) => ({ calendar_id: id, ...holiday }))).execute();
        return id;
      });
    },

    async updateWorkCalendar(scope: RequestScope, id: string, input: CalendarInput) {
      requireRole(scope.identity);
      const values = {
        ...(input.name != null ? { name: checkText('name', input.name) } : {}),
        ...(input.hoursPerDay != null ? { hours_per_day: checkHoursPerDay('hoursPerDay', input.hoursPerDay) } : {}),
        ...(input.workingDays != null ? { working_days: toJson(checkWorkingDays(input.workingDays)) } : {}),
      };
      return write(scope, 'updateWorkCalendar', null, null, async (trx) => {
        if (!(await repo.lockCalendar(trx, id))) throw notFound('WorkCalendar', id);
        await trx.updateTable('work_calendar').set({ ...values, updated_at: clock.now() }).where('id', '=', id).execute();
        return id;
      });
    },

    async addHoliday(scope: RequestScope, calendarId: string, date: string, name: string) {
      requireRole(scope.identity);
      const holiday = { date: checkDate('date', date), name: checkText('name', name) };
      return write(scope, 'addHoliday', null, null, async (trx) => {
        if (!(await repo.lockCalendar(trx, calendarId))) throw notFound('WorkCalendar', calendarId);
        const taken = await trx.selectFrom('public_holiday').select('date').where('calendar_id', '=', calendarId).where('date', '=', holiday.date).executeTakeFirst();
        if (taken) throw new DomainError('CONFLICT', `the calendar already has a holiday on ${holiday.date}`, { field: 'date' });
        await trx.insertInto('public_holiday').values({ calendar_id: calendarId, ...holiday }).execute();
        await trx.updateTable('work_calendar').set({ updated_at: clock.now() }).where('id', '=', calendarId).execute();
        return calendarId;
      });
    },

    async removeHoliday(scope: RequestScope, calendarId: string, date: string) {
      requireRole(scope.identity);
      checkDate('date', date);
      return write(scope, 'removeHoliday', null, null, async (trx) => {
        if (!(await repo.lockCalendar(trx, calendarId))) throw notFound('WorkCalendar', calendarId);
        const removed = await trx.deleteFrom('public_holiday').where('calendar_id', '=', calendarId).where('date', '=', date).executeTakeFirst();
        if (Number(removed.numDeletedRows) === 0) throw notFound('PublicHoliday', `${calendarId}/${date}`);
        await trx.updateTable('work_calendar').set({ updated_at: clock.now() }).where('id', '=', calendarId).execute();
        return calendarId;
      });
    },

    async createWorker(scope: RequestScope, input: WorkerInput, idempotencyKey?: string | null) {
      requireRole(scope.identity);
      const fields = checkWorkerFields(input);
      for (const field of ['employeeNumber', 'name', 'email', 'kind', 'roleId', 'costCenterId', 'legalEntityId', 'location', 'calendarId', 'hireDate'] as const) {
        required(field, input[field]);
      }
      const values = fields as Required<typeof fields>;
      checkDateRange('hireDate', values.hire_date, 'terminationDate', input.terminationDate);
      const skills = checkSkills(input.skills ?? []);
      return write(scope, 'createWorker', idempotencyKey, input, async (trx) => {
        const id = randomUUID();
        await exists(trx, 'role', input.roleId!, 'Role');
        await exists(trx, 'work_calendar', input.calendarId!, 'WorkCalendar');
        await checkCostCenter(trx, input.costCenterId!, input.legalEntityId!);
        if (input.managerId) await checkManager(trx, id, input.managerId);
        const taken = await trx.selectFrom('worker').select('id').where('employee_number', '=', values.employee_number).executeTakeFirst();
        if (taken) throw new DomainError('CONFLICT', `employee number ${values.employee_number} is already used`, { field: 'employeeNumber' });
        const terminationDate = input.terminationDate ?? null;
        const row = await trx
          .insertInto('worker')
          .values({
            ...values,
            id,
            role_id: input.roleId!,
            manager_id: input.managerId ?? null,
            cost_center_id: input.costCenterId!,
            legal_entity_id: input.legalEntityId!,
            calendar_id: input.calendarId!,
            termination_date: terminationDate,
            target_utilization: values.target_utilization ?? null,
            status: statusOnWrite({ current: null, terminationDate, terminationChanged: true, today: today() }),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        if (skills.length > 0) await trx.insertInto('worker_skill').values(skills.map((entry) => ({ worker_id: id, ...entry }))).execute();
        await appendToOutbox(trx, [event<WorkerCreated>(scope, hcmTopics.workerCreated, 'Worker', id, snapshotOf(row, skills, today()))]);
        return id;
      });
    },

    async updateWorker(scope: RequestScope, id: string, input: WorkerInput) {
      requireRole(scope.identity);
      if (input.skills != null) throw badInput('skills', 'use setWorkerSkills');
      const fields = checkWorkerFields(input);
      return write(scope, 'updateWorker', null, null, async (trx) => {
        const current = await repo.lockWorker(trx, id);
        if (!current) throw notFound('Worker', id);
        const skills = await repo.skillsByWorkers(trx, [id]);
        const next: WorkerRow = {
          ...current,
          ...fields,
          ...(input.roleId != null ? { role_id: input.roleId } : {}),
          ...(input.costCenterId != null ? { cost_center_id: input.costCenterId } : {}),
          ...(input.legalEntityId != null ? { legal_entity_id: input.legalEntityId } : {}),
          ...(input.calendarId != null ? { calendar_id: input.calendarId } : {}),
          ...(input.managerId !== undefined ? { manager_id: input.managerId } : {}),
          ...(input.terminationDate !== undefined ? { termination_date: input.terminationDate } : {}),
        };
        checkDateRange('hireDate', next.hire_date, 'terminationDate', next.termination_date);
        if (next.role_id !== current.role_id) await exists(trx, 'role', next.role_id, 'Role');
        if (next.calendar_id !== current.calendar_id) await exists(trx, 'work_calendar', next.calendar_id, 'WorkCalendar');
        if (next.cost_center_id !== current.cost_center_id || next.legal_entity_id !== current.legal_entity_id) {
          await checkCostCenter(trx, next.cost_center_id, next.legal_entity_id);
        }
        if (next.manager_id && next.manager_id !== current.manager_id) await checkManager(trx, id, next.manager_id);
        if (next.employee_number !== current.employee_number) {
          const taken = await trx.selectFrom('worker').select('id').where('employee_number', '=', next.employee_number).executeTakeFirst();
          if (taken) throw new DomainError('CONFLICT', `employee number ${next.employee_number} is already used`, { field: 'employeeNumber' });
        }
        const terminationChanged = next.termination_date !== current.termination_date;
        next.status = statusOnWrite({ current: current.status, terminationDate: next.termination_date, terminationChanged, today: today() });
        const before = snapshotOf(current, skills, today());
        const after = snapshotOf(next, skills, today());
        const changed = changedFields(before, after);
        if (changed.length === 0 && next.status === current.status) return id;
        const { id: _id, created_at: _created, ...values } = next;
        await trx.updateTable('worker').set({ ...values, updated_at: clock.now() }).where('id', '=', id).execute();
        if (changed.length > 0) {
          await appendToOutbox(trx, [event<WorkerChanged>(scope, hcmTopics.workerChanged, 'Worker', id, { ...after, changedFields: changed })]);
        }
        return id;
      });
    },

    async setWorkerSkills(scope: RequestScope, workerId: string, input: SkillInput[]) {
      requireRole(scope.identity);
      const skills = checkSkills(input);
      return write(scope, 'setWorkerSkills', null, null, async (trx) => {
        const worker = await repo.lockWorker(trx, workerId);
        if (!worker) throw notFound('Worker', workerId);
        const before = snapshotOf(worker, await repo.skillsByWorkers(trx, [workerId]), today());
        await trx.deleteFrom('worker_skill').where('worker_id', '=', workerId).execute();
        if (skills.length > 0) await trx.insertInto('worker_skill').values(skills.map((entry) => ({ worker_id: workerId, ...entry }))).execute();
        const after = snapshotOf(worker, await repo.skillsByWorkers(trx, [workerId]), today());
        const changed = changedFields(before, after);
        if (changed.length > 0) {
          await trx.updateTable('worker').set({ updated_at: clock.now() }).where('id', '=', workerId).execute();
          await appendToOutbox(trx, [event<WorkerChanged>(scope, hcmTopics.workerChanged, 'Worker', workerId, { ...after, changedFields: changed })]);
        }
        return workerId;
      });
    },

    async addWorkerCostRate(scope: RequestScope, workerId: string, input: CostRateInput, idempotencyKey?: string | null) {
      requireRole(scope.identity, 'FINANCE');
      const rate = {
        amount: checkDecimal('amount', input.amount, { scale: 2, min: 'zero' }),
        currency: checkCurrency('currency', input.currency),
        effectiveFrom: checkDate('effectiveFrom', input.effectiveFrom),
        effectiveTo: input.effectiveTo == null ? null : checkDate('effectiveTo', input.effectiveTo),
      };
      checkDateRange('effectiveFrom', rate.effectiveFrom, 'effectiveTo', rate.effectiveTo);
      return write(scope, 'addWorkerCostRate', idempotencyKey, { workerId, input }, async (trx) => {
        const worker = await repo.lockWorker(trx, workerId);
        if (!worker) throw notFound('Worker', workerId);
        const entity = await trx.selectFrom('legal_entity').select(['currency', 'code']).where('id', '=', worker.legal_entity_id).executeTakeFirstOrThrow();
        if (rate.currency !== entity.currency) {
          throw badInput('currency', `cost rates of ${worker.name} are in ${entity.currency}, the currency of legal entity ${entity.code}`);
        }
        const existing = await repo.costRatesByWorkers(trx, [workerId]);
        assertNoOverlap(existing.map((row) => ({ effectiveFrom: row.effective_from, effectiveTo: row.effective_to })), rate);
        const id = randomUUID();
        await trx
          .insertInto('worker_cost_rate')
          .values({ id, worker_id: workerId, amount: rate.amount, currency: rate.currency, effective_from: rate.effectiveFrom, effective_to: rate.effectiveTo })
          .execute();
        await appendToOutbox(trx, [
          event<CostRateAdded>(scope, hcmTopics.costRateAdded, 'Worker', workerId, {
            costRateId: id,
            workerId,
            legalEntityId: worker.legal_entity_id,
            ...rate,
          }),
        ]);
        return workerId;
      });
    },

    async createLeave(scope: RequestScope, input: LeaveInput, idempotencyKey?: string | null) {
      requireRole(scope.identity, 'RESOURCE_MANAGER', 'MANAGER');
      const period = { startDate: checkDate('startDate', input.startDate), endDate: checkDate('endDate', input.endDate) };
      checkDateRange('startDate', period.startDate, 'endDate', period.endDate);
      const hoursPerDay = input.hoursPerDay == null ? null : checkHoursPerDay('hoursPerDay', input.hoursPerDay);
      return write(scope, 'createLeave', idempotencyKey, input, async (trx) => {
        const worker = await repo.lockWorker(trx, input.workerId);
        if (!worker) throw notFound('Worker', input.workerId);
        await checkLeaveAccess(scope, trx, worker.id);
        const approved = await repo.approvedLeavesByWorkers(trx, [worker.id], period.startDate, period.endDate);
        assertLeaveAllowed(
          period,
          { hireDate: worker.hire_date, terminationDate: worker.termination_date },
          approved.map((row) => ({ startDate: row.start_date, endDate: row.end_date })),
        );
        const calendar = await trx.selectFrom('work_calendar').select('hours_per_day').where('id', '=', worker.calendar_id).executeTakeFirstOrThrow();
        const id = randomUUID();
        await trx
          .insertInto('leave')
          .values({
            id,
            worker_id: worker.id,
            type: input.type,
            start_date: period.startDate,
            end_date: period.endDate,
            hours_per_day: hoursPerDay ?? calendar.hours_per_day,
            status: 'APPROVED',
          })
          .execute();
        return id;
      });
    },

    async cancelLeave(scope: RequestScope, id: string) {
      requireRole(scope.identity, 'RESOURCE_MANAGER', 'MANAGER');
      return write(scope, 'cancelLeave', null, null, async (trx) => {
        const leave = await trx.selectFrom('leave').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
        if (!leave) throw notFound('Leave', id);
        await checkLeaveAccess(scope, trx, leave.worker_id);
        if (leave.status === 'CANCELLED') throw new DomainError('INVALID_TRANSITION', 'the leave is already cancelled', { from: 'CANCELLED', to: 'CANCELLED' });
        await trx.updateTable('leave').set({ status: 'CANCELLED', updated_at: clock.now() }).where('id', '=', id).execute();
        return id;
      });
    },
  };
}

export type HcmService = ReturnType<typeof createHcmService>;

/** What the read helpers need from a request: who asks, and its loaders. */
export interface HcmReadScope extends RequestScope {
  readonly loaders: HcmLoaders;
}

/** hcm's top-level lists (lists under a parent go through the loaders) and its guarded or computed reads. */
/** The calendar, holidays and approved leave a worker's capacity over [from, to] is computed from (batched loaders). */
async function capacityInput(scope: HcmReadScope, worker: WorkerRow, from: string, to: string): Promise<CapacityInput> {
  assertCapacityRange(from, to);
  const { loaders } = scope;
  const [calendar, holidays, leaves] = await Promise.all([
    loaders.calendar.load(worker.calendar_id),
    loaders.holidaysByCalendar.for({ from, to }).load(worker.calendar_id),
    loaders.approvedLeavesByWorker.for({ from, to }).load(worker.id),
  ]);
  return {
    from,
    to,
    hoursPerDay: calendar!.hours_per_day,
    workingDays: calendar!.working_days,
    holidays: holidays.map((holiday) => holiday.date),
    leaves: leaves.map((leave) => ({ startDate: leave.start_date, endDate: leave.end_date, hoursPerDay: leave.hours_per_day })),
    hireDate: worker.hire_date,
    terminationDate: worker.termination_date,
  };
}

export function createHcmQueries(db: Kysely<HcmDatabase>, clock: Clock) {
  /** Cost rates are commercial data (domain/field-access.ts). */
  const costRates = (scope: HcmReadScope, workerId: string, field: HcmField = 'Worker.costRates') =>
    hcmFields.read(scope.identity, field, () => scope.loaders.costRatesByWorker.load(workerId));
  const asPeriod = <R extends { effective_from: string; effective_to: string | null }>(row: R) => ({
    ...row,
    effectiveFrom: row.effective_from,
    effectiveTo: row.effective_to,
  });

  return {
    workers: (page: PagedArgs<repo.WorkerFilter>) =>
      paginate(repo.workersQuery(db, page.filter ?? {}, isoDate(clock.now())), orderings.worker, page, page),
    legalEntities: (page: PagedArgs<repo.LegalEntityFilter>) =>
      paginate(repo.legalEntitiesQuery(db, page.filter ?? {}), orderings.legalEntity, page, page),
    costCenters: (page: PagedArgs<repo.CostCenterFilter>) =>
      paginate(repo.costCentersQuery(db, page.filter ?? {}), orderings.costCenter, page, page),
    roles: (page: PagedArgs<repo.SearchFilter>) => paginate(repo.rolesQuery(db, page.filter ?? {}), orderings.role, page, page),
    workCalendars: (page: PagedArgs<repo.SearchFilter>) =>
      paginate(repo.calendarsQuery(db, page.filter ?? {}), orderings.workCalendar, page, page),
    leaves: (page: PagedArgs<repo.LeaveFilter>) => paginate(repo.leavesQuery(db, page.filter ?? {}), orderings.leave, page, page),

    costRates,
    async costRateOn(scope: HcmReadScope, workerId: string, date: string) {
      return costRateOn((await costRates(scope, workerId, 'Worker.costRateOn')).map(asPeriod), date);
    },

    /** Three batched statements however many workers ask: calendars, their holidays, and the workers' leave. */
    async capacityHours(scope: HcmReadScope, worker: WorkerRow, from: string, to: string) {
      return capacityHours(await capacityInput(scope, worker, from, to));
    },

    /** `capacityHours` per day, ISO week or month, with the same three batched statements. */
    async capacity(scope: HcmReadScope, worker: WorkerRow, from: string, to: string, period: CalendarPeriod) {
      return capacityByPeriod(await capacityInput(scope, worker, from, to), period);
    },
  };
}

export type HcmQueries = ReturnType<typeof createHcmQueries>;
