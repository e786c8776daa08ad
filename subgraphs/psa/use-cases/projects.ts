import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import { requireRole } from '../../../lib/auth/identity.ts';
import { checkCurrency } from '../../../lib/decimal.ts';
import { DomainError, badInput, notFound } from '../../../lib/errors.ts';
import { appendToOutbox } from '../../../lib/events/outbox.ts';
import type { RequestScope } from '../../../lib/graphql/subgraph-server.ts';
import { checkDate, checkDateRange, checkText, optionalText } from '../../../lib/validate.ts';
import { assertCoversAssignments } from '../domain/assignment.ts';
import { assertBillingTermsEditable, assertProjectOpen, type ProjectAction } from '../domain/project-lifecycle.ts';
import { psaTopics } from '../events.ts';
import * as repo from '../repository.ts';
import type { BillingMethod, PsaDatabase } from '../tables.ts';
import { checkAmount, checkHours, plannerRoles, type Writer } from './context.ts';
import { moveProject, projectCreatedData } from './project-status.ts';

export interface CreateProjectInput {
  code: string;
  name: string;
  customerId: string;
  contractId?: string | null;
  opportunityId?: string | null;
  billingMethod?: BillingMethod | null;
  legalEntityId?: string | null;
  currency?: string | null;
  startDate: string;
  endDate?: string | null;
  budgetHours?: string | null;
  budgetAmount?: string | null;
  managerId?: string | null;
}

/** Omitted fields stay; an explicit null clears an optional field. */
export type UpdateProjectInput = {
  [K in Exclude<keyof CreateProjectInput, 'code' | 'customerId' | 'opportunityId'>]?: CreateProjectInput[K] | null;
};

const isReady = async (trx: Transaction<PsaDatabase>, contractId: string | null) =>
  contractId ? Boolean(await repo.billingSetupOf(trx, contractId)) : false;

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

  return {
    async createProject(scope: RequestScope, input: CreateProjectInput, idempotencyKey?: string | null) {
      requireRole(scope.identity, ...plannerRoles);
      const code = checkText('code', input.code, 40);
      const currency = input.currency == null ? null : checkCurrency('currency', input.currency);
      const startDate = checkDate('startDate', input.startDate);
      const endDate = input.endDate == null ? null : checkDate('endDate', input.endDate);
      checkDateRange('startDate', startDate, 'endDate', endDate);
      const budgetAmount = checkAmount('budgetAmount', input.budgetAmount);
      if (budgetAmount !== null && currency === null) throw badInput('budgetAmount', 'needs the project currency');
      const values = {
        code,
        name: checkText('name', input.name),
        customer_id: checkText('customerId', input.customerId),
        contract_id: optionalText('contractId', input.contractId),
        opportunity_id: optionalText('opportunityId', input.opportunityId),
        billing_method: input.billingMethod ?? null,
        legal_entity_id: optionalText('legalEntityId', input.legalEntityId),
        currency,
        start_date: startDate,
        end_date: endDate,
        budget_hours: checkHours('budgetHours', input.budgetHours),
        budget_amount: budgetAmount,
        manager_id: optionalText('managerId', input.managerId),
      };
      return writer.write(scope, 'createProject', idempotencyKey, input, async (trx) => {
        if (await repo.projectByCode(trx, code)) throw new DomainError('CONFLICT', `project code ${code} is already used`, { field: 'code' });
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
        await appendToOutbox(trx, [writer.event(scope, psaTopics.projectCreated, 'Project', project.id, projectCreatedData(project))]);
        return project.id;
      });
    },

    async updateProject(scope: RequestScope, id: string, input: UpdateProjectInput) {
      requireRole(scope.identity, ...plannerRoles);
      return writer.write(scope, 'updateProject', null, null, async (trx) => {
        const current = await repo.lockProject(trx, id);
        if (!current) throw notFound('Project', id);
        assertProjectOpen(current.status, 'the project');
        const changed = <K extends keyof UpdateProjectInput>(field: K, now: unknown) =>
          input[field] !== undefined && (input[field] ?? null) !== now;
        for (const [field, now] of [
          ['contractId', current.contract_id],
          ['billingMethod', current.billing_method],
          ['legalEntityId', current.legal_entity_id],
          ['currency', current.currency],
        ] as const) {
          if (changed(field, now)) assertBillingTermsEditable(current.status, field);
        }
        const currency = input.currency === undefined ? current.currency : input.currency === null ? null : checkCurrency('currency', input.currency);
        if (currency !== current.currency && (await repo.projectHasAmounts(trx, id))) {
          throw new DomainError('CONFLICT', `the project has milestones or bill rates in ${current.currency}; its currency is fixed`, {
            field: 'currency',
          });
        }
        const startDate = input.startDate == null ? current.start_date : checkDate('startDate', input.startDate);
        const endDate = input.endDate === undefined ? current.end_date : input.endDate === null ? null : checkDate('endDate', input.endDate);
        checkDateRange('startDate', startDate, 'endDate', endDate);
        if (startDate !== current.start_date || endDate !== current.end_date) {
          const live = await repo.liveAssignmentsOfProject(trx, id);
          assertCoversAssignments(
            { startDate, endDate },
            live.map((row) => ({ id: row.id, startDate: row.start_date, endDate: row.end_date })),
          );
        }
        const budgetAmount = input.budgetAmount === undefined ? current.budget_amount : checkAmount('budgetAmount', input.budgetAmount);
        if (budgetAmount !== null && currency === null) throw badInput('budgetAmount', 'needs the project currency');
        const contractId = input.contractId === undefined ? current.contract_id : optionalText('contractId', input.contractId);
        await trx
          .updateTable('project')
          .set({
            ...(input.name != null ? { name: checkText('name', input.name) } : {}),
            ...(input.billingMethod !== undefined ? { billing_method: input.billingMethod } : {}),
            ...(input.legalEntityId !== undefined ? { legal_entity_id: optionalText('legalEntityId', input.legalEntityId) } : {}),
            ...(input.budgetHours !== undefined ? { budget_hours: checkHours('budgetHours', input.budgetHours) } : {}),
            ...(input.managerId !== undefined ? { manager_id: optionalText('managerId', input.managerId) } : {}),
            contract_id: contractId,
            billing_ready: contractId === current.contract_id ? current.billing_ready : await isReady(trx, contractId),
            currency,
            start_date: startDate,
            end_date: endDate,
            budget_amount: budgetAmount,
            updated_at: clock.now(),
          })
          .where('id', '=', id)
          .execute();
        return id;
      });
    },

    /** Refused with PROJECT_NOT_READY (naming what is missing) until the project can be invoiced. */
    activateProject: (scope: RequestScope, id: string) => transition(scope, id, 'activate'),
    holdProject: (scope: RequestScope, id: string) => transition(scope, id, 'hold'),
    resumeProject: (scope: RequestScope, id: string) => transition(scope, id, 'resume'),
    closeProject: (scope: RequestScope, id: string) => transition(scope, id, 'close'),
  };
}
