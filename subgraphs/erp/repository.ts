import { sql, type Kysely, type Transaction } from 'kysely';
import { changedAfter } from '../../lib/db/changes.ts';
import { parseTuples, sqlTuples } from '../../lib/db/types.ts';
import type { FinancialFact } from './domain/financials.ts';
import type { EntryBillingFact, FeeCoverage } from './domain/time-entry-billing.ts';
import type { BillingEventStatus, BillingSetupStatus, BillingSourceType, CostSourceType, CreditNoteStatus, ErpDatabase, InvoiceStatus } from './tables.ts';
import type { DocumentKind } from './tables.ts';

/** Queries only: no rules, no transactions of their own. Each takes the handle (db or trx) first. */
type Db = Kysely<ErpDatabase> | Transaction<ErpDatabase>;

export interface InvoiceFilter {
  customerId?: string | null;
  contractId?: string | null;
  legalEntityId?: string | null;
  status?: readonly InvoiceStatus[] | null;
  from?: string | null;
  to?: string | null;
  updatedAfter?: Date | string | null;
}

export interface CreditNoteFilter {
  customerId?: string | null;
  legalEntityId?: string | null;
  invoiceId?: string | null;
  status?: readonly CreditNoteStatus[] | null;
  from?: string | null;
  to?: string | null;
}

export interface BillingEventFilter {
  contractId?: string | null;
  projectId?: string | null;
  customerId?: string | null;
  status?: readonly BillingEventStatus[] | null;
  heldReason?: string | null;
  sourceType?: string | null;
  from?: string | null;
  to?: string | null;
  updatedAfter?: Date | string | null;
}

export interface CostPostingFilter {
  projectId?: string | null;
  workerId?: string | null;
  legalEntityId?: string | null;
  sourceType?: CostSourceType | null;
  from?: string | null;
  to?: string | null;
  updatedAfter?: Date | string | null;
}

export interface PaymentFilter {
  invoiceId?: string | null;
  customerId?: string | null;
  from?: string | null;
  to?: string | null;
  updatedAfter?: Date | string | null;
}

export interface TaxRateFilter {
  legalEntityId?: string | null;
  customerCountry?: string | null;
  activeOn?: string | null;
}

export interface BillingSetupFilter {
  status?: BillingSetupStatus | null;
  customerId?: string | null;
  legalEntityId?: string | null;
}

export const invoicesByIds = (db: Db, ids: readonly string[]) => db.selectFrom('invoice').selectAll().where('id', 'in', ids).execute();

export function invoicesQuery(db: Db, filter: InvoiceFilter = {}) {
  let query = db.selectFrom('invoice').selectAll();
  if (filter.customerId) query = query.where('customer_id', '=', filter.customerId);
  if (filter.contractId) query = query.where('contract_id', '=', filter.contractId);
  if (filter.legalEntityId) query = query.where('legal_entity_id', '=', filter.legalEntityId);
  if (filter.status?.length) query = query.where('status', 'in', filter.status);
  // A draft has no issue date yet: its period end dates it.
  if (filter.from) query = query.where(sql`coalesce(issue_date, period_end)`, '>=', filter.from);
  if (filter.to) query = query.where(sql`coalesce(issue_date, period_end)`, '<=', filter.to);
  return changedAfter(query, 'invoice', filter.updatedAfter);
}

export function creditNotesQuery(db: Db, filter: CreditNoteFilter = {}) {
  let query = db.selectFrom('credit_note').selectAll();
  if (filter.customerId) query = query.where('customer_id', '=', filter.customerId);
  if (filter.legalEntityId) query = query.where('legal_entity_id', '=', filter.legalEntityId);
  if (filter.invoiceId) query = query.where('invoice_id', '=', filter.invoiceId);
  if (filter.status?.length) query = query.where('status', 'in', filter.status);
  // A draft has no issue date yet: the day it was drafted dates it.
  if (filter.from) query = query.where(sql`coalesce(issue_date, created_at::date)`, '>=', filter.from);
  if (filter.to) query = query.where(sql`coalesce(issue_date, created_at::date)`, '<=', filter.to);
  return query;
}

export const invoiceLinesByIds = (db: Db, ids: readonly string[]) =>
  db.selectFrom('invoice_line').selectAll().where('id', 'in', ids).execute();

export const linesByInvoices = (db: Db, invoiceIds: readonly string[]) =>
  db.selectFrom('invoice_line').selectAll().where('invoice_id', 'in', invoiceIds).orderBy('invoice_id').orderBy('position').execute();

/** Lines that bill each event, the unreleased one first (an event is on at most one live line). */
/** The changes of these billing events (billing_event_change, written by its trigger), each event's oldest first. */
export const changesOfBillingEvents = (db: Db, eventIds: readonly string[]) =>
  db.selectFrom('billing_event_change').selectAll().where('billing_event_id', 'in', eventIds).orderBy('billing_event_id').orderBy('id').execute();

export const linesByBillingEvents = (db: Db, eventIds: readonly string[]) =>
  db
    .selectFrom('invoice_line')
    .selectAll()
    .where('billing_event_id', 'in', eventIds)
    .orderBy(sql`released_at is null`, 'desc')
    .orderBy('created_at', 'desc')
    .execute();

export const paymentsByIds = (db: Db, ids: readonly string[]) => db.selectFrom('payment').selectAll().where('id', 'in', ids).execute();

export function paymentsQuery(db: Db, filter: PaymentFilter = {}) {
  let query = db.selectFrom('payment').selectAll('payment');
  if (filter.invoiceId) query = query.where('payment.invoice_id', '=', filter.invoiceId);
  if (filter.customerId) {
    const customerId = filter.customerId;
    query = query.where('payment.invoice_id', 'in', (eb) => eb.selectFrom('invoice').select('invoice.id').where('invoice.customer_id', '=', customerId));
  }
  if (filter.from) query = query.where('payment.received_on', '>=', filter.from);
  if (filter.to) query = query.where('payment.received_on', '<=', filter.to);
  return changedAfter(query, 'payment', filter.updatedAfter);
}

export const paymentsByInvoices = (db: Db, invoiceIds: readonly string[]) =>
  db.selectFrom('payment').selectAll().where('invoice_id', 'in', invoiceIds).orderBy('received_on').orderBy('id').execute();

export const creditNotesByIds = (db: Db, ids: readonly string[]) =>
  db.selectFrom('credit_note').selectAll().where('id', 'in', ids).execute();

export const creditNotesByInvoices = (db: Db, invoiceIds: readonly string[]) =>
  db.selectFrom('credit_note').selectAll().where('invoice_id', 'in', invoiceIds).orderBy('created_at').orderBy('id').execute();

export const creditNoteLinesByCreditNotes = (db: Db, creditNoteIds: readonly string[]) =>
  db.selectFrom('credit_note_line').selectAll().where('credit_note_id', 'in', creditNoteIds).orderBy('position').execute();

/**
 * The credits of many invoice lines, summed in SQL (one row per line that has any): `committed` on DRAFT and ISSUED
 * credit notes (what may not pass the line's amount), `issued` on ISSUED ones only (what the customer was credited).
 */
export const creditsByInvoiceLines = (db: Db, invoiceLineIds: readonly string[]) =>
  db
    .selectFrom('credit_note_line as l')
    .innerJoin('credit_note as c', 'c.id', 'l.credit_note_id')
    .where('l.invoice_line_id', 'in', invoiceLineIds)
    .where('c.status', 'in', ['DRAFT', 'ISSUED'])
    .select([
      sql<string>`l.invoice_line_id`.as('invoice_line_id'),
      sql<string>`sum(l.amount)`.as('committed'),
      sql<string>`coalesce(sum(l.amount) filter (where c.status = 'ISSUED'), 0)`.as('issued'),
    ])
    .groupBy('l.invoice_line_id')
    .execute();

/** The subtotal and tax an invoice's ISSUED credit notes credited so far (a new note's tax is rounded on top). */
export const issuedCreditTotalsOfInvoice = (db: Db, invoiceId: string) =>
  db
    .selectFrom('credit_note')
    .where('invoice_id', '=', invoiceId)
    .where('status', '=', 'ISSUED')
    .select([sql<string>`coalesce(sum(subtotal), 0)`.as('subtotal'), sql<string>`coalesce(sum(tax_total), 0)`.as('tax_total')])
    .executeTakeFirstOrThrow();

export const findCreditNoteForUpdate = (trx: Transaction<ErpDatabase>, id: string) =>
  trx.selectFrom('credit_note').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();

/** An invoice's open DRAFT credit note (the latest), locked: a reversal's proposed credit extends it. */
export const lockOpenDraftCreditNote = (trx: Transaction<ErpDatabase>, invoiceId: string) =>
  trx
    .selectFrom('credit_note')
    .selectAll()
    .where('invoice_id', '=', invoiceId)
    .where('status', '=', 'DRAFT')
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .forUpdate()
    .executeTakeFirst();

/** Billing events locked until the transaction ends, in id order (so concurrent lockers queue, never deadlock). */
export const lockBillingEvents = (trx: Transaction<ErpDatabase>, ids: readonly string[]) =>
  ids.length === 0 ? Promise.resolve([]) : trx.selectFrom('billing_event').selectAll().where('id', 'in', ids).orderBy('id').forUpdate().execute();

/** The invoice lines of many sources (any type), newest first: re-billing by source looks at each source's latest. */
export const linesBySources = (db: Db, sourceIds: readonly string[]) =>
  db.selectFrom('invoice_line').selectAll().where('source_id', 'in', sourceIds).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();

/** Payments received and issued credit notes per invoice, summed in SQL: one row per invoice. */
export const settlementsByInvoices = (db: Db, invoiceIds: readonly string[]) =>
  db
    .selectFrom('invoice as i')
    .where('i.id', 'in', invoiceIds)
    .select((eb) => [
      'i.id as invoice_id',
      eb.fn
        .coalesce(eb.selectFrom('payment as p').whereRef('p.invoice_id', '=', 'i.id').select((inner) => inner.fn.sum<string>('p.amount').as('s')), sql<string>`0::numeric(16, 2)`)
        .as('paid'),
      eb.fn
        .coalesce(
          eb
            .selectFrom('credit_note as c')
            .whereRef('c.invoice_id', '=', 'i.id')
            .where('c.status', '=', 'ISSUED')
            .select((inner) => inner.fn.sum<string>('c.total').as('s')),
          sql<string>`0::numeric(16, 2)`,
        )
        .as('credited'),
    ])
    .execute();

/**
 * Open receivables per customer and billing currency: total − payments − issued credit notes of issued invoices
 * (ISSUED, PARTIALLY_PAID and PAID: a credit note on a paid invoice is a refund due, a negative balance), grouped in
 * SQL. One row per customer and each currency it is billed in — its contracts' (billing setups') and its issued
 * invoices' — with 0 where nothing is open, so a customer with nothing open reads zero, not nothing.
 */
export function arBalancesByCustomers(db: Db, customerIds: readonly string[]) {
  const open = db
    .selectFrom('invoice as i')
    .where('i.customer_id', 'in', customerIds)
    .where('i.status', 'in', ['ISSUED', 'PARTIALLY_PAID', 'PAID'])
    .select((eb) => [
      'i.customer_id',
      'i.currency',
      sql<string>`i.total
        - coalesce(${eb.selectFrom('payment as p').whereRef('p.invoice_id', '=', 'i.id').select((inner) => inner.fn.sum('p.amount').as('s'))}, 0)
        - coalesce(${eb
          .selectFrom('credit_note as c')
          .whereRef('c.invoice_id', '=', 'i.id')
          .where('c.status', '=', 'ISSUED')
          .select((inner) => inner.fn.sum('c.total').as('s'))}, 0)`.as('open'),
    ]);
  const balances = db
    .selectFrom(open.as('o'))
    .select(['o.customer_id', 'o.currency', (eb) => eb.fn.sum<string>('o.open').as('balance')])
    .groupBy(['o.customer_id', 'o.currency']);
  const currencies = db
    .selectFrom('billing_setup')
    .select(['customer_id', 'currency'])
    .where('customer_id', 'in', customerIds)
    .union(db.selectFrom('invoice').select(['customer_id', 'currency']).where('customer_id', 'in', customerIds).where('status', 'in', ['ISSUED', 'PARTIALLY_PAID', 'PAID']));
  return db
    .selectFrom(currencies.as('c'))
    .leftJoin(balances.as('b'), (join) => join.onRef('b.customer_id', '=', 'c.customer_id').onRef('b.currency', '=', 'c.currency'))
    .select(['c.customer_id', 'c.currency', sql<string>`coalesce(b.balance, 0)`.as('balance')])
    .orderBy('c.currency')
    .execute();
}

export const billingEventsByIds = (db: Db, ids: readonly string[]) =>
  db.selectFrom('billing_event').selectAll().where('id', 'in', ids).execute();

export function billingEventsQuery(db: Db, filter: BillingEventFilter = {}) {
  let query = db.selectFrom('billing_event').selectAll();
  if (filter.contractId) query = query.where('contract_id', '=', filter.contractId);
  if (filter.projectId) query = query.where('project_id', '=', filter.projectId);
  if (filter.customerId) query = query.where('customer_id', '=', filter.customerId);
  if (filter.status?.length) query = query.where('status', 'in', filter.status);
  if (filter.heldReason) query = query.where('held_reason', '=', filter.heldReason);
  if (filter.sourceType) query = query.where('source_type', '=', filter.sourceType as never);
  if (filter.from) query = query.where('date', '>=', filter.from);
  if (filter.to) query = query.where('date', '<=', filter.to);
  return changedAfter(query, 'billing_event', filter.updatedAfter);
}

export const costPostingsByIds = (db: Db, ids: readonly string[]) =>
  db.selectFrom('cost_posting').selectAll().where('id', 'in', ids).execute();

export function costPostingsQuery(db: Db, filter: CostPostingFilter = {}) {
  let query = db.selectFrom('cost_posting').selectAll();
  if (filter.projectId) query = query.where('project_id', '=', filter.projectId);
  if (filter.workerId) query = query.where('worker_id', '=', filter.workerId);
  if (filter.legalEntityId) query = query.where('legal_entity_id', '=', filter.legalEntityId);
  if (filter.sourceType) query = query.where('source_type', '=', filter.sourceType);
  if (filter.from) query = query.where('date', '>=', filter.from);
  if (filter.to) query = query.where('date', '<=', filter.to);
  return changedAfter(query, 'cost_posting', filter.updatedAfter);
}

/**
 * Sources named by one array parameter, not one parameter each: the planner then probes the source index once per id
 * (a BI export asks 5,000 at a time; with an IN list it hashed whole tables instead).
 */
const sourceIn = (column: string, sourceIds: readonly string[]) => sql<boolean>`${sql.ref(column)} in (select unnest(${[...sourceIds]}::text[]))`;

const liveCostPostingsQuery = (db: Db, sourceType: CostSourceType, sourceIds: readonly string[]) =>
  db
    .selectFrom('cost_posting')
    .where('source_type', '=', sourceType)
    .where(sourceIn('source_id', sourceIds))
    .where('reversal_of', 'is', null)
    .where('reversed_at', 'is', null);

/** The live cost postings (originals neither reversed nor reversals) of many sources of one type. */
export const liveCostPostingsBySources = (db: Db, sourceType: CostSourceType, sourceIds: readonly string[]) =>
  liveCostPostingsQuery(db, sourceType, sourceIds).selectAll().execute();

/** The money of the live cost postings of many sources of one type: what the BI export writes of them. */
export async function liveCostMoneyBySources(db: Db, sourceType: CostSourceType, sourceIds: readonly string[]) {
  // One JSON value for all the rows, as billingFactsBySources reads its facts.
  const [{ postings }] = await liveCostPostingsQuery(db, sourceType, sourceIds)
    .select(sqlTuples([sql.ref('source_id'), sql`cost_rate::text`, sql`amount::text`, sql.ref('currency')]).as('postings'))
    .execute();
  return parseTuples<[source_id: string, cost_rate: string | null, amount: string, currency: string]>(postings).map(
    ([source_id, cost_rate, amount, currency]) => ({ source_id, cost_rate, amount, currency }),
  );
}

/**
 * A dated row (a tax or FX rate) in effect on `date`: its period includes both ends, an open end runs forever — the
 * SQL twin of `effectiveOn` (domain/rates.ts). `table`: the alias its columns are read through, if any.
 */
const inEffectOn = (date: string, table?: string) => {
  const column = (name: string) => sql.ref(table ? `${table}.${name}` : name);
  return sql<boolean>`${column('effective_from')} <= ${date} and (${column('effective_to')} is null or ${column('effective_to')} >= ${date})`;
};

export const taxRatesByIds = (db: Db, ids: readonly string[]) => db.selectFrom('tax_rate').selectAll().where('id', 'in', ids).execute();

export function taxRatesQuery(db: Db, filter: TaxRateFilter = {}) {
  let query = db.selectFrom('tax_rate').selectAll();
  if (filter.legalEntityId) query = query.where('legal_entity_id', '=', filter.legalEntityId);
  if (filter.customerCountry) query = query.where('customer_country', '=', filter.customerCountry);
  if (filter.activeOn) query = query.where(inEffectOn(filter.activeOn));
  return query;
}

/** The rates of one legal entity and customer country (null: its defaults), for the overlap check. */
export const taxRatesInScope = (db: Db, legalEntityId: string, customerCountry: string | null) =>
  db
    .selectFrom('tax_rate')
    .selectAll()
    .where('legal_entity_id', '=', legalEntityId)
    .where((eb) => (customerCountry === null ? eb('customer_country', 'is', null) : eb('customer_country', '=', customerCountry)))
    .execute();

/**
 * Serializes writers of one tax-rate scope until the transaction ends, so two concurrent writes cannot both pass the
 * overlap check (there is no parent row to lock).
 */
export const lockTaxRateScope = (trx: Transaction<ErpDatabase>, legalEntityId: string, customerCountry: string | null) =>
  sql`select pg_advisory_xact_lock(hashtext(${`erp.tax_rate:${legalEntityId}:${customerCountry ?? '*'}`}))`.execute(trx);

export const lockTaxRate = (trx: Transaction<ErpDatabase>, id: string) =>
  trx.selectFrom('tax_rate').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();

export interface FxRateFilter {
  fromCurrency?: string | null;
  toCurrency?: string | null;
  activeOn?: string | null;
}

export const fxRatesByIds = (db: Db, ids: readonly string[]) => db.selectFrom('fx_rate').selectAll().where('id', 'in', ids).execute();

export function fxRatesQuery(db: Db, filter: FxRateFilter = {}) {
  let query = db.selectFrom('fx_rate').selectAll();
  if (filter.fromCurrency) query = query.where('from_currency', '=', filter.fromCurrency);
  if (filter.toCurrency) query = query.where('to_currency', '=', filter.toCurrency);
  if (filter.activeOn) query = query.where(inEffectOn(filter.activeOn));
  return query;
}

/** The rates of the given pairs (every period), for the overlap check and for converting many events at once. */
export const fxRatesOfPairs = (db: Db, pairs: ReadonlyArray<{ fromCurrency: string; toCurrency: string }>) =>
  pairs.length === 0
    ? Promise.resolve([])
    : db
        .selectFrom('fx_rate')
        .selectAll()
        .where((eb) => eb.or(pairs.map((pair) => eb.and([eb('from_currency', '=', pair.fromCurrency), eb('to_currency', '=', pair.toCurrency)]))))
        .orderBy('effective_from')
        .execute();

/** Serializes writers of one currency pair's rates (the overlap check reads, then writes). */
export const lockFxPair = (trx: Transaction<ErpDatabase>, fromCurrency: string, toCurrency: string) =>
  sql`select pg_advisory_xact_lock(hashtext(${`erp.fx_rate:${fromCurrency}:${toCurrency}`}))`.execute(trx);

export const lockFxRate = (trx: Transaction<ErpDatabase>, id: string) =>
  trx.selectFrom('fx_rate').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();

/**
 * In one statement: the legal entity's currency as erp knows it (null: not known), and the rate from `currency` into
 * it effective on `date` (null: none).
 */
export const functionalRateOf = (db: Db, legalEntityId: string, currency: string, date: string) =>
  db
    .selectNoFrom((eb) => [
      eb.selectFrom('legal_entity').select('currency').where('id', '=', legalEntityId).as('functional_currency'),
      eb
        .selectFrom('fx_rate as r')
        .innerJoin('legal_entity as le', 'le.currency', 'r.to_currency')
        .select('r.rate')
        .where('le.id', '=', legalEntityId)
        .where('r.from_currency', '=', currency)
        .where(inEffectOn(date, 'r'))
        .as('rate'),
    ])
    .executeTakeFirstOrThrow();

/** The contracts with events held for a missing FX rate, in the given currency or legal entity (or any). */
export const contractsWithFxHeld = (db: Db, filter: { currency?: string; legalEntityId?: string }) => {
  let query = db.selectFrom('billing_event').select('contract_id').distinct().where('status', '=', 'HELD').where('held_reason', '=', 'FX_RATE_MISSING');
  if (filter.currency) query = query.where('currency', '=', filter.currency);
  if (filter.legalEntityId) query = query.where('legal_entity_id', '=', filter.legalEntityId);
  return query.orderBy('contract_id').execute();
};

/** A contract's events held for a missing FX rate, oldest first, locked (the caller holds its setup's lock first). */
export const lockFxHeldEvents = (trx: Transaction<ErpDatabase>, contractId: string) =>
  trx
    .selectFrom('billing_event')
    .selectAll()
    .where('contract_id', '=', contractId)
    .where('status', '=', 'HELD')
    .where('held_reason', '=', 'FX_RATE_MISSING')
    .orderBy('date')
    .orderBy('created_at')
    .orderBy('id')
    .forUpdate()
    .execute();

export const legalEntityCurrencies = (db: Db, ids: readonly string[]) =>
  ids.length === 0 ? Promise.resolve([]) : db.selectFrom('legal_entity').selectAll().where('id', 'in', ids).execute();

export const billingSetupsByIds = (db: Db, ids: readonly string[]) =>
  db.selectFrom('billing_setup').selectAll().where('id', 'in', ids).execute();

export const billingSetupsByContracts = (db: Db, contractIds: readonly string[]) =>
  db.selectFrom('billing_setup').selectAll().where('contract_id', 'in', contractIds).execute();

/** Whether erp knows the contract: crm announced it, and erp holds its billing setup. */
export const contractKnown = async (db: Db, contractId: string) =>
  (await db.selectFrom('billing_setup').select('id').where('contract_id', '=', contractId).executeTakeFirst()) !== undefined;

export function billingSetupsQuery(db: Db, filter: BillingSetupFilter = {}) {
  let query = db.selectFrom('billing_setup').selectAll();
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.customerId) query = query.where('customer_id', '=', filter.customerId);
  if (filter.legalEntityId) query = query.where('legal_entity_id', '=', filter.legalEntityId);
  return query;
}

export const lockBillingSetupByContract = (trx: Transaction<ErpDatabase>, contractId: string) =>
  trx.selectFrom('billing_setup').selectAll().where('contract_id', '=', contractId).forUpdate().executeTakeFirst();

/**
 * What weighs on each contract's not-to-exceed cap, summed in SQL: its billing events by status (BILLED, UNBILLED,
 * HELD) in its setup's currency, one row per contract and status.
 */
export const capSumsByContracts = (db: Db, contractIds: readonly string[]) =>
  db
    .selectFrom('billing_event as e')
    .innerJoin('billing_setup as s', (join) => join.onRef('s.contract_id', '=', 'e.contract_id').onRef('s.currency', '=', 'e.currency'))
    .where('e.contract_id', 'in', contractIds)
    .where('e.status', 'in', ['BILLED', 'UNBILLED', 'HELD', 'INVOICED_EXTERNALLY'])
    .select((eb) => ['e.contract_id', 'e.status', eb.fn.sum<string>('e.amount').as('amount')])
    .groupBy(['e.contract_id', 'e.status'])
    .execute();

/** PERCENT_COMPLETE fixed-fee setups, of one contract or all, in id order (locked when read in a transaction). */
export function percentCompleteSetups(db: Db, contractId: string | null) {
  let query = db.selectFrom('billing_setup').selectAll().where('billing_method', '=', 'FIXED_FEE').where('fixed_fee_method', '=', 'PERCENT_COMPLETE');
  if (contractId) query = query.where('contract_id', '=', contractId);
  return query.orderBy('id');
}

/**
 * Approved hours of many projects dated up to `asOf`, as erp received them, summed in SQL in one statement: `costed`,
 * the live cost postings of time entries; `uncosted`, the time it could not cost (`uncosted_time` standing: no cost
 * rate, neither costed since nor reversed).
 */
export async function approvedHoursOfProjects(db: Db, projectIds: readonly string[], asOf: string): Promise<{ costed: string; uncosted: string }> {
  if (projectIds.length === 0) return { costed: '0', uncosted: '0' };
  const row = await db
    .selectNoFrom((eb) => [
      eb
        .selectFrom('cost_posting')
        .where('project_id', 'in', projectIds)
        .where('source_type', '=', 'TIME_ENTRY')
        .where('reversal_of', 'is', null)
        .where('reversed_at', 'is', null)
        .where('date', '<=', asOf)
        .select((inner) => inner.fn.coalesce(inner.fn.sum<string>('hours'), inner.val('0')).as('hours'))
        .as('costed'),
      eb
        .selectFrom('uncosted_time')
        .where('project_id', 'in', projectIds)
        .where('costed_at', 'is', null)
        .where('reversed_at', 'is', null)
        .where('date', '<=', asOf)
        .select((inner) => inner.fn.coalesce(inner.fn.sum<string>('hours'), inner.val('0')).as('hours'))
        .as('uncosted'),
    ])
    .executeTakeFirstOrThrow();
  return { costed: String(row.costed), uncosted: String(row.uncosted) };
}

/** An approved time entry's standing record of having no cost (no cost rate), locked until the transaction ends. */
export const lockLiveUncostedTime = (trx: Transaction<ErpDatabase>, sourceId: string) =>
  trx
    .selectFrom('uncosted_time')
    .selectAll()
    .where('source_id', '=', sourceId)
    .where('costed_at', 'is', null)
    .where('reversed_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();

/** A contract's percent-complete events held for uncosted hours (NO_COST_RATE), locked until the transaction ends. */
export const lockPercentCompleteHeldForCost = (trx: Transaction<ErpDatabase>, contractId: string) =>
  trx
    .selectFrom('billing_event')
    .selectAll()
    .where('contract_id', '=', contractId)
    .where('source_type', '=', 'PERCENT_COMPLETE')
    .where('status', '=', 'HELD')
    .where('held_reason', '=', 'NO_COST_RATE')
    .orderBy('created_at')
    .orderBy('id')
    .forUpdate()
    .execute();

/** What percent-complete runs billed a contract (live PERCENT_COMPLETE events, HELD included) and how many events it took. */
export const percentCompleteBilled = async (db: Db, contractId: string): Promise<{ billed: string; runs: number }> => {
  const row = await db
    .selectFrom('billing_event')
    .where('contract_id', '=', contractId)
    .where('source_type', '=', 'PERCENT_COMPLETE')
    .select((eb) => [
      eb.fn.coalesce(eb.fn.sum<string>(eb.case().when('status', '<>', 'REVERSED').then(eb.ref('amount')).end()), eb.val('0')).as('billed'),
      eb.fn.countAll<string>().as('runs'),
    ])
    .executeTakeFirstOrThrow();
  return { billed: String(row.billed), runs: Number(row.runs) };
};

/**
 * What a contract's fee sources (milestones, schedule lines, percent-complete runs) asked for, in `currency`: live
 * events UNBILLED, BILLED or HELD for any reason but FEE_EXCEEDED and CREDITED (domain `feeRemaining`), summed in SQL.
 */
export const feeAskedOfContract = async (db: Db, contractId: string, currency: string, sourceTypes: readonly BillingSourceType[]): Promise<string> =>
  String(
    (
      await db
        .selectFrom('billing_event')
        .where('contract_id', '=', contractId)
        .where('currency', '=', currency)
        .where('source_type', 'in', sourceTypes)
        .where((eb) => eb.or([eb('status', 'in', ['UNBILLED', 'BILLED']), eb.and([eb('status', '=', 'HELD'), eb('held_reason', 'not in', ['FEE_EXCEEDED', 'CREDITED'])])]))
        .select((eb) => eb.fn.coalesce(eb.fn.sum<string>('amount'), eb.val('0')).as('asked'))
        .executeTakeFirstOrThrow()
    ).asked,
  );

/**
 * A contract's events held for `heldReason` (CAP_REACHED, FEE_EXCEEDED), oldest first (date, then when written),
 * locked until the transaction ends.
 */
export const lockHeldEvents = (trx: Transaction<ErpDatabase>, contractId: string, heldReason: 'CAP_REACHED' | 'FEE_EXCEEDED') =>
  trx
    .selectFrom('billing_event')
    .selectAll()
    .where('contract_id', '=', contractId)
    .where('status', '=', 'HELD')
    .where('held_reason', '=', heldReason)
    .orderBy('date')
    .orderBy('created_at')
    .orderBy('id')
    .forUpdate()
    .execute();

/** Billing schedule lines of many setups, in schedule order. */
export const scheduleLinesBySetups = (db: Db, setupIds: readonly string[]) =>
  db.selectFrom('billing_schedule_line').selectAll().where('billing_setup_id', 'in', setupIds).orderBy('date').orderBy('position').execute();

/** Unreleased schedule lines due on or before `asOf` (of one contract, or all), locked until the transaction ends. */
export function lockDueScheduleLines(trx: Transaction<ErpDatabase>, asOf: string, contractId: string | null) {
  let query = trx.selectFrom('billing_schedule_line').selectAll().where('released_at', 'is', null).where('date', '<=', asOf);
  if (contractId) query = query.where('contract_id', '=', contractId);
  return query.orderBy('contract_id').orderBy('date').orderBy('position').forUpdate().execute();
}

/** Recurring setups with terms (MANAGED_SERVICES, RETAINER), of one contract or all, locked until the transaction ends. */
export function lockRecurringSetups(trx: Transaction<ErpDatabase>, contractId: string | null) {
  let query = trx.selectFrom('billing_setup').selectAll().where('billing_method', 'in', ['MANAGED_SERVICES', 'RETAINER']).where('recurring_fee', 'is not', null);
  if (contractId) query = query.where('contract_id', '=', contractId);
  return query.orderBy('contract_id').forUpdate().execute();
}

/** A source's live (not reversed) recurring usage, locked until the transaction ends. */
/**
 * A retainer setup's drawdowns whose overrun waits for its month's fee (live usage, its OVERAGE event HELD
 * AWAITING_RETAINER_FEE), in the order they were recorded (approved), locked until the transaction ends.
 */
export const lockDrawdownsAwaitingFee = (trx: Transaction<ErpDatabase>, setupId: string) =>
  trx
    .selectFrom('recurring_usage as u')
    .innerJoin('billing_event as e', 'e.id', 'u.overage_billing_event_id')
    .where('u.billing_setup_id', '=', setupId)
    .where('u.reversed_at', 'is', null)
    .where('e.status', '=', 'HELD')
    .where('e.held_reason', '=', 'AWAITING_RETAINER_FEE')
    .selectAll('u')
    .select(['e.id as overage_event_id', 'e.amount as overage_amount'])
    .orderBy('u.created_at')
    .orderBy('u.id')
    .forUpdate()
    .execute();

/** The source ids ("<setupId>:<YYYY-MM>") of a contract's live fee events of a type (not REVERSED, whatever their status). */
export const liveFeeSourceIds = async (db: Db, contractId: string, sourceType: 'RETAINER' | 'RECURRING_FEE'): Promise<Set<string>> =>
  new Set(
    (
      await db
        .selectFrom('billing_event')
        .select('source_id')
        .where('contract_id', '=', contractId)
        .where('source_type', '=', sourceType)
        .where('status', '<>', 'REVERSED')
        .execute()
    ).map((row) => row.source_id),
  );

export const lockLiveRecurringUsage = (trx: Transaction<ErpDatabase>, sourceType: CostSourceType, sourceId: string) =>
  trx
    .selectFrom('recurring_usage')
    .selectAll()
    .where('source_type', '=', sourceType as 'TIME_ENTRY')
    .where('source_id', '=', sourceId)
    .where('reversed_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();

/** Many time entries' standing recurring usage, locked until the transaction ends, in one statement. */
export const lockLiveRecurringUsages = (trx: Transaction<ErpDatabase>, sourceIds: readonly string[]) =>
  sourceIds.length === 0
    ? Promise.resolve([])
    : trx.selectFrom('recurring_usage').selectAll().where('source_type', '=', 'TIME_ENTRY').where('source_id', 'in', sourceIds).where('reversed_at', 'is', null).forUpdate().execute();

/** A contract's standing (live) recorded hours dated in [from, to]. */
export const liveUsageHours = async (db: Db, contractId: string, from: string, to: string): Promise<string> =>
  String(
    (
      await db
        .selectFrom('recurring_usage')
        .select(sql<string>`coalesce(sum(hours), 0)`.as('hours'))
        .where('contract_id', '=', contractId)
        .where('reversed_at', 'is', null)
        .where('date', '>=', from)
        .where('date', '<=', to)
        .executeTakeFirstOrThrow()
    ).hours,
  );

/**
 * The OVERAGE billing events of one contract whose source id starts with `prefix` (a managed-services month's: every
 * run adds one): how many there are in all (so the next gets a fresh source id) and the hours of the live ones.
 */
export const overageEventsOf = async (db: Db, contractId: string, prefix: string): Promise<{ count: number; liveHours: string }> => {
  const row = await db
    .selectFrom('billing_event')
    .select([sql<string>`count(*)`.as('count'), sql<string>`coalesce(sum(hours) filter (where status <> 'REVERSED'), 0)`.as('hours')])
    .where('contract_id', '=', contractId)
    .where('source_type', '=', 'OVERAGE')
    .where('source_id', 'like', `${prefix}%`)
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), liveHours: String(row.hours) };
};

/**
 * Each retainer setup's balance sums, in one statement: its live RETAINER fee events (UNBILLED or BILLED, in its
 * currency) and its live drawdowns (drawn and its hours, overrun and its hours); one row per setup.
 */
export const retainerSumsBySetups = (db: Db, setupIds: readonly string[]) =>
  db
    .selectFrom('billing_setup as s')
    .where('s.id', 'in', setupIds)
    .select((eb) => [
      's.id as billing_setup_id',
      eb.fn
        .coalesce(
          eb
            .selectFrom('billing_event as e')
            .whereRef('e.contract_id', '=', 's.contract_id')
            .whereRef('e.currency', '=', 's.currency')
            .where('e.source_type', '=', 'RETAINER')
            .where('e.status', 'in', ['UNBILLED', 'BILLED'])
            .select((inner) => inner.fn.sum<string>('e.amount').as('a')),
          sql<string>`0`,
        )
        .as('fees_billed'),
      ...(['drawn', 'drawn_hours', 'overrun', 'overrun_hours'] as const).map((column) =>
        eb.fn
          .coalesce(
            eb
              .selectFrom('recurring_usage as u')
              .whereRef('u.billing_setup_id', '=', 's.id')
              .where('u.reversed_at', 'is', null)
              .select((inner) => inner.fn.sum<string>(`u.${column}`).as('a')),
            sql<string>`0`,
          )
          .as(column),
      ),
    ])
    .execute();

/** Billing events with the invoice of their live line, if any (one live line per event). */
const withInvoice = (db: Db) =>
  db
    .selectFrom('billing_event as e')
    .leftJoin('invoice_line as l', (join) => join.onRef('l.billing_event_id', '=', 'e.id').on('l.released_at', 'is', null))
    .leftJoin('invoice as i', 'i.id', 'l.invoice_id');

/**
 * Every money aggregate of many projects in one statement: sums grouped by project and currency (see FinancialFact
 * for the kinds). Reversal postings carry negated amounts, so cost sums net them out.
 */
export async function financialFactsByProjects(db: Db, projectIds: readonly string[]): Promise<Array<FinancialFact & { project_id: string }>> {
  const cost = db
    .selectFrom('cost_posting')
    .where('project_id', 'in', projectIds)
    .select((eb) => [
      'project_id',
      sql<FinancialFact['kind']>`'COST'`.as('kind'),
      'currency',
      eb.fn.sum<string>('amount').as('amount'),
      sql<string>`coalesce(sum(hours), 0)`.as('hours'),
      sql<string | null>`null::numeric`.as('fx_rate'),
    ])
    .groupBy(['project_id', 'currency']);
  const billed = db
    .selectFrom('invoice_line as l')
    .innerJoin('invoice as i', 'i.id', 'l.invoice_id')
    .where('l.project_id', 'in', projectIds)
    .where('i.status', 'in', ['ISSUED', 'PARTIALLY_PAID', 'PAID'])
    .select((eb) => [
      sql<string>`l.project_id`.as('project_id'),
      sql<FinancialFact['kind']>`'BILLED'`.as('kind'),
      'l.currency',
      eb.fn.sum<string>('l.amount').as('amount'),
      sql<string>`coalesce(sum(l.quantity), 0)`.as('hours'),
      sql<string | null>`null::numeric`.as('fx_rate'),
    ])
    .groupBy(['l.project_id', 'l.currency']);
  const credited = db
    .selectFrom('credit_note_line as l')
    .innerJoin('credit_note as c', 'c.id', 'l.credit_note_id')
    .where('l.project_id', 'in', projectIds)
    .where('c.status', '=', 'ISSUED')
    .select((eb) => [
      sql<string>`l.project_id`.as('project_id'),
      sql<FinancialFact['kind']>`'CREDITED'`.as('kind'),
      'l.currency',
      eb.fn.sum<string>('l.amount').as('amount'),
      sql<string>`0::numeric(16, 2)`.as('hours'),
      sql<string | null>`null::numeric`.as('fx_rate'),
    ])
    .groupBy(['l.project_id', 'l.currency']);
  // A BILLED event is on an invoice: a draft's (ON_DRAFT: its amount counts for the margin, not as billed yet) or an
  // issued one's (BILLED_HOURS: its amount is in BILLED, from the line).
  const eventKind = sql<FinancialFact['kind']>`case when e.status <> 'BILLED' then 'UNBILLED' when i.status = 'DRAFT' then 'ON_DRAFT' else 'BILLED_HOURS' end`;
  // Imported history the previous system invoiced is neither unbilled nor billed by psgraph: not in the financials.
  const events = withInvoice(db)
    .where('e.project_id', 'in', projectIds)
    .where('e.status', 'not in', ['REVERSED', 'INVOICED_EXTERNALLY'])
    .select((eb) => [
      sql<string>`e.project_id`.as('project_id'),
      eventKind.as('kind'),
      'e.currency',
      eb.fn.sum<string>('e.amount').as('amount'),
      sql<string>`coalesce(sum(e.hours), 0)`.as('hours'),
      sql<string | null>`null::numeric`.as('fx_rate'),
    ])
    .groupBy(['e.project_id', 'e.currency', eventKind]);
  // The same revenue in the books' currency: each issued line and unbilled event at its billing event's captured
  // functional amount; credits grouped by their event's rate (converted in projectFinancials). Without a captured
  // rate: UNCONVERTED, in the event's own currency.
  const billedFunctional = db
    .selectFrom('invoice_line as l')
    .innerJoin('invoice as i', 'i.id', 'l.invoice_id')
    .leftJoin('billing_event as e', 'e.id', 'l.billing_event_id')
    .where('l.project_id', 'in', projectIds)
    .where('i.status', 'in', ['ISSUED', 'PARTIALLY_PAID', 'PAID'])
    .select((eb) => [
      sql<string>`l.project_id`.as('project_id'),
      sql<FinancialFact['kind']>`case when e.functional_amount is null then 'UNCONVERTED' else 'BILLED_FUNCTIONAL' end`.as('kind'),
      sql<string>`case when e.functional_amount is null then l.currency else e.functional_currency end`.as('currency'),
      sql<string>`sum(coalesce(e.functional_amount, l.amount))`.as('amount'),
      sql<string>`0::numeric(16, 2)`.as('hours'),
      sql<string | null>`null::numeric`.as('fx_rate'),
    ])
    .groupBy(['l.project_id', sql`case when e.functional_amount is null then l.currency else e.functional_currency end`, sql`e.functional_amount is null`]);
  const creditedFunctional = db
    .selectFrom('credit_note_line as cl')
    .innerJoin('credit_note as c', 'c.id', 'cl.credit_note_id')
    .leftJoin('invoice_line as l', 'l.id', 'cl.invoice_line_id')
    .leftJoin('billing_event as e', 'e.id', 'l.billing_event_id')
    .where('cl.project_id', 'in', projectIds)
    .where('c.status', '=', 'ISSUED')
    .select((eb) => [
      sql<string>`cl.project_id`.as('project_id'),
      sql<FinancialFact['kind']>`case when e.fx_rate is null then 'UNCONVERTED' else 'CREDITED_FUNCTIONAL' end`.as('kind'),
      sql<string>`case when e.fx_rate is null then cl.currency else e.functional_currency end`.as('currency'),
      sql<string>`-sum(cl.amount)`.as('amount'),
      sql<string>`0::numeric(16, 2)`.as('hours'),
      sql<string | null>`e.fx_rate`.as('fx_rate'),
    ])
    .groupBy(['cl.project_id', 'e.fx_rate', sql`case when e.fx_rate is null then cl.currency else e.functional_currency end`]);
  const unbilledFunctional = withInvoice(db)
    .where('e.project_id', 'in', projectIds)
    .where((eb) => eb.or([eb('e.status', 'in', ['UNBILLED', 'HELD']), eb.and([eb('e.status', '=', 'BILLED'), eb('i.status', '=', 'DRAFT')])]))
    .select(() => [
      sql<string>`e.project_id`.as('project_id'),
      sql<FinancialFact['kind']>`case when e.functional_amount is null then 'UNCONVERTED' else 'UNBILLED_FUNCTIONAL' end`.as('kind'),
      sql<string>`case when e.functional_amount is null then e.currency else e.functional_currency end`.as('currency'),
      sql<string>`sum(coalesce(e.functional_amount, e.amount))`.as('amount'),
      sql<string>`0::numeric(16, 2)`.as('hours'),
      sql<string | null>`null::numeric`.as('fx_rate'),
    ])
    .groupBy(['e.project_id', sql`e.functional_amount is null`, sql`case when e.functional_amount is null then e.currency else e.functional_currency end`]);
  const rows = await cost
    .unionAll(billed)
    .unionAll(credited)
    .unionAll(events)
    .unionAll(billedFunctional)
    .unionAll(creditedFunctional)
    .unionAll(unbilledFunctional)
    .execute();
  return rows.map((row) => ({
    ...row, project_id: String(row.project_id), amount: String(row.amount), hours: String(row.hours), fxRate: row.fx_rate === null ? null : String(row.fx_rate),
  }));
}

/**
 * The fee coverage of many time entries, in one statement: a live cost posting marked `covered_by_fee` (FIXED_FEE)
 * → COVERED_BY_FEE; a live retainer usage row → OVERRUN when part of it overran the balance, else DRAWN_DOWN; a live
 * managed-services usage row → COVERED_BY_FEE while the month's standing hours up to and including it (in date, then
 * recording order) stay within the included hours, else OVERRUN (it is, at least in part, overage); AWAITING_TERMS
 * while the contract has no terms (its hours are counted all the same). Entries with none of these are absent.
 */
export async function coverageOfTimeEntries(db: Db, sourceIds: readonly string[]): Promise<Array<{ source_id: string; coverage: FeeCoverage }>> {
  const usage = db.selectFrom('recurring_usage').selectAll();
  const { rows } = await sql<{ source_id: string; coverage: FeeCoverage }>`
    select p.source_id, 'COVERED_BY_FEE' as coverage from ${sql`(${db.selectFrom('cost_posting').selectAll()})`} p
    where p.source_type = 'TIME_ENTRY' and p.source_id in (${sql.join(sourceIds)}) and p.covered_by_fee and p.reversal_of is null and p.reversed_at is null
    union all
    select w.source_id, case
        when w.billing_method = 'RETAINER' then case when coalesce(w.overrun, 0) > 0 then 'OVERRUN' else 'DRAWN_DOWN' end
        when w.included_hours is null then 'AWAITING_TERMS'
        when w.standing <= w.included_hours then 'COVERED_BY_FEE' else 'OVERRUN' end
    from (
      select u.source_id, u.billing_method, u.overrun, s.included_hours,
        sum(u.hours) over (partition by u.contract_id, date_trunc('month', u.date::timestamp) order by u.date, u.created_at, u.id) as standing
      from (${usage}) u join (${db.selectFrom('billing_setup').selectAll()}) s on s.id = u.billing_setup_id
      where u.reversed_at is null and (u.contract_id, date_trunc('month', u.date::timestamp)) in (
        select m.contract_id, date_trunc('month', m.date::timestamp) from (${usage}) m where m.source_id in (${sql.join(sourceIds)}) and m.reversed_at is null)
    ) w
    where w.source_id in (${sql.join(sourceIds)})`.execute(db);
  return rows;
}

/** A billing fact with its source and its event's money (what the BI export writes of the event timeEntryBilling names). */
export type SourceBillingFact = EntryBillingFact & { source_id: string; eventMoney: { rate: string | null; amount: string; currency: string } };

/**
 * What erp knows about the billing of many sources of one type (time entries, expenses), in one statement: each
 * billing event of the source, joined to each invoice line that billed it and that line's invoice, and whether an
 * issued credit note credits the line.
 */
export async function billingFactsBySources(
  db: Db,
  sourceType: Extract<BillingSourceType, 'TIME_ENTRY' | 'EXPENSE'>,
  sourceIds: readonly string[],
): Promise<SourceBillingFact[]> {
  // One JSON value for all the rows (lib/db/types.ts sqlTuples): an export's page reads thousands at a time.
  type FactTuple = [
    source_id: string, billingEventId: string, eventStatus: BillingEventStatus, heldReason: string | null, rate: string | null, amount: string,
    currency: string, invoiceLineId: string | null, lineReleased: boolean, invoiceId: string | null, invoiceStatus: InvoiceStatus | null, credited: boolean,
  ];
  const [{ facts }] = await db
    .selectFrom('billing_event as e')
    .leftJoin('invoice_line as l', 'l.billing_event_id', 'e.id')
    .leftJoin('invoice as i', 'i.id', 'l.invoice_id')
    .where('e.source_type', '=', sourceType)
    .where(sourceIn('e.source_id', sourceIds))
    .select((eb) => {
      const credited = eb.exists(
        eb
          .selectFrom('credit_note_line as cl')
          .innerJoin('credit_note as c', 'c.id', 'cl.credit_note_id')
          .whereRef('cl.invoice_line_id', '=', 'l.id')
          .where('c.status', '=', 'ISSUED')
          .select(sql`1`.as('one')),
      );
      const tuple = [
        sql.ref('e.source_id'), sql.ref('e.id'), sql.ref('e.status'), sql.ref('e.held_reason'), sql`e.rate::text`, sql`e.amount::text`,
        sql.ref('e.currency'), sql.ref('l.id'), sql`l.released_at is not null`, sql.ref('i.id'), sql.ref('i.status'), sql`${credited}`,
      ];
      return sqlTuples(tuple, sql`e.created_at, l.created_at`).as('facts');
    })
    .execute();
  return parseTuples<FactTuple>(facts).map(
    ([source_id, billingEventId, eventStatus, heldReason, rate, amount, currency, invoiceLineId, lineReleased, invoiceId, invoiceStatus, credited]) => ({
      source_id,
      billingEventId,
      eventStatus,
      heldReason,
      invoiceLineId,
      invoiceId,
      invoiceStatus,
      lineReleased,
      credited,
      eventMoney: { rate, amount, currency },
    }),
  );
}

/** A source's live cost posting (an original neither reversed nor a reversal), locked until the transaction ends. */
export const lockLiveCostPosting = (trx: Transaction<ErpDatabase>, sourceType: CostSourceType, sourceId: string) =>
  trx
    .selectFrom('cost_posting')
    .selectAll()
    .where('source_type', '=', sourceType)
    .where('source_id', '=', sourceId)
    .where('reversal_of', 'is', null)
    .where('reversed_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();

/** A source's live (not reversed) billing event, locked until the transaction ends. */
export const lockLiveBillingEvent = (trx: Transaction<ErpDatabase>, sourceType: BillingSourceType, sourceId: string) =>
  trx
    .selectFrom('billing_event')
    .selectAll()
    .where('source_type', '=', sourceType)
    .where('source_id', '=', sourceId)
    .where('status', '<>', 'REVERSED')
    .forUpdate()
    .executeTakeFirst();

/**
 * The live cost postings of many sources (a batch of approvals: posting-batch.ts), locked until the transaction ends,
 * in one statement, in id order (as lockBillingSetupsByContracts locks): two batches over the same rows lock them in
 * the same order instead of deadlocking.
 */
export const lockLiveCostPostings = (trx: Transaction<ErpDatabase>, sourceTypes: readonly CostSourceType[], sourceIds: readonly string[]) =>
  sourceIds.length === 0
    ? Promise.resolve([])
    : trx
        .selectFrom('cost_posting')
        .selectAll()
        .where('source_type', 'in', sourceTypes)
        .where('source_id', 'in', sourceIds)
        .where('reversal_of', 'is', null)
        .where('reversed_at', 'is', null)
        .orderBy('id')
        .forUpdate()
        .execute();

/** The live (not reversed) billing events of many sources, locked until the transaction ends, in one statement, in id order. */
export const lockLiveBillingEvents = (trx: Transaction<ErpDatabase>, sourceTypes: readonly BillingSourceType[], sourceIds: readonly string[]) =>
  sourceIds.length === 0
    ? Promise.resolve([])
    : trx
        .selectFrom('billing_event')
        .selectAll()
        .where('source_type', 'in', sourceTypes)
        .where('source_id', 'in', sourceIds)
        .where('status', '<>', 'REVERSED')
        .orderBy('id')
        .forUpdate()
        .execute();

/** Many time entries' standing records of having no cost, locked until the transaction ends, in one statement. */
export const lockLiveUncostedTimes = (trx: Transaction<ErpDatabase>, sourceIds: readonly string[]) =>
  sourceIds.length === 0
    ? Promise.resolve([])
    : trx.selectFrom('uncosted_time').selectAll().where('source_id', 'in', sourceIds).where('costed_at', 'is', null).where('reversed_at', 'is', null).forUpdate().execute();

/** Many contracts' billing setups, locked in contract order (every cap writer's order), in one statement. */
export const lockBillingSetupsByContracts = (trx: Transaction<ErpDatabase>, contractIds: readonly string[]) =>
  contractIds.length === 0
    ? Promise.resolve([])
    : trx.selectFrom('billing_setup').selectAll().where('contract_id', 'in', contractIds).orderBy('contract_id').forUpdate().execute();

/** The unreleased invoice line that bills an event, if any. */
export const liveLineOfBillingEvent = (db: Db, billingEventId: string) =>
  db.selectFrom('invoice_line').selectAll().where('billing_event_id', '=', billingEventId).where('released_at', 'is', null).executeTakeFirst();

export const lockInvoice = (trx: Transaction<ErpDatabase>, id: string) =>
  trx.selectFrom('invoice').selectAll().where('id', '=', id).forUpdate().executeTakeFirstOrThrow();

/** Which billing events a draft takes: UNBILLED, dated up to the period end, of one contract, customer or project. */
export interface DraftScope {
  periodEnd: string;
  contractId?: string | null;
  customerId?: string | null;
  projectId?: string | null;
}

function unbilledInScope(db: Db, scope: DraftScope) {
  let query = db.selectFrom('billing_event').where('status', '=', 'UNBILLED').where('date', '<=', scope.periodEnd);
  if (scope.contractId) query = query.where('contract_id', '=', scope.contractId);
  if (scope.customerId) query = query.where('customer_id', '=', scope.customerId);
  if (scope.projectId) query = query.where('project_id', '=', scope.projectId);
  return query;
}

/** The contracts (and their customers) with something to draft in the scope: one row per contract and customer. */
export const contractsToDraft = (db: Db, scope: DraftScope) =>
  unbilledInScope(db, scope).select(['contract_id', 'customer_id']).distinct().orderBy('contract_id').execute();

/**
 * One contract's draftable events, locked until the transaction ends: a concurrent draft waits, then finds them BILLED
 * and skips them (the unique live-line index would refuse a second line anyway).
 */
export const lockDraftableEvents = (trx: Transaction<ErpDatabase>, contractId: string, scope: DraftScope) =>
  unbilledInScope(trx, { ...scope, contractId }).selectAll().orderBy('date').orderBy('id').forUpdate().execute();

/**
 * What a draft in the scope would group its lines by, read before the drafting transaction: each contract's invoice
 * grouping and the distinct projects, roles, workers and tasks of its draftable events (their names are read through
 * the gateway).
 */
export const groupKeysToDraft = (db: Db, scope: DraftScope) =>
  db
    .selectFrom('billing_setup as s')
    .innerJoin(unbilledInScope(db, scope).select(['contract_id', 'project_id', 'role_id', 'worker_id', 'task_id']).as('e'), 'e.contract_id', 's.contract_id')
    .select(['s.invoice_grouping', 'e.project_id', 'e.role_id', 'e.worker_id', 'e.task_id'])
    .distinct()
    .execute();

/**
 * Sets many billing events' amounts (and functional amounts) in one statement: a grouped invoice's lines share their
 * group's amount (domain/invoicing.ts `allocateGroupAmounts`), and each line's billing event carries its share.
 */
export async function setBillingEventAmounts(trx: Transaction<ErpDatabase>, rows: ReadonlyArray<{ id: string; amount: string; functionalAmount: string | null }>, now: Date) {
  if (rows.length === 0) return;
  const values = sql<{ id: string; amount: string; functional_amount: string | null }>`(values ${sql.join(
    rows.map((row) => sql`(${row.id}, ${row.amount}::numeric, ${row.functionalAmount}::numeric)`),
  )})`.as<'v'>(sql`v(id, amount, functional_amount)`);
  await trx
    .updateTable('billing_event')
    .from(values)
    .set((eb) => ({ amount: eb.ref('v.amount'), functional_amount: eb.ref('v.functional_amount'), updated_at: now }))
    .whereRef('billing_event.id', '=', 'v.id')
    .execute();
}

/** Sets many invoice lines' amounts in one statement (a draft's group shares, again after a line left it). */
export async function setInvoiceLineAmounts(trx: Transaction<ErpDatabase>, rows: ReadonlyArray<{ id: string; amount: string }>) {
  if (rows.length === 0) return;
  const values = sql<{ id: string; amount: string }>`(values ${sql.join(rows.map((row) => sql`(${row.id}, ${row.amount}::numeric)`))})`.as<'v'>(sql`v(id, amount)`);
  await trx.updateTable('invoice_line').from(values).set((eb) => ({ amount: eb.ref('v.amount') })).whereRef('invoice_line.id', '=', 'v.id').execute();
}

/** Every tax rate of these legal entities (each has a handful), for `taxRateFor`. */
export const taxRatesOfLegalEntities = (db: Db, legalEntityIds: readonly string[]) =>
  db.selectFrom('tax_rate').selectAll().where('legal_entity_id', 'in', legalEntityIds).execute();

/**
 * The next number of a legal entity's document kind, locked until the transaction ends (created at 1 the first time):
 * issuers of one legal entity queue here, so numbers are assigned in commit order without gaps.
 */
export async function lockDocumentSequence(trx: Transaction<ErpDatabase>, legalEntityId: string, kind: DocumentKind): Promise<number> {
  await trx
    .insertInto('document_sequence')
    .values({ legal_entity_id: legalEntityId, kind, next_number: 1 })
    .onConflict((oc) => oc.columns(['legal_entity_id', 'kind']).doNothing())
    .execute();
  const row = await trx
    .selectFrom('document_sequence')
    .select('next_number')
    .where('legal_entity_id', '=', legalEntityId)
    .where('kind', '=', kind)
    .forUpdate()
    .executeTakeFirstOrThrow();
  return row.next_number;
}

/** An invoice's unreleased lines, in position order. */
export const liveLinesOfInvoice = (db: Db, invoiceId: string) =>
  db.selectFrom('invoice_line').selectAll().where('invoice_id', '=', invoiceId).where('released_at', 'is', null).orderBy('position').execute();

/**
 * Of these sources, the ones whose approval was taken back: they have cost postings, none of them live (every original
 * reversed). A source never posted at cost is not among them.
 */
export async function sourcesTakenBack(db: Db, sourceType: CostSourceType, sourceIds: readonly string[]): Promise<Set<string>> {
  if (sourceIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('cost_posting')
    .select('source_id')
    .where('source_type', '=', sourceType)
    .where('source_id', 'in', sourceIds)
    .where('reversal_of', 'is', null)
    .groupBy('source_id')
    .having(sql<boolean>`bool_and(reversed_at is not null)`)
    .execute();
  return new Set(rows.map((row) => row.source_id));
}

/** An invoice locked until the transaction ends, or undefined when there is none with this id. */
export const findInvoiceForUpdate = (trx: Transaction<ErpDatabase>, id: string) =>
  trx.selectFrom('invoice').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
