import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import { recordAudit } from '../../../lib/audit/record.ts';
import { requireRole } from '../../../lib/auth/identity.ts';
import { checkDecimal } from '../../../lib/decimal.ts';
import { badInput, notFound } from '../../../lib/errors.ts';
import { appendToOutbox } from '../../../lib/events/outbox.ts';
import type { RequestScope } from '../../../lib/graphql/subgraph-server.ts';
import { toJson } from '../../../lib/db/types.ts';
import type { ExternalRef } from '../../../lib/external-refs.ts';
import { upsertEach } from '../../../lib/upsert.ts';
import { checkDate, checkDateRange, checkText, optionalText } from '../../../lib/validate.ts';
import { assertAssignmentStatusChange, assertNotDoubleAssigned, assertWithinProject } from '../domain/assignment.ts';
import { assertProjectOpen } from '../domain/project-lifecycle.ts';
import { assertStaffingChange, demandOf } from '../domain/staffing.ts';
import { psaTopics, type AssignmentChanged } from '../events.ts';
import * as repo from '../repository.ts';
import type { AssignmentRow, AssignmentStatus, ProjectRow, PsaDatabase } from '../tables.ts';
import { changesOf, checkAmount, checkHours, isEmpty, stafferRoles, type Writer } from './context.ts';
import { localId, lookUpForeignIds, requiredLocalId, upsertTarget, writeExternalRefs, type ForeignIds } from './references.ts';

type Ref = ExternalRef | null | undefined;

/** An assignment's fields as create, update and upsert take them: other records by id or by reference. */
export interface AssignmentInput {
  projectId?: string | null;
  projectRef?: Ref;
  workerId?: string | null;
  workerRef?: Ref;
  roleId?: string | null;
  roleRef?: Ref;
  startDate?: string | null;
  endDate?: string | null;
  plannedHours?: string | null;
  status?: AssignmentStatus | null;
  /** In the project's currency. */
  billRateOverride?: string | null;
  /** A create's references, or the set an update replaces them with. */
  externalRefs?: readonly ExternalRef[] | null;
}

/** createAssignment's fields, all optional, keyed by the assignment's own reference (or attaching it to `id`). */
export type AssignmentUpsertInput = AssignmentInput & { externalRef: ExternalRef; id?: string | null };

const required = <T>(field: string, value: T | null | undefined): T => {
  if (value == null) throw badInput(field, 'is required to create an assignment');
  return value;
};

/** The hcm records a batch of inputs names by reference: one request per owner. */
const foreignRefsOf = (inputs: readonly AssignmentInput[]) =>
  inputs.flatMap((input) => [['Worker', input.workerRef] as const, ['Role', input.roleRef] as const]);

/** An input with its worker and role named by id (their references looked up); neither given stays omitted. */
const withForeignIds = <T extends AssignmentInput>(input: T, ids: ForeignIds): T => ({
  ...input,
  workerRef: undefined,
  roleRef: undefined,
  workerId: input.workerId === undefined && input.workerRef === undefined ? undefined : ids.id('Worker', 'worker', { id: input.workerId, ref: input.workerRef }),
  roleId: input.roleId === undefined && input.roleRef === undefined ? undefined : ids.id('Role', 'role', { id: input.roleId, ref: input.roleRef }),
});

export interface StaffingRequestInput {
  roleId?: string | null;
  skills?: readonly string[] | null;
  hours?: string | null;
  startDate?: string | null;
  endDate?: string | null;
  opportunityId?: string | null;
  projectId?: string | null;
  /** Fills the request with this assignment (on the request's project). */
  assignmentId?: string | null;
}

function checkSkills(skills: readonly string[]): string[] {
  if (skills.length > 50) throw badInput('skills', 'at most 50 skills');
  return [...new Set(skills.map((skill, index) => checkText(`skills[${index}]`, skill, 80)))];
}

async function openProject(trx: Transaction<PsaDatabase>, projectId: string, what: string): Promise<ProjectRow> {
  const project = await repo.lockProject(trx, projectId);
  if (!project) throw notFound('Project', projectId);
  assertProjectOpen(project.status, what);
  return project;
}

/** Assignments (who works on a project, when, in which role) and staffing requests (demand still to fill). */
export function createStaffingUseCases(writer: Writer) {
  const { clock } = writer;

  /** Window, currency and double-assignment checks shared by create and update; the project is locked by the caller. */
  async function checkAssignment(trx: Transaction<PsaDatabase>, project: ProjectRow, candidate: AssignmentRow | Omit<AssignmentRow, 'created_at' | 'updated_at'>) {
    const window = { startDate: candidate.start_date, endDate: candidate.end_date };
    assertWithinProject(window, { startDate: project.start_date, endDate: project.end_date });
    if (candidate.bill_rate_override !== null && !project.currency) {
      throw badInput('billRateOverride', `project ${project.code} has no currency to state a bill rate in`);
    }
    if (candidate.status === 'CANCELLED') return;
    const others = await repo.assignmentsOfWorkerOnProject(trx, project.id, candidate.worker_id);
    assertNotDoubleAssigned(
      { id: candidate.id, ...window },
      others.map((row) => ({ id: row.id, startDate: row.start_date, endDate: row.end_date, status: row.status })),
    );
  }

  /**
   * An assignment's bill-rate override is a rate (it wins over the rate card, DESIGN §2), so setting, changing or
   * clearing it is audited; the rest of an assignment is staffing, not financial data, and is not.
   */
  async function auditBillRate(
    trx: Transaction<PsaDatabase>,
    scope: RequestScope,
    id: string,
    operation: string,
    before: string | null,
    after: string | null,
    currency: string | null,
  ) {
    if (before === null && after === null) return;
    const rate = (billRateOverride: string | null) => ({ billRateOverride, currency });
    await recordAudit(trx, scope, { entityType: 'Assignment', entityId: id, operation, before: rate(before), after: rate(after) });
  }

  /** A new assignment's columns but its project, every field checked (worker and role named by id). */
  function newAssignmentValues(input: AssignmentInput) {
    const values = {
      worker_id: checkText('workerId', required('workerId', input.workerId)),
      role_id: checkText('roleId', required('roleId', input.roleId)),
      start_date: checkDate('startDate', required('startDate', input.startDate)),
      end_date: checkDate('endDate', required('endDate', input.endDate)),
      planned_hours: checkHours('plannedHours', input.plannedHours),
      status: input.status ?? 'CONFIRMED',
      bill_rate_override: checkAmount('billRateOverride', input.billRateOverride),
    };
    if (values.status === 'CANCELLED') throw badInput('status', 'a new assignment is TENTATIVE or CONFIRMED');
    checkDateRange('startDate', values.start_date, 'endDate', values.end_date);
    return values;
  }

  async function insertAssignment(trx: Transaction<PsaDatabase>, scope: RequestScope, input: AssignmentInput, refs: readonly ExternalRef[] = []): Promise<string> {
    const projectId = await requiredLocalId(trx, 'Project', 'project', { id: input.projectId, ref: input.projectRef });
    const row = { id: randomUUID(), project_id: projectId, ...newAssignmentValues(input) };
    const project = await openProject(trx, projectId, 'the assignments');
    await checkAssignment(trx, project, row);
    await trx.insertInto('assignment').values(row).execute();
    await auditBillRate(trx, scope, row.id, 'createAssignment', null, row.bill_rate_override, project.currency);
    await writeExternalRefs(trx, 'Assignment', row.id, { attach: refs });
    await appendToOutbox(trx, [changedEvent(scope, row, project, null)]);
    return row.id;
  }

  /**
   * Applies the fields given to an assignment under updateAssignment's rules (an open project, its window, no double
   * assignment, CANCELLED is final) and publishes the change. Nothing to change writes and publishes nothing.
   */
  async function patchAssignment(
    trx: Transaction<PsaDatabase>,
    scope: RequestScope,
    id: string,
    input: AssignmentInput,
    refs: { attach?: readonly ExternalRef[]; replace?: readonly ExternalRef[] | null },
  ): Promise<'UPDATED' | 'UNCHANGED'> {
    const found = await trx.selectFrom('assignment').select('project_id').where('id', '=', id).executeTakeFirst();
    if (!found) throw notFound('Assignment', id);
    const project = (await repo.lockProject(trx, found.project_id))!;
    const current = (await repo.lockAssignment(trx, id))!;
    const projectId = await localId(trx, 'Project', 'project', { id: input.projectId, ref: input.projectRef });
    if (projectId !== null && projectId !== current.project_id) throw badInput('projectId', "an assignment's project does not change");
    if (input.workerId != null && input.workerId !== current.worker_id) throw badInput('workerId', "an assignment's worker does not change");
    const changes = changesOf(
      current,
      {
        role_id: input.roleId != null ? checkText('roleId', input.roleId) : current.role_id,
        start_date: input.startDate != null ? checkDate('startDate', input.startDate) : current.start_date,
        end_date: input.endDate != null ? checkDate('endDate', input.endDate) : current.end_date,
        planned_hours: input.plannedHours !== undefined ? checkHours('plannedHours', input.plannedHours) : current.planned_hours,
        status: input.status ?? current.status,
        bill_rate_override: input.billRateOverride !== undefined ? checkAmount('billRateOverride', input.billRateOverride) : current.bill_rate_override,
      },
      ['planned_hours', 'bill_rate_override'],
    );
    const refsChanged = await writeExternalRefs(trx, 'Assignment', id, refs);
    if (isEmpty(changes)) {
      if (!refsChanged) return 'UNCHANGED';
      await trx.updateTable('assignment').set({ updated_at: clock.now() }).where('id', '=', id).execute();
      return 'UPDATED';
    }
    assertProjectOpen(project.status, 'the assignments');
    if (input.status != null) assertAssignmentStatusChange(current.status, input.status);
    const next: AssignmentRow = { ...current, ...changes, updated_at: clock.now() };
    await checkAssignment(trx, project, next);
    await trx
      .updateTable('assignment')
      .set({ ...changes, updated_at: next.updated_at })
      .where('id', '=', id)
      .execute();
    await auditBillRate(trx, scope, id, 'updateAssignment', current.bill_rate_override, next.bill_rate_override, project.currency);
    await appendToOutbox(trx, [changedEvent(scope, next, project, current.status)]);
    return 'UPDATED';
  }

  const changedEvent = (scope: RequestScope, row: Omit<AssignmentRow, 'created_at' | 'updated_at'>, project: ProjectRow, previous: AssignmentStatus | null) =>
    writer.event<AssignmentChanged>(scope, psaTopics.assignmentChanged, 'Assignment', row.id, {
      change: previous === null ? 'CREATED' : 'UPDATED',
      assignmentId: row.id,
      projectId: row.project_id,
      workerId: row.worker_id,
      roleId: row.role_id,
      startDate: row.start_date,
      endDate: row.end_date,
      plannedHours: row.planned_hours,
      status: row.status,
      previousStatus: previous,
      billRateOverride: row.bill_rate_override,
      currency: project.currency,
    });

  return {
    /** Validates and writes a new assignment with its event, inside the caller's transaction (the project is locked here). */
    insertAssignment,

    async createAssignment(scope: RequestScope, input: AssignmentInput & { startDate: string; endDate: string }, idempotencyKey?: string | null) {
      requireRole(scope.identity, ...stafferRoles);
      const resolved = withForeignIds(input, await lookUpForeignIds(writer.foreign, scope, foreignRefsOf([input])));
      newAssignmentValues(resolved); // bad input fails before the transaction (and before an idempotency key is taken)
      return writer.write(scope, 'createAssignment', idempotencyKey, input, (trx) => insertAssignment(trx, scope, resolved, input.externalRefs ?? []));
    },

    async updateAssignment(scope: RequestScope, id: string, input: AssignmentInput) {
      requireRole(scope.identity, ...stafferRoles);
      const { externalRefs, ...fields } = withForeignIds(input, await lookUpForeignIds(writer.foreign, scope, foreignRefsOf([input])));
      return writer.write(scope, 'updateAssignment', null, null, async (trx) => {
        await patchAssignment(trx, scope, id, fields, { replace: externalRefs });
        return id;
      });
    },

    /**
     * Creates or patches each assignment by its own reference, input by input in one transaction; the workers and
     * roles the batch names by reference are looked up first, one request to hcm for each.
     */
    async upsertAssignments(scope: RequestScope, inputs: readonly AssignmentUpsertInput[], idempotencyKey?: string | null) {
      requireRole(scope.identity, ...stafferRoles);
      const ids = await lookUpForeignIds(writer.foreign, scope, foreignRefsOf(inputs));
      return writer.write(scope, 'upsertAssignments', idempotencyKey, inputs, (trx) =>
        upsertEach(trx, inputs, async ({ externalRef, id: given, externalRefs, ...input }) => {
          const target = await upsertTarget(trx, 'Assignment', { externalRef, id: given });
          const refs = [target.key, ...(externalRefs ?? [])];
          const resolved = withForeignIds(input, ids);
          if (target.id !== null) return { outcome: await patchAssignment(trx, scope, target.id, resolved, { attach: refs }), id: target.id };
          return { outcome: 'CREATED', id: await insertAssignment(trx, scope, resolved, refs) };
        }),
      );
    },

    async createStaffingRequest(
      scope: RequestScope,
      input: StaffingRequestInput & { roleId: string; hours: string; startDate: string; endDate: string },
      idempotencyKey?: string | null,
    ) {
      requireRole(scope.identity, ...stafferRoles);
      const opportunityId = optionalText('opportunityId', input.opportunityId);
      const projectId = optionalText('projectId', input.projectId);
      if (!opportunityId && !projectId) throw badInput('projectId', 'a staffing request comes from an opportunity or a project');
      if (input.assignmentId) throw badInput('assignmentId', 'fill the request with updateStaffingRequest once it exists');
      const startDate = checkDate('startDate', input.startDate);
      const endDate = checkDate('endDate', input.endDate);
      checkDateRange('startDate', startDate, 'endDate', endDate);
      const values = {
        role_id: checkText('roleId', input.roleId),
        skills: toJson(checkSkills(input.skills ?? [])),
        hours: checkDecimal('hours', input.hours, { scale: 2, min: 'positive' }),
        start_date: startDate,
        end_date: endDate,
      };
      return writer.write(scope, 'createStaffingRequest', idempotencyKey, input, async (trx) => {
        if (projectId) await openProject(trx, projectId, 'the staffing');
        const id = randomUUID();
        await trx
          .insertInto('staffing_request')
          .values({ id, ...values, opportunity_id: opportunityId, project_id: projectId, demand: demandOf({ projectId }), status: 'OPEN', assignment_id: null })
          .execute();
        return id;
      });
    },

    async updateStaffingRequest(scope: RequestScope, id: string, input: StaffingRequestInput) {
      requireRole(scope.identity, ...stafferRoles);
      return writer.write(scope, 'updateStaffingRequest', null, null, async (trx) => {
        const current = await repo.lockStaffingRequest(trx, id);
        if (!current) throw notFound('StaffingRequest', id);
        assertStaffingChange(current.status, input.assignmentId ? 'fill' : 'update');
        const projectId = input.projectId ? input.projectId : current.project_id;
        if (input.projectId && input.projectId !== current.project_id) await openProject(trx, input.projectId, 'the staffing');
        const startDate = input.startDate != null ? checkDate('startDate', input.startDate) : current.start_date;
        const endDate = input.endDate != null ? checkDate('endDate', input.endDate) : current.end_date;
        checkDateRange('startDate', startDate, 'endDate', endDate);
        let filled = {};
        if (input.assignmentId) {
          const assignment = await trx.selectFrom('assignment').selectAll().where('id', '=', input.assignmentId).executeTakeFirst();
          if (!assignment) throw notFound('Assignment', input.assignmentId);
          if (assignment.project_id !== projectId || assignment.status === 'CANCELLED') {
            throw badInput('assignmentId', 'must be a live assignment on the request\'s project');
          }
          filled = { assignment_id: assignment.id, status: 'FILLED' as const };
        }
        await trx
          .updateTable('staffing_request')
          .set({
            ...(input.roleId != null ? { role_id: checkText('roleId', input.roleId) } : {}),
            ...(input.skills != null ? { skills: toJson(checkSkills(input.skills)) } : {}),
            ...(input.hours != null ? { hours: checkDecimal('hours', input.hours, { scale: 2, min: 'positive' }) } : {}),
            ...(input.opportunityId !== undefined && input.opportunityId !== null ? { opportunity_id: checkText('opportunityId', input.opportunityId) } : {}),
            ...filled,
            project_id: projectId,
            demand: demandOf({ projectId }),
            start_date: startDate,
            end_date: endDate,
            updated_at: clock.now(),
          })
          .where('id', '=', id)
          .execute();
        return id;
      });
    },

    async cancelStaffingRequest(scope: RequestScope, id: string) {
      requireRole(scope.identity, ...stafferRoles);
      return writer.write(scope, 'cancelStaffingRequest', null, null, async (trx) => {
        const current = await repo.lockStaffingRequest(trx, id);
        if (!current) throw notFound('StaffingRequest', id);
        assertStaffingChange(current.status, 'cancel');
        await trx.updateTable('staffing_request').set({ status: 'CANCELLED', updated_at: clock.now() }).where('id', '=', id).execute();
        return id;
      });
    },
  };
}
