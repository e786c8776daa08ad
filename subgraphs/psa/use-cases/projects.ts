import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import { requireRole } from '../../../lib/auth/identity.ts';
import { checkCurrency } from '../../../lib/decimal.ts';
import { DomainError, badInput, notFound } from '../../../lib/errors.ts';
import { appendToOutbox } from '../../../lib/events/outbox.ts';
import type { ExternalRef } from '../../../lib/external-refs.ts';
import type { RequestScope } from '../../../lib/graphql/subgraph-server.ts';
import { upsertEach } from '../../../lib/upsert.ts';
import { checkDate, checkDateRange, checkText, optionalText } from '../../../lib/validate.ts';
import { assertCoversAssignments } from '../domain/assignment.ts';
import { assertBillingTermsEditable, assertProjectOpen, type ProjectAction } from '../domain/project-lifecycle.ts';
import { psaTopics } from '../events.ts';
import * as repo from '../repository.ts';
import type { BillingMethod, ProjectRow, PsaDatabase } from '../tables.ts';
import { changesOf, checkAmount, checkHours, isEmpty, plannerRoles, type Writer } from './context.ts';
import { moveProject, projectCreatedData } from './project-status.ts';
import { lookUpForeignIds, requiredForeignId, upsertTarget, writeExternalRefs, type ForeignIds } from './references.ts';

type Ref = ExternalRef | null | undefined;

/** Other records by id or by their id in another system (`customerId` or `customerRef`): one of the two. */
interface ProjectReferences {
  customerId?: string | null;
  customerRef?: Ref;
  contractId?: string | null;
  contractRef?: Ref;
  legalEntityId?: string | null;
  legalEntityRef?: Ref;
  managerId?: string | null;
  managerRef?: Ref;
}

export interface CreateProjectInput extends ProjectReferences {
  code: string;
  name: string;
  opportunityId?: string | null;
  billingMethod?: BillingMethod | null;
  currency?: string | null;
  startDate: string;
  endDate?: string | null;
  budgetHours?: string | null;
  budgetAmount?: string | null;
  externalRefs?: readonly ExternalRef[] | null;
}

/** Omitted fields stay; an explicit null clears an optional field; `externalRefs` replaces the set. */
export type UpdateProjectInput = {
  [K in Exclude<keyof CreateProjectInput, 'code' | 'customerId' | 'customerRef' | 'opportunityId'>]?: CreateProjectInput[K] | null;
};

/** createProject's fields, all optional, keyed by `externalRef` (or attaching it to the project `id` names). */
export type ProjectUpsertInput = { [K in keyof CreateProjectInput]?: CreateProjectInput[K] | null } & {
  externalRef: ExternalRef;
  id?: string | null;
};

/** A project's fields with every other record named by id (its references looked up): what create and update apply. */
type ProjectFields = {
  code?: string | null;
  name?: string | null;
  customerId?: string | null;
  contractId?: string | null;
  opportunityId?: string | null;
  billingMethod?: BillingMethod | null;
  legalEntityId?: string | null;
  currency?: string | null;
  startDate?: string | null;
  endDate?: string | null;
  budgetHours?: string | null;
  budgetAmount?: string | null;
  managerId?: string | null;
};

const isReady = async (trx: Transaction<PsaDatabase>, contractId: string | null) =>
  contractId ? Boolean(await repo.billingSetupOf(trx, contractId)) : false;

/** The references of a batch of inputs, each with the owner that knows it: looked up in one request per owner. */
const foreignRefsOf = (inputs: readonly ProjectReferences[]) =>
  inputs.flatMap((input) => [
    ['Customer', input.customerRef] as const,
    ['Contract', input.contractRef] as const,
    ['LegalEntity', input.legalEntityRef] as const,
    ['Worker', input.managerRef] as const,
  ]);

/** An input's fields with references replaced by ids; a field neither given as id nor as reference stays omitted. */
function fieldsOf(input: Omit<ProjectUpsertInput, 'externalRef'>, ids: ForeignIds): ProjectFields {
  const either = (entity: Parameters<ForeignIds['id']>[0], field: string, id: string | null | undefined, ref: Ref) =>
    id === undefined && ref === undefined ? undefined : ids.id(entity, field, { id, ref });
  return {
    code: input.code,
    name: input.name,
    customerId: either('Customer', 'customer', input.customerId, input.customerRef),
    contractId: either('Contract', 'contract', input.contractId, input.contractRef),
    opportunityId: input.opportunityId,
    billingMethod: input.billingMethod,
    legalEntityId: either('LegalEntity', 'legalEntity', input.legalEntityId, input.legalEntityRef),
    currency: input.currency,
    startDate: input.startDate,
    endDate: input.endDate,
    budgetHours: input.budgetHours,
    budgetAmount: input.budgetAmount,
    managerId: either('Worker', 'manager', input.managerId, input.managerRef),
  };
}

const required = <T>(field: string, value: T | null | undefined): T => {
  if (value == null) throw badInput(field, 'is required to create a project');
  return value;
};

/** A new project's columns, every field checked (before any transaction, so bad input takes no idempotency key). */
function newProjectValues(fields: ProjectFields) {
  const code = checkText('code', required('code', fields.code), 40);
  const currency = fields.currency == null ? null : checkCurrency('currency', fields.currency);
  const startDate = checkDate('startDate', required('startDate', fields.startDate));
  const endDate = fields.endDate == null ? null : checkDate('endDate', fields.endDate);
  checkDateRange('startDate', startDate, 'endDate', endDate);
  const budgetAmount = checkAmount('budgetAmount', fields.budgetAmount);
  if (budgetAmount !== null && currency === null) throw badInput('budgetAmount', 'needs the project currency');
  return {
    code,
    name: checkText('name', required('name', fields.name)),
    customer_id: checkText('customerId', required('customerId', fields.customerId)),
    contract_id: optionalText('contractId', fields.contractId),
    opportunity_id: optionalText('opportunityId', fields.opportunityId),
    billing_method: fields.billingMethod ?? null,
    legal_entity_id: optionalText('legalEntityId', fields.legalEntityId),
    currency,
    start_date: startDate,
    end_date: endDate,
    budget_hours: checkHours('budgetHours', fields.budgetHours),
    budget_amount: budgetAmount,
    manager_id: optionalText('managerId', fields.managerId),
  };
}

type NewProjectValues = ReturnType<typeof newProjectValues>;

/** What never changes on an existing project: an upsert naming another value is refused rather than ignored. */
const fixedFields = [
  ['code', 'code'],
  ['customerId', 'customer_id'],
  ['opportunityId', 'opportunity_id'],
] as const satisfies ReadonlyArray<readonly [keyof ProjectFields, keyof ProjectRow]>;

/** Project master data and lifecycle. */
export function createProjectUseCases(writer: Writer) {
  const { clock } = writer;

  async function transition(scope: RequestScope, id: string, action: ProjectAction) {
    requireRole(scope.identity, ...plannerRoles);
    return writer.write(scope, `${action}Project`, null, null, async (trx) => {
      const project = await repo.lockProject(trx, id);
      if (!project) throw notFound('Project', id);
      await moveProject(trx, writer, project, action, scope);
      return id;
    });
  }

  /** A new DRAFT project with its references and `psa.project.created`, in the caller's transaction. */
  async function insertProject(trx: Transaction<PsaDatabase>, scope: RequestScope, values: NewProjectValues, refs: readonly ExternalRef[]) {
    if (await repo.projectByCode(trx, values.code)) {
      throw new DomainError('CONFLICT', `project code ${values.code} is already used`, { field: 'code' });
    }
    const project = await trx
      .insertInto('project')
      .values({
        id: randomUUID(),
        ...values,
        status: 'DRAFT',
        billing_ready: await isReady(trx, values.contract_id),
        activate_when_ready: false,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await writeExternalRefs(trx, 'Project', project.id, { attach: refs });
    await appendToOutbox(trx, [writer.event(scope, psaTopics.projectCreated, 'Project', project.id, projectCreatedData(project))]);
    return project.id;
  }

  /**
   * Applies the fields given to a project, under updateProject's rules (an open project; billing terms only while
   * DRAFT; a currency fixed once money is stated in it; dates that still contain every live assignment), in the
   * caller's transaction. Nothing to change writes nothing and is UNCHANGED, whatever the project's status.
   */
  async function patchProject(
    trx: Transaction<PsaDatabase>,
    id: string,
    fields: ProjectFields,
    refs: { attach?: readonly ExternalRef[]; replace?: readonly ExternalRef[] | null },
  ): Promise<'UPDATED' | 'UNCHANGED'> {
    const current = await repo.lockProject(trx, id);
    if (!current) throw notFound('Project', id);
    for (const [field, column] of fixedFields) {
      const given = fields[field];
      if (given != null && given.trim() !== current[column]) throw badInput(field, `a project's ${field} does not change (it is ${current[column]})`);
    }
    const currency = fields.currency === undefined ? current.currency : fields.currency === null ? null : checkCurrency('currency', fields.currency);
    const startDate = fields.startDate == null ? current.start_date : checkDate('startDate', fields.startDate);
    const endDate = fields.endDate === undefined ? current.end_date : fields.endDate === null ? null : checkDate('endDate', fields.endDate);
    checkDateRange('startDate', startDate, 'endDate', endDate);
    const budgetAmount = fields.budgetAmount === undefined ? current.budget_amount : checkAmount('budgetAmount', fields.budgetAmount);
    if (budgetAmount !== null && currency === null) throw badInput('budgetAmount', 'needs the project currency');
    const next = {
      name: fields.name != null ? checkText('name', fields.name) : current.name,
      contract_id: fields.contractId === undefined ? current.contract_id : optionalText('contractId', fields.contractId),
      billing_method: fields.billingMethod !== undefined ? fields.billingMethod : current.billing_method,
      legal_entity_id: fields.legalEntityId !== undefined ? optionalText('legalEntityId', fields.legalEntityId) : current.legal_entity_id,
      currency,
      start_date: startDate,
      end_date: endDate,
      budget_hours: fields.budgetHours !== undefined ? checkHours('budgetHours', fields.budgetHours) : current.budget_hours,
      budget_amount: budgetAmount,
      manager_id: fields.managerId !== undefined ? optionalText('managerId', fields.managerId) : current.manager_id,
    };
    const changes = changesOf(current, next, ['budget_hours', 'budget_amount']);
    const refsChanged = await writeExternalRefs(trx, 'Project', id, refs);
    if (isEmpty(changes)) {
      if (!refsChanged) return 'UNCHANGED';
      await trx.updateTable('project').set({ updated_at: clock.now() }).where('id', '=', id).execute();
      return 'UPDATED';
    }
    assertProjectOpen(current.status, 'the project');
    for (const [field, column] of [
      ['contractId', 'contract_id'],
      ['billingMethod', 'billing_method'],
      ['legalEntityId', 'legal_entity_id'],
      ['currency', 'currency'],
    ] as const) {
      if (column in changes) assertBillingTermsEditable(current.status, field);
    }
    if ('currency' in changes && (await repo.projectHasAmounts(trx, id))) {
      throw new DomainError('CONFLICT', `the project has milestones or bill rates in ${current.currency}; its currency is fixed`, {
        field: 'currency',
      });
    }
    if ('start_date' in changes || 'end_date' in changes) {
      const live = await repo.liveAssignmentsOfProject(trx, id);
      assertCoversAssignments(
        { startDate, endDate },
        live.map((row) => ({ id: row.id, startDate: row.start_date, endDate: row.end_date })),
      );
    }
    await trx
      .updateTable('project')
      .set({
        ...changes,
        billing_ready: 'contract_id' in changes ? await isReady(trx, next.contract_id) : current.billing_ready,
        updated_at: clock.now(),
      })
      .where('id', '=', id)
      .execute();
    return 'UPDATED';
  }

  return {
    async createProject(scope: RequestScope, input: CreateProjectInput, idempotencyKey?: string | null) {
      requireRole(scope.identity, ...plannerRoles);
      const ids = await lookUpForeignIds(writer.foreign, scope, foreignRefsOf([input]));
      const fields = fieldsOf(input, ids);
      const values = newProjectValues({ ...fields, customerId: requiredForeignId(ids, 'Customer', 'customer', { id: input.customerId, ref: input.customerRef }) });
      return writer.write(scope, 'createProject', idempotencyKey, input, (trx) => insertProject(trx, scope, values, input.externalRefs ?? []));
    },

    async updateProject(scope: RequestScope, id: string, input: UpdateProjectInput) {
      requireRole(scope.identity, ...plannerRoles);
      const ids = await lookUpForeignIds(writer.foreign, scope, foreignRefsOf([input]));
      const fields = fieldsOf(input, ids);
      return writer.write(scope, 'updateProject', null, null, async (trx) => {
        await patchProject(trx, id, fields, { replace: input.externalRefs });
        return id;
      });
    },

    /**
     * Creates or patches each project by its reference, input by input in one transaction (lib/upsert.ts): the
     * customers, contracts, legal entities and managers the batch names by reference are looked up first, one request
     * per owner.
     */
    async upsertProjects(scope: RequestScope, inputs: readonly ProjectUpsertInput[], idempotencyKey?: string | null) {
      requireRole(scope.identity, ...plannerRoles);
      const ids = await lookUpForeignIds(writer.foreign, scope, foreignRefsOf(inputs));
      return writer.write(scope, 'upsertProjects', idempotencyKey, inputs, (trx) =>
        upsertEach(trx, inputs, async ({ externalRef, id: _id, externalRefs, ...input }) => {
          const target = await upsertTarget(trx, 'Project', { externalRef, id: _id });
          const refs = [target.key, ...(externalRefs ?? [])];
          const fields = fieldsOf(input, ids);
          if (target.id === null) {
            const values = newProjectValues({ ...fields, customerId: requiredForeignId(ids, 'Customer', 'customer', { id: input.customerId, ref: input.customerRef }) });
            return { outcome: 'CREATED', id: await insertProject(trx, scope, values, refs) };
          }
          return { outcome: await patchProject(trx, target.id, fields, { attach: refs }), id: target.id };
        }),
      );
    },

    /** Refused with PROJECT_NOT_READY (naming what is missing) until the project can be invoiced. */
    activateProject: (scope: RequestScope, id: string) => transition(scope, id, 'activate'),
    holdProject: (scope: RequestScope, id: string) => transition(scope, id, 'hold'),
    resumeProject: (scope: RequestScope, id: string) => transition(scope, id, 'resume'),
    closeProject: (scope: RequestScope, id: string) => transition(scope, id, 'close'),
  };
}
