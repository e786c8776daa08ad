import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { requireRole } from '../../lib/auth/identity.ts';
import type { Clock } from '../../lib/clock.ts';
import { toJson } from '../../lib/db/types.ts';
import { addDecimals, checkCurrency, checkDecimal, compareDecimals } from '../../lib/decimal.ts';
import { badInput, DomainError, notFound } from '../../lib/errors.ts';
import { createEvent, type EventCause } from '../../lib/events/envelope.ts';
import { appendToOutbox } from '../../lib/events/outbox.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { transactionalWriter } from '../../lib/idempotency.ts';
import { paginate } from '../../lib/graphql/connection.ts';
import type { PagedArgs } from '../../lib/graphql/loaders.ts';
import { orderings } from './loaders.ts';
import { checkDate, checkDateRange, checkEmail, checkInteger, checkText, optionalText } from '../../lib/validate.ts';
import { assertStageChange } from './domain/opportunity-stage.ts';
import { assertNoOverlap } from './domain/rate-card.ts';
import { crmTopics, type ContractAmended, type ContractCreated, type ContractUpdated, type OpportunityLost, type OpportunityWon } from './events.ts';
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

export interface RateInput {
  roleId: string;
  billRate: string;
  effectiveFrom: string;
  effectiveTo?: string | null;
}

export interface CreateCustomerInput {
  name: string;
  code: string;
  currency: string;
  parentId?: string | null;
  billingAddress?: Address | null;
  taxId?: string | null;
  externalIds?: ExternalId[] | null;
}

export interface UpdateCustomerInput {
  name?: string | null;
  status?: CustomerStatus | null;
  parentId?: string | null;
  billingAddress?: Address | null;
  taxId?: string | null;
  externalIds?: ExternalId[] | null;
}

export interface ContactInput {
  customerId?: string;
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  title?: string | null;
  isPrimary?: boolean | null;
}

export interface OpportunityInput {
  customerId?: string;
  name?: string | null;
  stage?: OpportunityStage | null;
  probability?: number | null;
  amount?: { amount: string; currency: string } | null;
  billingMethod?: BillingMethod | null;
  legalEntityId?: string;
  expectedCloseDate?: string | null;
  expectedStartDate?: string | null;
  expectedEndDate?: string | null;
  estimatedHours?: RoleEstimate[] | null;
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
  customerId: string;
  number: string;
  name: string;
  billingMethod: BillingMethod;
  currency: string;
  legalEntityId: string;
  soldHours?: string | null;
  amount?: string | null;
  notToExceed?: string | null;
  startDate: string;
  endDate?: string | null;
  status?: ContractStatus | null;
  rates?: RateInput[] | null;
}

export interface AmendContractInput {
  effectiveDate: string;
  description: string;
  soldHoursDelta?: string | null;
  amountDelta?: string | null;
  newEndDate?: string | null;
}

const hours = (field: string, value: string | null | undefined) =>
  value == null ? null : checkDecimal(field, value, { scale: 2, min: 'zero' });
const money = (field: string, value: string | null | undefined) =>
  value == null ? null : checkDecimal(field, value, { scale: 2, min: 'zero' });

function checkRates(rates: readonly RateInput[]) {
  return rates.map((rate, index) => ({
    roleId: checkText(`rates[${index}].roleId`, rate.roleId),
    billRate: checkDecimal(`rates[${index}].billRate`, rate.billRate, { scale: 2, min: 'zero' }),
    effectiveFrom: checkDate(`rates[${index}].effectiveFrom`, rate.effectiveFrom),
    effectiveTo: rate.effectiveTo == null ? null : checkDate(`rates[${index}].effectiveTo`, rate.effectiveTo),
  }));
}

function checkEstimates(estimates: readonly RoleEstimate[]): RoleEstimate[] {
  return estimates.map((estimate, index) => ({
    roleId: checkText(`estimatedHours[${index}].roleId`, estimate.roleId),
    hours: checkDecimal(`estimatedHours[${index}].hours`, estimate.hours, { scale: 2, min: 'positive' }),
  }));
}

const salesRoles = ['FINANCE', 'MANAGER'] as const;

/** crm's use cases. Each mutation checks access, validates, then runs in one transaction with its events. */
export function createCrmService(deps: { db: Kysely<CrmDatabase>; clock: Clock; onCommit: () => void }) {
  const { db, clock } = deps;

  const write = transactionalWriter(db, deps.onCommit);

  const event = <T>(scope: RequestScope, type: string, typename: string, id: string, data: T) =>
    createEvent('crm', type, { typename, id }, data, { correlationId: scope.correlationId }, clock.now());

  async function insertRates(trx: Transaction<CrmDatabase>, rateCardId: string, rates: ReturnType<typeof checkRates>) {
    if (rates.length === 0) return;
    await trx
      .insertInto('rate_card_rate')
      .values(
        rates.map((rate) => ({
          id: randomUUID(),
          rate_card_id: rateCardId,
          role_id: rate.roleId,
          bill_rate: rate.billRate,
          effective_from: rate.effectiveFrom,
          effective_to: rate.effectiveTo,
        })),
      )
      .execute();
  }

  async function insertContract(
    trx: Transaction<CrmDatabase>,
    cause: EventCause,
    input: CreateContractInput & { opportunityId?: string | null },
  ): Promise<{ contractId: string; rateCardId: string; ratedRoleIds: string[] }> {
    const number = checkText('number', input.number, 40);
    checkCurrency('currency', input.currency);
    checkDate('startDate', input.startDate);
    if (input.endDate != null) checkDate('endDate', input.endDate);
    checkDateRange('startDate', input.startDate, 'endDate', input.endDate);
    const rates = checkRates(input.rates ?? []);
    assertNoOverlap([], rates);
    const customer = await trx.selectFrom('customer').select('id').where('id', '=', input.customerId).executeTakeFirst();
    if (!customer) throw notFound('Customer', input.customerId);
    const taken = await trx.selectFrom('contract').select('id').where('number', '=', number).executeTakeFirst();
    if (taken) throw new DomainError('CONFLICT', `contract number ${number} is already used`, { field: 'number' });
    const contractId = randomUUID();
    const rateCardId = randomUUID();
    await trx
      .insertInto('contract')
      .values({
        id: contractId,
        number,
        name: checkText('name', input.name),
        customer_id: input.customerId,
        billing_method: input.billingMethod,
        currency: input.currency,
        legal_entity_id: checkText('legalEntityId', input.legalEntityId),
        sold_hours: hours('soldHours', input.soldHours),
        amount: money('amount', input.amount),
        not_to_exceed: money('notToExceed', input.notToExceed),
        fixed_fee_method: null,
        start_date: input.startDate,
        end_date: input.endDate ?? null,
        status: input.status ?? 'ACTIVE',
        opportunity_id: input.opportunityId ?? null,
      })
      .execute();
    await trx.insertInto('rate_card').values({ id: rateCardId, contract_id: contractId, currency: input.currency }).execute();
    await insertRates(trx, rateCardId, rates);
    const ratedRoleIds = [...new Set(rates.map((rate) => rate.roleId))];
    await appendToOutbox(trx, [
      createEvent<ContractCreated>('crm', crmTopics.contractCreated, { typename: 'Contract', id: contractId }, {
        contractId,
        rateCardId,
        customerId: input.customerId,
        legalEntityId: input.legalEntityId,
        billingMethod: input.billingMethod,
        currency: input.currency,
        startDate: input.startDate,
        endDate: input.endDate ?? null,
        ratedRoleIds,
        amount: money('amount', input.amount),
        notToExceed: money('notToExceed', input.notToExceed),
      }, cause, clock.now()),
    ]);
    return { contractId, rateCardId, ratedRoleIds };
  }

  async function checkParent(trx: Transaction<CrmDatabase>, customerId: string | null, parentId: string) {
    const parent = await trx.selectFrom('customer').select('id').where('id', '=', parentId).executeTakeFirst();
    if (!parent) throw notFound('Customer', parentId);
    if (customerId && (parentId === customerId || (await repo.customerAncestorIds(trx, parentId)).includes(customerId))) {
      throw badInput('parentId', 'a customer cannot be its own ancestor');
    }
  }

  return {
    async createCustomer(scope: RequestScope, input: CreateCustomerInput, idempotencyKey?: string | null) {
      requireRole(scope.identity, ...salesRoles);
      const name = checkText('name', input.name);
      const code = checkText('code', input.code, 40);
      checkCurrency('currency', input.currency);
      return write(scope, 'createCustomer', idempotencyKey, input, async (trx) => {
        if (input.parentId) await checkParent(trx, null, input.parentId);
        const taken = await trx.selectFrom('customer').select('id').where('code', '=', code).executeTakeFirst();
        if (taken) throw new DomainError('CONFLICT', `customer code ${code} is already used`, { field: 'code' });
        const id = randomUUID();
        await trx
          .insertInto('customer')
          .values({
            id,
            name,
            code,
            status: 'ACTIVE',
            currency: input.currency,
            parent_id: input.parentId ?? null,
            billing_address: toJson(input.billingAddress ?? null),
            tax_id: optionalText('taxId', input.taxId),
            external_ids: toJson(input.externalIds ?? []),
          })
          .execute();
        return id;
      });
    },

    async updateCustomer(scope: RequestScope, id: string, input: UpdateCustomerInput) {
      requireRole(scope.identity, ...salesRoles);
      return write(scope, 'updateCustomer', null, null, async (trx) => {
        const current = await trx.selectFrom('customer').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
        if (!current) throw notFound('Customer', id);
        if (input.parentId) await checkParent(trx, id, input.parentId);
        await trx
          .updateTable('customer')
          .set({
            ...(input.name != null ? { name: checkText('name', input.name) } : {}),
            ...(input.status != null ? { status: input.status } : {}),
            ...(input.parentId !== undefined ? { parent_id: input.parentId } : {}),
            ...(input.billingAddress !== undefined ? { billing_address: toJson(input.billingAddress) } : {}),
            ...(input.taxId !== undefined ? { tax_id: optionalText('taxId', input.taxId) } : {}),
            ...(input.externalIds != null ? { external_ids: toJson(input.externalIds) } : {}),
            updated_at: clock.now(),
          })
          .where('id', '=', id)
          .execute();
        return id;
      });
    },

    async createContact(scope: RequestScope, input: ContactInput & { customerId: string; name: string }, idempotencyKey?: string | null) {
      requireRole(scope.identity, ...salesRoles);
      const name = checkText('name', input.name);
      const email = checkEmail('email', input.email);
      return write(scope, 'createContact', idempotencyKey, input, async (trx) => {
        const customer = await trx.selectFrom('customer').select('id').where('id', '=', input.customerId).executeTakeFirst();
        if (!customer) throw notFound('Customer', input.customerId);
        const id = randomUUID();
        await trx
          .insertInto('contact')
          .values({
            id,
            customer_id: input.customerId,
            name,
            email,
            phone: optionalText('phone', input.phone, 40),
            title: optionalText('title', input.title),
            is_primary: input.isPrimary ?? false,
          })
          .execute();
        return id;
      });
    },

    async updateContact(scope: RequestScope, id: string, input: ContactInput) {
      requireRole(scope.identity, ...salesRoles);
      return write(scope, 'updateContact', null, null, async (trx) => {
        const current = await trx.selectFrom('contact').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
        if (!current) throw notFound('Contact', id);
        await trx
          .updateTable('contact')
          .set({
            ...(input.name != null ? { name: checkText('name', input.name) } : {}),
            ...(input.email !== undefined ? { email: checkEmail('email', input.email) } : {}),
            ...(input.phone !== undefined ? { phone: optionalText('phone', input.phone, 40) } : {}),
            ...(input.title !== undefined ? { title: optionalText('title', input.title) } : {}),
            ...(input.isPrimary != null ? { is_primary: input.isPrimary } : {}),
            updated_at: clock.now(),
          })
          .where('id', '=', id)
          .execute();
        return id;
      });
    },

    async createOpportunity(
      scope: RequestScope,
      input: OpportunityInput & { customerId: string; name: string; probability: number; billingMethod: BillingMethod; legalEntityId: string },
      idempotencyKey?: string | null,
    ) {
      requireRole(scope.identity, ...salesRoles);
      const stage = input.stage ?? 'PROSPECTING';
      assertStageChange('PROSPECTING', stage, 'update');
      const values = {
        name: checkText('name', input.name),
        probability: checkInteger('probability', input.probability, 0, 100),
        legal_entity_id: checkText('legalEntityId', input.legalEntityId),
        ...checkedOpportunityDates(input),
      };
      return write(scope, 'createOpportunity', idempotencyKey, input, async (trx) => {
        const customer = await trx.selectFrom('customer').select('id').where('id', '=', input.customerId).executeTakeFirst();
        if (!customer) throw notFound('Customer', input.customerId);
        const id = randomUUID();
        await trx
          .insertInto('opportunity')
          .values({
            id,
            customer_id: input.customerId,
            stage,
            billing_method: input.billingMethod,
            amount: input.amount ? money('amount.amount', input.amount.amount) : null,
            currency: input.amount ? checkCurrency('amount.currency', input.amount.currency) : null,
            estimated_hours: toJson(checkEstimates(input.estimatedHours ?? [])),
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
            ...(input.estimatedHours != null ? { estimated_hours: toJson(checkEstimates(input.estimatedHours)) } : {}),
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
      return write(scope, 'closeOpportunityWon', idempotencyKey, { id, input }, async (trx) => {
        const opportunity = await repo.lockOpportunity(trx, id);
        if (!opportunity) throw notFound('Opportunity', id);
        assertStageChange(opportunity.stage, 'CLOSED_WON', 'close');
        if (input.rates.length === 0) throw badInput('rates', 'a won deal needs a rate card with at least one rate');
        const created = await insertContract(trx, scope, {
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
          rates: input.rates,
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
      return write(scope, 'createContract', idempotencyKey, input, async (trx) => (await insertContract(trx, scope, input)).contractId);
    },

    async updateContract(
      scope: RequestScope,
      id: string,
      input: { name?: string | null; status?: ContractStatus | null; notToExceed?: string | null; fixedFeeMethod?: FixedFeeMethod | null },
    ) {
      requireRole(scope.identity, 'FINANCE');
      return write(scope, 'updateContract', null, null, async (trx) => {
        const current = await repo.lockContract(trx, id);
        if (!current) throw notFound('Contract', id);
        const next = {
          name: input.name != null ? checkText('name', input.name) : current.name,
          status: input.status ?? current.status,
          not_to_exceed: input.notToExceed !== undefined ? money('notToExceed', input.notToExceed) : current.not_to_exceed,
          fixed_fee_method: input.fixedFeeMethod !== undefined ? input.fixedFeeMethod : current.fixed_fee_method,
        };
        if (next.fixed_fee_method !== null && current.billing_method !== 'FIXED_FEE') {
          throw badInput('fixedFeeMethod', `only a FIXED_FEE contract has a fixed-fee method; this one is ${current.billing_method}`);
        }
        const capDiffers = (a: string | null, b: string | null) => (a === null || b === null ? a !== b : compareDecimals(String(a), String(b)) !== 0);
        const changed = [
          ...(next.name !== current.name ? ['name'] : []),
          ...(next.status !== current.status ? ['status'] : []),
          ...(capDiffers(next.not_to_exceed, current.not_to_exceed) ? ['notToExceed'] : []),
          ...(next.fixed_fee_method !== current.fixed_fee_method ? ['fixedFeeMethod'] : []),
        ];
        if (changed.length === 0) return id;
        await trx.updateTable('contract').set({ ...next, updated_at: clock.now() }).where('id', '=', id).execute();
        // erp keeps the cap (and more) from this event: published through the outbox, in the update's transaction.
        await appendToOutbox(trx, [
          event<ContractUpdated>(scope, crmTopics.contractUpdated, 'Contract', id, {
            contractId: id, status: next.status, currency: current.currency, amount: current.amount === null ? null : String(current.amount),
            notToExceed: next.not_to_exceed === null ? null : String(next.not_to_exceed), fixedFeeMethod: next.fixed_fee_method, changed,
          }),
        ]);
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

    async addRateCardRate(scope: RequestScope, rateCardId: string, input: RateInput) {
      requireRole(scope.identity, 'FINANCE');
      const [rate] = checkRates([input]);
      return write(scope, 'addRateCardRate', null, null, async (trx) => {
        const card = await repo.lockRateCard(trx, rateCardId);
        if (!card) throw notFound('RateCard', rateCardId);
        const existing = await repo.ratesByRateCards(trx, [rateCardId]);
        assertNoOverlap(
          existing.map((row) => ({ roleId: row.role_id, effectiveFrom: row.effective_from, effectiveTo: row.effective_to })),
          [rate],
        );
        await insertRates(trx, rateCardId, [rate]);
        return rateCardId;
      });
    },
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
    customers: (page: PagedArgs<repo.CustomerFilter>) =>
      paginate(repo.customersQuery(db, page.filter ?? {}), orderings.customer, page, page),
    opportunities: (page: PagedArgs<repo.OpportunityFilter>) =>
      paginate(repo.opportunitiesQuery(db, page.filter ?? {}), orderings.opportunity, page, page),
    contracts: (page: PagedArgs<repo.ContractFilter>) =>
      paginate(repo.contractsQuery(db, page.filter ?? {}), orderings.contract, page, page),
  };
}
