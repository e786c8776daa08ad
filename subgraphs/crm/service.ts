import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { requireRole } from '../../lib/auth/identity.ts';
import { recordAudit } from '../../lib/audit/record.ts';
import type { Clock } from '../../lib/clock.ts';
import { changeOrdering } from '../../lib/db/changes.ts';
import { toJson } from '../../lib/db/types.ts';
import { addDecimals, checkCurrency, checkDecimal } from '../../lib/decimal.ts';
import { badInput, DomainError, notFound } from '../../lib/errors.ts';
import { createEvent } from '../../lib/events/envelope.ts';
import { appendToOutbox } from '../../lib/events/outbox.ts';
import { lookupRecordId, resolveRecordId, type ExternalRef } from '../../lib/external-refs.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { transactionalWriter } from '../../lib/idempotency.ts';
import { paginate } from '../../lib/graphql/connection.ts';
import type { PagedArgs } from '../../lib/graphql/loaders.ts';
import { orderings } from './loaders.ts';
import { checkDate, checkDateRange, checkInteger, checkText } from '../../lib/validate.ts';
import { assertStageChange } from './domain/opportunity-stage.ts';
import { crmTopics, type ContractAmended, type OpportunityLost, type OpportunityWon } from './events.ts';
import { noHcmRefs, type HcmRefs } from './hcm-refs.ts';
import * as repo from './repository.ts';
import type {
  Address,
  BillingMethod,
  ContractStatus,
  CrmDatabase,
  FixedFeeMethod,
  CustomerStatus,
  ExternalId,
  OpportunityStage,
  RoleEstimate,
} from './tables.ts';
import {
  addRates,
  insertContact,
  insertContract,
  insertCustomer,
  money,
  patchContact,
  patchContract,
  patchCustomer,
  replaceExternalRefs,
  salesRoles,
  touchCustomer,
  type CrmWrite,
} from './writes.ts';
import { createCrmUpserts } from './upserts.ts';
import { hcmRefsOf, requiredRecordId, resolvedEstimates, resolvedRates, type RateInput, type RoleEstimateInput } from './input-refs.ts';

export type { RateInput } from './input-refs.ts';

export interface CreateCustomerInput {
  name: string;
  code: string;
  currency: string;
  parentId?: string | null;
  parentRef?: ExternalRef | null;
  billingAddress?: Address | null;
  taxId?: string | null;
  /** Deprecated: references as `externalRefs` are. */
  externalIds?: ExternalId[] | null;
  externalRefs?: ExternalRef[] | null;
}

export interface UpdateCustomerInput {
  name?: string | null;
  status?: CustomerStatus | null;
  parentId?: string | null;
  parentRef?: ExternalRef | null;
  billingAddress?: Address | null;
  taxId?: string | null;
  externalIds?: ExternalId[] | null;
  externalRefs?: ExternalRef[] | null;
}

export interface ContactInput {
  customerId?: string | null;
  customerRef?: ExternalRef | null;
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  title?: string | null;
  isPrimary?: boolean | null;
  externalRefs?: ExternalRef[] | null;
}

export interface OpportunityInput {
  customerId?: string | null;
  customerRef?: ExternalRef | null;
  name?: string | null;
  stage?: OpportunityStage | null;
  probability?: number | null;
  amount?: { amount: string; currency: string } | null;
  billingMethod?: BillingMethod | null;
  legalEntityId?: string | null;
  legalEntityRef?: ExternalRef | null;
  expectedCloseDate?: string | null;
  expectedStartDate?: string | null;
  expectedEndDate?: string | null;
  estimatedHours?: RoleEstimateInput[] | null;
}

export interface CloseWonInput {
  contractNumber: string;
  contractName?: string | null;
  currency: string;
  soldHours?: string | null;
  amount?: string | null;
  notToExceed?: string | null;
  startDate: string;
  endDate?: string | null;
  rates: RateInput[];
}

export interface CreateContractInput {
  customerId?: string | null;
  customerRef?: ExternalRef | null;
  number: string;
  name: string;
  billingMethod: BillingMethod;
  currency: string;
  legalEntityId?: string | null;
  legalEntityRef?: ExternalRef | null;
  soldHours?: string | null;
  amount?: string | null;
  notToExceed?: string | null;
  startDate: string;
  endDate?: string | null;
  status?: ContractStatus | null;
  rates?: RateInput[] | null;
  externalRefs?: ExternalRef[] | null;
}

export interface UpdateContractInput {
  name?: string | null;
  status?: ContractStatus | null;
  notToExceed?: string | null;
  fixedFeeMethod?: FixedFeeMethod | null;
  externalRefs?: ExternalRef[] | null;
}

export interface AmendContractInput {
  effectiveDate: string;
  description: string;
  soldHoursDelta?: string | null;
  amountDelta?: string | null;
  newEndDate?: string | null;
}

/** An input's references with those given the deprecated way (`externalIds`), a reference given both ways once. */
function withDeprecatedIds(refs: readonly ExternalRef[] | null | undefined, ids: readonly ExternalId[] | null | undefined): ExternalRef[] {
  const all = [...(refs ?? []), ...(ids ?? [])];
  return [...new Map(all.map((ref) => [`${ref.system.trim()}\u0000${ref.id.trim()}`, ref])).values()];
}

function checkEstimates(estimates: readonly RoleEstimate[]): RoleEstimate[] {
  return estimates.map((estimate, index) => ({
    roleId: checkText(`estimatedHours[${index}].roleId`, estimate.roleId),
    hours: checkDecimal(`estimatedHours[${index}].hours`, estimate.hours, { scale: 2, min: 'positive' }),
  }));
}

/** crm's use cases. Each mutation checks access, validates, then runs in one transaction with its events. */
export function createCrmService(deps: { db: Kysely<CrmDatabase>; clock: Clock; onCommit: () => void; hcmRefs?: HcmRefs }) {
  const { db, clock } = deps;
  const hcmRefs = deps.hcmRefs ?? noHcmRefs;

  const write = transactionalWriter(db, deps.onCommit);
  const writing = (trx: Transaction<CrmDatabase>, scope: RequestScope): CrmWrite => ({ trx, scope, clock });

  const event = <T>(scope: RequestScope, type: string, typename: string, id: string, data: T) =>
    createEvent('crm', type, { typename, id }, data, { correlationId: scope.correlationId }, clock.now());

  /** The parent an input names (`parentId` or `parentRef`); undefined when it names none (an update leaves it). */
  async function parentOf(trx: Transaction<CrmDatabase>, input: { parentId?: string | null; parentRef?: ExternalRef | null }) {
    if (input.parentRef == null) return input.parentId;
    return resolveRecordId(trx, 'Customer', 'parent', { id: input.parentId, ref: input.parentRef });
  }

  return {
    async createCustomer(scope: RequestScope, input: CreateCustomerInput, idempotencyKey?: string | null) {
      requireRole(scope.identity, ...salesRoles);
      checkText('name', input.name);
      checkText('code', input.code, 40);
      checkCurrency('currency', input.currency);
      return write(scope, 'createCustomer', idempotencyKey, input, async (trx) =>
        insertCustomer(
          writing(trx, scope),
          { ...input, parentId: await parentOf(trx, input) },
          withDeprecatedIds(input.externalRefs, input.externalIds),
        ),
      );
    },

    async updateCustomer(scope: RequestScope, id: string, input: UpdateCustomerInput) {
      requireRole(scope.identity, ...salesRoles);
      return write(scope, 'updateCustomer', null, null, async (trx) => {
        const current = await repo.lockCustomer(trx, id);
        if (!current) throw notFound('Customer', id);
        const w = writing(trx, scope);
        const changed = await patchCustomer(w, current, { ...input, parentId: await parentOf(trx, input) });
        const refs = input.externalRefs != null || input.externalIds != null ? withDeprecatedIds(input.externalRefs, input.externalIds) : null;
        if (refs != null && (await replaceExternalRefs(trx, 'Customer', id, refs)) && !changed) await touchCustomer(w, id);
        return id;
      });
    },

    async createContact(scope: RequestScope, input: ContactInput & { name: string }, idempotencyKey?: string | null) {
      requireRole(scope.identity, ...salesRoles);
      checkText('name', input.name);
      return write(scope, 'createContact', idempotencyKey, input, async (trx) => {
        const customerId = await requiredRecordId(trx, 'Customer', 'customer', { id: input.customerId, ref: input.customerRef });
        return insertContact(writing(trx, scope), { ...input, customerId }, input.externalRefs ?? []);
      });
    },

    async updateContact(scope: RequestScope, id: string, input: ContactInput) {
      requireRole(scope.identity, ...salesRoles);
      return write(scope, 'updateContact', null, null, async (trx) => {
        const current = await repo.lockContact(trx, id);
        if (!current) throw notFound('Contact', id);
        const { name, email, phone, title, isPrimary } = input;
        await patchContact(writing(trx, scope), current, { name, email, phone, title, isPrimary });
        if (input.externalRefs != null) await replaceExternalRefs(trx, 'Contact', id, input.externalRefs);
        return id;
      });
    },

    async createOpportunity(
      scope: RequestScope,
      input: OpportunityInput & { name: string; probability: number; billingMethod: BillingMethod },
      idempotencyKey?: string | null,
    ) {
      requireRole(scope.identity, ...salesRoles);
      const stage = input.stage ?? 'PROSPECTING';
      assertStageChange('PROSPECTING', stage, 'update');
      const hcm = await hcmRefs.resolve(hcmRefsOf([input]), scope);
      const legalEntityId = hcm.idOf('LegalEntity', 'legalEntity', { id: input.legalEntityId, ref: input.legalEntityRef });
      if (legalEntityId == null) throw badInput('legalEntityId', 'give the legalEntityId or the legalEntityRef');
      const estimates = resolvedEstimates(hcm, input.estimatedHours ?? []);
      const values = {
        name: checkText('name', input.name),
        probability: checkInteger('probability', input.probability, 0, 100),
        legal_entity_id: checkText('legalEntityId', legalEntityId),
        ...checkedOpportunityDates(input),
      };
      return write(scope, 'createOpportunity', idempotencyKey, input, async (trx) => {
        const customerId = await requiredRecordId(trx, 'Customer', 'customer', { id: input.customerId, ref: input.customerRef });
        const customer = await trx.selectFrom('customer').select('id').where('id', '=', customerId).executeTakeFirst();
        if (!customer) throw notFound('Customer', customerId);
        const id = randomUUID();
        await trx
          .insertInto('opportunity')
          .values({
            id,
            customer_id: customerId,
            stage,
            billing_method: input.billingMethod,
            amount: input.amount ? money('amount.amount', input.amount.amount) : null,
            currency: input.amount ? checkCurrency('amount.currency', input.amount.currency) : null,
            estimated_hours: toJson(checkEstimates(estimates)),
            closed_at: null,
            lost_reason: null,
            contract_id: null,
            ...values,
          })
          .execute();
        return id;
      });
    },
    async updateOpportunity(scope: RequestScope, id: string, input: OpportunityInput) {
      requireRole(scope.identity, ...salesRoles);
      const hcm = await hcmRefs.resolve(hcmRefsOf([{ estimatedHours: input.estimatedHours }]), scope);
      const estimates = input.estimatedHours == null ? null : resolvedEstimates(hcm, input.estimatedHours);
      return write(scope, 'updateOpportunity', null, null, async (trx) => {
        const current = await repo.lockOpportunity(trx, id);
        if (!current) throw notFound('Opportunity', id);
        if (input.stage != null) assertStageChange(current.stage, input.stage, 'update');
        else assertStageChange(current.stage, current.stage, 'update');
        const dates = checkedOpportunityDates({
          expectedCloseDate: input.expectedCloseDate !== undefined ? input.expectedCloseDate : current.expected_close_date,
          expectedStartDate: input.expectedStartDate !== undefined ? input.expectedStartDate : current.expected_start_date,
          expectedEndDate: input.expectedEndDate !== undefined ? input.expectedEndDate : current.expected_end_date,
        });
        await trx
          .updateTable('opportunity')
          .set({
            ...(input.name != null ? { name: checkText('name', input.name) } : {}),
            ...(input.stage != null ? { stage: input.stage } : {}),
            ...(input.probability != null ? { probability: checkInteger('probability', input.probability, 0, 100) } : {}),
            ...(input.billingMethod != null ? { billing_method: input.billingMethod } : {}),
            ...(input.amount !== undefined
              ? {
                  amount: input.amount ? money('amount.amount', input.amount.amount) : null,
                  currency: input.amount ? checkCurrency('amount.currency', input.amount.currency) : null,
                }
              : {}),
            ...(estimates != null ? { estimated_hours: toJson(checkEstimates(estimates)) } : {}),
            ...dates,
            updated_at: clock.now(),
          })
          .where('id', '=', id)
          .execute();
        return id;
      });
    },

    async closeOpportunityWon(scope: RequestScope, id: string, input: CloseWonInput, idempotencyKey?: string | null) {
      requireRole(scope.identity, 'FINANCE');
      const hcm = await hcmRefs.resolve(hcmRefsOf([input]), scope);
      const rates = resolvedRates(hcm, input.rates);
      return write(scope, 'closeOpportunityWon', idempotencyKey, { id, input }, async (trx) => {
        const opportunity = await repo.lockOpportunity(trx, id);
        if (!opportunity) throw notFound('Opportunity', id);
        assertStageChange(opportunity.stage, 'CLOSED_WON', 'close');
        if (input.rates.length === 0) throw badInput('rates', 'a won deal needs a rate card with at least one rate');
        const created = await insertContract(writing(trx, scope), {
          customerId: opportunity.customer_id,
          number: input.contractNumber,
          name: input.contractName ?? opportunity.name,
          billingMethod: opportunity.billing_method,
          currency: input.currency,
          legalEntityId: opportunity.legal_entity_id,
          soldHours: input.soldHours,
          amount: input.amount,
          notToExceed: input.notToExceed,
          startDate: input.startDate,
          endDate: input.endDate,
          status: 'ACTIVE',
          rates,
          opportunityId: id,
        });
        const now = clock.now();
        await trx
          .updateTable('opportunity')
          .set({ stage: 'CLOSED_WON', probability: 100, closed_at: now, contract_id: created.contractId, updated_at: now })
          .where('id', '=', id)
          .execute();
        await appendToOutbox(trx, [
          event<OpportunityWon>(scope, crmTopics.opportunityWon, 'Opportunity', id, {
            opportunityId: id,
            name: opportunity.name,
            contractNumber: input.contractNumber,
            customerId: opportunity.customer_id,
            contractId: created.contractId,
            rateCardId: created.rateCardId,
            legalEntityId: opportunity.legal_entity_id,
            billingMethod: opportunity.billing_method,
            currency: input.currency,
            startDate: input.startDate,
            endDate: input.endDate ?? null,
            soldHours: input.soldHours ?? null,
            amount: input.amount ?? null,
            ratedRoleIds: created.ratedRoleIds,
            estimatedHours: opportunity.estimated_hours,
          }),
        ]);
        return id;
      });
    },

    async closeOpportunityLost(scope: RequestScope, id: string, reason: string) {
      requireRole(scope.identity, ...salesRoles);
      const why = checkText('reason', reason, 1000);
      return write(scope, 'closeOpportunityLost', null, null, async (trx) => {
        const opportunity = await repo.lockOpportunity(trx, id);
        if (!opportunity) throw notFound('Opportunity', id);
        assertStageChange(opportunity.stage, 'CLOSED_LOST', 'close');
        const now = clock.now();
        await trx
          .updateTable('opportunity')
          .set({ stage: 'CLOSED_LOST', probability: 0, closed_at: now, lost_reason: why, updated_at: now })
          .where('id', '=', id)
          .execute();
        await appendToOutbox(trx, [
          event<OpportunityLost>(scope, crmTopics.opportunityLost, 'Opportunity', id, {
            opportunityId: id,
            customerId: opportunity.customer_id,
            reason: why,
          }),
        ]);
        return id;
      });
    },

    async createContract(scope: RequestScope, input: CreateContractInput, idempotencyKey?: string | null) {
      requireRole(scope.identity, 'FINANCE');
      const hcm = await hcmRefs.resolve(hcmRefsOf([input]), scope);
      const rates = resolvedRates(hcm, input.rates ?? []);
      const legalEntityId = hcm.idOf('LegalEntity', 'legalEntity', { id: input.legalEntityId, ref: input.legalEntityRef });
      if (legalEntityId == null) throw badInput('legalEntityId', 'give the legalEntityId or the legalEntityRef');
      return write(scope, 'createContract', idempotencyKey, input, async (trx) => {
        const customerId = await requiredRecordId(trx, 'Customer', 'customer', { id: input.customerId, ref: input.customerRef });
        const created = await insertContract(writing(trx, scope), { ...input, customerId, legalEntityId, rates }, input.externalRefs ?? []);
        return created.contractId;
      });
    },

    async updateContract(scope: RequestScope, id: string, input: UpdateContractInput) {
      requireRole(scope.identity, 'FINANCE');
      return write(scope, 'updateContract', null, null, async (trx) => {
        const current = await repo.lockContract(trx, id);
        if (!current) throw notFound('Contract', id);
        await patchContract(writing(trx, scope), current, input);
        if (input.externalRefs != null) await replaceExternalRefs(trx, 'Contract', id, input.externalRefs);
        return id;
      });
    },
    async amendContract(scope: RequestScope, id: string, input: AmendContractInput, idempotencyKey?: string | null) {
      requireRole(scope.identity, 'FINANCE');
      checkDate('effectiveDate', input.effectiveDate);
      const description = checkText('description', input.description, 2000);
      if (input.soldHoursDelta != null) checkDecimal('soldHoursDelta', input.soldHoursDelta, { scale: 2 });
      if (input.amountDelta != null) checkDecimal('amountDelta', input.amountDelta, { scale: 2 });
      if (input.newEndDate != null) checkDate('newEndDate', input.newEndDate);
      if (input.soldHoursDelta == null && input.amountDelta == null && input.newEndDate == null) {
        throw badInput('input', 'an amendment changes soldHours, amount or the end date');
      }
      return write(scope, 'amendContract', idempotencyKey, { id, input }, async (trx) => {
        const contract = await repo.lockContract(trx, id);
        if (!contract) throw notFound('Contract', id);
        if (contract.status === 'TERMINATED' || contract.status === 'COMPLETED') {
          throw new DomainError('INVALID_TRANSITION', `a ${contract.status} contract cannot be amended`);
        }
        const addTo = (base: string | null, delta: string | null | undefined, field: string) => {
          if (delta == null) return base;
          const total = addDecimals(base ?? '0', delta, 2);
          if (total.startsWith('-')) throw badInput(field, 'would make the total negative');
          return total;
        };
        const soldHours = addTo(contract.sold_hours, input.soldHoursDelta, 'soldHoursDelta');
        const amount = addTo(contract.amount, input.amountDelta, 'amountDelta');
        const endDate = input.newEndDate ?? contract.end_date;
        checkDateRange('startDate', contract.start_date, 'newEndDate', endDate);
        const amendmentId = randomUUID();
        await trx
          .insertInto('contract_amendment')
          .values({
            id: amendmentId,
            contract_id: id,
            effective_date: input.effectiveDate,
            description,
            sold_hours_delta: input.soldHoursDelta ?? null,
            amount_delta: input.amountDelta ?? null,
            new_end_date: input.newEndDate ?? null,
          })
          .execute();
        await trx
          .updateTable('contract')
          .set({ sold_hours: soldHours, amount, end_date: endDate, updated_at: clock.now() })
          .where('id', '=', id)
          .execute();
        await recordAudit(trx, scope, {
          entityType: 'Contract',
          entityId: id,
          operation: 'amendContract',
          before: contract,
          after: { ...contract, sold_hours: soldHours, amount, end_date: endDate, amendment_id: amendmentId },
          reason: description,
        });
        await appendToOutbox(trx, [
          event<ContractAmended>(scope, crmTopics.contractAmended, 'Contract', id, {
            contractId: id,
            amendmentId,
            effectiveDate: input.effectiveDate,
            soldHours,
            amount,
            endDate,
            notToExceed: contract.not_to_exceed,
          }),
        ]);
        return id;
      });
    },

    async addRateCardRate(scope: RequestScope, rateCard: { id?: string | null; ref?: ExternalRef | null }, input: RateInput) {
      requireRole(scope.identity, 'FINANCE');
      const hcm = await hcmRefs.resolve(hcmRefsOf([{ rates: [input] }]), scope);
      const rates = resolvedRates(hcm, [input]);
      return write(scope, 'addRateCardRate', null, null, async (trx) => {
        const rateCardId = await requiredRecordId(trx, 'RateCard', 'rateCard', rateCard);
        await addRates(writing(trx, scope), rateCardId, rates);
        return rateCardId;
      });
    },

    ...createCrmUpserts({ write, writing, hcmRefs }),
  };
}

function checkedOpportunityDates(input: {
  expectedCloseDate?: string | null;
  expectedStartDate?: string | null;
  expectedEndDate?: string | null;
}) {
  const close = input.expectedCloseDate == null ? null : checkDate('expectedCloseDate', input.expectedCloseDate);
  const start = input.expectedStartDate == null ? null : checkDate('expectedStartDate', input.expectedStartDate);
  const end = input.expectedEndDate == null ? null : checkDate('expectedEndDate', input.expectedEndDate);
  if (start) checkDateRange('expectedStartDate', start, 'expectedEndDate', end);
  return { expected_close_date: close, expected_start_date: start, expected_end_date: end };
}

export type CrmService = ReturnType<typeof createCrmService>;

/** crm's top-level lists (lists under a parent go through the loaders). */
export function createCrmQueries(db: Kysely<CrmDatabase>) {
  return {
    /** The id a root lookup names by `id` or by `externalRef` (null: none), for the entity's loader. */
    recordId: (typename: 'Customer' | 'Contact' | 'Contract' | 'RateCard', args: { id?: string | null; externalRef?: ExternalRef | null }) =>
      lookupRecordId(db, typename, args),
    /** With `updatedAfter`, in the order of change (lib/db/changes.ts) for a mirror's incremental pull. */
    customers: (page: PagedArgs<repo.CustomerFilter>) =>
      paginate(
        repo.customersQuery(db, page.filter ?? {}),
        page.filter?.updatedAfter != null ? changeOrdering('customer') : orderings.customer,
        page,
        page,
      ),
    opportunities: (page: PagedArgs<repo.OpportunityFilter>) =>
      paginate(repo.opportunitiesQuery(db, page.filter ?? {}), orderings.opportunity, page, page),
    contracts: (page: PagedArgs<repo.ContractFilter>) =>
      paginate(repo.contractsQuery(db, page.filter ?? {}), orderings.contract, page, page),
  };
}
