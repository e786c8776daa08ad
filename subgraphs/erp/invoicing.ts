import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { recordAudit } from '../../lib/audit/record.ts';
import { assertSeparateDuties, type DutyRule } from '../../lib/audit/segregation.ts';
import { requireRole } from '../../lib/auth/identity.ts';
import { isoDate, type Clock } from '../../lib/clock.ts';
import { checkCurrency, checkDecimal } from '../../lib/decimal.ts';
import { badInput, DomainError, notFound } from '../../lib/errors.ts';
import { createEvent, type DomainEvent } from '../../lib/events/envelope.ts';
import { appendToOutbox } from '../../lib/events/outbox.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { transactionalWriter } from '../../lib/idempotency.ts';
import { runInParts } from '../../lib/run-in-parts.ts';
import { checkDate, checkText, optionalText } from '../../lib/validate.ts';
import { withdrawDraftCreditNotes } from './credit-notes.ts';
import { defaultBillingTerms } from './domain/billing-setup.ts';
import { documentNumber, dueDate, invoiceTotals } from './domain/invoice.ts';
import {
  applyPayment,
  assertInvoiceTransition,
  groupLines,
  planDrafts,
  printedLineAmounts,
  type DraftableEvent,
  type GroupableLine,
  type LineGroup,
  type PlannedDraft,
} from './domain/invoicing.ts';
import { minorUnits } from './domain/money.ts';
import { taxRateFor } from './domain/tax-rate.ts';
import { erpTopics, type BillingEventReversed, type InvoiceDrafted, type InvoiceIssued, type InvoicePaid, type InvoiceVoided } from './events.ts';
import { groupableLines, restoreOwnAmounts, setEventAmounts } from './group-rounding.ts';
import type { GroupLabelKeys, GroupLabels, InvoicingFactsSource, LabelledGrouping } from './invoicing-facts.ts';
import * as repo from './repository.ts';
import { financeRoles } from './service.ts';
import type { BillingEventRow, BillingSetupRow, CostSourceType, ErpDatabase, InvoiceGrouping, InvoiceLineRow, TaxRateRow } from './tables.ts';

export interface DraftInvoicesInput {
  periodEnd: string;
  contractId?: string | null;
  customerId?: string | null;
  projectId?: string | null;
  grouping?: InvoiceGrouping | null;
}

export interface IssueInvoiceInput {
  /** Defaults to today. */
  issueDate?: string | null;
}

export interface RecordPaymentInput {
  invoiceId: string;
  amount: { amount: string; currency: string };
  receivedOn: string;
  reference?: string | null;
}

export interface InvoicingDeps {
  db: Kysely<ErpDatabase>;
  clock: Clock;
  /** crm's customer countries (tax), read through the gateway; without it drafting and issuing are not configured. */
  facts?: InvoicingFactsSource;
  /** The segregation-of-duties rules in force (SEGREGATION_OF_DUTIES; `invoices`: who drafted may not issue). */
  dutyRules?: readonly DutyRule[];
  onCommit: () => void;
}

const asRate = (row: TaxRateRow) => ({
  ...row,
  legalEntityId: row.legal_entity_id,
  customerCountry: row.customer_country,
  effectiveFrom: row.effective_from,
  effectiveTo: row.effective_to,
});

const asDraftable = (row: BillingEventRow): DraftableEvent => ({
  id: row.id, sourceType: row.source_type, sourceId: row.source_id, contractId: row.contract_id, projectId: row.project_id,
  legalEntityId: row.legal_entity_id, date: row.date, description: row.description, hours: row.hours, rate: row.rate,
  amount: row.amount, currency: row.currency, workerId: row.worker_id, roleId: row.role_id, taskId: row.task_id,
});

/** The billing event's column each named grouping groups by. */
const groupColumns = { BY_PROJECT: 'project_id', BY_ROLE: 'role_id', BY_WORKER: 'worker_id', BY_TASK: 'task_id' } as const satisfies Record<LabelledGrouping, keyof BillingEventRow>;

type GroupKeys = Pick<BillingEventRow, (typeof groupColumns)[LabelledGrouping]>;

/** The ids whose names the drafts in scope print, per grouping (the override, else each contract's). */
function labelKeysOf(rows: ReadonlyArray<GroupKeys & { invoice_grouping: InvoiceGrouping }>, override: InvoiceGrouping | null | undefined): GroupLabelKeys {
  const keys: Record<LabelledGrouping, Set<string>> = { BY_PROJECT: new Set(), BY_ROLE: new Set(), BY_WORKER: new Set(), BY_TASK: new Set() };
  for (const row of rows) {
    const grouping = override ?? row.invoice_grouping;
    if (grouping === 'PER_ENTRY') continue;
    const id = row[groupColumns[grouping]];
    if (id) keys[grouping].add(id);
  }
  return { BY_PROJECT: [...keys.BY_PROJECT], BY_ROLE: [...keys.BY_ROLE], BY_WORKER: [...keys.BY_WORKER], BY_TASK: [...keys.BY_TASK] };
}

const costSourceTypes: readonly CostSourceType[] = ['TIME_ENTRY', 'EXPENSE'];

/**
 * Billing (DESIGN §4.4): drafts invoices from unbilled billing events, issues them (gapless numbers), voids them
 * (releasing their sources) and records payments. FINANCE and ADMIN only; each mutation is one transaction with its
 * outbox events; crm's facts (customer countries, for tax) are read through the graph before the transaction.
 */
export function createInvoicingService(deps: InvoicingDeps) {
  const { db, clock } = deps;
  const write = transactionalWriter(db, deps.onCommit);
  const event = <T>(scope: RequestScope, type: string, invoiceId: string, data: T) =>
    createEvent<T>('erp', type, { typename: 'Invoice', id: invoiceId }, data, { correlationId: scope.correlationId }, clock.now());

  function facts(): InvoicingFactsSource {
    if (!deps.facts) throw new DomainError('INTERNAL_SERVER_ERROR', 'invoicing is not configured: erp was built without a graph to read customers from');
    return deps.facts;
  }

  async function insertDraft(
    trx: Transaction<ErpDatabase>,
    scope: RequestScope,
    setup: BillingSetupRow,
    draft: PlannedDraft,
    drafted: { events: ReadonlyMap<string, BillingEventRow>; labels: GroupLabels; rate: TaxRateRow | null; periodEnd: string; grouping: InvoiceGrouping },
  ) {
    const { rate, periodEnd, grouping } = drafted;
    const id = randomUUID();
    const now = clock.now();
    const labelOf = (billingEventId: string) => {
      if (grouping === 'PER_ENTRY') return null;
      const key = drafted.events.get(billingEventId)![groupColumns[grouping]];
      return key === null ? null : (drafted.labels[grouping].get(key) ?? null);
    };
    const invoice = {
      id, number: null, legal_entity_id: draft.legalEntityId, customer_id: setup.customer_id, contract_id: setup.contract_id,
      currency: draft.currency, status: 'DRAFT' as const, period_start: draft.periodStart, period_end: periodEnd, issue_date: null, due_date: null,
      tax_rate_id: rate?.id ?? null, tax_rate_percent: rate?.rate_percent ?? null, subtotal: draft.totals.subtotal,
      tax_total: draft.totals.taxTotal, total: draft.totals.total, issued_at: null, voided_at: null, void_reason: null, grouping,
    };
    await trx.insertInto('invoice').values({ ...invoice, created_at: now, updated_at: now }).execute();
    await recordAudit(trx, scope, {
      entityType: 'Invoice',
      entityId: id,
      operation: 'draftInvoices',
      before: null,
      after: { ...invoice, billingEventIds: draft.lines.map((line) => line.billingEventId) },
    });
    await trx
      .insertInto('invoice_line')
      .values(
        draft.lines.map((line) => ({
          id: randomUUID(), invoice_id: id, position: line.position, source_type: line.sourceType, source_id: line.sourceId,
          billing_event_id: line.billingEventId, project_id: line.projectId, description: line.description, quantity: line.quantity,
          unit_price: line.unitPrice, amount: line.amount, currency: draft.currency, group_label: labelOf(line.billingEventId), released_at: null,
          created_at: now,
        })),
      )
      .execute();
    const eventIds = draft.lines.map((line) => line.billingEventId);
    const billed = await trx.updateTable('billing_event').set({ status: 'BILLED', updated_at: now }).where('id', 'in', eventIds).where('status', '=', 'UNBILLED').executeTakeFirst();
    if (Number(billed.numUpdatedRows) !== eventIds.length) throw new DomainError('CONFLICT', 'a billing event changed while it was being drafted; retry');
    // Each event carries its line's share of the group, so revenue and the invoice agree to the minor unit.
    const shares = new Map(draft.reallocated.map((change) => [change.billingEventId, change.amount]));
    await setEventAmounts(trx, draft.reallocated.map((change) => drafted.events.get(change.billingEventId)!), shares, now);
    const money = (amount: string) => ({ amount, currency: draft.currency });
    return {
      id,
      event: event<InvoiceDrafted>(scope, erpTopics.invoiceDrafted, id, {
        invoiceId: id, contractId: setup.contract_id, customerId: setup.customer_id, legalEntityId: draft.legalEntityId,
        periodStart: draft.periodStart, periodEnd, grouping, billingEventIds: eventIds, subtotal: money(draft.totals.subtotal),
        taxTotal: money(draft.totals.taxTotal), total: money(draft.totals.total),
        reallocated: draft.reallocated.map((change) => ({ billingEventId: change.billingEventId, amount: money(change.amount), previousAmount: money(change.previousAmount) })),
      }),
    };
  }

  return {
    /**
     * Drafts invoices from everything UNBILLED up to the period end, in the scope (a contract, a customer's contracts, a
     * project's work, or every contract): one DRAFT per contract and currency, one line per billing event, each event
     * BILLED in the same transaction. Tax at the rate effective today for the legal entity and the customer's country
     * (re-resolved on the issue date when issued); grouping from the contract's setup unless overridden. Events already
     * on a live line are not drafted again: a re-run drafts nothing new. Returns the new invoices' ids.
     *
     * One transaction per contract (`runInParts`), not one for the run: a month-end run over every contract would
     * otherwise hold its locks, a connection (PGlite's only session) and the event loop for its whole length while
     * workers log time. Each contract's invoices and its events' BILLED marks commit together; a failure leaves the
     * contracts before it drafted, whole, and a retry with the same idempotency key drafts the rest and answers with
     * all of them (without a key, a re-run drafts what is left).
     */
    async draftInvoices(scope: RequestScope, input: DraftInvoicesInput, idempotencyKey?: string | null): Promise<string[]> {
      requireRole(scope.identity, ...financeRoles);
      const periodEnd = checkDate('periodEnd', input.periodEnd);
      const scoped = [input.contractId, input.customerId, input.projectId].filter((value) => value != null);
      if (scoped.length > 1) throw badInput('input', 'give at most one of contractId, customerId, projectId');
      const draftScope: repo.DraftScope = { periodEnd, contractId: input.contractId, customerId: input.customerId, projectId: input.projectId };
      const candidates = await repo.contractsToDraft(db, draftScope);
      // An id that names nothing is NOT_FOUND, never "nothing to draft": erp knows each contract by its setup; crm and
      // psa answer for a customer and a project in the requests made anyway.
      if (input.contractId && candidates.length === 0 && !(await repo.contractKnown(db, input.contractId))) throw notFound('Contract', input.contractId);
      const labelKeys = labelKeysOf(await repo.groupKeysToDraft(db, draftScope), input.grouping);
      const customerIds = [...candidates.map((row) => row.customer_id), ...(input.customerId ? [input.customerId] : [])];
      const askedLabels = input.projectId ? { ...labelKeys, BY_PROJECT: [...labelKeys.BY_PROJECT, input.projectId] } : labelKeys;
      const [countries, labels] = await Promise.all([
        facts().customerCountries(customerIds, { correlationId: scope.correlationId }),
        facts().groupLabels(askedLabels, { correlationId: scope.correlationId }),
      ]);
      if (input.customerId && !countries.has(input.customerId)) throw notFound('Customer', input.customerId);
      if (input.projectId && !labels.BY_PROJECT.has(input.projectId)) throw notFound('Project', input.projectId);
      const today = isoDate(clock.now());
      const contractIds = [...new Set(candidates.map((row) => row.contract_id))];
      return runInParts(db, { caller: scope.identity, operation: 'draftInvoices', key: idempotencyKey, request: input }, {
        parts: contractIds,
        nameOf: (contractId) => contractId,
        onCommit: deps.onCommit,
        async run(trx, contractId) {
          const setup = await repo.lockBillingSetupByContract(trx, contractId);
          if (!setup) return [];
          const locked = await repo.lockDraftableEvents(trx, contractId, draftScope);
          if (locked.length === 0) return [];
          const rates = (await repo.taxRatesOfLegalEntities(trx, [setup.legal_entity_id])).map(asRate);
          const rate = taxRateFor(rates, setup.legal_entity_id, countries.get(setup.customer_id) ?? null, today);
          const grouping = input.grouping ?? setup.invoice_grouping;
          const lockedById = new Map(locked.map((row) => [row.id, row]));
          const ids: string[] = [];
          const events: DomainEvent<unknown>[] = [];
          for (const draft of planDrafts(locked.map(asDraftable), rate?.rate_percent ?? null, grouping)) {
            const drafted = await insertDraft(trx, scope, setup, draft, { events: lockedById, labels, rate, periodEnd, grouping });
            ids.push(drafted.id);
            events.push(drafted.event);
          }
          await appendToOutbox(trx, events);
          return ids;
        },
      });
    },

    /**
     * DRAFT → ISSUED: the next number of the legal entity's invoice sequence (taken under the sequence's row lock, in
     * the same transaction: gapless), the issue date, the due date (issue date + the setup's payment terms) and tax at
     * the rate effective on the issue date (TAX_RATE_NOT_FOUND when none). An invoice without lines is not issued.
     */
    async issueInvoice(scope: RequestScope, id: string, input: IssueInvoiceInput = {}, idempotencyKey?: string | null): Promise<string> {
      requireRole(scope.identity, ...financeRoles);
      const issueDate = input.issueDate == null ? isoDate(clock.now()) : checkDate('issueDate', input.issueDate);
      const [known] = await repo.invoicesByIds(db, [id]);
      if (!known) throw notFound('Invoice', id);
      const countries = await facts().customerCountries([known.customer_id], { correlationId: scope.correlationId });
      return write(scope, 'issueInvoice', idempotencyKey, { id, issueDate }, async (trx) => {
        const invoice = await repo.findInvoiceForUpdate(trx, id);
        if (!invoice) throw notFound('Invoice', id);
        assertInvoiceTransition(invoice.status, 'issue');
        await assertSeparateDuties(trx, scope.identity, deps.dutyRules ?? [], 'invoices', 'issueInvoice', id);
        const lines = await repo.liveLinesOfInvoice(trx, id);
        if (lines.length === 0) throw new DomainError('INVALID_TRANSITION', 'cannot issue an invoice without lines', { from: invoice.status, action: 'issue' });
        if (invoice.period_end && issueDate < invoice.period_end) throw badInput('issueDate', `must be on or after the period end (${invoice.period_end})`);
        const rates = (await repo.taxRatesOfLegalEntities(trx, [invoice.legal_entity_id])).map(asRate);
        const rate = taxRateFor(rates, invoice.legal_entity_id, countries.get(invoice.customer_id) ?? null, issueDate);
        if (!rate) {
          throw new DomainError('TAX_RATE_NOT_FOUND', `legal entity ${invoice.legal_entity_id} has no tax rate for the customer's country on ${issueDate}`, {
            legalEntityId: invoice.legal_entity_id,
            date: issueDate,
          });
        }
        const [setup] = invoice.contract_id ? await repo.billingSetupsByContracts(trx, [invoice.contract_id]) : [];
        const due = dueDate(issueDate, setup?.payment_terms_days ?? defaultBillingTerms.paymentTermsDays);
        const events = await repo.billingEventsByIds(trx, lines.flatMap((line) => (line.billing_event_id ? [line.billing_event_id] : [])));
        const printed = printedLineAmounts(invoice.grouping, groupableLines(lines, new Map(events.map((row) => [row.id, row]))));
        const totals = invoiceTotals(printed, rate.rate_percent, invoice.currency, rate.tax_rounding);
        const sequence = await repo.lockDocumentSequence(trx, invoice.legal_entity_id, 'INVOICE');
        await trx.updateTable('document_sequence').set({ next_number: sequence + 1 }).where('legal_entity_id', '=', invoice.legal_entity_id).where('kind', '=', 'INVOICE').execute();
        const number = documentNumber('INVOICE', sequence);
        const now = clock.now();
        const issued = {
          number, status: 'ISSUED' as const, issue_date: issueDate, due_date: due, tax_rate_id: rate.id, tax_rate_percent: rate.rate_percent,
          tax_rounding: rate.tax_rounding, subtotal: totals.subtotal, tax_total: totals.taxTotal, total: totals.total, issued_at: now,
        };
        await trx.updateTable('invoice').set({ ...issued, updated_at: now }).where('id', '=', id).execute();
        const afterIssue = { ...invoice, ...issued };
        await recordAudit(trx, scope, { entityType: 'Invoice', entityId: id, operation: 'issueInvoice', before: invoice, after: afterIssue });
        await appendToOutbox(trx, [
          event<InvoiceIssued>(scope, erpTopics.invoiceIssued, id, {
            invoiceId: id, number, contractId: invoice.contract_id, customerId: invoice.customer_id, legalEntityId: invoice.legal_entity_id,
            issueDate, dueDate: due, taxRatePercent: rate.rate_percent, total: { amount: totals.total, currency: invoice.currency },
          }),
        ]);
        return id;
      });
    },

    /**
     * DRAFT, or ISSUED with nothing paid or credited → VOID. Its lines are released (kept, with `released_at`), so
     * their sources are billable again: each billing event goes back to UNBILLED — unless its source's approval was
     * taken back while it sat on the issued invoice (every cost posting of the source reversed), which makes it
     * REVERSED instead. The number of a voided issued invoice stays used (no gap, no reuse).
     *
     * Lock order (erp's one order for billing events and invoices, see credit-notes.ts): the invoice's billing events in
     * id order first, then the invoice — the order the posting consumer's reversal (which reaches the invoice through
     * the event) and issuing a credit note take, so a void racing them queues instead of deadlocking.
     */
    async voidInvoice(scope: RequestScope, id: string, reason: string, idempotencyKey?: string | null): Promise<string> {
      requireRole(scope.identity, ...financeRoles);
      const why = checkText('reason', reason, 500);
      return write(scope, 'voidInvoice', idempotencyKey, { id, reason: why }, async (trx) => {
        const eventsOf = (lines: readonly InvoiceLineRow[]) => lines.flatMap((line) => (line.billing_event_id ? [line.billing_event_id] : []));
        const locked = new Set((await repo.lockBillingEvents(trx, eventsOf(await repo.liveLinesOfInvoice(trx, id)))).map((row) => row.id));
        const invoice = await repo.findInvoiceForUpdate(trx, id);
        if (!invoice) throw notFound('Invoice', id);
        const [settled] = await repo.settlementsByInvoices(trx, [id]);
        assertInvoiceTransition(invoice.status, 'void', { paid: String(settled?.paid ?? '0'), credited: String(settled?.credited ?? '0') });
        const now = clock.now();
        // Read again under the invoice's lock: a reversal that held an event before us may have taken its line off a draft.
        const lines = await repo.liveLinesOfInvoice(trx, id);
        const eventIds = eventsOf(lines);
        if (eventIds.some((eventId) => !locked.has(eventId))) throw new DomainError('CONFLICT', `invoice ${id} changed while it was being voided: try again`);
        if (lines.length > 0) await trx.updateTable('invoice_line').set({ released_at: now }).where('id', 'in', lines.map((line) => line.id)).execute();
        const billed = eventIds.length ? (await repo.billingEventsByIds(trx, eventIds)).filter((row) => row.status === 'BILLED') : [];
        const takenBack = new Set<string>();
        for (const type of costSourceTypes) {
          const sources = billed.filter((row) => row.source_type === type).map((row) => row.source_id);
          for (const sourceId of await repo.sourcesTakenBack(trx, type, sources)) takenBack.add(`${type}:${sourceId}`);
        }
        // A retainer overrun is billed as OVERAGE under its time entry's id: it is taken back with the entry.
        const overages = billed.filter((row) => row.source_type === 'OVERAGE').map((row) => row.source_id);
        for (const sourceId of await repo.sourcesTakenBack(trx, 'TIME_ENTRY', overages)) takenBack.add(`OVERAGE:${sourceId}`);
        const reversed = billed.filter((row) => takenBack.has(`${row.source_type}:${row.source_id}`));
        const released = billed.filter((row) => !takenBack.has(`${row.source_type}:${row.source_id}`));
        if (released.length) await trx.updateTable('billing_event').set({ status: 'UNBILLED', updated_at: now }).where('id', 'in', released.map((row) => row.id)).execute();
        await restoreOwnAmounts(trx, released, now);
        if (reversed.length) await trx.updateTable('billing_event').set({ status: 'REVERSED', reversed_at: now, updated_at: now }).where('id', 'in', reversed.map((row) => row.id)).execute();
        await trx.updateTable('invoice').set({ status: 'VOID', voided_at: now, void_reason: why, updated_at: now }).where('id', '=', id).execute();
        await recordAudit(trx, scope, {
          entityType: 'Invoice',
          entityId: id,
          operation: 'voidInvoice',
          before: invoice,
          after: { ...invoice, status: 'VOID', voided_at: now, void_reason: why },
          reason: why,
        });
        const withdrawn = await withdrawDraftCreditNotes(trx, clock, id, `invoice voided: ${why}`, { correlationId: scope.correlationId });
        await appendToOutbox(trx, [
          ...withdrawn,
          event<InvoiceVoided>(scope, erpTopics.invoiceVoided, id, {
            invoiceId: id, number: invoice.number, customerId: invoice.customer_id, reason: why, wasStatus: invoice.status as 'DRAFT' | 'ISSUED',
            releasedBillingEventIds: released.map((row) => row.id), reversedBillingEventIds: reversed.map((row) => row.id),
          }),
          ...reversed.map((row) =>
            createEvent<BillingEventReversed>(
              'erp', erpTopics.billingEventReversed, { typename: 'BillingEvent', id: row.id },
              {
                billingEventId: row.id, sourceType: row.source_type as CostSourceType, sourceId: row.source_id, contractId: row.contract_id,
                projectId: row.project_id, amount: { amount: row.amount, currency: row.currency }, cause: 'INVOICE_VOIDED', removedFromInvoiceId: id,
              },
              { correlationId: scope.correlationId }, now,
            ),
          ),
        ]);
        return id;
      });
    },

    /**
     * Records a payment against an ISSUED or PARTIALLY_PAID invoice, in its currency (CURRENCY_MISMATCH otherwise), at
     * most its open balance (OVERPAYMENT); PAID when the balance reaches zero, else PARTIALLY_PAID. Idempotent on its
     * key: a retry records nothing more and returns the first payment.
     */
    async recordPayment(scope: RequestScope, input: RecordPaymentInput, idempotencyKey?: string | null): Promise<string> {
      requireRole(scope.identity, ...financeRoles);
      const currency = checkCurrency('amount.currency', input.amount.currency);
      const amount = checkDecimal('amount.amount', input.amount.amount, { scale: minorUnits(currency), min: 'positive' });
      const receivedOn = checkDate('receivedOn', input.receivedOn);
      const reference = optionalText('reference', input.reference, 200);
      return write(scope, 'recordPayment', idempotencyKey, input, async (trx) => {
        const invoice = await repo.findInvoiceForUpdate(trx, input.invoiceId);
        if (!invoice) throw notFound('Invoice', input.invoiceId);
        assertInvoiceTransition(invoice.status, 'pay');
        if (invoice.issue_date && receivedOn < invoice.issue_date) throw badInput('receivedOn', `must be on or after the issue date (${invoice.issue_date})`);
        const [settled] = await repo.settlementsByInvoices(trx, [invoice.id]);
        const outcome = applyPayment(
          { currency: invoice.currency, total: invoice.total, paid: String(settled?.paid ?? '0'), credited: String(settled?.credited ?? '0') },
          { amount, currency },
        );
        const paymentId = randomUUID();
        const now = clock.now();
        const payment = { id: paymentId, invoice_id: invoice.id, amount, currency, received_on: receivedOn, reference };
        await trx.insertInto('payment').values({ ...payment, created_at: now, updated_at: now }).execute();
        await trx.updateTable('invoice').set({ status: outcome.status, updated_at: now }).where('id', '=', invoice.id).execute();
        // One record on the invoice, where its trail is read: the payment it received and the status that followed.
        await recordAudit(trx, scope, {
          entityType: 'Invoice',
          entityId: invoice.id,
          operation: 'recordPayment',
          before: { status: invoice.status, payment: null },
          after: { status: outcome.status, payment },
        });
        await appendToOutbox(trx, [
          event<InvoicePaid>(scope, erpTopics.invoicePaid, invoice.id, {
            invoiceId: invoice.id, paymentId, amount: { amount, currency }, receivedOn, balance: { amount: outcome.balance, currency }, status: outcome.status,
          }),
        ]);
        return paymentId;
      });
    },
  };
}

export type InvoicingService = ReturnType<typeof createInvoicingService>;

/** A group of an invoice's lines as the graph serves it: each member keeps its row. */
export type InvoiceLineGroupModel = LineGroup<GroupableLine & { row: InvoiceLineRow }>;

/** An invoice's lines grouped by its grouping, with the worker, role, task and rate their billing events kept for it. */
export function invoiceLineGroups(grouping: InvoiceGrouping, lines: readonly InvoiceLineRow[], events: ReadonlyMap<string, BillingEventRow>): InvoiceLineGroupModel[] {
  return groupLines(grouping, groupableLines(lines, events));
}
