import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { recordAudit } from '../../lib/audit/record.ts';
import { assertSeparateDuties, type DutyRule } from '../../lib/audit/segregation.ts';
import { requireRole } from '../../lib/auth/identity.ts';
import { isoDate, type Clock } from '../../lib/clock.ts';
import { checkCurrency, checkDecimal, compareDecimals } from '../../lib/decimal.ts';
import { badInput, notFound } from '../../lib/errors.ts';
import { createEvent, type DomainEvent, type EventCause } from '../../lib/events/envelope.ts';
import { appendToOutbox } from '../../lib/events/outbox.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { transactionalWriter } from '../../lib/idempotency.ts';
import { checkDate, checkText } from '../../lib/validate.ts';
import { capUsageOf } from './billing-models.ts';
import { exceedsCap } from './domain/billing-models.ts';
import {
  assertCreditableInvoice,
  assertCreditNoteTransition,
  assertRebillable,
  creditedHeldReason,
  creditNoteTotals,
  fullyCredited,
  planCreditLines,
  remainingCredit,
  signedCredit,
  type CreditableLine,
  type CreditLineRequest,
  type PlannedCreditLine,
} from './domain/credit-notes.ts';
import { documentNumber, invoiceBalance } from './domain/invoice.ts';
import { restoreOwnAmounts } from './group-rounding.ts';
import { minorUnits } from './domain/money.ts';
import {
  erpTopics,
  type BillingEventRebilled,
  type BillingEventReversed,
  type BillingReversalCause,
  type CreditNoteDrafted,
  type CreditNoteIssued,
  type CreditNoteOrigin,
  type CreditNoteVoided,
} from './events.ts';
import * as repo from './repository.ts';
import { financeRoles } from './service.ts';
import type { BillingEventRow, CostSourceType, CreditNoteRow, ErpDatabase, InvoiceLineRow, InvoiceRow } from './tables.ts';

/**
 * Credit notes (DESIGN §1: an issued invoice is corrected only by a credit note; §4.5): drafted by finance or proposed
 * when an invoiced source's approval is taken back, issued with a gapless number per legal entity, voided while a
 * draft; a line credited in full releases its source, which is billed again only when finance asks. Rules in
 * `domain/credit-notes.ts`.
 *
 * Locks: every writer of an invoice's credits holds the invoice's row lock while it checks and writes (so the credits
 * of a line never pass its amount, whatever runs at once); whoever also changes billing events locks them first, in
 * id order, then the invoice — the order the posting consumer's reversal takes too.
 */

export interface CreditNoteLineInput {
  invoiceLineId: string;
  amount?: { amount: string; currency: string } | null;
  reason: string;
}

export interface IssueCreditNoteInput {
  /** Defaults to today; on or after the invoice's issue date. */
  issueDate?: string | null;
}

export interface RebillSourcesInput {
  invoiceLineIds?: readonly string[] | null;
  sourceIds?: readonly string[] | null;
}

const costSourceTypes: readonly CostSourceType[] = ['TIME_ENTRY', 'EXPENSE'];

const money = (amount: string, currency: string) => ({ amount, currency });

/** An invoice's lines as crediting sees them, with their draft and issued credits. */
async function creditableLines(db: Kysely<ErpDatabase> | Transaction<ErpDatabase>, lines: readonly InvoiceLineRow[]): Promise<Map<string, CreditableLine>> {
  const credits = lines.length ? await repo.creditsByInvoiceLines(db, lines.map((line) => line.id)) : [];
  const committed = new Map(credits.map((row) => [row.invoice_line_id, String(row.committed)]));
  return new Map(
    lines.map((line) => [
      line.id,
      { id: line.id, invoiceId: line.invoice_id, amount: String(line.amount), currency: line.currency, released: line.released_at !== null, committed: committed.get(line.id) ?? '0' },
    ]),
  );
}

/** The draft's subtotal and provisional tax (as if issued now, after the invoice's issued notes), written on the note. */
async function refreshDraftTotals(trx: Transaction<ErpDatabase>, clock: Clock, note: CreditNoteRow, invoice: InvoiceRow) {
  const lines = await repo.creditNoteLinesByCreditNotes(trx, [note.id]);
  const before = await repo.issuedCreditTotalsOfInvoice(trx, invoice.id);
  const totals = creditNoteTotals(
    lines.map((line) => String(line.amount)),
    invoice.tax_rate_percent ?? '0',
    invoice.currency,
    { subtotal: String(before.subtotal), taxTotal: String(before.tax_total) },
    { subtotal: String(invoice.subtotal), taxTotal: String(invoice.tax_total) },
  );
  await trx
    .updateTable('credit_note')
    .set({ subtotal: totals.subtotal, tax_total: totals.taxTotal, total: totals.total, tax_rate_percent: invoice.tax_rate_percent, updated_at: clock.now() })
    .where('id', '=', note.id)
    .execute();
  return totals;
}

/**
 * Adds planned lines to a DRAFT credit note of the (locked) invoice — `note`, or a new one — and announces them
 * (`erp.credit_note.drafted`). Each line points at its invoice line and the line's source.
 */
async function addCreditLines(
  trx: Transaction<ErpDatabase>,
  clock: Clock,
  invoice: InvoiceRow,
  note: CreditNoteRow | undefined,
  planned: readonly PlannedCreditLine[],
  origin: CreditNoteOrigin,
  cause: EventCause,
): Promise<{ id: string; event: DomainEvent<CreditNoteDrafted> }> {
  const now = clock.now();
  let current = note;
  if (!current) {
    const id = randomUUID();
    await trx
      .insertInto('credit_note')
      .values({
        id, number: null, invoice_id: invoice.id, legal_entity_id: invoice.legal_entity_id, customer_id: invoice.customer_id, currency: invoice.currency,
        status: 'DRAFT', reason: [...new Set(planned.map((line) => line.reason))].join('; '), total: '0', issued_at: null, tax_rate_percent: invoice.tax_rate_percent,
        issue_date: null, voided_at: null, void_reason: null, created_at: now, updated_at: now,
      })
      .execute();
    current = (await repo.findCreditNoteForUpdate(trx, id))!;
  }
  const existing = await repo.creditNoteLinesByCreditNotes(trx, [current.id]);
  const invoiceLines = new Map((await repo.invoiceLinesByIds(trx, planned.map((line) => line.invoiceLineId))).map((row) => [row.id, row]));
  const rows = planned.map((line, index) => {
    const credited = invoiceLines.get(line.invoiceLineId)!;
    return {
      id: randomUUID(), credit_note_id: current.id, position: existing.length + index + 1, source_type: credited.source_type, source_id: credited.source_id,
      invoice_line_id: credited.id, project_id: credited.project_id, description: credited.description, amount: line.amount, currency: invoice.currency,
      reason: line.reason,
    };
  });
  await trx.insertInto('credit_note_line').values(rows).execute();
  const totals = await refreshDraftTotals(trx, clock, current, invoice);
  return {
    id: current.id,
    event: createEvent<CreditNoteDrafted>('erp', erpTopics.creditNoteDrafted, { typename: 'CreditNote', id: current.id }, {
      creditNoteId: current.id, invoiceId: invoice.id, invoiceNumber: invoice.number, customerId: invoice.customer_id, legalEntityId: invoice.legal_entity_id,
      origin,
      lines: rows.map((row) => ({
        creditNoteLineId: row.id, invoiceLineId: row.invoice_line_id, sourceType: row.source_type, sourceId: row.source_id,
        amount: signedCredit(row.amount, row.currency), reason: row.reason,
      })),
      subtotal: signedCredit(totals.subtotal, invoice.currency),
    }, cause, now),
  };
}

/**
 * The posting consumer's hand-off (DESIGN §4.5): a source whose approval was taken back while its billing event sits
 * on an issued invoice gets a credit note proposed — a line for what is left to credit of its invoice line (all of it,
 * unless finance credited part already), on the invoice's open DRAFT credit note or a new one. The caller holds the
 * invoice's and the billing event's locks. Nothing is proposed when the line is credited (or proposed) in full.
 */
export async function proposeReversalCredit(
  trx: Transaction<ErpDatabase>,
  clock: Clock,
  proposal: { invoice: InvoiceRow; line: InvoiceLineRow; cause: BillingReversalCause },
  eventCause: EventCause,
): Promise<{ creditNoteId: string | null; events: DomainEvent<unknown>[] }> {
  const { invoice, line } = proposal;
  const lines = await creditableLines(trx, [line]);
  const reason = `${line.source_type} ${line.source_id} taken back (${proposal.cause})`;
  // Nothing left to credit on the line: an earlier proposal or finance covered it.
  if (compareDecimals(remainingCredit(lines.get(line.id)!), '0') <= 0) return { creditNoteId: null, events: [] };
  const planned = planCreditLines(invoice, lines, [{ invoiceLineId: line.id, reason }]);
  const open = await repo.lockOpenDraftCreditNote(trx, invoice.id);
  const drafted = await addCreditLines(trx, clock, invoice, open, planned, 'REVERSAL', eventCause);
  return { creditNoteId: drafted.id, events: [drafted.event] };
}

/** An invoice being voided withdraws its DRAFT credit notes (there is nothing left to credit); their events. */
export async function withdrawDraftCreditNotes(trx: Transaction<ErpDatabase>, clock: Clock, invoiceId: string, reason: string, cause: EventCause) {
  const now = clock.now();
  const withdrawn = await trx
    .updateTable('credit_note')
    .set({ status: 'VOID', voided_at: now, void_reason: reason, updated_at: now })
    .where('invoice_id', '=', invoiceId)
    .where('status', '=', 'DRAFT')
    .returning('id')
    .execute();
  return withdrawn.map((row) =>
    createEvent<CreditNoteVoided>('erp', erpTopics.creditNoteVoided, { typename: 'CreditNote', id: row.id }, { creditNoteId: row.id, invoiceId, reason }, cause, now),
  );
}

export interface CreditNoteDeps {
  db: Kysely<ErpDatabase>;
  clock: Clock;
  /** The segregation-of-duties rules in force (SEGREGATION_OF_DUTIES; `credit-notes`: who drafted may not issue). */
  dutyRules?: readonly DutyRule[];
  onCommit: () => void;
}

/** Finance's credit-note use cases: FINANCE and ADMIN only; each one transaction with its outbox events, idempotent on its key. */
export function createCreditNoteService(deps: CreditNoteDeps) {
  const { db, clock } = deps;
  const write = transactionalWriter(db, deps.onCommit);
  const causeOf = (scope: RequestScope): EventCause => ({ correlationId: scope.correlationId });

  /** What a fully credited line's billing event becomes: REVERSED when its source's approval was taken back, else HELD (CREDITED). */
  async function settleCreditedEvents(trx: Transaction<ErpDatabase>, events: readonly BillingEventRow[], scope: RequestScope) {
    const now = clock.now();
    const takenBack = new Set<string>();
    for (const type of costSourceTypes) {
      const sources = events.filter((row) => row.source_type === type).map((row) => row.source_id);
      for (const sourceId of await repo.sourcesTakenBack(trx, type, sources)) takenBack.add(`${type}:${sourceId}`);
    }
    const reversed = events.filter((row) => takenBack.has(`${row.source_type}:${row.source_id}`));
    const held = events.filter((row) => !takenBack.has(`${row.source_type}:${row.source_id}`));
    if (held.length) {
      await trx.updateTable('billing_event').set({ status: 'HELD', held_reason: creditedHeldReason, updated_at: now }).where('id', 'in', held.map((row) => row.id)).execute();
    }
    if (reversed.length) {
      await trx.updateTable('billing_event').set({ status: 'REVERSED', held_reason: null, reversed_at: now, updated_at: now }).where('id', 'in', reversed.map((row) => row.id)).execute();
    }
    const announcements = reversed.map((row) =>
      createEvent<BillingEventReversed>('erp', erpTopics.billingEventReversed, { typename: 'BillingEvent', id: row.id }, {
        billingEventId: row.id, sourceType: row.source_type as CostSourceType, sourceId: row.source_id, contractId: row.contract_id, projectId: row.project_id,
        amount: money(row.amount, row.currency), cause: 'INVOICE_CREDITED', removedFromInvoiceId: null,
      }, causeOf(scope), now),
    );
    return { held, reversed, announcements };
  }

  return {
    /**
     * Drafts a credit note for an issued invoice (ISSUED, PARTIALLY_PAID or PAID; INVALID_TRANSITION otherwise): one
     * line per requested invoice line, its amount (in the invoice's currency) or by default all that is left of it; a
     * line's draft and issued credits never pass its amount (OVER_CREDIT), checked under the invoice's lock.
     */
    async draftCreditNote(scope: RequestScope, invoiceId: string, lines: readonly CreditNoteLineInput[], idempotencyKey?: string | null): Promise<string> {
      requireRole(scope.identity, ...financeRoles);
      const requests: CreditLineRequest[] = lines.map((line, index) => ({
        invoiceLineId: line.invoiceLineId,
        reason: checkText(`lines[${index}].reason`, line.reason, 500),
        amount: line.amount
          ? {
              currency: checkCurrency(`lines[${index}].amount.currency`, line.amount.currency),
              amount: checkDecimal(`lines[${index}].amount.amount`, line.amount.amount, { scale: minorUnits(line.amount.currency), min: 'positive' }),
            }
          : null,
      }));
      return write(scope, 'draftCreditNote', idempotencyKey, { invoiceId, lines }, async (trx) => {
        const invoice = await repo.findInvoiceForUpdate(trx, invoiceId);
        if (!invoice) throw notFound('Invoice', invoiceId);
        assertCreditableInvoice(invoice.status);
        if (requests.length === 0) throw badInput('lines', 'a credit note credits at least one invoice line');
        const invoiceLines = await repo.invoiceLinesByIds(trx, [...new Set(requests.map((request) => request.invoiceLineId))]);
        const planned = planCreditLines(invoice, await creditableLines(trx, invoiceLines), requests);
        const drafted = await addCreditLines(trx, clock, invoice, undefined, planned, 'MANUAL', causeOf(scope));
        await recordAudit(trx, scope, {
          entityType: 'CreditNote',
          entityId: drafted.id,
          operation: 'draftCreditNote',
          before: null,
          after: { invoiceId: invoice.id, status: 'DRAFT', lines: planned },
        });
        await appendToOutbox(trx, [drafted.event]);
        return drafted.id;
      });
    },

    /**
     * DRAFT → ISSUED: the next number of the legal entity's CREDIT_NOTE sequence (under its row lock: gapless), the
     * issue date, tax at the invoice's rate (cumulative rounding: domain/credit-notes.ts). The invoice's balance drops
     * by the total; its status stays (a negative balance is a refund due). Lines credited in full are released; their
     * billing events wait HELD (CREDITED) for `rebillSources`, or are REVERSED when the source was taken back.
     */
    async issueCreditNote(scope: RequestScope, id: string, input: IssueCreditNoteInput = {}, idempotencyKey?: string | null): Promise<string> {
      requireRole(scope.identity, ...financeRoles);
      const issueDate = input.issueDate == null ? isoDate(clock.now()) : checkDate('issueDate', input.issueDate);
      return write(scope, 'issueCreditNote', idempotencyKey, { id, issueDate }, async (trx) => {
        const [peek] = await repo.creditNotesByIds(trx, [id]);
        if (!peek) throw notFound('CreditNote', id);
        const linesOfNote = async () => {
          const noteLines = await repo.creditNoteLinesByCreditNotes(trx, [id]);
          const creditedIds = [...new Set(noteLines.flatMap((line) => (line.invoice_line_id ? [line.invoice_line_id] : [])))];
          const credited = creditedIds.length ? await repo.invoiceLinesByIds(trx, creditedIds) : [];
          return { noteLines, credited, eventIds: credited.flatMap((line) => (line.billing_event_id ? [line.billing_event_id] : [])) };
        };
        // The billing events the note may release are locked before the invoice (the reversal's order: no deadlock).
        const known = await linesOfNote();
        const events = await repo.lockBillingEvents(trx, known.eventIds);
        const invoice = (await repo.findInvoiceForUpdate(trx, peek.invoice_id))!;
        const note = (await repo.findCreditNoteForUpdate(trx, id))!;
        assertCreditNoteTransition(note.status, 'issue');
        await assertSeparateDuties(trx, scope.identity, deps.dutyRules ?? [], 'credit-notes', 'issueCreditNote', id);
        assertCreditableInvoice(invoice.status);
        if (invoice.issue_date && issueDate < invoice.issue_date) throw badInput('issueDate', `must be on or after the invoice's issue date (${invoice.issue_date})`);
        // A reversal may have extended the draft before the invoice's lock was ours: its lines' events are locked too.
        const { noteLines: lines, credited: creditedLines, eventIds } = await linesOfNote();
        const lockedIds = new Set(events.map((row) => row.id));
        events.push(...(await repo.lockBillingEvents(trx, eventIds.filter((eventId) => !lockedIds.has(eventId)))));
        if (lines.length === 0) throw badInput('id', 'a credit note without lines is not issued');

        const before = await repo.issuedCreditTotalsOfInvoice(trx, invoice.id);
        const rate = invoice.tax_rate_percent ?? '0';
        const totals = creditNoteTotals(lines.map((line) => String(line.amount)), rate, invoice.currency, {
          subtotal: String(before.subtotal),
          taxTotal: String(before.tax_total),
        }, { subtotal: String(invoice.subtotal), taxTotal: String(invoice.tax_total) });
        const sequence = await repo.lockDocumentSequence(trx, invoice.legal_entity_id, 'CREDIT_NOTE');
        await trx.updateTable('document_sequence').set({ next_number: sequence + 1 }).where('legal_entity_id', '=', invoice.legal_entity_id).where('kind', '=', 'CREDIT_NOTE').execute();
        const number = documentNumber('CREDIT_NOTE', sequence);
        const now = clock.now();
        const issuedNote = {
          number, status: 'ISSUED' as const, issue_date: issueDate, issued_at: now, tax_rate_percent: rate, subtotal: totals.subtotal,
          tax_total: totals.taxTotal, total: totals.total,
        };
        await trx.updateTable('credit_note').set({ ...issuedNote, updated_at: now }).where('id', '=', id).execute();
        const afterIssue = { ...note, ...issuedNote };
        await recordAudit(trx, scope, { entityType: 'CreditNote', entityId: id, operation: 'issueCreditNote', before: note, after: afterIssue });

        // Lines now credited in full by issued notes let go of their source.
        const credits = creditedLines.length ? await repo.creditsByInvoiceLines(trx, creditedLines.map((line) => line.id)) : [];
        const issued = new Map(credits.map((row) => [row.invoice_line_id, String(row.issued)]));
        const released = creditedLines.filter((line) => line.released_at === null && fullyCredited(String(line.amount), issued.get(line.id) ?? '0'));
        if (released.length) await trx.updateTable('invoice_line').set({ released_at: now }).where('id', 'in', released.map((line) => line.id)).execute();
        const releasedEventIds = new Set(released.flatMap((line) => (line.billing_event_id ? [line.billing_event_id] : [])));
        const settled = await settleCreditedEvents(trx, events.filter((row) => releasedEventIds.has(row.id) && row.status === 'BILLED'), scope);
        await trx.updateTable('invoice').set({ updated_at: now }).where('id', '=', invoice.id).execute();

        const [settlement] = await repo.settlementsByInvoices(trx, [invoice.id]);
        const balance = invoiceBalance(String(invoice.total), String(settlement?.paid ?? '0'), String(settlement?.credited ?? '0'));
        await appendToOutbox(trx, [
          createEvent<CreditNoteIssued>('erp', erpTopics.creditNoteIssued, { typename: 'CreditNote', id }, {
            creditNoteId: id, number, invoiceId: invoice.id, invoiceNumber: invoice.number, customerId: invoice.customer_id, legalEntityId: invoice.legal_entity_id,
            issueDate, taxRatePercent: rate, subtotal: signedCredit(totals.subtotal, invoice.currency), taxTotal: signedCredit(totals.taxTotal, invoice.currency),
            total: signedCredit(totals.total, invoice.currency), invoiceBalance: money(balance, invoice.currency), releasedInvoiceLineIds: released.map((line) => line.id),
            awaitingRebillBillingEventIds: settled.held.map((row) => row.id), reversedBillingEventIds: settled.reversed.map((row) => row.id),
          }, causeOf(scope), now),
          ...settled.announcements,
        ]);
        return id;
      });
    },

    /** DRAFT → VOID (kept, with its reason): its lines no longer count against their invoice lines. An issued note is never voided. */
    async voidCreditNote(scope: RequestScope, id: string, reason: string, idempotencyKey?: string | null): Promise<string> {
      requireRole(scope.identity, ...financeRoles);
      const why = checkText('reason', reason, 500);
      return write(scope, 'voidCreditNote', idempotencyKey, { id, reason: why }, async (trx) => {
        const [peek] = await repo.creditNotesByIds(trx, [id]);
        if (!peek) throw notFound('CreditNote', id);
        await repo.findInvoiceForUpdate(trx, peek.invoice_id);
        const note = (await repo.findCreditNoteForUpdate(trx, id))!;
        assertCreditNoteTransition(note.status, 'void');
        const now = clock.now();
        await trx.updateTable('credit_note').set({ status: 'VOID', voided_at: now, void_reason: why, updated_at: now }).where('id', '=', id).execute();
        const voided = { ...note, status: 'VOID', voided_at: now, void_reason: why };
        await recordAudit(trx, scope, { entityType: 'CreditNote', entityId: id, operation: 'voidCreditNote', before: note, after: voided, reason: why });
        await appendToOutbox(trx, [
          createEvent<CreditNoteVoided>('erp', erpTopics.creditNoteVoided, { typename: 'CreditNote', id }, { creditNoteId: id, invoiceId: note.invoice_id, reason: why }, causeOf(scope), now),
        ]);
        return id;
      });
    },

    /**
     * Bills credited sources again, only when asked: each named invoice line (or each named source's latest invoice
     * line) must be credited in full by issued notes (PARTIALLY_CREDITED, NOT_CREDITED otherwise) and its source not
     * taken back (SOURCE_REVERSED); its billing event, HELD (CREDITED), becomes UNBILLED for the next draft — or HELD
     * (CAP_REACHED) when that would pass the contract's not-to-exceed cap. All or nothing. Returns the billing events.
     */
    async rebillSources(scope: RequestScope, input: RebillSourcesInput, idempotencyKey?: string | null): Promise<string[]> {
      requireRole(scope.identity, ...financeRoles);
      const lineIds = [...new Set(input.invoiceLineIds ?? [])];
      const sourceIds = [...new Set(input.sourceIds ?? [])];
      if (lineIds.length + sourceIds.length === 0) throw badInput('input', 'name at least one invoice line or source');
      if (lineIds.length + sourceIds.length > 500) throw badInput('input', 'at most 500 invoice lines and sources at once');
      return write(scope, 'rebillSources', idempotencyKey, { lineIds, sourceIds }, async (trx) => {
        const byId = lineIds.length ? await repo.invoiceLinesByIds(trx, lineIds) : [];
        for (const id of lineIds) if (!byId.some((line) => line.id === id)) throw notFound('InvoiceLine', id);
        const latestOfSource = new Map<string, InvoiceLineRow>();
        for (const line of sourceIds.length ? await repo.linesBySources(trx, sourceIds) : []) if (!latestOfSource.has(line.source_id!)) latestOfSource.set(line.source_id!, line);
        for (const id of sourceIds) if (!latestOfSource.has(id)) throw notFound('InvoiceLine', `billing source ${id}`);
        // In the request's order, so the first refusal is the first line named that cannot be billed again.
        const named = [...lineIds.map((id) => byId.find((line) => line.id === id)!), ...sourceIds.map((id) => latestOfSource.get(id)!)];
        const lines = [...new Map(named.map((line) => [line.id, line])).values()];

        const events = new Map((await repo.lockBillingEvents(trx, lines.flatMap((line) => (line.billing_event_id ? [line.billing_event_id] : [])))).map((row) => [row.id, row]));
        const issued = new Map((await repo.creditsByInvoiceLines(trx, lines.map((line) => line.id))).map((row) => [row.invoice_line_id, String(row.issued)]));
        for (const line of lines) {
          const event = line.billing_event_id ? events.get(line.billing_event_id) : undefined;
          assertRebillable({
            invoiceLineId: line.id, lineAmount: String(line.amount), issuedCredits: issued.get(line.id) ?? '0',
            eventStatus: event?.status ?? null, heldReason: event?.held_reason ?? null,
          });
        }

        const now = clock.now();
        const announcements: DomainEvent<unknown>[] = [];
        const rebilled: string[] = [];
        // Off its credited line, an event has its own rounding again (a group's share belonged to that invoice).
        const amounts = await restoreOwnAmounts(trx, lines.map((line) => events.get(line.billing_event_id!)!), clock.now());
        for (const line of lines) {
          const event = { ...events.get(line.billing_event_id!)!, amount: amounts.get(line.billing_event_id!)! };
          // The cap is judged again, under the setup's lock, as for any new billing event (billing-models.ts).
          const setup = await repo.lockBillingSetupByContract(trx, event.contract_id);
          const usage = setup && setup.currency === event.currency ? capUsageOf(setup, await repo.capSumsByContracts(trx, [event.contract_id])) : null;
          const heldReason = usage && exceedsCap(usage, String(event.amount)) ? 'CAP_REACHED' : null;
          const status = heldReason ? ('HELD' as const) : ('UNBILLED' as const);
          await trx.updateTable('billing_event').set({ status, held_reason: heldReason, updated_at: clock.now() }).where('id', '=', event.id).execute();
          rebilled.push(event.id);
          announcements.push(
            createEvent<BillingEventRebilled>('erp', erpTopics.billingEventRebilled, { typename: 'BillingEvent', id: event.id }, {
              billingEventId: event.id, sourceType: event.source_type, sourceId: event.source_id, contractId: event.contract_id, projectId: event.project_id,
              creditedInvoiceLineId: line.id, amount: money(String(event.amount), event.currency), status, heldReason,
            }, causeOf(scope), now),
          );
        }
        await appendToOutbox(trx, announcements);
        return rebilled;
      });
    },
  };
}

export type CreditNoteService = ReturnType<typeof createCreditNoteService>;
