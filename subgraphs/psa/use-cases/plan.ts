import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import { requireRole } from '../../../lib/auth/identity.ts';
import { DomainError, badInput, notFound } from '../../../lib/errors.ts';
import { appendToOutbox } from '../../../lib/events/outbox.ts';
import type { RequestScope } from '../../../lib/graphql/subgraph-server.ts';
import { checkDate, checkText } from '../../../lib/validate.ts';
import type { ContractFee, ContractFeeFacts } from '../contract-facts.ts';
import { assertCanComplete, assertMilestoneUpdate, assertWithinFee } from '../domain/milestone.ts';
import { assertProjectOpen } from '../domain/project-lifecycle.ts';
import { assertChildWbs, checkWbs, parentWbsOf, wbsSortKey } from '../domain/wbs.ts';
import { psaTopics, type MilestoneCompleted } from '../events.ts';
import * as repo from '../repository.ts';
import type { MilestoneStatus, PsaDatabase, TaskStatus } from '../tables.ts';
import { checkAmount, checkHours, plannerRoles, type Writer } from './context.ts';

export interface CreateTaskInput {
  projectId: string;
  wbs: string;
  name: string;
  /** Defaults to the task numbered one level up ("1" for "1.2"), when there is one. */
  parentId?: string | null;
  billable?: boolean | null;
  plannedHours?: string | null;
}

export interface UpdateTaskInput {
  wbs?: string | null;
  name?: string | null;
  billable?: boolean | null;
  status?: TaskStatus | null;
  plannedHours?: string | null;
}

export interface CreateMilestoneInput {
  projectId: string;
  name: string;
  amount: string;
  dueDate: string;
}

export interface UpdateMilestoneInput {
  name?: string | null;
  amount?: string | null;
  dueDate?: string | null;
  status?: MilestoneStatus | null;
}

async function openProject(trx: Transaction<PsaDatabase>, projectId: string, what: string) {
  const project = await repo.lockProject(trx, projectId);
  if (!project) throw notFound('Project', projectId);
  assertProjectOpen(project.status, what);
  return project;
}

/** The parent a task with `wbs` hangs under: the one named, which must be numbered one level up, or that task if any. */
async function parentFor(trx: Transaction<PsaDatabase>, projectId: string, wbs: string, parentId: string | null | undefined) {
  if (parentId) {
    const parent = await trx.selectFrom('task').selectAll().where('id', '=', parentId).executeTakeFirst();
    if (!parent || parent.project_id !== projectId) throw badInput('parentId', `task ${parentId} is not a task of this project`);
    assertChildWbs(parent.wbs, wbs);
    return parent.id;
  }
  const parentWbs = parentWbsOf(wbs);
  return parentWbs ? ((await repo.taskByWbs(trx, projectId, parentWbs))?.id ?? null) : null;
}

/** A FIXED_FEE contract's fee, as a milestone of one of its projects counts against it. */
interface FeeOfProject {
  contractId: string;
  fee: NonNullable<ContractFee['amount']>;
}

/** Tasks (the WBS) and milestones; `fees` (crm's contracts, through the gateway) keeps a fixed fee's milestones to it. */
export function createPlanUseCases(writer: Writer, fees?: ContractFeeFacts) {
  const { clock } = writer;

  /**
   * The fee a milestone of the project counts against: its FIXED_FEE contract's amount (crm's, read through the
   * gateway before the transaction); null without a contract, a fee, or a graph to read it from (psa alone: erp
   * still holds what passes the fee when the milestone completes).
   */
  async function feeOfProject(scope: RequestScope, projectId: string): Promise<FeeOfProject | null> {
    const project = await writer.db.selectFrom('project').select(['contract_id', 'billing_method']).where('id', '=', projectId).executeTakeFirst();
    if (!fees || !project?.contract_id || project.billing_method !== 'FIXED_FEE') return null;
    const contract = await fees.feeOf(project.contract_id, { correlationId: scope.correlationId });
    if (!contract || contract.billingMethod !== 'FIXED_FEE' || !contract.amount) return null;
    return { contractId: project.contract_id, fee: contract.amount };
  }

  /**
   * Refuses a milestone amount that takes its contract's milestone plan past the fee (assertWithinFee). The caller
   * locked the contract's projects first, in id order (before the milestone's own project), so two planners of one
   * contract queue rather than both fit, and never lock in opposite orders.
   */
  async function keepToFee(trx: Transaction<PsaDatabase>, fee: FeeOfProject | null, amount: { amount: string; currency: string }, exceptId: string | null) {
    if (!fee) return;
    const others = await repo.billingMilestoneAmountsOfContract(trx, fee.contractId, fee.fee.currency, exceptId);
    assertWithinFee({ fee: fee.fee, others, amount });
  }

  return {
    async createTask(scope: RequestScope, input: CreateTaskInput, idempotencyKey?: string | null) {
      requireRole(scope.identity, ...plannerRoles);
      const wbs = checkWbs('wbs', input.wbs);
      const name = checkText('name', input.name);
      const plannedHours = checkHours('plannedHours', input.plannedHours);
      return writer.write(scope, 'createTask', idempotencyKey, input, async (trx) => {
        await openProject(trx, input.projectId, 'the tasks');
        if (await repo.taskByWbs(trx, input.projectId, wbs)) {
          throw new DomainError('CONFLICT', `the project already has a task ${wbs}`, { field: 'wbs' });
        }
        const id = randomUUID();
        await trx
          .insertInto('task')
          .values({
            id,
            project_id: input.projectId,
            wbs,
            wbs_key: wbsSortKey(wbs),
            name,
            parent_id: await parentFor(trx, input.projectId, wbs, input.parentId),
            billable: input.billable ?? true,
            status: 'OPEN',
            planned_hours: plannedHours,
          })
          .execute();
        return id;
      });
    },

    async updateTask(scope: RequestScope, id: string, input: UpdateTaskInput) {
      requireRole(scope.identity, ...plannerRoles);
      return writer.write(scope, 'updateTask', null, null, async (trx) => {
        const found = await trx.selectFrom('task').select('project_id').where('id', '=', id).executeTakeFirst();
        if (!found) throw notFound('Task', id);
        await openProject(trx, found.project_id, 'the tasks');
        const task = (await repo.lockTask(trx, id))!;
        let renumbered = {};
        if (input.wbs != null && checkWbs('wbs', input.wbs) !== task.wbs) {
          const wbs = checkWbs('wbs', input.wbs);
          if (await repo.taskByWbs(trx, task.project_id, wbs)) throw new DomainError('CONFLICT', `the project already has a task ${wbs}`, { field: 'wbs' });
          const child = await trx.selectFrom('task').select('id').where('parent_id', '=', id).limit(1).executeTakeFirst();
          if (child) throw new DomainError('CONFLICT', `task ${task.wbs} has subtasks; renumber them first`, { field: 'wbs' });
          renumbered = { wbs, wbs_key: wbsSortKey(wbs), parent_id: await parentFor(trx, task.project_id, wbs, null) };
        }
        await trx
          .updateTable('task')
          .set({
            ...renumbered,
            ...(input.name != null ? { name: checkText('name', input.name) } : {}),
            ...(input.billable != null ? { billable: input.billable } : {}),
            ...(input.status != null ? { status: input.status } : {}),
            ...(input.plannedHours !== undefined ? { planned_hours: checkHours('plannedHours', input.plannedHours) } : {}),
            updated_at: clock.now(),
          })
          .where('id', '=', id)
          .execute();
        return id;
      });
    },

    async createMilestone(scope: RequestScope, input: CreateMilestoneInput, idempotencyKey?: string | null) {
      requireRole(scope.identity, ...plannerRoles);
      const name = checkText('name', input.name);
      const amount = checkAmount('amount', input.amount)!;
      const dueDate = checkDate('dueDate', input.dueDate);
      const fee = await feeOfProject(scope, input.projectId);
      return writer.write(scope, 'createMilestone', idempotencyKey, input, async (trx) => {
        if (fee) await repo.lockProjectsOfContract(trx, fee.contractId);
        const project = await openProject(trx, input.projectId, 'the milestones');
        if (!project.currency) throw badInput('amount', `project ${project.code} has no currency to bill a milestone in`);
        await keepToFee(trx, fee, { amount, currency: project.currency }, null);
        const id = randomUUID();
        await trx
          .insertInto('milestone')
          .values({ id, project_id: project.id, name, amount, currency: project.currency, due_date: dueDate, status: 'PLANNED', completed_at: null })
          .execute();
        return id;
      });
    },

    async updateMilestone(scope: RequestScope, id: string, input: UpdateMilestoneInput) {
      requireRole(scope.identity, ...plannerRoles);
      const newAmount = checkAmount('amount', input.amount);
      // The fee is read before the transaction, only when the amount changes (found again, and refused, inside it).
      const owner = newAmount === null ? undefined : await writer.db.selectFrom('milestone').select('project_id').where('id', '=', id).executeTakeFirst();
      const fee = owner ? await feeOfProject(scope, owner.project_id) : null;
      return writer.write(scope, 'updateMilestone', null, null, async (trx) => {
        if (fee) await repo.lockProjectsOfContract(trx, fee.contractId);
        const found = await trx.selectFrom('milestone').select('project_id').where('id', '=', id).executeTakeFirst();
        if (!found) throw notFound('Milestone', id);
        await openProject(trx, found.project_id, 'the milestones');
        const milestone = (await repo.lockMilestone(trx, id))!;
        assertMilestoneUpdate(milestone.status, input.status ?? null);
        // Cancelling frees its amount; a new amount of a milestone that stays PLANNED must keep to the fee.
        if (newAmount !== null && input.status !== 'CANCELLED') await keepToFee(trx, fee, { amount: newAmount, currency: milestone.currency }, id);
        await trx
          .updateTable('milestone')
          .set({
            ...(input.name != null ? { name: checkText('name', input.name) } : {}),
            ...(newAmount !== null ? { amount: newAmount } : {}),
            ...(input.dueDate != null ? { due_date: checkDate('dueDate', input.dueDate) } : {}),
            ...(input.status != null ? { status: input.status } : {}),
            updated_at: clock.now(),
          })
          .where('id', '=', id)
          .execute();
        return id;
      });
    },

    /** PLANNED → COMPLETED; publishes `psa.milestone.completed`, from which erp bills a fixed-fee milestone. */
    async completeMilestone(scope: RequestScope, id: string) {
      requireRole(scope.identity, ...plannerRoles);
      return writer.write(scope, 'completeMilestone', null, null, async (trx) => {
        const found = await trx.selectFrom('milestone').select('project_id').where('id', '=', id).executeTakeFirst();
        if (!found) throw notFound('Milestone', id);
        const project = (await repo.lockProject(trx, found.project_id))!;
        const milestone = (await repo.lockMilestone(trx, id))!;
        assertCanComplete(milestone.status, project.status);
        const now = clock.now();
        await trx.updateTable('milestone').set({ status: 'COMPLETED', completed_at: now, updated_at: now }).where('id', '=', id).execute();
        await appendToOutbox(trx, [
          writer.event<MilestoneCompleted>(scope, psaTopics.milestoneCompleted, 'Milestone', id, {
            milestoneId: id,
            projectId: project.id,
            contractId: project.contract_id,
            customerId: project.customer_id,
            name: milestone.name,
            amount: milestone.amount,
            currency: milestone.currency,
            dueDate: milestone.due_date,
            completedAt: now.toISOString(),
          }),
        ]);
        return id;
      });
    },
  };
}
