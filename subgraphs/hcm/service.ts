import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { hasRole, requireRole } from '../../lib/auth/identity.ts';
import { recordAudit } from '../../lib/audit/record.ts';
import { isoDate, type Clock } from '../../lib/clock.ts';
import { changeOrdering } from '../../lib/db/changes.ts';
import { toJson } from '../../lib/db/types.ts';
import { checkCurrency, checkDecimal } from '../../lib/decimal.ts';
import { badInput, DomainError, forbidden, notFound } from '../../lib/errors.ts';
import { createEvent } from '../../lib/events/envelope.ts';
import { appendToOutbox } from '../../lib/events/outbox.ts';
import { paginate } from '../../lib/graphql/connection.ts';
import type { PagedArgs } from '../../lib/graphql/loaders.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import {
  attachExternalRefs,
  checkExternalRef,
  checkExternalRefs,
  lookupRecordId,
  recordIdByRef,
  resolveRecordId,
  setExternalRefs,
  type ExternalRef,
} from '../../lib/external-refs.ts';
import { transactionalWriter } from '../../lib/idempotency.ts';
import { changedColumns, checkBatchSize, upsertEach, type UpsertResult } from '../../lib/upsert.ts';
import { checkDate, checkDateRange, checkText } from '../../lib/validate.ts';
import { yieldIfBusy } from '../../lib/cooperative.ts';
import { assertCapacityRange, capacityByPeriod, capacityHours, type CapacityInput } from './domain/capacity.ts';
import type { CalendarPeriod } from '../../lib/calendar-periods.ts';
import { assertNoOverlap, costRateOn } from './domain/cost-rate.ts';
import { hcmFields, type HcmField } from './domain/field-access.ts';
import { assertLeaveAllowed } from './domain/leave.ts';
import { assertNoManagerCycle, isInReportingLine } from './domain/reporting-line.ts';
import { effectiveStatus, statusOnWrite } from './domain/worker-status.ts';
import {
  hcmTopics,
  type CostRateAdded,
  type LegalEntityChanged,
  type LegalEntityCreated,
  type WorkerChanged,
  type WorkerCreated,
  type WorkerField,
  type WorkerHistoryChanged,
  type WorkerSnapshot,
} from './events.ts';
import {
  applyDatedChange,
  attributeNames,
  changedAttributes,
  datedValuesOf,
  periodOn,
  periodSnapshot,
  periodsWithin as historyWithin,
  rebaseOnHireDate,
  valuesToday,
  type DatedAttribute,
  type DatedPeriod,
  type DatedValues,
} from './domain/worker-history.ts';
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
  type UpsertInput,
  type WorkerAttributesInput,
  type WorkerInput,
} from './inputs.ts';
import * as repo from './repository.ts';
import type { HcmDatabase, WorkerPeriodRow, WorkerRow } from './tables.ts';

type Trx = Transaction<HcmDatabase>;

/** The hcm records that carry references in other systems (`external_ref.entity`). */
export type HcmEntity = 'Worker' | 'Role' | 'CostCenter' | 'LegalEntity';

/** What a write does to a record's references: replace the set (an update's `externalRefs`) or add one (an upsert's key). */
interface RefChange {
  replace?: readonly ExternalRef[] | null;
  attach?: ExternalRef;
}

/**
 * Reads about records of other kinds than a bulk upsert writes (a worker batch's roles, cost centers, legal entities and
 * calendars): those do not change during the batch, so each is asked once per batch, not once per input. The single
 * mutations ask every time (`askEveryTime`).
 */
type Once = <T>(key: string, ask: () => Promise<T>) => Promise<T>;
const askEveryTime: Once = (_key, ask) => ask();
function oncePerBatch(): Once {
  const answers = new Map<string, Promise<unknown>>();
  return <T>(key: string, ask: () => Promise<T>) => {
    if (!answers.has(key)) answers.set(key, ask());
    return answers.get(key) as Promise<T>;
  };
}

/** Skills in one order, so the same set compares equal however it was given. */
const bySkill = <S extends SkillInput>(skills: readonly S[]): SkillInput[] =>
  [...skills].map(({ skill, level }) => ({ skill, level })).sort((a, b) => (a.skill < b.skill ? -1 : a.skill > b.skill ? 1 : 0));

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
export function createHcmService(deps: {
  db: Kysely<HcmDatabase>;
  clock: Clock;
  onCommit: () => void;
  /** The unlogged handle: the minute check for due dated changes stays out of request statement counts. */
  backgroundDb?: Kysely<HcmDatabase>;
}) {
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

  async function uniqueCostCenterCode(trx: Trx, legalEntityId: string, code: string) {
    const taken = await trx.selectFrom('cost_center').select('id').where('legal_entity_id', '=', legalEntityId).where('code', '=', code).executeTakeFirst();
    if (taken) throw new DomainError('CONFLICT', `cost center code ${code} is already used in this legal entity`, { field: 'code' });
  }

  /**
   * A change of a record's references: an update's `externalRefs` replaces the set (nothing written when it is the
   * same), an upsert's key is added. Returns whether anything changed.
   */
  async function changeRefs(trx: Trx, entity: HcmEntity, id: string, refs: RefChange): Promise<boolean> {
    if (refs.attach) return attachExternalRefs(trx, entity, id, [refs.attach], 'externalRef');
    if (refs.replace == null) return false;
    const wanted = checkExternalRefs('externalRefs', refs.replace);
    const held = await trx.selectFrom('external_ref').select(['system', 'external_id']).where('entity', '=', entity).where('record_id', '=', id).execute();
    const same = held.length === wanted.length && wanted.every((ref) => held.some((row) => row.system === ref.system && row.external_id === ref.id));
    if (same) return false;
    await setExternalRefs(trx, entity, id, wanted);
    return true;
  }

  /**
   * One upsert input through the single mutations' own create and change paths: the record holding `externalRef` is
   * changed; or the record `id` names is given the reference and changed; or a new record is created with it.
   */
  async function upsertOne(
    trx: Trx,
    entity: HcmEntity,
    input: { externalRef: ExternalRef; id?: string | null },
    create: (ref: ExternalRef) => Promise<string>,
    change: (id: string, refs: RefChange) => Promise<boolean>,
  ): Promise<{ outcome: 'CREATED' | 'UPDATED' | 'UNCHANGED'; id: string }> {
    const ref = checkExternalRef('externalRef', input.externalRef);
    const outcome = (changed: boolean) => (changed ? 'UPDATED' : 'UNCHANGED');
    if (input.id != null) return { id: input.id, outcome: outcome(await change(input.id, { attach: ref })) };
    const holder = await recordIdByRef(trx, entity, ref);
    if (holder) return { id: holder, outcome: outcome(await change(holder, {})) };
    return { id: await create(ref), outcome: 'CREATED' };
  }

  /** A bulk upsert: the create mutation's roles, at most MAX_UPSERT_BATCH inputs, one transaction, input by input. */
  async function upsertAll<Input extends { externalRef: ExternalRef; id?: string | null }>(
    scope: RequestScope,
    operation: string,
    inputs: readonly Input[],
    idempotencyKey: string | null | undefined,
    apply: (trx: Trx, input: Input, once: Once) => Promise<{ outcome: 'CREATED' | 'UPDATED' | 'UNCHANGED'; id: string }>,
  ): Promise<UpsertResult[]> {
    requireRole(scope.identity);
    checkBatchSize(inputs);
    return write(scope, operation, idempotencyKey, inputs, (trx) => {
      const once = oncePerBatch();
      return upsertEach(trx, inputs, (input) => apply(trx, input, once));
    });
  }

  // Legal entities. The code is fixed once created, as `UpdateLegalEntityInput` has it: an upsert may not change it.

  const newLegalEntity = (input: LegalEntityInput) => ({
    code: checkText('code', required('code', input.code), 20),
    name: checkText('name', required('name', input.name)),
    country: checkCountry('country', required('country', input.country)),
    currency: checkCurrency('currency', required('currency', input.currency)),
  });

  const legalEntityChange = (input: LegalEntityInput) => ({
    ...(input.code != null ? { code: checkText('code', input.code, 20) } : {}),
    ...(input.name != null ? { name: checkText('name', input.name) } : {}),
    ...(input.country != null ? { country: checkCountry('country', input.country) } : {}),
    ...(input.currency != null ? { currency: checkCurrency('currency', input.currency) } : {}),
  });

  async function insertLegalEntity(scope: RequestScope, trx: Trx, values: ReturnType<typeof newLegalEntity>, refs: readonly ExternalRef[]) {
    await uniqueCode(trx, 'legal_entity', values.code, null);
    const id = randomUUID();
    await trx.insertInto('legal_entity').values({ id, ...values }).execute();
    await attachExternalRefs(trx, 'LegalEntity', id, refs);
    await appendToOutbox(trx, [event<LegalEntityCreated>(scope, hcmTopics.legalEntityCreated, 'LegalEntity', id, { legalEntityId: id, ...values })]);
    return id;
  }

  /** Writes and publishes only what differs; returns whether anything changed. */
  async function changeLegalEntity(scope: RequestScope, trx: Trx, id: string, values: ReturnType<typeof legalEntityChange>, refs: RefChange) {
    const current = await trx.selectFrom('legal_entity').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!current) throw notFound('LegalEntity', id);
    const changed = changedColumns(current, values);
    if (changed.code !== undefined) throw badInput('code', `the code of legal entity ${current.code} does not change`);
    if (changed.currency !== undefined && (await repo.legalEntityHasCostRates(trx, id))) {
      throw new DomainError('CONFLICT', `workers of ${current.code} have cost rates in ${current.currency}; its currency cannot change`, { field: 'currency' });
    }
    const refsChanged = await changeRefs(trx, 'LegalEntity', id, refs);
    const fieldsChanged = Object.keys(changed).length > 0;
    if (!fieldsChanged && !refsChanged) return false;
    await trx.updateTable('legal_entity').set({ ...changed, updated_at: clock.now() }).where('id', '=', id).execute();
    if (fieldsChanged) {
      const after = { ...current, ...changed };
      await appendToOutbox(trx, [
        event<LegalEntityChanged>(scope, hcmTopics.legalEntityChanged, 'LegalEntity', id, {
          legalEntityId: id, code: after.code, name: after.name, country: after.country, currency: after.currency,
        }),
      ]);
    }
    return true;
  }

  // Cost centers: codes unique within their legal entity, which does not change.

  const newCostCenter = (input: CostCenterInput) => {
    required('legalEntityId', input.legalEntityId ?? input.legalEntityRef);
    return { code: checkText('code', required('code', input.code), 40), name: checkText('name', required('name', input.name)) };
  };

  const costCenterChange = (input: CostCenterInput) => ({
    ...(input.code != null ? { code: checkText('code', input.code, 40) } : {}),
    ...(input.name != null ? { name: checkText('name', input.name) } : {}),
  });

  /** The legal entity a cost center input names, by id or reference; undefined when it names none. */
  const costCenterLegalEntity = (trx: Trx, input: CostCenterInput, once: Once) =>
    once(`legalEntity:${JSON.stringify([input.legalEntityId, input.legalEntityRef])}`, async () => {
      const id = await resolveRecordId(trx, 'LegalEntity', 'legalEntity', { id: input.legalEntityId, ref: input.legalEntityRef });
      if (id != null) await exists(trx, 'legal_entity', id, 'LegalEntity');
      return id;
    });

  async function insertCostCenter(trx: Trx, input: CostCenterInput, values: ReturnType<typeof newCostCenter>, refs: readonly ExternalRef[], once = askEveryTime) {
    const legalEntityId = (await costCenterLegalEntity(trx, input, once))!;
    await uniqueCostCenterCode(trx, legalEntityId, values.code);
    const id = randomUUID();
    await trx.insertInto('cost_center').values({ id, ...values, legal_entity_id: legalEntityId }).execute();
    await attachExternalRefs(trx, 'CostCenter', id, refs);
    return id;
  }

  async function changeCostCenter(trx: Trx, id: string, input: CostCenterInput, refs: RefChange, once = askEveryTime) {
    const values = costCenterChange(input);
    const current = await trx.selectFrom('cost_center').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!current) throw notFound('CostCenter', id);
    const legalEntityId = await costCenterLegalEntity(trx, input, once);
    if (legalEntityId != null && legalEntityId !== current.legal_entity_id) {
      throw badInput('legalEntityId', `cost center ${current.code} belongs to legal entity ${current.legal_entity_id}; it does not move`);
    }
    const changed = changedColumns(current, values);
    if (changed.code !== undefined) await uniqueCostCenterCode(trx, current.legal_entity_id, changed.code);
    const refsChanged = await changeRefs(trx, 'CostCenter', id, refs);
    if (Object.keys(changed).length === 0 && !refsChanged) return false;
    await trx.updateTable('cost_center').set({ ...changed, updated_at: clock.now() }).where('id', '=', id).execute();
    return true;
  }

  // Roles: codes unique.

  const newRole = (input: RoleInput) => ({
    code: checkText('code', required('code', input.code), 40),
    name: checkText('name', required('name', input.name)),
    target_utilization: checkUtilization(required('targetUtilization', input.targetUtilization)),
  });

  const roleChange = (input: RoleInput) => ({
    ...(input.code != null ? { code: checkText('code', input.code, 40) } : {}),
    ...(input.name != null ? { name: checkText('name', input.name) } : {}),
    ...(input.targetUtilization != null ? { target_utilization: checkUtilization(input.targetUtilization) } : {}),
  });

  async function insertRole(trx: Trx, values: ReturnType<typeof newRole>, refs: readonly ExternalRef[]) {
    await uniqueCode(trx, 'role', values.code, null);
    const id = randomUUID();
    await trx.insertInto('role').values({ id, ...values }).execute();
    await attachExternalRefs(trx, 'Role', id, refs);
    return id;
  }

  async function changeRole(trx: Trx, id: string, values: ReturnType<typeof roleChange>, refs: RefChange) {
    const current = await trx.selectFrom('role').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!current) throw notFound('Role', id);
    const changed = changedColumns(current, values);
    if (changed.code !== undefined) await uniqueCode(trx, 'role', changed.code, id);
    const refsChanged = await changeRefs(trx, 'Role', id, refs);
    if (Object.keys(changed).length === 0 && !refsChanged) return false;
    await trx.updateTable('role').set({ ...changed, updated_at: clock.now() }).where('id', '=', id).execute();
    return true;
  }

  // Workers.

  /** A new worker's fields, checked before any transaction: what `createWorker` requires, records by id or reference. */
  function newWorker(input: WorkerInput) {
    const fields = checkWorkerFields(input);
    for (const field of ['employeeNumber', 'name', 'email', 'kind'] as const) required(field, input[field]);
    required('roleId', input.roleId ?? input.roleRef);
    required('costCenterId', input.costCenterId ?? input.costCenterRef);
    required('legalEntityId', input.legalEntityId ?? input.legalEntityRef);
    for (const field of ['location', 'calendarId', 'hireDate'] as const) required(field, input[field]);
    const values = fields as Required<typeof fields>;
    checkDateRange('hireDate', values.hire_date, 'terminationDate', input.terminationDate);
    return { values, skills: checkSkills(input.skills ?? []) };
  }

  /**
   * The records a worker input names, each by id or by reference within hcm (`roleId` or `roleRef`, not both);
   * undefined when not given, null when `managerId` clears the manager.
   */
  async function workerLinks(trx: Trx, input: WorkerInput, once: Once) {
    const link = (entity: HcmEntity, field: string, id: string | null | undefined, ref: ExternalRef | null | undefined) =>
      ref == null ? id : resolveRecordId(trx, entity, field, { id, ref });
    // A batch of workers may create the manager it names; the other records are not written by it.
    const stable = async (entity: HcmEntity, field: string, id: string | null | undefined, ref: ExternalRef | null | undefined) =>
      ref == null ? id : once(`${entity}:${JSON.stringify([id, ref])}`, async () => link(entity, field, id, ref));
    return {
      role_id: await stable('Role', 'role', input.roleId, input.roleRef),
      manager_id: await link('Worker', 'manager', input.managerId, input.managerRef),
      cost_center_id: await stable('CostCenter', 'costCenter', input.costCenterId, input.costCenterRef),
      legal_entity_id: await stable('LegalEntity', 'legalEntity', input.legalEntityId, input.legalEntityRef),
    };
  }

  /** The role, calendar, and cost center in its legal entity a worker is given exist (asked once per batch). */
  async function checkWorkerRecords(trx: Trx, once: Once, records: { roleId?: string; calendarId?: string; costCenter?: [string, string] }) {
    const { roleId, calendarId, costCenter } = records;
    if (roleId) await once(`role:${roleId}`, () => exists(trx, 'role', roleId, 'Role'));
    if (calendarId) await once(`calendar:${calendarId}`, () => exists(trx, 'work_calendar', calendarId, 'WorkCalendar'));
    if (costCenter) await once(`costCenter:${costCenter.join(':')}`, () => checkCostCenter(trx, ...costCenter));
  }

  async function insertWorker(
    scope: RequestScope,
    trx: Trx,
    input: WorkerInput,
    checked: ReturnType<typeof newWorker>,
    refs: readonly ExternalRef[],
    once = askEveryTime,
  ) {
    const { values, skills } = checked;
    const links = await workerLinks(trx, input, once);
    const id = randomUUID();
    await checkWorkerRecords(trx, once, { roleId: links.role_id!, calendarId: input.calendarId!, costCenter: [links.cost_center_id!, links.legal_entity_id!] });
    if (links.manager_id) await checkManager(trx, id, links.manager_id);
    const taken = await trx.selectFrom('worker').select('id').where('employee_number', '=', values.employee_number).executeTakeFirst();
    if (taken) throw new DomainError('CONFLICT', `employee number ${values.employee_number} is already used`, { field: 'employeeNumber' });
    const terminationDate = input.terminationDate ?? null;
    const row = await trx
      .insertInto('worker')
      .values({
        ...values,
        id,
        role_id: links.role_id!,
        manager_id: links.manager_id ?? null,
        cost_center_id: links.cost_center_id!,
        legal_entity_id: links.legal_entity_id!,
        calendar_id: input.calendarId!,
        termination_date: terminationDate,
        target_utilization: values.target_utilization ?? null,
        status: statusOnWrite({ current: null, terminationDate, terminationChanged: true, today: today() }),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (skills.length > 0) await trx.insertInto('worker_skill').values(skills.map((entry) => ({ worker_id: id, ...entry }))).execute();
    await repo.replaceWorkerPeriods(trx, id, [{ effective_from: row.hire_date, effective_to: null, ...datedValuesOf(row) }]);
    await attachExternalRefs(trx, 'Worker', id, refs);
    await appendToOutbox(trx, [event<WorkerCreated>(scope, hcmTopics.workerCreated, 'Worker', id, snapshotOf(row, bySkill(skills), today()))]);
    return id;
  }

  /**
   * Applies the fields `input` gives (and `skills`, replacing the worker's, when given). Writes, moves `updated_at`
   * and publishes `hcm.worker.changed` only when something differs; returns whether anything changed.
   */
  async function changeWorker(scope: RequestScope, trx: Trx, id: string, input: WorkerInput, refs: RefChange, once = askEveryTime) {
    const fields = checkWorkerFields(input);
    const wantedSkills = input.skills == null ? null : checkSkills(input.skills);
    const current = await repo.lockWorker(trx, id);
    if (!current) throw notFound('Worker', id);
    const links = await workerLinks(trx, input, once);
    const currentSkills = bySkill(await repo.skillsByWorkers(trx, [id]));
    const next: WorkerRow = {
      ...current,
      ...fields,
      ...(links.role_id != null ? { role_id: links.role_id } : {}),
      ...(links.cost_center_id != null ? { cost_center_id: links.cost_center_id } : {}),
      ...(links.legal_entity_id != null ? { legal_entity_id: links.legal_entity_id } : {}),
      ...(input.calendarId != null ? { calendar_id: input.calendarId } : {}),
      ...(links.manager_id !== undefined ? { manager_id: links.manager_id } : {}),
      ...(input.terminationDate !== undefined ? { termination_date: input.terminationDate } : {}),
    };
    checkDateRange('hireDate', next.hire_date, 'terminationDate', next.termination_date);
    await checkWorkerRecords(trx, once, {
      roleId: next.role_id !== current.role_id ? next.role_id : undefined,
      calendarId: next.calendar_id !== current.calendar_id ? next.calendar_id : undefined,
      costCenter: next.cost_center_id !== current.cost_center_id || next.legal_entity_id !== current.legal_entity_id ? [next.cost_center_id, next.legal_entity_id] : undefined,
    });
    if (next.manager_id && next.manager_id !== current.manager_id) await checkManager(trx, id, next.manager_id);
    if (next.employee_number !== current.employee_number) {
      const taken = await trx.selectFrom('worker').select('id').where('employee_number', '=', next.employee_number).executeTakeFirst();
      if (taken) throw new DomainError('CONFLICT', `employee number ${next.employee_number} is already used`, { field: 'employeeNumber' });
    }
    const history = await historyAfterUpdate(trx, current, next, once);
    const terminationChanged = next.termination_date !== current.termination_date;
    next.status = statusOnWrite({ current: current.status, terminationDate: next.termination_date, terminationChanged, today: today() });
    const skills = wantedSkills ? bySkill(wantedSkills) : currentSkills;
    const after = snapshotOf(next, skills, today());
    const changed = changedFields(snapshotOf(current, currentSkills, today()), after);
    const refsChanged = await changeRefs(trx, 'Worker', id, refs);
    if (changed.length === 0 && next.status === current.status && !refsChanged) return false;
    if (changed.includes('skills')) {
      await trx.deleteFrom('worker_skill').where('worker_id', '=', id).execute();
      if (skills.length > 0) await trx.insertInto('worker_skill').values(skills.map(({ skill, level }) => ({ worker_id: id, skill, level }))).execute();
    }
    const { id: _id, created_at: _created, ...values } = next;
    await trx.updateTable('worker').set({ ...values, updated_at: clock.now() }).where('id', '=', id).execute();
    if (history) await writeHistory(scope, trx, id, history);
    if (changed.length > 0) {
      const effectiveFrom = history?.change.from ?? today();
      await appendToOutbox(trx, [event<WorkerChanged>(scope, hcmTopics.workerChanged, 'Worker', id, { ...after, changedFields: changed, effectiveFrom })]);
    }
    return true;
  }

  /**
   * An update's (or upsert's) dated attributes take effect today (on the hire date for someone not hired yet; on the
   * termination date for someone gone), open-ended; a moved hire date moves the first period's start. Sets `next`'s
   * dated values to those in effect today; null when the history does not change.
   */
  async function historyAfterUpdate(trx: Trx, current: WorkerRow, next: WorkerRow, once: Once) {
    const attributes = changedAttributes(current, next);
    const hireMoved = next.hire_date !== current.hire_date;
    if (attributes.length === 0 && !hireMoved) return null;
    let periods = await historyOf(trx, current);
    if (hireMoved) periods = rebaseOnHireDate(periods, next.hire_date);
    let from = today() < next.hire_date ? next.hire_date : today();
    if (next.termination_date !== null && from > next.termination_date) from = next.termination_date;
    if (attributes.length > 0) {
      const values = Object.fromEntries(attributes.map((attribute) => [attribute, next[attribute]])) as Partial<DatedValues>;
      periods = applyDatedChange(periods, { from, to: null, values }, { hireDate: next.hire_date, terminationDate: next.termination_date });
      await checkPeriods(trx, periods, { from, to: null }, once);
    }
    Object.assign(next, datedValuesOf(valuesToday(periods, today())));
    return { periods, change: { from: attributes.length > 0 ? from : next.hire_date, to: null, attributes } };
  }

  /** Writes a worker's new history and announces the dated change (`hcm.worker.history_changed`). */
  async function writeHistory(
    scope: RequestScope,
    trx: Trx,
    workerId: string,
    history: { periods: readonly DatedPeriod[]; change: { from: string; to: string | null; attributes: readonly DatedAttribute[] } },
  ) {
    await repo.replaceWorkerPeriods(trx, workerId, history.periods);
    await appendToOutbox(trx, [
      event<WorkerHistoryChanged>(scope, hcmTopics.workerHistoryChanged, 'Worker', workerId, {
        workerId,
        effectiveFrom: history.change.from,
        effectiveTo: history.change.to,
        changedFields: history.change.attributes.map((attribute) => attributeNames[attribute]),
        periods: history.periods.map(periodSnapshot),
      }),
    ]);
  }

  /**
   * Puts the values in effect today on the worker row (its filters, indexes and reporting lines read them) and
   * publishes `hcm.worker.changed` when they differ, with the day the values took effect. Returns whether they did.
   */
  async function holdValuesOfToday(scope: RequestScope, trx: Trx, current: WorkerRow, periods: readonly DatedPeriod[]) {
    const inEffect = valuesToday(periods, today());
    const next: WorkerRow = { ...current, ...datedValuesOf(inEffect) };
    const skills = bySkill(await repo.skillsByWorkers(trx, [current.id]));
    const after = snapshotOf(next, skills, today());
    const changed = changedFields(snapshotOf(current, skills, today()), after);
    await trx.updateTable('worker').set({ ...datedValuesOf(inEffect), updated_at: clock.now() }).where('id', '=', current.id).execute();
    if (changed.length === 0) return false;
    const effectiveFrom = inEffect.effective_from < today() ? inEffect.effective_from : today();
    await appendToOutbox(trx, [event<WorkerChanged>(scope, hcmTopics.workerChanged, 'Worker', current.id, { ...after, changedFields: changed, effectiveFrom })]);
    return true;
  }

  /**
   * The records each period a change touched names exist, and each of its cost centers belongs to its legal entity
   * (a new cost center against an older legal entity, or the reverse). Periods outside the change are as they were.
   */
  async function checkPeriods(trx: Trx, periods: readonly DatedPeriod[], window: { from: string; to: string | null }, once: Once) {
    const touched = historyWithin(periods, window.from, window.to ?? '9999-12-31');
    for (const period of touched) {
      await checkWorkerRecords(trx, once, { roleId: period.role_id, calendarId: period.calendar_id, costCenter: [period.cost_center_id, period.legal_entity_id] });
    }
  }

  /** A worker's periods; one open period from the row for a worker written without any (none is expected). */
  async function historyOf(trx: Trx, worker: WorkerRow): Promise<DatedPeriod[]> {
    const periods = await repo.periodsByWorkers(trx, [worker.id]);
    return periods.length > 0 ? periods : [{ effective_from: worker.hire_date, effective_to: null, ...datedValuesOf(worker) }];
  }

  return {
    async createLegalEntity(scope: RequestScope, input: LegalEntityInput, idempotencyKey?: string | null) {
      requireRole(scope.identity);
      const values = newLegalEntity(input);
      return write(scope, 'createLegalEntity', idempotencyKey, input, (trx) => insertLegalEntity(scope, trx, values, input.externalRefs ?? []));
    },

    async updateLegalEntity(scope: RequestScope, id: string, input: LegalEntityInput) {
      requireRole(scope.identity);
      const values = legalEntityChange(input);
      return write(scope, 'updateLegalEntity', null, null, async (trx) => {
        await changeLegalEntity(scope, trx, id, values, { replace: input.externalRefs });
        return id;
      });
    },

    upsertLegalEntities: (scope: RequestScope, inputs: readonly UpsertInput<LegalEntityInput>[], idempotencyKey?: string | null) =>
      upsertAll(scope, 'upsertLegalEntities', inputs, idempotencyKey, (trx, input) =>
        upsertOne(
          trx,
          'LegalEntity',
          input,
          (ref) => insertLegalEntity(scope, trx, newLegalEntity(input), [ref]),
          (id, refs) => changeLegalEntity(scope, trx, id, legalEntityChange(input), refs),
        ),
      ),

    async createCostCenter(scope: RequestScope, input: CostCenterInput, idempotencyKey?: string | null) {
      requireRole(scope.identity);
      const values = newCostCenter(input);
      return write(scope, 'createCostCenter', idempotencyKey, input, (trx) => insertCostCenter(trx, input, values, input.externalRefs ?? []));
    },

    async updateCostCenter(scope: RequestScope, id: string, input: CostCenterInput) {
      requireRole(scope.identity);
      costCenterChange(input);
      return write(scope, 'updateCostCenter', null, null, async (trx) => {
        await changeCostCenter(trx, id, input, { replace: input.externalRefs });
        return id;
      });
    },

    upsertCostCenters: (scope: RequestScope, inputs: readonly UpsertInput<CostCenterInput>[], idempotencyKey?: string | null) =>
      upsertAll(scope, 'upsertCostCenters', inputs, idempotencyKey, (trx, input, once) =>
        upsertOne(
          trx,
          'CostCenter',
          input,
          (ref) => insertCostCenter(trx, input, newCostCenter(input), [ref], once),
          (id, refs) => changeCostCenter(trx, id, input, refs, once),
        ),
      ),

    async createRole(scope: RequestScope, input: RoleInput, idempotencyKey?: string | null) {
      requireRole(scope.identity);
      const values = newRole(input);
      return write(scope, 'createRole', idempotencyKey, input, (trx) => insertRole(trx, values, input.externalRefs ?? []));
    },

    async updateRole(scope: RequestScope, id: string, input: RoleInput) {
      requireRole(scope.identity);
      const values = roleChange(input);
      return write(scope, 'updateRole', null, null, async (trx) => {
        await changeRole(trx, id, values, { replace: input.externalRefs });
        return id;
      });
    },

    upsertRoles: (scope: RequestScope, inputs: readonly UpsertInput<RoleInput>[], idempotencyKey?: string | null) =>
      upsertAll(scope, 'upsertRoles', inputs, idempotencyKey, (trx, input) =>
        upsertOne(
          trx,
          'Role',
          input,
          (ref) => insertRole(trx, newRole(input), [ref]),
          (id, refs) => changeRole(trx, id, roleChange(input), refs),
        ),
      ),

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
      const checked = newWorker(input);
      return write(scope, 'createWorker', idempotencyKey, input, (trx) => insertWorker(scope, trx, input, checked, input.externalRefs ?? []));
    },

    async updateWorker(scope: RequestScope, id: string, input: WorkerInput) {
      requireRole(scope.identity);
      if (input.skills != null) throw badInput('skills', 'use setWorkerSkills');
      checkWorkerFields(input);
      return write(scope, 'updateWorker', null, null, async (trx) => {
        await changeWorker(scope, trx, id, input, { replace: input.externalRefs });
        return id;
      });
    },

    upsertWorkers: (scope: RequestScope, inputs: readonly UpsertInput<WorkerInput>[], idempotencyKey?: string | null) =>
      upsertAll(scope, 'upsertWorkers', inputs, idempotencyKey, (trx, input, once) =>
        upsertOne(
          trx,
          'Worker',
          input,
          (ref) => insertWorker(scope, trx, input, newWorker(input), [ref], once),
          (id, refs) => changeWorker(scope, trx, id, input, refs, once),
        ),
      ),

    /**
     * Changes dated attributes from `effectiveFrom` (past or future) to `effectiveTo` (or open-ended), by the rule of
     * domain/worker-history.ts; one transaction; the row and `hcm.worker.changed` follow only when today's values move.
     */
    async changeWorkerAttributes(scope: RequestScope, workerId: string, input: WorkerAttributesInput, idempotencyKey?: string | null) {
      requireRole(scope.identity);
      const from = checkDate('effectiveFrom', input.effectiveFrom);
      const to = input.effectiveTo == null ? null : checkDate('effectiveTo', input.effectiveTo);
      const fields = checkWorkerFields({ kind: input.kind, location: input.location });
      return write(scope, 'changeWorkerAttributes', idempotencyKey, { workerId, input }, async (trx) => {
        const current = await repo.lockWorker(trx, workerId);
        if (!current) throw notFound('Worker', workerId);
        const links = await workerLinks(trx, input, askEveryTime);
        const values: Partial<DatedValues> = Object.fromEntries(
          // Only the manager may be cleared; a null elsewhere says nothing, as on updateWorker.
          Object.entries({ ...links, ...fields, calendar_id: input.calendarId }).filter(
            ([attribute, value]) => value !== undefined && (value !== null || attribute === 'manager_id'),
          ),
        );
        const periods = applyDatedChange(await historyOf(trx, current), { from, to, values }, {
          hireDate: current.hire_date,
          terminationDate: current.termination_date,
        });
        await checkPeriods(trx, periods, { from, to }, oncePerBatch());
        // The manager chain is checked on today's lines: a manager may not be someone who reports to the worker now.
        if (values.manager_id) await checkManager(trx, workerId, values.manager_id);
        const attributes = Object.keys(values) as DatedAttribute[];
        await writeHistory(scope, trx, workerId, { periods, change: { from, to, attributes } });
        await holdValuesOfToday(scope, trx, current, periods);
        return workerId;
      });
    },

    /**
     * Brings every worker row to the values in effect today, publishing `hcm.worker.changed` for each worker whose
     * future-dated change came into effect. hcm runs it at start and every minute (server.ts); ADMIN may run it.
     * One transaction per worker; returns how many workers changed.
     */
    async applyDueWorkerChanges(scope: RequestScope) {
      requireRole(scope.identity);
      let applied = 0;
      for (;;) {
        const due = await repo.workersWithDueChanges(deps.backgroundDb ?? db, today(), 100);
        for (const { id } of due) {
          const changed = await write(scope, 'applyDueWorkerChanges', null, null, async (trx) => {
            const current = await repo.lockWorker(trx, id);
            return current ? holdValuesOfToday(scope, trx, current, await historyOf(trx, current)) : false;
          });
          if (changed) applied += 1;
        }
        if (due.length < 100) return applied;
      }
    },

    async setWorkerSkills(scope: RequestScope, workerId: string, input: SkillInput[]) {
      requireRole(scope.identity);
      const skills = checkSkills(input);
      return write(scope, 'setWorkerSkills', null, null, async (trx) => {
        await changeWorker(scope, trx, workerId, { skills }, {});
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
        // A worker's cost rates are part of what a mirror of workers keeps (`updatedAfter`).
        await trx.updateTable('worker').set({ updated_at: clock.now() }).where('id', '=', workerId).execute();
        const audited = (row: { id: string; amount: unknown; currency: string; effective_from: string; effective_to: string | null }) => ({
          id: row.id, amount: String(row.amount), currency: row.currency, effectiveFrom: row.effective_from, effectiveTo: row.effective_to,
        });
        await recordAudit(trx, scope, {
          entityType: 'Worker',
          entityId: workerId,
          operation: 'addWorkerCostRate',
          before: { costRates: existing.map(audited) },
          after: { costRates: [...existing.map(audited), { id, ...rate }] },
        });
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
      required('workerId', input.workerId ?? input.workerRef);
      return write(scope, 'createLeave', idempotencyKey, input, async (trx) => {
        const workerId = (await resolveRecordId(trx, 'Worker', 'worker', { id: input.workerId, ref: input.workerRef }))!;
        const worker = await repo.lockWorker(trx, workerId);
        if (!worker) throw notFound('Worker', workerId);
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

/** A period of `Worker.history`, with the worker and the range the history was asked for (its capacity's bounds). */
export interface WorkerPeriodView extends WorkerPeriodRow {
  worker: WorkerRow;
  range: { from: string | null; to: string | null };
}

/**
 * The calendars, holidays and approved leave a worker's capacity over [from, to] is computed from (batched loaders):
 * the calendar in effect on each day. Holidays and leave are read over `loadRange` (default [from, to]), so the
 * periods of many workers' histories share one statement per kind.
 */
async function capacityInput(scope: HcmReadScope, worker: WorkerRow, from: string, to: string, loadRange = { from, to }): Promise<CapacityInput> {
  assertCapacityRange(from, to);
  const { loaders } = scope;
  const periods = historyWithin(await loaders.periodsByWorker.load(worker.id), from, to);
  const calendarIds = periods.length > 0 ? periods.map((period) => period.calendar_id) : [worker.calendar_id];
  const [calendars, holidays, leaves] = await Promise.all([
    Promise.all(calendarIds.map((id) => loaders.calendar.load(id))),
    Promise.all(calendarIds.map((id) => loaders.holidaysByCalendar.for(loadRange).load(id))),
    loaders.approvedLeavesByWorker.for(loadRange).load(worker.id),
  ]);
  const calendarAt = (index: number) => ({
    hoursPerDay: calendars[index]!.hours_per_day,
    workingDays: calendars[index]!.working_days,
    holidays: holidays[index].map((holiday) => holiday.date),
  });
  return {
    from,
    to,
    ...calendarAt(0),
    calendarChanges: periods.slice(1).map((period, index) => ({ from: period.effective_from, ...calendarAt(index + 1) })),
    leaves: leaves.map((leave) => ({ startDate: leave.start_date, endDate: leave.end_date, hoursPerDay: leave.hours_per_day })),
    hireDate: worker.hire_date,
    terminationDate: worker.termination_date,
  };
}

/** hcm's top-level lists (lists under a parent go through the loaders) and its guarded or computed reads. */

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
    /** With `updatedAfter`, in change order (updatedAt, id) for incremental pulls; else by name. */
    workers: (page: PagedArgs<repo.WorkerFilter>) =>
      paginate(
        repo.workersQuery(db, page.filter ?? {}, isoDate(clock.now())),
        page.filter?.updatedAfter != null ? changeOrdering('worker') : orderings.worker,
        page,
        page,
      ),
    legalEntities: (page: PagedArgs<repo.LegalEntityFilter>) =>
      paginate(repo.legalEntitiesQuery(db, page.filter ?? {}), orderings.legalEntity, page, page),
    costCenters: (page: PagedArgs<repo.CostCenterFilter>) =>
      paginate(repo.costCentersQuery(db, page.filter ?? {}), orderings.costCenter, page, page),
    roles: (page: PagedArgs<repo.RoleFilter>) => paginate(repo.rolesQuery(db, page.filter ?? {}), orderings.role, page, page),
    workCalendars: (page: PagedArgs<repo.SearchFilter>) =>
      paginate(repo.calendarsQuery(db, page.filter ?? {}), orderings.workCalendar, page, page),
    leaves: (page: PagedArgs<repo.LeaveFilter>) => paginate(repo.leavesQuery(db, page.filter ?? {}), orderings.leave, page, page),

    /** The record a lookup names (`worker(id:, externalRef:)` and the like); null for an unknown reference. */
    recordIdOf: (entity: HcmEntity, args: { id?: string | null; externalRef?: ExternalRef | null }) => lookupRecordId(db, entity, args),

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
      const input = await capacityInput(scope, worker, from, to);
      await yieldIfBusy();
      return capacityByPeriod(input, period);
    },

    /**
     * The worker's effective-dated values on `asOf`; without it, the row's (today's: `applyDueWorkerChanges` keeps
     * them). Before the hire date, the values the worker was hired with.
     */
    async datedValues(scope: HcmReadScope, worker: WorkerRow, asOf: string | null | undefined): Promise<DatedValues> {
      if (asOf == null) return worker;
      const date = checkDate('asOf', asOf);
      const periods = await scope.loaders.periodsByWorker.load(worker.id);
      return periodOn(periods, date) ?? periods[0] ?? worker;
    },

    async history(scope: HcmReadScope, worker: WorkerRow, from: string | null | undefined, to: string | null | undefined): Promise<WorkerPeriodView[]> {
      const range = { from: from == null ? null : checkDate('from', from), to: to == null ? null : checkDate('to', to) };
      if (range.from !== null && range.to !== null) checkDateRange('from', range.from, 'to', range.to);
      const periods = await scope.loaders.periodsByWorker.load(worker.id);
      return historyWithin(periods, range.from ?? '0001-01-01', range.to ?? '9999-12-31').map((period) => ({ ...period, worker, range }));
    },

    /** A history period's capacity over its days within the range asked, by its calendar; one statement per kind. */
    async periodCapacity(scope: HcmReadScope, view: WorkerPeriodView, period: CalendarPeriod) {
      if (view.range.from === null || view.range.to === null) throw badInput('history', 'capacity needs history(from:, to:)');
      const from = view.effective_from > view.range.from ? view.effective_from : view.range.from;
      const to = view.effective_to !== null && view.effective_to < view.range.to ? view.effective_to : view.range.to;
      const input = await capacityInput(scope, view.worker, from, to, { from: view.range.from, to: view.range.to });
      // A KPI asks this of every worker at once (a year by day: milliseconds each): between workers the loop turns.
      await yieldIfBusy();
      return capacityByPeriod(input, period);
    },
  };
}

export type HcmQueries = ReturnType<typeof createHcmQueries>;
