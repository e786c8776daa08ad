import { randomUUID } from 'node:crypto';
import type { Kysely, SelectQueryBuilder, Transaction } from 'kysely';
import { recordAudit } from '../../lib/audit/record.ts';
import { requireRole } from '../../lib/auth/identity.ts';
import type { Clock } from '../../lib/clock.ts';
import { toJson } from '../../lib/db/types.ts';
import { checkDecimal } from '../../lib/decimal.ts';
import { badInput, notFound } from '../../lib/errors.ts';
import { causedBy, createEvent, type DomainEvent } from '../../lib/events/envelope.ts';
import { appendToOutbox, handleOnce } from '../../lib/events/outbox.ts';
import { paginate, type Ordering } from '../../lib/graphql/connection.ts';
import type { PagedArgs } from '../../lib/graphql/loaders.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { transactionalWriter } from '../../lib/idempotency.ts';
import { checkInteger, checkText } from '../../lib/validate.ts';
import type { ContractCreated } from '../crm/index.ts';
import { checkMarkupPercent } from './domain/billing-models.ts';
import { billingReadiness, defaultBillingTerms } from './domain/billing-setup.ts';
import { erpFieldRules, erpFields } from './domain/field-access.ts';
import { projectFinancials } from './domain/financials.ts';
import { minorUnits, sumDecimals, type Money } from './domain/money.ts';
import { timeEntryBilling, type TimeEntryFacts } from './domain/time-entry-billing.ts';
import { assertNoTaxRateOverlap, type EffectiveTaxRate } from './domain/tax-rate.ts';
import { checkedPeriod, checkPeriodDates, updatedPeriod } from './domain/rates.ts';
import { erpConsumerGroups, erpTopics, type BillingBlocked, type BillingSetupReady } from './events.ts';
import { orderingOf, orderings, type ErpLoaders } from './loaders.ts';
import { revenueSchedule } from './revenue.ts';
import * as repo from './repository.ts';
import type { ErpDatabase, InvoiceGrouping, ProjectRef, TaxRateRow, TaxRounding } from './tables.ts';

export interface CreateTaxRateInput {
  legalEntityId: string;
  customerCountry?: string | null;
  name: string;
  ratePercent: string;
  effectiveFrom: string;
  effectiveTo?: string | null;
  taxRounding?: TaxRounding | null;
}

export interface UpdateTaxRateInput {
  name?: string | null;
  ratePercent?: string | null;
  effectiveFrom?: string | null;
  effectiveTo?: string | null;
  taxRounding?: TaxRounding | null;
}

export interface UpdateBillingSetupInput {
  invoiceGrouping?: InvoiceGrouping | null;
  paymentTermsDays?: number | null;
  expenseMarkupPercent?: string | null;
}

/** Who may read and write erp's data: it is all money (domain/field-access.ts). ADMIN passes every check. */
export const financeRoles = erpFieldRules.ledger.roles;

const countryPattern = /^[A-Z]{2}$/;

function checkCountry(field: string, value: string | null | undefined): string | null {
  if (value == null) return null;
  if (!countryPattern.test(value)) throw badInput(field, `"${value}" is not an ISO 3166 alpha-2 country code`);
  return value;
}

const checkRatePercent = (value: string) => checkDecimal('ratePercent', value, { scale: 4, min: 'zero', max: '100' });

const asEffective = (row: TaxRateRow): EffectiveTaxRate => ({
  id: row.id,
  legalEntityId: row.legal_entity_id,
  customerCountry: row.customer_country,
  effectiveFrom: row.effective_from,
  effectiveTo: row.effective_to,
});

/** erp's use cases. Each mutation checks access, validates, then runs in one transaction with its events. */
export function createErpService(deps: { db: Kysely<ErpDatabase>; clock: Clock; onCommit: () => void }) {
  const { db, clock } = deps;

  const write = transactionalWriter(db, deps.onCommit);

  /** Refuses a rate whose period overlaps another of its legal entity and country; holds the scope's lock. */
  async function checkScope(trx: Transaction<ErpDatabase>, candidate: EffectiveTaxRate) {
    await repo.lockTaxRateScope(trx, candidate.legalEntityId, candidate.customerCountry);
    const existing = await repo.taxRatesInScope(trx, candidate.legalEntityId, candidate.customerCountry);
    assertNoTaxRateOverlap(existing.map(asEffective), candidate);
  }

  return {
    async createTaxRate(scope: RequestScope, input: CreateTaxRateInput, idempotencyKey?: string | null) {
      requireRole(scope.identity, ...financeRoles);
      const candidate: EffectiveTaxRate = {
        legalEntityId: checkText('legalEntityId', input.legalEntityId),
        customerCountry: checkCountry('customerCountry', input.customerCountry),
        ...checkedPeriod(input),
      };
      const name = checkText('name', input.name);
      const ratePercent = checkRatePercent(input.ratePercent);
      return write(scope, 'createTaxRate', idempotencyKey, input, async (trx) => {
        await checkScope(trx, candidate);
        const id = randomUUID();
        const taxRate = {
          id,
          legal_entity_id: candidate.legalEntityId,
          customer_country: candidate.customerCountry,
          name,
          rate_percent: ratePercent,
          effective_from: candidate.effectiveFrom,
          effective_to: candidate.effectiveTo,
          tax_rounding: input.taxRounding ?? 'INVOICE',
        };
        await trx.insertInto('tax_rate').values(taxRate).execute();
        await recordAudit(trx, scope, { entityType: 'TaxRate', entityId: id, operation: 'createTaxRate', before: null, after: taxRate });
        return id;
      });
    },

    async updateTaxRate(scope: RequestScope, id: string, input: UpdateTaxRateInput) {
      requireRole(scope.identity, ...financeRoles);
      const name = input.name == null ? null : checkText('name', input.name);
      const ratePercent = input.ratePercent == null ? null : checkRatePercent(input.ratePercent);
      checkPeriodDates(input);
      return write(scope, 'updateTaxRate', null, null, async (trx) => {
        const current = await repo.lockTaxRate(trx, id);
        if (!current) throw notFound('TaxRate', id);
        const candidate: EffectiveTaxRate = { ...asEffective(current), ...updatedPeriod(current, input) };
        await checkScope(trx, candidate);
        const changes = {
          ...(name !== null ? { name } : {}),
          ...(ratePercent !== null ? { rate_percent: ratePercent } : {}),
          ...(input.taxRounding != null ? { tax_rounding: input.taxRounding } : {}),
          effective_from: candidate.effectiveFrom,
          effective_to: candidate.effectiveTo,
        };
        await trx
          .updateTable('tax_rate')
          .set({ ...changes, updated_at: clock.now() })
          .where('id', '=', id)
          .execute();
        await recordAudit(trx, scope, { entityType: 'TaxRate', entityId: id, operation: 'updateTaxRate', before: current, after: { ...current, ...changes } });
        return id;
      });
    },

    async updateBillingSetup(scope: RequestScope, contractId: string, input: UpdateBillingSetupInput) {
      requireRole(scope.identity, ...financeRoles);
      const terms = input.paymentTermsDays == null ? null : checkInteger('paymentTermsDays', input.paymentTermsDays, 0, 365);
      const markup = input.expenseMarkupPercent == null ? null : checkMarkupPercent(input.expenseMarkupPercent);
      return write(scope, 'updateBillingSetup', null, null, async (trx) => {
        const setup = await repo.lockBillingSetupByContract(trx, contractId);
        if (!setup) throw notFound('BillingSetup', contractId);
        const changes = {
          ...(input.invoiceGrouping != null ? { invoice_grouping: input.invoiceGrouping } : {}),
          ...(terms !== null ? { payment_terms_days: terms } : {}),
          ...(markup !== null ? { expense_markup_percent: markup } : {}),
        };
        await trx
          .updateTable('billing_setup')
          .set({ ...changes, updated_at: clock.now() })
          .where('id', '=', setup.id)
          .execute();
        const after = { ...setup, ...changes };
        await recordAudit(trx, scope, { entityType: 'BillingSetup', entityId: setup.id, operation: 'updateBillingSetup', before: setup, after });
        return setup.id;
      });
    },

    /**
     * Deal to project (DESIGN §4.1): a contract exists, so erp prepares its billing setup, READY or BLOCKED by the
     * billing-readiness rule, and says which. Once per event (handleOnce) and once per contract (a second
     * announcement of the same contract creates nothing).
     */
    async prepareBillingSetup(event: DomainEvent<ContractCreated>): Promise<void> {
      const contract = event.data;
      const applied = await handleOnce(db, erpConsumerGroups.billingSetup, event, async (trx) => {
        const existing = await repo.billingSetupsByContracts(trx, [contract.contractId]);
        if (existing.length > 0) return;
        const id = randomUUID();
        const row = billingSetupRow(id, contract);
        await trx.insertInto('billing_setup').values(row).execute();
        const subject = { typename: 'BillingSetup', id };
        await appendToOutbox(trx, [
          row.status === 'READY'
            ? createEvent<BillingSetupReady>('erp', erpTopics.billingSetupReady, subject, { contractId: contract.contractId, billingSetupId: id }, causedBy(event), clock.now())
            : createEvent<BillingBlocked>('erp', erpTopics.billingBlocked, subject, { contractId: contract.contractId, code: 'SETUP_BLOCKED', reason: row.blocked_reason!, source: null }, causedBy(event), clock.now()),
        ]);
      });
      if (applied) deps.onCommit();
    },
  };
}

export type ErpService = ReturnType<typeof createErpService>;

/**
 * erp's reads, bound to the caller: every way into erp's data (a top-level field, an entity reference, a field erp
 * adds to another subgraph's entity) passes one of these, so the role check sits in one place. Everything is money:
 * FINANCE (and ADMIN) only, except a project's financials (also its manager) and time-entry and expense billing
 * statuses (also managers): domain/field-access.ts. Fields under an entity already read are not checked again.
 */
export function createErpQueries(deps: { db: Kysely<ErpDatabase>; scope: RequestScope; loaders: ErpLoaders }) {
  const { db, scope, loaders } = deps;
  const finance = () => requireRole(scope.identity, ...financeRoles);
  const byId = <T>(load: (id: string) => Promise<T>) => (id: string) => {
    finance();
    return load(id);
  };
  const listed = <Row extends Record<string, any>>(query: SelectQueryBuilder<any, any, Row>, ordering: Ordering, args: PagedArgs<unknown>) => {
    finance();
    return paginate(query, ordering, args, args);
  };

  return {
    revenueSchedule: (args: Parameters<typeof revenueSchedule>[2]) => revenueSchedule(db, scope, args),
    invoice: byId((id) => loaders.invoice.load(id)),
    invoiceLine: byId((id) => loaders.invoiceLine.load(id)),
    creditNote: byId((id) => loaders.creditNote.load(id)),
    payment: byId((id) => loaders.payment.load(id)),
    billingEvent: byId((id) => loaders.billingEvent.load(id)),
    costPosting: byId((id) => loaders.costPosting.load(id)),
    taxRate: byId((id) => loaders.taxRate.load(id)),
    fxRate: byId((id) => loaders.fxRate.load(id)),
    billingSetup: byId((id) => loaders.billingSetup.load(id)),
    billingSetupOfContract: byId(async (contractId) => (await loaders.billingSetupByContract.load(contractId))[0] ?? null),

    invoices: (args: PagedArgs<repo.InvoiceFilter>) => listed(repo.invoicesQuery(db, args.filter ?? {}), orderingOf('invoice', orderings.invoice, args.filter), args),
    creditNotes: (args: PagedArgs<repo.CreditNoteFilter>) => listed(repo.creditNotesQuery(db, args.filter ?? {}), orderings.creditNote, args),
    billingEvents: (args: PagedArgs<repo.BillingEventFilter>) =>
      listed(repo.billingEventsQuery(db, args.filter ?? {}), orderingOf('billing_event', orderings.billingEvent, args.filter), args),
    costPostings: (args: PagedArgs<repo.CostPostingFilter>) =>
      listed(repo.costPostingsQuery(db, args.filter ?? {}), orderingOf('cost_posting', orderings.costPosting, args.filter), args),
    payments: (args: PagedArgs<repo.PaymentFilter>) => listed(repo.paymentsQuery(db, args.filter ?? {}), orderingOf('payment', orderings.payment, args.filter), args),
    taxRates: (args: PagedArgs<repo.TaxRateFilter>) => listed(repo.taxRatesQuery(db, args.filter ?? {}), orderings.taxRate, args),
    fxRates: (args: PagedArgs<repo.FxRateFilter>) => listed(repo.fxRatesQuery(db, args.filter ?? {}), orderings.fxRate, args),
    billingSetups: (args: PagedArgs<repo.BillingSetupFilter>) =>
      listed(repo.billingSetupsQuery(db, args.filter ?? {}), orderings.billingSetup, args),

    invoicesOfCustomer(customerId: string, args: PagedArgs<repo.InvoiceFilter>) {
      finance();
      return (args.filter?.updatedAfter != null ? loaders.invoiceChangesByCustomer : loaders.invoicesByCustomer).for(args).load(customerId);
    },
    async arBalanceOfCustomer(customerId: string): Promise<Money[]> {
      finance();
      // The currency's minor unit whatever the sum: a currency with nothing open reads "0.00", not "0".
      return (await loaders.arBalanceByCustomer.load(customerId)).map((row) => ({ amount: sumDecimals([String(row.balance)], minorUnits(row.currency)), currency: row.currency }));
    },
    async financialsOfProject(project: ProjectRef) {
      await erpFields.assertMayRead(scope.identity, 'Project.financials', () => project.manager?.id);
      return projectFinancials(await loaders.financialFactsByProject.load(project.id), project.budgetHours);
    },
    async billingOfTimeEntry(entry: { id: string } & TimeEntryFacts) {
      await erpFields.assertMayRead(scope.identity, 'TimeEntry.billing');
      const facts = await loaders.billingFactsByTimeEntry.load(entry.id);
      // The fee's coverage matters only to approved billable time without a billing event of its own (a second batch).
      const covered = facts.length === 0 && entry.billable && entry.status === 'APPROVED' ? (await loaders.coverageByTimeEntry.load(entry.id))[0]?.coverage : null;
      return timeEntryBilling(entry, facts, covered ?? null);
    },
    /** A time entry's (or an expense's) live cost posting: the ledger's. */
    async costPostingOfSource(sourceType: 'TIME_ENTRY' | 'EXPENSE', sourceId: string) {
      finance();
      return (await (sourceType === 'TIME_ENTRY' ? loaders.costPostingByTimeEntry : loaders.costPostingByExpense).load(sourceId))[0] ?? null;
    },
    /**
     * The ledger's money of many time entries at once (the BI export, export-endpoint.ts), in `entries`' order: the
     * billing event `billingOfTimeEntry` names (the same facts, the same rule) and the live cost posting, with the same
     * role checks, in two statements whatever the number. The fee's coverage is not read: it decides a status, never
     * which event.
     */
    async moneyOfTimeEntries(entries: ReadonlyArray<{ id: string } & TimeEntryFacts>): Promise<Array<{ billingEvent: BilledMoney | null; costPosting: CostMoney | null }>> {
      await erpFields.assertMayRead(scope.identity, 'TimeEntry.billing');
      finance();
      if (entries.length === 0) return [];
      const ids = entries.map((entry) => entry.id);
      const [facts, costPostings] = await Promise.all([
        repo.billingFactsBySources(db, 'TIME_ENTRY', ids),
        repo.liveCostMoneyBySources(db, 'TIME_ENTRY', ids),
      ]);
      const factsBySource = new Map<string, repo.SourceBillingFact[]>();
      for (const fact of facts) {
        const group = factsBySource.get(fact.source_id);
        if (group) group.push(fact);
        else factsBySource.set(fact.source_id, [fact]);
      }
      const costBySource = new Map<string, CostMoney>();
      for (const posting of costPostings) if (!costBySource.has(posting.source_id)) costBySource.set(posting.source_id, posting);
      return entries.map((entry) => {
        const itsFacts = factsBySource.get(entry.id) ?? [];
        const { billingEventId } = timeEntryBilling(entry, itsFacts);
        const named = billingEventId === null ? undefined : itsFacts.find((fact) => fact.billingEventId === billingEventId);
        return { billingEvent: named?.eventMoney ?? null, costPosting: costBySource.get(entry.id) ?? null };
      });
    },
    /** An expense is billed like a time entry (its billing events have source type EXPENSE): the same rule. */
    async billingOfExpense(expense: { id: string } & TimeEntryFacts) {
      await erpFields.assertMayRead(scope.identity, 'ExpenseEntry.billing');
      return timeEntryBilling(expense, await loaders.billingFactsByExpense.load(expense.id));
    },
  };
}

export type ErpQueries = ReturnType<typeof createErpQueries>;

/** A billing event's money as the export writes it. */
export type BilledMoney = repo.SourceBillingFact['eventMoney'];
/** A cost posting's money as the export writes it. */
export type CostMoney = Awaited<ReturnType<typeof repo.liveCostMoneyBySources>>[number];

/** A new billing setup for a contract, READY or BLOCKED by the billing-readiness rule, on the default terms. */
export function billingSetupRow(id: string, contract: ContractCreated) {
  const ratedRoleIds = [...new Set(contract.ratedRoleIds ?? [])];
  const readiness = billingReadiness({ billingMethod: contract.billingMethod, ratedRoleIds });
  return {
    id,
    contract_id: contract.contractId,
    rate_card_id: contract.rateCardId ?? null,
    customer_id: contract.customerId,
    legal_entity_id: contract.legalEntityId,
    currency: contract.currency,
    billing_method: contract.billingMethod,
    invoice_grouping: defaultBillingTerms.invoiceGrouping,
    payment_terms_days: defaultBillingTerms.paymentTermsDays,
    status: readiness.status,
    blocked_reason: readiness.status === 'BLOCKED' ? readiness.reason : null,
    rated_role_ids: toJson(ratedRoleIds),
    start_date: contract.startDate,
    end_date: contract.endDate,
    contract_amount: contract.amount ?? null,
    not_to_exceed: contract.notToExceed ?? null,
  };
}
