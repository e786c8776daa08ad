import { randomUUID } from 'node:crypto';
import type { Insertable, Kysely } from 'kysely';
import { fromScaled, toScaled } from '../../lib/decimal.ts';
import { toJson } from '../../lib/db/types.ts';
import { chunked } from '../../lib/seed/chunked.ts';
import { seededBillingSetupId } from '../../lib/seed/ids.ts';
import type { DemoContract, DemoFirm, DemoTimeEntry } from '../../lib/seed/demo-firm.ts';
import { defaultBillingTerms } from './domain/billing-setup.ts';
import { billsTimeByTheHour } from './domain/billing-models.ts';
import { planPosting } from './domain/posting.ts';
import { billingEventRow, fxColumns, setupPostingFacts } from './billing-models.ts';
import { costPostingRow } from './posting.ts';
import { billingSetupRow } from './service.ts';
import { documentNumber, dueDate, invoiceTotals } from './domain/invoice.ts';
import { functionalValue, fxRateOn, type EffectiveFxRate, type FunctionalValue } from './domain/fx.ts';
import { lineAmount } from './domain/money.ts';
import { billRateFor, costRateOn } from './domain/rates.ts';
import { taxRateFor } from './domain/tax-rate.ts';
import type { BillingEventTable, CostPostingTable, ErpDatabase, InvoiceLineTable, InvoiceStatus, TaxRateTable } from './tables.ts';

/** Domestic VAT/GST of the plan's countries; customers abroad get the entity's default (0 %, reverse charge). */
const domesticTax: Readonly<Record<string, { name: string; ratePercent: string }>> = {
  AT: { name: 'USt 20%', ratePercent: '20' }, AU: { name: 'GST 10%', ratePercent: '10' }, BE: { name: 'BTW 21%', ratePercent: '21' },
  CA: { name: 'GST 5%', ratePercent: '5' }, CH: { name: 'MWST 8.1%', ratePercent: '8.1' }, DE: { name: 'USt 19%', ratePercent: '19' },
  DK: { name: 'Moms 25%', ratePercent: '25' }, ES: { name: 'IVA 21%', ratePercent: '21' }, FR: { name: 'TVA 20%', ratePercent: '20' },
  GB: { name: 'VAT 20%', ratePercent: '20' }, IE: { name: 'VAT 23%', ratePercent: '23' }, IN: { name: 'GST 18%', ratePercent: '18' },
  IT: { name: 'IVA 22%', ratePercent: '22' }, JP: { name: 'Consumption tax 10%', ratePercent: '10' }, NL: { name: 'BTW 21%', ratePercent: '21' },
  PL: { name: 'VAT 23%', ratePercent: '23' }, SE: { name: 'Moms 25%', ratePercent: '25' }, SG: { name: 'GST 9%', ratePercent: '9' },
  US: { name: 'Sales tax (services exempt)', ratePercent: '0' },
};

type FunctionalValueOf = (amount: string, currency: string, legalEntityId: string, date: string, held: boolean) => FunctionalValue;

/**
 * The monthly rates the seed enters for each pair its cross-currency contracts need (contract currency → the booking
 * legal entity's), from the first contract's month on, the current month's open-ended: a base moved by up to ±0.0075
 * from one month to the next, so conversions visibly use the rate of their date.
 */
const seedFxBase: Readonly<Record<string, string>> = { 'USD:EUR': '0.9200', 'EUR:USD': '1.0850' };

function seedFxRates(firm: DemoFirm, legalEntities: ReadonlyMap<string, { currency: string }>): Array<EffectiveFxRate & { id: string; rate: string }> {
  const pairs = new Set(firm.contracts.flatMap((contract) => {
    const to = legalEntities.get(contract.legalEntityId)?.currency;
    return to && to !== contract.currency ? [`${contract.currency}:${to}`] : [];
  }));
  if (pairs.size === 0) return [];
  const first = firm.contracts.reduce((earliest, contract) => (contract.startDate < earliest ? contract.startDate : earliest), firm.today);
  const rates: Array<EffectiveFxRate & { id: string; rate: string }> = [];
  for (const pair of [...pairs].sort()) {
    const [fromCurrency, toCurrency] = pair.split(':') as [string, string];
    const base = toScaled(seedFxBase[pair] ?? '1.0000', 4);
    for (let month = firstOfMonth(first), index = 0; month <= firm.today; month = dueDate(lastOfMonth(month), 1), index += 1) {
      const drift = BigInt((index * 7) % 11) - 5n; // −5 … +5, in steps of 0.0015
      const last = dueDate(lastOfMonth(month), 1) > firm.today;
      rates.push({ id: randomUUID(), fromCurrency, toCurrency, rate: fromScaled(base + drift * 15n, 4), effectiveFrom: month, effectiveTo: last ? null : lastOfMonth(month) });
    }
  }
  return rates;
}

const firstOfMonth = (date: string) => `${date.slice(0, 7)}-01`;
const lastOfMonth = (date: string) => {
  const next = new Date(`${firstOfMonth(date)}T00:00:00Z`);
  next.setUTCMonth(next.getUTCMonth() + 1, 0);
  return next.toISOString().slice(0, 10);
};
const atEvening = (date: string) => new Date(`${date}T18:00:00Z`);

/** An invoice the seed issues: one per T&M contract and calendar month of approved billable work before this month. */
interface PlannedInvoice {
  id: string;
  contract: DemoContract;
  periodEnd: string;
  lines: number;
  subtotalCents: bigint;
}

/**
 * Writes erp's slice of the demo firm: a billing setup per contract, tax rates per legal entity, and for every
 * APPROVED time entry and expense its cost posting and (when billable) its billing event, streaming the entries in chunks. T&M
 * work of months before the plan's current month is invoiced (issued, and paid when due): so AR is not empty.
 */
export async function seedErp(db: Kysely<ErpDatabase>, firm: DemoFirm): Promise<void> {
  const legalEntities = new Map(firm.legalEntities.map((entity) => [entity.id, entity]));
  const customers = new Map(firm.customers.map((customer) => [customer.id, customer]));
  const contracts = new Map(firm.contracts.map((contract) => [contract.id, contract]));
  const projects = new Map(firm.projects.map((project) => [project.id, project]));
  const workers = new Map(firm.workers.map((worker) => [worker.id, worker]));
  const assignments = new Map(firm.assignments.map((assignment) => [assignment.id, assignment]));

  for (const batch of chunked(firm.contracts)) {
    const rows = batch.map((contract) =>
      billingSetupRow(seededBillingSetupId(contract.id), {
        contractId: contract.id,
        rateCardId: contract.rateCardId,
        customerId: contract.customerId,
        legalEntityId: contract.legalEntityId,
        billingMethod: contract.billingMethod,
        currency: contract.currency,
        startDate: contract.startDate,
        endDate: contract.endDate,
        ratedRoleIds: contract.rates.map((rate) => rate.roleId),
        amount: contract.amount,
        notToExceed: contract.notToExceed,
      }),
    );
    await db.insertInto('billing_setup').values(rows).execute();
  }

  // erp's copy of hcm's legal entities (hcm.legal_entity.created in a running system), and the rates that convert
  // what the cross-currency contracts bill into their entity's currency.
  if (firm.legalEntities.length > 0) {
    await db.insertInto('legal_entity').values(firm.legalEntities.map((entity) => ({ id: entity.id, currency: entity.currency, updated_at: new Date(`${firm.today}T00:00:00Z`) }))).execute();
  }
  const fxRates = seedFxRates(firm, legalEntities);
  if (fxRates.length > 0) {
    await db
      .insertInto('fx_rate')
      .values(fxRates.map((rate) => ({ id: rate.id, from_currency: rate.fromCurrency, to_currency: rate.toCurrency, rate: rate.rate, effective_from: rate.effectiveFrom, effective_to: rate.effectiveTo })))
      .execute();
  }
  // The seed enters a rate for every date its contracts bill on, so nothing it writes is held for FX_RATE_MISSING (an
  // event held for another reason, e.g. an expense in another currency than its contract's, may lack one, as it would
  // when written by writeBillingEvent).
  const valueOf: FunctionalValueOf = (amount, currency, legalEntityId, date, held) => {
    const to = legalEntities.get(legalEntityId)!.currency;
    const value = functionalValue({ amount, currency }, to, fxRateOn(fxRates, currency, to, date)?.rate ?? null);
    if (value.fxRate === null && !held) throw new Error(`seedErp: no ${currency} → ${to} rate on ${date}`);
    return value;
  };

  const taxRates: Array<Insertable<TaxRateTable> & { id: string }> = firm.legalEntities.flatMap((entity) => [
    {
      id: randomUUID(), legal_entity_id: entity.id, customer_country: entity.country, name: domesticTax[entity.country]?.name ?? 'VAT',
      rate_percent: domesticTax[entity.country]?.ratePercent ?? '20', effective_from: '2020-01-01', effective_to: null,
    },
    {
      id: randomUUID(), legal_entity_id: entity.id, customer_country: null, name: 'Export of services (reverse charge)',
      rate_percent: '0', effective_from: '2020-01-01', effective_to: null,
    },
  ]);
  if (taxRates.length > 0) await db.insertInto('tax_rate').values(taxRates).execute();

  const invoiceBefore = firstOfMonth(firm.today);
  const invoices = new Map<string, PlannedInvoice>();
  let costs: Insertable<CostPostingTable>[] = [];
  let events: Insertable<BillingEventTable>[] = [];
  let lines: Insertable<InvoiceLineTable>[] = [];
  let newInvoices: PlannedInvoice[] = [];

  const flush = async () => {
    // Foreign keys: invoice headers, then the events, then the lines that bill them.
    if (newInvoices.length > 0) {
      await db
        .insertInto('invoice')
        .values(
          newInvoices.map((invoice) => ({
            id: invoice.id, number: null, legal_entity_id: invoice.contract.legalEntityId, customer_id: invoice.contract.customerId,
            contract_id: invoice.contract.id, currency: invoice.contract.currency, status: 'DRAFT' as const,
            period_start: firstOfMonth(invoice.periodEnd), period_end: invoice.periodEnd, issue_date: null, due_date: null,
            tax_rate_id: null, tax_rate_percent: null, subtotal: '0', tax_total: '0', total: '0', issued_at: null, voided_at: null,
            void_reason: null, created_at: atEvening(invoice.periodEnd),
          })),
        )
        .execute();
    }
    if (events.length > 0) await db.insertInto('billing_event').values(events).execute();
    if (lines.length > 0) await db.insertInto('invoice_line').values(lines).execute();
    if (costs.length > 0) await db.insertInto('cost_posting').values(costs).execute();
    [costs, events, lines, newInvoices] = [[], [], [], []];
  };

  const bill = (entry: DemoTimeEntry, contract: DemoContract) => {
    const project = projects.get(entry.projectId)!;
    const worker = workers.get(entry.workerId)!;
    const rate = billRateFor({
      roleId: entry.roleId,
      date: entry.date,
      billRateOverride: assignments.get(entry.assignmentId)?.billRateOverride,
      rateCard: contract.rates,
    });
    const amount = rate === null ? '0.00' : lineAmount(entry.hours, rate, contract.currency);
    const invoiced = rate !== null && contract.billingMethod === 'TIME_AND_MATERIALS' && entry.date < invoiceBefore;
    const event = {
      id: randomUUID(), source_type: 'TIME_ENTRY' as const, source_id: entry.id, contract_id: contract.id, project_id: project.id,
      customer_id: contract.customerId, legal_entity_id: contract.legalEntityId, worker_id: worker.id, role_id: entry.roleId,
      task_id: entry.taskId, date: entry.date, description: `${worker.name}, ${entry.date}: ${entry.notes}`.slice(0, 500),
      hours: entry.hours, rate, amount, currency: contract.currency,
      ...fxColumns(valueOf(amount, contract.currency, contract.legalEntityId, entry.date, rate === null)),
      status: rate === null ? ('HELD' as const) : invoiced ? ('BILLED' as const) : ('UNBILLED' as const),
      held_reason: rate === null ? ('NO_RATE' as const) : null,
      reversed_at: null, created_at: atEvening(entry.date), updated_at: atEvening(entry.date),
    };
    events.push(event);
    if (!invoiced) return;
    const key = `${contract.id}|${entry.date.slice(0, 7)}`;
    let invoice = invoices.get(key);
    if (!invoice) {
      invoice = { id: randomUUID(), contract, periodEnd: lastOfMonth(entry.date), lines: 0, subtotalCents: 0n };
      invoices.set(key, invoice);
      newInvoices.push(invoice);
    }
    invoice.lines += 1;
    invoice.subtotalCents += toScaled(amount, 2);
    lines.push({
      id: randomUUID(), invoice_id: invoice.id, position: invoice.lines, source_type: 'TIME_ENTRY', source_id: entry.id,
      billing_event_id: event.id, project_id: project.id, description: event.description, quantity: entry.hours,
      unit_price: rate!, amount, currency: contract.currency, released_at: null, created_at: atEvening(invoice.periodEnd),
      // Seeded invoices keep the default grouping, BY_PROJECT; their rates are whole, so no group rounding moves a cent.
      group_label: project.name,
    });
  };

  for (const entry of firm.timeEntries()) {
    if (entry.status !== 'APPROVED') continue;
    const worker = workers.get(entry.workerId);
    const project = projects.get(entry.projectId);
    if (!worker || !project) throw new Error(`seedErp: time entry ${entry.id} names an unknown worker or project`);
    const costRate = costRateOn(worker.costRates, entry.date);
    if (!costRate) throw new Error(`seedErp: worker ${worker.id} has no cost rate on ${entry.date} (time entry ${entry.id})`);
    const contract = entry.billable ? contracts.get(project.contractId) : undefined;
    if (entry.billable && !contract) throw new Error(`seedErp: project ${project.id} names an unknown contract ${project.contractId}`);
    // As the posting consumer does: a fixed fee bills its milestones and schedule, never its hours (the fee covers them).
    const coveredByFee = contract !== undefined && !billsTimeByTheHour(contract.billingMethod);
    costs.push({
      id: randomUUID(), source_type: 'TIME_ENTRY', source_id: entry.id, worker_id: worker.id, project_id: project.id,
      legal_entity_id: worker.legalEntityId, date: entry.date, hours: entry.hours, cost_rate: costRate.amount,
      amount: lineAmount(entry.hours, costRate.amount, costRate.currency), currency: costRate.currency, reversal_of: null,
      reversed_at: null, covered_by_fee: coveredByFee, posted_at: atEvening(entry.date), updated_at: atEvening(entry.date),
    });
    if (contract && !coveredByFee) bill(entry, contract);
    if (costs.length >= 1000) await flush();
  }
  await flush();
  await seedApprovedExpenses(db, firm, valueOf);

  await issueInvoices(db, firm, [...invoices.values()], taxRates, (customerId) => customers.get(customerId)?.billingAddress.country ?? null);
}

/**
 * Posts every APPROVED expense as the posting consumer would (the same `planPosting` rules): its cost posting and,
 * when billable, its billing event at cost plus the setup's markup, UNBILLED (or HELD with the plan's reason).
 */
async function seedApprovedExpenses(
  db: Kysely<ErpDatabase>,
  firm: DemoFirm,
  valueOf: FunctionalValueOf,
): Promise<void> {
  const projects = new Map(firm.projects.map((project) => [project.id, project]));
  const setups = new Map((await db.selectFrom('billing_setup').selectAll().execute()).map((setup) => [setup.contract_id, setupPostingFacts(setup)]));
  const costs: Insertable<CostPostingTable>[] = [];
  const events: Insertable<BillingEventTable>[] = [];
  for (const expense of firm.expenses) {
    if (expense.status !== 'APPROVED') continue;
    const project = projects.get(expense.projectId);
    if (!project) throw new Error(`seedErp: expense ${expense.id} names an unknown project ${expense.projectId}`);
    const plan = planPosting(
      {
        sourceType: 'EXPENSE', sourceId: expense.id, workerId: expense.workerId, projectId: project.id, date: expense.date,
        amount: { amount: expense.amount, currency: expense.currency }, category: expense.category, billable: expense.billable,
      },
      {
        project: { id: project.id, contractId: project.contractId, customerId: project.customerId, legalEntityId: project.legalEntityId, currency: project.currency },
        costRate: null,
        setup: setups.get(project.contractId) ?? null,
      },
    );
    const postedAt = atEvening(expense.date);
    if (plan.cost) costs.push(costPostingRow(plan.cost, postedAt));
    const { billing } = plan;
    if (billing) events.push(billingEventRow(randomUUID(), billing, valueOf(billing.amount, billing.currency, billing.legalEntityId, billing.date, billing.heldReason !== null), postedAt));
  }
  for (const batch of chunked(costs)) await db.insertInto('cost_posting').values(batch).execute();
  for (const batch of chunked(events)) await db.insertInto('billing_event').values(batch).execute();
}

/**
 * Numbers the seeded invoices in issue-date order (gapless per legal entity), applies tax, and settles them: paid
 * when due before the plan's today, every third one still open part-paid, the rest issued and open.
 */
async function issueInvoices(
  db: Kysely<ErpDatabase>,
  firm: DemoFirm,
  invoices: PlannedInvoice[],
  taxRates: ReadonlyArray<Insertable<TaxRateTable> & { id: string }>,
  countryOf: (customerId: string) => string | null,
) {
  const rates = taxRates.map((rate) => ({
    ...rate,
    legalEntityId: rate.legal_entity_id,
    customerCountry: rate.customer_country ?? null,
    effectiveFrom: rate.effective_from,
    effectiveTo: rate.effective_to ?? null,
  }));
  const sequences = new Map(firm.legalEntities.map((entity) => [entity.id, 1]));
  invoices.sort((a, b) => a.periodEnd.localeCompare(b.periodEnd) || a.contract.number.localeCompare(b.contract.number));
  const payments = [];
  for (const [index, invoice] of invoices.entries()) {
    const { contract } = invoice;
    const issueDate = dueDate(invoice.periodEnd, 1);
    const due = dueDate(issueDate, defaultBillingTerms.paymentTermsDays);
    const tax = taxRateFor(rates, contract.legalEntityId, countryOf(contract.customerId), issueDate);
    const totals = invoiceTotals([fromScaled(invoice.subtotalCents, 2)], tax?.rate_percent ?? '0', contract.currency);
    const sequence = sequences.get(contract.legalEntityId) ?? 1;
    sequences.set(contract.legalEntityId, sequence + 1);
    const payable = toScaled(totals.total, 2) > 0n;
    let status: InvoiceStatus = due < firm.today || !payable ? 'PAID' : 'ISSUED';
    if (status === 'PAID' && payable) {
      payments.push({ id: randomUUID(), invoice_id: invoice.id, amount: totals.total, currency: contract.currency, received_on: dueDate(issueDate, 20), reference: `Remittance ${documentNumber('INVOICE', sequence)}` });
    } else if (status === 'ISSUED' && index % 3 === 0 && dueDate(issueDate, 10) <= firm.today) {
      status = 'PARTIALLY_PAID';
      payments.push({ id: randomUUID(), invoice_id: invoice.id, amount: lineAmount(totals.total, '0.5', contract.currency), currency: contract.currency, received_on: dueDate(issueDate, 10), reference: `Part payment ${documentNumber('INVOICE', sequence)}` });
    }
    await db
      .updateTable('invoice')
      .set({
        number: documentNumber('INVOICE', sequence), status, issue_date: issueDate, due_date: due, tax_rate_id: tax?.id ?? null,
        tax_rate_percent: tax?.rate_percent ?? null, subtotal: totals.subtotal, tax_total: totals.taxTotal, total: totals.total,
        issued_at: atEvening(issueDate), updated_at: atEvening(issueDate),
      })
      .where('id', '=', invoice.id)
      .execute();
  }
  for (const batch of chunked(payments)) await db.insertInto('payment').values(batch).execute();
  const sequenceRows = firm.legalEntities.flatMap((entity) => [
    { legal_entity_id: entity.id, kind: 'INVOICE' as const, next_number: sequences.get(entity.id) ?? 1 },
    { legal_entity_id: entity.id, kind: 'CREDIT_NOTE' as const, next_number: 1 },
  ]);
  if (sequenceRows.length > 0) await db.insertInto('document_sequence').values(sequenceRows).execute();
}
