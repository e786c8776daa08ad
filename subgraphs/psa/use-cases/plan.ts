import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import { recordAudit } from '../../../lib/audit/record.ts';
import { requireRole } from '../../../lib/auth/identity.ts';
import { DomainError, badInput, notFound } from '../../../lib/errors.ts';
import { appendToOutbox } from '../../../lib/events/outbox.ts';
import { externalRefKey, recordIdsByRefs, resolveRecordId, type ExternalRef } from '../../../lib/external-refs.ts';
import type { RequestScope } from '../../../lib/graphql/subgraph-server.ts';
import { upsertEach } from '../../../lib/upsert.ts';
import { checkDate, checkText } from '../../../lib/validate.ts';
import type { ContractFee, ContractFeeFacts } from '../contract-facts.ts';
import { assertCanComplete, assertMilestoneUpdate, assertWithinFee } from '../domain/milestone.ts';
import { assertProjectOpen } from '../domain/project-lifecycle.ts';
import { assertChildWbs, checkWbs, parentWbsOf, wbsSortKey } from '../domain/wbs.ts';
import { psaTopics, type MilestoneCompleted } from '../events.ts';
import * as repo from '../repository.ts';
import type { MilestoneStatus, PsaDatabase, TaskStatus } from '../tables.ts';
import { changesOf, checkAmount, checkHours, isEmpty, plannerRoles, type Writer } from './context.ts';
import { localId, requiredLocalId, upsertTarget, writeExternalRefs } from './references.ts';

type Ref = ExternalRef | null | undefined;

export interface CreateTaskInput {
  /** Required: this or `projectRef`. */
  projectId?: string | null;
  projectRef?: Ref;
  wbs: string;
  name: string;
  /** Defaults to the task numbered one level up ("1" for "1.2"), when there is one. */
  parentId?: string | null;
  parentRef?: Ref;
  billable?: boolean | null;
  plannedHours?: string | null;
  externalRefs?: readonly ExternalRef[] | null;
}

export interface UpdateTaskInput {
  wbs?: string | null;
  name?: string | null;
  billable?: boolean | null;
  status?: TaskStatus | null;
  plannedHours?: string | null;
  /** Replaces the task's references. */
  externalRefs?: readonly ExternalRef[] | null;
}

/** createTask's fields and a status, all optional, keyed by `externalRef` (or attaching it to the task `id` names). */
export type TaskUpsertInput = { [K in keyof CreateTaskInput]?: CreateTaskInput[K] | null } & {
  externalRef: ExternalRef;
  id?: string | null;
  status?: TaskStatus | null;
};

export interface CreateMilestoneInput {
  /** Required: this or `projectRef`. */
  projectId?: string | null;
  projectRef?: Ref;
  name: string;
  amount: string;
  dueDate: string;
  externalRefs?: readonly ExternalRef[] | null;
}

export interface UpdateMilestoneInput {
  name?: string | null;
  amount?: string | null;
  dueDate?: string | null;
  status?: MilestoneStatus | null;
  /** Replaces the milestone's references. */
  externalRefs?: readonly ExternalRef[] | null;
}

/** createMilestone's fields and updateMilestone's status, all optional, keyed by `externalRef` (or the `id` given). */
export type MilestoneUpsertInput = { [K in keyof CreateMilestoneInput]?: CreateMilestoneInput[K] | null } & {
  externalRef: ExternalRef;
  id?: string | null;
  status?: MilestoneStatus | null;
};

const required = <T>(what: string, field: string, value: T | null | undefined): T => {
  if (value == null) throw badInput(field, `is required to create a ${what}`);
  return value;
};

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

  /** The project an input names (`projectId` or `projectRef`) read outside a transaction: to read its fee first. */
  async function projectIdOf(input: { projectId?: string | null; projectRef?: Ref }) {
    return resolveRecordId(writer.db, 'Project', 'project', { id: input.projectId, ref: input.projectRef });
  }

  /**
   * The project of each upsert input that states an amount (its milestone's, when the milestone exists), by input
   * index, read before the transaction in three statements whatever the batch: the fees to keep to are read next.
   */
  async function projectsOfPricedInputs(inputs: readonly MilestoneUpsertInput[]): Promise<Map<number, string>> {
    const priced = [...inputs.entries()].filter(([, input]) => input.amount != null);
    const keyed = await recordIdsByRefs(writer.db, 'Milestone', priced.map(([, input]) => input.externalRef));
    const existing = new Map(priced.map(([index, input]) => [index, keyed.get(externalRefKey(input.externalRef)) ?? input.id ?? null]));
    const milestoneIds = [...existing.values()].filter((id): id is string => id !== null);
    const owners = new Map(
      (milestoneIds.length ? await writer.db.selectFrom('milestone').select(['id', 'project_id']).where('id', 'in', milestoneIds).execute() : []).map(
        (row) => [row.id, row.project_id],
      ),
    );
    const byRef = await recordIdsByRefs(writer.db, 'Project', priced.flatMap(([, input]) => (input.projectRef ? [input.projectRef] : [])));
    const projects = new Map<number, string>();
    for (const [index, input] of priced) {
      const milestoneId = existing.get(index);
      const projectId = milestoneId
        ? owners.get(milestoneId)
        : (input.projectId ?? (input.projectRef ? byRef.get(externalRefKey(input.projectRef)) : undefined));
      if (projectId) projects.set(index, projectId);
    }
    return projects;
  }

  /** A new task's checked fields (before any transaction, so bad input takes no idempotency key). */
  const newTaskValues = (input: Omit<TaskUpsertInput, 'externalRef'>) => ({
    wbs: checkWbs('wbs', required('task', 'wbs', input.wbs)),
    name: checkText('name', required('task', 'name', input.name)),
    plannedHours: checkHours('plannedHours', input.plannedHours),
    billable: input.billable ?? true,
  });

  /** A new OPEN task of an open project, numbered uniquely within it, with its references (caller's transaction). */
  async function insertTask(
    trx: Transaction<PsaDatabase>,
    input: Omit<TaskUpsertInput, 'externalRef'>,
    values: ReturnType<typeof newTaskValues>,
    refs: readonly ExternalRef[],
  ) {
    const projectId = await requiredLocalId(trx, 'Project', 'project', { id: input.projectId, ref: input.projectRef });
    await openProject(trx, projectId, 'the tasks');
    if (await repo.taskByWbs(trx, projectId, values.wbs)) {
      throw new DomainError('CONFLICT', `the project already has a task ${values.wbs}`, { field: 'wbs' });
    }
    const parentId = await localId(trx, 'Task', 'parent', { id: input.parentId, ref: input.parentRef });
    const id = randomUUID();
    await trx
      .insertInto('task')
      .values({
        id,
        project_id: projectId,
        wbs: values.wbs,
        wbs_key: wbsSortKey(values.wbs),
        name: values.name,
        parent_id: await parentFor(trx, projectId, values.wbs, parentId),
        billable: values.billable,
        status: 'OPEN',
        planned_hours: values.plannedHours,
      })
      .execute();
    await writeExternalRefs(trx, 'Task', id, { attach: refs });
    return id;
  }

  /**
   * Applies the fields given to a task under updateTask's rules (an open project; a number unique in the project,
   * not changed while the task has subtasks; the parent follows the number). Nothing to change writes nothing.
   */
  async function patchTask(
    trx: Transaction<PsaDatabase>,
    id: string,
    input: Omit<TaskUpsertInput, 'externalRef'>,
    refs: { attach?: readonly ExternalRef[]; replace?: readonly ExternalRef[] | null },
  ): Promise<'UPDATED' | 'UNCHANGED'> {
    const found = await trx.selectFrom('task').select('project_id').where('id', '=', id).executeTakeFirst();
    if (!found) throw notFound('Task', id);
    const project = (await repo.lockProject(trx, found.project_id))!;
    const task = (await repo.lockTask(trx, id))!;
    const projectId = await localId(trx, 'Project', 'project', { id: input.projectId, ref: input.projectRef });
    if (projectId !== null && projectId !== task.project_id) throw badInput('projectId', "a task's project does not change");
    const next = {
      wbs: input.wbs != null ? checkWbs('wbs', input.wbs) : task.wbs,
      name: input.name != null ? checkText('name', input.name) : task.name,
      billable: input.billable ?? task.billable,
      status: input.status ?? task.status,
      planned_hours: input.plannedHours !== undefined ? checkHours('plannedHours', input.plannedHours) : task.planned_hours,
    };
    const parentId = await localId(trx, 'Task', 'parent', { id: input.parentId, ref: input.parentRef });
    const changes = changesOf(task, next, ['planned_hours']);
    if (parentId !== null && !('wbs' in changes) && parentId !== task.parent_id) {
      throw badInput('parentId', `task ${task.wbs} hangs under its number's parent: renumber it (wbs) to move it`);
    }
    const refsChanged = await writeExternalRefs(trx, 'Task', id, refs);
    if (isEmpty(changes)) {
      if (!refsChanged) return 'UNCHANGED';
      await trx.updateTable('task').set({ updated_at: clock.now() }).where('id', '=', id).execute();
      return 'UPDATED';
    }
    assertProjectOpen(project.status, 'the tasks');
    let renumbered = {};
    if ('wbs' in changes) {
      const wbs = next.wbs;
      if (await repo.taskByWbs(trx, task.project_id, wbs)) throw new DomainError('CONFLICT', `the project already has a task ${wbs}`, { field: 'wbs' });
      const child = await trx.selectFrom('task').select('id').where('parent_id', '=', id).limit(1).executeTakeFirst();
      if (child) throw new DomainError('CONFLICT', `task ${task.wbs} has subtasks; renumber them first`, { field: 'wbs' });
      renumbered = { wbs_key: wbsSortKey(wbs), parent_id: await parentFor(trx, task.project_id, wbs, parentId) };
    }
    await trx
      .updateTable('task')
      .set({ ...changes, ...renumbered, updated_at: clock.now() })
      .where('id', '=', id)
      .execute();
    return 'UPDATED';
  }

  /** A new milestone's checked fields (before any transaction). */
  const newMilestoneValues = (input: Omit<MilestoneUpsertInput, 'externalRef'>) => ({
    name: checkText('name', required('milestone', 'name', input.name)),
    amount: checkAmount('amount', required('milestone', 'amount', input.amount))!,
    dueDate: checkDate('dueDate', required('milestone', 'dueDate', input.dueDate)),
  });

  /** A new PLANNED milestone in its project's currency, kept to its contract's fee (caller's transaction). */
  async function insertMilestone(
    trx: Transaction<PsaDatabase>,
    scope: RequestScope,
    projectId: string,
    values: ReturnType<typeof newMilestoneValues>,
    fee: FeeOfProject | null,
    refs: readonly ExternalRef[],
  ) {
    if (fee) await repo.lockProjectsOfContract(trx, fee.contractId);
    const project = await openProject(trx, projectId, 'the milestones');
    if (!project.currency) throw badInput('amount', `project ${project.code} has no currency to bill a milestone in`);
    await keepToFee(trx, fee, { amount: values.amount, currency: project.currency }, null);
    const id = randomUUID();
    const milestone = {
      id,
      project_id: project.id,
      name: values.name,
      amount: values.amount,
      currency: project.currency,
      due_date: values.dueDate,
      status: 'PLANNED' as const,
      completed_at: null,
    };
    await trx.insertInto('milestone').values(milestone).execute();
    await recordAudit(trx, scope, { entityType: 'Milestone', entityId: id, operation: 'createMilestone', before: null, after: milestone });
    await writeExternalRefs(trx, 'Milestone', id, { attach: refs });
    return id;
  }

  /**
   * Applies the fields given to a milestone under updateMilestone's rules (an open project, a PLANNED milestone, only
   * cancelling as a status, a new amount kept to the fee read before the transaction). Nothing to change writes nothing.
   */
  async function patchMilestone(
    trx: Transaction<PsaDatabase>,
    scope: RequestScope,
    id: string,
    input: Omit<MilestoneUpsertInput, 'externalRef'>,
    fee: FeeOfProject | null,
    refs: { attach?: readonly ExternalRef[]; replace?: readonly ExternalRef[] | null },
  ): Promise<'UPDATED' | 'UNCHANGED'> {
    if (fee) await repo.lockProjectsOfContract(trx, fee.contractId);
    const found = await trx.selectFrom('milestone').select('project_id').where('id', '=', id).executeTakeFirst();
    if (!found) throw notFound('Milestone', id);
    const project = (await repo.lockProject(trx, found.project_id))!;
    const milestone = (await repo.lockMilestone(trx, id))!;
    const projectId = await localId(trx, 'Project', 'project', { id: input.projectId, ref: input.projectRef });
    if (projectId !== null && projectId !== milestone.project_id) throw badInput('projectId', "a milestone's project does not change");
    const next = {
      name: input.name != null ? checkText('name', input.name) : milestone.name,
      amount: input.amount != null ? checkAmount('amount', input.amount)! : milestone.amount,
      due_date: input.dueDate != null ? checkDate('dueDate', input.dueDate) : milestone.due_date,
      status: input.status ?? milestone.status,
    };
    const changes = changesOf(milestone, next, ['amount']);
    const refsChanged = await writeExternalRefs(trx, 'Milestone', id, refs);
    if (isEmpty(changes)) {
      if (!refsChanged) return 'UNCHANGED';
      await trx.updateTable('milestone').set({ updated_at: clock.now() }).where('id', '=', id).execute();
      return 'UPDATED';
    }
    assertProjectOpen(project.status, 'the milestones');
    assertMilestoneUpdate(milestone.status, input.status ?? null);
    // Cancelling frees its amount; a new amount of a milestone that stays PLANNED must keep to the fee.
    if ('amount' in changes && next.status !== 'CANCELLED') await keepToFee(trx, fee, { amount: next.amount, currency: milestone.currency }, id);
    await trx
      .updateTable('milestone')
      .set({ ...changes, updated_at: clock.now() })
      .where('id', '=', id)
      .execute();
    await recordAudit(trx, scope, { entityType: 'Milestone', entityId: id, operation: 'updateMilestone', before: milestone, after: { ...milestone, ...changes } });
    return 'UPDATED';
  }

  return {
    async createTask(scope: RequestScope, input: CreateTaskInput, idempotencyKey?: string | null) {
      requireRole(scope.identity, ...plannerRoles);
      const values = newTaskValues(input);
      return writer.write(scope, 'createTask', idempotencyKey, input, (trx) => insertTask(trx, input, values, input.externalRefs ?? []));
    },

    async updateTask(scope: RequestScope, id: string, input: UpdateTaskInput) {
      requireRole(scope.identity, ...plannerRoles);
      const { externalRefs, ...fields } = input;
      return writer.write(scope, 'updateTask', null, null, async (trx) => {
        await patchTask(trx, id, fields, { replace: externalRefs });
        return id;
      });
    },

    /** Creates or patches each task by its reference (a parent before its children), input by input in one transaction. */
    async upsertTasks(scope: RequestScope, inputs: readonly TaskUpsertInput[], idempotencyKey?: string | null) {
      requireRole(scope.identity, ...plannerRoles);
      return writer.write(scope, 'upsertTasks', idempotencyKey, inputs, (trx) =>
        upsertEach(trx, inputs, async ({ externalRef, id: given, externalRefs, ...input }) => {
          const target = await upsertTarget(trx, 'Task', { externalRef, id: given });
          const refs = [target.key, ...(externalRefs ?? [])];
          if (target.id !== null) return { outcome: await patchTask(trx, target.id, input, { attach: refs }), id: target.id };
          const id = await insertTask(trx, input, newTaskValues(input), refs);
          // A task imported CLOSED is created, then closed under updateTask's rules.
          if (input.status != null) await patchTask(trx, id, { status: input.status }, {});
          return { outcome: 'CREATED', id };
        }),
      );
    },

    async createMilestone(scope: RequestScope, input: CreateMilestoneInput, idempotencyKey?: string | null) {
      requireRole(scope.identity, ...plannerRoles);
      const values = newMilestoneValues(input);
      const projectId = await projectIdOf(input);
      if (projectId === null) throw badInput('projectId', 'is required (or projectRef)');
      const fee = await feeOfProject(scope, projectId);
      return writer.write(scope, 'createMilestone', idempotencyKey, input, (trx) => insertMilestone(trx, scope, projectId, values, fee, input.externalRefs ?? []));
    },

    async updateMilestone(scope: RequestScope, id: string, input: UpdateMilestoneInput) {
      requireRole(scope.identity, ...plannerRoles);
      const { externalRefs, ...fields } = input;
      // The fee is read before the transaction, only when the amount changes (found again, and refused, inside it).
      const owner = input.amount == null ? undefined : await writer.db.selectFrom('milestone').select('project_id').where('id', '=', id).executeTakeFirst();
      const fee = owner ? await feeOfProject(scope, owner.project_id) : null;
      return writer.write(scope, 'updateMilestone', null, null, async (trx) => {
        await patchMilestone(trx, scope, id, fields, fee, { replace: externalRefs });
        return id;
      });
    },

    /**
     * Creates or patches each milestone by its reference, input by input in one transaction. The fees of the batch's
     * fixed-fee contracts are read first (one request per contract), for the inputs that state an amount.
     */
    async upsertMilestones(scope: RequestScope, inputs: readonly MilestoneUpsertInput[], idempotencyKey?: string | null) {
      requireRole(scope.identity, ...plannerRoles);
      const projectOf = await projectsOfPricedInputs(inputs);
      const fees = new Map<string, FeeOfProject | null>();
      for (const projectId of new Set(projectOf.values())) fees.set(projectId, await feeOfProject(scope, projectId));
      return writer.write(scope, 'upsertMilestones', idempotencyKey, inputs, (trx) =>
        upsertEach(trx, inputs, async ({ externalRef, id: given, externalRefs, ...input }, index) => {
          const target = await upsertTarget(trx, 'Milestone', { externalRef, id: given });
          const refs = [target.key, ...(externalRefs ?? [])];
          const projectId = projectOf.get(index);
          const fee = projectId ? (fees.get(projectId) ?? null) : null;
          if (target.id !== null) return { outcome: await patchMilestone(trx, scope, target.id, input, fee, { attach: refs }), id: target.id };
          const values = newMilestoneValues(input);
          const owner = await requiredLocalId(trx, 'Project', 'project', { id: input.projectId, ref: input.projectRef });
          if (owner !== projectId) throw badInput('projectId', 'names another project than before the transaction: ask again');
          const id = await insertMilestone(trx, scope, owner, values, fee, refs);
          if (input.status != null && input.status !== 'PLANNED') await patchMilestone(trx, scope, id, { status: input.status }, null, {});
          return { outcome: 'CREATED', id };
        }),
      );
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
