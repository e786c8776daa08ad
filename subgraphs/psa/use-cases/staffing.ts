import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import { requireRole } from '../../../lib/auth/identity.ts';
import { checkDecimal } from '../../../lib/decimal.ts';
import { badInput, notFound } from '../../../lib/errors.ts';
import { appendToOutbox } from '../../../lib/events/outbox.ts';
import type { RequestScope } from '../../../lib/graphql/subgraph-server.ts';
import { toJson } from '../../../lib/db/types.ts';
import { checkDate, checkDateRange, checkText, optionalText } from '../../../lib/validate.ts';
import { assertAssignmentStatusChange, assertNotDoubleAssigned, assertWithinProject } from '../domain/assignment.ts';
import { assertProjectOpen } from '../domain/project-lifecycle.ts';
import { assertStaffingChange, demandOf } from '../domain/staffing.ts';
import { psaTopics, type AssignmentChanged } from '../events.ts';
import * as repo from '../repository.ts';
import type { AssignmentRow, AssignmentStatus, ProjectRow, PsaDatabase } from '../tables.ts';
import { checkAmount, checkHours, stafferRoles, type Writer } from './context.ts';

export interface AssignmentInput {
  projectId?: string;
  workerId?: string;
  roleId?: string | null;
  startDate?: string | null;
  endDate?: string | null;
  plannedHours?: string | null;
  status?: AssignmentStatus | null;
  /** In the project's currency. */
  billRateOverride?: string | null;
}

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

  /** A new assignment's row from its input, every field checked. */
  function assignmentRow(input: AssignmentInput & { projectId: string; workerId: string; roleId: string; startDate: string; endDate: string }) {
    const row = {
      id: randomUUID(),
      project_id: input.projectId,
      worker_id: checkText('workerId', input.workerId),
      role_id: checkText('roleId', input.roleId),
      start_date: checkDate('startDate', input.startDate),
      end_date: checkDate('endDate', input.endDate),
      planned_hours: checkHours('plannedHours', input.plannedHours),
      status: input.status ?? 'CONFIRMED',
      bill_rate_override: checkAmount('billRateOverride', input.billRateOverride),
    };
    if (row.status === 'CANCELLED') throw badInput('status', 'a new assignment is TENTATIVE or CONFIRMED');
    checkDateRange('startDate', row.start_date, 'endDate', row.end_date);
    return row;
  }

  async function insertAssignment(
    trx: Transaction<PsaDatabase>,
    scope: RequestScope,
    input: AssignmentInput & { projectId: string; workerId: string; roleId: string; startDate: string; endDate: string },
  ): Promise<string> {
    const row = assignmentRow(input);
    const project = await openProject(trx, input.projectId, 'the assignments');
    await checkAssignment(trx, project, row);
    await trx.insertInto('assignment').values(row).execute();
    await appendToOutbox(trx, [changedEvent(scope, row, project, null)]);
    return row.id;
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

    async createAssignment(
      scope: RequestScope,
      input: AssignmentInput & { projectId: string; workerId: string; roleId: string; startDate: string; endDate: string },
      idempotencyKey?: string | null,
    ) {
      requireRole(scope.identity, ...stafferRoles);
      assignmentRow(input); // bad input fails before the transaction (and before an idempotency key is taken)
      return writer.write(scope, 'createAssignment', idempotencyKey, input, (trx) => insertAssignment(trx, scope, input));
    },

    async updateAssignment(scope: RequestScope, id: string, input: AssignmentInput) {
      requireRole(scope.identity, ...stafferRoles);
      return writer.write(scope, 'updateAssignment', null, null, async (trx) => {
        const found = await trx.selectFrom('assignment').select('project_id').where('id', '=', id).executeTakeFirst();
        if (!found) throw notFound('Assignment', id);
        const project = await openProject(trx, found.project_id, 'the assignments');
        const current = (await repo.lockAssignment(trx, id))!;
        if (input.status != null) assertAssignmentStatusChange(current.status, input.status);
        const next: AssignmentRow = {
          ...current,
          role_id: input.roleId != null ? checkText('roleId', input.roleId) : current.role_id,
          start_date: input.startDate != null ? checkDate('startDate', input.startDate) : current.start_date,
          end_date: input.endDate != null ? checkDate('endDate', input.endDate) : current.end_date,
          planned_hours: input.plannedHours !== undefined ? checkHours('plannedHours', input.plannedHours) : current.planned_hours,
          status: input.status ?? current.status,
          bill_rate_override: input.billRateOverride !== undefined ? checkAmount('billRateOverride', input.billRateOverride) : current.bill_rate_override,
          updated_at: clock.now(),
        };
        await checkAssignment(trx, project, next);
        const { id: _id, project_id: _project, worker_id: _worker, created_at: _created, ...changes } = next;
        await trx.updateTable('assignment').set(changes).where('id', '=', id).execute();
        await appendToOutbox(trx, [changedEvent(scope, next, project, current.status)]);
        return id;
      });
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
